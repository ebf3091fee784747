package policy

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// codeDutch says in plain Dutch what each reason code means, for explain.
var codeDutch = map[string]string{
	"UNKNOWN_PURPOSE":         "het doel staat niet in de gesloten lijst van doelen",
	"NO_MATCHING_FLOW":        "er is geen gegevensstroom met dit doel tussen deze soorten organisaties",
	"MODE_NOT_ALLOWED":        "de stroom staat deze manier van uitwisselen (vraag of melding) niet toe",
	"ROLE_NOT_ALLOWED":        "de rol mag in deze gegevensstroom niet optreden",
	"RELATION_REQUIRED":       "de ontvanger heeft geen directe hulprelatie met het kind verklaard (need-to-know)",
	"NOT_RESIDENT":            "de gemeente is niet de woongemeente van het kind (of een van beide codes is onbekend)",
	"CONSENT_MISSING":         "de vereiste toestemming ontbreekt",
	"CONSENT_WITHDRAWN":       "de toestemming is ingetrokken",
	"CONSENT_EXPIRED":         "de toestemming is verlopen",
	"CATEGORY_NOT_IN_FLOW":    "staat niet op de lijst van toegestane gegevens van deze stroom",
	"CATEGORY_NOT_CONSENTED":  "de toestemming dekt deze gegevens niet",
	"JUSTIFICATION_REQUIRED":  "een schriftelijke onderbouwing is verplicht en ontbreekt",
	"CASE_REFERENCE_REQUIRED": "een zaak- of maatregelnummer is verplicht en ontbreekt",
	"NOT_ENROLLED":            "het kind is nog niet ingeschreven bij de ontvangende school",
	"INZAGE_REQUIRED":         "de ouders hebben het rapport nog niet ingezien",
	"BEROEPSGEHEIM_REQUIRED":  "alleen een rol met beroepsgeheim mag het beroepsgeheim doorbreken",
	"AGE_OUT_OF_SCOPE":        "de gegevensstroom geldt niet voor een kind van deze leeftijd",

	"CONSULT_IDENTIFYING":              "het consult bevat een veld of waarde buiten de vaste lijsten, of gegevens over het kind",
	"MONITORING_DIMENSION_NOT_ALLOWED": "een rij van de telling heeft een kenmerk of waarde buiten de vaste set",
	"MONITORING_FLOW_EXCLUDED":         "een rij telt een G-stroom (veiligheid), die nooit wordt geteld",
	"CASE_NOT_OPEN":                    "er is geen geopende casus",
	"NOT_A_MEMBER":                     "de verstrekker of ontvanger is geen huidig lid van de casus",
	"NOT_REGIEHOUDER":                  "de vrager is niet de huidige regiehouder van de casus",
	"NOT_ENROLLED_AT_HOLDER":           "het kind staat niet ingeschreven bij de verstrekkende school of kinderopvang",
	"ATTESTED_CONSENT_PENDING":         "alleen een meegestuurde toestemming dekt deze bijzondere gegevens, en de verstrekker heeft die nog niet (of korter dan de termijn geleden) zelf aangekondigd",
	"VERZUIM_THRESHOLD_NOT_MET":        "er is geen openstaande verzuimmelding en de drempel van ongeoorloofd verzuim is niet bereikt",
	"VERZUIM_MELDING_REQUIRED":         "de vraag van leerplicht verwijst niet naar een openstaande verzuimmelding van deze school",
	"INZAGE_NOT_ENTITLED":              "deze vrager heeft geen recht op inzage",
	"INZAGE_HELD_FOR_SAFETY":           "een veiligheidsverslag dat nog niet is vrijgegeven",
	"INZAGE_CLASS_NOT_ENTITLED":        "dit soort verslag is bij deze leeftijd niet voor deze vrager",
	"INZAGE_WITHHELD_BY_PROFESSIONAL":  "de professional houdt dit verslag achter voor de ouders",
}

// codeRule names the rule of RULES.md ("Principles, as checks") behind each
// reason code.
var codeRule = map[string]string{
	"UNKNOWN_PURPOSE":         "doel (een doel uit de gesloten lijst)",
	"NO_MATCHING_FLOW":        "doel (het doel hoort bij een stroom tussen deze organisaties)",
	"MODE_NOT_ALLOWED":        "modus (wie de uitwisseling begint: vraag of melding)",
	"ROLE_NOT_ALLOWED":        "minimaal (alleen de rollen van de stroom)",
	"RELATION_REQUIRED":       "need-to-know (Jeugdwet 7.3.11)",
	"NOT_RESIDENT":            "woonplaats (een gemeente handelt voor de kinderen die er wonen)",
	"CONSENT_MISSING":         "toestemming (wiens toestemming telt)",
	"CONSENT_WITHDRAWN":       "toestemming (intrekking werkt direct)",
	"CONSENT_EXPIRED":         "toestemming (geldig tot)",
	"CATEGORY_NOT_IN_FLOW":    "minimaal (de lijst van toegestane gegevens)",
	"CATEGORY_NOT_CONSENTED":  "toestemming (voor welke gegevens)",
	"JUSTIFICATION_REQUIRED":  "schriftelijke onderbouwing (meldcode, doorbreking beroepsgeheim)",
	"CASE_REFERENCE_REQUIRED": "zaak- of maatregelnummer (waaronder de ontvanger handelt)",
	"NOT_ENROLLED":            "onderwijskundig rapport pas na inschrijving",
	"INZAGE_REQUIRED":         "onderwijskundig rapport pas na inzage door de ouders",
	"BEROEPSGEHEIM_REQUIRED":  "beroepsgeheim (alleen wie het heeft, mag het doorbreken)",
	"AGE_OUT_OF_SCOPE":        "leeftijdsgrens van de stroom",

	"CONSULT_IDENTIFYING":              "consult zonder naam (alleen de vaste lijsten)",
	"MONITORING_DIMENSION_NOT_ALLOWED": "geen-monitoring-per-kind (een vaste set kenmerken)",
	"MONITORING_FLOW_EXCLUDED":         "geen-monitoring-per-kind (G-stromen nooit geteld)",
	"CASE_NOT_OPEN":                    "casus (alleen een geopende casus)",
	"NOT_A_MEMBER":                     "need-to-know (lidmaatschap van de casus)",
	"NOT_REGIEHOUDER":                  "casus (alleen de regiehouder ziet het overzicht)",
	"NOT_ENROLLED_AT_HOLDER":           "eigen-leerling",
	"ATTESTED_CONSENT_PENDING":         "toestemming die de ontvanger heeft (eerst zelf aankondigen)",
	"VERZUIM_THRESHOLD_NOT_MET":        "verzuim (C1 alleen met een melding)",
	"VERZUIM_MELDING_REQUIRED":         "verzuim (leerplicht vraagt binnen een melding)",
	"INZAGE_NOT_ENTITLED":              "inzage (wie mag zien)",
	"INZAGE_HELD_FOR_SAFETY":           "inzage (veiligheid eerst)",
	"INZAGE_CLASS_NOT_ENTITLED":        "inzage (soort verslag en leeftijd)",
	"INZAGE_WITHHELD_BY_PROFESSIONAL":  "inzage (goed hulpverlenerschap)",
}

var obligationDutch = map[string]string{
	"inform_subject":           "het kind of de ouders informeren over deze verstrekking (aan wie, waarom, op welke grondslag)",
	"inform_subject_when_safe": "het kind of de ouders informeren zodra dat veilig kan",
	"inform_parents":           "de ouders informeren over de melding",
	"record_in_pupil_file":     "de verstrekking vastleggen in het leerlingdossier",
	"review_break_glass":       "de doorbreking van het beroepsgeheim laten beoordelen",
	"inform_other_parent":      "de andere ouder met gezag informeren",
	"inform_before_release":    "de gevers van de meegestuurde toestemming eerst zelf informeren over de komende verstrekking",
}

var basisDutch = map[string]string{
	"toestemming":           "toestemming",
	"wettelijke_plicht":     "wettelijke plicht",
	"publieke_taak":         "publieke taak",
	"meldrecht":             "meldrecht (Wmo 2015 art. 5.2.6)",
	"conflict_van_plichten": "conflict van plichten",
	"geen_persoonsgegevens": "geen persoonsgegevens",
}

// explanation is what the pack's Rego itself says about the consent part of
// a decision (rules regime, givers and live of schakel.decision), read so
// that explain never re-implements the policy.
type explanation struct {
	regime string
	givers []string
	live   []string // ids of the consents that count
	seen   []string // ids of the consents the policy looks at (relevant)
	count  map[string][2]int
}

func (e *Engine) explainQuery(ctx context.Context, in Input) explanation {
	var x explanation
	r := rego.New(
		rego.Query("data.schakel.decision"),
		rego.Compiler(e.pack.compiler),
		rego.Store(inmem.NewFromObjectWithOpts(e.pack.opaData, inmem.OptReturnASTValuesOnRead(true))),
		rego.ParsedInput(in.value()),
	)
	rs, err := r.Eval(ctx)
	if err != nil || len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return x
	}
	doc, _ := rs[0].Expressions[0].Value.(map[string]any)
	x.regime, _ = doc["regime"].(string)
	for _, g := range asSlice(doc["givers"]) {
		if s, ok := g.(string); ok {
			x.givers = append(x.givers, s)
		}
	}
	slices.Sort(x.givers)
	ids := func(v any) []string {
		var out []string
		for _, c := range asSlice(v) {
			if m, ok := c.(map[string]any); ok {
				if id, ok := m["id"].(string); ok {
					out = append(out, id)
				}
			}
		}
		return out
	}
	x.live, x.seen = ids(doc["live"]), ids(doc["relevant"])
	x.count = map[string][2]int{}
	if m, ok := doc["consent_count"].(map[string]any); ok {
		for g, v := range m {
			c, _ := v.(map[string]any)
			x.count[g] = [2]int{asInt(c["needed"]), asInt(c["found"])}
		}
	}
	return x
}

func asInt(v any) int {
	switch n := v.(type) {
	case json.Number:
		i, _ := n.Int64()
		return int(i)
	case float64:
		return int(n)
	case int:
		return n
	}
	return 0
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// Explain writes, in plain Dutch for a privacy officer, which flow and
// which rules decided d (the decision of in) and why.
func (e *Engine) Explain(ctx context.Context, w io.Writer, in Input, d Decision) {
	data := e.pack.Data()
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	verdict := "GEWEIGERD: er worden geen gegevens verstrekt"
	if d.Allow {
		verdict = "TOEGESTAAN: " + strings.Join(d.Categories, ", ") + " mogen worden verstrekt"
	}
	p("Beslissing: %s.", verdict)
	switch {
	case len(d.Reasons) > 0 && d.Flow != nil:
		p("Beslist door: de regel %s, bij stroom %s.", codeRule[d.Reasons[0].Code], *d.Flow)
	case len(d.Reasons) > 0:
		p("Beslist door: de regel %s.", codeRule[d.Reasons[0].Code])
	case d.Flow != nil && d.Basis != nil:
		p("Beslist door: stroom %s, grondslag %s; aan alle voorwaarden van de stroom is voldaan.", *d.Flow, basisDutch[*d.Basis])
	}
	p("")
	purpose := in.Purpose
	for _, x := range data.Purposes {
		if x.ID == in.Purpose {
			purpose += " (" + x.Description + ")"
		}
	}
	p("Verstrekker: %s (OIN %s), rol %s", in.Holder.OrgType, in.Holder.OIN, orNone(in.Holder.Role))
	p("Ontvanger:   %s (OIN %s), rol %s", in.Recipient.OrgType, in.Recipient.OIN, orNone(in.Recipient.Role))
	mode := "een vraag van de ontvanger (request)"
	if in.Mode == ModeNotification {
		mode = "een melding op initiatief van de verstrekker (notification)"
	}
	p("Gevraagd, als %s:", mode)
	p("  de gegevens: %s", strings.Join(in.Categories, ", "))
	p("  voor het doel: %s", purpose)
	p("  over een kind van %d jaar, op %s.", in.Subject.Age, in.Now.UTC().Format(time.RFC3339))
	p("")
	flow, ok := e.pack.Flow(d.FlowID())
	switch {
	case !ok:
		p("Gegevensstroom: geen. Er is geen stroom in het beleidspakket die past bij dit doel tussen een %s en een %s.", in.Holder.OrgType, in.Recipient.OrgType)
		if in.Flow != "" {
			p("  (De vraag noemde stroom %s, maar die past niet bij dit doel en deze organisaties.)", in.Flow)
		}
	default:
		how := "gekozen omdat doel, soort verstrekker en soort ontvanger overeenkomen"
		if in.Flow != "" {
			how = "genoemd in de vraag, en doel en organisaties passen erbij"
		}
		p("Gegevensstroom: %s, %q (%s).", flow.ID, flow.Title, how)
		p("  grondslag: %s", basisDutch[flow.Basis])
		p("  toegestane gegevens in deze stroom: %s", strings.Join(flow.Categories, ", "))
		if len(flow.Never) > 0 {
			p("  nooit in deze stroom: %s", strings.Join(flow.Never, ", "))
		}
		e.explainConditions(ctx, w, in, flow)
	}
	p("")
	if len(d.Reasons) > 0 {
		p("Waarom geweigerd:")
		for _, r := range d.Reasons {
			p("  - %s (%s)", r.Message, r.Code)
		}
		p("")
	}
	if len(d.Withheld) > 0 {
		p("Niet verstrekt:")
		for _, wh := range d.Withheld {
			p("  - %s: %s (%s)", wh.Category, codeDutch[wh.Code], wh.Code)
		}
		p("")
	}
	if d.Allow {
		p("Verstrekt: %s.", strings.Join(d.Categories, ", "))
		if len(d.ConsentsUsed) > 0 {
			p("  op grond van de toestemming(en): %s", strings.Join(d.ConsentsUsed, ", "))
		}
		p("Verplichtingen na verstrekking:")
		for _, o := range d.Obligations {
			if t, ok := obligationDutch[o]; ok {
				p("  - %s: %s", o, t)
			} else {
				p("  - %s", o)
			}
		}
	}
	p("Bewaartermijn van het auditverslag: %d dagen.", d.RetentionDays)
	p("Beleidspakket: %s", d.PolicyRevision)
}

func (e *Engine) explainConditions(ctx context.Context, w io.Writer, in Input, flow Flow) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	yes := func(b bool) string {
		if b {
			return "ja"
		}
		return "nee"
	}
	p("  modus: %s", modeDutch[flow.Mode])
	if len(flow.Holder.Roles) > 0 {
		p("  rollen bij de verstrekker: %s (gevraagd: %s)", strings.Join(flow.Holder.Roles, ", "), orNone(in.Holder.Role))
	}
	if len(flow.Recipient.Roles) > 0 {
		p("  rollen bij de ontvanger: %s (gevraagd: %s)", strings.Join(flow.Recipient.Roles, ", "), orNone(in.Recipient.Role))
	}
	if flow.Requires.Relation {
		p("  directe hulprelatie vereist (need-to-know): verklaard: %s", yes(in.Recipient.Relation))
	}
	if flow.Requires.Justification {
		p("  schriftelijke onderbouwing vereist: aanwezig: %s", yes(strings.TrimSpace(in.Justification) != ""))
	}
	if flow.Requires.CaseReference {
		p("  zaak- of maatregelnummer vereist: aanwezig: %s", yes(strings.TrimSpace(in.CaseReference) != ""))
	}
	if flow.Requires.OwnPupil && e.pack.roll(in.Holder.OrgType) {
		p("  eigen leerling vereist (het kind staat bij de verstrekker ingeschreven): %s", yes(in.Subject.EnrolledAtHolder))
	}
	if flow.Requires.VerzuimMelding {
		if cmp.Or(in.Mode, ModeRequest) == ModeRequest {
			p("  verzuimmelding vereist: de vraag noemt een openstaande melding van deze school: %s", yes(slices.Contains(in.Subject.OpenVerzuimMeldingen, in.CaseReference)))
		} else {
			p("  verzuimmelding vereist: drempel bereikt of een openstaande melding: %s",
				yes(in.Subject.UnauthorisedAbsenceHours4w >= e.pack.data.VerzuimThresholdHours || len(in.Subject.OpenVerzuimMeldingen) > 0))
		}
	}
	if flow.Requires.Case {
		p("  casus vereist: alleen in een geopende casus, tussen huidige leden, met de teamtoestemming")
	}
	if flow.Requires.Residence {
		var sides []string
		for _, s := range []struct {
			name string
			pt   Party
		}{{"verstrekker", in.Holder}, {"ontvanger", in.Recipient}} {
			if e.pack.residence(s.pt.OrgType) {
				ok := s.pt.Gemeente != "" && s.pt.Gemeente == in.Subject.Gemeente
				sides = append(sides, fmt.Sprintf("%s %s, woongemeente van het kind %s: %s", s.name, orUnknown(s.pt.Gemeente), orUnknown(in.Subject.Gemeente), yes(ok)))
			}
		}
		if len(sides) == 0 {
			sides = []string{"geen van beide partijen is een gemeente: niet van toepassing"}
		}
		p("  woonplaats vereist: %s", strings.Join(sides, "; "))
	}
	if flow.Requires.Enrolment {
		p("  inschrijving bij de ontvangende school vereist: ingeschreven: %s", yes(in.Subject.EnrolledAtRecipient))
	}
	if flow.Requires.Inzage {
		p("  inzage door de ouders vereist: gehad: %s", yes(in.Subject.ParentsHadInzage))
	}
	if flow.Requires.Beroepsgeheim {
		p("  alleen een verstrekker met beroepsgeheim mag deze stroom gebruiken")
	}
	if flow.MaxAge != nil || flow.MinAge > 0 {
		hi := "geen"
		if flow.MaxAge != nil {
			hi = fmt.Sprint(*flow.MaxAge)
		}
		p("  leeftijd: van %d tot en met %s jaar", flow.MinAge, hi)
	}
	if flow.Consent == "none" {
		p("  toestemming: niet nodig (grondslag %s)", basisDutch[flow.Basis])
		return
	}
	x := e.explainQuery(ctx, in)
	regime := x.regime
	if regime == "" {
		regime = flow.Consent
	}
	note := ""
	if regime != flow.Consent {
		note = fmt.Sprintf(" (strenger dan het regime %s van de stroom, omdat een zorgpartij of bijzondere persoonsgegevens betrokken zijn)", flow.Consent)
	}
	p("  toestemming: regime %s%s; bij %d jaar is toestemming nodig van: %s", regime, note, in.Subject.Age, strings.Join(x.givers, " en "))
	settings, _ := e.pack.data.ConsentSettings(flow, regime)
	for _, g := range x.givers {
		n := x.count[g]
		p("  %s; %d van %d gevonden", whoseConsent(g, n[0]), n[1], n[0])
	}
	if settings.AttestedConsent {
		p("  een toestemming die de ontvanger verklaart (held_by recipient) telt bij een vraag van die ontvanger")
	} else {
		p("  een toestemming die de ontvanger verklaart (held_by recipient) telt niet in deze stroom")
	}
	if len(in.Consents) == 0 {
		p("  bekende toestemmingen: geen")
	}
	givers := map[string]int{}
	for _, c := range in.Consents {
		if slices.Contains(x.live, c.ID) {
			givers[c.GivenBy+"\x00"+c.Giver]++
		}
	}
	for _, c := range in.Consents {
		state := "telt niet mee (andere ontvanger, ander doel, nog niet gegeven, verlopen of ingetrokken)"
		switch {
		case c.HeldBy == HeldByRecipient && !slices.Contains(x.seen, c.ID) && c.RecipientOIN == in.Recipient.OIN && c.Purpose == in.Purpose:
			state = "telt niet mee (verklaard door de ontvanger; geldt alleen bij een vraag, in een stroom die dat toestaat)"
		case slices.Contains(x.live, c.ID):
			state = "geldig"
			switch {
			case c.GivenBy != "ouder" || x.count["ouder"][0] < 2:
			case c.Giver == "":
				state = "geldig; zonder gever (giver) telt deze niet als een tweede, andere ouder"
			case givers[c.GivenBy+"\x00"+c.Giver] > 1:
				state = "geldig; telt samen met de andere toestemming van " + c.Giver + " als één ouder"
			}
		}
		from := c.GivenBy
		if c.Giver != "" {
			from += " " + c.Giver
		}
		if c.HeldBy == HeldByRecipient {
			from += ", verklaard door de ontvanger"
		}
		p("  - toestemming %s van %s voor %s: %s", c.ID, from, strings.Join(c.Categories, ", "), state)
	}
}

// whoseConsent says whose consent is needed, in Dutch.
func whoseConsent(g string, needed int) string {
	switch {
	case g == "ouder" && needed == 2:
		return "toestemming van beide ouders nodig"
	case g == "ouder":
		return "toestemming van één ouder nodig"
	case g == "jeugdige":
		return "toestemming van de jeugdige nodig"
	}
	return "toestemming van " + g + " nodig"
}

var modeDutch = map[string]string{
	ModeRequest:      "alleen op vraag van de ontvanger (request)",
	ModeNotification: "alleen als melding op initiatief van de verstrekker (notification)",
	"both":           "op vraag van de ontvanger of als melding (both)",
}

func orUnknown(s string) string {
	if s == "" {
		return "(onbekend)"
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "(geen rol)"
	}
	return s
}

// ExplainAnswer prints, in plain Dutch, the answer to a question other than
// release (inzage, consult, monitoring, regie): the outcome and, per
// reason or record, what it means and the rule behind it.
func ExplainAnswer(w io.Writer, p *Pack, q Question, a any) {
	reasons := func(rs []Reason) {
		for _, r := range rs {
			fmt.Fprintf(w, "  - %s: %s (regel: %s)\n", r.Code, codeDutch[r.Code], codeRule[r.Code])
		}
	}
	outcome := func(allow bool, yes, no string) {
		if allow {
			fmt.Fprintf(w, "Uitkomst: %s.\n", yes)
		} else {
			fmt.Fprintf(w, "Uitkomst: %s, omdat:\n", no)
		}
	}
	switch d := a.(type) {
	case InzageDecision:
		fmt.Fprintf(w, "Vraag: inzage door een %s in de beslissingen over een kind.\n", q.Inzage.Requester.Kind)
		outcome(d.Allow, "de vrager heeft recht op inzage", "geen inzage")
		reasons(d.Reasons)
		for _, id := range d.Shown {
			fmt.Fprintf(w, "  getoond: %s\n", id)
		}
		for _, h := range d.HeldBack {
			fmt.Fprintf(w, "  achtergehouden: %s, %s (%s)\n", h.Record, h.Code, codeDutch[h.Code])
		}
	case Decision:
		fmt.Fprintf(w, "Vraag: mag dit anonieme consult (%s) worden verstuurd?\n", orNone(d.FlowID()))
		outcome(d.Allow, "het consult mag worden verstuurd; er gaan geen persoonsgegevens mee", "het consult wordt geweigerd")
		reasons(d.Reasons)
	case MonitoringDecision:
		fmt.Fprintf(w, "Vraag: mag deze telling (%s) naar de monitor?\n", orNone(d.FlowID()))
		outcome(d.Allow, fmt.Sprintf("de telling mag weg; tellingen onder %d gaan als \"<10\"", p.data.Monitoring.SmallCell), "de telling wordt geweigerd")
		reasons(d.Reasons)
	case RegieDecision:
		fmt.Fprintln(w, "Vraag: mag deze vrager het regiehoudersoverzicht van de casus zien?")
		outcome(d.Allow, "ja, met alleen de velden "+strings.Join(d.Fields, ", "), "nee")
		reasons(d.Reasons)
	}
}
