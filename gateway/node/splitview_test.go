package node_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/internal/testnode"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// TestSplitViewDetected: the school's data folder is copied and both copies
// run with the school's key, showing the zorgaanbieder one log (branch A)
// and the gemeente another (branch B) of the same size. Neither peer can
// see it on its own. When the zorgaanbieder next asks the gemeente, its
// request carries the checkpoints it holds of third parties; the gemeente
// finds the school's checkpoint of branch A beside its own of branch B
// (same size, both signed by the school, different roots): the witness
// alarm for the school (split_view) and both checkpoints kept as evidence.
// The zorgaanbieder's request itself is served.
func TestSplitViewDetected(t *testing.T) {
	ctx := context.Background()
	f := testnode.New(t)
	opt := node.Options{Decider: allowDecider{}, Source: fixtureSource(t)}
	first := f.Start(testnode.School, []testnode.Org{testnode.Zorg, testnode.Gemeente}, func(_ *config.Config, o *node.Options) { *o = opt })
	cfgA := *first.Config
	first.Stop()
	cfgB := cfgA
	cfgB.DataDir = filepath.Join(t.TempDir(), "data")
	cfgB.Audit.Store = filepath.Join(cfgB.DataDir, "audit.db")
	cfgB.Audit.SecretFile = filepath.Join(cfgB.DataDir, "pseudonym.secret")
	testnode.CopyDataDir(t, cfgA.DataDir, cfgB.DataDir)
	branchA, err := startFromConfig(t, f, &cfgA, opt, "school-a")
	if err != nil {
		t.Fatal(err)
	}
	branchB, err := startFromConfig(t, f, &cfgB, opt, "school-b")
	if err != nil {
		t.Fatal(err)
	}
	gemeente := f.Start(testnode.Gemeente, []testnode.Org{testnode.School, testnode.Zorg}, func(c *config.Config, o *node.Options) {
		o.Decider, o.Source = allowDecider{}, fixtureSource(t)
		for i := range c.Peers {
			if c.Peers[i].OIN == testnode.School.OIN {
				c.Peers[i].Address = branchB.n.PeerAddr
			}
		}
	})
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.School, testnode.Gemeente}, func(c *config.Config, _ *node.Options) {
		for i := range c.Peers {
			if c.Peers[i].OIN == testnode.School.OIN {
				c.Peers[i].Address = branchA.n.PeerAddr
			}
		}
	})
	bas := testnode.Child(t, "Bas")
	ask := func(from *testnode.Node, holder string) {
		t.Helper()
		if _, err := from.Local.RequestRecord(ctx, &localv1.RequestRecordRequest{
			HolderOin: holder, Purpose: "afstemming_hulp_onderwijs", Bsn: bas.BSN,
			Categories: []string{"verzuim"}, Role: "jeugdhulpverlener", Relation: true,
		}); err != nil {
			t.Fatalf("request to %s: %v", holder, err)
		}
	}
	schoolLog := func(n *testnode.Node) audit.PeerLog {
		for _, p := range n.Node.WitnessStatus() {
			if p.PeerOIN == testnode.School.OIN {
				return p
			}
		}
		return audit.PeerLog{}
	}
	ask(zorg, testnode.School.OIN)     // branch A
	ask(gemeente, testnode.School.OIN) // branch B
	a, b := schoolLog(zorg), schoolLog(gemeente)
	if a.Size == 0 || a.Size != b.Size || bytes.Equal(a.Root, b.Root) || a.Alarm != "" || b.Alarm != "" {
		t.Fatalf("control: the two branches as witnessed: zorg %d/%x %q, gemeente %d/%x %q; want one size, two roots, no alarm yet",
			a.Size, a.Root, a.Alarm, b.Size, b.Root, b.Alarm)
	}
	// The zorgaanbieder asks the gemeente: its gossip carries branch A.
	ask(zorg, testnode.Gemeente.OIN)
	if w := schoolLog(gemeente); w.Alarm != audit.AlarmSplitView || !strings.Contains(w.AlarmText, testnode.Zorg.OIN) {
		t.Fatalf("the gemeente's witness of the school after the gossip: %+v, want a split_view alarm naming the zorgaanbieder", w)
	}
	if got := counterValue(t, gemeente.Node, "schakel_witness_peer_log_inconsistent_total", map[string]string{"kind": audit.AlarmSplitView}); got != 1 {
		t.Errorf("schakel_witness_peer_log_inconsistent_total{kind=split_view} = %v, want 1", got)
	}
	gemeente.Stop()
	ro, err := audit.OpenSQLite(gemeente.Config.Audit.Store, audit.Config{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	ev, err := audit.ReadSplitViewEvidence(ctx, ro)
	if err != nil || len(ev) != 1 {
		t.Fatalf("split-view evidence at the gemeente: %+v, %v; want one", ev, err)
	}
	pub := first.Cert.X509.PublicKey
	ours, err1 := audit.OpenCheckpoint(pub, audit.OriginFor(testnode.School.OIN), ev[0].Ours)
	theirs, err2 := audit.OpenCheckpoint(pub, audit.OriginFor(testnode.School.OIN), ev[0].Theirs)
	if err1 != nil || err2 != nil || ours.Size != theirs.Size || bytes.Equal(ours.Root, theirs.Root) ||
		ev[0].LogOIN != testnode.School.OIN || ev[0].FromOIN != testnode.Zorg.OIN {
		t.Fatalf("evidence: %+v (%v, %v): want two checkpoints signed by the school, one size, two roots", ev[0], err1, err2)
	}
}
