// Package obligation keeps the duties that releases create, such as
// inform_subject (AVG art. 13/14: tell the child or parents that data went
// out, to whom, why and on what basis) or inform_parents after a verzuim
// report. The holder's systems list open obligations and tick them off.
package obligation

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/schakel/schakel/internal/groupcommit"
)

// ErrNotFound means no obligation has that id.
var ErrNotFound = errors.New("obligation not found")

// Obligation is one duty.
type Obligation struct {
	ID           string
	Kind         string
	DecisionID   string
	Flow         string
	RecipientOIN string
	CreatedAt    time.Time
	DoneAt       *time.Time
}

// Store is an SQLite-backed obligation list.
type Store struct {
	db *sql.DB
	// adds group-commits concurrent Add calls: one transaction (one fsync)
	// for every decision's obligations queued while the previous commit ran.
	adds *groupcommit.Batcher[addition]
}

// addition is the obligations of one decision.
type addition struct {
	decisionID, flow, recipientOIN string
	kinds                          []string
	at                             time.Time
}

// OpenSQLite opens (and creates) the store at path.
func OpenSQLite(path string) (*Store, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, err
	}
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS obligations (
		id TEXT PRIMARY KEY, kind TEXT NOT NULL, decision_id TEXT NOT NULL, flow TEXT NOT NULL,
		recipient_oin TEXT NOT NULL, created_at INTEGER NOT NULL, done_at INTEGER)`); err != nil {
		db.Close()
		return nil, fmt.Errorf("obligations: %w", err)
	}
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	s := &Store{db: db}
	s.adds = &groupcommit.Batcher[addition]{Commit: s.insert}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Add records one obligation per kind for a decision. It returns once they
// are committed (synchronous=FULL); concurrent calls share a transaction.
func (s *Store) Add(ctx context.Context, decisionID, flow, recipientOIN string, kinds []string, at time.Time) error {
	return s.adds.Do(ctx, addition{decisionID: decisionID, flow: flow, recipientOIN: recipientOIN, kinds: kinds, at: at})
}

// insert writes the obligations of several decisions in one transaction.
func (s *Store) insert(ctx context.Context, adds []addition) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, a := range adds {
		for _, k := range a.kinds {
			var b [8]byte
			_, _ = rand.Read(b[:])
			if _, err := tx.ExecContext(ctx, `INSERT INTO obligations (id, kind, decision_id, flow, recipient_oin, created_at) VALUES (?,?,?,?,?,?)`,
				"o-"+hex.EncodeToString(b[:]), k, a.decisionID, a.flow, a.recipientOIN, a.at.UnixMilli()); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

// List returns obligations, oldest first; open ones only unless includeDone.
func (s *Store) List(ctx context.Context, includeDone bool) ([]Obligation, error) {
	q := `SELECT id, kind, decision_id, flow, recipient_oin, created_at, done_at FROM obligations`
	if !includeDone {
		q += ` WHERE done_at IS NULL`
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Obligation
	for rows.Next() {
		var o Obligation
		var created int64
		var done sql.NullInt64
		if err := rows.Scan(&o.ID, &o.Kind, &o.DecisionID, &o.Flow, &o.RecipientOIN, &created, &done); err != nil {
			return nil, err
		}
		o.CreatedAt = time.UnixMilli(created).UTC()
		if done.Valid {
			t := time.UnixMilli(done.Int64).UTC()
			o.DoneAt = &t
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// Complete marks an obligation done.
func (s *Store) Complete(ctx context.Context, id string, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE obligations SET done_at = ? WHERE id = ? AND done_at IS NULL`, at.UnixMilli(), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return nil
}
