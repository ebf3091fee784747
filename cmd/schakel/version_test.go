package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"version", "--json"}, stdio{out: &out, err: &errb}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var v versionInfo
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if v.Version == "" || v.Commit == "" || v.ContractVersion != contractVersion || v.LocalAPI != "schakel.local.v1" || !strings.HasPrefix(v.Go, "go1.") {
		t.Fatalf("version %+v", v)
	}
	out.Reset()
	if code := run([]string{"version", "extra"}, stdio{out: &out, err: &errb}); code != 2 {
		t.Fatalf("extra argument: exit %d", code)
	}
}

// A binary built the way make build and the Dockerfile build it reports the
// version and commit passed with -ldflags.
func TestVersionLdflags(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "schakel")
	build := exec.Command("go", "build", "-ldflags", "-X main.version=v9.8.7 -X main.commit=0123abcd", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	got, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("schakel version: %v\n%s", err, got)
	}
	for _, want := range []string{"schakel v9.8.7\n", "commit: 0123abcd\n", "policy contract version: "} {
		if !strings.Contains(string(got), want) {
			t.Fatalf("schakel version printed\n%s\nwant %q", got, want)
		}
	}
}
