package policy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// Query is the Rego query every pack must answer with a decision object.
const Query = "data.schakel.decision.decision"

// PrecheckQuery is the Rego query every pack must answer with the decision
// on the request alone (see Engine.Precheck).
const PrecheckQuery = "data.schakel.decision.precheck"

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
	pack     *Pack
	query    rego.PreparedEvalQuery
	precheck rego.PreparedEvalQuery
	// The other questions (questions.go).
	inzage, consult, monitoring, regie rego.PreparedEvalQuery
	// opts are the per-decision evaluation options besides the input: one
	// read transaction on the pack's immutable store, opened once (reads of
	// an inmem store are pure, so it is shared by concurrent decisions);
	// a cancel that never fires instead of a cancellation goroutine per
	// decision (a decision takes microseconds; Decide checks ctx before it
	// starts); and the result kept as an AST term, converted to a Decision
	// without an intermediate Go map.
	opts []rego.EvalOption
	// fast decides releases and prechecks when it agreed with the Rego at
	// load (fast.go, fastverify.go); nil: the Rego decides.
	fast       *fastPath
	fastStatus FastPathStatus
}

// NewEngine prepares the decision query for the pack and evaluates sample
// inputs (an allow and a deny) before it returns, so a pack that cannot
// decide is refused before it is swapped in.
func NewEngine(p *Pack) (*Engine, error) {
	ctx := context.Background()
	store := inmem.NewFromObjectWithOpts(p.opaData, inmem.OptReturnASTValuesOnRead(true))
	r := rego.New(
		rego.Query(Query),
		rego.Compiler(p.compiler),
		rego.Store(store),
	)
	pq, err := r.PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: prepare %s: %v", ErrInvalidPack, Query, err)
	}
	pre, err := rego.New(rego.Query(PrecheckQuery), rego.Compiler(p.compiler), rego.Store(store)).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: prepare %s: %v", ErrInvalidPack, PrecheckQuery, err)
	}
	others := map[string]*rego.PreparedEvalQuery{}
	var ins, con, mon, reg rego.PreparedEvalQuery
	others[InzageQuery], others[ConsultQuery], others[MonitoringQuery], others[RegieQuery] = &ins, &con, &mon, &reg
	for q, dst := range others {
		if *dst, err = rego.New(rego.Query(q), rego.Compiler(p.compiler), rego.Store(store)).PrepareForEval(ctx); err != nil {
			return nil, fmt.Errorf("%w: prepare %s: %v", ErrInvalidPack, q, err)
		}
	}
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPack, err)
	}
	e := &Engine{pack: p, query: pq, precheck: pre, inzage: ins, consult: con, monitoring: mon, regie: reg, opts: []rego.EvalOption{
		rego.EvalTransaction(txn),
		rego.EvalExternalCancel(topdown.NewCancel()),
		rego.EvalGenerateJSON(keepTerm),
	}}
	e.setupFast()
	for i, in := range sampleInputs() {
		d, err := e.Decide(ctx, in)
		if err == nil {
			err = checkSample(in, d)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: sample input %d (%s): %v", ErrInvalidPack, i, in.Purpose, err)
		}
		pd, err := e.Precheck(ctx, in)
		if err == nil && pd.Allow != (in.Purpose != samplePurpose) {
			err = fmt.Errorf("precheck allow is %v", pd.Allow)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: sample input %d (%s), precheck: %v", ErrInvalidPack, i, in.Purpose, err)
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
		Subject:    Subject{Age: 10, EnrolledAtHolder: true, ParentsWithGezag: 1},
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

// checkInput is what Decide and Precheck check before they evaluate: the
// input has a time, the context is not done, and its enumerations are known.
// Every failure wraps ErrEvaluation.
func checkInput(ctx context.Context, in Input) error {
	if in.Now.IsZero() {
		return fmt.Errorf("%w: input has no time (now)", ErrEvaluation)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %v", ErrEvaluation, err)
	}
	if err := in.checkEnums(); err != nil {
		return fmt.Errorf("%w: %v", ErrEvaluation, err)
	}
	return nil
}

// Decide evaluates one input. It fills in PolicyRevision and a fresh
// DecisionID. An error (wrapping ErrEvaluation) is not a decision: the caller
// must release nothing.
func (e *Engine) Decide(ctx context.Context, in Input) (Decision, error) {
	if err := checkInput(ctx, in); err != nil {
		return Decision{}, err
	}
	d, ok := Decision{}, false
	if e.fast != nil {
		d, ok = e.fast.decide(&in, false)
	}
	if !ok {
		var err error
		if d, err = e.eval(ctx, e.query, Query, in); err != nil {
			return Decision{}, err
		}
	}
	if err := checkDecision(in, d); err != nil {
		return Decision{}, fmt.Errorf("%w: %v", ErrEvaluation, err)
	}
	d.PolicyRevision = e.pack.revision
	d.DecisionID = newID()
	return d, nil
}

// Precheck decides on the request alone, before the gateway looks the
// child up (RULES.md "What the holder checks before it looks at the
// child"): purpose, flow, mode, roles, relation, justification, case
// reference. It ignores in.Subject and in.Consents (they are not passed to
// the policy). A deny has its reasons in the contract's order, and every
// requested category withheld with the first blocking code; Allow true
// means only "go on, look the child up, then call Decide": a precheck
// never releases a category. An error (wrapping ErrEvaluation) must be
// treated as a deny.
func (e *Engine) Precheck(ctx context.Context, in Input) (Decision, error) {
	if err := checkInput(ctx, in); err != nil {
		return Decision{}, err
	}
	in.Subject, in.Consents = Subject{}, nil
	d, ok := Decision{}, false
	if e.fast != nil {
		d, ok = e.fast.decide(&in, true)
	}
	if !ok {
		var err error
		if d, err = e.eval(ctx, e.precheck, PrecheckQuery, in); err != nil {
			return Decision{}, err
		}
	}
	var err error
	switch {
	case len(d.Categories) > 0:
		err = errors.New("precheck: releases categories")
	case d.Allow && len(d.Reasons) > 0:
		err = errors.New("precheck: an allow with reasons")
	case !d.Allow && len(d.Reasons) == 0:
		err = errors.New("precheck: a denial without a reason")
	}
	for _, r := range d.Reasons {
		if r.Code == "" || r.Message == "" {
			err = errors.New("precheck: a reason without code or message")
		}
	}
	if err != nil {
		return Decision{}, fmt.Errorf("%w: %v", ErrEvaluation, err)
	}
	d.PolicyRevision = e.pack.revision
	d.DecisionID = newID()
	return d, nil
}

func (e *Engine) eval(ctx context.Context, q rego.PreparedEvalQuery, name string, in Input) (Decision, error) {
	opts := make([]rego.EvalOption, 0, len(e.opts)+1)
	opts = append(append(opts, e.opts...), rego.EvalParsedInput(in.value()))
	rs, err := q.Eval(ctx, opts...)
	if err != nil {
		return Decision{}, fmt.Errorf("%w: %v", ErrEvaluation, err)
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return Decision{}, fmt.Errorf("%w: %s is undefined", ErrEvaluation, name)
	}
	t, _ := rs[0].Expressions[0].Value.(*ast.Term)
	if t == nil {
		return Decision{}, fmt.Errorf("%w: %s is not a term", ErrEvaluation, name)
	}
	d, err := toDecision(t.Value)
	if err != nil {
		return Decision{}, fmt.Errorf("%w: %v", ErrEvaluation, err)
	}
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

// keepTerm makes the query result the AST term itself.
func keepTerm(t *ast.Term, _ *rego.EvalContext) (any, error) { return t, nil }

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// decisionKeys are the keys of a decision object, allocated once.
var decisionKeys = func() map[string]*ast.Term {
	m := make(map[string]*ast.Term)
	for _, k := range []string{"allow", "flow", "basis", "categories", "withheld", "reasons", "obligations",
		"consents_used", "retention_days", "category", "code", "message"} {
		m[k] = ast.StringTerm(k)
	}
	return m
}()

// toDecision converts the Rego result, an AST object, without a JSON or Go
// map round trip.
func toDecision(v ast.Value) (Decision, error) {
	obj, ok := v.(ast.Object)
	if !ok {
		return Decision{}, fmt.Errorf("decision is %s, not an object", ast.ValueName(v))
	}
	var d Decision
	var err error
	bad := func(key string) {
		if err == nil {
			err = fmt.Errorf("decision.%s has the wrong type", key)
		}
	}
	get := func(key string) ast.Value {
		t := obj.Get(decisionKeys[key])
		if t == nil {
			return nil
		}
		return t.Value
	}
	if b, ok := get("allow").(ast.Boolean); ok {
		d.Allow = bool(b)
	} else {
		bad("allow")
	}
	optStr := func(key string) *string {
		switch x := get(key).(type) {
		case ast.Null:
			return nil
		case ast.String:
			s := string(x)
			return &s
		}
		bad(key)
		return nil
	}
	strs := func(key string) []string {
		arr, ok := get(key).(*ast.Array)
		if !ok {
			bad(key)
			return []string{}
		}
		out := make([]string, arr.Len())
		for i := range out {
			s, ok := arr.Elem(i).Value.(ast.String)
			if !ok {
				bad(key)
			}
			out[i] = string(s)
		}
		return out
	}
	pairs := func(key, a, b string) [][2]string {
		arr, ok := get(key).(*ast.Array)
		if !ok {
			bad(key)
			return nil
		}
		out := make([][2]string, arr.Len())
		for i := range out {
			o, _ := arr.Elem(i).Value.(ast.Object)
			var s1, s2 ast.String
			var ok1, ok2 bool
			if o != nil {
				if t := o.Get(decisionKeys[a]); t != nil {
					s1, ok1 = t.Value.(ast.String)
				}
				if t := o.Get(decisionKeys[b]); t != nil {
					s2, ok2 = t.Value.(ast.String)
				}
			}
			if !ok1 || !ok2 {
				bad(key)
			}
			out[i] = [2]string{string(s1), string(s2)}
		}
		return out
	}
	d.Flow = optStr("flow")
	d.Basis = optStr("basis")
	d.Categories = strs("categories")
	d.Obligations = strs("obligations")
	d.ConsentsUsed = strs("consents_used")
	withheld := pairs("withheld", "category", "code")
	d.Withheld = make([]Withheld, len(withheld))
	for i, p := range withheld {
		d.Withheld[i] = Withheld{Category: p[0], Code: p[1]}
	}
	reasons := pairs("reasons", "code", "message")
	d.Reasons = make([]Reason, len(reasons))
	for i, p := range reasons {
		d.Reasons[i] = Reason{Code: p[0], Message: p[1]}
	}
	if n, ok := get("retention_days").(ast.Number); ok {
		if i, ok := n.Int(); ok {
			d.RetentionDays = i
		} else {
			bad("retention_days")
		}
	} else {
		bad("retention_days")
	}
	return d, err
}
