package node

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/identity"
)

// ErrDataDirPermissions means the data folder is open to group or others.
var ErrDataDirPermissions = errors.New("data_dir is accessible by group or others")

// ErrSecretPermissions means the pseudonym secret is readable by group or others.
var ErrSecretPermissions = errors.New("pseudonym secret is readable by group or others")

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
	return checkDataDirMode(dir, fi)
}

// checkDataDirMode is the data folder's mode rule: no access for group or
// others.
func checkDataDirMode(dir string, fi fs.FileInfo) error {
	if !fi.IsDir() {
		return fmt.Errorf("data_dir: %s is not a folder", dir)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%w: %s has mode %04o, want 0700 (chmod 700 %s)", ErrDataDirPermissions, dir, perm, dir)
	}
	return nil
}

// checkSecretMode is the pseudonym secret's mode rule: no access for group
// or others.
func checkSecretMode(path string, fi fs.FileInfo) error {
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%w: %s has mode %04o, want 0600 (chmod 600 %s)", ErrSecretPermissions, path, perm, path)
	}
	return nil
}

// CheckFiles applies, without creating or changing anything, the file
// checks New applies before it opens a store: the data folder's mode (a
// missing one New creates, 0700), the private keys' modes and contents
// (identity.key, source.grpc.key; identity.LoadKeyPair, New's own loader)
// and the pseudonym secret's mode (a missing one New creates, 0600). The
// node checks no file owner: a file it cannot read fails here as it would
// at start, when run as the node's user (the unit's ExecStartPre is). The
// SQLite stores inside the data folder are not refused for their mode:
// sqlitedb.Open narrows a wider one to 0600. Every problem is reported.
func CheckFiles(cfg *config.Config) error {
	var errs []error
	if fi, err := os.Stat(cfg.DataDir); err == nil {
		if err := checkDataDirMode(cfg.DataDir, fi); err != nil {
			errs = append(errs, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, fmt.Errorf("data_dir: %w", err))
	}
	if _, err := identity.LoadKeyPair(cfg.Identity.Cert, cfg.Identity.Key); err != nil {
		errs = append(errs, err) // "identity: …", naming the file
	}
	if g := cfg.Source.GRPC; g.Address != "" {
		if _, err := identity.LoadKeyPair(g.Cert, g.Key); err != nil {
			errs = append(errs, fmt.Errorf("source.grpc: %w", err))
		}
	}
	if p := cfg.Audit.SecretFile; p != "" {
		if fi, err := os.Stat(p); err == nil {
			if err := checkSecretMode(p, fi); err != nil {
				errs = append(errs, fmt.Errorf("audit.secret_file: %w", err))
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("audit.secret_file: %w", err))
		}
	}
	return errors.Join(errs...)
}
