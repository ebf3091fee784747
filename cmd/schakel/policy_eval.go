package main

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/schakel/schakel/internal/atomicfile"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/schakel/schakel/policy"
	"github.com/schakel/schakel/policy/bundle"
	"github.com/schakel/schakel/policy/signing"
)

// maxInputSize bounds a decision input read by eval and explain.
const maxInputSize = 16 << 20

// loadedPack is a pack as the policy tools load it: the default pack built
// into the binary, or a folder or archive given with --bundle.
type loadedPack struct {
	name   string // for messages: "the default pack" or the --bundle path
	fsys   fs.FS
	pack   *policy.Pack
	engine *policy.Engine
}

// loadPack loads, validates and test-evaluates a pack. For --bundle the
// decisions report the bundle's revision (the digest of the archive that
// `schakel policy build` makes of it), as a node running it would.
func loadPack(path string) (*loadedPack, error) {
	lp := &loadedPack{name: "the default pack", fsys: policy.DefaultPack()}
	rev := ""
	var err error
	if path != "" {
		lp.name = path
		if lp.fsys, rev, err = bundle.Load(path); err != nil {
			return nil, err
		}
	}
	if lp.pack, lp.engine, err = signing.LoadUntested(lp.fsys, rev); err != nil {
		return nil, err
	}
	return lp, nil
}

// readInput reads the decision input from a file or, for "-", from stdin.
func readInput(name string, s stdio) ([]byte, error) {
	r := s.in
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxInputSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxInputSize {
		return nil, fmt.Errorf("input larger than %d bytes", maxInputSize)
	}
	return b, nil
}

// answerFromFlags is the common part of eval and explain: flags, input,
// pack, answer. The input may ask any question of the contract (its
// query); for a release the parsed input and decision are returned too. It
// returns a non-negative exit code when it is done.
func answerFromFlags(name string, args []string, s stdio) (*loadedPack, policy.Question, any, int) {
	fs := newFlags(s, "schakel policy "+name, "usage: schakel policy "+name+" --input FILE|- [--bundle PACK]")
	bundlePath := fs.String("bundle", "", "pack folder or archive (default: the pack built into the binary)")
	inputPath := fs.String("input", "", "decision input as JSON (any query: release, inzage, consult, monitoring, regie), a file or - for standard input (required)")
	if code, ok := fs.parse(args); !ok {
		return nil, policy.Question{}, nil, code
	}
	if *inputPath == "" {
		return nil, policy.Question{}, nil, fs.usageError("--input is required (a file, or - for standard input)")
	}
	raw, err := readInput(*inputPath, s)
	if err != nil {
		fmt.Fprintf(s.err, "%s: read input: %v\n", fs.Name(), err)
		return nil, policy.Question{}, nil, 2
	}
	q, err := policy.ParseQuestion(raw)
	if err != nil {
		fmt.Fprintf(s.err, "%s: malformed input: %v\n", fs.Name(), err)
		return nil, policy.Question{}, nil, 2
	}
	lp, err := loadPack(*bundlePath)
	if err != nil {
		fmt.Fprintf(s.err, "%s: policy pack refused: %v\n", fs.Name(), err)
		return nil, policy.Question{}, nil, 1
	}
	a, err := lp.engine.Answer(context.Background(), q)
	if err != nil {
		fmt.Fprintf(s.err, "%s: %v\n", fs.Name(), err)
		return nil, policy.Question{}, nil, 1
	}
	return lp, q, a, -1
}

// cmdPolicyEval prints the answer to one input as JSON (POLICY-CONTRACT.md),
// whatever its question: exit 0 for allow and deny alike, 2 on malformed
// input, 1 when the pack does not load.
func cmdPolicyEval(args []string, s stdio) int {
	_, _, a, code := answerFromFlags("eval", args, s)
	if code >= 0 {
		return code
	}
	b, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		fmt.Fprintf(s.err, "schakel policy eval: %v\n", err)
		return 1
	}
	fmt.Fprintf(s.out, "%s\n", b)
	return 0
}

// cmdPolicyExplain prints, in plain Dutch, which flow and rules decided an
// input and why.
func cmdPolicyExplain(args []string, s stdio) int {
	lp, q, a, code := answerFromFlags("explain", args, s)
	if code >= 0 {
		return code
	}
	if q.Release != nil {
		lp.engine.Explain(context.Background(), s.out, *q.Release, a.(policy.Decision))
		return 0
	}
	policy.ExplainAnswer(s.out, lp.pack, q, a)
	return 0
}

// cmdPolicyData prints the rules as the pack's Rego reads them
// (data.schakel.rules and its derived indexes), for `opa test`.
func cmdPolicyData(args []string, s stdio) int {
	fs := newFlags(s, "schakel policy data", "usage: schakel policy data [--bundle PACK]\n\nPrints the rules as the pack's Rego reads them (data.schakel.rules), for `opa test`.")
	bundlePath := fs.String("bundle", "", "pack folder or archive (default: the pack built into the binary)")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	lp, err := loadPack(*bundlePath)
	if err != nil {
		fmt.Fprintf(s.err, "schakel policy data: policy pack refused: %v\n", err)
		return 1
	}
	b, err := lp.pack.OPAData()
	if err != nil {
		fmt.Fprintf(s.err, "schakel policy data: %v\n", err)
		return 1
	}
	fmt.Fprintf(s.out, "%s\n", b)
	return 0
}

// cmdPolicyTest runs the pack's Rego tests and its scenario files: those
// given with --scenarios, else the built-in scenarios of the default pack
// together with the pack's own testdata/scenarios (a file of the pack with
// the same name replaces the built-in one, and the output says so). With
// --accept (a pack folder only) it first rewrites the expectation of every
// failing scenario to the decision it now gets, in the pack's
// testdata/scenarios, after the officer has reviewed `policy diff`.
func cmdPolicyTest(args []string, s stdio) int {
	fs := newFlags(s, "schakel policy test", "usage: schakel policy test [--bundle PACK] [--scenarios DIR] [-v]\n\nRuns the pack's Rego tests and scenario files; exit 1 on any failure.")
	bundlePath := fs.String("bundle", "", "pack folder or archive (default: the pack built into the binary)")
	scenarioDir := fs.String("scenarios", "", "folder of scenario files (default: the built-in scenarios with the pack's testdata/scenarios)")
	verbose := fs.Bool("v", false, "list every test and scenario, not only failures")
	accept := fs.Bool("accept", false, "rewrite the expected outcome of every failing scenario to its new decision, in the pack folder's testdata/scenarios")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	lp, err := loadPack(*bundlePath)
	if err != nil {
		fmt.Fprintf(s.err, "schakel policy test: policy pack refused: %v\n", err)
		return 1
	}
	ctx := context.Background()
	if *accept {
		if code := acceptScenarios(ctx, s, lp, *bundlePath, *scenarioDir); code != 0 {
			return code
		}
		if lp, err = loadPack(*bundlePath); err != nil {
			fmt.Fprintf(s.err, "schakel policy test: policy pack refused: %v\n", err)
			return 1
		}
	}
	fmt.Fprintf(s.out, "policy pack: %s (%s)\n", lp.name, lp.pack.Revision())
	failed := 0

	results, err := lp.pack.RunRegoTests(ctx)
	if err != nil {
		fmt.Fprintf(s.out, "Rego tests: could not run: %v\n", err)
		failed++
	}
	pass := 0
	for _, r := range results {
		if r.Pass {
			pass++
			if *verbose {
				fmt.Fprintf(s.out, "  PASS %s:%d %s\n", r.File, r.Row, r.Name)
			}
			continue
		}
		failed++
		fmt.Fprintf(s.out, "  FAIL %s:%d %s", r.File, r.Row, r.Name)
		if r.Error != "" {
			fmt.Fprintf(s.out, ": %s", r.Error)
		}
		fmt.Fprintln(s.out)
		if r.Failure != "" {
			fmt.Fprintf(s.out, "       %s\n", strings.ReplaceAll(r.Failure, "\n", "\n       "))
		}
	}
	fmt.Fprintf(s.out, "Rego tests: %d passed, %d failed\n", pass, len(results)-pass)

	cases, scenName, err := scenarioCases(*scenarioDir, lp.fsys, s.out)
	if err != nil {
		fmt.Fprintf(s.out, "scenarios: %v\n", err)
		failed++
	} else {
		sres := policy.RunCases(ctx, lp.engine, cases)
		spass := 0
		for _, r := range sres {
			if r.Pass() {
				spass++
				if *verbose {
					fmt.Fprintf(s.out, "  PASS %s: %s\n", scenarioPath(r.Source, r.File), r.Name)
				}
				continue
			}
			failed++
			fmt.Fprintf(s.out, "  FAIL %s: %s\n", scenarioPath(r.Source, r.File), r.Name)
			for _, f := range r.Failures {
				fmt.Fprintf(s.out, "       %s\n", f)
			}
		}
		fmt.Fprintf(s.out, "scenarios (%s): %d passed, %d failed\n", scenName, spass, len(sres)-spass)
	}
	if failed > 0 {
		fmt.Fprintln(s.out, "FAIL")
		return 1
	}
	fmt.Fprintln(s.out, "PASS")
	return 0
}

// scenarioPath names a scenario file by its source.
func scenarioPath(source, file string) string {
	if source == policy.SourcePack {
		return "testdata/scenarios/" + file
	}
	return file
}

// scenarioCases are the scenarios policy test runs, and a name for them. It
// writes a line for every built-in file the pack's own replaces.
func scenarioCases(dir string, pack fs.FS, out io.Writer) ([]policy.ScenarioCase, string, error) {
	if dir != "" {
		info, err := os.Stat(dir)
		if err != nil {
			return nil, "", err
		}
		if !info.IsDir() {
			return nil, "", fmt.Errorf("%s is not a folder", dir)
		}
		cases, err := policy.LoadScenarios(os.DirFS(dir), dir)
		return cases, dir, err
	}
	cases, replaced, err := policy.PackScenarios(pack)
	if err != nil {
		return nil, "", err
	}
	own := 0
	for _, c := range cases {
		if c.Source == policy.SourcePack {
			own++
		}
	}
	for _, f := range replaced {
		fmt.Fprintf(out, "scenarios: the pack's testdata/scenarios/%s replaces the built-in %s\n", f, f)
	}
	if own == 0 {
		return cases, "built-in scenarios of the default pack", nil
	}
	return cases, fmt.Sprintf("built-in scenarios of the default pack and %d of the pack's testdata/scenarios", own), nil
}

// acceptScenarios rewrites the expectations of the failing scenarios into
// the pack folder's testdata/scenarios (a built-in file is copied there
// first), listing every accepted change.
func acceptScenarios(ctx context.Context, s stdio, lp *loadedPack, bundlePath, scenarioDir string) int {
	info, err := os.Stat(bundlePath)
	if bundlePath == "" || scenarioDir != "" || err != nil || !info.IsDir() {
		fmt.Fprintln(s.err, "schakel policy test: --accept needs --bundle with a pack folder (not an archive, not --scenarios): the accepted outcomes are written to its testdata/scenarios")
		return 2
	}
	cases, _, err := policy.PackScenarios(lp.fsys)
	if err != nil {
		fmt.Fprintf(s.err, "schakel policy test: %v\n", err)
		return 1
	}
	type fileKey struct{ source, file string }
	got := map[fileKey]map[string]policy.Decision{}
	var order []fileKey
	for _, r := range policy.RunCases(ctx, lp.engine, cases) {
		if r.Pass() {
			continue
		}
		if r.Decision.PolicyRevision == "" {
			fmt.Fprintf(s.err, "schakel policy test: %s: %s cannot be accepted: %s\n", r.File, r.Name, strings.Join(r.Failures, "; "))
			return 1
		}
		k := fileKey{r.Source, r.File}
		if got[k] == nil {
			got[k] = map[string]policy.Decision{}
			order = append(order, k)
		}
		got[k][r.Name] = r.Decision
	}
	if len(order) == 0 {
		fmt.Fprintln(s.out, "accept: every scenario already has its decision; nothing to accept")
		return 0
	}
	target := filepath.Join(bundlePath, "testdata", "scenarios")
	for _, k := range order {
		var raw []byte
		if k.source == policy.SourceBuiltin {
			raw, err = fs.ReadFile(policy.DefaultScenarios(), k.file)
		} else {
			raw, err = os.ReadFile(filepath.Join(target, filepath.FromSlash(k.file)))
		}
		if err != nil {
			fmt.Fprintf(s.err, "schakel policy test: %v\n", err)
			return 1
		}
		out, changes, err := policy.Accept(raw, got[k])
		if err != nil {
			fmt.Fprintf(s.err, "schakel policy test: %s: %v\n", k.file, err)
			return 1
		}
		dst := filepath.Join(target, filepath.FromSlash(k.file))
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			fmt.Fprintf(s.err, "schakel policy test: %v\n", err)
			return 1
		}
		if err := atomicfile.Write(dst, out, 0o600); err != nil {
			fmt.Fprintf(s.err, "schakel policy test: %v\n", err)
			return 1
		}
		from := "testdata/scenarios/" + k.file
		if k.source == policy.SourceBuiltin {
			from = "built-in " + k.file + ", copied to testdata/scenarios/" + k.file
		}
		for _, c := range changes {
			fmt.Fprintf(s.out, "accepted (%s): %s\n", from, c)
		}
	}
	return 0
}
