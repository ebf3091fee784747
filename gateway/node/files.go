package node

import (
	"errors"
	"fmt"
	"os"
)

// ErrDataDirPermissions means the data folder is open to group or others.
var ErrDataDirPermissions = errors.New("data_dir is accessible by group or others")

// prepareDataDir creates the data folder with mode 0700, or refuses one
// that group or others may enter: it holds the child data stores, the audit
// log and the pseudonym secret. The stores' own file modes (created 0600, an
// existing wider one narrowed) are internal/sqlitedb.Open's.
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
