package policy

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestLoadPackRefuses checks that each kind of broken pack is refused with
// a message naming the file and the item.
func TestLoadPackRefuses(t *testing.T) {
	cases := map[string]struct {
		edit func(t *testing.T, files map[string]string)
		want []string
	}{
		"rego syntax error": {func(t *testing.T, f map[string]string) {
			f["decision.rego"] = replaceOnce(t, f["decision.rego"], "\tcfg.purposes[input.purpose]\n\tflow_id == null", "\tcfg.purposes[input.purpose\n\tflow_id == null")
		}, []string{"decision.rego:", "rego_parse_error"}},
		"rego compile error": {func(t *testing.T, f map[string]string) {
			f["decision.rego"] = replaceOnce(t, f["decision.rego"], "blocked if count(problems) > 0", "blocked if count(problemz) > 0")
		}, []string{"decision.rego:", "problemz"}},
		"rego test file compile error": {func(t *testing.T, f map[string]string) {
			f["decision_test.rego"] = replaceOnce(t, f["decision_test.rego"], "codes(d) := [r.code | some r in d.reasons]", "codes(d) := [r.code | some r in reasonz(d)]")
		}, []string{"decision_test.rego:", "reasonz"}},
		"yaml syntax error": {func(t *testing.T, f map[string]string) {
			f["data.yaml"] = replaceOnce(t, f["data.yaml"], "  parents_required: 1\n", "  parents_required: [1\n")
		}, []string{"data.yaml:", "yaml:", "line"}},
		"yaml unknown key": {func(t *testing.T, f map[string]string) {
			f["data.yaml"] = replaceOnce(t, f["data.yaml"], "    requires: {relation: true, residence: true, own_pupil: true}\n", "    requires: {relation: true, residence: true, own_pupil: true}\n    bewaren: 3\n")
		}, []string{"data.yaml:", "bewaren"}},
		"flow names an unknown recipient role": {func(t *testing.T, f map[string]string) {
			f["data.yaml"] = replaceOnce(t, f["data.yaml"], "roles: [jeugdhulpverlener, wijkcoach, schoolmaatschappelijk_werker, orthopedagoog]\n    categories: [identificatie, verzuim", "roles: [jeugdhulpverlener, wijkcoach, schoolmaatschappelijk_werker, orthopedagog]\n    categories: [identificatie, verzuim")
		}, []string{"data.yaml:", "flow A1", `unknown role "orthopedagog"`}},
		"flow names an unknown holder role": {func(t *testing.T, f map[string]string) {
			f["data.yaml"] = replaceOnce(t, f["data.yaml"], "holder: {org_types: [gemeente], roles: [leerplichtambtenaar]}", "holder: {org_types: [gemeente], roles: [leerplicht]}")
		}, []string{"data.yaml:", "flow C2", "holder", `unknown role "leerplicht"`}},
		"flow names an unknown category": {func(t *testing.T, f map[string]string) {
			f["data.yaml"] = replaceOnce(t, f["data.yaml"], "categories: [identificatie, bsn, contact_melder]", "categories: [identificatie, bsn, contactgegevens]")
		}, []string{"data.yaml:", "flow F1", `unknown category "contactgegevens"`}},
		"duplicate flow id": {func(t *testing.T, f map[string]string) {
			f["data.yaml"] = replaceOnce(t, f["data.yaml"], "  - id: C2\n", "  - id: C1\n")
		}, []string{"data.yaml:", `flow "C1": duplicate id`}},
		"two flows for one request": {func(t *testing.T, f map[string]string) {
			f["data.yaml"] = replaceOnce(t, f["data.yaml"], "    purpose: continuiteit_jgz\n", "    purpose: schoolparticipatie\n")
			f["data.yaml"] = replaceOnce(t, f["data.yaml"], "    recipient: {org_types: [jgz], roles: [jeugdverpleegkundige, jeugdarts]}\n    categories: [identificatie, gezondheid", "    recipient: {org_types: [jgz, school_vo], roles: [jeugdverpleegkundige, jeugdarts]}\n    categories: [identificatie, gezondheid")
		}, []string{"data.yaml:", "flows D2 and D3"}},
		"missing message": {func(t *testing.T, f map[string]string) {
			f["data.yaml"] = replaceOnce(t, f["data.yaml"], "  NOT_ENROLLED:", "  NIET_INGESCHREVEN:")
		}, []string{"data.yaml:", "NOT_ENROLLED"}},
		"special category on publieke_taak": {func(t *testing.T, f map[string]string) {
			f["data.yaml"] = replaceOnce(t, f["data.yaml"], "    categories: [verzuim]\n", "    categories: [verzuim, gezondheid]\n")
		}, []string{"data.yaml:", "flow C2", `special category "gezondheid"`}},
		"message that would show the age": {func(t *testing.T, f map[string]string) {
			f["data.yaml"] = replaceOnce(t, f["data.yaml"], `geldt niet voor een kind van deze leeftijd."`, `geldt niet voor een kind van %s jaar."`)
		}, []string{"data.yaml:", "line ", "AGE_OUT_OF_SCOPE takes 0 %s, not 1"}},
		"flow without mode, named by key and line": {func(t *testing.T, f map[string]string) {
			f["data.yaml"] = replaceOnce(t, f["data.yaml"], "    consent: school\n    mode: notification\n", "    consent: school\n")
		}, []string{"data.yaml: line ", "flow B1: mode must be request, notification or both"}},
		"unknown mode": {func(t *testing.T, f map[string]string) {
			f["data.yaml"] = replaceOnce(t, f["data.yaml"], "    mode: request\n", "    mode: pull\n")
		}, []string{"flow G2: mode must be", `"pull"`}},
		"parents_required 3 under B1": {func(t *testing.T, f map[string]string) {
			f["data.yaml"] = replaceOnce(t, f["data.yaml"], "  - id: B1\n", "  - id: B1\n    parents_required: 3\n")
		}, []string{"line 344: flow B1: parents_required must be 1 or 2"}},
		"consent setting on a flow without consent": {func(t *testing.T, f map[string]string) {
			f["data.yaml"] = replaceOnce(t, f["data.yaml"], "  - id: C1\n", "  - id: C1\n    parents_required: 2\n")
		}, []string{"flow C1: parents_required on a flow without consent"}},
		"unknown key in a regime": {func(t *testing.T, f map[string]string) {
			f["data.yaml"] = replaceOnce(t, f["data.yaml"], "    school:           # education data under the AVG alone\n", "    school:           # education data under the AVG alone\n      ouders: 2\n")
		}, []string{"data.yaml:", "line ", "unknown key ouders in a consent regime"}},
		"residence where no side is a gemeente": {func(t *testing.T, f map[string]string) {
			f["data.yaml"] = replaceOnce(t, f["data.yaml"], "    recipient: {org_types: [jgz], roles: [jeugdverpleegkundige, jeugdarts]}\n    categories: [identificatie, gezondheid, gezinssituatie]\n", "    recipient: {org_types: [jgz], roles: [jeugdverpleegkundige, jeugdarts]}\n    categories: [identificatie, gezondheid, gezinssituatie]\n    requires: {residence: true}\n")
		}, []string{"flow D3: residence on a flow where neither side"}},
		"designated gemeente switched on outside A1 and B1": {func(t *testing.T, f map[string]string) {
			f["data.yaml"] = replaceOnce(t, f["data.yaml"], "    requires: {residence: true}   # never designated (woonplaatsbeginsel)\n", "    requires: {residence: true}\n    designated_gemeente: true\n")
		}, []string{"flow B2: the designated gemeente may be switched on only on A1 and B1"}},
		"designated gemeente on a flow without residence": {func(t *testing.T, f map[string]string) {
			f["data.yaml"] = replaceOnce(t, f["data.yaml"], "    requires: {relation: true, residence: true, own_pupil: true}\n    designated_gemeente: false", "    requires: {relation: true, own_pupil: true}\n    designated_gemeente: true")
		}, []string{"flow A1: designated_gemeente on a flow without residence"}},
		"unknown inzage class": {func(t *testing.T, f map[string]string) {
			f["data.yaml"] = replaceOnce(t, f["data.yaml"], "  released_as: zorg\n", "  released_as: medisch\n")
		}, []string{`inzage.released_as: unknown inzage class "medisch"`}},
		"monitoring per child": {func(t *testing.T, f map[string]string) {
			f["data.yaml"] = replaceOnce(t, f["data.yaml"], "  dimensions: [flow, purpose,", "  dimensions: [bsn, flow, purpose,")
		}, []string{`monitoring.dimensions: unknown dimension "bsn"`}},
		"small cell below 1": {func(t *testing.T, f map[string]string) {
			f["data.yaml"] = replaceOnce(t, f["data.yaml"], "  small_cell: 10\n", "  small_cell: 0\n")
		}, []string{"monitoring.small_cell: must be at least 1"}},
		"special category on publieke_taak without a statute": {func(t *testing.T, f map[string]string) {
			f["data.yaml"] = replaceOnce(t, f["data.yaml"], "    statutory_basis: \"WPO art. 18a en de overeenkomstige artikelen van WVO 2020 en WEC\"\n", "")
		}, []string{"flow S1", `special category "opp" on basis publieke_taak without statutory_basis`}},
		"personal data on geen_persoonsgegevens": {func(t *testing.T, f map[string]string) {
			f["data.yaml"] = replaceOnce(t, f["data.yaml"], "    query: consult\n", "")
		}, []string{"flow N1: basis geen_persoonsgegevens belongs to a consult or monitoring flow"}},
		"negative notice": {func(t *testing.T, f map[string]string) {
			f["data.yaml"] = replaceOnce(t, f["data.yaml"], "  attested_notice_days: 7\n", "  attested_notice_days: -1\n")
		}, []string{"consent.attested_notice_days: must not be negative"}},
		"no data.yaml": {func(_ *testing.T, f map[string]string) {
			delete(f, "data.yaml")
		}, []string{"data.yaml: missing"}},
		"no decision": {func(t *testing.T, f map[string]string) {
			f["decision.rego"] = replaceOnce(t, f["decision.rego"], "\ndecision := {", "\nverdict := {")
			delete(f, "decision_test.rego") // its type checks would catch it first
		}, []string{"sample input", Query, "undefined"}},
		"decision of the wrong shape": {func(t *testing.T, f map[string]string) {
			f["decision.rego"] = replaceOnce(t, f["decision.rego"], "\t\"allow\": allow,\n", "\t\"allow\": \"ja\",\n")
			delete(f, "decision_test.rego") // its type checks would catch it first
		}, []string{"sample input", "decision.allow"}},
		"deny without reason": {func(t *testing.T, f map[string]string) {
			f["decision.rego"] = replaceOnce(t, f["decision.rego"], "\t\"reasons\": reasons,\n", "\t\"reasons\": [],\n")
			delete(f, "decision_test.rego") // its type checks would catch it first
		}, []string{"sample input", "without a reason"}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			fsys := packWith(t, func(files map[string]string) { c.edit(t, files) })
			p, err := LoadPack(fsys)
			if err == nil {
				_, err = NewEngine(p)
			}
			if err == nil {
				t.Fatal("pack accepted")
			}
			t.Log(err)
			if !errors.Is(err, ErrInvalidPack) {
				t.Errorf("error does not wrap ErrInvalidPack: %v", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

// TestLoadPackAcceptsItsOwnDefault guards the cases above: the unedited
// pack loads and decides.
func TestLoadPackAcceptsItsOwnDefault(t *testing.T) {
	p, err := LoadPack(packWith(t, func(map[string]string) {}))
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(p)
	if err != nil {
		t.Fatal(err)
	}
	in, _ := ParseInput([]byte(contractExample))
	if d, err := e.Decide(context.Background(), in); err != nil || !d.Allow {
		t.Fatalf("%v %+v", err, d)
	}
}

// TestConsentSettingsInheritance: every consent setting can be set for all
// flows, per regime, and per flow; the most specific wins, and it decides.
func TestConsentSettingsInheritance(t *testing.T) {
	load := func(t *testing.T, edits ...[2]string) *Engine {
		t.Helper()
		p, err := LoadPack(packWith(t, func(files map[string]string) {
			for _, e := range edits {
				files[DataFile] = replaceOnce(t, files[DataFile], e[0], e[1])
			}
		}))
		if err != nil {
			t.Fatal(err)
		}
		e, err := NewEngine(p)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	flow := func(e *Engine, id string) Flow {
		f, _ := e.Pack().Flow(id)
		return f
	}
	settings := func(e *Engine, id, regime string) ConsentSettings {
		s, ok := e.Pack().Data().ConsentSettings(flow(e, id), regime)
		if !ok {
			t.Fatalf("%s under %s: no settings", id, regime)
		}
		return s
	}
	b1 := func(age int, consents ...Consent) Input {
		return Input{Purpose: "afstemming_ondersteuning", Mode: ModeNotification,
			Holder:    Party{OIN: "00000001000000000001", OrgType: "school_po", Role: "intern_begeleider"},
			Recipient: Party{OIN: "00000001000000000003", OrgType: "gemeente", Role: "wijkcoach", Gemeente: "GM0153"},
			Subject:   Subject{Age: age, Gemeente: "GM0153", EnrolledAtHolder: true}, Categories: []string{"identificatie"},
			Consents: consents, Now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	}
	consent := func(id, by, giver string) Consent {
		return Consent{ID: id, GivenBy: by, Giver: giver, RecipientOIN: "00000001000000000003", Purpose: "afstemming_ondersteuning",
			Categories: []string{"identificatie"}, GivenAt: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)}
	}
	decide := func(e *Engine, in Input) Decision {
		d, err := e.Decide(t.Context(), in)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}

	t.Run("regime", func(t *testing.T) {
		e := load(t, [2]string{"      parents_required: 1       # one ouder suffices; the other is informed\n", "      parents_required: 2\n"})
		if settings(e, "B1", "school").ParentsRequired != 2 || settings(e, "E3", "school").ParentsRequired != 2 {
			t.Error("a regime setting did not reach exactly its regime's flows")
		}
		if d := decide(e, b1(9, consent("c1", "ouder", "p-1"))); d.Allow {
			t.Error("B1 released on one parent under a two-parent school regime")
		}
		if d := decide(e, b1(9, consent("c1", "ouder", "p-1"), consent("c2", "ouder", "p-2"))); !d.Allow {
			t.Errorf("B1 refused two parents: %+v", d.Reasons)
		}
	})
	t.Run("flow overrides regime and global", func(t *testing.T) {
		e := load(t,
			[2]string{"      parents_required: 1       # one ouder suffices; the other is informed\n", "      parents_required: 2\n"},
			[2]string{"  - id: B1\n", "  - id: B1\n    parents_required: 1\n"})
		if settings(e, "B1", "school").ParentsRequired != 1 || settings(e, "E3", "school").ParentsRequired != 2 {
			t.Error("the flow's own setting does not win")
		}
		if d := decide(e, b1(9, consent("c1", "ouder", "p-1"))); !d.Allow {
			t.Errorf("B1 with its own one-parent setting refused: %+v", d.Reasons)
		}
	})
	t.Run("whose consent counts, per flow", func(t *testing.T) {
		e := load(t, [2]string{"  - id: B1\n", "  - id: B1\n    consent_by_age:\n      - {min_age: 0, givers: [jeugdige]}\n"})
		if d := decide(e, b1(9, consent("c1", "ouder", "p-1"))); d.Allow {
			t.Error("B1 released on the parent where its own bands ask the child")
		}
		if d := decide(e, b1(9, consent("c1", "jeugdige", "k-1"))); !d.Allow {
			t.Errorf("B1 refused the child's consent: %+v", d.Reasons)
		}
	})
	t.Run("attested consent, per flow", func(t *testing.T) {
		e := load(t, [2]string{"    recipient: {org_types: [jgz], roles: [jeugdarts]}\n", "    recipient: {org_types: [jgz], roles: [jeugdarts]}\n    attested_consent: true\n"})
		if !settings(e, "D1", "jeugdhulp").AttestedConsent || settings(e, "D3", "jeugdhulp").AttestedConsent {
			t.Error("attested_consent did not reach exactly D1")
		}
		in := Input{Purpose: "medische_advisering_verzuim",
			Holder:    Party{OIN: "00000001000000000001", OrgType: "school_vo", Role: "mentor"},
			Recipient: Party{OIN: "00000001000000000004", OrgType: "jgz", Role: "jeugdarts"},
			Subject:   Subject{Age: 10, EnrolledAtHolder: true, ParentsWithGezag: 1}, Categories: []string{"identificatie"},
			Consents: []Consent{{ID: "c-a", GivenBy: "ouder", HeldBy: HeldByRecipient, RecipientOIN: "00000001000000000004", HolderOIN: "00000001000000000001",
				Purpose: "medische_advisering_verzuim", Categories: []string{"identificatie"}, GivenAt: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)}},
			Now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
		if d := decide(e, in); !d.Allow {
			t.Errorf("D1 refused an attested consent it now accepts: %+v", d.Reasons)
		}
		if d := decide(defaultEngine(t), in); d.Allow {
			t.Error("the default pack accepts an attested consent on D1")
		}
	})
	t.Run("attested consent refused on a notification flow", func(t *testing.T) {
		_, err := LoadPack(packWith(t, func(files map[string]string) {
			files[DataFile] = replaceOnce(t, files[DataFile], "  - id: B1\n", "  - id: B1\n    attested_consent: true\n")
		}))
		if err == nil || !strings.Contains(err.Error(), "flow B1: attested_consent on a notification flow") {
			t.Errorf("got %v", err)
		}
	})
}
