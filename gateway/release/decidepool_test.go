package release

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/schakel/schakel/policy"
)

type recordingDecider struct {
	mu      sync.Mutex
	seen    []string
	entered chan struct{}
	gate    chan struct{}
}

func (r *recordingDecider) Decide(_ context.Context, in policy.Input) (policy.Decision, error) {
	if r.gate != nil {
		r.entered <- struct{}{}
		<-r.gate
	}
	r.mu.Lock()
	r.seen = append(r.seen, in.Purpose)
	r.mu.Unlock()
	if in.Purpose == "fail" {
		return policy.Decision{}, policy.ErrEvaluation
	}
	return policy.Decision{Allow: true, Categories: []string{in.Purpose}}, nil
}

// Every caller gets the decision for its own input, and errors pass through.
func TestDecisionPoolAnswersEachCaller(t *testing.T) {
	next := &recordingDecider{}
	p := NewDecisionPool(next, 2)
	defer p.Close()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			purpose := string(rune('a' + i))
			d, err := p.Decide(context.Background(), policy.Input{Purpose: purpose})
			if err != nil || !d.Allow || len(d.Categories) != 1 || d.Categories[0] != purpose {
				t.Errorf("caller %s got %+v, %v", purpose, d, err)
			}
		}()
	}
	wg.Wait()
	if len(next.seen) != 20 {
		t.Fatalf("%d decisions, want 20", len(next.seen))
	}
	if _, err := p.Decide(context.Background(), policy.Input{Purpose: "fail"}); !errors.Is(err, policy.ErrEvaluation) {
		t.Fatalf("error not passed on: %v", err)
	}
}

// A caller whose context ends while every worker is busy gets an error, not
// a decision (the holder then denies).
func TestDecisionPoolGivesUpWithTheContext(t *testing.T) {
	next := &recordingDecider{entered: make(chan struct{}, 1), gate: make(chan struct{})}
	p := NewDecisionPool(next, 1)
	defer p.Close()
	busy := make(chan error, 1)
	go func() { _, err := p.Decide(context.Background(), policy.Input{Purpose: "x"}); busy <- err }()
	<-next.entered // the only worker is busy
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Decide(ctx, policy.Input{Purpose: "y"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want the context's error", err)
	}
	close(next.gate)
	if err := <-busy; err != nil {
		t.Fatal(err)
	}
}
