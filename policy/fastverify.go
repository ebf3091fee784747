package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing/fstest"
	"time"
)

// FastPathSamples is how many random inputs an engine checks the fast path
// against the Rego with when a pack is loaded (besides the sample inputs and
// every release scenario of the pack), each as a decision and as a
// precheck.
const FastPathSamples = 400

// FastPathStatus says how an engine decides releases: with the fast path
// (checked against the Rego when the pack was loaded) or with the Rego
// alone, and why.
type FastPathStatus struct {
	Active  bool   `json:"active"`
	Checked int    `json:"checked"` // inputs on which fast path and Rego agreed
	Reason  string `json:"reason,omitempty"`
}

// Path names the evaluation path in a status line: "fast" or "rego".
func (s FastPathStatus) Path() string {
	if s.Active {
		return "fast"
	}
	return "rego"
}

// WithoutFastPath returns an engine of the same pack that decides every
// release with the Rego (for comparison, e.g. in `make bench`).
func (e *Engine) WithoutFastPath() *Engine {
	c := *e
	c.fast, c.fastStatus = nil, FastPathStatus{Reason: "switched off"}
	return &c
}

// FastPath reports which path the engine decides releases with.
func (e *Engine) FastPath() FastPathStatus { return e.fastStatus }

// fastChecks caches the outcome of verifyFast per pack revision: the check
// is deterministic for one pack's content, and a process (a test suite, a
// node reloading its pack) builds many engines of the same pack.
var fastChecks sync.Map // revision -> fastCheck

type fastCheck struct {
	fp     *fastPath
	status FastPathStatus
}

// setupFast decides whether e uses the fast path: only when it answers
// exactly as the pack's Rego on the sample inputs and FastPathSamples random
// inputs drawn from the pack's vocabulary, both as decision and precheck.
func (e *Engine) setupFast() {
	key := e.pack.revision
	if v, ok := fastChecks.Load(key); ok {
		c := v.(fastCheck)
		e.fast, e.fastStatus = c.fp, c.status
		return
	}
	fp, status := e.verifyFast(append(e.scenarioInputs(), randomInputs(&e.pack.data, FastPathSamples, 1)...))
	if !status.Active {
		fp = nil
	}
	fastChecks.Store(key, fastCheck{fp, status})
	e.fast, e.fastStatus = fp, status
}

// scenarioInputs are the release inputs of the pack's scenarios (the
// built-in ones and the pack's own testdata/scenarios), which the fast path
// must decide as the Rego does before it is used.
func (e *Engine) scenarioInputs() []Input {
	fsys := fstest.MapFS{}
	for name, b := range e.pack.files {
		fsys[name] = &fstest.MapFile{Data: b}
	}
	cases, _, err := PackScenarios(fsys)
	if err != nil {
		return nil
	}
	var out []Input
	for _, c := range cases {
		if q, _ := c.Input["query"].(string); q != "" && q != QueryRelease {
			continue
		}
		if in, err := caseInput(c.Input); err == nil {
			out = append(out, in)
		}
	}
	return out
}

// verifyFast compares the fast path with the Rego on the sample inputs and
// ins.
func (e *Engine) verifyFast(ins []Input) (*fastPath, FastPathStatus) {
	fp, err := newFastPath(e.pack.opaData)
	if err != nil {
		return nil, FastPathStatus{Reason: err.Error()}
	}
	return e.verifyWith(fp, ins)
}

// verifyWith compares fp with the Rego on the sample inputs and ins.
func (e *Engine) verifyWith(fp *fastPath, ins []Input) (*fastPath, FastPathStatus) {
	ctx := context.Background()
	checked := 0
	for i, in := range append(sampleInputs(), ins...) {
		for _, pre := range []bool{false, true} {
			q, name, rin := e.query, Query, in
			if pre {
				q, name = e.precheck, PrecheckQuery
				rin.Subject, rin.Consents = Subject{}, nil
			}
			want, err := e.eval(ctx, q, name, rin)
			got, ok := fp.decide(&rin, pre)
			if err != nil || !ok {
				// The Rego could not decide (or the fast path declines):
				// the fast path must decline too, and the Rego decides.
				if err == nil || ok {
					return nil, FastPathStatus{Checked: checked, Reason: fmt.Sprintf("input %d (%s): the Rego decides (%v) and the fast path declines (%v), or the other way round", i, name, err == nil, ok)}
				}
				continue
			}
			if !sameDecision(want, got) {
				wj, _ := json.Marshal(want)
				gj, _ := json.Marshal(got)
				ij, _ := json.Marshal(rin)
				return nil, FastPathStatus{Checked: checked, Reason: fmt.Sprintf("input %d (%s) decides differently: Rego %s, fast path %s; input %s", i, name, wj, gj, ij)}
			}
			checked++
		}
	}
	return fp, FastPathStatus{Active: true, Checked: checked}
}

// sameDecision compares two decisions as the contract's JSON (nil and empty
// lists alike).
func sameDecision(a, b Decision) bool {
	aj, err1 := json.Marshal(normalDecision(a))
	bj, err2 := json.Marshal(normalDecision(b))
	return err1 == nil && err2 == nil && string(aj) == string(bj)
}

func normalDecision(d Decision) Decision {
	d.DecisionID, d.PolicyRevision = "", ""
	nn := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	d.Categories, d.Obligations, d.ConsentsUsed = nn(d.Categories), nn(d.Obligations), nn(d.ConsentsUsed)
	if d.Withheld == nil {
		d.Withheld = []Withheld{}
	}
	if d.Reasons == nil {
		d.Reasons = []Reason{}
	}
	return d
}

// randomInputs draws n release inputs from the pack's vocabulary (seeded,
// so a pack is always checked on the same inputs): mostly requests that
// fit a flow, with every field also wrong now and then, so that every
// check, code, consent rule and obligation of the Rego is exercised.
func randomInputs(d *Data, n int, seed uint64) []Input {
	r := rand.New(rand.NewPCG(seed, 0x5c4a6e1)) //nolint:gosec // test inputs, the same every load; nothing secret
	pick := func(ss []string) string {
		if len(ss) == 0 {
			return ""
		}
		return ss[r.IntN(len(ss))]
	}
	chance := func(p float64) bool { return r.Float64() < p }
	var orgIDs, roleIDs, catIDs, purposeIDs, flowIDs []string
	for _, o := range d.OrgTypes {
		orgIDs = append(orgIDs, o.ID)
	}
	for _, x := range d.Roles {
		roleIDs = append(roleIDs, x.ID)
	}
	for _, c := range d.Categories {
		catIDs = append(catIDs, c.ID)
	}
	for _, p := range d.Purposes {
		purposeIDs = append(purposeIDs, p.ID)
	}
	for _, f := range d.Flows {
		flowIDs = append(flowIDs, f.ID)
	}
	side := func(s Side) (string, string) {
		ot := pick(s.OrgTypes)
		if ot == "any" || ot == "" || chance(0.08) {
			ot = pick(orgIDs)
		}
		role := pick(s.Roles)
		switch {
		case chance(0.1):
			role = ""
		case chance(0.1) || role == "":
			role = pick(append(roleIDs, "", "onbekende_rol"))
		}
		return ot, role
	}
	const holderOIN, recipientOIN, otherOIN = "00000001000000000001", "00000001000000000002", "00000001000000000009"
	gemeenten := []string{"", "GM0153", "GM0164"}
	base := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	at := func() *time.Time {
		t := base.Add(time.Duration(r.IntN(40*24)-20*24) * time.Hour)
		return &t
	}
	out := make([]Input, 0, n)
	for range n {
		f := d.Flows[r.IntN(len(d.Flows))]
		in := Input{Purpose: f.Purpose, Now: base}
		if chance(0.05) {
			in.Purpose = pick(append(purposeIDs, "nieuwsgierigheid"))
		}
		switch x := r.Float64(); {
		case x < 0.4:
			in.Flow = f.ID
		case x < 0.45:
			in.Flow = pick(flowIDs)
		}
		in.Mode = pick(Modes)
		in.Holder.OrgType, in.Holder.Role = side(f.Holder)
		in.Recipient.OrgType, in.Recipient.Role = side(f.Recipient)
		in.Holder.OIN, in.Recipient.OIN = holderOIN, recipientOIN
		in.Holder.Gemeente, in.Recipient.Gemeente = pick(gemeenten), pick(gemeenten)
		in.Holder.DesignatedGemeente, in.Recipient.DesignatedGemeente = pick(gemeenten), pick(gemeenten)
		in.Recipient.Relation = chance(0.8)
		in.Justification = pick([]string{"", " ", "afweging gemaakt"})
		in.CaseReference = pick([]string{"", " ", "M-1", "M-2", "maatregel 7"})
		in.Subject = Subject{Age: r.IntN(26), EnrolledAtHolder: chance(0.85), EnrolledAtRecipient: chance(0.7),
			ParentsHadInzage: chance(0.7), Gemeente: pick(gemeenten), ParentsWithGezag: r.IntN(3),
			UnauthorisedAbsenceHours4w: []float64{0, 8.5, 16, 20}[r.IntN(4)]}
		if chance(0.4) {
			in.Subject.OpenVerzuimMeldingen = []string{pick([]string{"M-1", "M-2"})}
		}
		for range r.IntN(4) {
			c := pick(f.Categories)
			if chance(0.2) {
				c = pick(append(catIDs, "onbekend"))
			}
			in.Categories = append(in.Categories, c)
		}
		var members []Member
		if f.Requires.Case && chance(0.9) {
			c := &Case{ID: "case-1", Purpose: f.Purpose, OpenedBy: holderOIN, OpenedAt: *at(), Regiehouder: "m-1"}
			if chance(0.2) {
				c.ClosedAt = at()
			}
			for i, m := range []struct{ oin, ot, role string }{
				{holderOIN, in.Holder.OrgType, in.Holder.Role}, {recipientOIN, in.Recipient.OrgType, in.Recipient.Role}, {otherOIN, pick(orgIDs), pick(roleIDs)},
			} {
				if chance(0.1) {
					continue
				}
				mem := Member{ID: fmt.Sprintf("m-%d", i+1), OIN: m.oin, OrgType: m.ot, Role: m.role,
					Ring: pick([]string{RingKern, RingTweedeRing, RingGast}), From: *at()}
				if chance(0.1) {
					mem.Role = pick(roleIDs)
				}
				if chance(0.4) {
					mem.Until = at()
				}
				members = append(members, mem)
			}
			c.Members = members
			in.Case = c
		}
		for i := range r.IntN(5) {
			c := Consent{ID: fmt.Sprintf("c-%d", i+1), GivenBy: pick([]string{"ouder", "ouder", "jeugdige"}),
				Giver: pick([]string{"", "p-1", "p-2", "j-1"}), HeldBy: pick([]string{HeldByHolder, HeldByHolder, HeldByRecipient, HeldByCase}),
				RecipientOIN: recipientOIN, HolderOIN: pick([]string{"", holderOIN, otherOIN}), Purpose: in.Purpose, GivenAt: *at()}
			if chance(0.1) {
				c.RecipientOIN = otherOIN
			}
			if chance(0.1) {
				c.Purpose = pick(purposeIDs)
			}
			c.Categories = slices.Clone(in.Categories)
			if len(c.Categories) > 0 && chance(0.3) {
				c.Categories = c.Categories[:r.IntN(len(c.Categories))]
			}
			if chance(0.3) {
				c.ValidUntil = at()
			}
			if chance(0.2) {
				c.WithdrawnAt = at()
			}
			if chance(0.5) {
				c.AnnouncedAt = at()
			}
			if c.HeldBy == HeldByCase {
				c.CaseID = pick([]string{"case-1", "case-1", "case-2"})
				for _, m := range members {
					if chance(0.7) {
						c.Grants = append(c.Grants, Grant{Member: m.ID, Categories: c.Categories})
					}
				}
			}
			in.Consents = append(in.Consents, c)
		}
		if chance(0.35) {
			fit(&in, f, r)
		}
		out = append(out, in)
	}
	return out
}

// fit makes in a request that a flow's conditions let through, but for
// its consents: the flow's own purpose, mode, roles and org types, every
// condition met, and consents from every kind of giver (two parents)
// covering the categories, held by the holder or attested by the recipient.
func fit(in *Input, f Flow, r *rand.Rand) {
	pick := func(ss []string) string {
		if len(ss) == 0 {
			return ""
		}
		return ss[r.IntN(len(ss))]
	}
	in.Purpose, in.Flow = f.Purpose, ""
	switch f.Mode {
	case ModeRequest, ModeNotification:
		in.Mode = f.Mode
	}
	if ot := pick(f.Holder.OrgTypes); ot != "any" {
		in.Holder.OrgType = ot
	}
	if ot := pick(f.Recipient.OrgTypes); ot != "any" {
		in.Recipient.OrgType = ot
	}
	in.Holder.Role, in.Recipient.Role = pick(f.Holder.Roles), pick(f.Recipient.Roles)
	if len(f.Holder.Roles) == 0 && r.IntN(2) == 0 {
		in.Holder.Role = "jeugdarts" // a role with beroepsgeheim (G3)
	}
	in.Holder.Gemeente, in.Recipient.Gemeente, in.Subject.Gemeente = "GM0153", "GM0153", "GM0153"
	in.Recipient.Relation, in.Justification = true, "afweging gemaakt"
	in.Subject.EnrolledAtHolder, in.Subject.EnrolledAtRecipient, in.Subject.ParentsHadInzage = true, true, true
	in.Subject.OpenVerzuimMeldingen, in.CaseReference = []string{"M-1"}, "M-1"
	in.Subject.Age = f.MinAge + r.IntN(18)
	in.Categories = nil
	for range 1 + r.IntN(3) {
		in.Categories = append(in.Categories, pick(f.Categories))
	}
	if in.Case != nil {
		in.Case.ClosedAt = nil
		in.Case.OpenedAt = in.Now.Add(-time.Hour)
		for i := range in.Case.Members {
			in.Case.Members[i].From, in.Case.Members[i].Until = in.Now.Add(-time.Hour), nil
			in.Case.Members[i].Ring = RingKern
		}
	}
	in.Consents = nil
	heldBy := pick([]string{HeldByHolder, HeldByRecipient, HeldByRecipient})
	if in.Case != nil {
		heldBy = HeldByCase
	}
	for i, g := range []struct{ by, giver string }{{"ouder", "p-1"}, {"ouder", "p-2"}, {"jeugdige", "j-1"}} {
		if r.IntN(8) == 0 {
			continue
		}
		c := Consent{ID: fmt.Sprintf("f-%d", i+1), GivenBy: g.by, Giver: g.giver, HeldBy: heldBy, RecipientOIN: in.Recipient.OIN,
			Purpose: in.Purpose, Categories: slices.Clone(in.Categories), GivenAt: in.Now.Add(-48 * time.Hour)}
		if heldBy == HeldByRecipient {
			c.HolderOIN = in.Holder.OIN
			switch r.IntN(3) {
			case 0:
				t := in.Now.AddDate(0, 0, -10)
				c.AnnouncedAt = &t
			case 1:
				t := in.Now.AddDate(0, 0, -2)
				c.AnnouncedAt = &t
			}
		}
		if heldBy == HeldByCase && in.Case != nil {
			c.CaseID = in.Case.ID
			for _, m := range in.Case.Members {
				c.Grants = append(c.Grants, Grant{Member: m.ID, Categories: slices.Clone(in.Categories)})
			}
		}
		in.Consents = append(in.Consents, c)
	}
}
