package node_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/internal/testnode"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// auditCommits reads a node's schakel_audit_commits_total.
func auditCommits(t *testing.T, n *testnode.Node) float64 {
	t.Helper()
	mfs, err := n.Node.Metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "schakel_audit_commits_total" {
			var m *dto.Metric = mf.GetMetric()[0]
			return m.GetCounter().GetValue()
		}
	}
	t.Fatal("no schakel_audit_commits_total metric")
	return 0
}

type fileState struct {
	size int64
	mod  time.Time
}

// otherStores lists every database file in a node's data folder except the
// audit log's, with size and modification time.
func otherStores(t *testing.T, cfg *config.Config) map[string]fileState {
	t.Helper()
	out := map[string]fileState{}
	files, _ := filepath.Glob(filepath.Join(cfg.DataDir, "*.db*"))
	for _, f := range files {
		if filepath.Base(f) == "audit.db" || filepath.Base(f) == "audit.db-wal" || filepath.Base(f) == "audit.db-shm" {
			continue
		}
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = fileState{fi.Size(), fi.ModTime()}
	}
	return out
}

// TestOneDurableCommitPerSidePerRelease: a released exchange with
// obligations makes exactly one durable audit transaction on the holder
// (record and obligations) and one on the recipient (record and stored
// receipt), and writes no other database on either node.
func TestOneDurableCommitPerSidePerRelease(t *testing.T) {
	_, school, zorg := twoNodes(t, func(_ *config.Config, o *node.Options) {
		o.Decider = allowDecider{}
		o.Source = fixtureSource(t)
	})
	bas := testnode.Child(t, "Bas")
	ask := func() {
		resp, err := zorg.Local.RequestRecord(context.Background(), &localv1.RequestRecordRequest{
			HolderOin: school.Org.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: bas.BSN,
			Categories: []string{"verzuim", "opp"}, Role: "jeugdhulpverlener", Relation: true,
		})
		if err != nil || !resp.GetDecision().GetAllow() {
			t.Fatalf("RequestRecord: %v, %v", resp, err)
		}
	}
	ask() // warm up: connections, prepared statements
	time.Sleep(20 * time.Millisecond)
	h0, r0 := auditCommits(t, school), auditCommits(t, zorg)
	hs, rs := otherStores(t, school.Config), otherStores(t, zorg.Config)
	const n = 5
	for range n {
		ask()
	}
	if d := auditCommits(t, school) - h0; d != n {
		t.Errorf("holder: %v audit commits for %d releases, want %d", d, n, n)
	}
	if d := auditCommits(t, zorg) - r0; d != n {
		t.Errorf("recipient: %v audit commits for %d releases, want %d", d, n, n)
	}
	for name, before := range hs {
		if after := otherStores(t, school.Config)[name]; after != before {
			t.Errorf("holder wrote %s during a release (%+v -> %+v)", name, before, after)
		}
	}
	for name, before := range rs {
		if after := otherStores(t, zorg.Config)[name]; after != before {
			t.Errorf("recipient wrote %s during a release (%+v -> %+v)", name, before, after)
		}
	}
	obs, err := school.Local.ListObligations(context.Background(), &localv1.ListObligationsRequest{})
	if err != nil || len(obs.GetObligations()) != n+1 {
		t.Fatalf("holder obligations: %d, %v; want %d", len(obs.GetObligations()), err, n+1)
	}
}
