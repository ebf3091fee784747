package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
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
  recipient: {oin: "00000001000000000003", org_type: gemeente, role: leerplichtambtenaar, gemeente: GM0153}
  subject: {age: 13, gemeente: GM0153, open_verzuim_meldingen: [M-1]}
  case_reference: M-1
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

// contractExample is the release example of POLICY-CONTRACT.md (version 3).
const contractExample = `{
  "purpose": "afstemming_hulp_onderwijs",
  "flow": "A1",
  "mode": "request",
  "holder":    {"oin": "00000001000000000001", "org_type": "school_vo", "role": "zorgcoordinator", "gemeente": "", "designated_gemeente": ""},
  "recipient": {"oin": "00000001000000000002", "org_type": "zorgaanbieder", "role": "jeugdhulpverlener", "relation": true, "gemeente": ""},
  "subject":   {"age": 14, "enrolled_at_holder": true, "enrolled_at_recipient": false, "parents_had_inzage": false,
                "gemeente": "GM0153", "parents_with_gezag": 1, "unauthorised_absence_hours_4w": 0, "open_verzuim_meldingen": []},
  "categories": ["verzuim", "opp", "gezondheid"],
  "consents": [
    {"id": "c-1", "given_by": "ouder", "giver": "p-7f3a", "held_by": "holder",
     "recipient_oin": "00000001000000000002",
     "purpose": "afstemming_hulp_onderwijs", "categories": ["verzuim", "opp"],
     "given_at": "2026-09-01T00:00:00Z", "valid_until": "2027-09-01T00:00:00Z", "withdrawn_at": null},
    {"id": "c-2", "given_by": "jeugdige", "giver": "j-11c0", "held_by": "holder",
     "recipient_oin": "00000001000000000002",
     "purpose": "afstemming_hulp_onderwijs", "categories": ["verzuim", "opp"],
     "given_at": "2026-09-01T00:00:00Z", "valid_until": "2027-09-01T00:00:00Z", "withdrawn_at": null}
  ],
  "justification": "",
  "case_reference": "",
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
		`"obligations":["inform_subject","record_in_pupil_file"],"consents_used":["c-1","c-2"],` +
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

// BenchmarkDecide is one default-pack decision: the contract's A1 example
// with consent (an allow with one category withheld), input built from a
// typed Input as the gateway does. Besides the mean it reports the median
// and 99th percentile of the single decisions (p50-ns, p99-ns).
func BenchmarkDecide(b *testing.B) {
	e := defaultEngine(b)
	in, err := ParseInput([]byte(contractExample))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var took []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		d, err := e.Decide(ctx, in)
		took = append(took, time.Since(start))
		if err != nil || !d.Allow {
			b.Fatal(err, d)
		}
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(took[len(took)*99/100].Nanoseconds()), "p99-ns")
}

// BenchmarkOPABaseline is a trivial prepared OPA query with a two-field
// input, for scale: the fixed cost of one OPA evaluation on this machine,
// which no decision can go below.
func BenchmarkOPABaseline(b *testing.B) {
	ctx := context.Background()
	pq, err := rego.New(rego.Query("data.t.d"), rego.Module("t.rego", "package t\nd := {\"a\": input.x == 1, \"b\": input.y}")).PrepareForEval(ctx)
	if err != nil {
		b.Fatal(err)
	}
	in := ast.NewObject(ast.Item(ast.StringTerm("x"), ast.IntNumberTerm(1)), ast.Item(ast.StringTerm("y"), ast.StringTerm("z")))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pq.Eval(ctx, rego.EvalParsedInput(in)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInputValue builds the engine's input from a typed Input (the
// gateway's path: no JSON), as Decide does for every decision.
func BenchmarkInputValue(b *testing.B) {
	in, err := ParseInput([]byte(contractExample))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if v := in.value(); v == nil {
			b.Fatal("no value")
		}
	}
}

// BenchmarkParseInput reads a decision input from JSON (the CLI's path).
func BenchmarkParseInput(b *testing.B) {
	raw := []byte(contractExample)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseInput(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDecideConcurrent decides from many goroutines on one engine (its
// shared read transaction and cancel); run under -race by make test.
func TestDecideConcurrent(t *testing.T) {
	e := defaultEngine(t)
	in, err := ParseInput([]byte(contractExample))
	if err != nil {
		t.Fatal(err)
	}
	want, err := e.Decide(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	wantJSON, _ := json.Marshal(want)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			for range 25 {
				d, err := e.Decide(context.Background(), in)
				if err != nil {
					errs <- err
					return
				}
				if got, _ := json.Marshal(d); string(got) != string(wantJSON) {
					errs <- fmt.Errorf("decision %s, want %s", got, wantJSON)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestParseInputV2 reads the fields of contract version 2 with their
// defaults, and refuses a mode or held_by outside the contract.
// contractExampleV2 is the release example of contract version 2, without
// any field version 3 added.
const contractExampleV2 = `{
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

func TestParseInputV2(t *testing.T) {
	in, err := ParseInput([]byte(contractExampleV2))
	if err != nil {
		t.Fatal(err)
	}
	if in.Mode != ModeRequest || in.CaseReference != "" || in.Subject.Gemeente != "" {
		t.Errorf("defaults: mode %q case %q gemeente %q", in.Mode, in.CaseReference, in.Subject.Gemeente)
	}
	for _, c := range in.Consents {
		if c.HeldBy != HeldByHolder || c.Giver != "" {
			t.Errorf("consent defaults: held_by %q giver %q", c.HeldBy, c.Giver)
		}
	}
	v2 := strings.Replace(contractExampleV2, `"purpose"`, `"mode": "notification", "case_reference": "zaak-1", "purpose"`, 1)
	v2 = strings.Replace(v2, `"given_by": "ouder"`, `"given_by": "ouder", "giver": "p-1", "held_by": "recipient"`, 1)
	v2 = strings.Replace(v2, `"parents_had_inzage": false`, `"parents_had_inzage": false, "gemeente": "GM0153"`, 1)
	v2 = strings.Replace(v2, `"role": "jeugdhulpverlener"`, `"role": "jeugdhulpverlener", "gemeente": "GM0363"`, 1)
	in, err = ParseInput([]byte(v2))
	if err != nil {
		t.Fatal(err)
	}
	if in.Mode != ModeNotification || in.CaseReference != "zaak-1" || in.Subject.Gemeente != "GM0153" ||
		in.Recipient.Gemeente != "GM0363" || in.Consents[0].Giver != "p-1" || in.Consents[0].HeldBy != HeldByRecipient {
		t.Errorf("v2 fields not read: %+v", in)
	}
	for name, bad := range map[string]string{
		"mode":                strings.Replace(contractExampleV2, `"purpose"`, `"mode": "push", "purpose"`, 1),
		"consents[0].held_by": strings.Replace(contractExampleV2, `"given_by": "ouder"`, `"given_by": "ouder", "held_by": "school"`, 1),
	} {
		var ie *InputError
		if _, err := ParseInput([]byte(bad)); !errors.As(err, &ie) || ie.Field != name {
			t.Errorf("%s: got %v", name, err)
		}
	}
	// A Go caller (the gateway) gets the same refusal from Decide.
	e := defaultEngine(t)
	in, _ = ParseInput([]byte(contractExampleV2))
	in.Mode = "push"
	if _, err := e.Decide(t.Context(), in); !errors.Is(err, ErrEvaluation) {
		t.Errorf("unknown mode decided: %v", err)
	}
	in.Mode = ""
	in.Consents[0].HeldBy = "school"
	if _, err := e.Decide(t.Context(), in); !errors.Is(err, ErrEvaluation) {
		t.Errorf("unknown held_by decided: %v", err)
	}
}

// TestParseInputV3 reads a version-2 input with the version-3 defaults
// (enrolled_at_holder true, parents_with_gezag 2), reads the version-3
// fields, and refuses a value outside a closed list naming the field.
func TestParseInputV3(t *testing.T) {
	in, err := ParseInput([]byte(contractExampleV2))
	if err != nil {
		t.Fatal(err)
	}
	if !in.Subject.EnrolledAtHolder || in.Subject.ParentsWithGezag != 2 || in.Case != nil || len(in.Subject.OpenVerzuimMeldingen) != 0 {
		t.Errorf("v3 defaults: %+v", in.Subject)
	}
	// The same input decided through the Go struct with ParentsWithGezag 0
	// (a gateway that does not fill it) decides as 2: the second parent.
	e := defaultEngine(t)
	in.Subject.ParentsWithGezag = 0
	d, err := e.Decide(t.Context(), in)
	if err != nil || d.Allow || len(d.Reasons) != 1 || d.Reasons[0].Code != "CONSENT_MISSING" || !strings.Contains(d.Reasons[0].Message, "tweede ouder") {
		t.Errorf("unknown gezag not decided as two parents: %v %+v", err, d)
	}
	v3 := strings.Replace(contractExample, `"unauthorised_absence_hours_4w": 0`, `"unauthorised_absence_hours_4w": 16.5, "enrolled_at_holder": false`, 1)
	v3 = strings.Replace(v3, `"enrolled_at_holder": true, `, ``, 1)
	v3 = strings.Replace(v3, `"open_verzuim_meldingen": []`, `"open_verzuim_meldingen": ["M-1"]`, 1)
	v3 = strings.Replace(v3, `"given_by": "jeugdige", "giver": "j-11c0", "held_by": "holder",`,
		`"given_by": "jeugdige", "giver": "j-11c0", "held_by": "recipient", "holder_oin": "00000001000000000001", "announced_at": "2026-11-01T00:00:00Z",`, 1)
	v3 = strings.Replace(v3, `"designated_gemeente": ""}`, `"designated_gemeente": "GM0164"}`, 1)
	if in, err = ParseInput([]byte(v3)); err != nil {
		t.Fatal(err)
	}
	c := in.Consents[1]
	if in.Subject.EnrolledAtHolder || in.Subject.UnauthorisedAbsenceHours4w != 16.5 || in.Subject.OpenVerzuimMeldingen[0] != "M-1" ||
		c.HeldBy != HeldByRecipient || c.HolderOIN != "00000001000000000001" || c.AnnouncedAt == nil || in.Holder.DesignatedGemeente != "GM0164" {
		t.Errorf("v3 fields not read: %+v", in)
	}
	caseJSON := `"case": {"id": "case-1", "purpose": "afstemming_ipt", "opened_by": "00000001000000000001", "opened_at": "2026-10-01T00:00:00Z", "closed_at": null, "regiehouder": "m-1",
		"members": [{"id": "m-1", "oin": "00000001000000000001", "org_type": "school_vo", "role": "zorgcoordinator", "ring": "RING", "from": "2026-10-01T00:00:00Z", "until": null}]}, "purpose"`
	withCase := strings.Replace(contractExample, `"purpose"`, caseJSON, 1)
	if in, err = ParseInput([]byte(strings.Replace(withCase, "RING", "kern", 1))); err != nil || in.Case == nil || in.Case.Members[0].Ring != RingKern {
		t.Fatalf("case not read: %v %+v", err, in.Case)
	}
	for name, bad := range map[string]string{
		"subject.parents_with_gezag":     strings.Replace(contractExample, `"parents_with_gezag": 1`, `"parents_with_gezag": 3`, 1),
		"subject.parents_with_gezag ":    strings.Replace(contractExample, `"parents_with_gezag": 1`, `"parents_with_gezag": 1.5`, 1),
		"consents[0].held_by":            strings.Replace(contractExample, `"held_by": "holder"`, `"held_by": "team"`, 1),
		"case.members[0].ring":           strings.Replace(withCase, "RING", "lege_stoel", 1),
		"consents[0].grants[0].member":   strings.Replace(contractExample, `"held_by": "holder",`, `"held_by": "case", "grants": [{"categories": []}],`, 1),
		"subject.open_verzuim_meldingen": strings.Replace(contractExample, `"open_verzuim_meldingen": []`, `"open_verzuim_meldingen": "M-1"`, 1),
		"query":                          strings.Replace(contractExample, `"purpose"`, `"query": "inzage", "purpose"`, 1),
	} {
		var ie *InputError
		if _, err := ParseInput([]byte(bad)); !errors.As(err, &ie) || ie.Field != strings.TrimSpace(name) {
			t.Errorf("%s: got %v", name, err)
		}
	}
	// A Go caller gets the same refusal of a closed list from Decide.
	in, _ = ParseInput([]byte(contractExample))
	in.Subject.ParentsWithGezag = 3
	if _, err := e.Decide(t.Context(), in); !errors.Is(err, ErrEvaluation) {
		t.Errorf("three parents decided: %v", err)
	}
}

// TestPrecheck decides on the request alone: it refuses what the request
// gets wrong with the contract's codes in order, lets a good request go on
// without any subject or consent, never releases, and ignores the child's
// facts even when they are passed.
func TestPrecheck(t *testing.T) {
	e := defaultEngine(t)
	ctx := t.Context()
	good, err := ParseInput([]byte(contractExample))
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.Precheck(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Allow || len(d.Categories) != 0 || len(d.Reasons) != 0 || d.FlowID() != "A1" || d.PolicyRevision == "" || d.DecisionID == "" {
		t.Errorf("good request: %+v", d)
	}
	// The child's facts do not matter: no consents, an age out of every
	// range, another woongemeente.
	nochild := good
	nochild.Consents = nil
	nochild.Subject = Subject{Age: MaxAge, Gemeente: "GM9999"}
	if d, err := e.Precheck(ctx, nochild); err != nil || !d.Allow {
		t.Errorf("precheck looked at the child: %+v %v", d, err)
	}
	codes := func(d Decision) []string {
		var out []string
		for _, r := range d.Reasons {
			out = append(out, r.Code)
		}
		return out
	}
	cases := map[string]struct {
		edit func(in *Input)
		want []string
	}{
		"nonsense purpose": {func(in *Input) { in.Purpose = "bsn_opvragen" }, []string{"UNKNOWN_PURPOSE"}},
		"no flow":          {func(in *Input) { in.Recipient.OrgType = "veilig_thuis" }, []string{"NO_MATCHING_FLOW"}},
		"B1 pulled": {func(in *Input) {
			in.Purpose, in.Flow = "afstemming_ondersteuning", ""
			in.Holder.OrgType, in.Recipient.OrgType, in.Recipient.Role = "school_po", "gemeente", ""
		}, []string{"MODE_NOT_ALLOWED", "ROLE_NOT_ALLOWED"}},
		"no relation": {func(in *Input) { in.Recipient.Relation = false }, []string{"RELATION_REQUIRED"}},
		"G4 without case reference": {func(in *Input) {
			in.Purpose, in.Flow = "jeugdbescherming", ""
			in.Recipient.OrgType, in.Recipient.Role = "gecertificeerde_instelling", "gezinsvoogd"
		}, []string{"CASE_REFERENCE_REQUIRED"}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			in := good
			c.edit(&in)
			d, err := e.Precheck(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if d.Allow || !slices.Equal(codes(d), c.want) || len(d.Categories) != 0 {
				t.Errorf("got allow %v %v, want deny %v", d.Allow, codes(d), c.want)
			}
			for _, w := range d.Withheld {
				if w.Code != c.want[0] {
					t.Errorf("withheld %s with %s, want the first code %s", w.Category, w.Code, c.want[0])
				}
			}
			if len(d.Withheld) != len(in.Categories) {
				t.Errorf("withheld %v, want every requested category", d.Withheld)
			}
			// The full decision gives the same reasons first.
			full, err := e.Decide(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if got := codes(full); len(got) < len(c.want) || !slices.Equal(got[:len(c.want)], c.want) {
				t.Errorf("decision reasons %v do not start with the precheck's %v", got, c.want)
			}
		})
	}
	in := good
	in.Mode = "pull"
	if _, err := e.Precheck(ctx, in); !errors.Is(err, ErrEvaluation) {
		t.Errorf("unknown mode prechecked: %v", err)
	}
}

// TestExplainCountsParents: with both parents required on B1 alone, an
// explanation of a B1 question with one of two parents says "1 van 2".
func TestExplainCountsParents(t *testing.T) {
	p, err := LoadPack(packWith(t, func(files map[string]string) {
		files[DataFile] = replaceOnce(t, files[DataFile], "    consent: school\n    mode: notification\n", "    consent: school\n    mode: notification\n    parents_required: 2\n")
	}))
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(p)
	if err != nil {
		t.Fatal(err)
	}
	in, err := ParseInput([]byte(`{"purpose": "afstemming_ondersteuning", "mode": "notification",
	  "holder": {"oin": "00000001000000000001", "org_type": "school_po", "role": "intern_begeleider"},
	  "recipient": {"oin": "00000001000000000003", "org_type": "gemeente", "role": "wijkcoach", "gemeente": "GM0153"},
	  "subject": {"age": 9, "gemeente": "GM0153"}, "categories": ["identificatie", "arrangement"],
	  "consents": [{"id": "c-moeder", "given_by": "ouder", "giver": "p-1", "recipient_oin": "00000001000000000003",
	    "purpose": "afstemming_ondersteuning", "categories": ["identificatie", "arrangement"], "given_at": "2026-09-01T00:00:00Z"}],
	  "now": "2026-11-22T10:00:00Z"}`))
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.Decide(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	if d.Allow || len(d.Reasons) != 1 || d.Reasons[0].Code != "CONSENT_MISSING" || !strings.Contains(d.Reasons[0].Message, "tweede ouder") {
		t.Fatalf("decision %+v", d)
	}
	var b strings.Builder
	e.Explain(t.Context(), &b, in, d)
	out := b.String()
	for _, want := range []string{"toestemming van beide ouders nodig; 1 van 2 gevonden", "c-moeder van ouder p-1", "geldig"} {
		if !strings.Contains(out, want) {
			t.Errorf("explanation lacks %q:\n%s", want, out)
		}
	}
	// A second consent by the same parent is still one parent.
	same := in
	same.Consents = append([]Consent{}, in.Consents...)
	same.Consents = append(same.Consents, in.Consents[0])
	same.Consents[1].ID = "c-moeder-2"
	ds, err := e.Decide(t.Context(), same)
	if err != nil || ds.Allow {
		t.Fatalf("two consents of one parent released: %+v %v", ds, err)
	}
	b.Reset()
	e.Explain(t.Context(), &b, same, ds)
	for _, want := range []string{"1 van 2 gevonden", "telt samen met de andere toestemming van p-1 als één ouder"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("explanation lacks %q:\n%s", want, b.String())
		}
	}
	// The same question on the default pack: one parent suffices.
	dd, err := defaultEngine(t).Decide(t.Context(), in)
	if err != nil || !dd.Allow {
		t.Errorf("default pack: %+v %v", dd, err)
	}
	b.Reset()
	defaultEngine(t).Explain(t.Context(), &b, in, dd)
	if !strings.Contains(b.String(), "toestemming van één ouder nodig; 1 van 1 gevonden") {
		t.Errorf("default explanation:\n%s", b.String())
	}
}

// TestScenariosCoverEveryFlowsMode: the built-in scenarios show, for every
// flow of the default pack, that each mode it allows releases and each mode
// it does not allow is refused with MODE_NOT_ALLOWED.
func TestScenariosCoverEveryFlowsMode(t *testing.T) {
	e := defaultEngine(t)
	cases, err := LoadScenarios(DefaultScenarios(), SourceBuiltin)
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ flow, mode string }
	allowed, refused := map[key]bool{}, map[key]bool{}
	for i, r := range RunCases(t.Context(), e, cases) {
		mode, _ := cases[i].Input["mode"].(string)
		if mode == "" {
			mode = ModeRequest
		}
		k := key{r.Flow, mode}
		if r.Allow {
			allowed[k] = true
		}
		for _, reason := range r.Decision.Reasons {
			if reason.Code == "MODE_NOT_ALLOWED" {
				refused[k] = true
			}
		}
	}
	for _, f := range e.Pack().Data().Flows {
		for _, m := range Modes {
			ok := f.Mode == m || f.Mode == "both"
			if ok && !allowed[key{f.ID, m}] {
				t.Errorf("flow %s (mode %s): no scenario releases in mode %s", f.ID, f.Mode, m)
			}
			if !ok && !refused[key{f.ID, m}] {
				t.Errorf("flow %s (mode %s): no scenario refuses mode %s with MODE_NOT_ALLOWED", f.ID, f.Mode, m)
			}
		}
	}
}

// BenchmarkPrecheckDecide is what the holder asks the engine per request
// about a known child: the precheck on the request alone, then the full
// decision (the contract's A1 example, an allow).
func BenchmarkPrecheckDecide(b *testing.B) {
	e := defaultEngine(b)
	in, err := ParseInput([]byte(contractExample))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		p, err := e.Precheck(ctx, in)
		if err != nil || !p.Allow {
			b.Fatal(err, p)
		}
		d, err := e.Decide(ctx, in)
		if err != nil || !d.Allow {
			b.Fatal(err, d)
		}
	}
}

// BenchmarkPrecheck is the precheck alone (an allow).
func BenchmarkPrecheck(b *testing.B) {
	e := defaultEngine(b)
	in, err := ParseInput([]byte(contractExample))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if p, err := e.Precheck(ctx, in); err != nil || !p.Allow {
			b.Fatal(err, p)
		}
	}
}
