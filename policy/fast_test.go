package policy

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestFastPathAgreesWithRego: on the default pack the fast path is active
// and decides exactly as the Rego on many random inputs (other seeds than
// the check at load), as decision and as precheck.
func TestFastPathAgreesWithRego(t *testing.T) {
	e := defaultEngine(t)
	if st := e.FastPath(); !st.Active {
		t.Fatalf("the default pack is decided by the Rego alone: %s", st.Reason)
	}
	// 4,000 inputs under `make test` (the race detector slows the Rego);
	// SCHAKEL_FAST_PATH_INPUTS=50000 for a longer comparison.
	n := 4000
	if v, err := strconv.Atoi(os.Getenv("SCHAKEL_FAST_PATH_INPUTS")); err == nil && v > 0 {
		n = v
	}
	fp, st := e.verifyFast(randomInputs(&e.pack.data, n, 7))
	if fp == nil {
		t.Fatalf("fast path and Rego differ: %s", st.Reason)
	}
	if st.Checked < 2*n {
		t.Fatalf("only %d of %d inputs checked", st.Checked, 2*n)
	}
	// The random inputs reach the rules: allows, attested consents waiting
	// for the notice, both parents, K1 grants, and most reason codes.
	allows, codes, obligations := 0, map[string]bool{}, map[string]bool{}
	for _, in := range randomInputs(&e.pack.data, n, 7) {
		d, ok := fp.decide(&in, false)
		if !ok {
			continue
		}
		if d.Allow {
			allows++
		}
		for _, r := range d.Reasons {
			codes[r.Code] = true
		}
		for _, w := range d.Withheld {
			codes[w.Code] = true
		}
		for _, o := range d.Obligations {
			obligations[o] = true
		}
	}
	if allows < n/50 {
		t.Errorf("only %d of %d random inputs are allowed: the comparison barely covers releases", allows, n)
	}
	for _, c := range []string{"UNKNOWN_PURPOSE", "NO_MATCHING_FLOW", "MODE_NOT_ALLOWED", "ROLE_NOT_ALLOWED", "RELATION_REQUIRED",
		"CASE_NOT_OPEN", "NOT_A_MEMBER", "NOT_RESIDENT", "NOT_ENROLLED_AT_HOLDER", "CONSENT_MISSING", "CONSENT_WITHDRAWN",
		"CONSENT_EXPIRED", "CATEGORY_NOT_IN_FLOW", "CATEGORY_NOT_CONSENTED", "ATTESTED_CONSENT_PENDING", "JUSTIFICATION_REQUIRED",
		"CASE_REFERENCE_REQUIRED", "NOT_ENROLLED", "INZAGE_REQUIRED", "VERZUIM_THRESHOLD_NOT_MET", "VERZUIM_MELDING_REQUIRED",
		"BEROEPSGEHEIM_REQUIRED", "AGE_OUT_OF_SCOPE"} {
		if !codes[c] {
			t.Errorf("no random input is decided %s", c)
		}
	}
	for _, o := range []string{"inform_subject", "inform_other_parent", "inform_before_release", "record_in_pupil_file", "inform_parents"} {
		if !obligations[o] {
			t.Errorf("no random input carries obligation %s", o)
		}
	}
	t.Logf("%d inputs, %d allowed, %d codes, %d obligations", n, allows, len(codes), len(obligations))
}

// TestFastPathOffWhenItDiffers: a fast path that answers differently from
// the Rego is not used; the engine says why and decides with the Rego.
func TestFastPathOffWhenItDiffers(t *testing.T) {
	e := defaultEngine(t)
	fp, err := newFastPath(e.pack.opaData)
	if err != nil {
		t.Fatal(err)
	}
	// A fast path whose messages differ from the pack's: every deny differs.
	for k := range fp.d.Messages {
		fp.d.Messages[k] = "anders"
	}
	e2 := *e
	e2.fast = nil
	bad, st := e2.verifyWith(fp, randomInputs(&e.pack.data, 50, 3))
	if bad != nil || st.Active || st.Reason == "" {
		t.Fatalf("a differing fast path was accepted: %+v", st)
	}
	// The Rego still decides for such an engine.
	in := sampleInputs()[0]
	d, err := e2.Decide(context.Background(), in)
	if err != nil || !d.Allow {
		t.Fatalf("Rego decision: %v %v", d, err)
	}
}

// TestFastPathOffForAChangedRego: a pack whose Rego was changed (F1 up to
// 23) while its data stayed the same is decided by its Rego: the check at
// load finds the scenario where the fast path (derived from the data)
// would decide otherwise, and the engine says so.
func TestFastPathOffForAChangedRego(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, DefaultPack()); err != nil {
		t.Fatal(err)
	}
	path := dir + "/decision.rego"
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(src), "\tinput.subject.age <= f.age_to\n", "\tinput.subject.age <= f.age_to + 1\n", 1)
	if changed == string(src) {
		t.Fatal("the age check to change is not in decision.rego")
	}
	if err := os.WriteFile(path, []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := LoadPack(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(p)
	if err != nil {
		t.Fatal(err)
	}
	if st := e.FastPath(); st.Active || st.Reason == "" {
		t.Fatalf("a pack whose Rego differs from its data's fast path is decided by the fast path: %+v", st)
	}
}
