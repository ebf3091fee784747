package policy

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite generated test files")

// fixtureRego renders the Rego tests' fixture rules (the YAML in
// testdata/rego-fixture.yaml, in the shape the engine loads) as the module
// data.schakel.fixture.
func fixtureRego(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/rego-fixture.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := parseData(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	rules, err := json.MarshalIndent(d.opaData()["schakel"].(map[string]any)["rules"], "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString(`# Code generated from policy/testdata/rego-fixture.yaml by
# go test ./policy -run TestRegoFixture -update; DO NOT EDIT.
#
# The rules the Rego tests decide on (with data.schakel.rules as
# fixture.rules), in the shape the engine loads them, so that the tests
# test the logic of decision.rego and pass for every pack whose data loads.
package schakel.fixture

rules := `)
	b.Write(rules)
	b.WriteString("\n")
	return b.Bytes()
}

// TestRegoFixture keeps policy/pack/fixture_test.rego in step with its
// YAML and with the shape opaData gives the rules.
func TestRegoFixture(t *testing.T) {
	const path = "pack/fixture_test.rego"
	want := fixtureRego(t)
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is out of date: run go test ./policy -run TestRegoFixture -update", path)
	}
}
