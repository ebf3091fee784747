package groupcommit

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// queued reports how many callers wait for the next batch.
func (b *Batcher[T]) queued() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.queue)
}

func waitQueued[T any](t *testing.T, b *Batcher[T], n int) {
	t.Helper()
	for i := 0; b.queued() < n; i++ {
		if i > 10000 {
			t.Fatalf("only %d of %d callers queued", b.queued(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// While one commit is in flight, the callers that arrive share the next one.
func TestCallersDuringACommitShareTheNextTransaction(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var batches [][]int
	b := &Batcher[int]{Commit: func(_ context.Context, items []int) error {
		mu.Lock()
		first := len(batches) == 0
		batches = append(batches, slices.Clone(items))
		mu.Unlock()
		if first {
			<-release // the first commit is slow: an fsync
		}
		return nil
	}}
	ctx := context.Background()
	errs := make(chan error, 11)
	go func() { errs <- b.Do(ctx, 0) }()
	for {
		mu.Lock()
		n := len(batches)
		mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	for i := 1; i <= 10; i++ {
		go func() { errs <- b.Do(ctx, i) }()
	}
	waitQueued(t, b, 10)
	close(release)
	for range 11 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(batches) != 2 {
		t.Fatalf("%d commits for 11 callers, want 2: %v", len(batches), batches)
	}
	got := slices.Sorted(slices.Values(batches[1]))
	if !slices.Equal(got, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
		t.Fatalf("second batch %v", batches[1])
	}
}

// A failing item fails only its own caller; the others of its batch are
// committed.
func TestOneBadItemFailsOnlyItsCaller(t *testing.T) {
	release := make(chan struct{})
	bad := errors.New("constraint failed")
	var mu sync.Mutex
	committed := map[int]bool{}
	started := make(chan struct{}, 1)
	b := &Batcher[int]{Commit: func(_ context.Context, items []int) error {
		if items[0] == 0 {
			started <- struct{}{}
			<-release
		}
		if slices.Contains(items, 13) {
			return bad // all or nothing: nothing of this batch is written
		}
		mu.Lock()
		defer mu.Unlock()
		for _, it := range items {
			committed[it] = true
		}
		return nil
	}}
	ctx := context.Background()
	first := make(chan error, 1)
	go func() { first <- b.Do(ctx, 0) }()
	<-started
	results := make(map[int]chan error)
	for _, it := range []int{11, 12, 13, 14} {
		ch := make(chan error, 1)
		results[it] = ch
		go func() { ch <- b.Do(ctx, it) }()
	}
	waitQueued(t, b, 4)
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for it, ch := range results {
		err := <-ch
		if it == 13 && !errors.Is(err, bad) {
			t.Errorf("item 13: %v, want the commit error", err)
		}
		if it != 13 && err != nil {
			t.Errorf("item %d: %v", it, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, it := range []int{0, 11, 12, 14} {
		if !committed[it] {
			t.Errorf("item %d not committed", it)
		}
	}
	if committed[13] {
		t.Error("the failing item was reported committed")
	}
}

func TestBatchesAreBoundedByMax(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	var mu sync.Mutex
	var sizes []int
	b := &Batcher[int]{Max: 3, Commit: func(_ context.Context, items []int) error {
		if items[0] == 0 {
			started <- struct{}{}
			<-release
		}
		mu.Lock()
		sizes = append(sizes, len(items))
		mu.Unlock()
		return nil
	}}
	ctx := context.Background()
	errs := make(chan error, 8)
	go func() { errs <- b.Do(ctx, 0) }()
	<-started
	for i := 1; i <= 7; i++ {
		go func() { errs <- b.Do(ctx, i) }()
	}
	waitQueued(t, b, 7)
	close(release)
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	total := 0
	for _, n := range sizes {
		if n > 3 {
			t.Errorf("batch of %d, max 3", n)
		}
		total += n
	}
	if total != 8 {
		t.Errorf("%d items committed, want 8 (%v)", total, sizes)
	}
}

// A caller whose context ended before its batch started is not written.
func TestCancelledCallerIsNotCommitted(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	var mu sync.Mutex
	var seen []int
	b := &Batcher[int]{Commit: func(_ context.Context, items []int) error {
		if items[0] == 0 {
			started <- struct{}{}
			<-release
		}
		mu.Lock()
		seen = append(seen, items...)
		mu.Unlock()
		return nil
	}}
	first := make(chan error, 1)
	go func() { first <- b.Do(context.Background(), 0) }()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	gone := make(chan error, 1)
	go func() { gone <- b.Do(ctx, 1) }()
	waitQueued(t, b, 1)
	cancel()
	if err := <-gone; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: %v", err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	// Let the handed-off leader run its (empty) batch.
	if err := b.Do(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if slices.Contains(seen, 1) {
		t.Errorf("cancelled item was committed: %v", seen)
	}
}
