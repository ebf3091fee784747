package console_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/internal/testnode"
	"github.com/schakel/schakel/policy"
	"github.com/schakel/schakel/policy/bundle"
	"github.com/schakel/schakel/policy/diff"
	"github.com/schakel/schakel/policy/signing"
)

// packDir is the default pack's folder, which the test nodes run signed.
var packDir = filepath.Join("..", "..", "policy", "pack")

var keyPassword = []byte("alleen-voor-de-test")

// Signing keys: generating one runs scrypt, so each is made once.
var (
	keysOnce sync.Once
	keyPairs map[string][2][]byte // name -> private, public PEM
)

func signingKeys() map[string][2][]byte {
	keysOnce.Do(func() {
		keyPairs = map[string][2][]byte{}
		for _, n := range []string{"privacy-officer", "fg", "vreemde"} {
			priv, pub, err := signing.GenerateKeyPair(keyPassword)
			if err != nil {
				panic(err)
			}
			keyPairs[n] = [2][]byte{priv, pub}
		}
	})
	return keyPairs
}

// signFile writes archive's signature by key next to it, as `schakel policy
// sign` names it, and returns its path.
func signFile(t *testing.T, archive, key string) string {
	t.Helper()
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := signing.Sign(signingKeys()[key][0], keyPassword, data)
	if err != nil {
		t.Fatal(err)
	}
	p := archive + "." + key + ".sig"
	if err := os.WriteFile(p, sig, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// signedPolicy is the node configuration of the default pack signed by the
// privacy officer and the FG, two of two required.
func signedPolicy(t *testing.T) config.Policy {
	dir := t.TempDir()
	trusted := filepath.Join(dir, "trusted")
	if err := os.MkdirAll(trusted, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"privacy-officer", "fg"} {
		if err := os.WriteFile(filepath.Join(trusted, n+".pub"), signingKeys()[n][1], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	archive := buildPack(t, dir, "pack.tar.gz", nil)
	signFile(t, archive, "privacy-officer")
	signFile(t, archive, "fg")
	return config.Policy{Bundle: archive, Trusted: trusted, Threshold: 2}
}

// buildPack builds the default pack, with edit applied to its data.yaml,
// into dir/name.
func buildPack(t *testing.T, dir, name string, edit func(data string) string) string {
	t.Helper()
	src := filepath.Join(dir, strings.TrimSuffix(name, ".tar.gz"))
	if err := os.CopyFS(src, os.DirFS(packDir)); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		p := filepath.Join(src, policy.DataFile)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		changed := edit(string(b))
		if changed == string(b) {
			t.Fatal("the edit changed nothing; adjust the test")
		}
		if err := os.WriteFile(p, []byte(changed), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	archive, err := bundle.Build(src)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name)
	if err := os.WriteFile(out, archive, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// shorterA1 is the candidate's change: flow A1 keeps its records 365 days
// instead of 1825.
func shorterA1(data string) string {
	return strings.Replace(data, "    obligations: [inform_subject, record_in_pupil_file]\n    retention_days: 1825",
		"    obligations: [inform_subject, record_in_pupil_file]\n    retention_days: 365", 1)
}

// expectedDiff is what `schakel policy diff` reports between the two packs.
func expectedDiff(t *testing.T, oldArchive, newArchive string) *diff.Report {
	t.Helper()
	load := func(p string) *policy.Pack {
		fsys, _, err := bundle.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		pk, err := policy.LoadPack(fsys)
		if err != nil {
			t.Fatal(err)
		}
		return pk
	}
	r, err := diff.Compare(context.Background(), load(oldArchive), load(newArchive))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// verschillen drives the Verschillen page: a candidate with one changed
// flow, signed by one of the two required keys and by a key the node does
// not trust; then the candidate in Proberen; then misuse.
func verschillen(ctx context.Context, t *testing.T, base string, w *world) {
	dir := t.TempDir()
	cand := buildPack(t, dir, "kandidaat.tar.gz", shorterA1)
	officer := signFile(t, cand, "privacy-officer")
	stranger := signFile(t, cand, "vreemde")
	upload := func(archive string, sigs ...string) {
		t.Helper()
		open(ctx, t, base+"/verschillen")
		steps := []chromedp.Action[chromedp.Void]{chromedp.SetUploadFiles(chromedp.CSS("#archief"), []string{archive})}
		if len(sigs) > 0 {
			steps = append(steps, chromedp.SetUploadFiles(chromedp.CSS("#handtekeningen"), sigs))
		}
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
		// The page already shows the previous candidate: wait for the new one.
		resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("#vergelijk")))
		if err != nil || resp.Status != http.StatusOK {
			t.Fatalf("upload %s: %v %v", filepath.Base(archive), resp, err)
		}
	}
	upload(cand, officer, stranger)
	screenshot(ctx, t, "verschillen")
	rev, _ := os.ReadFile(cand)
	if got := text(ctx, t, "#kandidaat-revisie"); got != bundle.Revision(rev) {
		t.Errorf("revision %q, want %q", got, bundle.Revision(rev))
	}
	if got := text(ctx, t, "#drempel"); !strings.Contains(got, "1 van de 2") || !strings.Contains(got, "nog 1 handtekening nodig") {
		t.Errorf("threshold line %q", got)
	}
	if got := text(ctx, t, "#getekend"); !strings.Contains(got, "privacy-officer") || strings.Contains(got, "vreemde") {
		t.Errorf("signed by %q", got)
	}
	if got := text(ctx, t, "#nog-niet"); !strings.Contains(got, "fg") {
		t.Errorf("still to sign %q", got)
	}
	if got := text(ctx, t, "#niet-meegeteld"); !strings.Contains(got, filepath.Base(stranger)) {
		t.Errorf("ignored signatures %q", got)
	}
	if got := text(ctx, t, "#tests"); !strings.Contains(got, "slagen") {
		t.Errorf("tests %q", got)
	}
	// The page shows what `schakel policy diff` says, line by line.
	want := expectedDiff(t, w.policy.Bundle, cand)
	changes := text(ctx, t, "#wijzigingen")
	for _, sec := range want.Sections {
		for _, l := range sec.Lines {
			if !strings.Contains(changes, strings.TrimSpace(l)) {
				t.Errorf("the diff page lacks %q:\n%s", l, changes)
			}
		}
	}
	if !strings.Contains(changes, "~ A1 (afstemming_hulp_onderwijs) gewijzigd") || !strings.Contains(changes, "bewaartermijn: 1825 → 365 dagen") {
		t.Errorf("the changed flow is not shown:\n%s", changes)
	}
	decisions := text(ctx, t, "#beslissingen")
	if want.Decisions.Changed() == 0 || !strings.Contains(decisions, fmt.Sprintf("%d van %d scenario's", want.Decisions.Changed(), want.Decisions.Total)) {
		t.Errorf("decisions %q, want %d of %d", decisions, want.Decisions.Changed(), want.Decisions.Total)
	}
	for _, f := range want.Decisions.Flows {
		for _, l := range f.Lines {
			if !strings.Contains(decisions, l) {
				t.Errorf("decisions lack %q", l)
			}
		}
	}

	// Proberen decides on the candidate when asked, on the active pack
	// otherwise: A1's retention tells them apart.
	for _, c := range []struct {
		path, retention, rev string
	}{{"/proberen?pakket=kandidaat", "365 dagen", bundle.Revision(rev)}, {"/proberen", "1825 dagen", ""}} {
		open(ctx, t, base+c.path)
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#beslis")), chromedp.WaitVisible(chromedp.CSS("#uitkomst"))); err != nil {
			t.Fatal(err)
		}
		if got := text(ctx, t, "#bewaartermijn"); got != c.retention {
			t.Errorf("%s: retention %q, want %q", c.path, got, c.retention)
		}
		by := text(ctx, t, "#beslist-door")
		if c.rev != "" && (!strings.Contains(by, "kandidaat") || !strings.Contains(by, c.rev)) {
			t.Errorf("%s: decided by %q", c.path, by)
		}
		if c.rev == "" && !strings.Contains(by, "actieve") {
			t.Errorf("%s: decided by %q", c.path, by)
		}
		screenshot(ctx, t, "proberen-"+strings.TrimSuffix(c.retention, " dagen"))
	}

	// A signature over other bytes does not count: the candidate changed
	// after the officer signed it.
	other := buildPack(t, t.TempDir(), "kandidaat.tar.gz", func(d string) string {
		return strings.Replace(shorterA1(d), "retention_days: 365", "retention_days: 30", 1)
	})
	upload(other, officer)
	if got := text(ctx, t, "#drempel"); !strings.Contains(got, "0 van de 2") {
		t.Errorf("altered candidate: %q", got)
	}
	if got := text(ctx, t, "#niet-meegeteld"); !strings.Contains(got, filepath.Base(officer)) || !strings.Contains(got, "changed after signing") {
		t.Errorf("altered candidate, ignored %q", got)
	}
	// A file that is no archive is named as such; nothing else is shown.
	upload(officer)
	if got := text(ctx, t, "#probleem"); !strings.Contains(got, "geen geldig beleidspakket") {
		t.Errorf("not an archive: %q", got)
	}
	// The active pack itself, with both signatures: enough, no changes.
	upload(w.policy.Bundle, w.policy.Bundle+".privacy-officer.sig", w.policy.Bundle+".fg.sig")
	if got := text(ctx, t, "#drempel"); !strings.Contains(got, "2 van de 2") || !strings.Contains(got, "genoeg") {
		t.Errorf("active pack: %q", got)
	}
	if got := text(ctx, t, "#zelfde"); !strings.Contains(got, "actieve pakket") {
		t.Errorf("same as active: %q", got)
	}
	if got := text(ctx, t, "#geen-wijzigingen"); got != "Geen inhoudelijke wijzigingen." {
		t.Errorf("no changes: %q", got)
	}
	// Forgotten, it is gone from the page and from Proberen.
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("#vergeten"))); err != nil {
		t.Fatal(err)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#kandidaat").length`)); err != nil || n != 0 {
		t.Errorf("candidate still shown after forgetting (%d, %v)", n, err)
	}
	open(ctx, t, base+"/proberen?pakket=kandidaat")
	if strings.Contains(text(ctx, t, "main"), "kandidaat-pakket (revisie") {
		t.Error("Proberen still offers the forgotten candidate")
	}
}

// multipartUpload posts files (field name -> paths) and fields to u.
func multipartUpload(t *testing.T, c *http.Client, u string, fields map[string]string, files map[string][]string) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	for field, paths := range files {
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			fw, _ := mw.CreateFormFile(field, filepath.Base(p))
			_, _ = fw.Write(data)
		}
	}
	_ = mw.Close()
	resp, err := c.Post(u, mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// uploadMisuse: an upload without the CSRF token, or too large, is refused
// and leaves no candidate.
func uploadMisuse(t *testing.T, c *http.Client, base, csrf string, w *world) {
	cand := buildPack(t, t.TempDir(), "kandidaat.tar.gz", shorterA1)
	files := map[string][]string{"archief": {cand}}
	if code, body := multipartUpload(t, c, base+"/verschillen", nil, files); code != http.StatusForbidden || !strings.Contains(body, "beveiligingstoken") {
		t.Errorf("upload without CSRF: %d", code)
	}
	big := filepath.Join(t.TempDir(), "groot.tar.gz")
	if err := os.WriteFile(big, bytes.Repeat([]byte{0}, bundle.MaxArchiveSize+200<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, body := multipartUpload(t, c, base+"/verschillen", map[string]string{"csrf": csrf}, map[string][]string{"archief": {big}}); code != http.StatusBadRequest || !strings.Contains(body, "te groot") {
		t.Errorf("oversized upload: %d %s", code, regexp.MustCompile(`<p class="fout"[^<]*`).FindString(body))
	}
	resp, err := c.Get(base + "/verschillen")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(page), `id="kandidaat"`) {
		t.Error("a refused upload left a candidate")
	}
	// With the token it is reviewed; the page after the redirect shows it.
	code, body := multipartUpload(t, c, base+"/verschillen", map[string]string{"csrf": csrf}, files)
	if code != http.StatusOK || !strings.Contains(body, "bewaartermijn: 1825 → 365 dagen") || !strings.Contains(body, "0 van de 2") {
		t.Errorf("upload: %d", code)
	}
	// The node still runs its signed pack: the console reviewed, it did not install.
	st := w.school.Node.PolicyStatus()
	if st.Revision == bundle.Revision(mustRead(t, cand)) {
		t.Error("the uploaded candidate became the active pack")
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// logFilters: the Logboek filters by peer, outcome, reason and date.
func logFilters(t *testing.T, c *http.Client, base string) {
	get := func(q string) string {
		t.Helper()
		resp, err := c.Get(base + "/logboek?" + q)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("logboek?%s: %d", q, resp.StatusCode)
		}
		return string(b)
	}
	count := regexp.MustCompile(`(\d+) van (\d+) passende records`)
	matched := func(page string) string {
		m := count.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no count on the page")
		}
		return m[2]
	}
	all := matched(get(""))
	zorg := get("partner=" + testnode.Zorg.OIN)
	if !strings.Contains(zorg, ">A1</span>: ") || matched(zorg) == "0" { // flow A1, next to its purpose in Dutch
		t.Errorf("peer filter shows no A1 decision with the zorgaanbieder (%s records)", matched(zorg))
	}
	if own := get("partner=eigen"); strings.Contains(own, "<code>"+testnode.Zorg.OIN+"</code>") {
		t.Error("the own-organisation filter shows a record with a peer")
	}
	if denied := get("uitkomst=geweigerd&partner=" + testnode.Zorg.OIN); matched(denied) != "0" {
		t.Errorf("the zorgaanbieder was refused nothing, yet %s records match", matched(denied))
	}
	if r := get("reden=CONSENT_MISSING"); matched(r) != "0" {
		t.Errorf("no decision was refused for CONSENT_MISSING, yet %s match", matched(r))
	}
	today := time.Now().Format("2006-01-02")
	if got := matched(get("vanaf=" + today + "&tot=" + today)); got != all {
		t.Errorf("today's records: %s, all: %s", got, all)
	}
	if got := matched(get("vanaf=" + time.Now().AddDate(0, 0, 1).Format("2006-01-02"))); got != "0" {
		t.Errorf("records from tomorrow: %s", got)
	}
	if bad := get("vanaf=gisteren"); !strings.Contains(bad, "geen datum") || matched(bad) != all {
		t.Errorf("a bad date is not named, or filtered on anyway")
	}
}
