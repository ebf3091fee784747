package obligation

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Concurrent Adds (group-committed) each return after their obligations are
// stored; a reopened store lists every one of them.
func TestConcurrentAddsAreAllStored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "obligations.db")
	s, err := OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.Add(ctx, fmt.Sprintf("d-%02d", i), "A1", "00000001000000000002", []string{"inform_subject", "record_in_pupil_file"}, at)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.List(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 100 {
		t.Fatalf("%d obligations stored, want 100", len(got))
	}
	perDecision := map[string]int{}
	for _, o := range got {
		perDecision[o.DecisionID]++
		if o.Flow != "A1" || o.RecipientOIN != "00000001000000000002" || !o.CreatedAt.Equal(at) {
			t.Errorf("obligation %+v", o)
		}
	}
	for i := range 50 {
		if n := perDecision[fmt.Sprintf("d-%02d", i)]; n != 2 {
			t.Errorf("decision d-%02d has %d obligations, want 2", i, n)
		}
	}
}
