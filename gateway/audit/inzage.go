package audit

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

// InzageItem is one record of an inzage (a parent's or child's request to see
// what happened with the child's data), as `schakel audit inzage --format json`
// prints it and the local API's Inzage returns it. It holds no record value.
type InzageItem struct {
	Index              uint64    `json:"index"`
	Time               time.Time `json:"time"`
	Action             string    `json:"action"`
	Side               string    `json:"side"`
	HolderOIN          string    `json:"holder_oin"`
	RecipientOIN       string    `json:"recipient_oin"`
	RecipientRole      string    `json:"recipient_role"`
	Flow               string    `json:"flow"`
	Purpose            string    `json:"purpose"`
	Basis              string    `json:"basis"`
	Allowed            bool      `json:"allowed"`
	CategoriesReleased []string  `json:"categories_released"`
	CategoriesWithheld []string  `json:"categories_withheld"`
	ReasonCodes        []string  `json:"reason_codes"`
	ConsentsUsed       []string  `json:"consents_used"`
	DecisionID         string    `json:"decision_id"`
	// What the requesting organisation stated (and signed): its case
	// reference and a pseudonymous reference to the professional.
	CaseReference string `json:"case_reference,omitempty"`
	Professional  string `json:"professional,omitempty"`
}

// Inzage converts stored records (from [Store.BySubject]) to inzage items, in
// the same order. Lists are never nil.
func Inzage(recs []Stored) []InzageItem {
	items := make([]InzageItem, 0, len(recs))
	for _, sr := range recs {
		r := sr.Record
		items = append(items, InzageItem{Index: sr.Index, Time: r.StartTime, Action: string(r.Name), Side: string(r.Side),
			HolderOIN: r.HolderOIN, RecipientOIN: r.RecipientOIN, RecipientRole: r.RecipientRole,
			Flow: r.Flow, Purpose: r.Purpose, Basis: r.Basis, Allowed: r.Allow,
			CategoriesReleased: nonNil(r.CategoriesReleased), CategoriesWithheld: nonNil(r.CategoriesWithheld),
			ReasonCodes: nonNil(r.ReasonCodes), ConsentsUsed: nonNil(r.ConsentsUsed), DecisionID: r.DecisionID,
			CaseReference: r.CaseReference, Professional: r.Professional})
	}
	return items
}

// FallbackRetentionDays is the retention of a record whose decision carries
// none: a refusal before any decision, a denial that matched no flow, a
// failed policy engine. The pack's longest flow retention (five years), so
// that such records are not pruned before the releases around them.
const FallbackRetentionDays = 1825

// RetentionOr returns days, or FallbackRetentionDays when days is not positive.
func RetentionOr(days int) int {
	if days <= 0 {
		return FallbackRetentionDays
	}
	return days
}

// InzageTexts are what a parent's inzage report needs beyond the audit
// records: the organisations' names (the node's peer directory and the node
// itself) and the active pack's Dutch texts. Every map may be empty: an
// unknown id is shown as it is stored.
type InzageTexts struct {
	// SelfOIN and SelfName are the node that prints the report.
	SelfOIN, SelfName string
	// Organisations maps an OIN to the organisation's name.
	Organisations map[string]string
	// Purposes, Flows and Categories map ids to the pack's Dutch
	// descriptions (flows: titles).
	Purposes, Flows, Categories map[string]string
	// Reasons maps a reason code to the pack's Dutch text; "%s" marks a
	// detail that the audit record may not hold.
	Reasons map[string]string
}

// bases are the Dutch names of the legal bases (RULES.md "grondslag"); the
// pack names bases by id only.
var bases = map[string]string{
	"toestemming":           "toestemming",
	"wettelijke_plicht":     "een wettelijke plicht",
	"publieke_taak":         "een publieke taak",
	"meldrecht":             "het meldrecht (meldcode)",
	"conflict_van_plichten": "conflict van plichten (doorbreking van het beroepsgeheim)",
}

func (tx InzageTexts) named() bool { return len(tx.Organisations) > 0 || tx.SelfName != "" }

// org names an organisation: its name, or its OIN when the name is unknown.
func (tx InzageTexts) org(oin string) string {
	if oin == tx.SelfOIN && tx.SelfName != "" {
		return tx.SelfName
	}
	if n := tx.Organisations[oin]; n != "" {
		return n
	}
	return oin
}

// orgLong is the name with the OIN, or the OIN alone.
func (tx InzageTexts) orgLong(oin string) string {
	if n := tx.org(oin); n != oin {
		return n + ", OIN " + oin
	}
	return oin
}

func (tx InzageTexts) category(id string) string {
	if d := tx.Categories[id]; d != "" {
		return id + " (" + d + ")"
	}
	return id
}

func (tx InzageTexts) purpose(id, flow string) string {
	p := id
	if d := tx.Purposes[id]; d != "" {
		p = d
	}
	if flow == "" {
		return p
	}
	if t := tx.Flows[flow]; t != "" {
		return fmt.Sprintf("%s; afspraak %s: %s", p, flow, t)
	}
	return fmt.Sprintf("%s (afspraak %s)", p, flow)
}

func (tx InzageTexts) basis(id string) string {
	if b, ok := bases[id]; ok && tx.named() {
		return b
	}
	return id
}

// reason is the pack's Dutch text for code, with args filled in where the
// text has "%s" (unknown details show as "…"); the code itself when the
// pack has no text.
func (tx InzageTexts) reason(code string, args ...string) string {
	t, ok := tx.Reasons[code]
	if !ok || t == "" {
		return code
	}
	for strings.Contains(t, "%s") {
		a := "…"
		if len(args) > 0 {
			a, args = args[0], args[1:]
		}
		t = strings.Replace(t, "%s", a, 1)
	}
	return t
}

// inzageEntry is one record as the report shows it, in Dutch; the text and
// HTML forms render the same entries.
type inzageEntry struct {
	N                                  int
	When, What, Organisation, Role     string
	Purpose, Basis, Consent            string
	Shared, NotShared, Outcome, Reason string
	// Stated is what the requesting organisation signed: its case
	// reference and its reference to the professional ("" when neither).
	Stated string
}

type inzageReport struct {
	Intro, Orgs string
	Empty       bool
	Entries     []inzageEntry
	// Head and Foot are the scope's lines; Refused hides the records.
	Head, Foot []string
	Refused    bool
}

func buildInzage(recs []Stored, tx InzageTexts) inzageReport {
	rep := inzageReport{Empty: len(recs) == 0}
	where := ""
	if tx.SelfName != "" {
		where = " bij " + tx.SelfName
	}
	rep.Intro = fmt.Sprintf("Overzicht van %d vastgelegde gegevensverwerking(en) over dit kind%s, oudste eerst.", len(recs), where)
	rep.Orgs = "Organisaties staan vermeld met hun OIN (het nummer van de organisatie bij de overheid)."
	if tx.named() {
		rep.Orgs = "Organisaties staan vermeld met hun naam en hun OIN (het nummer van de organisatie bij de overheid)."
	}
	for i, sr := range recs {
		rep.Entries = append(rep.Entries, buildEntry(i+1, sr.Record, tx))
	}
	return rep
}

func buildEntry(n int, r Record, tx InzageTexts) inzageEntry {
	e := inzageEntry{N: n, When: dutchTime(r.StartTime), What: inzageWhat(r, tx),
		Organisation: tx.orgLong(r.RecipientOIN) + " (ontvanger)",
		Role:         dutchList([]string{r.RecipientRole}, "onbekend", nil),
		Stated:       inzageStated(r),
		Purpose:      tx.purpose(r.Purpose, r.Flow),
		Basis:        tx.basis(r.Basis),
	}
	if !tx.named() && len(tx.Purposes) == 0 && len(tx.Flows) == 0 {
		e.Purpose = fmt.Sprintf("%s (afspraak %s)", r.Purpose, r.Flow)
	}
	if len(r.ConsentsUsed) > 0 {
		e.Consent = dutchList(r.ConsentsUsed, "", nil)
		if tx.named() {
			e.Consent = "ja, de vastgelegde toestemming is gebruikt (" + e.Consent + ")"
		}
	}
	e.Shared = dutchList(r.CategoriesReleased, "niets", tx.category)
	if r.Name == ActionNotifyDecide && r.Allow && len(r.CategoriesReleased) == 0 {
		e.Shared = "nog niets (de melding is klaargezet om te versturen)"
	}
	e.NotShared = withheldList(r.CategoriesWithheld, tx)
	reasons := func() string {
		if len(r.ReasonCodes) == 0 {
			return "niet vermeld"
		}
		out := make([]string, len(r.ReasonCodes))
		for i, c := range r.ReasonCodes {
			out[i] = tx.reason(c, reasonArgs(c, r, tx)...)
		}
		return strings.Join(out, " ")
	}
	// With the pack's texts the reason is a sentence of its own; without
	// them the codes stand in brackets, as before.
	withTexts := len(tx.Reasons) > 0
	refused := func(prefix string) {
		if withTexts {
			e.Outcome, e.Reason = prefix, reasons()
		} else {
			e.Outcome = fmt.Sprintf("%s (reden: %s)", prefix, dutchList(r.ReasonCodes, "niet vermeld", nil))
		}
	}
	switch {
	case r.Name == ActionNotifyCancel:
		refused("geannuleerd voordat de melding werd verstuurd; er zijn geen gegevens gedeeld")
	case r.Name == ActionNotifyDeadLetter:
		e.Outcome = "niet afgeleverd en opgegeven; er zijn geen gegevens gedeeld"
	case r.StatusCode == 2:
		e.Outcome = "mislukt door een technische fout; er zijn geen gegevens gedeeld"
	case r.Allow:
		e.Outcome = "toegestaan"
	default:
		refused("geweigerd; er zijn geen gegevens gedeeld")
	}
	return e
}

// reasonArgs are the details the audit record holds for a reason text's
// "%s": the categories withheld with that code, the purpose, the role.
func reasonArgs(code string, r Record, _ InzageTexts) []string {
	switch code {
	case "UNKNOWN_PURPOSE":
		return []string{r.Purpose}
	case "ROLE_NOT_ALLOWED":
		return []string{r.RecipientRole, "ontvanger"}
	}
	var cats []string
	for _, w := range r.CategoriesWithheld {
		if c, wc, ok := strings.Cut(w, ":"); ok && wc == code {
			cats = append(cats, c)
		}
	}
	if len(cats) > 0 {
		return []string{strings.Join(cats, ", ")}
	}
	return nil
}

// withheldList lists withheld categories ("category:CODE"): without texts as
// stored, with texts each with the pack's reason.
func withheldList(items []string, tx InzageTexts) string {
	if len(items) == 0 {
		return "niets"
	}
	if len(tx.Reasons) == 0 && len(tx.Categories) == 0 {
		return dutchList(items, "niets", nil)
	}
	out := make([]string, len(items))
	for i, it := range items {
		c, code, ok := strings.Cut(it, ":")
		if !ok {
			out[i] = tx.category(it)
			continue
		}
		txt := tx.Reasons[code]
		if txt == "" {
			out[i] = tx.category(c) + " (" + code + ")"
			continue
		}
		// The reason without its detail: the category is named already.
		txt = strings.TrimSuffix(strings.TrimSpace(strings.Replace(txt, ": %s", "", 1)), ".")
		out[i] = tx.category(c) + ": " + strings.ToLower(txt[:1]) + txt[1:]
	}
	return strings.Join(out, "; ")
}

var dutchMonths = [...]string{"januari", "februari", "maart", "april", "mei", "juni", "juli",
	"augustus", "september", "oktober", "november", "december"}

func dutchTime(t time.Time) string {
	zone := "UTC"
	if loc, err := time.LoadLocation("Europe/Amsterdam"); err == nil {
		t, zone = t.In(loc), "Nederlandse tijd"
	}
	return fmt.Sprintf("%d %s %d om %02d:%02d (%s)", t.Day(), dutchMonths[t.Month()-1], t.Year(), t.Hour(), t.Minute(), zone)
}

// dutchList joins items (a "category:" prefix dropped), each through name
// when given.
func dutchList(items []string, none string, name func(string) string) string {
	if len(items) == 0 {
		return none
	}
	out := make([]string, len(items))
	for i, it := range items {
		it = strings.TrimPrefix(it, "category:")
		if name != nil {
			it = name(it)
		}
		out[i] = it
	}
	return strings.Join(out, ", ")
}

// InzageScope is what the policy pack's inzage question decided, printed
// around the records: who asked, how many records are not shown, and why
// nothing is shown to a requester who is not entitled (package inzage).
type InzageScope struct {
	// Decided is true when the pack decided (every report a node or the
	// CLI produces); the zero scope prints the records without a header.
	Decided bool
	// Requester names who asked, in Dutch ("een ouder met gezag").
	Requester string
	// HeldBack is how many records are not shown.
	HeldBack int
	// Refusal is the Dutch reason when the requester may see nothing.
	Refusal string
}

func (sc InzageScope) lines() (head, foot []string) {
	if !sc.Decided {
		return nil, nil
	}
	head = append(head, "Deze inzage is gevraagd door "+sc.Requester+".")
	if sc.Refusal != "" {
		head = append(head, "Er kan via deze weg geen inzage worden gegeven. "+sc.Refusal)
	}
	switch {
	case sc.HeldBack == 1:
		foot = append(foot, "1 gegevensverwerking wordt niet getoond.")
	case sc.HeldBack > 1:
		foot = append(foot, fmt.Sprintf("%d gegevensverwerkingen worden niet getoond.", sc.HeldBack))
	}
	return head, foot
}

// WriteInzageText writes the inzage in plain Dutch for a parent.
func WriteInzageText(w io.Writer, recs []Stored, tx InzageTexts) {
	WriteInzageReportText(w, recs, tx, InzageScope{})
}

// WriteInzageReportText writes the inzage in plain Dutch, with the records
// the pack lets the requester see and the scope it decided.
func WriteInzageReportText(w io.Writer, recs []Stored, tx InzageTexts, sc InzageScope) {
	rep := buildInzage(recs, tx)
	head, foot := sc.lines()
	for _, l := range head {
		fmt.Fprintln(w, l)
	}
	defer func() {
		for _, l := range foot {
			fmt.Fprintln(w, "\n"+l)
		}
	}()
	if sc.Refusal != "" {
		return
	}
	if rep.Empty {
		fmt.Fprintln(w, "Er zijn geen vastgelegde gegevensverwerkingen over dit kind gevonden die getoond kunnen worden.")
		return
	}
	fmt.Fprintln(w, rep.Intro)
	fmt.Fprintln(w, rep.Orgs)
	for _, e := range rep.Entries {
		fmt.Fprintf(w, "\n%d. %s\n", e.N, e.When)
		fmt.Fprintf(w, "   Wat gebeurde er:   %s\n", e.What)
		fmt.Fprintf(w, "   Welke organisatie: %s\n", e.Organisation)
		fmt.Fprintf(w, "   Welke rol:         %s\n", e.Role)
		if e.Stated != "" {
			fmt.Fprintf(w, "   Verklaard:         %s\n", e.Stated)
		}
		fmt.Fprintf(w, "   Doel:              %s\n", e.Purpose)
		fmt.Fprintf(w, "   Grondslag:         %s\n", e.Basis)
		if e.Consent != "" {
			fmt.Fprintf(w, "   Toestemming:       %s\n", e.Consent)
		}
		fmt.Fprintf(w, "   Gedeeld:           %s\n", e.Shared)
		fmt.Fprintf(w, "   Niet gedeeld:      %s\n", e.NotShared)
		fmt.Fprintf(w, "   Uitkomst:          %s\n", e.Outcome)
		if e.Reason != "" {
			fmt.Fprintf(w, "   Reden:             %s\n", e.Reason)
		}
	}
}

// WriteInzageHTML writes the same report as one printable HTML page.
func WriteInzageHTML(w io.Writer, recs []Stored, tx InzageTexts) error {
	return WriteInzageReportHTML(w, recs, tx, InzageScope{})
}

// WriteInzageReportHTML writes WriteInzageReportText's report as one
// printable HTML page.
func WriteInzageReportHTML(w io.Writer, recs []Stored, tx InzageTexts, sc InzageScope) error {
	rep := buildInzage(recs, tx)
	rep.Head, rep.Foot = sc.lines()
	rep.Refused = sc.Refusal != ""
	return inzageHTML.Execute(w, rep)
}

var inzageHTML = template.Must(template.New("inzage").Parse(`<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Inzage: gegevensverwerkingen over uw kind</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; color: #111; }
h1 { font-size: 1.5rem; }
section { border-top: 1px solid #999; padding: .5rem 0 1rem; break-inside: avoid; page-break-inside: avoid; }
h2 { font-size: 1.05rem; margin: .5rem 0; }
dl { display: grid; grid-template-columns: 11rem 1fr; gap: .2rem 1rem; margin: 0; }
dt { font-weight: 600; }
dd { margin: 0; }
.geweigerd { color: #8a1c1c; }
@media print { body { margin: 0; max-width: none; } a { color: inherit; } }
</style>
</head>
<body>
<h1>Inzage: gegevensverwerkingen over uw kind</h1>
{{range .Head}}<p>{{.}}</p>
{{end}}{{if .Refused}}{{else if .Empty}}<p>Er zijn geen vastgelegde gegevensverwerkingen over dit kind gevonden{{if .Head}} die getoond kunnen worden{{end}}.</p>
{{else}}<p>{{.Intro}}</p>
<p>{{.Orgs}}</p>
{{range .Entries}}<section>
<h2>{{.N}}. {{.When}}</h2>
<dl>
<dt>Wat gebeurde er</dt><dd>{{.What}}</dd>
<dt>Welke organisatie</dt><dd>{{.Organisation}}</dd>
<dt>Welke rol</dt><dd>{{.Role}}</dd>{{if .Stated}}
<dt>Verklaard</dt><dd>{{.Stated}}</dd>{{end}}
<dt>Doel</dt><dd>{{.Purpose}}</dd>
<dt>Grondslag</dt><dd>{{.Basis}}</dd>
{{if .Consent}}<dt>Toestemming</dt><dd>{{.Consent}}</dd>
{{end}}<dt>Gedeeld</dt><dd>{{.Shared}}</dd>
<dt>Niet gedeeld</dt><dd>{{.NotShared}}</dd>
<dt>Uitkomst</dt><dd{{if .Reason}} class="geweigerd"{{end}}>{{.Outcome}}</dd>
{{if .Reason}}<dt>Reden</dt><dd>{{.Reason}}</dd>
{{end}}</dl>
</section>
{{end}}{{end}}{{range .Foot}}<p>{{.}}</p>
{{end}}</body>
</html>
`))

// inzageWhat says in one sentence what a record is about: a request for
// data, or a notification (sent, queued, cancelled, received).
func inzageWhat(r Record, tx InzageTexts) string {
	holder, recipient := tx.org(r.HolderOIN), tx.org(r.RecipientOIN)
	switch r.Name {
	case ActionNotifyDecide:
		if !r.Allow {
			return fmt.Sprintf("deze organisatie (%s) wilde organisatie %s een melding sturen; dat is geweigerd", holder, recipient)
		}
		return fmt.Sprintf("deze organisatie (%s) besloot organisatie %s een melding te sturen", holder, recipient)
	case ActionNotifyDeliver:
		return fmt.Sprintf("deze organisatie (%s) meldde organisatie %s", holder, recipient)
	case ActionNotifyCancel:
		return fmt.Sprintf("een melding van deze organisatie (%s) aan organisatie %s is niet verstuurd", holder, recipient)
	case ActionNotifyDeadLetter:
		return fmt.Sprintf("een melding van deze organisatie (%s) aan organisatie %s kon niet worden afgeleverd", holder, recipient)
	case ActionNotifyReceive:
		return fmt.Sprintf("deze organisatie (%s) ontving een melding van organisatie %s", recipient, holder)
	}
	if r.Side == SideHolder {
		return fmt.Sprintf("organisatie %s vroeg gegevens op bij deze organisatie (%s)", recipient, holder)
	}
	return fmt.Sprintf("deze organisatie (%s) vroeg gegevens op bij organisatie %s", recipient, holder)
}

// inzageStated says what the asking organisation signed about the request:
// its case reference and its own reference to the professional (the
// organisation can say who that was).
func inzageStated(r Record) string {
	var parts []string
	if r.CaseReference != "" {
		parts = append(parts, "dossier "+r.CaseReference)
	}
	if r.Professional != "" {
		parts = append(parts, "medewerker "+r.Professional+" (de organisatie kan zeggen wie dat is)")
	}
	return strings.Join(parts, ", ")
}
