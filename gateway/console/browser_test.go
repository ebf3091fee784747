package console_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/internal/browsertest"
	"github.com/schakel/schakel/internal/testnode"
	"github.com/schakel/schakel/policy"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// artifacts is where screenshots go; CI keeps the folder (gitignored).
var artifacts = filepath.Join("..", "..", "test-artifacts", "console")

// allowDecider releases every requested category under flow A1 with one
// obligation, so the holder has an obligation to tick off. Test only; the
// console's Proberen page uses the node's real pack engine regardless.
type allowDecider struct{}

func (allowDecider) Decide(_ context.Context, in policy.Input) (policy.Decision, error) {
	flow, basis := "A1", "toestemming"
	var b [16]byte
	_, _ = rand.Read(b[:])
	return policy.Decision{Allow: true, Flow: &flow, Basis: &basis, DecisionID: hex.EncodeToString(b[:]), PolicyRevision: "sha256:test",
		RetentionDays: 30, Obligations: []string{"inform_subject"}, Categories: in.Categories}, nil
}

func browser(t *testing.T) context.Context { return browsertest.New(t, 5*time.Minute) }

func open(ctx context.Context, t *testing.T, u string) int {
	t.Helper()
	return browsertest.Open(ctx, t, u)
}

func text(ctx context.Context, t *testing.T, sel string) string {
	t.Helper()
	return browsertest.Text(ctx, t, sel)
}

func screenshot(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	browsertest.Screenshot(ctx, t, artifacts, name)
}

type world struct {
	f           *testnode.Federation
	school      *testnode.Node
	zorg        *testnode.Node
	audit       audit.Store
	obligations int
	policy      config.Policy // the school's signed pack
}

// start runs a school node with the console on (a restricted user "lezer"
// with the status permission only) and a zorgaanbieder that asks it for a
// record, so the school has audit records and an open obligation.
func start(t *testing.T) *world {
	w := &world{f: testnode.New(t)}
	src := testnode.Child(t, "Bas")
	w.policy = signedPolicy(t)
	crl := filepath.Join(t.TempDir(), "federatie.crl")
	if err := os.WriteFile(crl, w.f.CA.CRL(t), 0o644); err != nil {
		t.Fatal(err)
	}
	w.school = w.f.Start(testnode.School, []testnode.Org{testnode.Zorg}, func(cfg *config.Config, o *node.Options) {
		cfg.Console = config.Console{Listen: "auto", Users: []config.ConsoleUser{{Name: "lezer", Permissions: []string{identity.PermStatus}}}}
		cfg.Policy = w.policy
		cfg.Trust.CRLs = []string{crl}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		kp, err := identity.LoadKeyPair(cfg.Identity.Cert, cfg.Identity.Key)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			t.Fatal(err)
		}
		st, err := node.OpenAudit(context.Background(), cfg, kp.PrivateKey.(crypto.Signer), nil)
		if err != nil {
			t.Fatal(err)
		}
		w.audit = st
		o.Audit = st
		o.Decider = allowDecider{}
	})
	// The zorgaanbieder's console shows its witness of the school's log.
	w.zorg = w.f.Start(testnode.Zorg, []testnode.Org{testnode.School}, func(cfg *config.Config, _ *node.Options) {
		cfg.Console = config.Console{Listen: "auto"}
	})
	_, err := w.zorg.Local.RequestRecord(context.Background(), &localv1.RequestRecordRequest{
		HolderOin: w.school.Org.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: src.BSN,
		Categories: []string{"verzuim"}, Role: "jeugdhulpverlener", Relation: true,
	})
	if err != nil {
		t.Fatalf("RequestRecord: %v", err)
	}
	obs, err := w.school.Local.ListObligations(context.Background(), &localv1.ListObligationsRequest{})
	if err != nil || len(obs.GetObligations()) == 0 {
		t.Fatalf("the setup made no obligation: %v, %v", obs, err)
	}
	w.obligations = len(obs.GetObligations())
	return w
}

var logLink = regexp.MustCompile(`console: (https://127\.0\.0\.1:[0-9]+/login\?token=[0-9a-f]{64})`)

// TestConsoleInChromium drives every page in a real browser against real
// nodes, from the link the node logs at start.
func TestConsoleInChromium(t *testing.T) {
	ctx := browser(t)
	w := start(t)
	base := "https://" + w.school.Node.ConsoleAddr()

	// The node logs one line with a one-time login link.
	var link string
	for i := 0; i < 50 && link == ""; i++ {
		if m := logLink.FindStringSubmatch(w.f.Logs.String()); m != nil && strings.HasPrefix(m[1], base) {
			link = m[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	if link == "" {
		t.Fatalf("no console link in the log:\n%s", w.f.Logs.String())
	}
	// Before logging in, pages refuse.
	if code := open(ctx, t, base+"/regels"); code != http.StatusUnauthorized {
		t.Errorf("/regels without a session: %d, want 401", code)
	}
	if code := open(ctx, t, link); code != http.StatusOK {
		t.Fatalf("login link: %d", code)
	}
	if got := text(ctx, t, "#gebruiker"); got != config.ConsoleAdmin {
		t.Errorf("logged in as %q, want %q", got, config.ConsoleAdmin)
	}
	screenshot(ctx, t, "welkom")

	// Every page loads.
	for _, p := range []struct{ path, sel, want string }{
		{"/regels", "#stroom-A1", "A1"},
		{"/proberen", "h1", "Proberen"},
		{"/verschillen", "h1", "Verschillen"},
		{"/logboek", "#verificatie", "In orde"},
		{"/inzage", "h1", "Inzage"},
		{"/verplichtingen", "#open", "betrokkenen informeren"},
		{"/meldingen", "h1", "Meldingen"},
		{"/status", "#gezondheid", "in bedrijf"},
		{"/status", "#crls", "actueel"},
	} {
		if code := open(ctx, t, base+p.path); code != http.StatusOK {
			t.Errorf("%s: status %d", p.path, code)
			continue
		}
		if got := text(ctx, t, p.sel); !strings.Contains(got, p.want) {
			t.Errorf("%s: %s = %q, want it to contain %q", p.path, p.sel, got, p.want)
		}
		screenshot(ctx, t, strings.TrimPrefix(p.path, "/"))
	}
	if got := text(ctx, t, "#healthz"); !strings.Contains(got, `"revocation"`) && !strings.Contains(got, `"policy"`) {
		t.Errorf("status page lacks the health details: %s", got)
	}
	// The log's records are listed without personal data.
	open(ctx, t, base+"/logboek?actie="+url.QueryEscape(string(audit.ActionRequestDecide)))
	if got := text(ctx, t, "#records"); !strings.Contains(got, "A1") || !strings.Contains(got, testnode.Zorg.OIN) {
		t.Errorf("logboek filtered on decisions: %s", got)
	}
	if bsn := testnode.Child(t, "Bas").BSN; strings.Contains(text(ctx, t, "body"), bsn) {
		t.Error("the logboek shows a BSN")
	}

	t.Run("passend en Nederlands", func(t *testing.T) { fitsAndDutch(ctx, t, base) })
	t.Run("proberen", func(t *testing.T) { tryout(ctx, t, base) })
	t.Run("verschillen", func(t *testing.T) { verschillen(ctx, t, base, w) })
	t.Run("inzage", func(t *testing.T) { inzage(ctx, t, base, w) })
	t.Run("verplichtingen", func(t *testing.T) { tickOff(ctx, t, base, w) })

	// The start-up link worked once only.
	if code := open(ctx, t, link); code != http.StatusUnauthorized {
		t.Errorf("login link used twice: %d, want 401", code)
	}
	if got := text(ctx, t, "#fout"); !strings.Contains(got, "al gebruikt") {
		t.Errorf("second use message: %q", got)
	}

	t.Run("restricted user", func(t *testing.T) {
		l, err := w.school.Node.ConsoleLogin("lezer")
		if err != nil {
			t.Fatal(err)
		}
		if code := open(ctx, t, l); code != http.StatusOK {
			t.Fatalf("lezer login: %d", code)
		}
		if got := text(ctx, t, "#gebruiker"); got != "lezer" {
			t.Fatalf("logged in as %q", got)
		}
		if code := open(ctx, t, base+"/regels"); code != http.StatusOK {
			t.Errorf("lezer /regels: %d", code)
		}
		for _, p := range []string{"/inzage", "/verplichtingen", "/meldingen"} {
			if code := open(ctx, t, base+p); code != http.StatusForbidden {
				t.Errorf("lezer %s: %d, want 403", p, code)
			}
			if got := text(ctx, t, "#fout"); !strings.Contains(got, "Geen toegang") {
				t.Errorf("lezer %s message: %q", p, got)
			}
		}
		screenshot(ctx, t, "geen-toegang")
		if _, err := w.school.Node.ConsoleLogin("onbekend"); err == nil {
			t.Error("a link was minted for an unknown user")
		}
	})
	// Both consoles are on 127.0.0.1, and cookies do not tell ports apart:
	// each node's cookie carries its OIN, so logging in to the
	// zorgaanbieder's console leaves the school's session alone.
	t.Run("getuigen", func(t *testing.T) { witnesses(ctx, t, w) })
}

// witnesses: the zorgaanbieder asked the school for a record, so its
// Logboek lists the school's log as witnessed and consistent; the school's
// own Logboek has no peer log witnessed.
func witnesses(ctx context.Context, t *testing.T, w *world) {
	link, err := w.zorg.Node.ConsoleLogin(config.ConsoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if code := open(ctx, t, link); code != http.StatusOK {
		t.Fatalf("zorg console login: %d", code)
	}
	open(ctx, t, "https://"+w.zorg.Node.ConsoleAddr()+"/logboek")
	got := text(ctx, t, "#getuigen")
	if !strings.Contains(got, w.school.Org.OIN) || !strings.Contains(got, "in orde") || strings.Contains(got, "NIET IN ORDE") {
		t.Errorf("zorg's witness table: %q", got)
	}
	var size uint64
	for _, p := range w.zorg.Node.WitnessStatus() {
		if p.PeerOIN == w.school.Org.OIN {
			size = p.Size
		}
	}
	if size == 0 || !strings.Contains(got, fmt.Sprintf("%d records", size)) {
		t.Errorf("witness table %q does not show the verified size %d", got, size)
	}
	screenshot(ctx, t, "logboek-getuigen")
	// Still logged in at the school's console.
	if code := open(ctx, t, "https://"+w.school.Node.ConsoleAddr()+"/logboek"); code != http.StatusOK {
		t.Fatalf("the school's session ended when the zorgaanbieder's began: %d", code)
	}
	if got := text(ctx, t, "#getuigen"); !strings.Contains(got, "Nog geen logboek van een partner") {
		t.Errorf("school's witness table: %q", got)
	}
}

func tryout(ctx context.Context, t *testing.T, base string) {
	pack, err := policy.LoadPack(policy.DefaultPack())
	if err != nil {
		t.Fatal(err)
	}
	engine, err := policy.NewEngine(pack)
	if err != nil {
		t.Fatal(err)
	}
	open(ctx, t, base+"/proberen")
	example, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#input")))
	if err != nil {
		t.Fatal(err)
	}
	denied := strings.Replace(example, `"given_by": "jeugdige"`, `"given_by": "ouder"`, 1) // age 14: the child's consent is missing
	if denied == example {
		t.Fatal("example input changed; adjust the test")
	}
	for i, input := range []string{example, denied} {
		in, err := policy.ParseInput([]byte(input))
		if err != nil {
			t.Fatal(err)
		}
		want, err := engine.Decide(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		open(ctx, t, base+"/proberen")
		if err := chromedp.Do(ctx,
			chromedp.SetValue(chromedp.CSS("#input"), input),
			chromedp.Click(chromedp.CSS("#beslis")),
			chromedp.WaitVisible(chromedp.CSS("#uitkomst")),
		); err != nil {
			t.Fatal(err)
		}
		res, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#uitkomst"), "data-allow"))
		if err != nil {
			t.Fatal(err)
		}
		allow := res.Value
		if allow != fmt.Sprint(want.Allow) {
			t.Errorf("input %d: console allow = %s, engine %v", i, allow, want.Allow)
		}
		// The flow is shown with its title, categories and reasons in
		// the pack's Dutch texts (no ids or codes).
		if got := text(ctx, t, "#stroom"); !strings.HasPrefix(got, want.FlowID()+": ") {
			t.Errorf("input %d: flow %q, engine %q", i, got, want.FlowID())
		}
		wantCats := "–"
		if len(want.Categories) > 0 {
			var ds []string
			for _, c := range want.Categories {
				for _, x := range pack.Data().Categories {
					if x.ID == c {
						ds = append(ds, x.Description)
					}
				}
			}
			wantCats = strings.Join(ds, ", ")
		}
		if got := text(ctx, t, "#verstrekt"); got != wantCats {
			t.Errorf("input %d: released %q, engine %q", i, got, wantCats)
		}
		reasons := text(ctx, t, "#redenen")
		for _, r := range want.Reasons {
			if strings.Contains(reasons, r.Code) || !strings.Contains(reasons, r.Message) {
				t.Errorf("input %d: reasons %q lack %s %q", i, reasons, r.Code, r.Message)
			}
		}
		var b bytes.Buffer
		engine.Explain(context.Background(), &b, in, want)
		// The first line's verdict; the console names the categories in Dutch.
		firstLine, _, _ := strings.Cut(b.String(), ":")
		firstLine, _, _ = strings.Cut(b.String()[len(firstLine)+1:], ":")
		firstLine = "Beslissing:" + firstLine
		if got := text(ctx, t, "#uitleg"); !strings.Contains(got, strings.TrimSpace(firstLine)) {
			t.Errorf("input %d: explanation %q lacks %q", i, got, firstLine)
		}
		screenshot(ctx, t, fmt.Sprintf("proberen-%d", i))
	}
	// The situation form: as filled in (both consents, age 14) it allows;
	// without the child's consent it denies. Each time the console shows the
	// engine's decision of the input the form made (shown in the textarea).
	for i, c := range []struct {
		untick string
		allow  bool
	}{{"", true}, {"#toestemming-jeugdige", false}} {
		open(ctx, t, base+"/proberen")
		steps := []chromedp.Action[chromedp.Void]{}
		if c.untick != "" {
			steps = append(steps, chromedp.Click(chromedp.CSS(c.untick)))
		}
		steps = append(steps, chromedp.Click(chromedp.CSS("#beslis-situatie")), chromedp.WaitVisible(chromedp.CSS("#uitkomst, #probleem")))
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
		// A refused input fails here at once instead of at the browser's deadline.
		if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#probleem").length`)); err != nil || n > 0 {
			t.Errorf("situation %d: the console refused the input the form made: %q", i, text(ctx, t, "#probleem"))
			continue
		}
		made, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#input")))
		if err != nil {
			t.Fatal(err)
		}
		in, err := policy.ParseInput([]byte(made))
		if err != nil {
			t.Fatalf("situation %d made a bad input: %v\n%s", i, err, made)
		}
		want, err := engine.Decide(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if want.Allow != c.allow {
			t.Errorf("situation %d: the engine says allow=%v, want %v (the form made %s)", i, want.Allow, c.allow, made)
		}
		res, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#uitkomst"), "data-allow"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Value != fmt.Sprint(want.Allow) || !strings.HasPrefix(text(ctx, t, "#stroom"), want.FlowID()+": ") {
			t.Errorf("situation %d: console allow=%s flow=%s, engine %v %s", i, res.Value, text(ctx, t, "#stroom"), want.Allow, want.FlowID())
		}
		checked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#toestemming-jeugdige").checked`))
		if err != nil || checked != (c.untick == "") {
			t.Errorf("situation %d: the form does not keep its choices (%v, %v)", i, checked, err)
		}
		screenshot(ctx, t, fmt.Sprintf("proberen-situatie-%d", i))
	}

	// Bad input is refused with a Dutch message naming the problem.
	open(ctx, t, base+"/proberen")
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#input"), `{"purpose": 5}`),
		chromedp.Click(chromedp.CSS("#beslis")), chromedp.WaitVisible(chromedp.CSS("#probleem"))); err != nil {
		t.Fatal(err)
	}
	if got := text(ctx, t, "#probleem"); !strings.Contains(got, "geen geldige beslisinvoer") || !strings.Contains(got, "holder") {
		t.Errorf("bad input message: %q", got)
	}
}

func inzage(ctx context.Context, t *testing.T, base string, w *world) {
	bas := testnode.Child(t, "Bas")
	before, err := w.school.Node.AuditRecords(context.Background(), bas.BSN)
	if err != nil {
		t.Fatal(err)
	}
	open(ctx, t, base+"/inzage")
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#bsn"), bas.BSN),
		chromedp.Click(chromedp.CSS(`input[name=aanvrager][value=ouder]`)), chromedp.Click(chromedp.CSS("#toon")),
		chromedp.WaitVisible(chromedp.CSS("section"))); err != nil {
		t.Fatal(err)
	}
	if got := text(ctx, t, "h1"); got != "Inzage: gegevensverwerkingen over uw kind" {
		t.Errorf("report title %q", got)
	}
	body := text(ctx, t, "body")
	if !strings.Contains(body, "Deze inzage is gevraagd door een ouder met gezag.") {
		t.Errorf("report does not say who asked:\n%s", body)
	}
	if !strings.Contains(body, testnode.Zorg.Name) {
		t.Errorf("report does not name the recipient %q:\n%s", testnode.Zorg.Name, body)
	}
	// The report's inline style is allowed by its hash: the page is styled.
	display, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("dl")).display`))
	if err != nil {
		t.Fatal(err)
	}
	if display != "grid" {
		t.Errorf("report style not applied (dl display %q): the CSP hash is wrong", display)
	}
	screenshot(ctx, t, "inzage-rapport")
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF")) || len(pdf) < 1000 {
		t.Errorf("the report does not print: %d bytes", len(pdf))
	}
	_ = os.WriteFile(filepath.Join(artifacts, "inzage-rapport.pdf"), pdf, 0o644)
	// The inzage is in the audit log, by the console user.
	after, err := w.school.Node.AuditRecords(context.Background(), bas.BSN)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, r := range after[len(before):] {
		if r.Record.Name == audit.ActionInzageRead && r.Record.ForeignEntity == audit.LocalEntity("console:"+config.ConsoleAdmin) {
			found = true
		}
	}
	if !found {
		t.Errorf("no inzage record by the console user: %d records before, %d after", len(before), len(after))
	}
	// An invalid BSN is refused and not recorded.
	open(ctx, t, base+"/inzage")
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#bsn"), "123456789"),
		chromedp.Click(chromedp.CSS(`input[name=aanvrager][value=ouder]`)), chromedp.Click(chromedp.CSS("#toon")),
		chromedp.WaitVisible(chromedp.CSS("#fout"))); err != nil {
		t.Fatal(err)
	}
	if got := text(ctx, t, "#fout"); !strings.Contains(got, "geen geldig BSN") {
		t.Errorf("invalid BSN message %q", got)
	}
}

func tickOff(ctx context.Context, t *testing.T, base string, w *world) {
	obs, err := w.school.Local.ListObligations(context.Background(), &localv1.ListObligationsRequest{})
	if err != nil || len(obs.GetObligations()) == 0 {
		t.Fatalf("obligations: %v %v", obs, err)
	}
	ob := obs.GetObligations()[0]
	open(ctx, t, base+"/verplichtingen")
	// The first click only asks for confirmation: nothing is ticked off yet.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#verplichting-"+ob.GetId()+" button.afvinken")),
		chromedp.WaitVisible(chromedp.CSS("#bevestigen"))); err != nil {
		t.Fatal(err)
	}
	if got := text(ctx, t, "#bevestigen"); !strings.Contains(got, "betrokkenen informeren") || !strings.Contains(got, "Ja, afvinken") {
		t.Errorf("confirmation step: %q", got)
	}
	screenshot(ctx, t, "verplichtingen-bevestigen")
	if still, err := w.school.Local.ListObligations(context.Background(), &localv1.ListObligationsRequest{}); err != nil || len(still.GetObligations()) != len(obs.GetObligations()) {
		t.Fatalf("the first step ticked the obligation off: %v %v", still, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#bevestig-afvinken")),
		chromedp.WaitVisible(chromedp.CSS("#afgevinkt"))); err != nil {
		t.Fatal(err)
	}
	screenshot(ctx, t, "verplichtingen-afgevinkt")
	after, err := w.school.Local.ListObligations(context.Background(), &localv1.ListObligationsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range after.GetObligations() {
		if o.GetId() == ob.GetId() {
			t.Errorf("obligation %s still open", ob.GetId())
		}
	}
	// The tick-off is in the audit log: the console user, the decision.
	var ldv bytes.Buffer
	if err := w.audit.Export(context.Background(), &ldv); err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, line := range strings.Split(ldv.String(), "\n") {
		if strings.Contains(line, `"name":"`+string(audit.ActionObligationComplete)+`"`) &&
			strings.Contains(line, ob.GetDecisionId()) && strings.Contains(line, "local:console:"+config.ConsoleAdmin) {
			found = true
		}
	}
	if !found {
		t.Errorf("no audit record of the tick-off:\n%s", ldv.String())
	}
	// The log still verifies, as the Logboek page shows.
	open(ctx, t, base+"/logboek?actie="+url.QueryEscape(string(audit.ActionObligationComplete)))
	if got := text(ctx, t, "#verificatie"); !strings.Contains(got, "In orde") {
		t.Errorf("verification after tick-off: %q", got)
	}
	if got := text(ctx, t, "#records"); !strings.Contains(got, "verplichting afgevinkt") {
		t.Errorf("logboek does not list the tick-off: %q", got)
	}
}

// TestConsoleHTTPMisuse drives the console with a plain HTTPS client:
// forged and missing CSRF tokens, cross-user links, headers.
func TestConsoleHTTPMisuse(t *testing.T) {
	w := start(t)
	base := "https://" + w.school.Node.ConsoleAddr()
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: w.f.CA.Pool(), ServerName: "localhost", InsecureSkipVerify: true}} //nolint:gosec // the node's certificate names its OIN, not 127.0.0.1; the test checks the console, not TLS names
	t.Cleanup(tr.CloseIdleConnections)
	c := &http.Client{Transport: tr, Jar: jar, Timeout: 30 * time.Second}
	get := func(u string) (int, string, http.Header) {
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	post := func(u string, form url.Values) (int, string) {
		resp, err := c.PostForm(u, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _, _ := get(base + "/status"); code != http.StatusUnauthorized {
		t.Errorf("no session: %d", code)
	}
	if code, _, _ := get(base + "/login?token=" + strings.Repeat("0", 64)); code != http.StatusUnauthorized {
		t.Errorf("made-up token: %d", code)
	}
	if code, _, _ := get(base + "/login"); code != http.StatusUnauthorized {
		t.Errorf("no token: %d", code)
	}
	link, err := w.school.Node.ConsoleLogin(config.ConsoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	code, body, h := get(link)
	if code != http.StatusOK {
		t.Fatalf("login: %d %s", code, body)
	}
	for k, want := range map[string]string{"Content-Security-Policy": "script-src 'none'", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
		if !strings.Contains(h.Get(k), want) {
			t.Errorf("%s = %q, want %q", k, h.Get(k), want)
		}
	}
	u, _ := url.Parse(base)
	var cookie *http.Cookie
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "__Host-schakel-console-"+testnode.School.OIN {
			cookie = ck
		}
	}
	if cookie == nil {
		t.Fatal("no session cookie")
	}
	// The cookie's attributes, from the raw header of a fresh login.
	link2, _ := w.school.Node.ConsoleLogin(config.ConsoleAdmin)
	noRedirect := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(link2)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	sc := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "Secure", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %s", sc, want)
		}
	}
	obs, err := w.school.Local.ListObligations(context.Background(), &localv1.ListObligationsRequest{})
	if err != nil || len(obs.GetObligations()) == 0 {
		t.Fatal(err)
	}
	id := obs.GetObligations()[0].GetId()
	_, page, _ := get(base + "/verplichtingen")
	m := regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no CSRF token in the page")
	}
	for name, form := range map[string]url.Values{
		"no token":    {"id": {id}},
		"empty token": {"id": {id}, "csrf": {""}},
		"wrong token": {"id": {id}, "csrf": {strings.Repeat("a", 64)}},
	} {
		code, body := post(base+"/verplichtingen/afvinken", form)
		if code != http.StatusForbidden || !strings.Contains(body, "beveiligingstoken") {
			t.Errorf("%s: %d", name, code)
		}
		code, _ = post(base+"/proberen", url.Values{"input": {"{}"}, "csrf": form["csrf"]})
		if code != http.StatusForbidden {
			t.Errorf("proberen, %s: %d", name, code)
		}
	}
	after, _ := w.school.Local.ListObligations(context.Background(), &localv1.ListObligationsRequest{})
	if len(after.GetObligations()) != len(obs.GetObligations()) {
		t.Error("a POST without a valid CSRF token ticked an obligation off")
	}
	// Another session's token does not do either.
	if code, _ := post(base+"/verplichtingen/afvinken", url.Values{"id": {"geen-verplichting"}, "csrf": {m[1]}}); code != http.StatusNotFound {
		t.Errorf("unknown obligation: %d", code)
	}
	// HTML is escaped: a pasted input with markup comes back as text.
	code, body = post(base+"/proberen", url.Values{"input": {`<script>alert(1)</script>`}, "csrf": {m[1]}})
	if code != http.StatusOK || strings.Contains(body, "<script>alert") {
		t.Errorf("tryout echoes markup unescaped (%d)", code)
	}
	// The LDV export: every record, one JSON object a line, as
	// `schakel audit export` writes it.
	resp, err = c.Get(base + "/logboek/ldv")
	if err != nil {
		t.Fatal(err)
	}
	export, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var want bytes.Buffer
	if err := w.audit.Export(context.Background(), &want); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !bytes.Equal(export, want.Bytes()) || !bytes.Contains(export, []byte(`"schakel.flow":"A1"`)) {
		t.Errorf("LDV export: %d, %d bytes, want the store's %d", resp.StatusCode, len(export), want.Len())
	}
	// A user with the status permission only may see the Logboek, not the export.
	lezer, err := w.school.Node.ConsoleLogin("lezer")
	if err != nil {
		t.Fatal(err)
	}
	jar2, _ := cookiejar.New(nil)
	c2 := &http.Client{Transport: tr, Jar: jar2, Timeout: 30 * time.Second}
	for _, step := range []struct {
		path string
		want int
	}{{"", http.StatusOK}, {"/logboek", http.StatusOK}, {"/logboek/ldv", http.StatusForbidden}} {
		u, want := base+step.path, step.want
		if step.path == "" {
			u = lezer
		}
		resp, err := c2.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("lezer %s: %d, want %d", u, resp.StatusCode, want)
		}
	}
	uploadMisuse(t, c, base, m[1], w)
	logFilters(t, c, base)
	// Logout ends the session.
	if code, _ := post(base+"/logout", url.Values{"csrf": {m[1]}}); code != http.StatusOK {
		t.Errorf("logout: %d", code)
	}
	if code, _, _ := get(base + "/status"); code != http.StatusUnauthorized {
		t.Errorf("after logout: %d", code)
	}
}
