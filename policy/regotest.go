package policy

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
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
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Row < out[j].Row
	})
	return out, nil
}
