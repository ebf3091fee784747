package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// ScenarioFile is one YAML file of scenarios, readable by a privacy officer.
// Base is the input shared by its scenarios; each scenario's input is merged
// over it (objects key by key, everything else replaced).
type ScenarioFile struct {
	Description string         `yaml:"description"`
	Base        map[string]any `yaml:"base"`
	Scenarios   []Scenario     `yaml:"scenarios"`
}

// Scenario is one decision and what it must be. Every field of Expect that
// is present is checked; allow is always checked.
type Scenario struct {
	Name        string         `yaml:"name"`
	Description string         `yaml:"description"`
	Input       map[string]any `yaml:"input"`
	Expect      Expectation    `yaml:"expect"`
}

// Expectation is what a scenario's decision must be. Withheld maps a
// category to its code; Reasons lists the reason codes (in any order).
type Expectation struct {
	Allow         *bool              `yaml:"allow"`
	Flow          *string            `yaml:"flow"` // "" expects no flow (null)
	Basis         *string            `yaml:"basis"`
	RetentionDays *int               `yaml:"retention_days"`
	Categories    *[]string          `yaml:"categories"`
	Withheld      *map[string]string `yaml:"withheld"`
	Reasons       *[]string          `yaml:"reasons"`
	Obligations   *[]string          `yaml:"obligations"`
	ConsentsUsed  *[]string          `yaml:"consents_used"`
	// The other questions (an input with a query): the records an inzage
	// shows and those it holds back (record id to code), the rows of a
	// monitoring export, the fields of the regie view.
	Shown    *[]string          `yaml:"shown"`
	HeldBack *map[string]string `yaml:"held_back"`
	Rows     *[]map[string]any  `yaml:"rows"`
	Fields   *[]string          `yaml:"fields"`
}

// ScenarioResult is the outcome of one scenario: Failures is empty when it
// passed.
type ScenarioResult struct {
	Source   string // the set it came from (see ScenarioSource), "" for RunScenarios
	File     string
	Name     string
	Failures []string
	// The decision the scenario got: its outcome and flow ("" for none).
	Allow bool
	Flow  string
	// Decision is the whole decision (zero when the input did not parse or
	// the engine failed; see Failures).
	Decision Decision
}

// Pass reports whether the scenario passed.
func (r ScenarioResult) Pass() bool { return len(r.Failures) == 0 }

// RunScenarios runs every *.yaml and *.yml file in fsys (recursively, in
// path order) against the engine. The error is for files that cannot be read
// or parsed; a failed expectation is a result, not an error.
func RunScenarios(ctx context.Context, e *Engine, fsys fs.FS) ([]ScenarioResult, error) {
	cases, err := LoadScenarios(fsys, "")
	if err != nil {
		return nil, err
	}
	return RunCases(ctx, e, cases), nil
}

// ScenarioCase is one scenario read from a file, with its merged input.
type ScenarioCase struct {
	Source string // see ScenarioSource
	File   string // slash path within its source
	Name   string
	Input  map[string]any // base and the scenario's input, merged
	Expect Expectation
}

// LoadScenarios reads every *.yaml and *.yml file in fsys (recursively, in
// path order). The error is for a file that cannot be read or parsed, or a
// scenario without a name or without expect.allow.
func LoadScenarios(fsys fs.FS, source string) ([]ScenarioCase, error) {
	var names []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := path.Ext(p); d.Type().IsRegular() && (ext == ".yaml" || ext == ".yml") {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	var cases []ScenarioCase
	for _, name := range names {
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var sf ScenarioFile
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)
		if err := dec.Decode(&sf); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if len(sf.Scenarios) == 0 {
			return nil, fmt.Errorf("%s: no scenarios", name)
		}
		for i, sc := range sf.Scenarios {
			if sc.Name == "" {
				return nil, fmt.Errorf("%s: scenario %d has no name", name, i)
			}
			if sc.Expect.Allow == nil {
				return nil, fmt.Errorf("%s: %s: expect.allow is required", name, sc.Name)
			}
			cases = append(cases, ScenarioCase{Source: source, File: name, Name: sc.Name, Input: merge(sf.Base, sc.Input), Expect: sc.Expect})
		}
	}
	return cases, nil
}

// RunCases decides every case with the engine and checks its expectation.
func RunCases(ctx context.Context, e *Engine, cases []ScenarioCase) []ScenarioResult {
	results := make([]ScenarioResult, 0, len(cases))
	for _, c := range cases {
		d, fails := runScenario(ctx, e, c.Input, c.Expect)
		results = append(results, ScenarioResult{Source: c.Source, File: c.File, Name: c.Name, Failures: fails,
			Allow: d.Allow, Flow: d.FlowID(), Decision: d})
	}
	return results
}

// DecideCase decides a case's input (for policy diff). The error is for an
// input that does not parse, or an engine failure.
func DecideCase(ctx context.Context, e *Engine, c ScenarioCase) (Decision, error) {
	d, _, err := answerCase(ctx, e, c.Input)
	return d, err
}

func caseInput(input map[string]any) (Input, error) {
	raw, err := json.Marshal(input)
	if err != nil {
		return Input{}, fmt.Errorf("input: %w", err)
	}
	in, err := ParseInput(raw)
	if err != nil {
		return Input{}, fmt.Errorf("input: %w", err)
	}
	return in, nil
}

// ScenarioSource is one set of scenario files.
type ScenarioSource struct {
	Name string // "ingebouwd" (built into the binary) or "pakket" (the pack's testdata/scenarios)
	FS   fs.FS
}

// The names of the scenario sources.
const (
	SourceBuiltin = "ingebouwd"
	SourcePack    = "pakket"
)

// PackScenarios are the scenarios a pack is tested with: the built-in
// scenarios of the default pack (the scenarios every pack is built from)
// together with the pack's own testdata/scenarios. A file of the pack with
// the same path as a built-in one replaces it (that is how `policy test
// --accept` records an accepted change); every replaced path is returned,
// so that the caller says so. A pack's scenarios never switch the other
// built-in ones off.
func PackScenarios(pack fs.FS) (cases []ScenarioCase, replaced []string, err error) {
	builtin, err := LoadScenarios(DefaultScenarios(), SourceBuiltin)
	if err != nil {
		return nil, nil, fmt.Errorf("built-in scenarios: %w", err)
	}
	var own []ScenarioCase
	if pack != nil {
		if _, err := fs.Stat(pack, "testdata/scenarios"); err == nil {
			sub, err := fs.Sub(pack, "testdata/scenarios")
			if err != nil {
				return nil, nil, err
			}
			if own, err = LoadScenarios(sub, SourcePack); err != nil {
				return nil, nil, fmt.Errorf("testdata/scenarios: %w", err)
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, err
		}
	}
	ownFiles := map[string]bool{}
	for _, c := range own {
		ownFiles[c.File] = true
	}
	seen := map[string]bool{}
	for _, c := range builtin {
		if ownFiles[c.File] {
			if !seen[c.File] {
				seen[c.File] = true
				replaced = append(replaced, c.File)
			}
			continue
		}
		cases = append(cases, c)
	}
	return append(cases, own...), replaced, nil
}

// answerCase decides a case's input of any question. The Decision carries
// the common part (for inzage: allow and reasons); extra holds the answer
// of another question, nil for a release.
func answerCase(ctx context.Context, e *Engine, input map[string]any) (Decision, any, error) {
	if q, _ := input["query"].(string); q == "" || q == QueryRelease {
		in, err := caseInput(input)
		if err != nil {
			return Decision{}, nil, err
		}
		// Scenarios (and policy diff) test the pack's Rego, never the fast
		// path derived from it.
		d, err := e.WithoutFastPath().Decide(ctx, in)
		return d, nil, err
	}
	raw, err := json.Marshal(input)
	if err != nil {
		return Decision{}, nil, fmt.Errorf("input: %w", err)
	}
	q, err := ParseQuestion(raw)
	if err != nil {
		return Decision{}, nil, fmt.Errorf("input: %w", err)
	}
	a, err := e.Answer(ctx, q)
	if err != nil {
		return Decision{}, nil, err
	}
	switch x := a.(type) {
	case Decision:
		return x, x, nil
	case MonitoringDecision:
		return x.Decision, x, nil
	case RegieDecision:
		return x.Decision, x, nil
	case InzageDecision:
		return Decision{Allow: x.Allow, Reasons: x.Reasons, PolicyRevision: x.PolicyRevision}, x, nil
	}
	return Decision{}, nil, fmt.Errorf("%w: unknown answer %T", ErrEvaluation, a)
}

func runScenario(ctx context.Context, e *Engine, input map[string]any, x Expectation) (Decision, []string) {
	d, extra, err := answerCase(ctx, e, input)
	if err != nil {
		return Decision{}, []string{err.Error()}
	}
	var fails []string
	check := func(what string, got, want any) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if !bytes.Equal(g, w) {
			fails = append(fails, fmt.Sprintf("%s: got %s, want %s", what, g, w))
		}
	}
	check("allow", d.Allow, *x.Allow)
	if x.Flow != nil {
		check("flow", d.FlowID(), *x.Flow)
	}
	if x.Basis != nil {
		basis := ""
		if d.Basis != nil {
			basis = *d.Basis
		}
		check("basis", basis, *x.Basis)
	}
	if x.RetentionDays != nil {
		check("retention_days", d.RetentionDays, *x.RetentionDays)
	}
	if x.Categories != nil {
		check("categories", d.Categories, sorted(*x.Categories))
	}
	if x.Withheld != nil {
		got := make(map[string]string, len(d.Withheld))
		for _, w := range d.Withheld {
			got[w.Category] = w.Code
		}
		check("withheld", got, *x.Withheld)
	}
	if x.Reasons != nil {
		codes := make([]string, 0, len(d.Reasons))
		for _, r := range d.Reasons {
			codes = append(codes, r.Code)
		}
		check("reasons", sorted(codes), sorted(*x.Reasons))
	}
	if x.Obligations != nil {
		check("obligations", d.Obligations, sorted(*x.Obligations))
	}
	if x.ConsentsUsed != nil {
		check("consents_used", d.ConsentsUsed, sorted(*x.ConsentsUsed))
	}
	switch a := extra.(type) {
	case InzageDecision:
		if x.Shown != nil {
			check("shown", a.Shown, sorted(*x.Shown))
		}
		if x.HeldBack != nil {
			got := make(map[string]string, len(a.HeldBack))
			for _, h := range a.HeldBack {
				got[h.Record] = h.Code
			}
			check("held_back", got, *x.HeldBack)
		}
	case MonitoringDecision:
		if x.Rows != nil {
			check("rows", a.Rows, *x.Rows)
		}
	case RegieDecision:
		if x.Fields != nil {
			check("fields", a.Fields, *x.Fields)
		}
	}
	if (x.Shown != nil || x.HeldBack != nil) && !isType[InzageDecision](extra) ||
		x.Rows != nil && !isType[MonitoringDecision](extra) || x.Fields != nil && !isType[RegieDecision](extra) {
		fails = append(fails, "expect names a field this question does not answer")
	}
	if !d.Allow && len(d.Reasons) == 0 {
		fails = append(fails, "a deny without reasons")
	}
	for _, r := range d.Reasons {
		if strings.TrimSpace(r.Message) == "" {
			fails = append(fails, "reason "+r.Code+" without message")
		}
	}
	return d, fails
}

func isType[T any](v any) bool {
	_, ok := v.(T)
	return ok
}

func sorted(s []string) []string {
	out := append([]string{}, s...)
	slices.Sort(out)
	return out
}

// merge lays over on top of base: objects merge key by key, any other
// value replaces.
func merge(base, over map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		bm, ok1 := out[k].(map[string]any)
		om, ok2 := v.(map[string]any)
		if ok1 && ok2 {
			out[k] = merge(bm, om)
			continue
		}
		out[k] = v
	}
	return out
}

// Accept rewrites the expectations of the named scenarios in a scenario
// file (its YAML, raw) to the decisions they got, for `schakel policy test
// --accept`: every field the scenario's expect lists (and allow) takes the
// decision's value. Comments and the other scenarios are kept. It returns
// the new file and, per accepted scenario, a line "name: what changed".
func Accept(raw []byte, got map[string]Decision) ([]byte, []string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, nil, err
	}
	if len(doc.Content) != 1 {
		return nil, nil, errors.New("not a scenario file")
	}
	scenarios := mapValue(doc.Content[0], "scenarios")
	if scenarios == nil || scenarios.Kind != yaml.SequenceNode {
		return nil, nil, errors.New("no scenarios")
	}
	var changes []string
	for _, sc := range scenarios.Content {
		nameNode := mapValue(sc, "name")
		if nameNode == nil {
			continue
		}
		d, ok := got[nameNode.Value]
		if !ok {
			continue
		}
		expect := mapValue(sc, "expect")
		if expect == nil || expect.Kind != yaml.MappingNode {
			return nil, nil, fmt.Errorf("%s: no expect", nameNode.Value)
		}
		var what []string
		for i := 0; i+1 < len(expect.Content); i += 2 {
			key, old := expect.Content[i].Value, expect.Content[i+1]
			v, ok := expectValue(key, d)
			if !ok {
				return nil, nil, fmt.Errorf("%s: unknown expect field %q", nameNode.Value, key)
			}
			var n yaml.Node
			if err := n.Encode(v); err != nil {
				return nil, nil, err
			}
			if n.Kind == yaml.SequenceNode || n.Kind == yaml.MappingNode {
				n.Style = yaml.FlowStyle
			}
			if was, now := nodeText(old), nodeText(&n); was != now {
				what = append(what, fmt.Sprintf("%s %s → %s", key, was, now))
				n.LineComment, n.HeadComment = old.LineComment, old.HeadComment
				expect.Content[i+1] = &n
			}
		}
		if len(what) > 0 {
			changes = append(changes, nameNode.Value+": "+strings.Join(what, "; "))
		}
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, nil, err
	}
	return out.Bytes(), changes, nil
}

// expectValue is the decision's value of one expect field, in the
// scenario format.
func expectValue(key string, d Decision) (any, bool) {
	switch key {
	case "allow":
		return d.Allow, true
	case "flow":
		return d.FlowID(), true
	case "basis":
		if d.Basis == nil {
			return "", true
		}
		return *d.Basis, true
	case "retention_days":
		return d.RetentionDays, true
	case "categories":
		return d.Categories, true
	case "withheld":
		m := make(map[string]string, len(d.Withheld))
		for _, w := range d.Withheld {
			m[w.Category] = w.Code
		}
		return m, true
	case "reasons":
		codes := make([]string, 0, len(d.Reasons))
		for _, r := range d.Reasons {
			codes = append(codes, r.Code)
		}
		return codes, true
	case "obligations":
		return d.Obligations, true
	case "consents_used":
		return d.ConsentsUsed, true
	}
	return nil, false
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// nodeText is a node's value as flow-style YAML on one line, for
// comparing and reporting (lists and maps sorted as the checks compare).
func nodeText(n *yaml.Node) string {
	var v any
	if err := n.Decode(&v); err != nil {
		return "?"
	}
	if l, ok := v.([]any); ok {
		s := make([]string, len(l))
		for i, x := range l {
			s[i] = fmt.Sprint(x)
		}
		slices.Sort(s)
		return "[" + strings.Join(s, ", ") + "]"
	}
	if m, ok := v.(map[string]any); ok {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s: %v", k, m[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	if v == nil {
		return `""`
	}
	if s, ok := v.(string); ok && s == "" {
		return `""`
	}
	return fmt.Sprint(v)
}
