package main

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/gateway/notify"
	"github.com/schakel/schakel/internal/atomicfile"
	"github.com/schakel/schakel/internal/sqlitedb"
)

// ManifestFile names the backup's manifest, written last: a folder without
// it is not a finished backup.
const ManifestFile = "MANIFEST.json"

// backupFormat identifies the manifest's layout.
const backupFormat = "schakel-backup/1"

// backupManifest lists every file of a backup with its size and SHA-256.
type backupManifest struct {
	Format    string        `json:"format"`
	CreatedAt time.Time     `json:"created_at"`
	NodeOIN   string        `json:"node_oin"`
	Version   string        `json:"schakel_version"`
	Commit    string        `json:"schakel_commit"`
	Files     []backupEntry `json:"files"`
}

type backupEntry struct {
	Name   string `json:"name"` // file name in the backup folder
	Role   string `json:"role"` // secret, mark, policy_status, consents, notify, audit
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	Schema string `json:"schema_digest,omitempty"` // SQLite stores: schema.go's digest
}

// backupItem is one file of the node's state, in copy order.
type backupItem struct {
	role, name, path string
	sqlite           bool
}

// backupItems lists the node's state in the order backup copies it. The
// consent and notification stores go before the audit log, so a consent
// changed between the copies is unbound after a restore (not used: fail
// closed) rather than bound to a record the copied log lacks. The
// high-water mark is not copied from the data folder (the node writes it
// every few seconds, so it may lag or be missing): it is made from the
// copied log's latest checkpoint, which is what the node would write for
// that log; only with the audit log on PostgreSQL is the file copied.
func backupItems(cfg *config.Config) []backupItem {
	return []backupItem{
		{"secret", "pseudonym.secret", cfg.Audit.SecretFile, false},
		{"mark", audit.MarkFile, filepath.Join(cfg.DataDir, audit.MarkFile), false},
		{"policy_status", node.StatusFile, filepath.Join(cfg.DataDir, node.StatusFile), false},
		{"consents", "consents.db", filepath.Join(cfg.DataDir, "consents.db"), true},
		{"notify", "notify.db", notify.DBPath(cfg.DataDir), true},
		{"audit", "audit.db", cfg.Audit.Store, true},
	}
}

func auditOnPostgres(cfg *config.Config) bool {
	return strings.HasPrefix(cfg.Audit.Store, "postgres://") || strings.HasPrefix(cfg.Audit.Store, "postgresql://")
}

const backupUsage = `usage: schakel backup --config FILE --out DIR

Copies the node's state into DIR (new or empty; made 0700), while the node
runs: a consistent copy of each SQLite store (VACUUM INTO: audit.db,
consents.db, notify.db), the pseudonym secret, the audit high-water mark and
the policy status, then MANIFEST.json with every file's size and SHA-256.
Run it as the node's user. The copy holds the pseudonym secret and the audit
log: store it as you store the node's key. An audit log on PostgreSQL is not
copied (back it up with pg_dump); the rest is.

Peers that witnessed a longer audit log than the copy will refuse a node
restored from it (PEER_LOG_INCONSISTENT): see docs/operator.md.`

func cmdBackup(args []string, s stdio) int {
	fs := newFlags(s, "schakel backup", backupUsage)
	cfgPath := fs.configFlag()
	out := fs.String("out", "", "backup folder (new or empty)")
	cfg, code, ok := fs.parseConfig(args, cfgPath)
	if !ok {
		return code
	}
	if *out == "" {
		return fs.usageError("--out is required")
	}
	if err := emptyFolder(*out); err != nil {
		return fs.failf("--out: %v", err)
	}
	v := buildVersion()
	m := backupManifest{Format: backupFormat, CreatedAt: time.Now().UTC(), NodeOIN: cfg.Node.OIN, Version: v.Version, Commit: v.Commit}
	for _, it := range backupItems(cfg) {
		if it.role == "audit" && auditOnPostgres(cfg) {
			fmt.Fprintf(s.err, "schakel backup: the audit log is on PostgreSQL and is not in this backup; back it up with pg_dump (schema %s)\n", cfg.Audit.Schema)
			continue
		}
		if it.role == "mark" && !auditOnPostgres(cfg) {
			continue // made from the copied log, below
		}
		if _, err := os.Stat(it.path); errors.Is(err, os.ErrNotExist) {
			if it.role == "secret" || it.role == "audit" {
				return fs.failf("%s: %s does not exist; is this the node's configuration, and has the node run?", it.role, it.path)
			}
			continue // the node makes the others when they are needed
		} else if err != nil {
			return fs.fail(err)
		}
		dst := filepath.Join(*out, it.name)
		var err error
		if it.sqlite {
			err = vacuumInto(it.path, dst)
		} else {
			err = copyFile(it.path, dst)
		}
		if err != nil {
			return fs.failf("%s: %v", it.path, err)
		}
		e, err := describeBackupFile(dst, it)
		if err != nil {
			return fs.failf("%s: %v", dst, err)
		}
		m.Files = append(m.Files, e)
	}
	if !auditOnPostgres(cfg) {
		dst := filepath.Join(*out, audit.MarkFile)
		made, err := markFromCopy(filepath.Join(*out, "audit.db"), dst)
		if err != nil {
			return fs.failf("high-water mark: %v", err)
		}
		if made {
			e, err := describeBackupFile(dst, backupItem{role: "mark", name: audit.MarkFile})
			if err != nil {
				return fs.fail(err)
			}
			m.Files = append(m.Files, e)
		}
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := atomicfile.Write(filepath.Join(*out, ManifestFile), append(b, '\n'), 0o600); err != nil {
		return fs.fail(err)
	}
	for _, e := range m.Files {
		fmt.Fprintf(s.out, "%-20s %10d  sha256:%s\n", e.Name, e.Size, e.SHA256)
	}
	fmt.Fprintf(s.out, "%s: backup of node %s complete (%d files)\n", *out, cfg.Node.OIN, len(m.Files))
	return 0
}

// emptyFolder makes dir (0700) or accepts an existing empty one.
func emptyFolder(dir string) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		return err
	}
	if len(ents) > 0 {
		return fmt.Errorf("%s is not empty (%s, …)", dir, ents[0].Name())
	}
	return os.Chmod(dir, 0o700) //nolint:gosec // a folder: 0700 is owner-only (x lets the owner enter it)
}

// vacuumInto writes a consistent copy of the SQLite database at src to dst
// from a read-only connection: the running node keeps writing meanwhile.
func vacuumInto(src, dst string) error {
	db, err := sqlitedb.Open(src, sqlitedb.Options{ReadOnly: true, MaxConns: 1})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec(`VACUUM INTO ?`, dst); err != nil {
		return fmt.Errorf("VACUUM INTO: %w", err)
	}
	return syncFile(dst)
}

// markFromCopy writes the latest signed checkpoint of the copied audit log
// as the high-water mark (audit.Store.LatestCheckpoint's query, on the
// copy); an empty log has none.
func markFromCopy(auditCopy, dst string) (bool, error) {
	db, err := sqlitedb.Open(auditCopy, sqlitedb.Options{ReadOnly: true, MaxConns: 1})
	if err != nil {
		return false, err
	}
	defer db.Close()
	var cp []byte
	err = db.QueryRow(`SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1`).Scan(&cp)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if _, err := audit.ParseCheckpoint(cp); err != nil {
		return false, fmt.Errorf("the copied log's latest checkpoint: %w", err)
	}
	return true, atomicfile.Write(dst, cp, 0o600)
}

func syncFile(path string) error {
	if err := os.Chmod(path, 0o600); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// copyFile copies src to dst (mode 0600), whole or not at all.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := atomicfile.Create(dst, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Abort()
		return err
	}
	return out.Commit()
}

func fileSHA256(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

func describeBackupFile(path string, it backupItem) (backupEntry, error) {
	size, sum, err := fileSHA256(path)
	if err != nil {
		return backupEntry{}, err
	}
	e := backupEntry{Name: it.name, Role: it.role, Size: size, SHA256: sum}
	if it.sqlite {
		tables, err := readStoreSchema(path)
		if err != nil {
			return backupEntry{}, err
		}
		e.Schema = schemaDigest(tables)
	}
	return e, nil
}

const restoreUsage = `usage: schakel restore --config FILE --from DIR

Puts a backup made by schakel backup back, into the data folder of the
node's configuration, which must be empty or absent (as must audit.store
and audit.secret_file where they lie outside it). Checks first that the
backup belongs to node.oin and that every file matches MANIFEST.json (size,
SHA-256; no file missing or extra); changes nothing when a check fails. Run
it as the node's user, with the node stopped.

Peers that witnessed a longer audit log than the backup holds will refuse
the restored node (PEER_LOG_INCONSISTENT) until they clear their witness
state for it: see docs/operator.md before you restore.`

func cmdRestore(args []string, s stdio) int {
	fs := newFlags(s, "schakel restore", restoreUsage)
	cfgPath := fs.configFlag()
	from := fs.String("from", "", "backup folder (made by schakel backup)")
	cfg, code, ok := fs.parseConfig(args, cfgPath)
	if !ok {
		return code
	}
	if *from == "" {
		return fs.usageError("--from is required")
	}
	m, err := checkBackup(*from)
	if err != nil {
		return fs.failf("%s: %v", *from, err)
	}
	if m.NodeOIN != cfg.Node.OIN {
		return fs.failf("%s: the backup is of node %s, the configuration is node %s", *from, m.NodeOIN, cfg.Node.OIN)
	}
	targets := map[string]string{}
	for _, it := range backupItems(cfg) {
		targets[it.role] = it.path
	}
	if ents, err := os.ReadDir(cfg.DataDir); err == nil && len(ents) > 0 {
		return fs.failf("data_dir %s is not empty (%s, …); restore goes into an empty data folder only", cfg.DataDir, ents[0].Name())
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fs.fail(err)
	}
	for _, e := range m.Files {
		dst, ok := targets[e.Role]
		if !ok {
			return fs.failf("%s: unknown role %q of %s", ManifestFile, e.Role, e.Name)
		}
		if e.Role == "audit" && auditOnPostgres(cfg) {
			return fs.failf("the backup holds a SQLite audit log but audit.store is PostgreSQL")
		}
		if _, err := os.Lstat(dst); err == nil {
			return fs.failf("%s exists; restore replaces nothing", dst)
		}
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fs.fail(err)
	}
	if err := os.Chmod(cfg.DataDir, 0o700); err != nil { //nolint:gosec // a folder: owner-only, the mode the node requires
		return fs.fail(err)
	}
	for _, e := range m.Files {
		dst := targets[e.Role]
		if err := copyFile(filepath.Join(*from, e.Name), dst); err != nil {
			return fs.failf("restore %s: %v", dst, err)
		}
		if size, sum, err := fileSHA256(dst); err != nil || size != e.Size || sum != e.SHA256 {
			return fs.failf("restore %s: the written file does not match the manifest (%v)", dst, err)
		}
		fmt.Fprintf(s.out, "%s\n", dst)
	}
	if auditOnPostgres(cfg) {
		fmt.Fprintf(s.err, "schakel restore: the audit log is on PostgreSQL: restore it from its own backup, taken at the same time\n")
	}
	fmt.Fprintf(s.out, "restored node %s from the backup of %s (%d files); check with schakel validate-config and schakel audit verify --config before starting\n",
		m.NodeOIN, m.CreatedAt.Format(time.RFC3339), len(m.Files))
	return 0
}

// checkBackup reads the manifest and checks every file against it.
func checkBackup(dir string) (*backupManifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("no manifest (an unfinished or foreign backup): %w", err)
	}
	var m backupManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", ManifestFile, err)
	}
	if m.Format != backupFormat {
		return nil, fmt.Errorf("%s: format %q, want %q", ManifestFile, m.Format, backupFormat)
	}
	listed := map[string]bool{ManifestFile: true}
	var errs []error
	for _, e := range m.Files {
		if e.Name != filepath.Base(e.Name) || e.Name == "." || e.Name == ".." {
			errs = append(errs, fmt.Errorf("%s: %q is not a plain file name", ManifestFile, e.Name))
			continue
		}
		listed[e.Name] = true
		size, sum, err := fileSHA256(filepath.Join(dir, e.Name))
		switch {
		case err != nil:
			errs = append(errs, err)
		case size != e.Size:
			errs = append(errs, fmt.Errorf("%s: %d bytes, the manifest says %d", e.Name, size, e.Size))
		case sum != e.SHA256:
			errs = append(errs, fmt.Errorf("%s: SHA-256 %s, the manifest says %s", e.Name, sum, e.SHA256))
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, d := range ents {
		if !listed[d.Name()] {
			errs = append(errs, fmt.Errorf("%s is not in the manifest", d.Name()))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &m, nil
}
