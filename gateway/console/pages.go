package console

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/bsn"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/inzage"
	"github.com/schakel/schakel/policy"
	"github.com/schakel/schakel/policy/diff"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

//go:embed templates/*.html static/*
var files embed.FS

// nav is the console's menu: path, Dutch title and the permission it needs.
var nav = []struct{ Path, Title, Perm string }{
	{"/regels", "Regels", identity.PermStatus},
	{"/proberen", "Proberen", identity.PermStatus},
	{"/verschillen", "Verschillen", identity.PermStatus},
	{"/logboek", "Logboek", identity.PermStatus},
	{"/inzage", "Inzage", identity.PermInzage},
	{"/verplichtingen", "Verplichtingen", identity.PermObligations},
	{"/meldingen", "Meldingen", identity.PermNotify},
	{"/status", "Status", identity.PermStatus},
}

var funcs = template.FuncMap{
	"join": func(s []string) string {
		if len(s) == 0 {
			return "–"
		}
		return strings.Join(s, ", ")
	},
	"when": dutchTime,
}

var pages = map[string]*template.Template{}

func init() {
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		pages[base] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", n))
	}
}

// view is what every page template gets.
type view struct {
	Title, User, CSRF, Node, Active string
	Nav                             []navItem
	Error                           string
	Data                            any
	// T names the active pack's ids in Dutch.
	T words
}

type navItem struct {
	Path, Title string
	Allowed     bool
}

func (s *Server) routes() {
	m := http.NewServeMux()
	static, _ := fs.Sub(files, "static")
	m.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	m.HandleFunc("GET /login", s.login)
	m.HandleFunc("POST /logout", s.guard("", s.logout))
	m.HandleFunc("GET /{$}", s.guard("", s.home))
	m.HandleFunc("GET /regels", s.guard(identity.PermStatus, s.regels))
	m.HandleFunc("GET /proberen", s.guard(identity.PermStatus, s.proberen))
	m.HandleFunc("POST /proberen", s.guard(identity.PermStatus, s.proberen))
	m.HandleFunc("GET /verschillen", s.guard(identity.PermStatus, s.verschillen))
	m.HandleFunc("POST /verschillen", s.guard(identity.PermStatus, s.upload))
	m.HandleFunc("POST /verschillen/vergeten", s.guard(identity.PermStatus, s.forget))
	m.HandleFunc("GET /logboek", s.guard(identity.PermStatus, s.logboek))
	m.HandleFunc("GET /logboek/ldv", s.guard(identity.PermInzage, s.ldv))
	m.HandleFunc("GET /inzage", s.guard(identity.PermInzage, s.inzageForm))
	m.HandleFunc("POST /inzage", s.guard(identity.PermInzage, s.inzage))
	m.HandleFunc("GET /verplichtingen", s.guard(identity.PermObligations, s.verplichtingen))
	m.HandleFunc("POST /verplichtingen/afvinken", s.guard(identity.PermObligations, s.afvinken))
	m.HandleFunc("GET /meldingen", s.guard(identity.PermNotify, s.meldingen))
	m.HandleFunc("GET /status", s.guard(identity.PermStatus, s.status))
	s.mux = m
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, se *session, name string, data any) {
	s.renderStatus(w, r, se, http.StatusOK, name, data, "")
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, se *session, code int, msg string) {
	s.renderStatus(w, r, se, code, "fout", nil, msg)
}

func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, se *session, code int, name string, data any, msg string) {
	v := view{Node: s.cfg.SelfName, Active: r.URL.Path, Error: msg, Data: data}
	if s.cfg.Engine != nil {
		if e := s.cfg.Engine(); e != nil {
			v.T = words{e.Pack().Data()}
		}
	}
	for _, n := range nav {
		if n.Path == r.URL.Path || strings.HasPrefix(r.URL.Path, n.Path+"/") {
			v.Title = n.Title
		}
	}
	if se != nil {
		v.User, v.CSRF = se.user, se.csrf
		for _, n := range nav {
			v.Nav = append(v.Nav, navItem{Path: n.Path, Title: n.Title, Allowed: se.client.Can(n.Perm)})
		}
	}
	var buf bytes.Buffer
	if err := pages[name].Execute(&buf, v); err != nil {
		s.cfg.Log.Error("console: template", "page", name, "err", err)
		http.Error(w, "interne fout bij het tonen van de pagina", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, se *session) {
	s.render(w, r, se, "home", nil)
}

// flowRow is a flow as the Regels table shows it.
type flowRow struct {
	ID, Title, Holder, Recipient, Roles, Categories, Never, Purpose, Basis, Consent string
	Mode, Conditions, Obligations                                                   string
	Retention                                                                       int
}

func flowRows(d *policy.Data) []flowRow {
	w := words{d}
	var rows []flowRow
	for _, f := range d.Flows {
		cond := diff.Conditions(f.Requires)
		if f.MinAge > 0 || f.MaxAge != nil {
			age := fmt.Sprintf("leeftijd vanaf %d", f.MinAge)
			if f.MaxAge != nil {
				age += fmt.Sprintf(" tot en met %d", *f.MaxAge)
			}
			if f.Requires == (policy.Requirements{}) {
				cond = age
			} else {
				cond += ", " + age
			}
		}
		consent := w.Regime(f.Consent)
		if f.Consent != "none" && f.ParentsRequired != nil {
			if *f.ParentsRequired == 2 {
				consent += "; beide ouders"
			} else {
				consent += "; één ouder"
			}
		}
		rows = append(rows, flowRow{ID: f.ID, Title: f.Title, Holder: w.Orgs(f.Holder.OrgTypes) + " (" + w.Roles(f.Holder.Roles) + ")",
			Recipient:  w.Orgs(f.Recipient.OrgTypes) + " (" + w.Roles(f.Recipient.Roles) + ")",
			Categories: w.Cats(f.Categories), Purpose: w.Purpose(f.Purpose), Basis: w.Basis(f.Basis),
			Consent: consent, Mode: w.Mode(f.Mode), Conditions: cond, Obligations: w.Obligations(f.Obligations), Retention: f.RetentionDays})
		if len(f.Never) > 0 {
			rows[len(rows)-1].Never = w.Cats(f.Never)
		}
	}
	return rows
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "–"
	}
	return strings.Join(s, ", ")
}

func (s *Server) regels(w http.ResponseWriter, r *http.Request, se *session) {
	d := s.cfg.Engine().Pack().Data()
	s.render(w, r, se, "regels", struct {
		Status PackStatus
		Flows  []flowRow
		Data   *policy.Data
	}{s.cfg.Status(), flowRows(d), d})
}

// exampleInput is the Proberen page's starting point: scenario A1 of the
// built-in pack (school to youth care, with the consents of both parents
// with gezag and of the child, as contract version 3 asks at 14).
const exampleInput = `{
  "purpose": "afstemming_hulp_onderwijs",
  "holder": {"oin": "00000001000000000001", "org_type": "school_vo", "role": "zorgcoordinator"},
  "recipient": {"oin": "00000001000000000002", "org_type": "zorgaanbieder", "role": "jeugdhulpverlener", "relation": true},
  "subject": {"age": 14, "enrolled_at_holder": true, "parents_with_gezag": 2},
  "categories": ["verzuim", "opp"],
  "now": "2026-11-22T10:00:00Z",
  "consents": [
    {"id": "c-ouder-1", "given_by": "ouder", "giver": "ouder-1", "recipient_oin": "00000001000000000002", "purpose": "afstemming_hulp_onderwijs",
     "categories": ["verzuim", "opp"], "given_at": "2026-09-01T00:00:00Z", "valid_until": "2027-09-01T00:00:00Z"},
    {"id": "c-ouder-2", "given_by": "ouder", "giver": "ouder-2", "recipient_oin": "00000001000000000002", "purpose": "afstemming_hulp_onderwijs",
     "categories": ["verzuim", "opp"], "given_at": "2026-09-01T00:00:00Z", "valid_until": "2027-09-01T00:00:00Z"},
    {"id": "c-kind", "given_by": "jeugdige", "giver": "kind", "recipient_oin": "00000001000000000002", "purpose": "afstemming_hulp_onderwijs",
     "categories": ["verzuim", "opp"], "given_at": "2026-09-01T00:00:00Z"}
  ]
}`

// maxInput bounds a pasted decision input.
const maxInput = 64 << 10

type tryout struct {
	Input       string
	Form        situation
	Pack        *policy.Data
	Done        bool
	Problem     string
	Decision    policy.Decision
	Flow        string
	Withheld    []string
	Explanation string
	Revision    string
	// Candidate is the session's uploaded candidate pack (Verschillen), if
	// any; OnCandidate: this tryout decides on it, not on the active pack.
	Candidate   *candidate
	OnCandidate bool
}

func (s *Server) proberen(w http.ResponseWriter, r *http.Request, se *session) {
	engine := s.cfg.Engine()
	c := s.candidateOf(se)
	if c != nil && c.Engine == nil {
		c = nil // it did not load: nothing to try out on
	}
	onCandidate := c != nil && (r.URL.Query().Get("pakket") == "kandidaat" || r.PostForm.Get("pakket") == "kandidaat")
	if onCandidate {
		engine = c.Engine
	}
	t := tryout{Input: exampleInput, Form: defaultSituation, Pack: engine.Pack().Data(), Revision: engine.Revision(),
		Candidate: c, OnCandidate: onCandidate}
	if r.Method == http.MethodPost {
		t.Input = r.PostForm.Get("input")
		t.Done = true
		if r.PostForm.Get("modus") == "situatie" {
			t.Form = situationFrom(r)
			b, _ := json.MarshalIndent(t.Form.input(s.cfg.Now()), "", "  ") // plain strings, ints and times: cannot fail
			t.Input = string(b)
		}
		t.decide(r.Context(), engine)
	}
	s.render(w, r, se, "proberen", t)
}

// decide parses t.Input and decides it with engine, as `schakel policy
// explain` does.
func (t *tryout) decide(ctx context.Context, engine *policy.Engine) {
	if len(t.Input) > maxInput {
		t.Problem = fmt.Sprintf("De invoer is te groot (meer dan %d bytes).", maxInput)
		return
	}
	in, err := policy.ParseInput([]byte(t.Input))
	if err != nil {
		t.Problem = "De invoer is geen geldige beslisinvoer: " + err.Error()
		return
	}
	d, err := engine.Decide(ctx, in)
	if err != nil {
		t.Problem = "Het beleid gaf geen beslissing (dat telt als weigering): " + err.Error()
		return
	}
	t.Decision, t.Flow = d, d.FlowID()
	w := words{engine.Pack().Data()}
	for _, wh := range d.Withheld {
		t.Withheld = append(t.Withheld, w.Cat(wh.Category)+" ("+w.Reason(wh.Code)+")")
	}
	var b bytes.Buffer
	engine.Explain(ctx, &b, in, d)
	t.Explanation = w.Text(b.String())
}

// logEntry is an audit record without personal data: no pseudonym, no
// payload digest, no consent ids.
type logEntry struct {
	Index          uint64
	Time           time.Time
	Action, Side   string
	Flow, Purpose  string
	Allow          bool
	Reasons        string
	ReasonCodes    []string
	Peer, PeerName string
}

// maxLogRows bounds the Logboek table.
const maxLogRows = 500

func (s *Server) entries(ctx context.Context) ([]logEntry, error) {
	var out []logEntry
	err := s.cfg.Audit.EachRecord(ctx, func(st audit.Stored) error {
		r := st.Record
		e := logEntry{Index: st.Index, Time: r.StartTime.Local(), Action: string(r.Name), Side: string(r.Side), Flow: r.Flow,
			Purpose: r.Purpose, Allow: r.Allow, ReasonCodes: r.ReasonCodes}
		e.Reasons = orNone(e.ReasonCodes)
		e.Peer = r.RecipientOIN
		if r.Side == audit.SideRecipient {
			e.Peer = r.HolderOIN
		}
		if e.Peer == s.cfg.SelfOIN {
			e.Peer = "" // a local action: the organisation's own systems or the console
		}
		e.PeerName = s.cfg.Peers[e.Peer]
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// logFilter is the Logboek's filter: each field empty for "all".
type logFilter struct {
	Flow, Outcome, Action, Reason, Peer string
	From, To                            string // dates (2006-01-02), inclusive, local time
	from, to                            time.Time
}

func logFilterFrom(r *http.Request) (logFilter, string) {
	q := r.URL.Query()
	f := logFilter{Flow: q.Get("stroom"), Outcome: q.Get("uitkomst"), Action: q.Get("actie"), Reason: q.Get("reden"),
		Peer: q.Get("partner"), From: q.Get("vanaf"), To: q.Get("tot")}
	var problem string
	if f.From != "" {
		t, err := time.ParseInLocation("2006-01-02", f.From, time.Local)
		if err != nil {
			problem, f.From = fmt.Sprintf("De datum 'vanaf' (%q) is geen datum als 2026-11-30; er is niet op gefilterd.", q.Get("vanaf")), ""
		}
		f.from = t
	}
	if f.To != "" {
		t, err := time.ParseInLocation("2006-01-02", f.To, time.Local)
		if err != nil {
			problem, f.To = fmt.Sprintf("De datum 'tot en met' (%q) is geen datum als 2026-11-30; er is niet op gefilterd.", q.Get("tot")), ""
		}
		f.to = t.AddDate(0, 0, 1)
	}
	return f, problem
}

func (f logFilter) keep(e logEntry) bool {
	switch {
	case f.Flow != "" && e.Flow != f.Flow, f.Action != "" && e.Action != f.Action,
		f.Outcome == "toegestaan" && !e.Allow, f.Outcome == "geweigerd" && e.Allow,
		f.Reason != "" && !slices.Contains(e.ReasonCodes, f.Reason),
		f.Peer == "eigen" && e.Peer != "", f.Peer != "" && f.Peer != "eigen" && e.Peer != f.Peer,
		!f.from.IsZero() && e.Time.Before(f.from), !f.to.IsZero() && !e.Time.Before(f.to):
		return false
	}
	return true
}

type peerOption struct{ OIN, Name string }

func (s *Server) logboek(w http.ResponseWriter, r *http.Request, se *session) {
	filter, problem := logFilterFrom(r)
	all, err := s.entries(r.Context())
	if err != nil {
		s.fail(w, r, se, http.StatusInternalServerError, "Het logboek kon niet worden gelezen: "+err.Error())
		return
	}
	var flows, actions, reasons []string
	var peers []peerOption
	var rows []logEntry
	matched := 0
	for i := len(all) - 1; i >= 0; i-- { // newest first
		e := all[i]
		if e.Flow != "" && !slices.Contains(flows, e.Flow) {
			flows = append(flows, e.Flow)
		}
		if !slices.Contains(actions, e.Action) {
			actions = append(actions, e.Action)
		}
		for _, c := range e.ReasonCodes {
			if !slices.Contains(reasons, c) {
				reasons = append(reasons, c)
			}
		}
		if e.Peer != "" && !slices.ContainsFunc(peers, func(p peerOption) bool { return p.OIN == e.Peer }) {
			peers = append(peers, peerOption{e.Peer, e.PeerName})
		}
		if !filter.keep(e) {
			continue
		}
		matched++
		if len(rows) < maxLogRows {
			rows = append(rows, e)
		}
	}
	sort.Strings(flows)
	sort.Strings(actions)
	sort.Strings(reasons)
	sort.Slice(peers, func(i, j int) bool { return peers[i].OIN < peers[j].OIN })
	verify, verifyOK := "", false
	if rep, err := s.cfg.Verify(r.Context()); err != nil {
		verify = "NIET IN ORDE: " + err.Error()
	} else {
		verifyOK = true
		verify = fmt.Sprintf("In orde: %d records (%d met verlopen bewaartermijn opgeschoond), %d ondertekende checkpoints en %d ontvangstbewijzen gecontroleerd.",
			rep.Size, rep.Pruned, rep.Checkpoints, rep.Receipts)
	}
	var witness []PeerLog
	witnessOn := s.cfg.Witness != nil
	if witnessOn {
		witness = s.cfg.Witness()
		for i := range witness {
			if witness[i].Name == "" {
				witness[i].Name = s.cfg.Peers[witness[i].OIN]
			}
		}
	}
	s.renderStatus(w, r, se, http.StatusOK, "logboek", struct {
		Rows                    []logEntry
		Total, Matched          int
		Flows, Actions, Reasons []string
		Peers                   []peerOption
		F                       logFilter
		Verify                  string
		VerifyOK                bool
		WitnessOn               bool
		Witness                 []PeerLog
		Max                     int
	}{rows, len(all), matched, flows, actions, reasons, peers, filter, verify, verifyOK, witnessOn, witness, maxLogRows}, problem)
}

// ldv downloads the audit log in the Logboek Dataverwerkingen shape, as
// `schakel audit export` writes it. It carries the children's pseudonyms,
// so it needs the inzage permission, not just status.
func (s *Server) ldv(w http.ResponseWriter, r *http.Request, se *session) {
	var buf bytes.Buffer
	if err := s.cfg.Audit.Export(r.Context(), &buf); err != nil {
		s.fail(w, r, se, http.StatusInternalServerError, "Het logboek kon niet worden gelezen: "+err.Error())
		return
	}
	s.cfg.Log.Info("console: LDV export", "user", se.user)
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Content-Disposition", `attachment; filename="logboek-ldv.jsonl"`)
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) inzageForm(w http.ResponseWriter, r *http.Request, se *session) {
	s.render(w, r, se, "inzage", nil)
}

// inzageCSP is the report's policy: the report is audit.WriteInzageHTML's
// document, whose one inline style block is allowed by its hash.
var inzageCSP = func() string {
	var b bytes.Buffer
	_ = audit.WriteInzageHTML(&b, nil, audit.InzageTexts{})
	doc := b.String()
	i, j := strings.Index(doc, "<style>"), strings.Index(doc, "</style>")
	h := sha256.Sum256([]byte(doc[i+len("<style>") : j]))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}()

func (s *Server) inzage(w http.ResponseWriter, r *http.Request, se *session) {
	b := strings.TrimSpace(r.PostForm.Get("bsn"))
	if err := bsn.Valid(b); err != nil {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		s.renderStatus(w, r, se, http.StatusBadRequest, "inzage", nil, "Dit is geen geldig BSN (9 cijfers die de elfproef doorstaan).")
		return
	}
	who, err := inzage.ParseRequester(r.PostForm.Get("aanvrager"))
	if err != nil {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		s.renderStatus(w, r, se, http.StatusBadRequest, "inzage", nil, "Kies wie om inzage vraagt: een ouder met gezag, een ouder zonder gezag of het kind zelf.")
		return
	}
	var birth time.Time
	if d := strings.TrimSpace(r.PostForm.Get("geboortedatum")); d != "" {
		if birth, err = time.Parse(time.DateOnly, d); err != nil {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			s.renderStatus(w, r, se, http.StatusBadRequest, "inzage", nil, "De geboortedatum is geen geldige datum.")
			return
		}
	}
	start := s.cfg.Now()
	view, err := s.cfg.Inzage(r.Context(), b, who, birth)
	// The inzage is recorded before the report is shown: no record, no report.
	if aerr := s.cfg.Record(r.Context(), Event{Action: audit.ActionInzageRead, User: se.client.Name, BSN: b, OK: err == nil, Start: start}); aerr != nil {
		s.cfg.Log.Error("console: inzage not recorded; report withheld", "err", aerr)
		s.fail(w, r, se, http.StatusInternalServerError, "De inzage kon niet in het logboek worden vastgelegd; daarom wordt het rapport niet getoond.")
		return
	}
	if errors.Is(err, inzage.ErrBirthDateNeeded) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		s.renderStatus(w, r, se, http.StatusBadRequest, "inzage", nil, "Dit kind staat niet in de eigen administratie. Vul de geboortedatum in, zoals vastgesteld aan de balie.")
		return
	}
	if err != nil {
		s.fail(w, r, se, http.StatusInternalServerError, "Het inzagerapport kon niet worden gemaakt: "+err.Error())
		return
	}
	var out bytes.Buffer
	if err := audit.WriteInzageReportHTML(&out, view.Shown, s.cfg.InzageTexts(), view.Scope()); err != nil {
		s.fail(w, r, se, http.StatusInternalServerError, "Het rapport kon niet worden opgemaakt.")
		return
	}
	w.Header().Set("Content-Security-Policy", inzageCSP)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(out.Bytes())
}

func (s *Server) verplichtingen(w http.ResponseWriter, r *http.Request, se *session) {
	obs, err := s.cfg.Audit.Obligations(r.Context(), false)
	if err != nil {
		s.fail(w, r, se, http.StatusInternalServerError, "De verplichtingen konden niet worden gelezen: "+err.Error())
		return
	}
	s.showObligations(w, r, se, obs, nil)
}

// obligationRow is an open obligation with its recipient's name.
type obligationRow struct {
	audit.Obligation
	Peer string
}

// showObligations renders the Verplichtingen page; confirm, if set, is the
// obligation whose tick-off waits for the user's confirmation.
func (s *Server) showObligations(w http.ResponseWriter, r *http.Request, se *session, obs []audit.Obligation, confirm *audit.Obligation) {
	var rows []obligationRow
	for _, o := range obs {
		rows = append(rows, obligationRow{o, s.cfg.Peers[o.RecipientOIN]})
	}
	var c *obligationRow
	if confirm != nil {
		c = &obligationRow{*confirm, s.cfg.Peers[confirm.RecipientOIN]}
	}
	s.render(w, r, se, "verplichtingen", struct {
		Rows    []obligationRow
		Done    bool
		Confirm *obligationRow
	}{rows, r.URL.Query().Get("afgevinkt") == "1", c})
}

func (s *Server) afvinken(w http.ResponseWriter, r *http.Request, se *session) {
	id := r.PostForm.Get("id")
	obs, err := s.cfg.Audit.Obligations(r.Context(), false)
	if err != nil {
		s.fail(w, r, se, http.StatusInternalServerError, "De verplichtingen konden niet worden gelezen: "+err.Error())
		return
	}
	i := slices.IndexFunc(obs, func(o audit.Obligation) bool { return o.ID == id })
	if id == "" || i < 0 {
		s.fail(w, r, se, http.StatusNotFound, "Deze verplichting bestaat niet of is al afgevinkt.")
		return
	}
	if r.PostForm.Get("bevestigd") != "ja" {
		// The first step only asks: nothing is recorded or ticked off yet.
		s.showObligations(w, r, se, obs, &obs[i])
		return
	}
	start := s.cfg.Now()
	// Recorded first: a tick-off that is not in the audit log does not happen.
	if err := s.cfg.Record(r.Context(), Event{Action: audit.ActionObligationComplete, User: se.client.Name,
		ObligationID: id, DecisionID: obs[i].DecisionID, OK: true, Start: start}); err != nil {
		s.fail(w, r, se, http.StatusInternalServerError, "Het afvinken kon niet in het logboek worden vastgelegd en is niet uitgevoerd.")
		return
	}
	if err := s.cfg.Audit.CompleteObligation(r.Context(), id, s.cfg.Now()); err != nil {
		s.fail(w, r, se, http.StatusInternalServerError, "Het afvinken is mislukt: "+err.Error())
		return
	}
	s.cfg.Log.Info("console: obligation completed", "user", se.user, "obligation", id)
	http.Redirect(w, r, "/verplichtingen?afgevinkt=1", http.StatusSeeOther)
}

type inboxRow struct {
	ID, Sender, SenderName, Flow, Purpose string
	Received                              time.Time
}

type outboxRow struct {
	ID, Recipient, RecipientName, Flow, State, LastError string
	Attempts                                             int32
	Created, Updated                                     time.Time
}

func (s *Server) meldingen(w http.ResponseWriter, r *http.Request, se *session) {
	out, err := s.cfg.Outbox(r.Context())
	if err != nil {
		s.fail(w, r, se, http.StatusInternalServerError, "De uitgaande meldingen konden niet worden gelezen: "+err.Error())
		return
	}
	in, err := s.cfg.Inbox(r.Context())
	if err != nil {
		s.fail(w, r, se, http.StatusInternalServerError, "De ontvangen meldingen konden niet worden gelezen: "+err.Error())
		return
	}
	var outs []outboxRow
	for _, o := range out.GetNotifications() {
		outs = append(outs, outboxRow{ID: o.GetNotificationId(), Recipient: o.GetRecipientOin(), RecipientName: s.cfg.Peers[o.GetRecipientOin()],
			Flow: o.GetFlow(), State: stateDutch(o.GetState()), LastError: o.GetLastError(), Attempts: o.GetAttempts(),
			Created: o.GetCreatedAt().AsTime(), Updated: o.GetUpdatedAt().AsTime()})
	}
	var ins []inboxRow
	for _, n := range in.GetNotifications() { // never the BSN or the record
		ins = append(ins, inboxRow{ID: n.GetNotificationId(), Sender: n.GetSenderOin(), SenderName: s.cfg.Peers[n.GetSenderOin()],
			Flow: n.GetFlow(), Purpose: n.GetPurpose(), Received: n.GetReceivedAt().AsTime()})
	}
	s.render(w, r, se, "meldingen", struct {
		Out []outboxRow
		In  []inboxRow
	}{outs, ins})
}

func stateDutch(st localv1.NotificationState) string {
	switch st {
	case localv1.NotificationState_NOTIFICATION_STATE_QUEUED:
		return "in de wachtrij"
	case localv1.NotificationState_NOTIFICATION_STATE_DELIVERED:
		return "afgeleverd"
	case localv1.NotificationState_NOTIFICATION_STATE_CANCELLED:
		return "geannuleerd (beleid staat het niet meer toe)"
	case localv1.NotificationState_NOTIFICATION_STATE_DEAD_LETTER:
		return "opgegeven (niet afgeleverd)"
	}
	return st.String()
}

func (s *Server) status(w http.ResponseWriter, r *http.Request, se *session) {
	var health bytes.Buffer
	raw := s.cfg.Health()
	if err := json.Indent(&health, raw, "", "  "); err != nil {
		health.Reset()
		health.Write(raw)
	}
	var h struct {
		Status     string `json:"status"`
		Revocation struct {
			Status string               `json:"status"`
			Peer   []identity.CRLStatus `json:"peer"`
			Local  []identity.CRLStatus `json:"local"`
			Errors map[string]string    `json:"errors"`
		} `json:"revocation"`
	}
	_ = json.Unmarshal(raw, &h)
	var crls []crlRow
	for _, c := range h.Revocation.Peer {
		crls = append(crls, crlRow{"partners", c})
	}
	for _, c := range h.Revocation.Local {
		crls = append(crls, crlRow{"lokale API", c})
	}
	var crlErrors []string
	for src, e := range h.Revocation.Errors {
		crlErrors = append(crlErrors, src+": "+e)
	}
	sort.Strings(crlErrors)
	type peer struct{ OIN, Name string }
	var peers []peer
	for o, n := range s.cfg.Peers {
		peers = append(peers, peer{o, n})
	}
	sort.Slice(peers, func(i, j int) bool { return peers[i].OIN < peers[j].OIN })
	left := s.cfg.CertNotAfter.Sub(s.cfg.Now())
	s.render(w, r, se, "status", struct {
		Health, HealthJSON string
		Pack               PackStatus
		CertNotAfter       time.Time
		CertDays           int
		Peers              []peer
		SelfOIN            string
		CRLs               []crlRow
		CRLErrors          []string
	}{h.Status, health.String(), s.cfg.Status(), s.cfg.CertNotAfter, int(left.Hours() / 24), peers, s.cfg.SelfOIN, crls, crlErrors})
}

// crlRow is a certificate revocation list in force, as /healthz reports
// it, with the listener whose clients it checks.
type crlRow struct {
	Listener string
	identity.CRLStatus
}

// situation is the Proberen form: a situation in a few choices, made into a
// decision input (the JSON shown below it, to refine by hand).
type situation struct {
	Purpose, HolderType, HolderRole, RecipientType, RecipientRole string
	Relation, Enrolled, Inzage                                    bool
	Justification                                                 string
	Age                                                           int
	Categories, Consents                                          []string
}

var defaultSituation = situation{Purpose: "afstemming_hulp_onderwijs", HolderType: "school_vo", HolderRole: "zorgcoordinator",
	RecipientType: "zorgaanbieder", RecipientRole: "jeugdhulpverlener", Relation: true, Age: 14,
	Categories: []string{"verzuim", "opp"}, Consents: []string{"ouder", "jeugdige"}}

// Has reports whether xs holds x (for the template's checkboxes).
func (situation) Has(xs []string, x string) bool { return slices.Contains(xs, x) }

func situationFrom(r *http.Request) situation {
	f := r.PostForm
	st := situation{Purpose: f.Get("doel"), HolderType: f.Get("houder_type"), HolderRole: f.Get("houder_rol"),
		RecipientType: f.Get("ontvanger_type"), RecipientRole: f.Get("ontvanger_rol"),
		Relation: f.Get("hulprelatie") != "", Enrolled: f.Get("ingeschreven") != "", Inzage: f.Get("inzage") != "",
		Justification: strings.TrimSpace(f.Get("onderbouwing")), Categories: f["gegevens"], Consents: f["toestemming"]}
	_, _ = fmt.Sscan(f.Get("leeftijd"), &st.Age)
	return st
}

// Example OINs of the situation's holder and recipient (the demo's school
// and zorgaanbieder): a decision does not depend on them beyond consents.
const holderOIN, recipientOIN = "00000001000000000001", "00000001000000000002"

func (st situation) input(now time.Time) policy.Input {
	now = now.UTC().Truncate(time.Second)
	in := policy.Input{Purpose: st.Purpose,
		Holder:    policy.Party{OIN: holderOIN, OrgType: st.HolderType, Role: st.HolderRole},
		Recipient: policy.Party{OIN: recipientOIN, OrgType: st.RecipientType, Role: st.RecipientRole, Relation: st.Relation},
		// The tryout's child is on the holder's roll and has two persons
		// with gezag (the contract's defaults, spelled out).
		Subject: policy.Subject{Age: st.Age, EnrolledAtRecipient: st.Enrolled, ParentsHadInzage: st.Inzage,
			EnrolledAtHolder: true, ParentsWithGezag: 2},
		Categories: append([]string{}, st.Categories...), Consents: []policy.Consent{}, Justification: st.Justification, Now: now}
	for _, g := range st.Consents {
		// "ouder" is the consent of both persons with gezag (two givers),
		// as the contract's version 3 asks for care data.
		givers := []string{g}
		if g == "ouder" {
			givers = []string{"ouder-1", "ouder-2"}
		}
		for _, giver := range givers {
			in.Consents = append(in.Consents, policy.Consent{ID: "toestemming-" + giver, GivenBy: g, Giver: giver, RecipientOIN: recipientOIN,
				Purpose: st.Purpose, Categories: append([]string{}, st.Categories...), GivenAt: now.Add(-24 * time.Hour)})
		}
	}
	return in
}
