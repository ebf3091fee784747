package consent

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/schakel/schakel/gateway/bsn"

	"github.com/schakel/schakel/internal/sqlitedb"
)

const schema = `
CREATE TABLE IF NOT EXISTS consents (
	seq           INTEGER PRIMARY KEY AUTOINCREMENT,
	id            TEXT NOT NULL UNIQUE,
	bsn           TEXT NOT NULL,
	given_by      TEXT NOT NULL,
	recipient_oin TEXT NOT NULL,
	purpose       TEXT NOT NULL,
	categories    TEXT NOT NULL, -- JSON array
	given_at      INTEGER NOT NULL, -- Unix microseconds (all three times)
	valid_until   INTEGER,
	withdrawn_at  INTEGER,
	giver         TEXT NOT NULL DEFAULT '',
	audit_idx     INTEGER, -- index of the consent's latest audit record (Bind); NULL: not bound, not used
	holder_oin    TEXT NOT NULL DEFAULT '' -- the holder the consent names; '' any
);
-- The holder's notices of a coming release on a consent its recipient holds
-- (attested, held_by recipient): planned with an inform_before_release
-- obligation, announced when that obligation is ticked off, and objected to
-- (a withdrawal at the holder).
CREATE TABLE IF NOT EXISTS announcements (
	recipient_oin TEXT NOT NULL, -- the organisation that holds the consent
	consent_id    TEXT NOT NULL, -- its id in that organisation's statement
	obligation_id TEXT NOT NULL, -- the inform_before_release obligation
	planned_at    INTEGER NOT NULL, -- Unix microseconds (all three times)
	announced_at  INTEGER,
	objected_at   INTEGER,
	PRIMARY KEY (recipient_oin, consent_id, obligation_id)
);
CREATE INDEX IF NOT EXISTS announcements_by_obligation ON announcements (obligation_id);
CREATE INDEX IF NOT EXISTS consents_by_bsn ON consents (bsn, given_at, seq);`

// SQLiteStore is the consent register in a local SQLite database (WAL,
// synchronous=FULL: a registration or withdrawal is on disk when it returns).
// It stores the BSN as given: it is the holder's own record of the child.
type SQLiteStore struct {
	db    *sql.DB
	vocab Vocabulary
	list  *sql.Stmt // List's query, prepared once
	sel   string    // selectConsent, or its form for a register without audit_idx (read-only)
}

var _ Store = (*SQLiteStore)(nil)

// OpenSQLite opens (creating if needed, mode 0600) the consent register at
// path. Registrations are validated against vocab, which must not be nil.
// log, when set, gets a warning if an existing file had to be narrowed to
// 0600 (sqlitedb.Open).
func OpenSQLite(path string, vocab Vocabulary, log *slog.Logger) (*SQLiteStore, error) {
	if vocab == nil {
		return nil, errors.New("consent: a vocabulary is required")
	}
	db, err := sqlitedb.Open(path, sqlitedb.Options{Log: log})
	if err != nil {
		return nil, fmt.Errorf("consent: open %s: %w", path, err)
	}
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("consent: create schema: %w", err)
	}
	// A fixed pool: the default keeps two idle connections, so concurrent
	// requests would keep opening new SQLite connections.
	// A register made before consents had a giver or named their holder:
	// add the column (empty: any giver reference, any holder).
	for _, col := range []string{"giver", "holder_oin"} {
		var has int
		if err := db.QueryRow(`SELECT count(*) FROM pragma_table_info('consents') WHERE name = ?`, col).Scan(&has); err != nil {
			db.Close()
			return nil, fmt.Errorf("consent: %w", err)
		}
		if has == 0 {
			if _, err := db.Exec(`ALTER TABLE consents ADD COLUMN ` + col + ` TEXT NOT NULL DEFAULT ''`); err != nil {
				db.Close()
				return nil, fmt.Errorf("consent: add %s: %w", col, err)
			}
		}
	}
	// A register made before consents were bound to the audit log: add the
	// column. Its rows stay unbound, so they do not count until registered
	// again (see Bind).
	var hasIdx int
	if err := db.QueryRow(`SELECT count(*) FROM pragma_table_info('consents') WHERE name = 'audit_idx'`).Scan(&hasIdx); err != nil {
		db.Close()
		return nil, fmt.Errorf("consent: %w", err)
	}
	if hasIdx == 0 {
		if _, err := db.Exec(`ALTER TABLE consents ADD COLUMN audit_idx INTEGER`); err != nil {
			db.Close()
			return nil, fmt.Errorf("consent: add audit_idx: %w", err)
		}
	}
	list, err := db.Prepare(selectConsent + ` WHERE bsn = ? ORDER BY given_at, seq`)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("consent: %w", err)
	}
	return &SQLiteStore{db: db, vocab: vocab, list: list, sel: selectConsent}, nil
}

// OpenSQLiteReadOnly opens an existing consent register without creating or
// changing anything (`audit verify --config`). Only Get, List and All may
// be called on it; a register from before audit_idx reads as unbound.
func OpenSQLiteReadOnly(path string) (*SQLiteStore, error) {
	db, err := sqlitedb.Open(path, sqlitedb.Options{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("consent: open %s: %w", path, err)
	}
	sel := selectConsent
	for col, null := range map[string]string{"giver": "'' AS giver", "audit_idx": "NULL AS audit_idx", "holder_oin": "'' AS holder_oin"} {
		var has int
		if err := db.QueryRow(`SELECT count(*) FROM pragma_table_info('consents') WHERE name = ?`, col).Scan(&has); err != nil {
			db.Close()
			return nil, fmt.Errorf("consent: %w", err)
		}
		if has == 0 {
			sel = strings.Replace(sel, " "+col+",", " "+null+",", 1)
			sel = strings.Replace(sel, " "+col+" FROM", " "+null+" FROM", 1)
		}
	}
	list, err := db.Prepare(sel + ` WHERE bsn = ? ORDER BY given_at, seq`)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("consent: %w", err)
	}
	return &SQLiteStore{db: db, list: list, sel: sel}, nil
}

// Close closes the database.
func (s *SQLiteStore) Close() error { return s.db.Close() }

// Register implements Store. Any ID in c is replaced; a consent cannot be
// registered as already withdrawn.
func (s *SQLiteStore) Register(ctx context.Context, c Consent) (Consent, error) {
	err := Validate(c, s.vocab)
	if c.WithdrawnAt != nil {
		err = errors.Join(err, invalid(nil, "withdrawn_at must not be set when registering"))
	}
	if err != nil {
		return Consent{}, err
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Consent{}, fmt.Errorf("consent: id: %w", err)
	}
	c.ID = "c-" + hex.EncodeToString(b[:])
	c.Categories = append([]string(nil), c.Categories...)
	c.GivenAt = micro(c.GivenAt)
	if c.ValidUntil != nil {
		v := micro(*c.ValidUntil)
		c.ValidUntil = &v
	}
	cats, err := json.Marshal(c.Categories)
	if err != nil {
		return Consent{}, fmt.Errorf("consent: %w", err)
	}
	_, err = s.db.ExecContext(ctx,
		`INSERT INTO consents (id, bsn, given_by, recipient_oin, purpose, categories, given_at, valid_until, giver, holder_oin)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.BSN, c.GivenBy, c.RecipientOIN, c.Purpose, string(cats), c.GivenAt.UnixMicro(), micros(c.ValidUntil), c.Giver, c.HolderOIN)
	if err != nil {
		return Consent{}, fmt.Errorf("consent: register: %w", err)
	}
	return c, nil
}

// Withdraw implements Store. at must not be zero nor before the consent was given.
func (s *SQLiteStore) Withdraw(ctx context.Context, id string, at time.Time) (Consent, error) {
	if at.IsZero() {
		return Consent{}, invalid(nil, "withdrawal time is required")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Consent{}, fmt.Errorf("consent: withdraw: %w", err)
	}
	defer tx.Rollback()
	c, err := scanConsent(tx.QueryRowContext(ctx, s.sel+` WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Consent{}, ErrNotFound
	}
	if err != nil {
		return Consent{}, fmt.Errorf("consent: withdraw: %w", err)
	}
	if c.WithdrawnAt != nil {
		return Consent{}, fmt.Errorf("%w (at %s)", ErrAlreadyWithdrawn, c.WithdrawnAt.Format(time.RFC3339))
	}
	at = micro(at)
	if at.Before(c.GivenAt) {
		return Consent{}, invalid(nil, "withdrawal time is before the consent was given")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE consents SET withdrawn_at = ? WHERE id = ?`, at.UnixMicro(), id); err != nil {
		return Consent{}, fmt.Errorf("consent: withdraw: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Consent{}, fmt.Errorf("consent: withdraw: %w", err)
	}
	c.WithdrawnAt = &at
	return c, nil
}

// Get implements Store.
func (s *SQLiteStore) Get(ctx context.Context, id string) (Consent, error) {
	c, err := scanConsent(s.db.QueryRowContext(ctx, s.sel+` WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Consent{}, ErrNotFound
	}
	if err != nil {
		return Consent{}, fmt.Errorf("consent: get: %w", err)
	}
	return c, nil
}

// Bind implements Store.
func (s *SQLiteStore) Bind(ctx context.Context, id string, index uint64) error {
	if index > math.MaxInt64 {
		return fmt.Errorf("consent: bind: index %d out of range", index)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE consents SET audit_idx = ? WHERE id = ?`, int64(index), id)
	if err != nil {
		return fmt.Errorf("consent: bind: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrNotFound
	}
	return nil
}

// All returns every consent in the register, in the order registered
// (`audit verify --config`).
func (s *SQLiteStore) All(ctx context.Context) ([]Consent, error) {
	rows, err := s.db.QueryContext(ctx, s.sel+` ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("consent: all: %w", err)
	}
	defer rows.Close()
	var out []Consent
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			return nil, fmt.Errorf("consent: all: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("consent: all: %w", err)
	}
	return out, nil
}

// List implements Store. An invalid BSN is an error wrapping ErrInvalid and
// bsn.ErrInvalid.
func (s *SQLiteStore) List(ctx context.Context, id string) ([]Consent, error) {
	if err := bsn.Valid(id); err != nil {
		return nil, invalid(err, "%v", err)
	}
	rows, err := s.list.QueryContext(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("consent: list: %w", err)
	}
	defer rows.Close()
	var out []Consent
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			return nil, fmt.Errorf("consent: list: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("consent: list: %w", err)
	}
	return out, nil
}

const selectConsent = `SELECT id, bsn, given_by, recipient_oin, purpose, categories, given_at, valid_until, withdrawn_at, giver, audit_idx, holder_oin FROM consents`

func scanConsent(row interface{ Scan(...any) error }) (Consent, error) {
	var (
		c                Consent
		cats             string
		given            int64
		until, withdrawn sql.NullInt64
		idx              sql.NullInt64
	)
	if err := row.Scan(&c.ID, &c.BSN, &c.GivenBy, &c.RecipientOIN, &c.Purpose, &cats, &given, &until, &withdrawn, &c.Giver, &idx, &c.HolderOIN); err != nil {
		return Consent{}, err
	}
	if err := json.Unmarshal([]byte(cats), &c.Categories); err != nil {
		return Consent{}, fmt.Errorf("stored categories of %s: %w", c.ID, err)
	}
	c.GivenAt = time.UnixMicro(given).UTC()
	c.ValidUntil = timePtr(until)
	c.WithdrawnAt = timePtr(withdrawn)
	if idx.Valid && idx.Int64 >= 0 {
		i := uint64(idx.Int64)
		c.AuditIndex = &i
	}
	return c, nil
}

// micro is t as stored: UTC, truncated to microseconds.
func micro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func micros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

func timePtr(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := time.UnixMicro(n.Int64).UTC()
	return &t
}

// Announcement is the holder's notice to the givers of a consent its
// recipient holds (attested): the release of a special category waits until
// AnnouncedAt is attested_notice_days old (RULES.md, "Consents the recipient
// holds"). ObjectedAt is a giver's objection, a withdrawal at the holder.
type Announcement struct {
	RecipientOIN, ConsentID, ObligationID string
	PlannedAt                             time.Time
	AnnouncedAt, ObjectedAt               *time.Time
}

// PlanAnnouncement records that obligationID (an inform_before_release
// obligation) is the notice for the attested consent consentID of
// recipientOIN. Planning the same triple again changes nothing.
func (s *SQLiteStore) PlanAnnouncement(ctx context.Context, recipientOIN, consentID, obligationID string, at time.Time) error {
	if recipientOIN == "" || consentID == "" || obligationID == "" {
		return invalid(nil, "an announcement needs the recipient, the consent id and the obligation id")
	}
	_, err := s.db.ExecContext(ctx, `INSERT OR IGNORE INTO announcements (recipient_oin, consent_id, obligation_id, planned_at) VALUES (?, ?, ?, ?)`,
		recipientOIN, consentID, obligationID, micro(at).UnixMicro())
	if err != nil {
		return fmt.Errorf("consent: plan announcement: %w", err)
	}
	return nil
}

// Announce records that the notice of obligationID was given at at: every
// consent planned under it is announced (an earlier announcement stays). It
// reports how many consents the obligation announced (0: it was no notice).
func (s *SQLiteStore) Announce(ctx context.Context, obligationID string, at time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE announcements SET announced_at = ? WHERE obligation_id = ? AND announced_at IS NULL`,
		micro(at).UnixMicro(), obligationID)
	if err != nil {
		return 0, fmt.Errorf("consent: announce: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// Object records a giver's objection to the announced release on the
// attested consent consentID of recipientOIN, at at: the holder treats the
// consent as withdrawn from then on. ErrNotFound when the holder never
// planned a notice for that consent.
func (s *SQLiteStore) Object(ctx context.Context, recipientOIN, consentID string, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE announcements SET objected_at = ? WHERE recipient_oin = ? AND consent_id = ? AND objected_at IS NULL`,
		micro(at).UnixMicro(), recipientOIN, consentID)
	if err != nil {
		return fmt.Errorf("consent: object: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		var exists int
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM announcements WHERE recipient_oin = ? AND consent_id = ?`, recipientOIN, consentID).Scan(&exists); err != nil {
			return fmt.Errorf("consent: object: %w", err)
		}
		if exists == 0 {
			return ErrNotFound
		}
	}
	return nil
}

// Announced returns, for the attested consent consentID of recipientOIN,
// the earliest announcement and the earliest objection the holder recorded
// (nil: none).
func (s *SQLiteStore) Announced(ctx context.Context, recipientOIN, consentID string) (announced, objected *time.Time, err error) {
	var a, o sql.NullInt64
	err = s.db.QueryRowContext(ctx, `SELECT min(announced_at), min(objected_at) FROM announcements WHERE recipient_oin = ? AND consent_id = ?`,
		recipientOIN, consentID).Scan(&a, &o)
	if err != nil {
		return nil, nil, fmt.Errorf("consent: announced: %w", err)
	}
	return timePtr(a), timePtr(o), nil
}
