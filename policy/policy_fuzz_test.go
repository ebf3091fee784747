package policy_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"github.com/schakel/schakel/policy"
)

// checkContract asserts what POLICY-CONTRACT.md promises of every decision
// the engine returns without error, whatever the pack: allow exactly when a
// category may be released; released categories are sorted, requested, and
// not also withheld; a denial carries at least one reason with a message, an
// allow none.
func checkContract(t *testing.T, in policy.Input, d policy.Decision) {
	t.Helper()
	if d.Allow != (len(d.Categories) > 0) {
		t.Fatalf("allow=%v with released categories %q", d.Allow, d.Categories)
	}
	if !slices.IsSorted(d.Categories) {
		t.Fatalf("released categories not sorted: %q", d.Categories)
	}
	for _, c := range d.Categories {
		if !slices.Contains(in.Categories, c) {
			t.Fatalf("released category %q that was not requested (%q)", c, in.Categories)
		}
		for _, w := range d.Withheld {
			if w.Category == c {
				t.Fatalf("category %q both released and withheld", c)
			}
		}
	}
	if d.Allow && len(d.Reasons) > 0 {
		t.Fatalf("allow with reasons %v", d.Reasons)
	}
	if !d.Allow {
		if len(d.Reasons) == 0 {
			t.Fatal("deny without a reason")
		}
		for _, r := range d.Reasons {
			if r.Code == "" || r.Message == "" {
				t.Fatalf("reason without code or message: %+v", r)
			}
		}
	}
}

var fuzzEngine = func() func(testing.TB) *policy.Engine {
	var e *policy.Engine
	return func(tb testing.TB) *policy.Engine {
		tb.Helper()
		if e != nil {
			return e
		}
		p, err := policy.LoadPack(policy.DefaultPack())
		if err != nil {
			tb.Fatal(err)
		}
		if e, err = policy.NewEngine(p); err != nil {
			tb.Fatal(err)
		}
		return e
	}
}()

// FuzzParseInput feeds arbitrary text as a decision input. ParseInput must
// never panic and refuse with an *InputError wrapping ErrMalformedInput; an
// input it accepts survives a JSON round trip unchanged, and the default
// pack's decision on it keeps the contract (or fails with ErrEvaluation,
// which the holder treats as a deny).
func FuzzParseInput(f *testing.F) {
	e := fuzzEngine(f)
	f.Add([]byte(`{"purpose":"afstemming_hulp_onderwijs","holder":{"oin":"00000001000000000001","org_type":"school_vo","role":"zorgcoordinator"},` +
		`"recipient":{"oin":"00000001000000000002","org_type":"zorgaanbieder","role":"jeugdhulpverlener","relation":true},` +
		`"subject":{"age":11},"categories":["verzuim","opp","gezondheid"],` +
		`"consents":[{"id":"c-1","given_by":"ouder","recipient_oin":"00000001000000000002","purpose":"afstemming_hulp_onderwijs",` +
		`"categories":["verzuim","opp"],"given_at":"2026-09-01T00:00:00Z","valid_until":"2027-09-01T00:00:00Z","withdrawn_at":null}],` +
		`"now":"2026-11-22T10:00:00Z"}`))
	f.Add([]byte(`{"purpose":"x"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := policy.ParseInput(data)
		if err != nil {
			var ie *policy.InputError
			if !errors.As(err, &ie) || !errors.Is(err, policy.ErrMalformedInput) {
				t.Fatalf("refusal is not an *InputError wrapping ErrMalformedInput: %T %v", err, err)
			}
			return
		}
		b, err := json.Marshal(in)
		if err != nil {
			return // e.g. a year beyond 9999 cannot be written back; nothing to compare
		}
		in2, err := policy.ParseInput(b)
		if err != nil {
			t.Fatalf("accepted input does not parse after a round trip: %v\n%s", err, b)
		}
		if b2, _ := json.Marshal(in2); string(b2) != string(b) {
			t.Fatalf("round trip changed the input:\n%s\n%s", b, b2)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		d, err := e.Decide(ctx, in)
		if err != nil {
			if !errors.Is(err, policy.ErrEvaluation) {
				t.Fatalf("engine error does not wrap ErrEvaluation: %v", err)
			}
			return
		}
		checkContract(t, in, d)
	})
}

func defaultPackFile(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := fs.ReadFile(policy.DefaultPack(), name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// releaseAllRego is a pack that compiles but breaks the contract: it allows
// and releases a category nobody asked for. The engine must not pass such a
// decision on.
const releaseAllRego = `package schakel.decision

decision := {
	"allow": true, "flow": "A1", "basis": "toestemming",
	"categories": ["gezondheid", "verzuim"],
	"withheld": [], "reasons": [], "obligations": [], "consents_used": [],
	"retention_days": 30,
}
`

// FuzzLoadPack loads packs with fuzzed data.yaml and Rego from an in-memory
// folder. LoadPack must never panic and every refusal wraps ErrInvalidPack; a
// pack it accepts and the engine prepares must still only return decisions
// that keep the contract for a standard request (or fail, which is a deny).
func FuzzLoadPack(f *testing.F) {
	data, rego := defaultPackFile(f, "data.yaml"), defaultPackFile(f, "decision.rego")
	f.Add(data, rego)
	f.Add(data, []byte(releaseAllRego))
	f.Add([]byte("flows: [\n"), rego)
	f.Add(data, []byte("package schakel.decision\ndecision := {"))
	in := policy.Input{
		Purpose:    "afstemming_hulp_onderwijs",
		Holder:     policy.Party{OIN: "00000001000000000001", OrgType: "school_vo", Role: "zorgcoordinator"},
		Recipient:  policy.Party{OIN: "00000001000000000002", OrgType: "zorgaanbieder", Role: "jeugdhulpverlener", Relation: true},
		Subject:    policy.Subject{Age: 10},
		Categories: []string{"verzuim"},
		Now:        time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC),
	}
	f.Fuzz(func(t *testing.T, dataYAML, regoSrc []byte) {
		p, err := policy.LoadPack(fstest.MapFS{
			"data.yaml":     {Data: dataYAML},
			"decision.rego": {Data: regoSrc},
		})
		if err != nil {
			if !errors.Is(err, policy.ErrInvalidPack) {
				t.Fatalf("refusal does not wrap ErrInvalidPack: %v", err)
			}
			return
		}
		e, err := policy.NewEngine(p)
		if err != nil {
			return // refused before it could be swapped in
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		d, err := e.Decide(ctx, in)
		if err != nil {
			if !errors.Is(err, policy.ErrEvaluation) {
				t.Fatalf("engine error does not wrap ErrEvaluation: %v", err)
			}
			return
		}
		checkContract(t, in, d)
	})
}
