package policy

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func defaultEngine(t testing.TB) *Engine {
	t.Helper()
	p, err := LoadPack(DefaultPack())
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(p)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestScenarios(t *testing.T) {
	e := defaultEngine(t)
	results, err := RunScenarios(context.Background(), e, DefaultScenarios())
	if err != nil {
		t.Fatal(err)
	}
	if len(results) == 0 {
		t.Fatal("no scenarios")
	}
	allows, denies := map[string]int{}, map[string]int{}
	for _, r := range results {
		t.Run(r.File+"/"+r.Name, func(t *testing.T) {
			for _, f := range r.Failures {
				t.Error(f)
			}
		})
		if r.Allow {
			allows[r.Flow]++
		} else {
			denies[r.Flow]++
		}
	}
	// At least one allow and one deny for every flow of the pack.
	for _, f := range e.Pack().Data().Flows {
		if allows[f.ID] == 0 || denies[f.ID] == 0 {
			t.Errorf("flow %s: %d allowing and %d denying scenarios; want at least one of each", f.ID, allows[f.ID], denies[f.ID])
		}
	}
}

// TestScenarioExpectationsAreChecked runs a scenario file whose expectations
// are wrong and checks that each wrong one is reported.
func TestScenarioExpectationsAreChecked(t *testing.T) {
	e := defaultEngine(t)
	file := `
base:
  purpose: handhaving_leerplicht
  holder: {oin: "00000001000000000001", org_type: school_vo, role: administratie}
  recipient: {oin: "00000001000000000003", org_type: gemeente, role: leerplichtambtenaar}
  subject: {age: 13}
  categories: [identificatie, verzuim, opp]
  now: "2026-11-22T10:00:00Z"
scenarios:
  - name: wrong
    expect:
      allow: false
      flow: C2
      basis: toestemming
      categories: [identificatie]
      withheld: {opp: CATEGORY_NOT_CONSENTED}
      reasons: [CONSENT_MISSING]
      obligations: [inform_subject]
      consents_used: [c-1]
      retention_days: 30
`
	results, err := RunScenarios(context.Background(), e, fstest.MapFS{"x.yaml": {Data: []byte(file)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 {
		t.Fatalf("%d results", len(results))
	}
	var got []string
	for _, f := range results[0].Failures {
		got = append(got, strings.SplitN(f, ":", 2)[0])
	}
	want := []string{"allow", "flow", "basis", "categories", "withheld", "reasons", "obligations", "consents_used", "retention_days"}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("failures %q, want one for each of %q", results[0].Failures, want)
	}
}

const contractExample = `{
  "purpose": "afstemming_hulp_onderwijs",
  "flow": "A1",
  "holder":    {"oin": "00000001000000000001", "org_type": "school_vo", "role": "zorgcoordinator"},
  "recipient": {"oin": "00000001000000000002", "org_type": "zorgaanbieder", "role": "jeugdhulpverlener", "relation": true},
  "subject":   {"age": 11, "enrolled_at_recipient": false, "parents_had_inzage": false},
  "categories": ["verzuim", "opp", "gezondheid"],
  "consents": [
    {"id": "c-1", "given_by": "ouder", "recipient_oin": "00000001000000000002",
     "purpose": "afstemming_hulp_onderwijs", "categories": ["verzuim", "opp"],
     "given_at": "2026-09-01T00:00:00Z", "valid_until": "2027-09-01T00:00:00Z", "withdrawn_at": null}
  ],
  "justification": "",
  "now": "2026-11-22T10:00:00Z"
}`

func TestDecideContractExample(t *testing.T) {
	e := defaultEngine(t)
	in, err := ParseInput([]byte(contractExample))
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.Decide(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(d)
	want := `{"allow":true,"flow":"A1","basis":"toestemming","categories":["opp","verzuim"],` +
		`"withheld":[{"category":"gezondheid","code":"CATEGORY_NOT_IN_FLOW"}],"reasons":[],` +
		`"obligations":["inform_subject","record_in_pupil_file"],"consents_used":["c-1"],` +
		`"retention_days":1825,"policy_revision":"` + e.Revision() + `"}`
	if string(got) != want {
		t.Errorf("decision\n got %s\nwant %s", got, want)
	}
	if len(d.DecisionID) != 32 {
		t.Errorf("decision id %q", d.DecisionID)
	}
	d2, _ := e.Decide(context.Background(), in)
	if d2.DecisionID == d.DecisionID {
		t.Error("decision ids repeat")
	}
	if !strings.HasPrefix(e.Revision(), "sha256:") || len(e.Revision()) != 7+64 {
		t.Errorf("revision %q", e.Revision())
	}
}

func TestDecideNoFlowIsNull(t *testing.T) {
	e := defaultEngine(t)
	in, _ := ParseInput([]byte(contractExample))
	in.Flow = ""
	in.Purpose = "marketing"
	d, err := e.Decide(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(d)
	if !strings.Contains(string(got), `"flow":null,"basis":null`) || d.Allow || d.RetentionDays != 1825 {
		t.Errorf("decision %s", got)
	}
	if len(d.Reasons) != 1 || d.Reasons[0].Code != "UNKNOWN_PURPOSE" || !strings.Contains(d.Reasons[0].Message, "marketing") {
		t.Errorf("reasons %+v", d.Reasons)
	}
}

func TestDecideRefusesZeroTime(t *testing.T) {
	e := defaultEngine(t)
	in, _ := ParseInput([]byte(contractExample))
	in.Now = time.Time{}
	if _, err := e.Decide(context.Background(), in); err == nil {
		t.Fatal("no error for an input without now")
	}
}

// BenchmarkDecide is one default-pack decision: A1 with consent.
func BenchmarkDecide(b *testing.B) {
	e := defaultEngine(b)
	in, err := ParseInput([]byte(contractExample))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		d, err := e.Decide(ctx, in)
		if err != nil || !d.Allow {
			b.Fatal(err, d)
		}
	}
}
