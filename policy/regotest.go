package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// RegoTestResult is the outcome of one test_ rule of the pack's *_test.rego
// files.
type RegoTestResult struct {
	File    string // the test file, relative to the pack
	Row     int
	Name    string // package and rule, e.g. data.schakel.decision_test.test_contract_example
	Pass    bool
	Skipped bool
	Error   string // evaluation error, "" when none
	// Failure says, for a failed test, which expression failed and what it
	// got and expected (for got == want), "" when it cannot be told.
	Failure string
}

// HasRegoTests reports whether the pack holds any *_test.rego file.
func (p *Pack) HasRegoTests() bool {
	for name := range p.files {
		if isRegoTest(name) {
			return true
		}
	}
	return false
}

func isRegoTest(name string) bool {
	return strings.HasSuffix(name, "_test.rego") && !inTestdata(name)
}

// RunRegoTests runs the pack's Rego tests (every rule named test_* in its
// modules) with OPA's test runner, against the rules exactly as the engine
// loads them (data.schakel.rules). An error means the tests could not run; a
// failed test is a result.
func (p *Pack) RunRegoTests(ctx context.Context) ([]RegoTestResult, error) {
	// Fresh module copies: the runner compiles them with its own stages.
	modules := make(map[string]*ast.Module, len(p.modules))
	for name, m := range p.modules {
		modules[name] = m.Copy()
	}
	store := inmem.NewFromObjectWithOpts(p.opaData, inmem.OptReturnASTValuesOnRead(true))
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		return nil, err
	}
	defer store.Abort(ctx, txn)
	ch, err := tester.NewRunner().
		SetDefaultRegoVersion(ast.RegoV1).
		SetStore(store).
		SetModules(modules).
		RunTests(ctx, txn)
	if err != nil {
		return nil, fmt.Errorf("rego tests: %w", err)
	}
	var out []RegoTestResult
	for r := range ch {
		res := RegoTestResult{Name: r.Package + "." + r.Name, Pass: r.Pass(), Skipped: r.Skip}
		if r.Location != nil {
			res.File, res.Row = path.Clean(r.Location.File), r.Location.Row
		}
		if r.Error != nil {
			res.Error = r.Error.Error()
		}
		out = append(out, res)
	}
	for i := range out {
		if !out[i].Pass && !out[i].Skipped && out[i].Error == "" {
			out[i].Failure = p.explainFailure(ctx, out[i].Name)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Row < out[j].Row
	})
	return out, nil
}

// explainFailure re-runs one failed test with tracing and describes the
// last expression of its body that failed: its text and line, and for an
// equality the value got (left) and expected (right); else the values of
// the variables it reads.
func (p *Pack) explainFailure(ctx context.Context, name string) string {
	i := strings.LastIndex(name, ".")
	if i < 0 {
		return ""
	}
	pkg, rule := strings.TrimPrefix(name[:i], "data."), name[i+1:]
	modules := make(map[string]*ast.Module, len(p.modules))
	for n, m := range p.modules {
		modules[n] = m.Copy()
	}
	store := inmem.NewFromObjectWithOpts(p.opaData, inmem.OptReturnASTValuesOnRead(true))
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		return ""
	}
	defer store.Abort(ctx, txn)
	runner := tester.NewRunner().SetDefaultRegoVersion(ast.RegoV1).SetStore(store).SetModules(modules).
		EnableTracing(true).Filter("^" + regexp.QuoteMeta(name) + "$")
	ch, err := runner.RunTests(ctx, txn)
	if err != nil {
		return ""
	}
	var failed *topdown.Event
	for r := range ch {
		for _, ev := range r.Trace {
			expr, ok := ev.Node.(*ast.Expr)
			if ev.Op != topdown.FailOp || !ok || expr.Location == nil {
				continue
			}
			if inRule(modules, pkg, rule, expr.Location) {
				failed = ev
			}
		}
	}
	if failed == nil {
		return ""
	}
	expr := failed.Node.(*ast.Expr)
	text := strings.TrimSpace(string(expr.Location.Text))
	msg := fmt.Sprintf("line %d: %s", expr.Location.Row, text)
	value := func(t *ast.Term) string {
		v, err := p.evalTerm(ctx, pkg, plug(t, failed.Locals))
		if err != nil {
			return "?"
		}
		return v
	}
	if terms, ok := expr.Terms.([]*ast.Term); ok && len(terms) == 3 && !expr.Negated &&
		(terms[0].Value.Compare(ast.Equal.Ref()) == 0 || terms[0].Value.Compare(ast.Equality.Ref()) == 0) {
		return fmt.Sprintf("%s\n    got:      %s\n    expected: %s", msg, value(terms[1]), value(terms[2]))
	}
	var vars []string
	ast.WalkVars(expr, func(v ast.Var) bool {
		if val := failed.Locals.Get(v); val != nil {
			n := string(v)
			if md, ok := failed.LocalMetadata[v]; ok {
				n = string(md.Name)
			}
			vars = append(vars, fmt.Sprintf("%s = %s", n, val))
		}
		return false
	})
	if len(vars) > 0 {
		msg += "\n    with " + strings.Join(vars, ", ")
	}
	return msg
}

// inRule reports whether loc lies in the body of the named test rule.
func inRule(modules map[string]*ast.Module, pkg, rule string, loc *ast.Location) bool {
	for _, m := range modules {
		if m.Package.Path.String() != "data."+pkg {
			continue
		}
		for _, r := range m.Rules {
			if r.Head.Name.String() != rule || r.Location == nil || r.Location.File != loc.File {
				continue
			}
			end := r.Location.Row + strings.Count(string(r.Location.Text), "\n")
			if loc.Row > r.Location.Row && loc.Row <= end {
				return true
			}
		}
	}
	return false
}

// plug replaces the variables of t that are bound in locals by their values.
func plug(t *ast.Term, locals *ast.ValueMap) *ast.Term {
	if locals == nil {
		return t
	}
	out, err := ast.TransformVars(t.Copy(), func(v ast.Var) (ast.Value, error) {
		if val := locals.Get(v); val != nil {
			return val, nil
		}
		return v, nil
	})
	if err != nil {
		return t
	}
	switch x := out.(type) {
	case *ast.Term:
		return x
	case ast.Value:
		return ast.NewTerm(x)
	}
	return t
}

// evalTerm evaluates a term in the test's package (so its functions
// resolve) against the pack's rules, and prints the value as JSON.
func (p *Pack) evalTerm(ctx context.Context, pkg string, t *ast.Term) (string, error) {
	r := rego.New(
		rego.Query("__value__ := "+t.String()),
		rego.Package(pkg),
		rego.Compiler(p.compiler),
		rego.Store(inmem.NewFromObjectWithOpts(p.opaData, inmem.OptReturnASTValuesOnRead(true))),
	)
	rs, err := r.Eval(ctx)
	if err != nil || len(rs) != 1 {
		return "", fmt.Errorf("no value: %v", err)
	}
	b, err := json.Marshal(rs[0].Bindings["__value__"])
	return string(b), err
}
