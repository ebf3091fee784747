package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// guideExample is one example change of docs/privacy-officer-guide.md: a
// block of data.yaml and what it becomes, and the flows whose decisions it
// changes.
type guideExample struct {
	name, before, after string
	flows               []string
}

var regoPass = regexp.MustCompile(`\nRego tests: [1-9]\d* passed, 0 failed\n`)

var guideMarker = regexp.MustCompile("(?m)^<!-- voorbeeld: ([a-z0-9-]+); stromen: ([A-Z0-9, ]+) -->\n")

func guideExamples(t *testing.T) []guideExample {
	t.Helper()
	raw, err := os.ReadFile("../../docs/privacy-officer-guide.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	var out []guideExample
	for _, m := range guideMarker.FindAllStringSubmatchIndex(doc, -1) {
		rest := doc[m[1]:]
		blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(rest, 2)
		if len(blocks) != 2 {
			t.Fatalf("example %s: want two yaml blocks after the marker", doc[m[2]:m[3]])
		}
		var flows []string
		for _, f := range strings.Split(doc[m[4]:m[5]], ",") {
			flows = append(flows, strings.TrimSpace(f))
		}
		out = append(out, guideExample{name: doc[m[2]:m[3]], before: blocks[0][1], after: blocks[1][1], flows: flows})
	}
	return out
}

// TestGuideExamples applies every example change of the privacy officer
// guide to a copy of the default pack, as the guide tells the officer to:
// the pack loads, its Rego tests pass as they are, policy diff changes
// decisions of exactly the flows the guide names, and policy test passes
// once the changes are accepted.
func TestGuideExamples(t *testing.T) {
	examples := guideExamples(t)
	if len(examples) < 4 {
		t.Fatalf("%d examples in the guide", len(examples))
	}
	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
			oldDir, dir := copyPack(t), copyPack(t)
			data := filepath.Join(dir, "data.yaml")
			b, err := os.ReadFile(data)
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(b), ex.before); n != 1 {
				t.Fatalf("the guide's block occurs %d times in data.yaml:\n%s", n, ex.before)
			}
			if err := os.WriteFile(data, []byte(strings.Replace(string(b), ex.before, ex.after, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := schakel(t, "", "policy", "diff", oldDir, dir)
			if code != 0 {
				t.Fatalf("diff: exit %d %s", code, errOut)
			}
			_, decisions, ok := strings.Cut(out, "\nBeslissingen die veranderen")
			if !ok {
				t.Fatalf("no decision changes:\n%s", out)
			}
			var flows []string
			for _, l := range strings.Split(decisions, "\n")[1:] {
				if f, ok := strings.CutPrefix(l, "  "); ok && !strings.HasPrefix(f, " ") && f != "" {
					flows = append(flows, f)
				}
			}
			if !slices.Equal(flows, ex.flows) {
				t.Errorf("decisions change in %v, the guide says %v:\n%s", flows, ex.flows, decisions)
			}
			_, out, _ = schakel(t, "", "policy", "test", "--bundle", dir)
			if !regoPass.MatchString(out) || strings.Contains(out, "FAIL decision_test.rego") {
				t.Errorf("Rego tests do not pass as they are:\n%s", out)
			}
			code, out, _ = schakel(t, "", "policy", "test", "--accept", "--bundle", dir)
			if code != 0 || !strings.HasSuffix(out, "PASS\n") {
				t.Errorf("policy test after --accept: exit %d\n%s", code, out)
			}
		})
	}
}

// TestGuideLoaderError: the loader error quoted in the guide is the one a
// bad value gives, with its key and line.
func TestGuideLoaderError(t *testing.T) {
	raw, err := os.ReadFile("../../docs/privacy-officer-guide.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("`(data.yaml: line \\d+: flow B1: parents_required must be 1 or 2)`").FindSubmatch(raw)
	if m == nil {
		t.Fatal("the guide quotes no loader error")
	}
	dir := copyPack(t)
	editFile(t, filepath.Join(dir, "data.yaml"), "  - id: B1\n", "  - id: B1\n    parents_required: 3\n")
	code, _, errOut := schakel(t, "", "policy", "test", "--bundle", dir)
	if code != 1 || !strings.Contains(errOut, string(m[1])) {
		t.Errorf("exit %d, the guide says %q:\n%s", code, m[1], errOut)
	}
}
