package source

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/schakel/schakel/gateway/bsn"
	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/schakel/schakel/internal/sqlitedb"
)

const schema = `
CREATE TABLE IF NOT EXISTS children (
	bsn                TEXT PRIMARY KEY,
	given_name         TEXT NOT NULL,
	family_name        TEXT NOT NULL,
	birth_date         TEXT NOT NULL, -- YYYY-MM-DD
	parents_had_inzage INTEGER NOT NULL DEFAULT 0,
	gemeente           TEXT NOT NULL DEFAULT '', -- woongemeente, CBS code (GM0153); '' unknown
	parents_with_gezag INTEGER NOT NULL DEFAULT 2 -- persons with gezag, 1 or 2
);
CREATE TABLE IF NOT EXISTS verzuim_meldingen (
	bsn    TEXT NOT NULL REFERENCES children(bsn),
	school TEXT NOT NULL, -- OIN of the school that made the melding
	ref    TEXT NOT NULL, -- e.g. the DUO meldingsnummer
	closed INTEGER NOT NULL DEFAULT 0, -- leerplicht closed it
	PRIMARY KEY (bsn, school, ref)
);
CREATE TABLE IF NOT EXISTS enrolments (
	bsn TEXT NOT NULL REFERENCES children(bsn),
	oin TEXT NOT NULL,
	PRIMARY KEY (bsn, oin)
);
CREATE TABLE IF NOT EXISTS category_data (
	bsn      TEXT NOT NULL REFERENCES children(bsn),
	category TEXT NOT NULL, -- a Record field name
	data     TEXT NOT NULL, -- protojson of that category's message
	PRIMARY KEY (bsn, category)
);`

// SQLite is the embedded default source: a local SQLite database holding
// fictional children, for demos and for organisations trying Schakel out.
type SQLite struct {
	db *sql.DB
	// Prepared once: preparing a statement costs more than running it.
	child1, facts, meldingen *sql.Stmt
	mu                       sync.Mutex
	data                     map[int]*sql.Stmt // category_data by the number of categories asked
}

var _ Source = (*SQLite)(nil)

// OpenSQLite opens (creating if needed) the SQLite source at path, in WAL
// mode. When the database holds no children it is filled from fixture (YAML,
// see DefaultFixture) in one transaction; a fixture with an invalid BSN, date,
// OIN or category is refused with an error naming the child. A database that
// already holds children is used as it is. The file is created 0600; log,
// when set, gets a warning if an existing file had to be narrowed to 0600
// (sqlitedb.Open).
func OpenSQLite(path string, fixture []byte, log *slog.Logger) (*SQLite, error) {
	db, err := sqlitedb.Open(path, sqlitedb.Options{ForeignKeys: true, Log: log})
	if err != nil {
		return nil, fmt.Errorf("source: open %s: %w", path, err)
	}
	// A fixed pool: database/sql keeps only two idle connections by
	// default, so concurrent requests would open (and configure) new SQLite
	// connections all the time.
	s := &SQLite{db: db, data: map[int]*sql.Stmt{}}
	if err := s.init(fixture); err != nil {
		db.Close()
		return nil, err
	}
	if s.child1, err = db.Prepare(`SELECT given_name, family_name, birth_date, parents_had_inzage FROM children WHERE bsn = ?`); err != nil {
		db.Close()
		return nil, fmt.Errorf("source: %w", err)
	}
	// The unauthorised hours are the verzuim record's own count (canonical
	// protojson omits a zero).
	if s.facts, err = db.Prepare(`SELECT c.birth_date, c.parents_had_inzage, c.gemeente, c.parents_with_gezag,
		EXISTS (SELECT 1 FROM enrolments e WHERE e.bsn = c.bsn AND e.oin = ?),
		EXISTS (SELECT 1 FROM enrolments e WHERE e.bsn = c.bsn AND e.oin = ?),
		COALESCE((SELECT json_extract(d.data, '$.unauthorisedHours4w') FROM category_data d WHERE d.bsn = c.bsn AND d.category = 'verzuim'), 0)
		FROM children c WHERE c.bsn = ?`); err != nil {
		db.Close()
		return nil, fmt.Errorf("source: %w", err)
	}
	if s.meldingen, err = db.Prepare(`SELECT ref FROM verzuim_meldingen WHERE bsn = ? AND school = ? AND closed = 0 ORDER BY ref`); err != nil {
		db.Close()
		return nil, fmt.Errorf("source: %w", err)
	}
	return s, nil
}

// dataStmt returns the prepared category_data query for n categories.
func (s *SQLite) dataStmt(ctx context.Context, n int) (*sql.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.data[n]; ok {
		return st, nil
	}
	st, err := s.db.PrepareContext(ctx, `SELECT category, data FROM category_data WHERE bsn = ? AND category IN (?`+strings.Repeat(", ?", n-1)+`)`)
	if err != nil {
		return nil, err
	}
	s.data[n] = st
	return st, nil
}

func (s *SQLite) init(fixture []byte) error {
	ctx := context.Background()
	if _, err := s.db.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("source: create schema: %w", err)
	}
	// A source database made before a column existed: add it. Before
	// residence, its children's woongemeente is unknown, which fails the
	// residence rule; before gezag, two persons with gezag are presumed (a
	// holder that does not know must not presume one parent).
	for _, col := range []struct{ name, def string }{
		{"gemeente", `TEXT NOT NULL DEFAULT ''`},
		{"parents_with_gezag", `INTEGER NOT NULL DEFAULT 2`},
	} {
		var has int
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info('children') WHERE name = ?`, col.name).Scan(&has); err != nil {
			return fmt.Errorf("source: %w", err)
		}
		if has == 0 {
			if _, err := s.db.ExecContext(ctx, `ALTER TABLE children ADD COLUMN `+col.name+` `+col.def); err != nil {
				return fmt.Errorf("source: add %s: %w", col.name, err)
			}
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM children`).Scan(&n); err != nil {
		return fmt.Errorf("source: %w", err)
	}
	if n > 0 {
		return nil
	}
	kids, err := parseFixture(fixture)
	if err != nil {
		return err
	}
	for _, k := range kids {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO children (bsn, given_name, family_name, birth_date, parents_had_inzage, gemeente, parents_with_gezag) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			k.BSN, k.GivenName, k.FamilyName, k.BirthDate.Format(dateLayout), k.ParentsHadInzage, k.Gemeente, k.ParentsWithGezag); err != nil {
			return fmt.Errorf("source: fill %q: %w", k.Name, err)
		}
		for _, m := range k.Meldingen {
			if _, err := tx.ExecContext(ctx, `INSERT INTO verzuim_meldingen (bsn, school, ref, closed) VALUES (?, ?, ?, ?)`, k.BSN, m.School, m.Ref, m.Closed); err != nil {
				return fmt.Errorf("source: fill %q: %w", k.Name, err)
			}
		}
		for _, oin := range k.EnrolledAt {
			if _, err := tx.ExecContext(ctx, `INSERT INTO enrolments (bsn, oin) VALUES (?, ?)`, k.BSN, oin); err != nil {
				return fmt.Errorf("source: fill %q: %w", k.Name, err)
			}
		}
		for cat, data := range k.Data {
			if _, err := tx.ExecContext(ctx, `INSERT INTO category_data (bsn, category, data) VALUES (?, ?, ?)`, k.BSN, cat, string(data)); err != nil {
				return fmt.Errorf("source: fill %q: %w", k.Name, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("source: fill: %w", err)
	}
	return nil
}

// Close closes the database.
func (s *SQLite) Close() error { return s.db.Close() }

type childRow struct {
	given, family, birth string
	inzage               bool
}

func (s *SQLite) child(ctx context.Context, id string) (childRow, error) {
	if err := bsn.Valid(id); err != nil {
		return childRow{}, fmt.Errorf("source: %w", err)
	}
	var r childRow
	err := s.child1.QueryRowContext(ctx, id).Scan(&r.given, &r.family, &r.birth, &r.inzage)
	if errors.Is(err, sql.ErrNoRows) {
		return childRow{}, ErrNotFound
	}
	if err != nil {
		return childRow{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return r, nil
}

// Facts implements Source. An invalid BSN gives an error wrapping
// bsn.ErrInvalid; an unknown child ErrNotFound. Two queries: the child's row
// with its enrolment at the holder and the recipient and its unauthorised
// hours, then the holder's open verzuim meldingen.
func (s *SQLite) Facts(ctx context.Context, id, holderOIN, recipientOIN string) (Facts, error) {
	if err := bsn.Valid(id); err != nil {
		return Facts{}, fmt.Errorf("source: %w", err)
	}
	var birthS string
	var inzage, enrolled, atHolder bool
	var gemeente string
	var gezag int
	var hours float64
	err := s.facts.QueryRowContext(ctx, holderOIN, recipientOIN, id).Scan(&birthS, &inzage, &gemeente, &gezag, &atHolder, &enrolled, &hours)
	if errors.Is(err, sql.ErrNoRows) {
		return Facts{}, ErrNotFound
	}
	if err != nil {
		return Facts{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	birth, err := time.Parse(dateLayout, birthS)
	if err != nil {
		return Facts{}, fmt.Errorf("%w: stored birth_date: %v", ErrUnavailable, err)
	}
	if gezag != 1 && gezag != 2 {
		return Facts{}, fmt.Errorf("%w: stored parents_with_gezag %d is not 1 or 2", ErrUnavailable, gezag)
	}
	rows, err := s.meldingen.QueryContext(ctx, id, holderOIN)
	if err != nil {
		return Facts{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer rows.Close()
	var meldingen []string
	for rows.Next() {
		var ref string
		if err := rows.Scan(&ref); err != nil {
			return Facts{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		meldingen = append(meldingen, ref)
	}
	if err := rows.Err(); err != nil {
		return Facts{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return Facts{Found: true, BirthDate: birth, EnrolledAtRecipient: enrolled, ParentsHadInzage: inzage, Gemeente: gemeente,
		EnrolledAtHolder: atHolder, ParentsWithGezag: gezag, UnauthorisedAbsenceHours4w: hours, OpenVerzuimMeldingen: meldingen}, nil
}

// Record implements Source: only the asked categories that the child has are
// present; identificatie and bsn are derived from the child's row.
func (s *SQLite) Record(ctx context.Context, id string, categories []string) (*recordv1.Record, error) {
	r, err := s.child(ctx, id)
	if err != nil {
		return nil, err
	}
	rec := &recordv1.Record{}
	var stored []string
	for _, c := range categories {
		switch {
		case c == "identificatie":
			rec.Identificatie = &recordv1.Identificatie{GivenName: r.given, FamilyName: r.family, BirthDate: r.birth}
		case c == "bsn":
			rec.Bsn = &recordv1.Bsn{Bsn: id}
		case categoryField(c) != nil:
			stored = append(stored, c)
		}
	}
	if len(stored) == 0 {
		return rec, nil
	}
	args := []any{id}
	for _, c := range stored {
		args = append(args, c)
	}
	st, err := s.dataStmt(ctx, len(stored))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer rows.Close()
	m := rec.ProtoReflect()
	for rows.Next() {
		var cat, data string
		if err := rows.Scan(&cat, &data); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		fd := categoryField(cat)
		msg := m.NewField(fd).Message()
		if err := protojson.Unmarshal([]byte(data), msg.Interface()); err != nil {
			return nil, fmt.Errorf("%w: stored %s: %v", ErrUnavailable, cat, err)
		}
		m.Set(fd, protoreflect.ValueOfMessage(msg))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	CutAbsence(rec)
	return rec, nil
}
