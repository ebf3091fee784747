package node_test

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/internal/testnode"
	"github.com/schakel/schakel/policy/bundle"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// TestPolicyRolloutWithoutFalseAlarm: a privacy officer's roll-out copies
// the signatures and the archive by hand, 3 s apart, in either order. The
// watcher waits (policy.reload_wait, 15 s here: time enough on a loaded machine) for them to belong together:
// no "tampered" refusal, no ERROR line, no refusal metric, and the new pack
// loads. A truly tampered archive is still refused once the wait is over,
// and after a good pack loads again the console's Regels page shows that
// refusal as superseded, not as a red alarm.
func TestPolicyRolloutWithoutFalseAlarm(t *testing.T) {
	po, fg := newKey(t, "privacy-officer"), newKey(t, "fg")
	v1, v2, v3 := buildPack(t, ""), buildPack(t, "\n# versie 2\n"), buildPack(t, "\n# versie 3\n")
	pf := newPackFiles(t, po, fg)
	sigs := func(a []byte) map[string][]byte {
		return map[string][]byte{"privacy-officer": po.sign(t, a), "fg": fg.sign(t, a)}
	}
	pf.put(t, v1, sigs(v1))
	f := testnode.New(t)
	school := f.Start(testnode.School, nil, func(c *config.Config, o *node.Options) {
		c.Policy = pf.policy(2)
		c.Policy.ReloadWait = config.Duration(15 * time.Second)
		c.Listen.Metrics = "127.0.0.1:0"
		c.Console = config.Console{Listen: "auto"}
		o.Source = fixtureSource(t)
		o.PolicyPoll = 200 * time.Millisecond
	})
	metrics := func() string { return httpGet(t, "http://"+school.Node.MetricsAddr+"/metrics") }
	noAlarm := func(when string) {
		t.Helper()
		st := school.Node.PolicyStatus()
		if st.LastRefused != nil {
			t.Fatalf("%s: refused %+v", when, st.LastRefused)
		}
		if strings.Contains(f.Logs.String(), `"level":"ERROR"`) {
			t.Fatalf("%s: ERROR in the log:\n%s", when, f.Logs.String())
		}
		m := metrics()
		if strings.Contains(m, `result="refused"`) || !strings.Contains(m, "schakel_policy_reload_refused 0") {
			t.Fatalf("%s: refusal metrics:\n%s", when, grepLines(m, "schakel_policy_reload"))
		}
	}
	// waitedThenLoaded watches the status while the copy is in progress
	// and until want is active; it reports whether Waiting was seen.
	roll := func(name string, first, second func(), want []byte) {
		t.Helper()
		first()
		sawWaiting, fileWaiting := false, false
		deadline := time.Now().Add(3 * time.Second)
		for time.Now().Before(deadline) {
			st := school.Node.PolicyStatus()
			if st.Waiting != nil {
				sawWaiting = true
				if node.StatusProto(st).GetWaiting().GetCase() != st.Waiting.Case {
					t.Errorf("%s: GetPolicyStatus does not show the wait", name)
				}
			}
			// What `schakel policy status` reads without --cert.
			if fst, err := node.ReadStatusFile(school.Config.DataDir); err == nil && fst.Waiting != nil {
				fileWaiting = true
			}
			time.Sleep(50 * time.Millisecond)
		}
		noAlarm(name + ", between the two copies")
		if !sawWaiting || !fileWaiting {
			t.Errorf("%s: the node never reported that it was waiting for the other file (status %v, status file %v)", name, sawWaiting, fileWaiting)
		}
		second()
		waitFor(t, name+": the new pack active", func() bool { return school.Node.PolicyStatus().Revision == bundle.Revision(want) })
		noAlarm(name + ", after")
		if school.Node.PolicyStatus().Waiting != nil {
			t.Errorf("%s: still waiting after the pack loaded", name)
		}
		if !strings.Contains(metrics(), "schakel_policy_reload_waiting 0") {
			t.Errorf("%s: waiting gauge not back to 0", name)
		}
	}
	// As the guide says: signatures first, then the archive.
	roll("signatures first", func() {
		for name, s := range sigs(v2) {
			writeTestFile(t, pf.archive+"."+name+".sig", s)
		}
	}, func() { writeTestFile(t, pf.archive, v2) }, v2)
	// The other order: the archive first, then its signatures.
	roll("archive first", func() { writeTestFile(t, pf.archive, v3) }, func() {
		for name, s := range sigs(v3) {
			writeTestFile(t, pf.archive+"."+name+".sig", s)
		}
	}, v3)
	if !strings.Contains(f.Logs.String(), "do not verify together yet") {
		t.Error("the wait is not in the log")
	}

	// A tampered archive (one byte changed after signing) with its own
	// signatures: waited on, then refused as tampered, with the alarm.
	v4 := buildPack(t, "\n# versie 4\n")
	s4 := sigs(v4)
	v4[len(v4)/3] ^= 0x80
	start := time.Now()
	pf.put(t, v4, s4)
	waitFor(t, "the tampered pack refused", func() bool {
		r := school.Node.PolicyStatus().LastRefused
		return r != nil && r.Case == "tampered"
	})
	if waited := time.Since(start); waited < 14*time.Second {
		t.Errorf("refused after %s, before the 15 s wait", waited)
	}
	st := school.Node.PolicyStatus()
	if st.Revision != bundle.Revision(v3) || !st.RefusedSinceLoad || st.Waiting != nil || !strings.Contains(st.LastRefused.Reason, "did not verify together") {
		t.Fatalf("after the tampered pack: %+v", st)
	}
	if !strings.Contains(f.Logs.String(), `"level":"ERROR"`) || !strings.Contains(metrics(), "schakel_policy_reload_refused 1") ||
		!strings.Contains(metrics(), `schakel_policy_reload_total{case="tampered",result="refused"} 1`) {
		t.Fatalf("the tampered pack raised no alarm:\n%s", grepLines(metrics(), "schakel_policy_reload"))
	}
	regels := func() string { return consolePage(t, f, school, "/regels") }
	if page := regels(); !strings.Contains(page, `class="fout" id="geweigerd-pakket"`) || !strings.Contains(page, "tampered") {
		t.Fatalf("Regels shows no red refusal box for the tampered pack:\n%s", page)
	}

	// The good v4 goes in: the refusal is superseded on the Regels page.
	v4 = buildPack(t, "\n# versie 4\n")
	pf.put(t, v4, sigs(v4))
	waitFor(t, "v4 active", func() bool { return school.Node.PolicyStatus().Revision == bundle.Revision(v4) })
	// (The gauge is set just after the swap that the revision shows.)
	waitFor(t, "the refusal gauge back to 0 after a good pack loaded", func() bool {
		return strings.Contains(metrics(), "schakel_policy_reload_refused 0")
	})
	page := regels()
	if strings.Contains(page, `class="fout" id="geweigerd-pakket"`) || !strings.Contains(page, "Eerder geweigerd pakket (vervangen)") {
		t.Fatalf("Regels after the good pack loaded still shows the refusal as current:\n%s", page)
	}
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// consolePage logs in to the node's console with a fresh link (over the
// local API, as `schakel console login` does) and returns the page's HTML.
func consolePage(t *testing.T, f *testnode.Federation, n *testnode.Node, path string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	link, err := localv1.NewConsoleServiceClient(f.Dial(n.Node.LocalAddr, n.Client.TLS)).CreateLoginLink(ctx, &localv1.CreateLoginLinkRequest{})
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: f.CA.Pool(), InsecureSkipVerify: true}} //nolint:gosec // the node's certificate names its OIN, not 127.0.0.1
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr, Jar: jar}
	r, err := hc.Get(link.GetUrl())
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	r, err = hc.Get("https://" + n.Node.ConsoleAddr() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("console %s: HTTP %d\n%s", path, r.StatusCode, b)
	}
	return string(b)
}
