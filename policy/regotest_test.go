package policy

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

// TestRegoTests runs the default pack's *_test.rego files (make test runs
// them through this test).
func TestRegoTests(t *testing.T) {
	p, err := LoadPack(DefaultPack())
	if err != nil {
		t.Fatal(err)
	}
	if !p.HasRegoTests() {
		t.Fatal("the default pack has no *_test.rego file")
	}
	results, err := p.RunRegoTests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d Rego tests", len(results))
	if len(results) < 40 {
		t.Fatalf("only %d Rego tests ran", len(results))
	}
	for _, r := range results {
		if !r.Pass {
			t.Errorf("%s:%d %s failed %s", r.File, r.Row, r.Name, r.Error)
		}
	}
}

// packWith returns the default pack with some files replaced (a nil value
// removes the file).
func packWith(t *testing.T, edit func(files map[string]string)) fs.FS {
	t.Helper()
	files := map[string]string{}
	err := fs.WalkDir(DefaultPack(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(DefaultPack(), p)
		files[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	edit(files)
	m := fstest.MapFS{}
	for name, s := range files {
		m[name] = &fstest.MapFile{Data: []byte(s)}
	}
	return m
}

func replaceOnce(t *testing.T, s, old, replacement string) string {
	t.Helper()
	if strings.Count(s, old) != 1 {
		t.Fatalf("%q occurs %d times", old, strings.Count(s, old))
	}
	return strings.Replace(s, old, replacement, 1)
}

// TestRegoTestsCatchBrokenRules breaks one rule at a time, in the data and
// in the Rego, and checks that the Rego tests notice.
func TestRegoTestsCatchBrokenRules(t *testing.T) {
	breaks := map[string]struct{ file, old, new, failing string }{
		"jeugdhulp regime 12-15 without the child": {"data.yaml",
			"{min_age: 12, max_age: 15, givers: [ouder, jeugdige]}", "{min_age: 12, max_age: 15, givers: [ouder]}",
			"test_jeugdhulp_12_ouder_alone_is_not_enough"},
		"school regime hands over at 15": {"data.yaml",
			"- {min_age: 0, max_age: 15, givers: [ouder]}\n      - {min_age: 16, givers: [jeugdige]}",
			"- {min_age: 0, max_age: 14, givers: [ouder]}\n      - {min_age: 15, givers: [jeugdige]}",
			"test_school_15_ouder_alone_suffices"},
		"A1 without need-to-know": {"data.yaml", "requires: {relation: true}", "requires: {relation: false}",
			"test_relation_required"},
		"F1 up to 23": {"data.yaml", "max_age: 22", "max_age: 23", "test_age_out_of_scope_23"},
		"expiry ignored": {"decision.rego", "; not withdrawn(c); not expired(c)]", "; not withdrawn(c)]",
			"test_consent_expired"},
		"justification not checked": {"decision.rego", `"JUSTIFICATION_REQUIRED": trim_space(input.justification) != "",`, `"JUSTIFICATION_REQUIRED": true,`,
			"test_justification_required_g1"},
	}
	for name, b := range breaks {
		t.Run(name, func(t *testing.T) {
			p, err := LoadPack(packWith(t, func(files map[string]string) {
				files[b.file] = replaceOnce(t, files[b.file], b.old, b.new)
			}))
			if err != nil {
				t.Fatal(err)
			}
			results, err := p.RunRegoTests(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var failed []string
			for _, r := range results {
				if !r.Pass {
					failed = append(failed, r.Name)
				}
			}
			if !strings.Contains(strings.Join(failed, " "), "."+b.failing) {
				t.Errorf("%s did not fail; failed: %v", b.failing, failed)
			}
		})
	}
}
