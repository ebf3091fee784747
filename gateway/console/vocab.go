package console

import (
	"regexp"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Amsterdam also where the host has no zone files

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/policy"
)

// amsterdam is the zone every time in the console is shown in.
var amsterdam = func() *time.Location {
	l, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		return time.Local
	}
	return l
}()

var months = [...]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
	"september", "oktober", "november", "december"}

// dutchTime writes t as "8 december 2026 14:05" in Europe/Amsterdam.
func dutchTime(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	t = t.In(amsterdam)
	return t.Format("2") + " " + months[t.Month()-1] + " " + t.Format("2006 15:04")
}

// Dutch names of ids the pack does not describe itself.
var (
	regimeNames = map[string]string{
		"school":    "onderwijsregime (AVG)",
		"jeugdhulp": "jeugdhulpregime (Jeugdwet/WGBO)",
		"none":      "geen toestemming nodig",
		"":          "geen toestemming nodig",
	}
	obligationNames = map[string]string{
		"inform_subject":           "betrokkenen informeren",
		"inform_subject_when_safe": "betrokkenen informeren zodra dat veilig is",
		"inform_parents":           "ouders informeren",
		"record_in_pupil_file":     "vastleggen in het leerlingdossier",
		"review_break_glass":       "doorbreking van het beroepsgeheim laten toetsen",
	}
	actionNames = map[string]string{
		string(audit.ActionRequestDecide):      "verzoek beslist",
		string(audit.ActionRequestRefuse):      "verzoek geweigerd vóór beslissing",
		string(audit.ActionRequestReceive):     "verzoek gedaan en antwoord ontvangen",
		string(audit.ActionNotifyDecide):       "melding beslist",
		string(audit.ActionNotifyDeliver):      "melding afgeleverd",
		string(audit.ActionNotifyCancel):       "melding geannuleerd",
		string(audit.ActionNotifyDeadLetter):   "melding opgegeven",
		string(audit.ActionNotifyReceive):      "melding ontvangen",
		string(audit.ActionConsentRegister):    "toestemming vastgelegd",
		string(audit.ActionConsentWithdraw):    "toestemming ingetrokken",
		string(audit.ActionConsentList):        "toestemmingen opgevraagd",
		string(audit.ActionInzageRead):         "inzagerapport opgevraagd",
		string(audit.ActionObligationComplete): "verplichting afgevinkt",
	}
	sideNames = map[string]string{
		string(audit.SideHolder):    "verstrekker",
		string(audit.SideRecipient): "ontvanger",
		"":                          "–",
	}
	modeNames = map[string]string{
		policy.ModeRequest:      "op verzoek",
		policy.ModeNotification: "melding",
		"both":                  "op verzoek of als melding",
	}
	basisNames = map[string]string{
		"toestemming":           "toestemming",
		"wettelijke_plicht":     "wettelijke plicht",
		"publieke_taak":         "publieke taak",
		"meldrecht":             "meldrecht (meldcode)",
		"conflict_van_plichten": "conflict van plichten",
	}
	giverNames = map[string]string{"ouder": "ouder", "jeugdige": "jeugdige"}
)

// words turns the ids of one pack into the Dutch texts a privacy officer
// reads; an id without a text is shown with its underscores as spaces.
type words struct{ d *policy.Data }

func humanize(id string) string {
	words := strings.Split(id, "_")
	for i, w := range words {
		if abbreviations[w] {
			words[i] = strings.ToUpper(w)
		}
	}
	return strings.Join(words, " ")
}

// abbreviations are written in capitals in Dutch ("commissie TLV").
var abbreviations = map[string]bool{"tlv": true, "jgz": true, "opp": true, "bsn": true, "vve": true}

func lookup(m map[string]string, id string) string {
	if s, ok := m[id]; ok {
		return s
	}
	return humanize(id)
}

// Purpose is the purpose's description.
func (w words) Purpose(id string) string {
	if w.d != nil {
		for _, p := range w.d.Purposes {
			if p.ID == id && p.Description != "" {
				return p.Description
			}
		}
	}
	if id == "" {
		return "–"
	}
	return humanize(id)
}

// Cat is the category's description.
func (w words) Cat(id string) string {
	if w.d != nil {
		for _, c := range w.d.Categories {
			if c.ID == id && c.Description != "" {
				return c.Description
			}
		}
	}
	return humanize(id)
}

// Cats joins Cat of each id ("–" for none).
func (w words) Cats(ids []string) string { return joinWith(ids, w.Cat) }

// Org is the organisation type's description.
func (w words) Org(id string) string {
	if id == "any" {
		return "elk type organisatie"
	}
	if w.d != nil {
		for _, o := range w.d.OrgTypes {
			if o.ID == id && o.Description != "" {
				return o.Description
			}
		}
	}
	return humanize(id)
}

// Orgs joins Org of each id.
func (w words) Orgs(ids []string) string { return joinWith(ids, w.Org) }

// Role is a role in words (the pack has no descriptions for roles).
func (w words) Role(id string) string { return humanize(id) }

// Roles joins Role of each id, "elke rol" for none.
func (w words) Roles(ids []string) string {
	if len(ids) == 0 {
		return "elke rol"
	}
	return joinWith(ids, w.Role)
}

// Flow is the flow's id and title ("A1: School deelt ...").
func (w words) Flow(id string) string {
	if id == "" {
		return "–"
	}
	if t := w.FlowTitle(id); t != "" {
		return id + ": " + t
	}
	return id
}

// FlowTitle is the flow's title, "" when the pack does not know it.
func (w words) FlowTitle(id string) string {
	if w.d != nil {
		for _, f := range w.d.Flows {
			if f.ID == id {
				return f.Title
			}
		}
	}
	return ""
}

// Reason is the pack's Dutch message for a reason code, with the details
// the record does not hold left out.
func (w words) Reason(code string) string {
	if w.d != nil {
		if m, ok := w.d.Messages[code]; ok {
			m = strings.ReplaceAll(m, ` "%s"`, "")
			m = strings.ReplaceAll(m, ": %s.", ".")
			return strings.ReplaceAll(m, "%s", "…")
		}
	}
	return "reden " + strings.ToLower(humanize(code))
}

// Reasons joins Reason of each code.
func (w words) Reasons(codes []string) string { return joinWith(codes, w.Reason) }

// Regime is a consent regime in words.
func (w words) Regime(id string) string { return lookup(regimeNames, id) }

// Obligation is an obligation in words.
func (w words) Obligation(id string) string { return lookup(obligationNames, id) }

// Obligations joins Obligation of each id.
func (w words) Obligations(ids []string) string { return joinWith(ids, w.Obligation) }

// Action is an audit action in words.
func (w words) Action(id string) string {
	if s, ok := actionNames[id]; ok {
		return s
	}
	return humanize(strings.TrimPrefix(id, "schakel."))
}

// Side is holder or recipient in words.
func (w words) Side(id string) string { return lookup(sideNames, id) }

// Mode is a flow mode or a decision's mode in words.
func (w words) Mode(id string) string { return lookup(modeNames, id) }

// Basis is a legal basis in words.
func (w words) Basis(id string) string { return lookup(basisNames, id) }

// Giver is whose consent in words.
func (w words) Giver(id string) string { return lookup(giverNames, id) }

func joinWith(ids []string, f func(string) string) string {
	if len(ids) == 0 {
		return "–"
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = f(id)
	}
	return strings.Join(out, ", ")
}

var (
	idToken = regexp.MustCompile(`\b[A-Za-z][A-Za-z_]*(?:\.[a-z_]+)*\b`)
	modeTag = regexp.MustCompile(` \((?:request|notification|both|held_by:? recipient)\)`)
)

// Text rewrites a text that names pack ids (the engine's explanation) so
// that it shows the Dutch texts instead. Only what cannot be a Dutch word
// is replaced: ids with an underscore or dot, reason codes, and short
// abbreviations the pack knows (opp, jgz); "verzuim" stays as it is.
func (w words) Text(s string) string {
	s = modeTag.ReplaceAllString(s, "")
	s = idToken.ReplaceAllStringFunc(s, func(tok string) string {
		idLike := strings.ContainsAny(tok, "_.")
		if d, ok := w.known(tok); ok && (idLike || len(tok) <= 4) {
			return d
		}
		if idLike {
			return humanize(tok)
		}
		return tok
	})
	// A purpose id followed by its own description.
	if w.d != nil {
		for _, p := range w.d.Purposes {
			s = strings.ReplaceAll(s, p.Description+" ("+p.Description+")", p.Description)
		}
	}
	return s
}

// known names id in Dutch if it is an id of the pack or the node.
func (w words) known(id string) (string, bool) {
	if w.d != nil {
		for _, p := range w.d.Purposes {
			if p.ID == id {
				return p.Description, true
			}
		}
		for _, c := range w.d.Categories {
			if c.ID == id {
				return c.Description, true
			}
		}
		for _, o := range w.d.OrgTypes {
			if o.ID == id {
				return o.Description, true
			}
		}
		if _, ok := w.d.Messages[id]; ok {
			return w.Reason(id), true
		}
	}
	for _, m := range []map[string]string{obligationNames, actionNames, basisNames} {
		if s, ok := m[id]; ok {
			return s, true
		}
	}
	return "", false
}

// Any names an id of any kind in Dutch.
func (w words) Any(id string) string {
	if s, ok := w.known(id); ok {
		return s
	}
	return humanize(id)
}

// reasonCode finds the reason codes in a notification's last error
// ("cancelled by the policy at delivery: CONSENT_MISSING: ...").
var reasonCode = regexp.MustCompile(`\b[A-Z]+(?:_[A-Z]+)+\b`)

// DeliveryError says in Dutch what went wrong with a notification; the
// node's own (English) error text stays in its log.
func (w words) DeliveryError(e string) string {
	if e == "" {
		return "–"
	}
	l := strings.ToLower(e)
	var out []string
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	switch {
	case strings.Contains(l, "cancelled by the policy"):
		add("het beleid stond de melding bij aflevering niet meer toe")
	case strings.Contains(l, "not delivered within"):
		add("opgegeven: niet afgeleverd binnen de maximale termijn")
	case strings.Contains(l, "refused by the recipient"):
		add("opgegeven: de ontvanger weigerde de melding")
	case strings.Contains(l, "receipt"):
		add("opgegeven: het ontvangstbewijs van de ontvanger klopte niet")
	case strings.Contains(l, "stored record unreadable"):
		add("opgegeven: de opgeslagen melding was onleesbaar")
	}
	switch {
	case strings.Contains(l, "connection refused"), strings.Contains(l, "no such host"), strings.Contains(l, "unavailable"),
		strings.Contains(l, "connection reset"), strings.Contains(l, "eof"):
		add("de node van de ontvanger was niet bereikbaar")
	case strings.Contains(l, "deadline"), strings.Contains(l, "timeout"), strings.Contains(l, "timed out"):
		add("de node van de ontvanger antwoordde niet op tijd")
	case strings.Contains(l, "certificate"), strings.Contains(l, "tls"), strings.Contains(l, "x509"):
		add("de beveiligde verbinding met de ontvanger lukte niet (certificaat)")
	case strings.Contains(l, "permissiondenied"), strings.Contains(l, "permission denied"), strings.Contains(l, "denied"):
		add("de ontvanger weigerde de melding")
	}
	for _, c := range reasonCode.FindAllString(e, -1) {
		if w.d != nil {
			if _, ok := w.d.Messages[c]; ok {
				add(w.Reason(c))
			}
		}
	}
	if len(out) == 0 {
		return "aflevering mislukt (technische fout; de precieze melding staat in het log van de node)"
	}
	return strings.Join(out, "; ")
}
