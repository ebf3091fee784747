package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPrivacyOfficerChangesB1 is issue 19's walk-through, end to end with
// the real commands on copies of the default pack: B1 alone is changed to
// need both parents with one edit under B1; policy diff lists exactly the B1
// decisions that change and no other flow; policy test fails on them until
// the officer accepts them; then it passes; explain says "1 van 2".
func TestPrivacyOfficerChangesB1(t *testing.T) {
	oldDir, newDir := copyPack(t), copyPack(t)
	data := filepath.Join(newDir, "data.yaml")
	// The one edit: a key under B1.
	editFile(t, data, "  - id: B1\n", "  - id: B1\n    parents_required: 2\n")

	code, out, errOut := schakel(t, "", "policy", "diff", oldDir, newDir)
	if code != 0 {
		t.Fatalf("diff: exit %d %s", code, errOut)
	}
	flows, decisions, ok := strings.Cut(out, "\nBeslissingen die veranderen")
	if !ok {
		t.Fatalf("diff lists no decision changes:\n%s", out)
	}
	if !strings.Contains(flows, "~ B1 (afstemming_ondersteuning) gewijzigd\n      eigen toestemmingsinstelling van de stroom: geen (volgt het regime) → aantal ouders 2\n      toestemming van: één ouder → beide ouders\n") {
		t.Errorf("diff does not show B1's new setting:\n%s", flows)
	}
	for _, other := range []string{"~ A1", "~ B2", "~ D1", "~ D2", "~ D3", "~ E3", "Toestemmingsregimes"} {
		if strings.Contains(flows, other) {
			t.Errorf("diff names %q for a change under B1 alone:\n%s", other, flows)
		}
	}
	lines := strings.Split(strings.TrimSpace(decisions), "\n")[1:]
	if len(lines) < 3 || strings.TrimSpace(lines[0]) != "B1" {
		t.Fatalf("decision changes not grouped under B1:\n%s", decisions)
	}
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "    B1, ") {
			t.Errorf("a decision of another flow changes: %q", l)
		}
	}
	if !strings.Contains(decisions, "    B1, ouder stemt in: toegestaan → geweigerd (CONSENT_MISSING)\n") {
		t.Errorf("diff does not list the one-parent B1 decision:\n%s", decisions)
	}

	// The built-in scenarios it breaks now fail, by name.
	code, out, _ = schakel(t, "", "policy", "test", "--bundle", newDir)
	if code != 1 || !strings.Contains(out, "FAIL b1.yaml: ouder stemt in") || !strings.Contains(out, "allow: got false, want true") {
		t.Fatalf("test before accepting: exit %d\n%s", code, out)
	}
	// --accept is for a folder only. (v3-2-andere-ouder.yaml is a B1 file too.)
	if code, _, errOut := schakel(t, "", "policy", "test", "--accept"); code != 2 || !strings.Contains(errOut, "--accept needs --bundle") {
		t.Errorf("--accept on the built-in pack: exit %d %s", code, errOut)
	}
	code, out, _ = schakel(t, "", "policy", "test", "--accept", "--bundle", newDir)
	if code != 0 || !strings.Contains(out, "accepted (built-in b1.yaml, copied to testdata/scenarios/b1.yaml): ouder stemt in: allow true → false") ||
		!strings.Contains(out, "scenarios: the pack's testdata/scenarios/b1.yaml replaces the built-in b1.yaml") || !strings.HasSuffix(out, "PASS\n") {
		t.Fatalf("accept: exit %d\n%s", code, out)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "accepted (") && !strings.Contains(l, "b1.yaml") && !strings.Contains(l, "v3-2-andere-ouder.yaml") && !strings.Contains(l, "leeftijdsgrenzen.yaml): school, ") {
			t.Errorf("accepted a change outside B1: %q", l)
		}
	}
	accepted, err := os.ReadFile(filepath.Join(newDir, "testdata", "scenarios", "b1.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(accepted), "description:") {
		t.Errorf("the accepted file lost its descriptions:\n%s", accepted)
	}
	code, out, _ = schakel(t, "", "policy", "test", "--bundle", newDir)
	if code != 0 || !strings.HasSuffix(out, "PASS\n") {
		t.Fatalf("test after accepting: exit %d\n%s", code, out)
	}
	// The old pack is untouched and still passes.
	if code, out, _ = schakel(t, "", "policy", "test", "--bundle", oldDir); code != 0 {
		t.Fatalf("old pack: exit %d\n%s", code, out)
	}

	// explain on a B1 question with one of two parents.
	in := filepath.Join(t.TempDir(), "b1.json")
	if err := os.WriteFile(in, []byte(`{"purpose": "afstemming_ondersteuning", "mode": "notification",
	  "holder": {"oin": "00000001000000000001", "org_type": "school_po", "role": "intern_begeleider"},
	  "recipient": {"oin": "00000001000000000003", "org_type": "gemeente", "role": "wijkcoach", "gemeente": "GM0153"},
	  "subject": {"age": 9, "gemeente": "GM0153"}, "categories": ["identificatie", "arrangement"],
	  "consents": [{"id": "c-moeder", "given_by": "ouder", "giver": "p-1", "recipient_oin": "00000001000000000003",
	    "purpose": "afstemming_ondersteuning", "categories": ["identificatie", "arrangement"], "given_at": "2026-09-01T00:00:00Z"}],
	  "now": "2026-11-22T10:00:00Z"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = schakel(t, "", "policy", "explain", "--bundle", newDir, "--input", in)
	if code != 0 || !strings.Contains(out, "toestemming van beide ouders nodig; 1 van 2 gevonden") ||
		!strings.Contains(out, "De toestemming van de tweede ouder ontbreekt. (CONSENT_MISSING)") {
		t.Errorf("explain: exit %d %s\n%s", code, errOut, out)
	}
}
