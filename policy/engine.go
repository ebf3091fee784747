package policy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// Query is the Rego query every pack must answer with a decision object.
const Query = "data.schakel.decision.decision"

// Decision is the answer of POLICY-CONTRACT.md. Flow and Basis are nil (JSON
// null) when no flow matched; every slice is non-nil.
type Decision struct {
	Allow          bool       `json:"allow"`
	Flow           *string    `json:"flow"`
	Basis          *string    `json:"basis"`
	Categories     []string   `json:"categories"`
	Withheld       []Withheld `json:"withheld"`
	Reasons        []Reason   `json:"reasons"`
	Obligations    []string   `json:"obligations"`
	ConsentsUsed   []string   `json:"consents_used"`
	RetentionDays  int        `json:"retention_days"`
	PolicyRevision string     `json:"policy_revision"`
	// DecisionID is unique per decision (128 random bits, hex) for the
	// audit record; it is not part of the contract's JSON.
	DecisionID string `json:"-"`
}

// Withheld is a requested category that may not be released, with its code.
type Withheld struct {
	Category string `json:"category"`
	Code     string `json:"code"`
}

// Reason is why a decision denies: a stable code and a Dutch message.
type Reason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// FlowID returns the matched flow, "" when none.
func (d *Decision) FlowID() string {
	if d.Flow == nil {
		return ""
	}
	return *d.Flow
}

// ErrEvaluation is wrapped by Decide when the policy fails to produce a
// decision. A caller must treat it as a deny (fail closed).
var ErrEvaluation = errors.New("policy evaluation failed")

// Engine evaluates decisions of one pack with a query prepared once. It is
// safe for concurrent use.
type Engine struct {
	pack  *Pack
	query rego.PreparedEvalQuery
}

// NewEngine prepares the decision query for the pack and evaluates sample
// inputs (an allow and a deny) before it returns, so a pack that cannot
// decide is refused before it is swapped in.
func NewEngine(p *Pack) (*Engine, error) {
	ctx := context.Background()
	r := rego.New(
		rego.Query(Query),
		rego.Compiler(p.compiler),
		rego.Store(inmem.NewFromObjectWithOpts(p.opaData, inmem.OptReturnASTValuesOnRead(true))),
	)
	pq, err := r.PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: prepare %s: %v", ErrInvalidPack, Query, err)
	}
	e := &Engine{pack: p, query: pq}
	for i, in := range sampleInputs() {
		d, err := e.Decide(ctx, in)
		if err == nil {
			err = checkSample(in, d)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: sample input %d (%s): %v", ErrInvalidPack, i, in.Purpose, err)
		}
	}
	return e, nil
}

// checkSample holds a sample decision to the contract's invariants: a deny
// carries a reason, an allow none, nothing is released that was not asked,
// and an unknown purpose matches no flow.
func checkSample(in Input, d Decision) error {
	switch {
	case !d.Allow && len(d.Reasons) == 0:
		return errors.New("a deny without a reason")
	case d.Allow && len(d.Reasons) > 0:
		return errors.New("an allow with reasons")
	case d.Allow && len(d.Categories) == 0:
		return errors.New("an allow that releases nothing")
	case !d.Allow && len(d.Categories) > 0:
		return errors.New("a deny that releases categories")
	}
	for _, c := range d.Categories {
		if !slices.Contains(in.Categories, c) {
			return fmt.Errorf("category %q released but not requested", c)
		}
	}
	if in.Purpose == samplePurpose && (d.Allow || d.Flow != nil) {
		return errors.New("an unknown purpose is not a deny without a flow")
	}
	return nil
}

const samplePurpose = "sample_unknown_purpose"

// sampleInputs are evaluated by NewEngine: one well-formed request and one
// with an unknown purpose.
func sampleInputs() []Input {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	a1 := Input{
		Purpose:    "afstemming_hulp_onderwijs",
		Holder:     Party{OIN: "00000001000000000001", OrgType: "school_vo", Role: "zorgcoordinator"},
		Recipient:  Party{OIN: "00000001000000000002", OrgType: "zorgaanbieder", Role: "jeugdhulpverlener", Relation: true},
		Subject:    Subject{Age: 10},
		Categories: []string{"verzuim"},
		Consents: []Consent{{ID: "c-1", GivenBy: "ouder", RecipientOIN: "00000001000000000002",
			Purpose: "afstemming_hulp_onderwijs", Categories: []string{"verzuim"}, GivenAt: now.Add(-time.Hour)}},
		Now: now,
	}
	unknown := a1
	unknown.Purpose = samplePurpose
	return []Input{a1, unknown}
}

// Pack returns the engine's pack.
func (e *Engine) Pack() *Pack { return e.pack }

// Revision is the pack's revision, reported in every decision.
func (e *Engine) Revision() string { return e.pack.revision }

// Decide evaluates one input. It fills in PolicyRevision and a fresh
// DecisionID. An error (wrapping ErrEvaluation) is not a decision: the caller
// must release nothing.
func (e *Engine) Decide(ctx context.Context, in Input) (Decision, error) {
	if in.Now.IsZero() {
		return Decision{}, fmt.Errorf("%w: input has no time (now)", ErrEvaluation)
	}
	rs, err := e.query.Eval(ctx, rego.EvalParsedInput(in.value()))
	if err != nil {
		return Decision{}, fmt.Errorf("%w: %v", ErrEvaluation, err)
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return Decision{}, fmt.Errorf("%w: %s is undefined", ErrEvaluation, Query)
	}
	d, err := toDecision(rs[0].Expressions[0].Value)
	if err != nil {
		return Decision{}, fmt.Errorf("%w: %v", ErrEvaluation, err)
	}
	if err := checkDecision(in, d); err != nil {
		return Decision{}, fmt.Errorf("%w: %v", ErrEvaluation, err)
	}
	d.PolicyRevision = e.pack.revision
	d.DecisionID = newID()
	return d, nil
}

// checkDecision enforces the contract on a pack's answer, whatever the Rego
// says, so that a faulty (even correctly signed) pack cannot release more
// than was asked: allow exactly when categories are released; released
// categories are requested, sorted, and not withheld; a denial has a reason
// with a message and an allow has none.
func checkDecision(in Input, d Decision) error {
	if d.Allow != (len(d.Categories) > 0) {
		return fmt.Errorf("decision: allow is %v with %d released categories", d.Allow, len(d.Categories))
	}
	if !slices.IsSorted(d.Categories) {
		return errors.New("decision: released categories are not sorted")
	}
	for _, c := range d.Categories {
		if !slices.Contains(in.Categories, c) {
			return fmt.Errorf("decision: releases category %q that was not requested", c)
		}
		for _, w := range d.Withheld {
			if w.Category == c {
				return fmt.Errorf("decision: category %q is both released and withheld", c)
			}
		}
	}
	if d.Allow && len(d.Reasons) > 0 {
		return errors.New("decision: an allow with reasons")
	}
	if !d.Allow && len(d.Reasons) == 0 {
		return errors.New("decision: a denial without a reason")
	}
	for _, r := range d.Reasons {
		if r.Code == "" || r.Message == "" {
			return errors.New("decision: a reason without code or message")
		}
	}
	return nil
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// toDecision converts the Rego result without a JSON round trip.
func toDecision(v any) (Decision, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return Decision{}, fmt.Errorf("decision is %T, not an object", v)
	}
	var d Decision
	var err error
	bad := func(key string) {
		if err == nil {
			err = fmt.Errorf("decision.%s has the wrong type", key)
		}
	}
	d.Allow, ok = m["allow"].(bool)
	if !ok {
		bad("allow")
	}
	optStr := func(key string) *string {
		switch x := m[key].(type) {
		case nil:
			return nil
		case string:
			return &x
		}
		bad(key)
		return nil
	}
	strs := func(key string) []string {
		arr, ok := m[key].([]any)
		if !ok {
			bad(key)
			return []string{}
		}
		out := make([]string, len(arr))
		for i, x := range arr {
			if out[i], ok = x.(string); !ok {
				bad(key)
			}
		}
		return out
	}
	d.Flow = optStr("flow")
	d.Basis = optStr("basis")
	d.Categories = strs("categories")
	d.Obligations = strs("obligations")
	d.ConsentsUsed = strs("consents_used")
	pairs := func(key, a, b string) [][2]string {
		arr, ok := m[key].([]any)
		if !ok {
			bad(key)
			return nil
		}
		out := make([][2]string, len(arr))
		for i, x := range arr {
			o, _ := x.(map[string]any)
			s1, ok1 := o[a].(string)
			s2, ok2 := o[b].(string)
			if !ok1 || !ok2 {
				bad(key)
			}
			out[i] = [2]string{s1, s2}
		}
		return out
	}
	d.Withheld = []Withheld{}
	for _, p := range pairs("withheld", "category", "code") {
		d.Withheld = append(d.Withheld, Withheld{Category: p[0], Code: p[1]})
	}
	d.Reasons = []Reason{}
	for _, p := range pairs("reasons", "code", "message") {
		d.Reasons = append(d.Reasons, Reason{Code: p[0], Message: p[1]})
	}
	switch n := m["retention_days"].(type) {
	case json.Number:
		i, e := n.Int64()
		if e != nil {
			bad("retention_days")
		}
		d.RetentionDays = int(i)
	case int:
		d.RetentionDays = n
	default:
		bad("retention_days")
	}
	return d, err
}
