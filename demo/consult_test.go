package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemoConsultAndMonitoring runs the demo's consult and monitoring part
// on its own (the demo's PKI, signed pack and nodes as processes of the
// real binary): the consult is answered, the one with a name refused, every
// node exports and the kennispunt's report is written.
func TestDemoConsultAndMonitoring(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts the demo's nodes")
	}
	bin := filepath.Join(t.TempDir(), "schakel")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/schakel").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	portBase = 18700 // not the ports of a `make demo` or TestDemoConsole
	dir := t.TempDir()
	w, err := setup(bin, dir, filepath.Join("..", "policy", "pack"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.stopAll() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, n := range w.nodes {
		if err := w.start(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	if err := consultAndMonitoring(ctx, w); err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(filepath.Join(dir, "monitor", "monitoring.html"))
	if err != nil {
		t.Fatal(err)
	}
	// The school's two cells are both below 10: its figures are suppressed.
	if !strings.Contains(string(html), "Het Twentse College") || !strings.Contains(string(html), "onderdrukt") {
		t.Errorf("the report does not show the school's suppressed figures")
	}
	if _, err := os.Stat(filepath.Join(dir, "monitor", "monitoring.csv")); err != nil {
		t.Error(err)
	}
}
