package audit

import (
	"context"
	"crypto"
	"fmt"
	"log/slog"
	"time"

	"github.com/schakel/schakel/internal/sqlitedb"
)

// SQLiteStore is the audit log of one node in a SQLite file.
type SQLiteStore struct{ *logStore }

const sqliteSchema = `
CREATE TABLE IF NOT EXISTS head (id INTEGER PRIMARY KEY CHECK (id = 1), size INTEGER NOT NULL);
INSERT OR IGNORE INTO head (id, size) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS records (
	idx        INTEGER PRIMARY KEY,
	entry      BLOB NOT NULL,    -- 41-byte leaf entry; kept after pruning
	body       BLOB,             -- canonical JSON body; NULL once pruned
	subject    TEXT,             -- pseudonym, for inzage; NULL once pruned
	expires_ms INTEGER NOT NULL,
	hashes     BLOB NOT NULL     -- tlog stored hashes committed with this record
);
CREATE INDEX IF NOT EXISTS records_subject ON records (subject) WHERE subject IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_expires ON records (expires_ms) WHERE body IS NOT NULL;
CREATE TABLE IF NOT EXISTS checkpoints (size INTEGER PRIMARY KEY, note BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS receipts (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	decision_id    TEXT NOT NULL,
	payload_digest TEXT NOT NULL,
	holder_origin  TEXT NOT NULL,
	holder_key     BLOB NOT NULL,
	holder_index   INTEGER NOT NULL,
	leaf_hash      BLOB NOT NULL,
	proof          BLOB NOT NULL,
	checkpoint     BLOB NOT NULL,
	signature      BLOB NOT NULL,
	local_index    INTEGER NOT NULL,
	received_ms    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS receipts_decision ON receipts (decision_id);
CREATE TABLE IF NOT EXISTS obligations (
	id            TEXT PRIMARY KEY,
	kind          TEXT NOT NULL,
	decision_id   TEXT NOT NULL,
	flow          TEXT NOT NULL,
	recipient_oin TEXT NOT NULL,
	created_ms    INTEGER NOT NULL,
	done_ms       INTEGER
);
-- The latest register or withdraw record of each consent, written with it.
CREATE TABLE IF NOT EXISTS consent_heads (
	consent_id TEXT PRIMARY KEY,
	idx        INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS statements (
	idx        INTEGER PRIMARY KEY, -- the record's index
	statement  BLOB NOT NULL,
	signature  BLOB NOT NULL,
	signer_key BLOB NOT NULL
);
`

// OpenSQLite opens (creating if needed, mode 0600) the audit log at path. The database
// runs in WAL mode with synchronous=FULL, so every committed batch is fsynced before
// Append returns; wal_autocheckpoint is off and a background goroutine checkpoints every
// cfg.CheckpointEvery instead, keeping checkpoint stalls off the writer's path;
// secure_delete overwrites pruned details. With a nil signer the store is read-only
// (verify, inzage, export, prune).
func OpenSQLite(path string, cfg Config, signer crypto.Signer, logger *slog.Logger) (*SQLiteStore, error) {
	cfg.defaults()
	if signer != nil && cfg.Origin == "" {
		return nil, fmt.Errorf("audit: Config.Origin is required")
	}
	db, err := sqlitedb.Open(path, sqlitedb.Options{SecureDelete: true, ManualCheckpoint: true, Log: logger})
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, sqliteSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("audit: create schema: %w", err)
	}
	t := tableNames{head: "head", records: "records", checkpoints: "checkpoints", receipts: "receipts", obligations: "obligations", statements: "statements", consentHeads: "consent_heads"}
	ls, err := newLogStore(stdDB{db}, dialectSQLite, cfg, signer, logger, t)
	if err != nil {
		db.Close()
		return nil, err
	}
	ls.bg.Add(1)
	go ls.walCheckpointer()
	return &SQLiteStore{ls}, nil
}

// walCheckpointer runs PASSIVE WAL checkpoints in the background (they never block the
// writer) and a TRUNCATE checkpoint on close.
func (s *logStore) walCheckpointer() {
	defer s.bg.Done()
	t := time.NewTicker(s.cfg.CheckpointEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if _, err := s.db.exec(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
				s.logger.Warn("audit WAL checkpoint failed", "err", err)
			}
		case <-s.quit:
			<-s.done
			if _, err := s.db.exec(context.Background(), "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
				s.logger.Warn("audit WAL checkpoint failed", "err", err)
			}
			return
		}
	}
}
