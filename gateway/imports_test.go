package gateway_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const certsPkg = "github.com/schakel/schakel/certs"

// depsOf lists each package matched by patterns with every package it
// depends on (transitively, tests excluded), as `go list` reports them.
func depsOf(t *testing.T, patterns ...string) map[string][]string {
	t.Helper()
	args := append([]string{"list", "-f", `{{.ImportPath}} {{join .Deps " "}}`}, patterns...)
	cmd := exec.Command("go", args...)
	cmd.Dir = ".."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	deps := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) > 0 {
			deps[f[0]] = f[1:]
		}
	}
	if len(deps) == 0 {
		t.Fatalf("go list %v matched no packages", patterns)
	}
	return deps
}

// TestRuntimeDoesNotDependOnDevelopmentPKI keeps the development PKI
// (certs/: CA creation and issuing) out of the node: the runtime loads keys
// and anchors with gateway/identity and reads OINs with gateway/oin. Only
// cmd, demo and bench may use certs.
func TestRuntimeDoesNotDependOnDevelopmentPKI(t *testing.T) {
	// The check must be able to see an edge: cmd/schakel does use certs.
	if !contains(depsOf(t, "./cmd/schakel")["github.com/schakel/schakel/cmd/schakel"], certsPkg) {
		t.Fatal("the import check does not see cmd/schakel -> certs; it would pass vacuously")
	}
	runtime := depsOf(t, "./gateway/...", "./policy/...")
	if len(runtime) < 10 {
		t.Fatalf("go list matched only %d runtime packages", len(runtime))
	}
	for pkg, deps := range runtime {
		if pkg == certsPkg || contains(deps, certsPkg) {
			t.Errorf("%s depends on %s; use gateway/identity and gateway/oin instead", pkg, certsPkg)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
