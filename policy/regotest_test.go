package policy

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

// TestRegoTests runs the default pack's *_test.rego files (make test runs
// them through this test).
func TestRegoTests(t *testing.T) {
	p, err := LoadPack(DefaultPack())
	if err != nil {
		t.Fatal(err)
	}
	if !p.HasRegoTests() {
		t.Fatal("the default pack has no *_test.rego file")
	}
	results, err := p.RunRegoTests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d Rego tests", len(results))
	if len(results) < 40 {
		t.Fatalf("only %d Rego tests ran", len(results))
	}
	for _, r := range results {
		if !r.Pass {
			t.Errorf("%s:%d %s failed %s", r.File, r.Row, r.Name, r.Error)
		}
	}
}

// packWith returns the default pack with some files replaced (a nil value
// removes the file).
func packWith(t *testing.T, edit func(files map[string]string)) fs.FS {
	t.Helper()
	files := map[string]string{}
	err := fs.WalkDir(DefaultPack(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(DefaultPack(), p)
		files[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	edit(files)
	m := fstest.MapFS{}
	for name, s := range files {
		m[name] = &fstest.MapFile{Data: []byte(s)}
	}
	return m
}

func replaceOnce(t *testing.T, s, old, replacement string) string {
	t.Helper()
	if strings.Count(s, old) != 1 {
		t.Fatalf("%q occurs %d times", old, strings.Count(s, old))
	}
	return strings.Replace(s, old, replacement, 1)
}

// TestRegoTestsCatchBrokenRules breaks one rule at a time in the Rego and
// checks that the Rego tests notice.
func TestRegoTestsCatchBrokenRules(t *testing.T) {
	breaks := map[string]struct{ old, new, failing string }{
		"expiry ignored": {"; not withdrawn(c); not expired(c)]", "; not withdrawn(c)]",
			"test_consent_expired"},
		"justification not checked": {`"JUSTIFICATION_REQUIRED": trim_space(input.justification) != "",`, `"JUSTIFICATION_REQUIRED": true,`,
			"test_justification_required_g1"},
		"mode not checked": {"\tnot f.modes[input.mode]\n", "\tnot f.modes[input.mode]\n\tfalse\n",
			"test_notification_flow_cannot_be_pulled"},
		"residence not checked": {"\tnot resident(side)\n}", "\tnot resident(side)\n\tfalse\n}",
			"test_c1_other_gemeente_not_resident"},
		"attested consents always count": {"\tsettings.attested_consent\n\tinput.mode == \"request\"\n", "\tsettings.attested_consent\n",
			"test_attested_consent_ignored_in_notification_mode"},
		"two parents counted as consents": {"persons(cs) := max({count({c.giver | some c in cs; c.giver != \"\"}), min({1, count(cs)})})",
			"persons(cs) := count(cs)", "test_two_parents_need_two_different_givers"},
		"precheck reads the child": {"precheck_allow if count(request_problems) == 0", "precheck_allow if count(problems) == 0",
			"test_precheck_allows_a_good_request_without_the_child"},
	}
	for name, b := range breaks {
		t.Run(name, func(t *testing.T) {
			p, err := LoadPack(packWith(t, func(files map[string]string) {
				files["decision.rego"] = replaceOnce(t, files["decision.rego"], b.old, b.new)
			}))
			if err != nil {
				t.Fatal(err)
			}
			results, err := p.RunRegoTests(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var failed []string
			for _, r := range results {
				if !r.Pass {
					failed = append(failed, r.Name)
				}
			}
			if !strings.Contains(strings.Join(failed, " "), "."+b.failing) {
				t.Errorf("%s did not fail; failed: %v", b.failing, failed)
			}
		})
	}
}

// TestScenariosCatchBrokenData changes the default pack's data one rule at a
// time (these were caught by the Rego tests before they moved to their own
// fixture) and checks that the built-in scenarios notice, while the Rego
// tests still pass: they test the logic, not the data.
func TestScenariosCatchBrokenData(t *testing.T) {
	breaks := map[string]struct{ old, new, failing string }{
		"jeugdhulp regime 12-15 without the child": {
			"{min_age: 12, max_age: 15, givers: [ouder, jeugdige]}", "{min_age: 12, max_age: 15, givers: [ouder]}",
			"jeugdhulp, 12 jaar, ouder alleen volstaat niet"},
		"school regime hands over at 15": {
			"- {min_age: 0, max_age: 15, givers: [ouder]}\n        - {min_age: 16, givers: [jeugdige]}",
			"- {min_age: 0, max_age: 14, givers: [ouder]}\n        - {min_age: 15, givers: [jeugdige]}",
			"school, 15 jaar, ouder alleen volstaat"},
		"A1 without need-to-know": {"requires: {relation: true, residence: true, own_pupil: true}", "requires: {residence: true, own_pupil: true}",
			"geen hulprelatie"},
		"F1 up to 23": {"max_age: 22", "max_age: 23", "jongere van 23"},
		"B1 may be pulled": {"    consent: school\n    mode: notification\n    holder: {org_types: [school_po", "    consent: school\n    mode: both\n    holder: {org_types: [school_po",
			"opgevraagd door de ontvanger"},
		"C1 without residence": {"requires: {residence: true, own_pupil: true, verzuim_melding: true}",
			"requires: {own_pupil: true, verzuim_melding: true}", "leerplichtambtenaar van een andere gemeente"},
		"G4 without case reference":    {"requires: {case_reference: true}", "requires: {}", "geen zaak- of maatregelnummer"},
		"A1 without attested consents": {"    attested_consent: true\n", "", "toestemming die de jeugdhulpverlener heeft gekregen"},
		"A1 not recorded in the pupil file": {"    obligations: [inform_subject, record_in_pupil_file]\n    retention_days: 1825\n\n  # B1", "    obligations: [inform_subject]\n    retention_days: 1825\n\n  # B1",
			"14 jaar, ouder en jeugdige stemmen in"},
	}
	for name, b := range breaks {
		t.Run(name, func(t *testing.T) {
			p, err := LoadPack(packWith(t, func(files map[string]string) {
				files[DataFile] = replaceOnce(t, files[DataFile], b.old, b.new)
			}))
			if err != nil {
				t.Fatal(err)
			}
			e, err := NewEngine(p)
			if err != nil {
				t.Fatal(err)
			}
			results, err := RunScenarios(context.Background(), e, DefaultScenarios())
			if err != nil {
				t.Fatal(err)
			}
			var failed []string
			for _, r := range results {
				if !r.Pass() {
					failed = append(failed, r.Name)
				}
			}
			if !strings.Contains(strings.Join(failed, "|"), b.failing) {
				t.Errorf("scenario %q did not fail; failed: %q", b.failing, failed)
			}
		})
	}
	// Every change at once: the pack loads, and its Rego tests pass.
	p, err := LoadPack(packWith(t, func(files map[string]string) {
		for _, b := range breaks {
			files[DataFile] = replaceOnce(t, files[DataFile], b.old, b.new)
		}
		files[DataFile] = replaceOnce(t, files[DataFile], "      parents_required: 1       # one ouder suffices; the other is informed\n", "      parents_required: 2\n")
	}))
	if err != nil {
		t.Fatal(err)
	}
	rego, err := p.RunRegoTests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rego {
		if !r.Pass {
			t.Errorf("Rego test %s failed on a data change: the Rego tests must test the logic only", r.Name)
		}
	}
}

// TestRegoTestFailureSaysGotAndExpected: a failing Rego test names the
// expression that failed, with the value it got and the one it expected.
func TestRegoTestFailureSaysGotAndExpected(t *testing.T) {
	p, err := LoadPack(packWith(t, func(files map[string]string) {
		files["decision.rego"] = replaceOnce(t, files["decision.rego"], `	"CASE_REFERENCE_REQUIRED": 21,`, `	"CASE_REFERENCE_REQUIRED": 20,`)
		files["decision.rego"] = replaceOnce(t, files["decision.rego"], `	"JUSTIFICATION_REQUIRED": 20,`, `	"JUSTIFICATION_REQUIRED": 21,`)
	}))
	if err != nil {
		t.Fatal(err)
	}
	results, err := p.RunRegoTests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got string
	for _, r := range results {
		if strings.HasSuffix(r.Name, ".test_case_reference_after_justification_in_order") {
			if r.Pass {
				t.Fatal("the broken order passed")
			}
			got = r.Failure
		}
	}
	t.Log(got)
	for _, want := range []string{"codes(d) == [", `got:      ["ROLE_NOT_ALLOWED","CASE_REFERENCE_REQUIRED","JUSTIFICATION_REQUIRED"]`,
		`expected: ["ROLE_NOT_ALLOWED","JUSTIFICATION_REQUIRED","CASE_REFERENCE_REQUIRED"]`} {
		if !strings.Contains(got, want) {
			t.Errorf("failure %q lacks %q", got, want)
		}
	}
}
