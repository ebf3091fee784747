package consult

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/schakel/schakel/internal/sqlitedb"
)

// Store keeps the consults a node sent and received, and their answers.
// Only consults both packs allowed are stored: their content is the closed
// lists of the pack, never a name or a number.
type Store struct {
	db *sql.DB
}

const schema = `
CREATE TABLE IF NOT EXISTS consult_received (
	id             TEXT NOT NULL,
	sender_oin     TEXT NOT NULL,
	holder_role    TEXT NOT NULL,
	recipient_role TEXT NOT NULL,
	content        TEXT NOT NULL,
	received_ms    INTEGER NOT NULL,
	advice         TEXT NOT NULL DEFAULT '',
	role           TEXT NOT NULL DEFAULT '',
	answered_ms    INTEGER,
	PRIMARY KEY (sender_oin, id)
);
CREATE TABLE IF NOT EXISTS consult_sent (
	id             TEXT PRIMARY KEY,
	recipient_oin  TEXT NOT NULL,
	recipient_role TEXT NOT NULL,
	content        TEXT NOT NULL,
	sent_ms        INTEGER NOT NULL
);
`

// DBPath is where a node keeps its consults.
func DBPath(dataDir string) string { return filepath.Join(dataDir, "consults.db") }

// OpenStore opens (creating) the consult store at path.
func OpenStore(path string, log *slog.Logger) (*Store, error) {
	db, err := sqlitedb.Open(path, sqlitedb.Options{MaxConns: 4, Log: log})
	if err != nil {
		return nil, fmt.Errorf("consult: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("consult: create schema: %w", err)
	}
	return &Store{db: db}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Content is what a consult may hold (RULES.md "Consultation without a
// name"), once both packs allowed it.
type Content struct {
	AgeBand    string   `json:"age_band,omitempty"`
	SchoolType string   `json:"school_type,omitempty"`
	Concerns   []string `json:"concerns,omitempty"`
	Question   string   `json:"question,omitempty"`
}

// Received is a consult this node received.
type Received struct {
	ID, SenderOIN, HolderRole, RecipientRole string
	Content                                  Content
	ReceivedAt                               time.Time
	Advice, Role                             string
	AnsweredAt                               *time.Time
}

// ErrNotFound is returned for no such consult.
var ErrNotFound = errors.New("consult: no such consult")

func (s *Store) putReceived(ctx context.Context, r Received) error {
	b, err := json.Marshal(r.Content)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO consult_received (id, sender_oin, holder_role, recipient_role, content, received_ms)
		VALUES (?, ?, ?, ?, ?, ?)`, r.ID, r.SenderOIN, r.HolderRole, r.RecipientRole, string(b), r.ReceivedAt.UnixMilli())
	return err
}

func (s *Store) putSent(ctx context.Context, id, recipientOIN, recipientRole string, c Content, at time.Time) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO consult_sent (id, recipient_oin, recipient_role, content, sent_ms) VALUES (?, ?, ?, ?, ?)`,
		id, recipientOIN, recipientRole, string(b), at.UnixMilli())
	return err
}

// sentTo returns the consultee of a consult this node sent.
func (s *Store) sentTo(ctx context.Context, id string) (oin string, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT recipient_oin FROM consult_sent WHERE id = ?`, id).Scan(&oin)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return oin, err
}

const recCols = `id, sender_oin, holder_role, recipient_role, content, received_ms, advice, role, answered_ms`

func scanReceived(sc interface{ Scan(...any) error }) (Received, error) {
	var r Received
	var content string
	var rec int64
	var ans sql.NullInt64
	if err := sc.Scan(&r.ID, &r.SenderOIN, &r.HolderRole, &r.RecipientRole, &content, &rec, &r.Advice, &r.Role, &ans); err != nil {
		return Received{}, err
	}
	if err := json.Unmarshal([]byte(content), &r.Content); err != nil {
		return Received{}, err
	}
	r.ReceivedAt = time.UnixMilli(rec).UTC()
	if ans.Valid {
		t := time.UnixMilli(ans.Int64).UTC()
		r.AnsweredAt = &t
	}
	return r, nil
}

// received returns one received consult.
func (s *Store) received(ctx context.Context, senderOIN, id string) (Received, error) {
	r, err := scanReceived(s.db.QueryRowContext(ctx, `SELECT `+recCols+` FROM consult_received WHERE sender_oin = ? AND id = ?`, senderOIN, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Received{}, ErrNotFound
	}
	return r, err
}

// receivedByID returns a received consult by its id alone (ids are random,
// 128 bits; the sender is part of the key only against a peer reusing one).
func (s *Store) receivedByID(ctx context.Context, id string) (Received, error) {
	r, err := scanReceived(s.db.QueryRowContext(ctx, `SELECT `+recCols+` FROM consult_received WHERE id = ? ORDER BY received_ms LIMIT 1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Received{}, ErrNotFound
	}
	return r, err
}

// Open lists received consults without an answer, oldest first.
func (s *Store) Open(ctx context.Context) ([]Received, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+recCols+` FROM consult_received WHERE answered_ms IS NULL ORDER BY received_ms, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Received
	for rows.Next() {
		r, err := scanReceived(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// answer stores the answer to an open consult; ErrAnswered when it already
// has one.
func (s *Store) answer(ctx context.Context, senderOIN, id, advice, role string, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE consult_received SET advice = ?, role = ?, answered_ms = ?
		WHERE sender_oin = ? AND id = ? AND answered_ms IS NULL`, advice, role, at.UnixMilli(), senderOIN, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrAnswered
	}
	return nil
}

// ErrAnswered is returned when the consult already has an answer.
var ErrAnswered = errors.New("consult: this consult has already been answered")

// Counts reports how many consults the store holds (tests: nothing stored
// after a refusal).
func (s *Store) Counts(ctx context.Context) (sent, received int, err error) {
	if err = s.db.QueryRowContext(ctx, `SELECT count(*) FROM consult_sent`).Scan(&sent); err != nil {
		return
	}
	err = s.db.QueryRowContext(ctx, `SELECT count(*) FROM consult_received`).Scan(&received)
	return
}
