package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/schakel/schakel/internal/browsertest"
	"github.com/schakel/schakel/policy"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// artifacts is where the screenshots go; CI keeps the folder.
var artifacts = filepath.Join("..", "test-artifacts", "demo-console")

var consoleLine = regexp.MustCompile(`console: (https://127\.0\.0\.1:[0-9]+/login\?token=[0-9a-f]{64})`)

// TestDemoConsole runs the demo (its PKI, its signed pack, its four nodes as
// processes of the real binary, its script) and then opens the school
// node's console in Chromium from the "console: URL" line of the node's
// log, and uses every page on what the demo left behind.
func TestDemoConsole(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole demo")
	}
	ctx := browsertest.New(t, 8*time.Minute) // skips without Chromium, before the build
	bin := filepath.Join(t.TempDir(), "schakel")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/schakel").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	portBase = 18600 // not the ports of a `make demo` running beside the tests
	w, err := setup(bin, t.TempDir(), filepath.Join("..", "policy", "pack"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.stopAll() })
	sctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := w.startAll(sctx); err != nil {
		t.Fatal(err)
	}
	if err := script(sctx, w); err != nil {
		t.Fatal(err)
	}
	school := w.node("school")
	logb, err := os.ReadFile(filepath.Join(school.dir, "node.log"))
	if err != nil {
		t.Fatal(err)
	}
	m := consoleLine.FindStringSubmatch(string(logb))
	if m == nil {
		t.Fatalf("the school's node.log has no console: URL line:\n%s", logb)
	}
	link := m[1]
	base := link[:strings.Index(link, "/login")]
	if want := "https://" + school.consoleAddr; base != want {
		t.Errorf("console at %s, configured %s", base, want)
	}
	open := func(path string) {
		t.Helper()
		if code := browsertest.Open(ctx, t, base+path); code != http.StatusOK {
			t.Fatalf("%s: status %d", path, code)
		}
	}
	txt := func(sel string) string { t.Helper(); return browsertest.Text(ctx, t, sel) }
	shot := func(name string) { t.Helper(); browsertest.Screenshot(ctx, t, artifacts, name) }

	if code := browsertest.Open(ctx, t, link); code != http.StatusOK {
		t.Fatalf("the logged link: %d", code)
	}
	if got := txt("#gebruiker"); got != "beheerder" {
		t.Errorf("logged in as %q", got)
	}

	// Regels: the signed pack the demo built, its two signers, and the
	// tampered pack the demo put on the node and the node refused.
	open("/regels")
	if got := txt("#revisie"); got != w.revision {
		t.Errorf("Regels revision %q, want %q", got, w.revision)
	}
	if got := txt("#ondertekenaars"); !strings.Contains(got, "privacy-officer") || !strings.Contains(got, "fg") {
		t.Errorf("signers %q", got)
	}
	if got := txt("#geweigerd-pakket"); !strings.Contains(got, "tampered") && !strings.Contains(got, "gewijzigd") {
		t.Errorf("last refused pack %q", got)
	}
	if !strings.Contains(txt("#stroom-C1"), "woongemeente") {
		t.Errorf("C1 does not show its residence condition: %q", txt("#stroom-C1"))
	}
	shot("regels")

	// Proberen: the example decided in the console is what `schakel policy
	// eval` and `explain` say about the same input under the signed pack.
	open("/proberen")
	input, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#input")))
	if err != nil {
		t.Fatal(err)
	}
	inFile := filepath.Join(t.TempDir(), "input.json")
	if err := os.WriteFile(inFile, []byte(input), 0o600); err != nil {
		t.Fatal(err)
	}
	evalOut, err := w.cli("policy", "eval", "--bundle", w.release, "--input", inFile)
	if err != nil {
		t.Fatal(err)
	}
	var cli struct {
		Allow      bool     `json:"allow"`
		Flow       *string  `json:"flow"`
		Categories []string `json:"categories"`
	}
	if err := json.Unmarshal([]byte(evalOut), &cli); err != nil {
		t.Fatalf("policy eval output: %v\n%s", err, evalOut)
	}
	if code := browsertest.Submit(ctx, t, "#beslis"); code != http.StatusOK {
		t.Fatalf("decide: %d", code)
	}
	allow, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#uitkomst"), "data-allow"))
	if err != nil {
		t.Fatal(err)
	}
	// The console names flows and categories in the pack's Dutch; the CLI
	// by id. The demo's pack is the default pack: its texts translate.
	pack, err := policy.LoadPack(policy.DefaultPack())
	if err != nil {
		t.Fatal(err)
	}
	var released []string
	for _, c := range cli.Categories {
		desc := c
		for _, pc := range pack.Data().Categories {
			if pc.ID == c {
				desc = pc.Description
			}
		}
		released = append(released, desc)
	}
	if allow.Value != fmt.Sprint(cli.Allow) || cli.Flow == nil || !strings.HasPrefix(txt("#stroom"), *cli.Flow+":") || txt("#verstrekt") != strings.Join(released, ", ") {
		t.Errorf("console: allow=%s flow=%s released=%s; policy eval: %s", allow.Value, txt("#stroom"), txt("#verstrekt"), evalOut)
	}
	explain, err := w.cli("policy", "explain", "--bundle", w.release, "--input", inFile)
	if err != nil {
		t.Fatal(err)
	}
	// The verdict is the same; the console's explanation speaks Dutch where
	// the CLI prints ids.
	shown := strings.Join(strings.Fields(txt("#uitleg")), " ")
	verdict := "Beslissing: GEWEIGERD"
	if cli.Allow {
		verdict = "Beslissing: TOEGESTAAN"
	}
	if !strings.Contains(explain, verdict) || !strings.Contains(shown, verdict) {
		t.Errorf("the console's explanation and the CLI's do not both say %q:\nconsole: %s\nCLI: %s", verdict, shown, explain)
	}
	shot("proberen")

	// Verschillen: the demo's release itself, with both signatures, is
	// enough and changes nothing; a candidate with one changed flow, signed
	// by the privacy officer only, shows the change as `schakel policy diff`
	// does and needs the FG.
	upload := func(archive string, sigs ...string) {
		t.Helper()
		open("/verschillen")
		steps := []chromedp.Action[chromedp.Void]{chromedp.SetUploadFiles(chromedp.CSS("#archief"), []string{archive})}
		if len(sigs) > 0 {
			steps = append(steps, chromedp.SetUploadFiles(chromedp.CSS("#handtekeningen"), sigs))
		}
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
		if code := browsertest.Submit(ctx, t, "#vergelijk"); code != http.StatusOK {
			t.Fatalf("upload: %d", code)
		}
	}
	upload(w.release, w.release+".privacy-officer.sig", w.release+".fg.sig")
	if got := txt("#drempel"); !strings.Contains(got, "2 van de 2") || !strings.Contains(got, "genoeg") {
		t.Errorf("the demo's release: %q", got)
	}
	if got := txt("#geen-wijzigingen"); got != "Geen inhoudelijke wijzigingen." {
		t.Errorf("the demo's release against itself: %q", got)
	}
	candDir := filepath.Join(t.TempDir(), "kandidaat")
	if err := os.CopyFS(candDir, os.DirFS(filepath.Join("..", "policy", "pack"))); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(candDir, "data.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(data), "    obligations: [inform_subject, record_in_pupil_file]\n    retention_days: 1825",
		"    obligations: [inform_subject, record_in_pupil_file]\n    retention_days: 365", 1)
	if changed == string(data) {
		t.Fatal("flow A1 of the pack changed; adjust the test")
	}
	if err := os.WriteFile(filepath.Join(candDir, "data.yaml"), []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	cand := filepath.Join(filepath.Dir(candDir), "kandidaat.tar.gz")
	if _, err := w.cli("policy", "build", "--bundle", candDir, "--out", cand); err != nil {
		t.Fatal(err)
	}
	if _, err := w.cli("policy", "sign", "--bundle", cand, "--key", filepath.Join(w.dir, "keys", "privacy-officer.key")); err != nil {
		t.Fatal(err)
	}
	upload(cand, cand+".privacy-officer.sig")
	shot("verschillen")
	if got := txt("#drempel"); !strings.Contains(got, "1 van de 2") || !strings.Contains(txt("#nog-niet"), "fg") {
		t.Errorf("candidate signed by the privacy officer: %q / %q", got, txt("#nog-niet"))
	}
	cliDiff, err := w.cli("policy", "diff", w.release, cand)
	if err != nil {
		t.Fatal(err)
	}
	page := strings.Join(strings.Fields(txt("#wijzigingen")+" "+txt("#beslissingen")), " ")
	lines := strings.Split(cliDiff, "\n")[3:] // after the header naming the files
	for _, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" || strings.HasPrefix(l, "Geen wijzigingen in") || strings.HasPrefix(l, "Beslissingen") || l == "A1" {
			continue // a heading or a sentence the page words as a list
		}
		if !strings.Contains(page, l) {
			t.Errorf("the Verschillen page lacks the diff's line %q", l)
		}
	}
	if !strings.Contains(page, "bewaartermijn: 1825 → 365 dagen") {
		t.Errorf("the changed flow is not on the page:\n%s", page)
	}
	// Proberen on the candidate: the same example, A1 kept 365 days.
	open("/proberen?pakket=kandidaat")
	if code := browsertest.Submit(ctx, t, "#beslis"); code != http.StatusOK {
		t.Fatalf("decide on the candidate: %d", code)
	}
	if got, by := txt("#bewaartermijn"), txt("#beslist-door"); got != "365 dagen" || !strings.Contains(by, "kandidaat") {
		t.Errorf("on the candidate: retention %q, decided by %q", got, by)
	}

	// Logboek: the log verifies; the school witnessed the gemeente's log.
	open("/logboek")
	if got := txt("#verificatie"); !strings.Contains(got, "In orde") {
		t.Errorf("verification %q", got)
	}
	gemeente := w.node("gemeente")
	if got := txt("#getuigen"); !strings.Contains(got, gemeente.oin) || !strings.Contains(got, "in orde") {
		t.Errorf("witness table %q lacks the gemeente", got)
	}
	open("/logboek?uitkomst=geweigerd&reden=NOT_RESIDENT")
	if got := txt("#records"); !strings.Contains(got, "C1") || !strings.Contains(got, gemeente.oin) {
		t.Errorf("the NOT_RESIDENT refusal of C1 is not found: %q", got)
	}
	shot("logboek")

	// Inzage: the report about Bas a parent reads.
	open("/inzage")
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#bsn"), w.inzageBSN),
		chromedp.Click(chromedp.CSS(`input[name=aanvrager][value=ouder]`))); err != nil {
		t.Fatal(err)
	}
	if code := browsertest.Submit(ctx, t, "#toon"); code != http.StatusOK {
		t.Fatalf("inzage: %d", code)
	}
	if got := txt("body"); !strings.Contains(got, w.node("zorg").name) || !strings.Contains(got, gemeente.name) {
		t.Errorf("the inzage about %s names neither the zorgaanbieder nor the gemeente", w.inzageName)
	}
	shot("inzage")

	// Verplichtingen: one ticked off, gone from the node's list, in the log.
	obs, err := school.local.ListObligations(sctx, &localv1.ListObligationsRequest{})
	if err != nil || len(obs.GetObligations()) == 0 {
		t.Fatalf("the demo left no obligation: %v", err)
	}
	ob := obs.GetObligations()[0]
	open("/verplichtingen")
	// The first step asks for confirmation; the second ticks it off.
	if code := browsertest.Submit(ctx, t, "#verplichting-"+ob.GetId()+" button.afvinken"); code != http.StatusOK {
		t.Fatalf("tick off: %d", code)
	}
	if code := browsertest.Submit(ctx, t, "#bevestig-afvinken"); code != http.StatusOK {
		t.Fatalf("confirm the tick-off: %d", code)
	}
	if got := txt("#afgevinkt"); !strings.Contains(got, "vastgelegd") {
		t.Errorf("tick-off message %q", got)
	}
	after, err := school.local.ListObligations(sctx, &localv1.ListObligationsRequest{})
	if err != nil || len(after.GetObligations()) != len(obs.GetObligations())-1 {
		t.Errorf("obligations %d → %d (%v)", len(obs.GetObligations()), len(after.GetObligations()), err)
	}
	open("/logboek?actie=schakel.obligation.complete")
	if got := txt("#records"); !strings.Contains(got, "verplichting afgevinkt") {
		t.Errorf("the tick-off is not in the log: %q", got)
	}

	// Meldingen: B1 about Bas delivered, about Daan cancelled.
	open("/meldingen")
	if got := txt("#uitbak"); !strings.Contains(got, "afgeleverd") || !strings.Contains(got, "geannuleerd") {
		t.Errorf("outbox %q", got)
	}
	shot("meldingen")

	// Status: serving, the certificate, the peers.
	open("/status")
	if got := txt("#gezondheid"); got != "in bedrijf" {
		t.Errorf("health %q", got)
	}
	if got := txt("#partners"); !strings.Contains(got, w.node("zorg").oin) || !strings.Contains(got, gemeente.oin) {
		t.Errorf("peers %q", got)
	}
	shot("status")

	// What the console did is in the log, and the log still verifies.
	if err := w.stopAll(); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "audit", "verify", "--config", school.config).CombinedOutput()
	if err != nil {
		t.Errorf("audit verify after the console's actions: %v\n%s", err, out)
	}
}
