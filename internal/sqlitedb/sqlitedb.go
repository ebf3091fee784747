// Package sqlitedb is the one place where the node opens an SQLite database
// (modernc.org/sqlite, pure Go). The durability settings are stated once,
// here: every store a node writes runs in WAL mode with synchronous=FULL, so
// a transaction that returned is on disk; writers take the write lock at
// BEGIN (BEGIN IMMEDIATE), so two writers never deadlock on a lock upgrade;
// a busy writer is waited for up to ten seconds. A new database file is
// created readable by its owner only (0600; SQLite gives its -wal and -shm
// files the database file's mode), an existing one that group or others may
// read is narrowed to 0600 with its -wal, -shm and -journal (an old or
// restored data folder), and the path is escaped, so a data folder with '?'
// or '#' in its name opens the right file. This is the one home of the
// stores' file modes.
package sqlitedb

import (
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// BusyTimeoutMS is how long a connection waits for another writer.
const BusyTimeoutMS = 10000

// Options are the settings in which stores differ.
type Options struct {
	// ReadOnly opens an existing database without creating or changing it
	// (audit verify, inzage, status commands).
	ReadOnly bool
	// SecureDelete overwrites deleted content (audit pruning).
	SecureDelete bool
	// ManualCheckpoint turns the automatic WAL checkpoint off; the store runs
	// checkpoints itself, off the writer's path.
	ManualCheckpoint bool
	// ForeignKeys enforces foreign keys.
	ForeignKeys bool
	// MaxConns bounds the pool (default 8).
	MaxConns int
	// Log gets a warning for each existing file that Open narrowed to 0600;
	// nil: no warning.
	Log *slog.Logger
}

// Open opens the database at path. Unless read-only, it creates a missing
// file with mode 0600 and narrows an existing file, or its -wal, -shm or
// -journal, that group or others may access to 0600, before SQLite opens
// it; a read-only open changes nothing.
func Open(path string, o Options) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", BusyTimeoutMS))
	if o.ReadOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, err
		}
		q.Set("mode", "ro")
	} else {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, err
		}
		f.Close()
		if err := narrow(path, o.Log); err != nil {
			return nil, err
		}
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		q.Set("_txlock", "immediate")
	}
	if o.ManualCheckpoint {
		q.Add("_pragma", "wal_autocheckpoint(0)")
	}
	if o.SecureDelete {
		q.Add("_pragma", "secure_delete(ON)")
	}
	if o.ForeignKeys {
		q.Add("_pragma", "foreign_keys(1)")
	}
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	n := o.MaxConns
	if n <= 0 {
		n = 8
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(0)
	return db, nil
}

// narrow sets the database file and its -wal, -shm and -journal, where they
// exist, to 0600 when group or others may access them.
func narrow(path string, log *slog.Logger) error {
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		perm := fi.Mode().Perm()
		if perm&0o077 == 0 {
			continue
		}
		if err := os.Chmod(p, 0o600); err != nil {
			return fmt.Errorf("%s has mode %04o and cannot be narrowed to 0600: %w", p, perm, err)
		}
		if log != nil {
			log.Warn("store was accessible by group or others; narrowed to 0600", "path", p, "was", fmt.Sprintf("%04o", perm))
		}
	}
	return nil
}
