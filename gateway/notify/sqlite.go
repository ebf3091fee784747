package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schakel/schakel/internal/sqlitedb"
)

// SQLiteStore is the outbox and inbox of one node in a SQLite file: WAL mode,
// synchronous=FULL, so every committed change is on disk before a call
// returns.
type SQLiteStore struct {
	db *sql.DB
}

const sqliteSchema = `
CREATE TABLE IF NOT EXISTS outbox (
	id                TEXT PRIMARY KEY,
	idempotency_key   TEXT NOT NULL UNIQUE,
	request_digest    TEXT NOT NULL,
	recipient_oin     TEXT NOT NULL,
	purpose           TEXT NOT NULL,
	flow              TEXT NOT NULL,
	bsn               TEXT NOT NULL,
	role              TEXT NOT NULL,
	recipient_role    TEXT NOT NULL,
	case_reference    TEXT NOT NULL,
	justification     TEXT NOT NULL,
	record            BLOB,
	decision          BLOB NOT NULL,
	trace_id          TEXT NOT NULL,
	state             TEXT NOT NULL,
	attempts          INTEGER NOT NULL,
	last_error        TEXT NOT NULL,
	created_ms        INTEGER NOT NULL,
	updated_ms        INTEGER NOT NULL,
	next_ms           INTEGER NOT NULL,
	remote_id         TEXT NOT NULL,
	receipt_digest    TEXT NOT NULL,
	receipt_signature BLOB
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (recipient_oin, next_ms) WHERE state = 'queued';
CREATE INDEX IF NOT EXISTS outbox_created ON outbox (created_ms);
CREATE TABLE IF NOT EXISTS inbox (
	id                TEXT PRIMARY KEY,
	sender_oin        TEXT NOT NULL,
	idempotency_key   TEXT NOT NULL,
	flow              TEXT NOT NULL,
	purpose           TEXT NOT NULL,
	bsn               TEXT NOT NULL,
	holder_role       TEXT NOT NULL,
	recipient_role    TEXT NOT NULL,
	case_reference    TEXT NOT NULL,
	record            BLOB,
	decision          BLOB NOT NULL,
	proof             BLOB NOT NULL,
	payload_digest    TEXT NOT NULL,
	receipt_signature BLOB NOT NULL,
	receipt_index     INTEGER NOT NULL,
	received_ms       INTEGER NOT NULL,
	acked_ms          INTEGER,
	UNIQUE (sender_oin, idempotency_key)
);
CREATE INDEX IF NOT EXISTS inbox_pull ON inbox (received_ms) WHERE acked_ms IS NULL;
`

// OpenSQLite opens (creating if needed, mode 0600) the store at path. log,
// when set, gets a warning if an existing file had to be narrowed to 0600
// (sqlitedb.Open).
func OpenSQLite(path string, log *slog.Logger) (*SQLiteStore, error) {
	return openSQLite(path, false, log)
}

// OpenSQLiteReadOnly opens an existing store for reading only (the status
// command reads a running node's outbox this way).
func OpenSQLiteReadOnly(path string) (*SQLiteStore, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	return openSQLite(path, true, nil)
}

func openSQLite(path string, readOnly bool, log *slog.Logger) (*SQLiteStore, error) {
	db, err := sqlitedb.Open(path, sqlitedb.Options{ReadOnly: readOnly, MaxConns: 4, Log: log})
	if err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	if !readOnly {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, sqliteSchema); err != nil {
			db.Close()
			return nil, fmt.Errorf("notify: create schema: %w", err)
		}
	}
	return &SQLiteStore{db: db}, nil
}

// Close closes the database.
func (s *SQLiteStore) Close() error { return s.db.Close() }

const outCols = `id, idempotency_key, request_digest, recipient_oin, purpose, flow, bsn, role, recipient_role,
	case_reference, justification, record, decision, trace_id, state, attempts, last_error,
	created_ms, updated_ms, next_ms, remote_id, receipt_digest, receipt_signature`

type scanner interface{ Scan(dest ...any) error }

func scanOut(r scanner) (Outgoing, error) {
	var o Outgoing
	var state string
	var created, updated, next int64
	err := r.Scan(&o.ID, &o.IdempotencyKey, &o.RequestDigest, &o.RecipientOIN, &o.Purpose, &o.Flow, &o.BSN, &o.Role,
		&o.RecipientRole, &o.CaseReference, &o.Justification, &o.Record, &o.Decision, &o.TraceID, &state, &o.Attempts,
		&o.LastError, &created, &updated, &next, &o.RemoteID, &o.ReceiptDigest, &o.ReceiptSignature)
	if err != nil {
		return Outgoing{}, err
	}
	o.State = State(state)
	o.CreatedAt, o.UpdatedAt, o.NextAttempt = fromMS(created), fromMS(updated), fromMS(next)
	return o, nil
}

func fromMS(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// Enqueue implements Store.
func (s *SQLiteStore) Enqueue(ctx context.Context, o Outgoing) (Outgoing, bool, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO outbox (`+outCols+`)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (idempotency_key) DO NOTHING`,
		o.ID, o.IdempotencyKey, o.RequestDigest, o.RecipientOIN, o.Purpose, o.Flow, o.BSN, o.Role, o.RecipientRole,
		o.CaseReference, o.Justification, o.Record, o.Decision, o.TraceID, string(o.State), o.Attempts, o.LastError,
		o.CreatedAt.UnixMilli(), o.UpdatedAt.UnixMilli(), o.NextAttempt.UnixMilli(), o.RemoteID, o.ReceiptDigest,
		o.ReceiptSignature)
	if err != nil {
		return Outgoing{}, false, fmt.Errorf("notify: enqueue: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return o, true, nil
	}
	existing, ok, err := s.OutgoingByKey(ctx, o.IdempotencyKey)
	if err != nil {
		return Outgoing{}, false, err
	}
	if !ok {
		return Outgoing{}, false, errors.New("notify: enqueue: conflict without a row")
	}
	return existing, false, nil
}

// OutgoingByKey implements Store.
func (s *SQLiteStore) OutgoingByKey(ctx context.Context, key string) (Outgoing, bool, error) {
	o, err := scanOut(s.db.QueryRowContext(ctx, `SELECT `+outCols+` FROM outbox WHERE idempotency_key = ?`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return Outgoing{}, false, nil
	}
	if err != nil {
		return Outgoing{}, false, fmt.Errorf("notify: %w", err)
	}
	return o, true, nil
}

// Outgoing implements Store.
func (s *SQLiteStore) Outgoing(ctx context.Context, id string) (Outgoing, error) {
	o, err := scanOut(s.db.QueryRowContext(ctx, `SELECT `+outCols+` FROM outbox WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Outgoing{}, ErrNotFound
	}
	if err != nil {
		return Outgoing{}, fmt.Errorf("notify: %w", err)
	}
	return o, nil
}

func (s *SQLiteStore) queryOut(ctx context.Context, query string, args ...any) ([]Outgoing, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	defer rows.Close()
	var out []Outgoing
	for rows.Next() {
		o, err := scanOut(rows)
		if err != nil {
			return nil, fmt.Errorf("notify: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// ListOutgoing implements Store.
func (s *SQLiteStore) ListOutgoing(ctx context.Context) ([]Outgoing, error) {
	return s.queryOut(ctx, `SELECT `+outCols+` FROM outbox ORDER BY created_ms, id`)
}

// Due implements Store.
func (s *SQLiteStore) Due(ctx context.Context, recipientOIN string, now time.Time, limit int) ([]Outgoing, error) {
	return s.queryOut(ctx, `SELECT `+outCols+` FROM outbox
		WHERE state = 'queued' AND recipient_oin = ? AND next_ms <= ? ORDER BY next_ms, created_ms LIMIT ?`,
		recipientOIN, now.UnixMilli(), limit)
}

// NextDue implements Store.
func (s *SQLiteStore) NextDue(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MIN(next_ms) FROM outbox WHERE state = 'queued'`).Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("notify: %w", err)
	}
	if !next.Valid {
		return time.Time{}, false, nil
	}
	return fromMS(next.Int64), true, nil
}

// Update implements Store.
func (s *SQLiteStore) Update(ctx context.Context, o Outgoing) error {
	record, bsn := o.Record, o.BSN
	if o.State == StateDelivered || o.State == StateCancelled {
		record, bsn = nil, ""
	}
	res, err := s.db.ExecContext(ctx, `UPDATE outbox SET state = ?, attempts = ?, last_error = ?, updated_ms = ?,
		next_ms = ?, remote_id = ?, receipt_digest = ?, receipt_signature = ?, record = ?, bsn = ?
		WHERE id = ? AND state = 'queued'`,
		string(o.State), o.Attempts, o.LastError, o.UpdatedAt.UnixMilli(), o.NextAttempt.UnixMilli(), o.RemoteID,
		o.ReceiptDigest, o.ReceiptSignature, record, bsn, o.ID)
	if err != nil {
		return fmt.Errorf("notify: update: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("%w: %s is not queued", ErrNotFound, o.ID)
	}
	return nil
}

const inCols = `id, sender_oin, idempotency_key, flow, purpose, bsn, holder_role, recipient_role, case_reference,
	record, decision, proof, payload_digest, receipt_signature, receipt_index, received_ms, acked_ms`

func scanIn(r scanner) (Incoming, error) {
	var in Incoming
	var received int64
	var acked sql.NullInt64
	var idx int64
	err := r.Scan(&in.ID, &in.SenderOIN, &in.IdempotencyKey, &in.Flow, &in.Purpose, &in.BSN, &in.HolderRole,
		&in.RecipientRole, &in.CaseReference, &in.Record, &in.Decision, &in.Proof, &in.PayloadDigest,
		&in.ReceiptSignature, &idx, &received, &acked)
	if err != nil {
		return Incoming{}, err
	}
	in.ReceiptIndex = uint64(idx)
	in.ReceivedAt = fromMS(received)
	if acked.Valid {
		t := fromMS(acked.Int64)
		in.AckedAt = &t
	}
	return in, nil
}

// Receive implements Store.
func (s *SQLiteStore) Receive(ctx context.Context, in Incoming) (Incoming, bool, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO inbox (`+inCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,NULL)
		ON CONFLICT (sender_oin, idempotency_key) DO NOTHING`,
		in.ID, in.SenderOIN, in.IdempotencyKey, in.Flow, in.Purpose, in.BSN, in.HolderRole, in.RecipientRole,
		in.CaseReference, in.Record, in.Decision, in.Proof, in.PayloadDigest, in.ReceiptSignature,
		int64(in.ReceiptIndex), in.ReceivedAt.UnixMilli())
	if err != nil {
		return Incoming{}, false, fmt.Errorf("notify: receive: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return in, false, nil
	}
	existing, ok, err := s.IncomingByKey(ctx, in.SenderOIN, in.IdempotencyKey)
	if err != nil {
		return Incoming{}, false, err
	}
	if !ok {
		return Incoming{}, false, errors.New("notify: receive: conflict without a row")
	}
	return existing, true, nil
}

// IncomingByKey implements Store.
func (s *SQLiteStore) IncomingByKey(ctx context.Context, senderOIN, key string) (Incoming, bool, error) {
	in, err := scanIn(s.db.QueryRowContext(ctx, `SELECT `+inCols+` FROM inbox WHERE sender_oin = ? AND idempotency_key = ?`,
		senderOIN, key))
	if errors.Is(err, sql.ErrNoRows) {
		return Incoming{}, false, nil
	}
	if err != nil {
		return Incoming{}, false, fmt.Errorf("notify: %w", err)
	}
	return in, true, nil
}

// Pull implements Store.
func (s *SQLiteStore) Pull(ctx context.Context, limit int) ([]Incoming, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+inCols+` FROM inbox WHERE acked_ms IS NULL
		ORDER BY received_ms, rowid LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	defer rows.Close()
	var out []Incoming
	for rows.Next() {
		in, err := scanIn(rows)
		if err != nil {
			return nil, fmt.Errorf("notify: %w", err)
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// Ack implements Store.
func (s *SQLiteStore) Ack(ctx context.Context, id string, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE inbox SET acked_ms = COALESCE(acked_ms, ?), record = NULL, bsn = ''
		WHERE id = ?`, at.UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("notify: ack: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("%w: %s", ErrNotFound, strings.TrimSpace(id))
	}
	return nil
}

// DBPath is where a node keeps its outbox and inbox: notify.db in its data
// directory.
func DBPath(dataDir string) string { return filepath.Join(dataDir, "notify.db") }
