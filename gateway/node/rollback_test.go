package node_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/directory"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/internal/testnode"
	"github.com/schakel/schakel/policy/bundle"
	"github.com/schakel/schakel/policy/signing"
)

// No rollback: the node keeps the highest pack and directory version it
// accepted (data_dir/accepted-versions.json) and refuses anything older,
// live and after a restart.

// TestPolicyRollbackRefusedLiveAndAtRestart: a node that accepted pack
// version 2 refuses the validly signed version 1 put back in place (and an
// unnumbered pack, version 0) at reload, keeps version 2, logs and counts
// the refusal naming both versions; after a restart with version 1 in
// place it refuses to start. `schakel allow-downgrade` lets it start on
// version 1, and that downgrade is audited.
func TestPolicyRollbackRefusedLiveAndAtRestart(t *testing.T) {
	po, fg := newKey(t, "privacy-officer"), newKey(t, "fg")
	v1 := buildPackFiles(t, "", map[string][]byte{signing.VersionFile: []byte("1\n")})
	v2 := buildPackFiles(t, "", map[string][]byte{signing.VersionFile: []byte("2\n")})
	unnumbered := buildPack(t, "\n# zonder versie\n")
	pf := newPackFiles(t, po, fg)
	put := func(a []byte) {
		pf.put(t, a, map[string][]byte{"privacy-officer": po.sign(t, a), "fg": fg.sign(t, a)})
	}
	put(v1)
	f := testnode.New(t)
	var cfg config.Config
	school := f.Start(testnode.School, nil, func(c *config.Config, o *node.Options) {
		c.Policy = pf.policy(2)
		o.PolicyPoll = time.Hour // reloads by hand, as SIGHUP does
		cfg = *c
	})
	put(v2)
	if err := school.Node.ReloadPolicy(); err != nil {
		t.Fatalf("version 2 after version 1: %v", err)
	}
	for name, a := range map[string][]byte{"version 1": v1, "unnumbered (version 0)": unnumbered} {
		put(a)
		err := school.Node.ReloadPolicy()
		if !errors.Is(err, node.ErrRollback) {
			t.Fatalf("%s after version 2: %v, want ErrRollback", name, err)
		}
		st := school.Node.PolicyStatus()
		if st.Revision != bundle.Revision(v2) || st.LastRefused == nil || st.LastRefused.Case != "rollback" {
			t.Fatalf("%s after version 2: status %+v, want version 2 in force and a rollback refusal", name, st)
		}
	}
	if got := counterValue(t, school.Node, "schakel_version_rollback_refused_total", map[string]string{"kind": "policy"}); got != 2 {
		t.Fatalf("schakel_version_rollback_refused_total{kind=policy} = %v, want 2", got)
	}
	if !strings.Contains(f.Logs.String(), `"offered_version":1,"accepted_version":2`) {
		t.Fatalf("no log line naming both versions:\n%s", f.Logs.String())
	}
	school.Stop()

	// At restart, with version 1 in place: refused, naming both versions.
	put(v1)
	if r, err := startFromConfig(t, f, &cfg, node.Options{}, "school"); err == nil {
		r.stop()
		t.Fatal("the node started on pack version 1 after it accepted version 2")
	} else if !errors.Is(err, node.ErrRollback) || !strings.Contains(err.Error(), "policy version 1 is below version 2") {
		t.Fatalf("start on version 1: %v, want a rollback refusal naming both versions", err)
	}
	// A deliberate downgrade: allowed by the operator, audited at start.
	if from, err := node.AllowDowngrade(cfg.DataDir, "policy", 1, "versie 2 weigert B1 ten onrechte", time.Now()); err != nil || from != 2 {
		t.Fatalf("AllowDowngrade: %d, %v", from, err)
	}
	r, err := startFromConfig(t, f, &cfg, node.Options{}, "school")
	if err != nil {
		t.Fatalf("start on version 1 after allow-downgrade: %v", err)
	}
	if rev := r.n.PolicyStatus().Revision; rev != bundle.Revision(v1) {
		t.Fatalf("revision %s, want version 1's", rev)
	}
	r.stop()
	downgrades := downgradeRecords(t, cfg.Audit.Store)
	if len(downgrades) != 1 || downgrades[0].ReasonCodes[0] != "POLICY_DOWNGRADE" ||
		!strings.Contains(downgrades[0].CaseReference, "policy version 2 -> 1: versie 2 weigert B1 ten onrechte") {
		t.Fatalf("downgrade records: %+v, want one naming the versions and the reason", downgrades)
	}
	// Audited once: a second start does not record it again.
	r, err = startFromConfig(t, f, &cfg, node.Options{}, "school")
	if err != nil {
		t.Fatal(err)
	}
	r.stop()
	if n := len(downgradeRecords(t, cfg.Audit.Store)); n != 1 {
		t.Fatalf("%d downgrade records after a second start, want 1", n)
	}
	// The log with the downgrade record still verifies.
	ro, err := audit.OpenSQLite(cfg.Audit.Store, audit.Config{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := audit.Verify(context.Background(), ro, school.Cert.X509.PublicKey); err != nil {
		t.Fatalf("audit verify after the downgrade: %v", err)
	}
}

func downgradeRecords(t *testing.T, store string) []audit.Record {
	t.Helper()
	ro, err := audit.OpenSQLite(store, audit.Config{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	var out []audit.Record
	if err := ro.EachRecord(context.Background(), func(s audit.Stored) error {
		if s.Record.Name == audit.ActionVersionDowngrade {
			out = append(out, s.Record)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDirectoryRollbackRefusedLiveAndAtRestart: a node that accepted peer
// directory version 3 refuses version 2 put back in place while it runs
// (and counts it), and refuses to start on it after a restart: the version
// in force is persisted.
func TestDirectoryRollbackRefusedLiveAndAtRestart(t *testing.T) {
	pw := []byte("directory test passphrase")
	trusted := t.TempDir()
	var priv [][]byte
	for _, name := range []string{"federatie", "fg"} {
		p, pub, err := signing.GenerateKeyPair(pw)
		if err != nil {
			t.Fatal(err)
		}
		writeTestFile(t, filepath.Join(trusted, name+".pub"), pub)
		priv = append(priv, p)
	}
	path := filepath.Join(t.TempDir(), "directory.yaml")
	signed := map[uint64][][]byte{}
	publish := func(version uint64) {
		t.Helper()
		f := &directory.File{Federation: "Twente", Version: version, Peers: []directory.Entry{
			{OIN: testnode.School.OIN, Name: testnode.School.Name, OrgType: testnode.School.OrgType, Address: "127.0.0.1:1"},
			{OIN: testnode.Zorg.OIN, Name: testnode.Zorg.Name, OrgType: testnode.Zorg.OrgType, Address: "127.0.0.1:1"},
		}}
		b, err := directory.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		if signed[version] == nil {
			for i := range priv {
				sig, err := signing.Sign(priv[i], pw, b)
				if err != nil {
					t.Fatal(err)
				}
				signed[version] = append(signed[version], sig)
			}
		}
		for i, name := range []string{"federatie", "fg"} {
			writeTestFile(t, path+"."+name+".sig", signed[version][i])
		}
		writeTestFile(t, path, b)
	}
	publish(2)
	f := testnode.New(t)
	var cfg config.Config
	school := f.Start(testnode.School, nil, func(c *config.Config, _ *node.Options) {
		c.Directory = config.Directory{File: path, Trusted: trusted, Threshold: 2}
		c.Listen.Metrics = "127.0.0.1:0"
		cfg = *c
	})
	waitHealth := func(want string) string {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			h := httpGet(t, "http://"+school.Node.MetricsAddr+"/healthz")
			if strings.Contains(h, want) {
				return h
			}
			if time.Now().After(deadline) {
				t.Fatalf("/healthz never showed %s: %s", want, h)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	publish(3)
	waitHealth(`"version":3`)
	publish(2)
	h := waitHealth("below version 3")
	if !strings.Contains(h, `"version":3`) {
		t.Fatalf("/healthz after version 2 was put back: %s, want version 3 in force", h)
	}
	if got := counterValue(t, school.Node, "schakel_version_rollback_refused_total", map[string]string{"kind": "directory"}); got != 1 {
		t.Fatalf("schakel_version_rollback_refused_total{kind=directory} = %v, want 1", got)
	}
	school.Stop()
	b, err := os.ReadFile(filepath.Join(cfg.DataDir, node.VersionsFile))
	if err != nil || !strings.Contains(string(b), `"directory_version": 3`) {
		t.Fatalf("%s: %s, %v", node.VersionsFile, b, err)
	}
	if r, err := startFromConfig(t, f, &cfg, node.Options{}, "school"); err == nil {
		r.stop()
		t.Fatal("the node started on directory version 2 after it accepted version 3")
	} else if !errors.Is(err, node.ErrRollback) || !strings.Contains(err.Error(), "directory version 2 is below version 3") {
		t.Fatalf("start on directory version 2: %v, want a rollback refusal naming both versions", err)
	}
	// The control: version 3 back in place starts.
	publish(3)
	r, err := startFromConfig(t, f, &cfg, node.Options{}, "school")
	if err != nil {
		t.Fatalf("start on directory version 3: %v", err)
	}
	r.stop()
}
