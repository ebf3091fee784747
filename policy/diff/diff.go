// Package diff describes, for a privacy officer, what changes from one
// policy pack to another: flows (purpose, basis, mode, consent regime and
// the consent settings in force, roles on both sides, categories, never,
// conditions, ages, obligations, retention), purposes, organisation types,
// roles, categories, consent regimes and settings (with the flows a global
// or regime setting reaches), reason texts and every other changed file;
// and, by re-running every scenario (the built-in ones and each pack's
// own) under both packs, every decision that changes. It is not a text diff
// of the YAML.
//
// `schakel policy diff` prints a Report as text; the console's Verschillen
// page shows the same Report.
package diff

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/schakel/schakel/policy"
	"github.com/schakel/schakel/policy/bundle"
)

// Report is what changes from an old pack to a new one.
type Report struct {
	// Sections are the parts of the packs that change (flows, purposes,
	// organisation types, roles, categories, consent regimes, reason texts,
	// Rego and other files), in that order, only those with changes.
	Sections []Section
	// Unchanged names, in lower case, the parts without changes.
	Unchanged []string
	// Decisions are the scenario decisions that change.
	Decisions Decisions
	// Logic reports whether a .rego file (other than a test) changes: the
	// pack's logic, not only its data.
	Logic bool
}

// Section is one part of the diff. Each line starts with "+ " (added),
// "- " (removed), "~ " (changed) or "! " (a warning); a line that starts
// with four spaces details the line above it.
type Section struct {
	Title string
	Lines []string
}

// Decisions are the scenario decisions that change between the packs.
type Decisions struct {
	// Total counts the distinct scenarios run under both packs.
	Total int
	// Flows holds, per flow ("geen stroom" for decisions without one),
	// sorted by flow, one line per changed scenario.
	Flows []FlowChanges
}

// FlowChanges are the changed decisions of one flow.
type FlowChanges struct {
	Flow  string
	Lines []string
}

// Changed counts the scenarios whose decision changes.
func (d Decisions) Changed() int {
	n := 0
	for _, f := range d.Flows {
		n += len(f.Lines)
	}
	return n
}

// Compare describes the changes from pack a to pack b. The scenarios come
// from the built-in set and from each pack's testdata/scenarios.
func Compare(ctx context.Context, a, b *policy.Pack) (*Report, error) {
	ea, err := policy.NewEngine(a)
	if err != nil {
		return nil, fmt.Errorf("old pack: %w", err)
	}
	eb, err := policy.NewEngine(b)
	if err != nil {
		return nil, fmt.Errorf("new pack: %w", err)
	}
	return CompareEngines(ctx, ea, eb)
}

// CompareEngines is [Compare] for packs already compiled: it describes the
// changes from engine a's pack to engine b's, deciding with the engines given.
func CompareEngines(ctx context.Context, ea, eb *policy.Engine) (*Report, error) {
	a, b := ea.Pack(), eb.Pack()
	r := &Report{}
	r.Sections, r.Unchanged = packSections(a, b)
	for _, s := range r.Sections {
		for _, l := range s.Lines {
			if strings.HasPrefix(l, "! ") {
				r.Logic = true
			}
		}
	}
	var err error
	if r.Decisions, err = decisions(ctx, ea, eb); err != nil {
		return nil, err
	}
	return r, nil
}

// WriteText writes the report as `schakel policy diff` prints it, after
// its header.
func (r *Report) WriteText(w io.Writer) {
	if len(r.Sections) == 0 {
		fmt.Fprintln(w, "\nGeen inhoudelijke wijzigingen.")
	} else {
		for _, sec := range r.Sections {
			fmt.Fprintf(w, "\n%s\n", sec.Title)
			for _, l := range sec.Lines {
				fmt.Fprintf(w, "  %s\n", l)
			}
		}
		if len(r.Unchanged) > 0 {
			fmt.Fprintf(w, "\nGeen wijzigingen in %s.\n", joinDutch(r.Unchanged))
		}
	}
	d := r.Decisions
	if n := d.Changed(); n == 0 {
		fmt.Fprintf(w, "\nBeslissingen: geen van de %d scenario's (ingebouwd en van de pakketten) krijgt een andere beslissing.\n", d.Total)
		return
	}
	fmt.Fprintf(w, "\nBeslissingen die veranderen (%d van %d scenario's, ingebouwd en van de pakketten)\n", d.Changed(), d.Total)
	for _, f := range d.Flows {
		fmt.Fprintf(w, "  %s\n", f.Flow)
		for _, l := range f.Lines {
			fmt.Fprintf(w, "    %s\n", l)
		}
	}
}

// decisions re-runs every scenario (the built-in ones and each pack's own)
// under both packs and lists, grouped by flow, every decision that changes.
func decisions(ctx context.Context, ea, eb *policy.Engine) (Decisions, error) {
	a, b := ea.Pack(), eb.Pack()
	fa, err := bundle.FilesFS(a.Files())
	if err != nil {
		return Decisions{}, fmt.Errorf("old pack: %w", err)
	}
	fb, err := bundle.FilesFS(b.Files())
	if err != nil {
		return Decisions{}, fmt.Errorf("new pack: %w", err)
	}
	ca, _, err := policy.PackScenarios(fa)
	if err != nil {
		return Decisions{}, fmt.Errorf("old pack: %w", err)
	}
	cb, _, err := policy.PackScenarios(fb)
	if err != nil {
		return Decisions{}, fmt.Errorf("new pack: %w", err)
	}
	seen := map[string]bool{}
	byFlow := map[string][]string{}
	var out Decisions
	for _, c := range append(ca, cb...) {
		in, _ := json.Marshal(c.Input)
		key := c.File + "\x00" + c.Name + "\x00" + string(in)
		if seen[key] {
			continue
		}
		seen[key] = true
		out.Total++
		da, errA := policy.DecideCase(ctx, ea, c)
		db, errB := policy.DecideCase(ctx, eb, c)
		flow := db.FlowID()
		if flow == "" {
			flow = da.FlowID()
		}
		var line string
		switch {
		case errA != nil || errB != nil:
			line = fmt.Sprintf("kan niet beslissen: oud: %v; nieuw: %v", errOr(errA), errOr(errB))
		default:
			line = decisionChange(da, db)
		}
		if line == "" {
			continue
		}
		label := flow
		if label == "" {
			label = "geen stroom"
		}
		byFlow[label] = append(byFlow[label], fmt.Sprintf("%s, %s: %s", label, c.Name, line))
	}
	flows := make([]string, 0, len(byFlow))
	for f := range byFlow {
		flows = append(flows, f)
	}
	sort.Strings(flows)
	for _, f := range flows {
		out.Flows = append(out.Flows, FlowChanges{Flow: f, Lines: byFlow[f]})
	}
	return out, nil
}

func errOr(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// decisionChange describes in Dutch how decision a became b, "" when
// nothing a professional or the audit sees changed.
func decisionChange(a, b policy.Decision) string {
	outcome := func(d policy.Decision, cats bool) string {
		if d.Allow {
			if cats {
				return "toegestaan (" + strings.Join(d.Categories, ", ") + ")"
			}
			return "toegestaan"
		}
		var codes []string
		for _, r := range d.Reasons {
			if !slices.Contains(codes, r.Code) {
				codes = append(codes, r.Code)
			}
		}
		return "geweigerd (" + strings.Join(codes, ", ") + ")"
	}
	cats := a.Allow && b.Allow && !slices.Equal(a.Categories, b.Categories)
	var parts []string
	x, y := outcome(a, cats), outcome(b, cats)
	if x != y {
		parts = append(parts, x+" → "+y)
	}
	if a.FlowID() != b.FlowID() {
		parts = append(parts, fmt.Sprintf("stroom %s → %s", orDash(a.FlowID()), orDash(b.FlowID())))
	}
	if a.RetentionDays != b.RetentionDays {
		parts = append(parts, fmt.Sprintf("bewaartermijn %d → %d dagen", a.RetentionDays, b.RetentionDays))
	}
	if a.Allow == b.Allow && !slices.Equal(a.Obligations, b.Obligations) {
		parts = append(parts, fmt.Sprintf("verplichtingen %s → %s", orGeen(a.Obligations), orGeen(b.Obligations)))
	}
	wa, _ := json.Marshal(a.Withheld)
	wb, _ := json.Marshal(b.Withheld)
	if len(parts) == 0 && string(wa) != string(wb) {
		parts = append(parts, fmt.Sprintf("achtergehouden %s → %s", withheldText(a.Withheld), withheldText(b.Withheld)))
	}
	if len(parts) == 0 {
		return ""
	}
	if x == y {
		parts = append([]string{y}, parts...)
	}
	return strings.Join(parts, "; ")
}

func withheldText(ws []policy.Withheld) string {
	if len(ws) == 0 {
		return "niets"
	}
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Category + " (" + w.Code + ")"
	}
	return strings.Join(out, ", ")
}

// section collects the lines of one part of the diff.
type section struct {
	title string
	lines []string
}

func (s *section) add(format string, a ...any) { s.lines = append(s.lines, fmt.Sprintf(format, a...)) }

// packSections lists the changes from a to b, section by section: the
// sections with changes and the titles of those without.
func packSections(a, b *policy.Pack) (sections []Section, unchanged []string) {
	da, db := a.Data(), b.Data()
	special := func(d *policy.Data) func(string) string {
		return func(c string) string {
			for _, x := range d.Categories {
				if x.ID == c && x.Special {
					return c + " (bijzonder persoonsgegeven)"
				}
			}
			return c
		}
	}
	sa, sb := special(da), special(db)

	flows := &section{title: "Stromen"}
	oldFlows := map[string]policy.Flow{}
	for _, f := range da.Flows {
		oldFlows[f.ID] = f
	}
	newIDs := map[string]bool{}
	for _, f := range db.Flows {
		newIDs[f.ID] = true
		old, ok := oldFlows[f.ID]
		if !ok {
			flows.add("+ %s (%s) toegevoegd: %s", f.ID, f.Purpose, f.Title)
			for _, l := range describeFlow(db, f, sb) {
				flows.add("    %s", l)
			}
			continue
		}
		if changes := flowChanges(da, db, old, f, sa, sb); len(changes) > 0 {
			flows.add("~ %s (%s) gewijzigd", f.ID, f.Purpose)
			for _, l := range changes {
				flows.add("    %s", l)
			}
		}
	}
	for _, f := range da.Flows {
		if !newIDs[f.ID] {
			flows.add("- %s (%s) verwijderd: %s", f.ID, f.Purpose, f.Title)
			flows.add("    deze gegevensstroom is daarna niet meer toegestaan")
		}
	}

	purposes := &section{title: "Doelen"}
	diffItems(purposes, da.Purposes, db.Purposes, func(p policy.Purpose) string { return p.ID },
		func(p policy.Purpose) string { return p.Description },
		func(x, y policy.Purpose) []string { return changed("omschrijving", x.Description, y.Description) })

	orgTypes := &section{title: "Organisatietypen"}
	diffItems(orgTypes, da.OrgTypes, db.OrgTypes, func(o policy.OrgType) string { return o.ID },
		func(o policy.OrgType) string { return o.Description },
		func(x, y policy.OrgType) []string { return changed("omschrijving", x.Description, y.Description) })

	roles := &section{title: "Rollen"}
	diffItems(roles, da.Roles, db.Roles, func(r policy.Role) string { return r.ID },
		func(r policy.Role) string {
			return fmt.Sprintf("%s; bij %s", secrecy(r.Beroepsgeheim), strings.Join(r.OrgTypes, ", "))
		},
		func(x, y policy.Role) []string {
			var out []string
			if x.Beroepsgeheim != y.Beroepsgeheim {
				out = append(out, fmt.Sprintf("beroepsgeheim: %s → %s", secrecy(x.Beroepsgeheim), secrecy(y.Beroepsgeheim)))
			}
			return append(out, listChange("organisatietypen", x.OrgTypes, y.OrgTypes, nil, nil)...)
		})

	cats := &section{title: "Categorieën"}
	diffItems(cats, da.Categories, db.Categories, func(c policy.Category) string { return c.ID },
		func(c policy.Category) string {
			if c.Special {
				return "bijzonder persoonsgegeven; " + c.Description
			}
			return c.Description
		},
		func(x, y policy.Category) []string {
			var out []string
			if x.Special != y.Special {
				if y.Special {
					out = append(out, "geldt nu als bijzonder persoonsgegeven (was: gewoon)")
				} else {
					out = append(out, "geldt niet meer als bijzonder persoonsgegeven (was: bijzonder)")
				}
			}
			return append(out, changed("omschrijving", x.Description, y.Description)...)
		})

	consent := &section{title: "Toestemmingsregimes"}
	reach := func(aspect func(policy.ConsentSettings) string) string {
		ids := consentReach(da, db, aspect)
		if len(ids) == 0 {
			return "geldt voor geen enkele stroom (elke stroom heeft een eigen instelling of geen toestemming)"
		}
		return "geldt voor de stromen " + joinDutch(ids)
	}
	if x, y := da.Consent.ParentsRequired, db.Consent.ParentsRequired; x != y {
		consent.add("~ aantal ouders van wie toestemming nodig is (algemeen): %d → %d; %s", x, y, reach(parentsOf))
	}
	if x, y := da.Consent.AttestedConsent, db.Consent.AttestedConsent; x != y {
		consent.add("~ toestemming die de ontvanger verklaart (algemeen): %s → %s; %s", attested(x), attested(y), reach(attestedOf))
	}
	if x, y := da.Consent.AttestedNoticeDays, db.Consent.AttestedNoticeDays; x != y {
		consent.add("~ dagen tussen de eigen aankondiging en verstrekking op een verklaarde toestemming (bijzondere gegevens): %d → %d", x, y)
	}
	if x, y := da.Consent.InformOtherParent, db.Consent.InformOtherParent; x != y {
		consent.add("~ de andere ouder informeren (algemeen): %s → %s", onOff(&x), onOff(&y))
	}
	if x, y := da.Consent.StrictRegime, db.Consent.StrictRegime; x != y {
		consent.add("~ strengere regime bij zorgpartij of bijzondere gegevens: %s → %s; %s", orDash(x), orDash(y), reach(bandsOf))
	}
	for _, name := range sortedKeys(da.Consent.Regimes, db.Consent.Regimes) {
		x, inA := da.Consent.Regimes[name]
		y, inB := db.Consent.Regimes[name]
		switch {
		case !inA:
			consent.add("+ %s toegevoegd: %s", name, regimeText(y))
		case !inB:
			consent.add("- %s verwijderd (was: %s)", name, regimeText(x))
		case regimeText(x) != regimeText(y):
			consent.add("~ %s gewijzigd; %s", name, reach(func(c policy.ConsentSettings) string {
				if c.Regime != name {
					return ""
				}
				return bandsOf(c) + parentsOf(c) + attestedOf(c)
			}))
			consent.add("    was:   %s", regimeText(x))
			consent.add("    wordt: %s", regimeText(y))
		}
	}

	messages := &section{title: "Weigerredenen (teksten voor professionals)"}
	for _, code := range sortedKeys(da.Messages, db.Messages) {
		x, inA := da.Messages[code]
		y, inB := db.Messages[code]
		switch {
		case !inA:
			messages.add("+ %s: %q", code, y)
		case !inB:
			messages.add("- %s (was: %q)", code, x)
		case x != y:
			messages.add("~ %s", code)
			messages.add("    was:   %q", x)
			messages.add("    wordt: %q", y)
		}
	}

	files := &section{title: "Regels (Rego) en overige bestanden"}
	fa, fb := a.Files(), b.Files()
	logic := false
	for _, name := range sortedKeys(fa, fb) {
		if name == policy.DataFile {
			continue
		}
		x, inA := fa[name]
		y, inB := fb[name]
		mark := ""
		if strings.HasSuffix(name, ".rego") && !strings.HasSuffix(name, "_test.rego") && (!inA || !inB || !bytes.Equal(x, y)) {
			mark, logic = " (logica)", true
		}
		switch {
		case !inA:
			files.add("+ %s toegevoegd%s", name, mark)
		case !inB:
			files.add("- %s verwijderd%s", name, mark)
		case !bytes.Equal(x, y):
			files.add("~ %s gewijzigd%s", name, mark)
		}
	}
	if logic {
		files.add("! de logica van het pakket verandert, niet alleen de gegevens: vraag de ontwikkelaars om een toelichting voordat u tekent")
	}

	questions := &section{title: "Andere vragen en drempels (verzuim, inzage, consult, monitoring, regie)"}
	if x, y := da.VerzuimThresholdHours, db.VerzuimThresholdHours; x != y {
		questions.add("~ drempel voor een verzuimmelding (uren in 4 weken): %g → %g", x, y)
	}
	for _, q := range []struct {
		label string
		x, y  any
	}{
		{"inzage (wie welk soort verslag mag zien)", da.Inzage, db.Inzage},
		{"anoniem consult (vaste lijsten)", da.Consult, db.Consult},
		{"monitoring (kenmerken, uitgesloten stromen, kleine cellen)", da.Monitoring, db.Monitoring},
		{"regiehoudersoverzicht", da.Regie, db.Regie},
	} {
		jx, _ := json.Marshal(q.x)
		jy, _ := json.Marshal(q.y)
		if !bytes.Equal(jx, jy) {
			questions.add("~ %s gewijzigd", q.label)
			questions.add("    was:   %s", jx)
			questions.add("    wordt: %s", jy)
		}
	}

	for _, sec := range []*section{flows, purposes, orgTypes, roles, cats, consent, questions, messages, files} {
		if len(sec.lines) == 0 {
			unchanged = append(unchanged, strings.ToLower(strings.SplitN(sec.title, " (", 2)[0]))
			continue
		}
		sections = append(sections, Section{Title: sec.title, Lines: sec.lines})
	}
	return sections, unchanged
}

// describeFlow lists every property of a new flow.
func describeFlow(d *policy.Data, f policy.Flow, cat func(string) string) []string {
	out := []string{
		"doel: " + f.Purpose,
		"grondslag: " + f.Basis,
		"modus: " + ModeText(f.Mode),
		"toestemming: " + consentText(d, f),
		"verstrekker: " + side(f.Holder),
		"ontvanger: " + side(f.Recipient),
		"categorieën: " + joinMapped(f.Categories, cat),
	}
	if len(f.Never) > 0 {
		out = append(out, "nooit: "+joinMapped(f.Never, cat))
	}
	out = append(out, "voorwaarden: "+Conditions(f.Requires), "leeftijd: "+ages(f.MinAge, f.MaxAge))
	out = append(out, "verplichtingen: "+orGeen(f.Obligations), "bewaartermijn: "+days(f.RetentionDays))
	return out
}

// flowChanges lists what differs between two versions of a flow.
func flowChanges(da, db *policy.Data, x, y policy.Flow, ca, cb func(string) string) []string {
	var out []string
	out = append(out, changed("titel", x.Title, y.Title)...)
	out = append(out, changed("doel", x.Purpose, y.Purpose)...)
	out = append(out, changed("grondslag", x.Basis, y.Basis)...)
	out = append(out, changed("modus", ModeText(x.Mode), ModeText(y.Mode))...)
	out = append(out, changed("toestemming", regime(x.Consent), regime(y.Consent))...)
	if own := ownConsent(x) + " → " + ownConsent(y); ownConsent(x) != ownConsent(y) {
		out = append(out, "eigen toestemmingsinstelling van de stroom: "+own)
	}
	out = append(out, consentChanges(da, db, x, y)...)
	out = append(out, listChange("organisatietypen verstrekker", x.Holder.OrgTypes, y.Holder.OrgTypes, nil, nil)...)
	out = append(out, roleChange("rollen verstrekker", x.Holder.Roles, y.Holder.Roles)...)
	out = append(out, listChange("organisatietypen ontvanger", x.Recipient.OrgTypes, y.Recipient.OrgTypes, nil, nil)...)
	out = append(out, roleChange("rollen ontvanger", x.Recipient.Roles, y.Recipient.Roles)...)
	out = append(out, listChange("categorieën", x.Categories, y.Categories, ca, cb)...)
	out = append(out, listChange("nooit te verstrekken", x.Never, y.Never, ca, cb)...)
	out = append(out, changed("voorwaarden", Conditions(x.Requires), Conditions(y.Requires))...)
	out = append(out, changed("leeftijd", ages(x.MinAge, x.MaxAge), ages(y.MinAge, y.MaxAge))...)
	out = append(out, listChange("verplichtingen", x.Obligations, y.Obligations, nil, nil)...)
	out = append(out, listChange("verplichtingen als de verstrekker een school is", x.HolderSchoolObligations, y.HolderSchoolObligations, nil, nil)...)
	out = append(out, changed("aangewezen gemeente telt mee", onOff(x.DesignatedGemeente), onOff(y.DesignatedGemeente))...)
	out = append(out, changed("soort verslag bij inzage", x.InzageClass, y.InzageClass)...)
	out = append(out, changed("vraag", orDash(x.Query), orDash(y.Query))...)
	if x.RetentionDays != y.RetentionDays {
		out = append(out, fmt.Sprintf("bewaartermijn: %d → %d dagen", x.RetentionDays, y.RetentionDays))
	}
	return out
}

// roleChange is listChange for a role list, where empty means every role.
func roleChange(label string, x, y []string) []string {
	switch {
	case len(x) == 0 && len(y) > 0:
		return []string{fmt.Sprintf("%s: was elke rol, wordt alleen: %s", label, strings.Join(y, ", "))}
	case len(x) > 0 && len(y) == 0:
		return []string{fmt.Sprintf("%s: was alleen %s, wordt elke rol", label, strings.Join(x, ", "))}
	}
	return listChange(label, x, y, nil, nil)
}

// listChange says which items were added to and removed from a list.
func listChange(label string, x, y []string, ca, cb func(string) string) []string {
	id := func(s string) string { return s }
	if ca == nil {
		ca, cb = id, id
	}
	var added, removed []string
	for _, v := range y {
		if !slices.Contains(x, v) {
			added = append(added, cb(v))
		}
	}
	for _, v := range x {
		if !slices.Contains(y, v) {
			removed = append(removed, ca(v))
		}
	}
	var parts []string
	if len(added) > 0 {
		parts = append(parts, "toegevoegd: "+strings.Join(added, ", "))
	}
	if len(removed) > 0 {
		parts = append(parts, "verwijderd: "+strings.Join(removed, ", "))
	}
	if len(parts) == 0 {
		return nil
	}
	return []string{label + ": " + strings.Join(parts, "; ")}
}

func changed(label, x, y string) []string {
	if x == y {
		return nil
	}
	return []string{fmt.Sprintf("%s: %s → %s", label, orDash(x), orDash(y))}
}

// diffItems reports added, removed and changed entries of an id list.
func diffItems[T any](sec *section, xs, ys []T, id func(T) string, describe func(T) string, changes func(x, y T) []string) {
	old := map[string]T{}
	for _, x := range xs {
		old[id(x)] = x
	}
	seen := map[string]bool{}
	for _, y := range ys {
		seen[id(y)] = true
		x, ok := old[id(y)]
		if !ok {
			sec.add("+ %s toegevoegd: %s", id(y), describe(y))
			continue
		}
		if c := changes(x, y); len(c) > 0 {
			sec.add("~ %s: %s", id(y), strings.Join(c, "; "))
		}
	}
	for _, x := range xs {
		if !seen[id(x)] {
			sec.add("- %s verwijderd (was: %s)", id(x), describe(x))
		}
	}
}

func side(s policy.Side) string {
	orgs := strings.Join(s.OrgTypes, ", ")
	if slices.Equal(s.OrgTypes, []string{"any"}) {
		orgs = "elk organisatietype"
	}
	if len(s.Roles) == 0 {
		return orgs + " (elke rol)"
	}
	return orgs + " (rollen: " + strings.Join(s.Roles, ", ") + ")"
}

// ownConsent describes the consent settings a flow sets itself.
func ownConsent(f policy.Flow) string {
	var out []string
	if f.ParentsRequired != nil {
		out = append(out, fmt.Sprintf("aantal ouders %d", *f.ParentsRequired))
	}
	if f.AttestedConsent != nil {
		out = append(out, "verklaarde toestemming "+attested(*f.AttestedConsent))
	}
	if f.ConsentByAge != nil {
		out = append(out, "eigen leeftijdsgrenzen: "+bands(f.ConsentByAge))
	}
	if len(out) == 0 {
		return "geen (volgt het regime)"
	}
	return strings.Join(out, ", ")
}

func regime(c string) string {
	if c == "none" || c == "" {
		return "geen toestemming nodig"
	}
	return "regime " + c
}

// Conditions describes in Dutch what a flow requires beyond its consent
// ("geen" for nothing), as `schakel policy diff` and the console's Regels
// page show it.
func Conditions(r policy.Requirements) string {
	var out []string
	if r.Relation {
		out = append(out, "hulprelatie vereist")
	}
	if r.Justification {
		out = append(out, "onderbouwing vereist")
	}
	if r.Enrolment {
		out = append(out, "inschrijving bij ontvanger vereist")
	}
	if r.Inzage {
		out = append(out, "inzage door ouders vereist")
	}
	if r.Beroepsgeheim {
		out = append(out, "beroepsgeheim verstrekker vereist")
	}
	if r.Residence {
		out = append(out, "woonplaats: de gemeente is de woongemeente van het kind")
	}
	if r.CaseReference {
		out = append(out, "zaak- of maatregelnummer vereist")
	}
	if r.OwnPupil {
		out = append(out, "eigen leerling (het kind staat bij de verstrekker ingeschreven)")
	}
	if r.VerzuimMelding {
		out = append(out, "alleen met een verzuimmelding")
	}
	if r.Case {
		out = append(out, "alleen in een geopende casus met teamtoestemming")
	}
	if len(out) == 0 {
		return "geen"
	}
	return strings.Join(out, ", ")
}

func ages(lo int, hi *int) string {
	switch {
	case hi == nil && lo == 0:
		return "alle leeftijden"
	case hi == nil:
		return fmt.Sprintf("vanaf %d jaar", lo)
	}
	return fmt.Sprintf("%d t/m %d jaar", lo, *hi)
}

// regimeText describes a regime: its age bands and its own settings.
func regimeText(r policy.Regime) string {
	out := bands(r.ByAge)
	if r.ParentsRequired != nil {
		out += fmt.Sprintf("; aantal ouders: %d", *r.ParentsRequired)
	}
	if r.AttestedConsent != nil {
		out += "; verklaarde toestemming: " + attested(*r.AttestedConsent)
	}
	if r.InformOtherParent != nil {
		out += "; andere ouder informeren: " + onOff(r.InformOtherParent)
	}
	return out
}

// consentReach lists the flows for which one aspect of the consent
// settings in force (under any regime they can decide under) differs
// between the two packs.
func consentReach(da, db *policy.Data, aspect func(policy.ConsentSettings) string) []string {
	var ids []string
	for _, f := range db.Flows {
		for _, g := range da.Flows {
			if g.ID == f.ID && aspectText(da, g, aspect) != aspectText(db, f, aspect) {
				ids = append(ids, f.ID)
			}
		}
	}
	return ids
}

func aspectText(d *policy.Data, f policy.Flow, aspect func(policy.ConsentSettings) string) string {
	var out []string
	for _, r := range d.FlowRegimes(f) {
		if cs, ok := d.ConsentSettings(f, r); ok {
			out = append(out, r+": "+aspect(cs))
		}
	}
	return strings.Join(out, "; ")
}

func bandsOf(c policy.ConsentSettings) string { return bands(c.ByAge) }

func parentsOf(c policy.ConsentSettings) string {
	if c.ParentsRequired == 2 {
		return "beide ouders"
	}
	return "één ouder"
}

func attestedOf(c policy.ConsentSettings) string { return attested(c.AttestedConsent) }

// consentChanges lists, per regime a flow decides under, what changes in
// the consent settings in force (both versions need consent).
func consentChanges(da, db *policy.Data, x, y policy.Flow) []string {
	if x.Consent == "none" || y.Consent == "none" {
		return nil
	}
	var out []string
	for _, r := range db.FlowRegimes(y) {
		cy, ok := db.ConsentSettings(y, r)
		cx, okx := da.ConsentSettings(x, r)
		if !ok || !okx {
			continue
		}
		where := ""
		if r != y.Consent {
			where = " (bij zorgpartij of bijzondere gegevens, regime " + r + ")"
		}
		if a, b := bandsOf(cx), bandsOf(cy); a != b {
			out = append(out, fmt.Sprintf("wiens toestemming telt%s: %s → %s", where, a, b))
		}
		if a, b := parentsOf(cx), parentsOf(cy); a != b {
			out = append(out, fmt.Sprintf("toestemming van%s: %s → %s", where, a, b))
		}
		if a, b := attestedOf(cx), attestedOf(cy); a != b {
			out = append(out, fmt.Sprintf("toestemming die de ontvanger verklaart%s: %s → %s", where, a, b))
		}
	}
	return out
}

// consentText describes the consent settings in force for a flow, in
// Dutch: per regime it can decide under, whose consent counts by age, how
// many parents and whether an attested consent counts.
func consentText(d *policy.Data, f policy.Flow) string {
	if f.Consent == "none" {
		return "geen toestemming nodig"
	}
	var parts []string
	for i, r := range d.FlowRegimes(f) {
		cs, ok := d.ConsentSettings(f, r)
		if !ok {
			continue
		}
		label := "regime " + r
		if i > 0 {
			label = "bij zorgpartij of bijzondere gegevens regime " + r
		}
		parents := "één ouder"
		if cs.ParentsRequired == 2 {
			parents = "beide ouders"
		}
		parts = append(parts, fmt.Sprintf("%s (%s; %s; verklaarde toestemming %s)", label, bands(cs.ByAge), parents, attested(cs.AttestedConsent)))
	}
	return strings.Join(parts, "; ")
}

// onOff says whether an optional switch is on ("aan"), nil being off.
func onOff(b *bool) string {
	if b != nil && *b {
		return "aan"
	}
	return "uit"
}

func attested(b bool) string {
	if b {
		return "telt"
	}
	return "telt niet"
}

// ModeText describes in Dutch who may start a flow of mode m.
func ModeText(m string) string {
	switch m {
	case policy.ModeRequest:
		return "alleen op vraag van de ontvanger"
	case policy.ModeNotification:
		return "alleen als melding van de verstrekker"
	case "both":
		return "vraag of melding"
	}
	return orDash(m)
}

func bands(bs []policy.AgeBand) string {
	var out []string
	for _, b := range bs {
		out = append(out, ages(b.MinAge, b.MaxAge)+": "+strings.Join(b.Givers, " en "))
	}
	return strings.Join(out, "; ")
}

func secrecy(b bool) string {
	if b {
		return "met beroepsgeheim"
	}
	return "zonder beroepsgeheim"
}

func days(n int) string {
	if n == 0 {
		return "niet opgegeven"
	}
	return strconv.Itoa(n) + " dagen"
}

func orGeen(s []string) string {
	if len(s) == 0 {
		return "geen"
	}
	return strings.Join(s, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func joinMapped(s []string, f func(string) string) string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = f(v)
	}
	return strings.Join(out, ", ")
}

func joinDutch(s []string) string {
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " en " + s[len(s)-1]
}

func sortedKeys[V any](a, b map[string]V) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range []map[string]V{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}
