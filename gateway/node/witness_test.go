package node_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/gateway/release"
	"github.com/schakel/schakel/internal/testnode"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// runningNode is a node started in process from a configuration, for
// restarts on the same data folder.
type runningNode struct {
	n      *node.Node
	cancel context.CancelFunc
	done   chan error
}

func startFromConfig(t *testing.T, f *testnode.Federation, cfg *config.Config, opt node.Options, name string) (*runningNode, error) {
	t.Helper()
	log := slog.New(slog.NewJSONHandler(f.Logs, &slog.HandlerOptions{Level: slog.LevelDebug})).With("node", name)
	n, err := node.New(cfg, log, opt)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &runningNode{n: n, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- n.Run(ctx) }()
	t.Cleanup(r.stop)
	return r, nil
}

func (r *runningNode) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	select {
	case <-r.done:
	case <-time.After(15 * time.Second):
	}
}

func counterValue(t *testing.T, n *node.Node, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := n.Metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metric:
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue metric
				}
			}
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}

type healthWitness struct {
	Witness []node.PeerLogJSON `json:"witness"`
	Alarm   bool               `json:"witness_alarm"`
	Behind  int64              `json:"audit_own_log_behind"`
}

func healthOf(t *testing.T, n *node.Node) healthWitness {
	t.Helper()
	var h healthWitness
	if err := json.Unmarshal([]byte(httpGet(t, "http://"+n.MetricsAddr+"/healthz")), &h); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestPeerRefusesRestoredAndForkedHolder: the school's data folder is put back
// to an older backup after the zorgaanbieder saw newer checkpoints of its
// log. The zorgaanbieder refuses the school's answers as rolled back while
// its log is shorter, then as forked once it has the same size with another
// root; every refusal is audited with PEER_LOG_INCONSISTENT, counted in the
// metrics and shown in /healthz and in the witness state the status command
// reads. The school, told by the zorgaanbieder's requests which checkpoint
// of its own log was seen, raises its high-water mark and refuses to start
// again on that log.
func TestPeerRefusesRestoredAndForkedHolder(t *testing.T) {
	ctx := context.Background()
	src := fixtureSource(t)
	f := testnode.New(t)
	opt := node.Options{Decider: allowDecider{}, Source: src}
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg}, func(c *config.Config, o *node.Options) {
		c.Listen.Metrics = "127.0.0.1:0"
		*o = opt
	})
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.School}, func(c *config.Config, _ *node.Options) {
		c.Listen.Metrics = "127.0.0.1:0"
	})
	bas := testnode.Child(t, "Bas")
	ask := func() error {
		_, err := zorg.Local.RequestRecord(ctx, &localv1.RequestRecordRequest{
			HolderOin: testnode.School.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: bas.BSN,
			Categories: []string{"verzuim"}, Role: "jeugdhulpverlener", Relation: true,
		})
		return err
	}
	witnessed := func() audit.PeerLog {
		for _, p := range zorg.Node.WitnessStatus() {
			if p.PeerOIN == testnode.School.OIN {
				return p
			}
		}
		return audit.PeerLog{}
	}
	for i := range 2 {
		if err := ask(); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if w := witnessed(); w.Size != 2 || w.Alarm != "" {
		t.Fatalf("after 2 requests the zorgaanbieder witnessed %+v, want size 2", w)
	}
	// The backup, with the school stopped.
	cfg := *school.Config
	cfg.Listen.Peer = school.Node.PeerAddr // the zorgaanbieder's directory names it
	school.Stop()
	backup := filepath.Join(t.TempDir(), "backup")
	testnode.CopyDataDir(t, cfg.DataDir, backup)
	s2, err := startFromConfig(t, f, &cfg, opt, "school")
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	for i := range 3 {
		if err := ask(); err != nil {
			t.Fatalf("request after restart %d: %v", i, err)
		}
	}
	if w := witnessed(); w.Size != 5 {
		t.Fatalf("witnessed %+v, want size 5", w)
	}
	s2.stop()
	// The restore: the whole data folder, high-water mark included.
	testnode.CopyDataDir(t, backup, cfg.DataDir)
	s3, err := startFromConfig(t, f, &cfg, opt, "school")
	if err != nil {
		t.Fatalf("start on the restored folder: %v", err)
	}
	for i, want := range []string{audit.AlarmRolledBack, audit.AlarmRolledBack, audit.AlarmForked} {
		err := ask()
		if status.Code(err) != codes.DataLoss {
			t.Fatalf("request %d to the restored school: %v, want DataLoss (refused)", i, err)
		}
		if w := witnessed(); w.Alarm != want || w.Alarms != uint64(i+1) || w.Size != 5 {
			t.Fatalf("request %d: witness state %+v, want alarm %s (#%d) at size 5", i, w, want, i+1)
		}
	}
	if w := witnessed(); !strings.Contains(w.AlarmText, "another root") {
		t.Errorf("fork alarm text %q does not say why", w.AlarmText)
	}
	// Audited on the zorgaanbieder: three refused receipts.
	stored, err := zorg.Node.AuditRecords(ctx, bas.BSN)
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, s := range stored {
		// The holder (allowDecider) answered retention_days 30: the recipient
		// keeps its proof of receipt at least as long as its own fallback.
		if s.Record.Name == audit.ActionRequestReceive && s.Record.RetentionDays < audit.FallbackRetentionDays {
			t.Errorf("receipt record kept %d days, the holder's value; want at least %d", s.Record.RetentionDays, audit.FallbackRetentionDays)
		}
		if s.Record.Name == audit.ActionRequestReceive && slices.Contains(s.Record.ReasonCodes, release.ReasonPeerLogInconsistent) {
			refused++
			if s.Record.Allow || len(s.Record.CategoriesReleased) != 0 || s.Record.StatusCode != 2 {
				t.Errorf("refused receipt recorded as %+v", s.Record)
			}
		}
	}
	if refused != 3 {
		t.Errorf("%d audit records with %s, want 3", refused, release.ReasonPeerLogInconsistent)
	}
	// Metrics and /healthz on the zorgaanbieder.
	for kind, want := range map[string]float64{audit.AlarmRolledBack: 2, audit.AlarmForked: 1} {
		if got := counterValue(t, zorg.Node, "schakel_witness_peer_log_inconsistent_total",
			map[string]string{"peer_oin": testnode.School.OIN, "kind": kind}); got != want {
			t.Errorf("metric %s = %v, want %v", kind, got, want)
		}
	}
	h := healthOf(t, zorg.Node)
	if !h.Alarm || len(h.Witness) != 1 || h.Witness[0].State != audit.AlarmForked || h.Witness[0].Size != 5 {
		t.Errorf("zorgaanbieder /healthz witness = %+v", h)
	}
	// The school learnt that its own log is behind.
	if got := counterValue(t, s3.n, "schakel_audit_own_log_behind_total", nil); got < 3 {
		t.Errorf("school own_log_behind = %v, want at least 3", got)
	}
	if hs := healthOf(t, s3.n); hs.Behind < 3 {
		t.Errorf("school /healthz audit_own_log_behind = %d", hs.Behind)
	}
	s3.stop()
	// ... and refuses to start on it again.
	if _, err := startFromConfig(t, f, &cfg, opt, "school"); !errors.Is(err, audit.ErrBelowMark) || !strings.Contains(err.Error(), "refusing to start") {
		t.Fatalf("start on the forked log: %v, want a refusal naming the high-water mark", err)
	}
	// The status command's source: the witness table, read-only, node stopped.
	zorg.Stop()
	ro, err := audit.OpenSQLite(zorg.Config.Audit.Store, audit.Config{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	list, err := audit.ReadWitness(ctx, ro)
	if err != nil || len(list) != 1 || list[0].Alarm != audit.AlarmForked || list[0].Alarms != 3 {
		t.Fatalf("stored witness state = %+v, %v", list, err)
	}
}

// TestTailDeletionRefusedAtStart: deleting the last records and their
// checkpoints and lowering the tree head, with the node stopped, makes the
// node refuse to start, naming the problem.
func TestTailDeletionRefusedAtStart(t *testing.T) {
	ctx := context.Background()
	src := fixtureSource(t)
	f := testnode.New(t)
	opt := node.Options{Decider: allowDecider{}, Source: src}
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg}, func(_ *config.Config, o *node.Options) { *o = opt })
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.School}, nil)
	bas := testnode.Child(t, "Bas")
	for range 4 {
		if _, err := zorg.Local.RequestRecord(ctx, &localv1.RequestRecordRequest{
			HolderOin: testnode.School.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: bas.BSN,
			Categories: []string{"verzuim"}, Role: "jeugdhulpverlener", Relation: true,
		}); err != nil {
			t.Fatal(err)
		}
	}
	cfg := *school.Config
	school.Stop()
	truncateTail(t, cfg.Audit.Store, 2)
	_, err := startFromConfig(t, f, &cfg, opt, "school")
	if !errors.Is(err, audit.ErrBelowMark) || !strings.Contains(err.Error(), "holds 2 records") || !strings.Contains(err.Error(), "checkpoint 4") {
		t.Fatalf("start on a truncated log: %v, want a refusal naming 2 records and checkpoint 4", err)
	}
}

// truncateTail deletes the records from keep on with their checkpoints and
// lowers the tree head, as an auditor with write access would.
func truncateTail(t *testing.T, path string, keep int) {
	t.Helper()
	db := rawSQLite(t, path)
	defer db.Close()
	for _, q := range []string{"DELETE FROM records WHERE idx >= ?", "DELETE FROM checkpoints WHERE size > ?", "UPDATE head SET size = ?"} {
		if _, err := db.Exec(q, keep); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWitnessAcrossKeyRenewal: the school renews its certificate with a new
// key. Without its previous certificate configured it refuses to start (its
// high-water mark is signed by the old key); with it, it starts, the
// zorgaanbieder goes on accepting its answers (the consistency proof links
// the old checkpoints to the new key's), and the log verifies against the
// key history but not against the new key alone.
func TestWitnessAcrossKeyRenewal(t *testing.T) {
	ctx := context.Background()
	src := fixtureSource(t)
	f := testnode.New(t)
	opt := node.Options{Decider: allowDecider{}, Source: src}
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg}, func(_ *config.Config, o *node.Options) { *o = opt })
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.School}, nil)
	bas := testnode.Child(t, "Bas")
	ask := func() error {
		_, err := zorg.Local.RequestRecord(ctx, &localv1.RequestRecordRequest{
			HolderOin: testnode.School.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: bas.BSN,
			Categories: []string{"verzuim"}, Role: "jeugdhulpverlener", Relation: true,
		})
		return err
	}
	for range 2 {
		if err := ask(); err != nil {
			t.Fatal(err)
		}
	}
	cfg := *school.Config
	cfg.Listen.Peer = school.Node.PeerAddr
	school.Stop()
	renewed := f.CA.Issue(t, testnode.School.OIN, testnode.School.Name)
	certPath, keyPath := renewed.WriteFiles(t, t.TempDir())
	oldCert := cfg.Identity.Cert
	cfg.Identity.Cert, cfg.Identity.Key = certPath, keyPath
	if _, err := startFromConfig(t, f, &cfg, opt, "school"); err == nil || !strings.Contains(err.Error(), "high-water mark") {
		t.Fatalf("renewed key without previous_certs: %v, want a refusal naming the high-water mark", err)
	}
	cfg.Identity.PreviousCerts = []string{oldCert}
	s2, err := startFromConfig(t, f, &cfg, opt, "school")
	if err != nil {
		t.Fatalf("renewed key with previous_certs: %v", err)
	}
	for range 2 {
		if err := ask(); err != nil {
			t.Fatalf("request after renewal: %v", err)
		}
	}
	s2.stop()
	ro, err := audit.OpenSQLite(cfg.Audit.Store, audit.Config{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	ring, err := audit.KeyRingFromFiles(certPath, []string{oldCert})
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := audit.VerifyKeys(ctx, ro, ring); err != nil || rep.Size != 4 {
		t.Fatalf("verify across the renewal: %+v %v", rep, err)
	}
	if _, err := audit.Verify(ctx, ro, renewed.X509.PublicKey); err == nil {
		t.Fatal("the new key alone verifies checkpoints signed by the old one")
	}
}

func rawSQLite(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	return db
}
