package node_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/internal/testnode"
	"github.com/schakel/schakel/policy/bundle"
	"github.com/schakel/schakel/policy/signing"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

var testPassword = []byte("demo-wachtwoord")

// demoKey is a generated key pair.
type demoKey struct {
	name      string
	priv, pub []byte
}

func newKey(t *testing.T, name string) demoKey {
	t.Helper()
	priv, pub, err := signing.GenerateKeyPair(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	return demoKey{name: name, priv: priv, pub: pub}
}

func (k demoKey) sign(t *testing.T, archive []byte) []byte {
	t.Helper()
	sig, err := signing.Sign(k.priv, testPassword, archive)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// buildPack builds the default pack (policy/pack) as an archive; extra is
// appended to its data.yaml (a comment makes a new revision).
func buildPack(t *testing.T, extra string) []byte {
	t.Helper()
	return buildPackFiles(t, extra, nil)
}

// buildPackFiles is buildPack with extra files (slash paths) in the pack.
func buildPackFiles(t *testing.T, extra string, files map[string][]byte) []byte {
	t.Helper()
	dir := t.TempDir()
	for name, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"data.yaml", "decision.rego"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "policy", "pack", name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "data.yaml" {
			b = append(b, []byte(extra)...)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	archive, err := bundle.Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	return archive
}

// packFiles is a pack folder as a node sees it: the archive, its signature
// files and the trusted keys folder.
type packFiles struct {
	dir, archive, trusted string
}

func newPackFiles(t *testing.T, trusted ...demoKey) packFiles {
	t.Helper()
	dir := t.TempDir()
	pf := packFiles{dir: dir, archive: filepath.Join(dir, "pack.tar.gz"), trusted: filepath.Join(dir, "trusted")}
	if err := os.MkdirAll(pf.trusted, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, k := range trusted {
		writeTestFile(t, filepath.Join(pf.trusted, k.name+".pub"), k.pub)
	}
	return pf
}

// put writes the archive and one signature file per signer (replacing
// whatever was there) via temp file and rename, as an operator would.
func (pf packFiles) put(t *testing.T, archive []byte, sigs map[string][]byte) {
	t.Helper()
	old, _ := filepath.Glob(pf.archive + ".*.sig")
	for _, o := range old {
		if _, keep := sigs[strings.TrimSuffix(strings.TrimPrefix(filepath.Base(o), "pack.tar.gz."), ".sig")]; !keep {
			os.Remove(o)
		}
	}
	writeTestFile(t, pf.archive, archive)
	for name, sig := range sigs {
		writeTestFile(t, pf.archive+"."+name+".sig", sig)
	}
}

func (pf packFiles) policy(threshold int) config.Policy {
	return config.Policy{Bundle: pf.archive, Trusted: pf.trusted, Threshold: threshold}
}

func writeTestFile(t *testing.T, path string, b []byte) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// TestStartRefusesBadPacks starts a node through node.New with each kind of
// bad pack and checks that it refuses to start, naming the case.
func TestStartRefusesBadPacks(t *testing.T) {
	po, fg, outsider := newKey(t, "privacy-officer"), newKey(t, "fg"), newKey(t, "buitenstaander")
	archive := buildPack(t, "")
	tampered := bytes.Clone(archive)
	tampered[len(tampered)/2] ^= 0x01 // one byte

	expiredFG := fg
	expiredFG.pub = bytes.Replace(fg.pub, []byte("-----BEGIN PUBLIC KEY-----\n"),
		[]byte("-----BEGIN PUBLIC KEY-----\nNot-After: 2020-01-01\n\n"), 1)
	validFG := fg
	validFG.pub = bytes.Replace(fg.pub, []byte("-----BEGIN PUBLIC KEY-----\n"),
		[]byte("-----BEGIN PUBLIC KEY-----\nNot-After: 2999-12-31T00:00:00Z\n\n"), 1)

	// A good node first: the configuration below is the one it started with.
	f := testnode.New(t)
	good := newPackFiles(t, po, fg)
	good.put(t, archive, map[string][]byte{"privacy-officer": po.sign(t, archive), "fg": fg.sign(t, archive)})
	var base config.Config
	school := f.Start(testnode.School, nil, func(c *config.Config, _ *node.Options) {
		c.Policy = good.policy(2)
		base = *c
	})
	st := school.Node.PolicyStatus()
	if st.Revision != bundle.Revision(archive) || len(st.Signers) != 2 {
		t.Fatalf("good pack: status %+v, want revision %s signed by two", st, bundle.Revision(archive))
	}
	school.Stop()

	cases := []struct {
		name, wantCase, wantText string
		trusted                  []demoKey
		archive                  []byte
		sigs                     map[string][]byte
	}{
		{name: "unsigned", wantCase: "unsigned", wantText: "unsigned", trusted: []demoKey{po, fg}, archive: archive},
		{name: "one of two", wantCase: "below_threshold", wantText: "1 of 2 required signers", trusted: []demoKey{po, fg}, archive: archive,
			sigs: map[string][]byte{"privacy-officer": po.sign(t, archive)}},
		{name: "tampered byte", wantCase: "tampered", wantText: "changed after signing", trusted: []demoKey{po, fg}, archive: tampered,
			sigs: map[string][]byte{"privacy-officer": po.sign(t, archive), "fg": fg.sign(t, archive)}},
		{name: "untrusted key", wantCase: "untrusted_key", wantText: "buitenstaander.sig: signature not made by a trusted key", trusted: []demoKey{po, fg}, archive: archive,
			sigs: map[string][]byte{"privacy-officer": po.sign(t, archive), "buitenstaander": outsider.sign(t, archive)}},
		{name: "malformed signature", wantCase: "malformed", wantText: "fg.sig: malformed signature", trusted: []demoKey{po, fg}, archive: archive,
			sigs: map[string][]byte{"privacy-officer": po.sign(t, archive), "fg": []byte("dit is geen handtekening!")}},
		{name: "expired key", wantCase: "expired", wantText: `trusted key "fg"`, trusted: []demoKey{po, expiredFG}, archive: archive,
			sigs: map[string][]byte{"privacy-officer": po.sign(t, archive), "fg": fg.sign(t, archive)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pf := newPackFiles(t, tc.trusted...)
			pf.put(t, tc.archive, tc.sigs)
			cfg := base
			cfg.Policy = pf.policy(2)
			var logs bytes.Buffer
			n, err := node.New(&cfg, slog.New(slog.NewJSONHandler(&logs, nil)), node.Options{})
			if err == nil {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				_ = n.Run(ctx)
				t.Fatalf("node started on a bad pack (%s)", tc.name)
			}
			var pe *node.PolicyError
			if !errors.As(err, &pe) || pe.Case != tc.wantCase {
				t.Errorf("error case = %v, want %q; err: %v", pe, tc.wantCase, err)
			}
			if !strings.Contains(err.Error(), tc.wantText) || !strings.Contains(err.Error(), "("+tc.wantCase+")") {
				t.Errorf("error %q does not say %q and (%s)", err, tc.wantText, tc.wantCase)
			}
		})
	}

	// The same key with an expiry in the future still counts.
	t.Run("key not yet expired", func(t *testing.T) {
		pf := newPackFiles(t, po, validFG)
		pf.put(t, archive, map[string][]byte{"privacy-officer": po.sign(t, archive), "fg": fg.sign(t, archive)})
		cfg := base
		cfg.Policy = pf.policy(2)
		n, err := node.New(&cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), node.Options{})
		if err != nil {
			t.Fatalf("valid key with a future expiry refused: %v", err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = n.Run(ctx)
	})
}

// lotteRevision asks the school node for Lotte's verzuim (denied: no
// consent) and returns the policy revision the decision reports.
func lotteRevision(t *testing.T, zorg, school *testnode.Node) string {
	t.Helper()
	resp, err := zorg.Local.RequestRecord(context.Background(), &localv1.RequestRecordRequest{
		HolderOin: school.Org.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: testnode.Child(t, "Lotte").BSN,
		Categories: []string{"verzuim"}, Role: "jeugdhulpverlener", Relation: true,
	})
	if err != nil {
		t.Fatalf("RequestRecord: %v", err)
	}
	return resp.GetDecision().GetPolicyRevision()
}

func TestReloadSwapsGoodPackAndRefusesTampered(t *testing.T) {
	po, fg := newKey(t, "privacy-officer"), newKey(t, "fg")
	v1, v2 := buildPack(t, ""), buildPack(t, "\n# versie 2\n")
	pf := newPackFiles(t, po, fg)
	pf.put(t, v1, map[string][]byte{"privacy-officer": po.sign(t, v1), "fg": fg.sign(t, v1)})

	f := testnode.New(t)
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg}, func(c *config.Config, o *node.Options) {
		c.Policy = pf.policy(2)
		c.Listen.Metrics = "127.0.0.1:0"
		o.Source = fixtureSource(t)
		o.PolicyPoll = time.Hour // this test reloads by hand (as SIGHUP does)
	})
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.School}, nil)

	if got := lotteRevision(t, zorg, school); got != bundle.Revision(v1) {
		t.Fatalf("decision revision = %q, want v1 %s", got, bundle.Revision(v1))
	}

	// A good new pack, signed by both: the next decision reports it.
	pf.put(t, v2, map[string][]byte{"privacy-officer": po.sign(t, v2), "fg": fg.sign(t, v2)})
	if err := school.Node.ReloadPolicy(); err != nil {
		t.Fatalf("reload of a good pack: %v", err)
	}
	if got := lotteRevision(t, zorg, school); got != bundle.Revision(v2) {
		t.Fatalf("after reload decision revision = %q, want v2 %s", got, bundle.Revision(v2))
	}

	// A tampered v3 (signed, then one byte changed): refused, v2 stays.
	v3 := buildPack(t, "\n# versie 3\n")
	sigs := map[string][]byte{"privacy-officer": po.sign(t, v3), "fg": fg.sign(t, v3)}
	v3[len(v3)/3] ^= 0x80
	pf.put(t, v3, sigs)
	err := school.Node.ReloadPolicy()
	var pe *node.PolicyError
	if !errors.As(err, &pe) || pe.Case != "tampered" {
		t.Fatalf("reload of a tampered pack: %v, want a tampered refusal", err)
	}
	if got := lotteRevision(t, zorg, school); got != bundle.Revision(v2) {
		t.Fatalf("after refused reload decision revision = %q, want v2 %s (last good)", got, bundle.Revision(v2))
	}

	// The refusal is visible: status API, log, metric and health detail.
	conn := f.Dial(school.Node.LocalAddr, school.Client.TLS)
	st, err := localv1.NewPolicyServiceClient(conn).GetPolicyStatus(context.Background(), &localv1.GetPolicyStatusRequest{})
	if err != nil {
		t.Fatalf("GetPolicyStatus: %v", err)
	}
	if st.GetRevision() != bundle.Revision(v2) || len(st.GetSigners()) != 2 || st.GetSigners()[0].GetFingerprint() == "" {
		t.Errorf("status active = %s signers %v, want v2 signed by two", st.GetRevision(), st.GetSigners())
	}
	r := st.GetLastRefused()
	if r.GetCase() != "tampered" || r.GetRevision() != bundle.Revision(v3) || !strings.Contains(r.GetReason(), "changed after signing") ||
		!st.GetRefusedSinceLoad() || r.GetAt().AsTime().Before(st.GetLoadedAt().AsTime()) {
		t.Errorf("status last refused = %v (since load %v)", r, st.GetRefusedSinceLoad())
	}
	if !strings.Contains(f.Logs.String(), "policy pack refused; keeping the last good pack") {
		t.Error("no refusal in the log")
	}
	body := httpGet(t, "http://"+school.Node.MetricsAddr+"/metrics")
	for _, want := range []string{`schakel_policy_reload_total{case="tampered",result="refused"} 1`, `schakel_policy_reload_total{case="ok",result="loaded"} 1`, "schakel_policy_reload_refused 1"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	health := httpGet(t, "http://"+school.Node.MetricsAddr+"/healthz")
	if !strings.Contains(health, `"status":"serving_last_good_policy"`) || !strings.Contains(health, `"case":"tampered"`) {
		t.Errorf("healthz = %s", health)
	}
	// The status file for `schakel policy status` says the same.
	fst, err := node.ReadStatusFile(school.Config.DataDir)
	if err != nil || fst.Revision != bundle.Revision(v2) || fst.LastRefused == nil || fst.LastRefused.Case != "tampered" {
		t.Errorf("status file = %+v, %v", fst, err)
	}
}

// TestWatcherReloadsOnFileChange changes the files under a running node and
// waits for the watcher (no SIGHUP, no explicit reload).
func TestWatcherReloadsOnFileChange(t *testing.T) {
	po, fg := newKey(t, "privacy-officer"), newKey(t, "fg")
	v1, v2 := buildPack(t, ""), buildPack(t, "\n# versie 2\n")
	pf := newPackFiles(t, po, fg)
	pf.put(t, v1, map[string][]byte{"privacy-officer": po.sign(t, v1), "fg": fg.sign(t, v1)})
	f := testnode.New(t)
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg}, func(c *config.Config, o *node.Options) {
		c.Policy = pf.policy(2)
		o.Source = fixtureSource(t)
		o.PolicyPoll = 100 * time.Millisecond
	})
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.School}, nil)

	// Only one signature on v2: refused by the watcher, v1 keeps serving.
	pf.put(t, v2, map[string][]byte{"privacy-officer": po.sign(t, v2)})
	waitFor(t, "refusal of the under-signed pack", func() bool {
		r := school.Node.PolicyStatus().LastRefused
		return r != nil && r.Case == "below_threshold" && r.Revision == bundle.Revision(v2)
	})
	if got := lotteRevision(t, zorg, school); got != bundle.Revision(v1) {
		t.Fatalf("decision revision = %q, want v1 while v2 is under-signed", got)
	}
	// The FG co-signs: the watcher loads v2.
	pf.put(t, v2, map[string][]byte{"privacy-officer": po.sign(t, v2), "fg": fg.sign(t, v2)})
	waitFor(t, "v2 active", func() bool { return school.Node.PolicyStatus().Revision == bundle.Revision(v2) })
	if got := lotteRevision(t, zorg, school); got != bundle.Revision(v2) {
		t.Fatalf("decision revision = %q, want v2", got)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestPackScenariosRunAtLoad: a signed pack that carries scenario files
// loads only when they pass.
func TestPackScenariosRunAtLoad(t *testing.T) {
	po, fg := newKey(t, "privacy-officer"), newKey(t, "fg")
	scenario, err := os.ReadFile(filepath.Join("..", "..", "policy", "testdata", "scenarios", "a1.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	good := buildPackFiles(t, "", map[string][]byte{"testdata/scenarios/a1.yaml": scenario})
	pf := newPackFiles(t, po, fg)
	pf.put(t, good, map[string][]byte{"privacy-officer": po.sign(t, good), "fg": fg.sign(t, good)})
	p, err := node.LoadPolicy(pf.policy(2), log, node.PolicyOptions{})
	if err != nil {
		t.Fatalf("pack with passing scenarios refused: %v", err)
	}
	if p.Revision() != bundle.Revision(good) {
		t.Errorf("revision %s, want %s", p.Revision(), bundle.Revision(good))
	}

	// The same scenario file expecting a denial where the pack allows.
	wrong := bytes.Replace(scenario, []byte("allow: true"), []byte("allow: false"), 1)
	bad := buildPackFiles(t, "", map[string][]byte{"testdata/scenarios/a1.yaml": wrong})
	pf.put(t, bad, map[string][]byte{"privacy-officer": po.sign(t, bad), "fg": fg.sign(t, bad)})
	err = p.Reload()
	var pe *node.PolicyError
	if !errors.As(err, &pe) || pe.Case != "invalid_pack" || !strings.Contains(err.Error(), "scenario") {
		t.Fatalf("pack with a failing scenario: %v, want an invalid_pack refusal naming the scenario", err)
	}
	t.Logf("refused: %v", err)
	if p.Revision() != bundle.Revision(good) {
		t.Errorf("after refusal revision %s, want the last good %s", p.Revision(), bundle.Revision(good))
	}
}

// TestRunningNodeRefusesPackWithFailingRegoTest: a running node runs all
// the tests a signed pack carries (Rego and scenarios) before it swaps. A
// pack whose Rego test fails is refused, the previous good pack keeps
// deciding, and the failing test is named in the log, the metrics' case, the
// health endpoint and the policy status; the status does not present the
// refused file as the active pack's source.
func TestRunningNodeRefusesPackWithFailingRegoTest(t *testing.T) {
	po, fg := newKey(t, "privacy-officer"), newKey(t, "fg")
	passing := []byte("package schakel.officer_test\n\ntest_passes if {\n\t1 == 1\n}\n")
	failing := []byte("package schakel.officer_test\n\ntest_passes if {\n\t1 == 1\n}\n\ntest_b1_needs_two_parents if {\n\t1 == 2\n}\n")
	v1 := buildPackFiles(t, "", map[string][]byte{"officer_test.rego": passing})
	v2 := buildPackFiles(t, "\n# versie 2\n", map[string][]byte{"officer_test.rego": failing})
	pf := newPackFiles(t, po, fg)
	pf.put(t, v1, map[string][]byte{"privacy-officer": po.sign(t, v1), "fg": fg.sign(t, v1)})

	f := testnode.New(t)
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg}, func(c *config.Config, o *node.Options) {
		c.Policy = pf.policy(2)
		c.Listen.Metrics = "127.0.0.1:0"
		o.Source = fixtureSource(t)
		o.PolicyPoll = time.Hour // reloads by hand, as SIGHUP does
	})
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.School}, nil)
	if got := lotteRevision(t, zorg, school); got != bundle.Revision(v1) {
		t.Fatalf("decision revision = %q, want v1 %s", got, bundle.Revision(v1))
	}

	const testName = "officer_test.rego:7 data.schakel.officer_test.test_b1_needs_two_parents"
	pf.put(t, v2, map[string][]byte{"privacy-officer": po.sign(t, v2), "fg": fg.sign(t, v2)})
	err := school.Node.ReloadPolicy()
	var pe *node.PolicyError
	if !errors.As(err, &pe) || pe.Case != "invalid_pack" || pe.Revision != bundle.Revision(v2) ||
		len(pe.FailedTests) != 1 || pe.FailedTests[0] != testName {
		t.Fatalf("reload of a pack with a failing Rego test: %v (%+v), want an invalid_pack refusal naming %s", err, pe, testName)
	}
	if got := lotteRevision(t, zorg, school); got != bundle.Revision(v1) {
		t.Fatalf("after the refusal decision revision = %q, want v1 %s (last good)", got, bundle.Revision(v1))
	}

	if logs := f.Logs.String(); !strings.Contains(logs, "policy pack refused; keeping the last good pack") || !strings.Contains(logs, testName) {
		t.Errorf("log does not name the failing test:\n%s", logs)
	}
	body := httpGet(t, "http://"+school.Node.MetricsAddr+"/metrics")
	if !strings.Contains(body, `schakel_policy_reload_total{case="invalid_pack",result="refused"} 1`) || !strings.Contains(body, "schakel_policy_reload_refused 1") {
		t.Errorf("metrics lack the refusal")
	}
	health := httpGet(t, "http://"+school.Node.MetricsAddr+"/healthz")
	if !strings.Contains(health, `"status":"serving_last_good_policy"`) || !strings.Contains(health, `"failed_tests":["`+testName+`"]`) {
		t.Errorf("healthz = %s", health)
	}
	conn := f.Dial(school.Node.LocalAddr, school.Client.TLS)
	st, err := localv1.NewPolicyServiceClient(conn).GetPolicyStatus(context.Background(), &localv1.GetPolicyStatusRequest{})
	if err != nil {
		t.Fatalf("GetPolicyStatus: %v", err)
	}
	if st.GetRevision() != bundle.Revision(v1) || st.GetLastRefused().GetCase() != "invalid_pack" ||
		st.GetLastRefused().GetRevision() != bundle.Revision(v2) || !strings.Contains(st.GetLastRefused().GetReason(), testName) {
		t.Errorf("status = %v", st)
	}
	// The file at policy.bundle now holds v2: the source of the active v1
	// is that file as it was when v1 was loaded, not the file as it is.
	if src := st.GetSource(); src == pf.archive || !strings.HasPrefix(src, pf.archive+" as it was at ") || !strings.Contains(src, "refused") {
		t.Errorf("status source = %q, want the archive as it was at load, not the refused file", src)
	}
	fst, err := node.ReadStatusFile(school.Config.DataDir)
	if err != nil || fst.LastRefused == nil || len(fst.LastRefused.FailedTests) != 1 || fst.LastRefused.FailedTests[0] != testName || fst.Source != st.GetSource() {
		t.Errorf("status file = %+v, %v", fst, err)
	}

	// v1 put back: loads again, and the source is the plain file again.
	pf.put(t, v1, map[string][]byte{"privacy-officer": po.sign(t, v1), "fg": fg.sign(t, v1)})
	if err := school.Node.ReloadPolicy(); err != nil {
		t.Fatalf("reload of v1: %v", err)
	}
	if st := school.Node.PolicyStatus(); st.Source != pf.archive || st.RefusedSinceLoad {
		t.Errorf("after v1 is back: source %q, refused since load %v", st.Source, st.RefusedSinceLoad)
	}

	// The same v1 refused because a key is no longer trusted: the file
	// still holds the active pack, so it stays the source.
	os.Remove(filepath.Join(pf.trusted, "fg.pub"))
	writeTestFile(t, filepath.Join(pf.trusted, "other.pub"), newKey(t, "other").pub)
	if err := school.Node.ReloadPolicy(); err == nil {
		t.Fatal("v1 loaded without the fg key")
	}
	if st := school.Node.PolicyStatus(); st.Source != pf.archive || !st.RefusedSinceLoad || st.LastRefused.Revision != st.Revision {
		t.Errorf("refusal of the active revision itself: source %q, last refused %+v", st.Source, st.LastRefused)
	}
}
