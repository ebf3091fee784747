package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/schakel/schakel/policy/bundle"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/NAME, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}

// body drops the three header lines (they name the paths given).
func body(s string) string {
	lines := strings.SplitN(s, "\n", 4)
	if len(lines) < 4 {
		return s
	}
	return lines[3]
}

func TestPolicyDiffGolden(t *testing.T) {
	code, out, errOut := runCmd(t, cmdPolicyDiff, "testdata/diff/old", "testdata/diff/new")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "diff/old-new.golden", out)

	// An archive on one side gives the same changes as its folder.
	archive, err := bundle.Build("testdata/diff/old")
	if err != nil {
		t.Fatal(err)
	}
	arch := filepath.Join(t.TempDir(), "huidig.tar.gz")
	if err := os.WriteFile(arch, archive, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out2, errOut := runCmd(t, cmdPolicyDiff, arch, "testdata/diff/new")
	if code != 0 {
		t.Fatalf("archive: exit %d: %s", code, errOut)
	}
	if body(out2) != body(out) {
		t.Errorf("archive vs folder differs from folder vs folder:\n%s", out2)
	}
	if !strings.Contains(out2, bundle.Revision(archive)) {
		t.Errorf("header lacks the archive's revision %s:\n%s", bundle.Revision(archive), out2)
	}
}

func TestPolicyDiffSamePack(t *testing.T) {
	code, out, errOut := runCmd(t, cmdPolicyDiff, "testdata/diff/old", "testdata/diff/old")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "diff/same.golden", out)
}

func TestPolicyDiffBadInput(t *testing.T) {
	code, _, errOut := runCmd(t, cmdPolicyDiff, "testdata/diff/old", "testdata/diff/bestaat-niet")
	if code != 1 || !strings.Contains(errOut, "bestaat-niet") {
		t.Errorf("missing pack: exit %d, %q", code, errOut)
	}
	if code, _, _ := runCmd(t, cmdPolicyDiff, "testdata/diff/old"); code != 2 {
		t.Errorf("one argument: exit %d, want 2", code)
	}
}
