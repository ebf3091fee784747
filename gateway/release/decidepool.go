package release

import (
	"context"
	"fmt"

	"github.com/schakel/schakel/policy"
)

// DecisionPool runs decisions on a fixed set of long-lived goroutines.
//
// A Rego evaluation recurses deeply: on a fresh goroutine (one per gRPC call)
// the runtime grows the stack from 8 KiB by copying it several times, which
// cost about a tenth of the holder's CPU in profiles. A worker keeps the
// stack it grew. Decisions are CPU-bound, so a few workers per CPU lose no
// parallelism; callers queue for a worker and give up when their context
// ends (which the caller treats as a failed decision: nothing is released).
type DecisionPool struct {
	next Decider
	jobs chan decideJob
	quit chan struct{}
}

type decideJob struct {
	ctx      context.Context
	in       policy.Input
	precheck bool // Precheck instead of Decide
	res      chan decideResult
}

type decideResult struct {
	d   policy.Decision
	err error
}

// NewDecisionPool starts workers goroutines deciding with next. Close stops them.
func NewDecisionPool(next Decider, workers int) *DecisionPool {
	p := &DecisionPool{next: next, jobs: make(chan decideJob), quit: make(chan struct{})}
	for range max(workers, 1) {
		go p.work()
	}
	return p
}

func (p *DecisionPool) work() {
	for {
		select {
		case j := <-p.jobs:
			var d policy.Decision
			var err error
			if j.precheck {
				d, err = p.next.(Prechecker).Precheck(j.ctx, j.in)
			} else {
				d, err = p.next.Decide(j.ctx, j.in)
			}
			j.res <- decideResult{d, err}
		case <-p.quit:
			return
		}
	}
}

// Decide implements Decider.
func (p *DecisionPool) Decide(ctx context.Context, in policy.Input) (policy.Decision, error) {
	return p.run(decideJob{ctx: ctx, in: in, res: make(chan decideResult, 1)})
}

// Precheck implements Prechecker when the pool's decider does; otherwise
// it lets every request through to Decide (a test double).
func (p *DecisionPool) Precheck(ctx context.Context, in policy.Input) (policy.Decision, error) {
	if _, ok := p.next.(Prechecker); !ok {
		return policy.Decision{Allow: true}, nil
	}
	return p.run(decideJob{ctx: ctx, in: in, precheck: true, res: make(chan decideResult, 1)})
}

func (p *DecisionPool) run(j decideJob) (policy.Decision, error) {
	ctx := j.ctx
	select {
	case p.jobs <- j:
	case <-ctx.Done():
		return policy.Decision{}, fmt.Errorf("decision not started: %w", ctx.Err())
	case <-p.quit:
		return policy.Decision{}, fmt.Errorf("decision pool closed")
	}
	r := <-j.res
	return r.d, r.err
}

// Close stops the workers; later calls fail.
func (p *DecisionPool) Close() error {
	close(p.quit)
	return nil
}
