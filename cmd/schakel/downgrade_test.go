package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/internal/testnode"
)

// TestAllowDowngrade: the command lowers the accepted version and queues
// the downgrade (with its reason) for the node to audit; it refuses a
// version that is not lower and a missing reason.
func TestAllowDowngrade(t *testing.T) {
	f := testnode.New(t)
	prep := f.Prepare(testnode.School, "", nil, testnode.PrepareOptions{})
	dataDir := filepath.Join(prep.Dir, "data")
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := node.WriteAcceptedVersions(dataDir, node.AcceptedVersions{Policy: 3, Directory: 7}); err != nil {
		t.Fatal(err)
	}
	cmd := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := run(append([]string{"allow-downgrade", "--config", prep.ConfigPath}, args...), stdio{out: &out, err: &errb})
		return code, out.String() + errb.String()
	}
	if code, out := cmd("--kind", "policy", "--to", "2"); code != 2 || !strings.Contains(out, "--reason is required") {
		t.Fatalf("without a reason: exit %d: %s", code, out)
	}
	if code, out := cmd("--kind", "policy", "--to", "3", "--reason", "x"); code != 1 || !strings.Contains(out, "not below the accepted version 3") {
		t.Fatalf("not lower: exit %d: %s", code, out)
	}
	if code, out := cmd("--kind", "policy", "--to", "2", "--reason", "versie 3 weigert B1"); code != 0 || !strings.Contains(out, "policy version 2 allowed (was 3)") {
		t.Fatalf("allowed: exit %d: %s", code, out)
	}
	v, err := node.ReadAcceptedVersions(dataDir)
	if err != nil || v.Policy != 2 || v.Directory != 7 || len(v.Downgrades) != 1 || v.Downgrades[0].Reason != "versie 3 weigert B1" {
		t.Fatalf("accepted versions after allow-downgrade: %+v, %v", v, err)
	}
}
