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
	gemeente           TEXT NOT NULL DEFAULT '' -- woongemeente, CBS code (GM0153); '' unknown
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
	child1, facts *sql.Stmt
	mu            sync.Mutex
	data          map[int]*sql.Stmt // category_data by the number of categories asked
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
	if s.facts, err = db.Prepare(`SELECT c.birth_date, c.parents_had_inzage, c.gemeente,
		EXISTS (SELECT 1 FROM enrolments e WHERE e.bsn = c.bsn AND e.oin = ?) FROM children c WHERE c.bsn = ?`); err != nil {
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
	// A source database made before residence existed: add the column (its
	// children's woongemeente is then unknown, which fails the residence rule).
	var hasGemeente int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info('children') WHERE name = 'gemeente'`).Scan(&hasGemeente); err != nil {
		return fmt.Errorf("source: %w", err)
	}
	if hasGemeente == 0 {
		if _, err := s.db.ExecContext(ctx, `ALTER TABLE children ADD COLUMN gemeente TEXT NOT NULL DEFAULT ''`); err != nil {
			return fmt.Errorf("source: add gemeente: %w", err)
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
			`INSERT INTO children (bsn, given_name, family_name, birth_date, parents_had_inzage, gemeente) VALUES (?, ?, ?, ?, ?, ?)`,
			k.BSN, k.GivenName, k.FamilyName, k.BirthDate.Format(dateLayout), k.ParentsHadInzage, k.Gemeente); err != nil {
			return fmt.Errorf("source: fill %q: %w", k.Name, err)
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
// bsn.ErrInvalid; an unknown child ErrNotFound. One query: the child's row
// and whether it is enrolled at the recipient.
func (s *SQLite) Facts(ctx context.Context, id, recipientOIN string) (Facts, error) {
	if err := bsn.Valid(id); err != nil {
		return Facts{}, fmt.Errorf("source: %w", err)
	}
	var birthS string
	var inzage, enrolled bool
	var gemeente string
	err := s.facts.QueryRowContext(ctx, recipientOIN, id).Scan(&birthS, &inzage, &gemeente, &enrolled)
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
	return Facts{Found: true, BirthDate: birth, EnrolledAtRecipient: enrolled, ParentsHadInzage: inzage, Gemeente: gemeente}, nil
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
	return rec, nil
}
