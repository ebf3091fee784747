package node

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/notify"
)

// ErrDataDirPermissions means the data folder is open to group or others.
var ErrDataDirPermissions = errors.New("data_dir is accessible by group or others")

// prepareDataDir creates the data folder with mode 0700, or refuses one
// that group or others may enter: it holds the child data stores, the audit
// log and the pseudonym secret.
func prepareDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data_dir: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data_dir: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%w: %s has mode %04o, want 0700 (chmod 700 %s)", ErrDataDirPermissions, dir, perm, dir)
	}
	return nil
}

// storeFiles are the node's SQLite stores (the audit log and source only
// when they are SQLite files).
func storeFiles(cfg *config.Config) []string {
	files := []string{
		filepath.Join(cfg.DataDir, "consents.db"),
		notify.DBPath(cfg.DataDir),
	}
	if s := cfg.Audit.Store; s != "" && !strings.HasPrefix(s, "postgres://") && !strings.HasPrefix(s, "postgresql://") {
		files = append(files, s)
	}
	if cfg.Source.SQLite != "" && cfg.Source.GRPC.Address == "" {
		files = append(files, cfg.Source.SQLite)
	}
	return files
}

// secureStores narrows an existing store, or its -wal and -shm, that others
// may read (an old or restored data folder), and creates a missing one 0600
// as internal/sqlitedb does (SQLite gives its -wal and -shm files the
// database file's mode).
func secureStores(cfg *config.Config, log *slog.Logger) error {
	for _, db := range storeFiles(cfg) {
		f, err := os.OpenFile(db, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("store %s: %w", db, err)
		}
		f.Close()
		for _, p := range []string{db, db + "-wal", db + "-shm", db + "-journal"} {
			fi, err := os.Stat(p)
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				return fmt.Errorf("store %s: %w", p, err)
			}
			if perm := fi.Mode().Perm(); perm&0o077 != 0 {
				if err := os.Chmod(p, 0o600); err != nil {
					return fmt.Errorf("store %s has mode %04o and cannot be narrowed to 0600: %w", p, perm, err)
				}
				if log != nil {
					log.Warn("store was readable by others; narrowed to 0600", "path", p, "was", fmt.Sprintf("%04o", perm))
				}
			}
		}
	}
	return nil
}
