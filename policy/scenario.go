package policy

import (
	"bytes"
	"context"
	"encoding/json"
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
}

// ScenarioResult is the outcome of one scenario: Failures is empty when it
// passed.
type ScenarioResult struct {
	File     string
	Name     string
	Failures []string
	// The decision the scenario got: its outcome and flow ("" for none).
	Allow bool
	Flow  string
}

// Pass reports whether the scenario passed.
func (r ScenarioResult) Pass() bool { return len(r.Failures) == 0 }

// RunScenarios runs every *.yaml and *.yml file in fsys (recursively, in
// path order) against the engine. The error is for files that cannot be read
// or parsed; a failed expectation is a result, not an error.
func RunScenarios(ctx context.Context, e *Engine, fsys fs.FS) ([]ScenarioResult, error) {
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
	var results []ScenarioResult
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
			d, fails := runScenario(ctx, e, sf.Base, sc)
			results = append(results, ScenarioResult{File: name, Name: sc.Name, Failures: fails, Allow: d.Allow, Flow: d.FlowID()})
		}
	}
	return results, nil
}

func runScenario(ctx context.Context, e *Engine, base map[string]any, sc Scenario) (Decision, []string) {
	raw, err := json.Marshal(merge(base, sc.Input))
	if err != nil {
		return Decision{}, []string{"input: " + err.Error()}
	}
	in, err := ParseInput(raw)
	if err != nil {
		return Decision{}, []string{"input: " + err.Error()}
	}
	d, err := e.Decide(ctx, in)
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
	x := sc.Expect
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
