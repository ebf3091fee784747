package node_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/internal/testnode"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// TestStoresAre0600AndDataDir0700: with a permissive umask, every store
// (and its -wal/-shm) a node creates is 0600; an existing store readable by
// others is narrowed; a data folder others may enter is refused.
func TestStoresAre0600AndDataDir0700(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	f := testnode.New(t)
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Write to the consent store so that SQLite has a -wal file.
	if _, err := school.Consent.RegisterConsent(ctx, &localv1.RegisterConsentRequest{Consent: &localv1.Consent{
		Bsn: testnode.Child(t, "Bas").BSN, GivenBy: "ouder", RecipientOin: testnode.Zorg.OIN, Purpose: "afstemming_hulp_onderwijs",
		Categories: []string{"verzuim"}, GivenAt: timestamppb.New(time.Now().Add(-time.Hour)),
	}}); err != nil {
		t.Fatal(err)
	}
	cfg := school.Config
	checkModes := func() {
		t.Helper()
		dbs, _ := filepath.Glob(filepath.Join(cfg.DataDir, "*.db*"))
		// Every store of the node (obligations live in audit.db).
		for _, want := range []string{"audit.db", "consents.db", "notify.db", "source.db", "consults.db"} {
			if !slices.Contains(dbs, filepath.Join(cfg.DataDir, want)) {
				t.Fatalf("expected %s in %s, found %v", want, cfg.DataDir, dbs)
			}
		}
		for _, p := range dbs {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s has mode %04o, want 0600", filepath.Base(p), fi.Mode().Perm())
			}
		}
	}
	checkModes()
	school.Stop()

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	consents := filepath.Join(cfg.DataDir, "consents.db")
	if err := os.Chmod(consents, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(cfg.DataDir, 0o750); err != nil {
		t.Fatal(err)
	}
	_, err := node.New(cfg, log, node.Options{})
	if !errors.Is(err, node.ErrDataDirPermissions) || !strings.Contains(err.Error(), "chmod 700") {
		t.Fatalf("data_dir with mode 0750 = %v, want ErrDataDirPermissions", err)
	}
	if err := os.Chmod(cfg.DataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	n, err := node.New(cfg, log, node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	runToStop(t, n)
	checkModes()
}
