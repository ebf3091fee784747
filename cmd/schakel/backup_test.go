package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/internal/testnode"
)

func runSchakel(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, stdio{in: strings.NewReader(""), out: &out, err: &errb})
	return code, out.String(), errb.String()
}

// TestBackupRestore: `schakel backup` copies a running node's stores, its
// pseudonym secret and high-water mark with a manifest; `schakel restore`
// refuses a tampered backup (naming the file, changing nothing) and a
// non-empty data folder, and puts an intact one into an empty data folder,
// where the audit log verifies (records, checkpoints, consents against the
// log), the child's records are found by BSN (the secret came along) and a
// node starts on it (the log is not behind its restored mark).
func TestBackupRestore(t *testing.T) {
	_, school, register, ask := consentBindFixture(t)
	// Lotte (17) is the school's pupil; her own consent counts.
	register("Lotte", "verzuim")
	if d := ask("Lotte", "verzuim"); !d.GetAllow() {
		t.Fatalf("A1 with a consent not released: %v", d)
	}
	lotte := testnode.Child(t, "Lotte")
	bas := lotte.BSN
	cfgPath := school.Config.Path

	backup := filepath.Join(t.TempDir(), "backup")
	code, out, errs := runSchakel("backup", "--config", cfgPath, "--out", backup)
	if code != 0 {
		t.Fatalf("backup of the running node: exit %d: %s%s", code, out, errs)
	}
	b, err := os.ReadFile(filepath.Join(backup, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	var m backupManifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	roles := map[string]bool{}
	for _, e := range m.Files {
		roles[e.Role] = true
		fi, err := os.Stat(filepath.Join(backup, e.Name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 || fi.Size() != e.Size || len(e.SHA256) != 64 {
			t.Errorf("%s: mode %04o size %d, manifest %+v; want 0600 and the manifest's size", e.Name, fi.Mode().Perm(), fi.Size(), e)
		}
	}
	for _, r := range []string{"secret", "mark", "consents", "notify", "audit"} {
		if !roles[r] {
			t.Errorf("the backup lacks the %s file: %+v", r, m.Files)
		}
	}
	if fi, _ := os.Stat(backup); fi.Mode().Perm() != 0o700 {
		t.Errorf("backup folder mode %04o, want 0700", fi.Mode().Perm())
	}
	if code, _, errs := runSchakel("backup", "--config", cfgPath); code != 2 || !strings.Contains(errs, "--out is required") {
		t.Errorf("backup without --out: exit %d, %q; want a usage error", code, errs)
	}
	if code, _, errs := runSchakel("backup", "--config", cfgPath, "--out", backup); code != 1 || !strings.Contains(errs, "not empty") {
		t.Errorf("backup into a non-empty folder: exit %d, %s", code, errs)
	}

	// The restored node's configuration: the school's, in a new folder
	// (data_dir: data is relative to it).
	target := t.TempDir()
	yaml, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	restoredCfg := filepath.Join(target, "node.yaml")
	if err := os.WriteFile(restoredCfg, yaml, 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(target, "data")

	// A tampered copy is refused, naming the file, and nothing is written.
	tampered := filepath.Join(t.TempDir(), "tampered")
	if err := os.Mkdir(tampered, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, e := range append(m.Files, backupEntry{Name: ManifestFile}) {
		b, err := os.ReadFile(filepath.Join(backup, e.Name))
		if err != nil {
			t.Fatal(err)
		}
		if e.Role == "consents" {
			b[len(b)-1] ^= 0xff
		}
		if err := os.WriteFile(filepath.Join(tampered, e.Name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, errs := runSchakel("restore", "--config", restoredCfg, "--from", tampered); code != 1 || !strings.Contains(errs, "consents.db: SHA-256") {
		t.Errorf("tampered backup: exit %d, %q; want exit 1 naming consents.db", code, errs)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("a refused restore created %s", data)
	}
	// A non-empty data folder is refused.
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "audit.db"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runSchakel("restore", "--config", restoredCfg, "--from", backup); code != 1 || !strings.Contains(errs, "is not empty") {
		t.Errorf("restore into a non-empty data folder: exit %d, %q", code, errs)
	}
	if err := os.RemoveAll(data); err != nil {
		t.Fatal(err)
	}

	if code, out, errs := runSchakel("restore", "--config", restoredCfg, "--from", backup); code != 0 {
		t.Fatalf("restore: exit %d: %s%s", code, out, errs)
	}
	if code, out, errs := runSchakel("audit", "verify", "--config", restoredCfg); code != 0 {
		t.Fatalf("audit verify of the restored log: exit %d: %s%s", code, out, errs)
	}
	code, out, errs = runSchakel("audit", "inzage", "--config", restoredCfg, "--bsn", bas, "--format", "json",
		"--requester", "jeugdige", "--birth-date", lotte.BirthDate.Format(time.DateOnly))
	if code != 0 || !strings.Contains(out, "afstemming_hulp_onderwijs") {
		t.Fatalf("inzage on the restored node finds no record about the child (the secret or the log did not come back): exit %d: %s%s", code, out, errs)
	}
	if code, out, errs := runSchakel("validate-config", "--config", restoredCfg); code != 0 {
		t.Fatalf("validate-config on the restored data folder: exit %d: %s%s", code, out, errs)
	}

	// A node starts on the restored data (the log reaches the restored mark).
	school.Stop()
	cfg, err := config.Load(restoredCfg)
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), node.Options{})
	if err != nil {
		t.Fatalf("node on the restored data folder: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := n.Run(ctx); err != nil && ctx.Err() == nil {
		t.Fatalf("restored node: %v", err)
	}
}
