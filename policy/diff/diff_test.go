package diff_test

import (
	"bytes"
	"context"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/schakel/schakel/policy"
	"github.com/schakel/schakel/policy/bundle"
	"github.com/schakel/schakel/policy/diff"
)

// pack loads the default pack with edit applied to its files.
func pack(t *testing.T, edit func(files map[string][]byte)) *policy.Pack {
	t.Helper()
	files := map[string][]byte{}
	err := fs.WalkDir(policy.DefaultPack(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files[p], err = fs.ReadFile(policy.DefaultPack(), p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(files)
	}
	fsys, err := bundle.FilesFS(files)
	if err != nil {
		t.Fatal(err)
	}
	p, err := policy.LoadPack(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func replace(t *testing.T, files map[string][]byte, name, old, with string) {
	t.Helper()
	s := string(files[name])
	if !strings.Contains(s, old) {
		t.Fatalf("%s lacks %q; adjust the test", name, old)
	}
	files[name] = []byte(strings.Replace(s, old, with, 1))
}

func TestSamePackHasNoChanges(t *testing.T) {
	p := pack(t, nil)
	r, err := diff.Compare(context.Background(), p, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Sections) != 0 || r.Decisions.Changed() != 0 || r.Logic {
		t.Errorf("same pack: %+v", r)
	}
	if r.Decisions.Total < 10 {
		t.Errorf("only %d scenarios ran; the built-in ones alone are more", r.Decisions.Total)
	}
	var b bytes.Buffer
	r.WriteText(&b)
	if !strings.Contains(b.String(), "Geen inhoudelijke wijzigingen.") {
		t.Errorf("text: %s", b.String())
	}
}

func TestChangedFlowAndItsDecisions(t *testing.T) {
	a := pack(t, nil)
	b := pack(t, func(f map[string][]byte) {
		replace(t, f, "data.yaml", "    obligations: [inform_subject, record_in_pupil_file]\n    retention_days: 1825", "    obligations: [inform_subject, record_in_pupil_file]\n    retention_days: 365")
	})
	r, err := diff.Compare(context.Background(), a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Sections) != 1 || r.Sections[0].Title != "Stromen" {
		t.Fatalf("sections: %+v", r.Sections)
	}
	lines := r.Sections[0].Lines
	if !slices.Contains(lines, "~ A1 (afstemming_hulp_onderwijs) gewijzigd") || !slices.Contains(lines, "    bewaartermijn: 1825 → 365 dagen") {
		t.Errorf("flow lines: %q", lines)
	}
	if r.Logic {
		t.Error("a data change reported as a logic change")
	}
	if !slices.Contains(r.Unchanged, "doelen") {
		t.Errorf("unchanged: %q", r.Unchanged)
	}
	if r.Decisions.Changed() == 0 {
		t.Fatal("no scenario decision changed, though A1's retention did")
	}
	for _, f := range r.Decisions.Flows {
		if f.Flow != "A1" {
			t.Errorf("a decision of flow %s changed: %q", f.Flow, f.Lines)
		}
		for _, l := range f.Lines {
			if !strings.Contains(l, "bewaartermijn 1825 → 365 dagen") {
				t.Errorf("A1 line %q does not name the retention change", l)
			}
		}
	}
}

func TestRegoChangeIsALogicChange(t *testing.T) {
	a := pack(t, nil)
	b := pack(t, func(f map[string][]byte) {
		f["decision.rego"] = append(f["decision.rego"], []byte("\n# a comment is still a change of the logic file\n")...)
	})
	r, err := diff.Compare(context.Background(), a, b)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Logic {
		t.Errorf("a .rego change is not reported as logic: %+v", r.Sections)
	}
}
