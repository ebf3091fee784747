package policy

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The fast path: the release decision and the precheck of decision.rego,
// computed in Go from the same derived data the Rego reads (Pack.opaData).
//
// The Rego stays the one place the rules are written, read and tested:
// `schakel policy test`, `explain` and `diff` run it. The fast path is only
// a way to evaluate it quickly, and an engine uses it only after checking,
// when the pack is loaded, that it answers exactly as the Rego does on the
// engine's sample inputs and on random inputs drawn from the pack's own
// vocabulary (verifyFast). A pack where the two differ, or whose data has a
// shape the fast path does not know, is decided by the Rego alone, and
// Engine.FastPath says so. Where an input is outside what the fast path
// mirrors (an ambiguity the Rego would answer with an evaluation error), it
// declines and the Rego decides.

// fastData is the part of the derived data the release decision reads, as
// Pack.opaData builds it ("schakel policy data" prints it).
type fastData struct {
	Purposes   map[string]json.RawMessage `json:"purposes"`
	OrgTypes   map[string]fastOrgType     `json:"org_types"`
	Roles      map[string]fastRole        `json:"roles"`
	Categories map[string]fastCategory    `json:"categories"`
	Consent    struct {
		StrictRegime       string `json:"strict_regime"`
		AttestedNoticeDays int64  `json:"attested_notice_days"`
	} `json:"consent"`
	Messages              map[string]string                       `json:"messages"`
	Flows                 map[string]*fastFlow                    `json:"flows"`
	Routes                map[string]map[string]map[string]string `json:"routes"`
	DefaultRetentionDays  int                                     `json:"default_retention_days"`
	VerzuimThresholdHours float64                                 `json:"verzuim_threshold_hours"`
}

type fastOrgType struct {
	Care      bool `json:"care"`
	Residence bool `json:"residence"`
	School    bool `json:"school"`
	Roll      bool `json:"roll"`
}

type fastRole struct {
	Beroepsgeheim bool `json:"beroepsgeheim"`
}

type fastCategory struct {
	Special bool `json:"special"`
}

type fastSide struct {
	Accepts map[string]bool `json:"accepts"`
}

type fastFlow struct {
	ID                      string                   `json:"id"`
	Basis                   string                   `json:"basis"`
	Consent                 string                   `json:"consent"`
	Query                   string                   `json:"query"`
	Modes                   map[string]bool          `json:"modes"`
	Holder                  fastSide                 `json:"holder"`
	Recipient               fastSide                 `json:"recipient"`
	Allowed                 map[string]bool          `json:"allowed"`
	Requires                map[string]bool          `json:"requires"`
	DesignatedGemeente      bool                     `json:"designated_gemeente"`
	HolderSchoolObligations []string                 `json:"holder_school_obligations"`
	RequestChecks           []string                 `json:"request_checks"`
	SubjectChecks           []string                 `json:"subject_checks"`
	Residence               bool                     `json:"residence"`
	ConsentSettings         map[string]*fastSettings `json:"consent_settings"`
	MinAge                  int                      `json:"min_age"`
	AgeTo                   int                      `json:"age_to"`
	Obligations             []string                 `json:"obligations"`
	RetentionDays           int                      `json:"retention_days"`
}

type fastSettings struct {
	ByAge []struct {
		MinAge int      `json:"min_age"`
		AgeTo  int      `json:"age_to"`
		Givers []string `json:"givers"`
	} `json:"by_age"`
	ParentsRequired   int  `json:"parents_required"`
	AttestedConsent   bool `json:"attested_consent"`
	InformOtherParent bool `json:"inform_other_parent"`
}

// fastPath decides releases and prechecks from fastData.
type fastPath struct {
	d        fastData
	noticeNS int64
}

// newFastPath reads the derived data; an error means the data has a shape
// the fast path does not know (the engine then decides with the Rego only).
func newFastPath(opaData map[string]any) (*fastPath, error) {
	raw, err := json.Marshal(opaData["schakel"].(map[string]any)["rules"])
	if err != nil {
		return nil, err
	}
	var d fastData
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("fast path: the pack's data: %v", err)
	}
	for id, f := range d.Flows {
		if f == nil || f.ID != id {
			return nil, fmt.Errorf("fast path: flow %q has no id", id)
		}
		for _, c := range slices.Concat(f.RequestChecks, f.SubjectChecks) {
			if _, ok := codeRank[c]; !ok {
				return nil, fmt.Errorf("fast path: flow %s checks %q", id, c)
			}
		}
		for _, s := range f.ConsentSettings {
			for _, b := range s.ByAge {
				for _, g := range b.Givers {
					if g != "ouder" && g != "jeugdige" {
						return nil, fmt.Errorf("fast path: flow %s names giver %q", id, g)
					}
				}
			}
		}
	}
	return &fastPath{d: d, noticeNS: d.Consent.AttestedNoticeDays * 86400 * int64(time.Second)}, nil
}

// codeRank is the order of POLICY-CONTRACT.md's reason codes (decision.rego
// code_rank); verifyFast compares every decision, order included.
var codeRank = func() map[string]int {
	m := make(map[string]int, len(ReasonCodes))
	for i, c := range ReasonCodes {
		m[c] = i + 1
	}
	return m
}()

// problem is a blocking finding: a code and its message argument (none,
// one string, or a list for the message's several %s).
type problem struct {
	code string
	arg  string
	args []string // non-nil: a list argument
}

// less orders problems as OPA sorts [code, arg] pairs within one code: a
// string argument before a list, strings by bytes, lists element-wise.
func (p problem) less(q problem) bool {
	if p.code != q.code {
		return p.code < q.code
	}
	if (p.args == nil) != (q.args == nil) {
		return p.args == nil
	}
	if p.args == nil {
		return p.arg < q.arg
	}
	return slices.Compare(p.args, q.args) < 0
}

func (p problem) same(q problem) bool {
	return p.code == q.code && p.arg == q.arg && slices.Equal(p.args, q.args)
}

// fastConsent is a counted consent with the categories it covers here.
type fastConsent struct {
	c        *Consent
	cats     []string
	awaiting bool
}

// decide is decision.rego's decision (precheck false) or precheck (true)
// for in, normalised as Input.value normalises it. ok is false when the
// fast path declines: the Rego must decide.
func (fp *fastPath) decide(in *Input, precheck bool) (d Decision, ok bool) {
	d = Decision{Categories: []string{}, Withheld: []Withheld{}, Reasons: []Reason{}, Obligations: []string{}, ConsentsUsed: []string{}}
	cfg := &fp.d
	mode := cmp.Or(in.Mode, ModeRequest)
	now := in.Now.UnixNano()

	// Flow selection.
	var flow *fastFlow
	if route, found := cfg.Routes[in.Purpose][in.Holder.OrgType][in.Recipient.OrgType]; found {
		if f := cfg.Flows[route]; f != nil && f.Query == QueryRelease && (in.Flow == "" || in.Flow == route) {
			flow = f
		}
	}

	var reqProblems []problem
	_, knownPurpose := cfg.Purposes[in.Purpose]
	if !knownPurpose {
		reqProblems = append(reqProblems, problem{code: "UNKNOWN_PURPOSE", arg: in.Purpose})
	} else if flow == nil {
		reqProblems = append(reqProblems, problem{code: "NO_MATCHING_FLOW"})
	}

	var recipientMember *Member
	caseOpen := false
	if flow != nil {
		if !flow.Modes[mode] {
			reqProblems = append(reqProblems, problem{code: "MODE_NOT_ALLOWED"})
		}
		if !flow.Holder.Accepts[in.Holder.Role] {
			reqProblems = append(reqProblems, problem{code: "ROLE_NOT_ALLOWED", args: []string{roleLabel(in.Holder.Role), "verstrekker"}})
		}
		if !flow.Recipient.Accepts[in.Recipient.Role] {
			reqProblems = append(reqProblems, problem{code: "ROLE_NOT_ALLOWED", args: []string{roleLabel(in.Recipient.Role), "ontvanger"}})
		}
		for _, c := range flow.RequestChecks {
			if !fp.holds(c, in) {
				reqProblems = append(reqProblems, problem{code: c})
			}
		}
		if flow.Requires["case"] {
			if in.Case == nil {
				reqProblems = append(reqProblems, problem{code: "CASE_NOT_OPEN"})
			} else {
				caseOpen = in.Case.OpenedAt.UnixNano() <= now && !(in.Case.ClosedAt != nil && in.Case.ClosedAt.UnixNano() <= now)
				if !caseOpen {
					reqProblems = append(reqProblems, problem{code: "CASE_NOT_OPEN"})
				} else {
					holderMember := false
					var matches int
					for i := range in.Case.Members {
						m := &in.Case.Members[i]
						if !memberCurrent(m, now) {
							continue
						}
						if m.OIN == in.Holder.OIN && (in.Holder.Role == "" || in.Holder.Role == m.Role) {
							holderMember = true
						}
						if m.OIN == in.Recipient.OIN && m.Role == in.Recipient.Role {
							if matches > 0 && *recipientMember != *m {
								return Decision{}, false // the Rego's recipient_member conflicts
							}
							matches++
							recipientMember = m
						}
					}
					if !holderMember {
						reqProblems = append(reqProblems, problem{code: "NOT_A_MEMBER", arg: "verstrekker"})
					}
					if recipientMember == nil {
						reqProblems = append(reqProblems, problem{code: "NOT_A_MEMBER", arg: "ontvanger"})
					}
				}
			}
		}
	}
	requested := uniqueSorted(in.Categories)
	if flow != nil {
		d.Flow, d.Basis = &flow.ID, &flow.Basis
		d.RetentionDays = flow.RetentionDays
	} else {
		d.RetentionDays = cfg.DefaultRetentionDays
	}

	if precheck {
		if len(reqProblems) == 0 {
			d.Allow = true
			return d, true
		}
		reasons, ok := fp.ordered(reqProblems)
		if !ok {
			return Decision{}, false
		}
		first := firstCode(reqProblems)
		for _, c := range requested {
			d.Withheld = append(d.Withheld, Withheld{Category: c, Code: first})
		}
		d.Reasons = reasons
		return d, true
	}

	// The checks on the child, the consents and the categories.
	var subjProblems []problem
	var givers []string
	var settings *fastSettings
	needed := map[string]int{}
	var relevant, live []fastConsent
	if flow != nil {
		for _, c := range flow.SubjectChecks {
			if !fp.holds(c, in) {
				subjProblems = append(subjProblems, problem{code: c})
			}
		}
		if flow.Residence {
			for _, side := range []string{"holder", "recipient"} {
				p, other := &in.Holder, &in.Recipient
				if side == "recipient" {
					p, other = other, p
				}
				if cfg.OrgTypes[p.OrgType].Residence && !fp.resident(flow, p, other, in) {
					subjProblems = append(subjProblems, problem{code: "NOT_RESIDENT"})
					break
				}
			}
		}
		if flow.Requires["own_pupil"] && cfg.OrgTypes[in.Holder.OrgType].Roll && !in.Subject.EnrolledAtHolder {
			subjProblems = append(subjProblems, problem{code: "NOT_ENROLLED_AT_HOLDER"})
		}
		if flow.Requires["verzuim_melding"] {
			if mode == ModeNotification && in.Subject.UnauthorisedAbsenceHours4w < cfg.VerzuimThresholdHours && len(in.Subject.OpenVerzuimMeldingen) == 0 {
				subjProblems = append(subjProblems, problem{code: "VERZUIM_THRESHOLD_NOT_MET"})
			}
			if mode == ModeRequest && !slices.Contains(in.Subject.OpenVerzuimMeldingen, in.CaseReference) {
				subjProblems = append(subjProblems, problem{code: "VERZUIM_MELDING_REQUIRED"})
			}
		}
		if in.Subject.Age < flow.MinAge || in.Subject.Age > flow.AgeTo {
			subjProblems = append(subjProblems, problem{code: "AGE_OUT_OF_SCOPE"})
		}

		// Consent.
		regime := flow.Consent
		if flow.Consent != "none" && fp.stricter(flow, in) {
			regime = cfg.Consent.StrictRegime
		}
		settings = flow.ConsentSettings[regime]
		if settings != nil {
			for _, b := range settings.ByAge {
				if b.MinAge <= in.Subject.Age && in.Subject.Age <= b.AgeTo {
					givers = b.Givers
					break
				}
			}
			needed["ouder"] = min(settings.ParentsRequired, in.Subject.gezag())
			needed["jeugdige"] = 1
		}
		for i := range in.Consents {
			c := &in.Consents[i]
			if c.Purpose != in.Purpose {
				continue
			}
			heldBy := cmp.Or(c.HeldBy, HeldByHolder)
			awaiting := heldBy == HeldByRecipient && !(c.AnnouncedAt != nil && c.AnnouncedAt.UnixNano()+fp.noticeNS <= now)
			switch {
			case !flow.Requires["case"] && heldBy == HeldByHolder && c.RecipientOIN == in.Recipient.OIN && (c.HolderOIN == "" || c.HolderOIN == in.Holder.OIN):
				relevant = append(relevant, fastConsent{c: c, cats: c.Categories, awaiting: awaiting})
			case !flow.Requires["case"] && heldBy == HeldByRecipient && settings != nil && settings.AttestedConsent && mode == ModeRequest &&
				c.RecipientOIN == in.Recipient.OIN && c.HolderOIN == in.Holder.OIN:
				relevant = append(relevant, fastConsent{c: c, cats: c.Categories, awaiting: awaiting})
			case flow.Requires["case"] && heldBy == HeldByCase && in.Case != nil && c.CaseID == in.Case.ID && caseOpen && recipientMember != nil:
				for _, g := range c.Grants {
					if g.Member == recipientMember.ID {
						relevant = append(relevant, fastConsent{c: c, cats: g.Categories, awaiting: awaiting})
					}
				}
			}
		}
		for _, c := range relevant {
			if c.c.GivenAt.UnixNano() <= now && !consentWithdrawn(c.c, now) && !consentExpired(c.c, now) {
				live = append(live, c)
			}
		}
		for _, g := range givers {
			found := persons(live, func(c fastConsent) bool { return c.c.GivenBy == g })
			if found >= needed[g] {
				continue
			}
			code := "CONSENT_MISSING"
			for _, c := range relevant {
				if c.c.GivenBy == g && consentExpired(c.c, now) {
					code = "CONSENT_EXPIRED"
				}
			}
			for _, c := range relevant {
				if c.c.GivenBy == g && consentWithdrawn(c.c, now) {
					code = "CONSENT_WITHDRAWN"
				}
			}
			label := g
			if needed[g] > 1 {
				label = "tweede ouder"
				if found == 0 {
					label = "ouders"
				}
			}
			subjProblems = append(subjProblems, problem{code: code, arg: label})
		}
	}

	problems := reqProblems
	if len(reqProblems) == 0 {
		problems = subjProblems
	}
	problems = dedupe(problems)
	blocked := len(problems) > 0

	consented := func(cat string, cs []fastConsent, skipAwaiting bool) bool {
		for _, g := range givers {
			n := persons(cs, func(c fastConsent) bool {
				return c.c.GivenBy == g && !(skipAwaiting && c.awaiting) && slices.Contains(c.cats, cat)
			})
			if n < needed[g] {
				return false
			}
		}
		return true
	}
	pending := map[string]bool{}
	released := []string{}
	if flow != nil {
		for _, cat := range requested {
			if !flow.Allowed[cat] || !consented(cat, live, false) {
				continue
			}
			if cfg.Categories[cat].Special && !consented(cat, live, true) {
				pending[cat] = true
				continue
			}
			if !blocked {
				released = append(released, cat)
			}
		}
	}
	first := ""
	if blocked {
		first = firstCode(problems)
	}
	for _, cat := range requested {
		if slices.Contains(released, cat) {
			continue
		}
		code := "CATEGORY_NOT_CONSENTED"
		switch {
		case flow == nil:
			code = first
		case !flow.Allowed[cat]:
			code = "CATEGORY_NOT_IN_FLOW"
		case blocked:
			code = first
		case pending[cat]:
			code = "ATTESTED_CONSENT_PENDING"
		}
		d.Withheld = append(d.Withheld, Withheld{Category: cat, Code: code})
	}
	d.Allow = !blocked && len(released) > 0
	d.Categories = released

	if !d.Allow {
		findings := problems
		if !blocked {
			findings = nil
			if len(requested) == 0 {
				findings = []problem{{code: "CATEGORY_NOT_IN_FLOW", arg: "(geen)"}}
			}
			var codes []string
			for _, w := range d.Withheld {
				if !slices.Contains(codes, w.Code) {
					codes = append(codes, w.Code)
				}
			}
			for _, code := range codes {
				var cats []string
				for _, w := range d.Withheld {
					if w.Code == code {
						cats = append(cats, w.Category)
					}
				}
				findings = append(findings, problem{code: code, arg: strings.Join(cats, ", ")})
			}
		}
		reasons, ok := fp.ordered(findings)
		if !ok {
			return Decision{}, false
		}
		d.Reasons = reasons
	}

	// Obligations.
	var obligations []string
	for _, w := range d.Withheld {
		if w.Code != "ATTESTED_CONSENT_PENDING" {
			continue
		}
		for _, c := range live {
			if c.awaiting && c.c.AnnouncedAt == nil && slices.Contains(c.cats, w.Category) {
				obligations = append(obligations, "inform_before_release")
			}
		}
	}
	if d.Allow {
		obligations = append(obligations, flow.Obligations...)
		if cfg.OrgTypes[in.Holder.OrgType].School {
			obligations = append(obligations, flow.HolderSchoolObligations...)
		}
		if settings != nil && settings.InformOtherParent && slices.Contains(givers, "ouder") &&
			persons(live, func(c fastConsent) bool { return c.c.GivenBy == "ouder" }) < in.Subject.gezag() {
			obligations = append(obligations, "inform_other_parent")
		}
		var used []string
		for _, c := range live {
			if !slices.Contains(givers, c.c.GivenBy) {
				continue
			}
			for _, cat := range c.cats {
				if slices.Contains(released, cat) {
					used = append(used, c.c.ID)
					break
				}
			}
		}
		d.ConsentsUsed = uniqueSorted(used)
	}
	d.Obligations = uniqueSorted(obligations)
	return d, true
}

// holds is decision.rego's holds[code] for a flow's request or subject check.
func (fp *fastPath) holds(code string, in *Input) bool {
	switch code {
	case "RELATION_REQUIRED":
		return in.Recipient.Relation
	case "JUSTIFICATION_REQUIRED":
		return strings.TrimSpace(in.Justification) != ""
	case "CASE_REFERENCE_REQUIRED":
		return strings.TrimSpace(in.CaseReference) != ""
	case "NOT_ENROLLED":
		return in.Subject.EnrolledAtRecipient
	case "INZAGE_REQUIRED":
		return in.Subject.ParentsHadInzage
	case "BEROEPSGEHEIM_REQUIRED":
		return fp.d.Roles[in.Holder.Role].Beroepsgeheim
	}
	return false
}

// resident is decision.rego's resident(side) for party p, other the other side.
func (fp *fastPath) resident(flow *fastFlow, p, other *Party, in *Input) bool {
	if p.Gemeente != "" && p.Gemeente == in.Subject.Gemeente {
		return true
	}
	return flow.DesignatedGemeente && p.Gemeente != "" && fp.d.OrgTypes[other.OrgType].School && other.DesignatedGemeente == p.Gemeente
}

// stricter: either side is a care party, or a requested category on the
// flow's allow-list is special.
func (fp *fastPath) stricter(flow *fastFlow, in *Input) bool {
	if fp.d.OrgTypes[in.Holder.OrgType].Care || fp.d.OrgTypes[in.Recipient.OrgType].Care {
		return true
	}
	for _, c := range in.Categories {
		if flow.Allowed[c] && fp.d.Categories[c].Special {
			return true
		}
	}
	return false
}

// ordered is decision.rego's ordered: the reasons in the contract's order of
// codes, within a code in OPA's order of the pairs, with their messages.
// ok is false when a code has no message (the Rego would drop the reason).
func (fp *fastPath) ordered(ps []problem) ([]Reason, bool) {
	ps = slices.Clone(ps)
	slices.SortFunc(ps, func(a, b problem) int {
		if ra, rb := codeRank[a.code], codeRank[b.code]; ra != rb {
			return ra - rb
		}
		if a.less(b) {
			return -1
		}
		if b.less(a) {
			return 1
		}
		return 0
	})
	ps = dedupe(ps)
	out := make([]Reason, 0, len(ps))
	for _, p := range ps {
		msg, found := fp.d.Messages[p.code]
		if !found {
			return nil, false
		}
		switch {
		case p.args != nil:
			args := make([]any, len(p.args))
			for i, a := range p.args {
				args[i] = a
			}
			msg = fmt.Sprintf(msg, args...)
		case p.arg != "":
			msg = fmt.Sprintf(msg, p.arg)
		}
		out = append(out, Reason{Code: p.code, Message: msg})
	}
	return out, true
}

func firstCode(ps []problem) string {
	first := ps[0].code
	for _, p := range ps[1:] {
		if codeRank[p.code] < codeRank[first] {
			first = p.code
		}
	}
	return first
}

func dedupe(ps []problem) []problem {
	var out []problem
	for _, p := range ps {
		if !slices.ContainsFunc(out, p.same) {
			out = append(out, p)
		}
	}
	return out
}

func roleLabel(r string) string {
	if r == "" {
		return "(geen rol)"
	}
	return fmt.Sprintf("%q", r)
}

func memberCurrent(m *Member, now int64) bool {
	if m.From.UnixNano() > now {
		return false
	}
	if m.Until == nil {
		return m.Ring != RingGast
	}
	return m.Until.UnixNano() > now
}

func consentWithdrawn(c *Consent, now int64) bool {
	return c.WithdrawnAt != nil && c.WithdrawnAt.UnixNano() <= now
}

func consentExpired(c *Consent, now int64) bool {
	return c.ValidUntil != nil && c.ValidUntil.UnixNano() <= now
}

// persons is decision.rego's persons: consents with the same or an empty
// giver are one person.
func persons(cs []fastConsent, keep func(fastConsent) bool) int {
	var givers []string
	n := 0
	for _, c := range cs {
		if !keep(c) {
			continue
		}
		n++
		if c.c.Giver != "" && !slices.Contains(givers, c.c.Giver) {
			givers = append(givers, c.c.Giver)
		}
	}
	return max(len(givers), min(1, n))
}

func uniqueSorted(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []string{}
	}
	return out
}
