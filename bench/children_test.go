package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/schakel/schakel/gateway/bsn"
	"github.com/schakel/schakel/gateway/source"
)

// The generated source loads as a fixture the node accepts, with distinct
// valid BSNs, the requested number of children plus the built-in ones, and
// ages spread over 4 to 17.
func TestGeneratedChildrenLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "children.yaml")
	kids, err := writeChildren(path, 1000, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if err := appendDefaultChildren(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	all, err := source.Children(b)
	if err != nil {
		t.Fatalf("generated fixture does not load: %v", err)
	}
	def, _ := source.Children(source.DefaultFixture)
	if len(all) != 1000+len(def) {
		t.Fatalf("%d children, want %d", len(all), 1000+len(def))
	}
	seen := map[string]bool{}
	ages := map[int]bool{}
	for _, k := range kids {
		if err := bsn.Valid(k.BSN); err != nil || seen[k.BSN] {
			t.Fatalf("BSN %s: %v (dup %v)", k.BSN, err, seen[k.BSN])
		}
		seen[k.BSN] = true
		ages[k.Age] = true
	}
	if len(ages) != 14 {
		t.Errorf("ages cover %d values, want 4..17", len(ages))
	}
	if _, err := source.OpenSQLite(filepath.Join(t.TempDir(), "source.db"), b, nil); err != nil {
		t.Fatalf("the node's SQLite source refuses the fixture: %v", err)
	}
}
