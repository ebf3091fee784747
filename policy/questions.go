package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// The Rego queries of the other questions (POLICY-CONTRACT.md "The other
// questions"); every pack must answer them.
const (
	InzageQuery     = "data.schakel.decision.inzage"
	ConsultQuery    = "data.schakel.decision.consult"
	MonitoringQuery = "data.schakel.decision.monitoring"
	RegieQuery      = "data.schakel.decision.regie"
)

// InzageInput asks which decision records about one child a requester may
// see (query "inzage").
type InzageInput struct {
	Requester InzageRequesterInput `json:"requester"`
	// Subject.Age is the child's age at Now.
	Subject struct {
		Age int `json:"age"`
	} `json:"subject"`
	Records []InzageRecord `json:"records"`
	Now     time.Time      `json:"now"`
}

// InzageRequesterInput is who asks for inzage: Kind "ouder" or "jeugdige";
// Gezag matters for an ouder.
type InzageRequesterInput struct {
	Kind  string `json:"kind"`
	Gezag bool   `json:"gezag"`
}

// InzageRecord is one decision record about the child. Its class follows
// its flow (an unknown flow is zorg). ReleasedForInzage marks a veiligheid
// record releasable; WithholdFromParents is the professional holding a
// record back from the parents.
type InzageRecord struct {
	ID                  string `json:"id"`
	Flow                string `json:"flow"`
	ReleasedForInzage   bool   `json:"released_for_inzage"`
	WithholdFromParents bool   `json:"withhold_from_parents"`
}

// InzageDecision is the answer to an inzage question: the records shown
// and those held back, each with one code, both sorted by record id. Allow
// is false only when the requester may see no record at all
// (INZAGE_NOT_ENTITLED, then in Reasons).
type InzageDecision struct {
	Allow          bool       `json:"allow"`
	Shown          []string   `json:"shown"`
	HeldBack       []HeldBack `json:"held_back"`
	Reasons        []Reason   `json:"reasons"`
	PolicyRevision string     `json:"policy_revision"`
}

// HeldBack is a record held back from the requester, with its code.
type HeldBack struct {
	Record string `json:"record"`
	Code   string `json:"code"`
}

// ConsultInput asks whether an anonymous consult (N1) may be sent (query
// "consult"). Consult holds the consult's keys and values as given (any
// key, any value: the policy refuses what is not on its closed lists with
// CONSULT_IDENTIFYING). Identifying names the release fields (subject,
// categories, consents, case, case_reference, justification) the request
// carried with a non-empty value; any one refuses the consult.
type ConsultInput struct {
	Purpose     string         `json:"purpose"`
	Flow        string         `json:"flow,omitempty"`
	Mode        string         `json:"mode"`
	Holder      Party          `json:"holder"`
	Recipient   Party          `json:"recipient"`
	Consult     map[string]any `json:"consult"`
	Identifying []string       `json:"identifying,omitempty"`
	Now         time.Time      `json:"now"`
}

// MonitoringInput asks whether an export of counts (M1) may leave (query
// "monitoring"). Every row holds its dimensions as given and "count", a
// non-negative whole number (int64 once parsed).
type MonitoringInput struct {
	Purpose   string           `json:"purpose"`
	Flow      string           `json:"flow,omitempty"`
	Mode      string           `json:"mode"`
	Holder    Party            `json:"holder"`
	Recipient Party            `json:"recipient"`
	Rows      []map[string]any `json:"rows"`
	Now       time.Time        `json:"now"`
}

// MonitoringDecision is a release decision for an M1 export and, when it
// may leave, its rows in the same order with every count below the pack's
// small-cell threshold replaced by the string "<" and the threshold ("<10"
// with the default pack). A refused export has
// no rows.
type MonitoringDecision struct {
	Decision
	Rows []map[string]any `json:"rows,omitempty"`
}

// RegieInput asks whether a member may see the regiehouder view of a case
// (query "regie").
type RegieInput struct {
	Requester struct {
		OIN  string `json:"oin"`
		Role string `json:"role"`
	} `json:"requester"`
	Case Case      `json:"case"`
	Now  time.Time `json:"now"`
}

// RegieDecision is a decision on the regiehouder view: Fields are the only
// fields of the view when allowed (none on a refusal); the gateway fills
// them from the receipts of the case's K1 releases.
type RegieDecision struct {
	Decision
	Fields []string `json:"fields"`
}

// Question is one parsed decision input of any question: Query names it
// and exactly the matching field is set.
type Question struct {
	Query      string
	Release    *Input
	Inzage     *InzageInput
	Consult    *ConsultInput
	Monitoring *MonitoringInput
	Regie      *RegieInput
}

// ParseQuestion reads a decision input of any question, dispatching on its
// query ("release" when absent), as strictly as ParseInput: a malformed
// input is an *InputError naming the field.
func ParseQuestion(data []byte) (Question, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var top any
	if err := dec.Decode(&top); err != nil {
		return Question{}, &InputError{Problem: "not JSON: " + err.Error()}
	}
	if _, err := dec.Token(); err != io.EOF {
		return Question{}, &InputError{Problem: "not JSON: trailing data after the object"}
	}
	m, ok := top.(map[string]any)
	if !ok {
		return Question{}, &InputError{Problem: "must be an object"}
	}
	q := QueryRelease
	if v, ok := m["query"]; ok && v != nil {
		s, ok := v.(string)
		if !ok || !slices.Contains(Queries, s) {
			return Question{}, &InputError{Field: "query", Problem: "must be one of " + joinQuoted(Queries)}
		}
		q = s
	}
	p := parser{}
	out := Question{Query: q}
	switch q {
	case QueryRelease:
		in := p.input(top)
		out.Release = &in
	case QueryInzage:
		in := p.inzage(m)
		out.Inzage = &in
	case QueryConsult:
		in := p.consult(m)
		out.Consult = &in
	case QueryMonitoring:
		in := p.monitoring(m)
		out.Monitoring = &in
	case QueryRegie:
		in := p.regie(m)
		out.Regie = &in
	}
	if p.err != nil {
		return Question{}, p.err
	}
	return out, nil
}

func joinQuoted(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ", "
		}
		out += strconv.Quote(s)
	}
	return out
}

func (p *parser) inzage(m map[string]any) InzageInput {
	p.object(m, "", "query", "requester!", "subject!", "records!", "now!")
	var in InzageInput
	if rm := p.object(m["requester"], "requester", "kind!", "gezag"); rm != nil {
		in.Requester.Kind = p.reqStr(rm, "requester", "kind")
		in.Requester.Gezag = p.boolean(rm, "requester", "gezag")
		p.oneOf("requester.kind", in.Requester.Kind, InzageKinds)
	}
	if sm := p.object(m["subject"], "subject", "age!"); sm != nil {
		age := p.whole(sm, "subject", "age", 0)
		if p.err == nil && (age < 0 || age > MaxAge) {
			p.fail("subject.age", "out of range")
		}
		in.Subject.Age = int(age)
	}
	if _, ok := m["records"].([]any); !ok && p.err == nil {
		p.fail("records", "must be an array")
	}
	seen := map[string]bool{}
	in.Records = []InzageRecord{}
	for i, x := range p.array(m["records"], "records") {
		f := fmt.Sprintf("records[%d]", i)
		rm := p.object(x, f, "id!", "flow!", "released_for_inzage", "withhold_from_parents")
		if rm == nil {
			continue
		}
		r := InzageRecord{
			ID:                  p.reqStr(rm, f, "id"),
			Flow:                p.reqStr(rm, f, "flow"),
			ReleasedForInzage:   p.boolean(rm, f, "released_for_inzage"),
			WithholdFromParents: p.boolean(rm, f, "withhold_from_parents"),
		}
		if p.err == nil && seen[r.ID] {
			p.fail(f+".id", "duplicate record id")
		}
		seen[r.ID] = true
		in.Records = append(in.Records, r)
	}
	in.Now = p.time(m["now"], "now")
	return in
}

// identifyingFields are the release fields a consult may carry only empty.
var identifyingFields = []string{"subject", "categories", "consents", "case", "case_reference", "justification"}

// empty reports whether a JSON value carries nothing: null, "", [] or {}.
// A blank string is a value.
func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// exchange reads the fields consult and monitoring share with a release.
func (p *parser) exchange(m map[string]any) (purpose, flow, mode string, holder, recipient Party) {
	purpose = p.reqStr(m, "", "purpose")
	flow = p.str(m, "", "flow")
	mode = p.str(m, "", "mode")
	if mode == "" {
		mode = ModeRequest
	}
	p.oneOf("mode", mode, Modes)
	holder = p.party(m["holder"], "holder")
	recipient = p.party(m["recipient"], "recipient")
	return
}

func (p *parser) consult(m map[string]any) ConsultInput {
	keys := append([]string{"query", "purpose!", "flow", "mode", "holder!", "recipient!", "consult!", "now!"}, identifyingFields...)
	p.object(m, "", keys...)
	var in ConsultInput
	in.Purpose, in.Flow, in.Mode, in.Holder, in.Recipient = p.exchange(m)
	if cm, ok := m["consult"].(map[string]any); ok {
		in.Consult = cm
	} else if p.err == nil {
		p.fail("consult", "must be an object")
	}
	in.Identifying = []string{}
	for _, f := range identifyingFields {
		if !empty(m[f]) {
			in.Identifying = append(in.Identifying, f)
		}
	}
	in.Now = p.time(m["now"], "now")
	return in
}

func (p *parser) monitoring(m map[string]any) MonitoringInput {
	p.object(m, "", "query", "purpose!", "flow", "mode", "holder!", "recipient!", "rows!", "now!")
	var in MonitoringInput
	in.Purpose, in.Flow, in.Mode, in.Holder, in.Recipient = p.exchange(m)
	if _, ok := m["rows"].([]any); !ok && p.err == nil {
		p.fail("rows", "must be an array")
	}
	in.Rows = []map[string]any{}
	for i, x := range p.array(m["rows"], "rows") {
		f := fmt.Sprintf("rows[%d]", i)
		rm, ok := x.(map[string]any)
		if !ok {
			p.fail(f, "must be an object")
			continue
		}
		c, ok := rm["count"]
		if !ok {
			p.fail(f+".count", "required")
			continue
		}
		n, ok := c.(json.Number)
		v, err := n.Int64()
		if !ok || err != nil {
			p.fail(f+".count", "must be a whole number")
			continue
		}
		if v < 0 {
			p.fail(f+".count", "must not be negative")
			continue
		}
		row := make(map[string]any, len(rm))
		for k, val := range rm {
			row[k] = val
		}
		row["count"] = v
		in.Rows = append(in.Rows, row)
	}
	in.Now = p.time(m["now"], "now")
	return in
}

func (p *parser) regie(m map[string]any) RegieInput {
	p.object(m, "", "query", "requester!", "case!", "now!")
	var in RegieInput
	if rm := p.object(m["requester"], "requester", "oin!", "role!"); rm != nil {
		in.Requester.OIN = p.reqStr(rm, "requester", "oin")
		in.Requester.Role = p.reqStr(rm, "requester", "role")
	}
	if m["case"] == nil && p.err == nil {
		p.fail("case", "required")
	}
	if c := p.caseRecord(m["case"], "case"); c != nil {
		in.Case = *c
	}
	in.Now = p.time(m["now"], "now")
	return in
}

// Answer decides a parsed question with the engine: a Decision (release,
// consult), InzageDecision, MonitoringDecision or RegieDecision, each with
// the pack's revision. The error wraps ErrEvaluation: no answer.
func (e *Engine) Answer(ctx context.Context, q Question) (any, error) {
	switch {
	case q.Release != nil:
		return e.Decide(ctx, *q.Release)
	case q.Inzage != nil:
		return e.Inzage(ctx, *q.Inzage)
	case q.Consult != nil:
		return e.Consult(ctx, *q.Consult)
	case q.Monitoring != nil:
		return e.Monitoring(ctx, *q.Monitoring)
	case q.Regie != nil:
		return e.Regie(ctx, *q.Regie)
	}
	return nil, fmt.Errorf("%w: an empty question", ErrEvaluation)
}

func checkNow(ctx context.Context, now time.Time) error {
	if now.IsZero() {
		return fmt.Errorf("%w: input has no time (now)", ErrEvaluation)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %v", ErrEvaluation, err)
	}
	return nil
}

// evalTerm evaluates a prepared query on an input value and returns the
// result term.
func (e *Engine) evalTerm(ctx context.Context, q rego.PreparedEvalQuery, name string, input ast.Value) (*ast.Term, error) {
	opts := make([]rego.EvalOption, 0, len(e.opts)+1)
	opts = append(append(opts, e.opts...), rego.EvalParsedInput(input))
	rs, err := q.Eval(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrEvaluation, err)
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return nil, fmt.Errorf("%w: %s is undefined", ErrEvaluation, name)
	}
	t, _ := rs[0].Expressions[0].Value.(*ast.Term)
	if t == nil {
		return nil, fmt.Errorf("%w: %s is not a term", ErrEvaluation, name)
	}
	return t, nil
}

// decodeTerm converts a result term into v through JSON (the other
// questions are not on the holder's hot path).
func decodeTerm(t *ast.Term, v any) error {
	x, err := ast.JSON(t.Value)
	if err != nil {
		return err
	}
	b, err := json.Marshal(x)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

func (in *InzageInput) value() (ast.Value, error) {
	recs := make([]*ast.Term, len(in.Records))
	for i, r := range in.Records {
		recs[i] = ast.ObjectTerm(
			ast.Item(keyID, ast.StringTerm(r.ID)),
			ast.Item(keyFlow, ast.StringTerm(r.Flow)),
			ast.Item(ast.StringTerm("released_for_inzage"), ast.BooleanTerm(r.ReleasedForInzage)),
			ast.Item(ast.StringTerm("withhold_from_parents"), ast.BooleanTerm(r.WithholdFromParents)),
		)
	}
	return ast.NewObject(
		ast.Item(keyQuery, ast.StringTerm(QueryInzage)),
		ast.Item(ast.StringTerm("requester"), ast.ObjectTerm(
			ast.Item(ast.StringTerm("kind"), ast.StringTerm(in.Requester.Kind)),
			ast.Item(ast.StringTerm("gezag"), ast.BooleanTerm(in.Requester.Gezag)),
		)),
		ast.Item(keySubject, ast.ObjectTerm(ast.Item(keyAge, ast.IntNumberTerm(in.Subject.Age)))),
		ast.Item(ast.StringTerm("records"), ast.ArrayTerm(recs...)),
		ast.Item(keyNow, nsTerm(&in.Now)),
	), nil
}

// Inzage decides which decision records about one child the requester may
// see (RULES.md "Rights the system serves"). The error wraps ErrEvaluation.
func (e *Engine) Inzage(ctx context.Context, in InzageInput) (InzageDecision, error) {
	if err := checkNow(ctx, in.Now); err != nil {
		return InzageDecision{}, err
	}
	if !slices.Contains(InzageKinds, in.Requester.Kind) {
		return InzageDecision{}, fmt.Errorf("%w: %v", ErrEvaluation, &InputError{Field: "requester.kind", Problem: "must be ouder or jeugdige"})
	}
	v, _ := in.value()
	t, err := e.evalTerm(ctx, e.inzage, InzageQuery, v)
	if err != nil {
		return InzageDecision{}, err
	}
	var d InzageDecision
	if err := decodeTerm(t, &d); err != nil {
		return InzageDecision{}, fmt.Errorf("%w: %s: %v", ErrEvaluation, InzageQuery, err)
	}
	if len(d.Shown)+len(d.HeldBack) != len(in.Records) || (!d.Allow && len(d.Reasons) == 0) || (!d.Allow && len(d.Shown) > 0) {
		return InzageDecision{}, fmt.Errorf("%w: %s: every record must be shown or held back once, and a refusal shows none and says why", ErrEvaluation, InzageQuery)
	}
	d.Shown = nonNil(d.Shown)
	if d.HeldBack == nil {
		d.HeldBack = []HeldBack{}
	}
	if d.Reasons == nil {
		d.Reasons = []Reason{}
	}
	d.PolicyRevision = e.pack.revision
	return d, nil
}

func (in *ConsultInput) value() (ast.Value, error) {
	consult, err := ast.InterfaceToValue(in.Consult)
	if err != nil {
		return nil, err
	}
	if in.Consult == nil {
		consult = ast.NewObject()
	}
	return ast.NewObject(
		ast.Item(keyQuery, ast.StringTerm(QueryConsult)),
		ast.Item(keyPurpose, ast.StringTerm(in.Purpose)),
		ast.Item(keyFlow, ast.StringTerm(in.Flow)),
		ast.Item(keyMode, ast.StringTerm(cmpOr(in.Mode, ModeRequest))),
		ast.Item(keyHolder, partyTerm(&in.Holder)),
		ast.Item(keyRecipient, partyTerm(&in.Recipient)),
		ast.Item(ast.StringTerm("consult"), ast.NewTerm(consult)),
		ast.Item(ast.StringTerm("identifying"), strsTerm(in.Identifying)),
		ast.Item(keyNow, nsTerm(&in.Now)),
	), nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Consult decides whether an anonymous consult (N1) may be sent: a
// decision with no categories, basis geen_persoonsgegevens and no
// obligations; Allow true means it may be sent. The error wraps
// ErrEvaluation.
func (e *Engine) Consult(ctx context.Context, in ConsultInput) (Decision, error) {
	if err := checkNow(ctx, in.Now); err != nil {
		return Decision{}, err
	}
	v, err := in.value()
	if err != nil {
		return Decision{}, fmt.Errorf("%w: consult: %v", ErrEvaluation, err)
	}
	t, err := e.evalTerm(ctx, e.consult, ConsultQuery, v)
	if err != nil {
		return Decision{}, err
	}
	d, err := toDecision(t.Value)
	if err == nil {
		err = checkAnswer(d)
	}
	if err != nil {
		return Decision{}, fmt.Errorf("%w: %s: %v", ErrEvaluation, ConsultQuery, err)
	}
	d.PolicyRevision = e.pack.revision
	d.DecisionID = newID()
	return d, nil
}

// checkAnswer holds a consult, monitoring or regie answer to the contract:
// an allow without reasons, a refusal with at least one reason, each with a
// code and a message.
func checkAnswer(d Decision) error {
	if d.Allow && len(d.Reasons) > 0 {
		return errors.New("an allow with reasons")
	}
	if !d.Allow && len(d.Reasons) == 0 {
		return errors.New("a denial without a reason")
	}
	for _, r := range d.Reasons {
		if r.Code == "" || r.Message == "" {
			return errors.New("a reason without code or message")
		}
	}
	return nil
}

func (in *MonitoringInput) value() (ast.Value, error) {
	rows := make([]any, len(in.Rows))
	for i, r := range in.Rows {
		rows[i] = r
	}
	rv, err := ast.InterfaceToValue(rows)
	if err != nil {
		return nil, err
	}
	return ast.NewObject(
		ast.Item(keyQuery, ast.StringTerm(QueryMonitoring)),
		ast.Item(keyPurpose, ast.StringTerm(in.Purpose)),
		ast.Item(keyFlow, ast.StringTerm(in.Flow)),
		ast.Item(keyMode, ast.StringTerm(cmpOr(in.Mode, ModeRequest))),
		ast.Item(keyHolder, partyTerm(&in.Holder)),
		ast.Item(keyRecipient, partyTerm(&in.Recipient)),
		ast.Item(ast.StringTerm("rows"), ast.NewTerm(rv)),
		ast.Item(keyNow, nsTerm(&in.Now)),
	), nil
}

// Monitoring decides whether an export of counts (M1) may leave, and with
// which cells suppressed. The error wraps ErrEvaluation.
func (e *Engine) Monitoring(ctx context.Context, in MonitoringInput) (MonitoringDecision, error) {
	if err := checkNow(ctx, in.Now); err != nil {
		return MonitoringDecision{}, err
	}
	for i, r := range in.Rows {
		if c, ok := r["count"].(int64); !ok || c < 0 {
			return MonitoringDecision{}, fmt.Errorf("%w: %v", ErrEvaluation, &InputError{Field: fmt.Sprintf("rows[%d].count", i), Problem: "must be a non-negative int64"})
		}
	}
	v, err := in.value()
	if err != nil {
		return MonitoringDecision{}, fmt.Errorf("%w: monitoring: %v", ErrEvaluation, err)
	}
	t, err := e.evalTerm(ctx, e.monitoring, MonitoringQuery, v)
	if err != nil {
		return MonitoringDecision{}, err
	}
	d, err := toDecision(t.Value)
	if err == nil {
		err = checkAnswer(d)
	}
	var out MonitoringDecision
	if err == nil {
		var rows struct {
			Rows []map[string]any `json:"rows"`
		}
		err = decodeTerm(t, &rows)
		out.Rows = rows.Rows
	}
	if err == nil && d.Allow && len(out.Rows) != len(in.Rows) {
		err = errors.New("an allowed export must answer every row")
	}
	if err == nil && !d.Allow && out.Rows != nil {
		err = errors.New("a refused export answers rows")
	}
	if err == nil && d.Allow && out.Rows == nil {
		out.Rows = []map[string]any{}
	}
	if err != nil {
		return MonitoringDecision{}, fmt.Errorf("%w: %s: %v", ErrEvaluation, MonitoringQuery, err)
	}
	d.PolicyRevision = e.pack.revision
	d.DecisionID = newID()
	out.Decision = d
	return out, nil
}

// Regie decides whether the requester may see the regiehouder view of the
// case (RULES.md "The case team"). The error wraps ErrEvaluation.
func (e *Engine) Regie(ctx context.Context, in RegieInput) (RegieDecision, error) {
	if err := checkNow(ctx, in.Now); err != nil {
		return RegieDecision{}, err
	}
	for i, m := range in.Case.Members {
		if !slices.Contains(Rings, m.Ring) {
			return RegieDecision{}, fmt.Errorf("%w: %v", ErrEvaluation, &InputError{Field: fmt.Sprintf("case.members[%d].ring", i), Problem: "must be kern, tweede_ring or gast"})
		}
	}
	c := in.Case
	v := ast.NewObject(
		ast.Item(keyQuery, ast.StringTerm(QueryRegie)),
		ast.Item(ast.StringTerm("requester"), ast.ObjectTerm(
			ast.Item(keyOin, ast.StringTerm(in.Requester.OIN)),
			ast.Item(keyRole, ast.StringTerm(in.Requester.Role)),
		)),
		ast.Item(keyCase, caseTerm(&c)),
		ast.Item(keyNow, nsTerm(&in.Now)),
	)
	t, err := e.evalTerm(ctx, e.regie, RegieQuery, v)
	if err != nil {
		return RegieDecision{}, err
	}
	d, err := toDecision(t.Value)
	if err == nil {
		err = checkAnswer(d)
	}
	var out RegieDecision
	if err == nil {
		var f struct {
			Fields []string `json:"fields"`
		}
		err = decodeTerm(t, &f)
		out.Fields = nonNil(f.Fields)
	}
	if err == nil && !d.Allow && len(out.Fields) > 0 {
		err = errors.New("a refusal names fields")
	}
	if err != nil {
		return RegieDecision{}, fmt.Errorf("%w: %s: %v", ErrEvaluation, RegieQuery, err)
	}
	d.PolicyRevision = e.pack.revision
	d.DecisionID = newID()
	out.Decision = d
	return out, nil
}
