// Package groupcommit batches concurrent durable writes into one transaction.
//
// Each caller of Do waits until its item is committed (or failed), exactly as
// with one transaction per item, so durability is unchanged: a caller that
// gets nil back has its item on disk. What changes is that callers arriving
// while a commit is in flight share the next transaction (and its fsync)
// instead of queueing for the database's write lock one by one.
//
// There is no background goroutine: the first caller to find no commit in
// flight becomes the leader and commits the queue; when more items queued
// meanwhile, leadership passes to a new goroutine so the leader returns as
// soon as its own batch is durable.
package groupcommit

import (
	"context"
	"sync"
)

// Batcher commits items of type T in batches of at most Max.
type Batcher[T any] struct {
	// Commit writes items in one transaction. It must be all or nothing.
	Commit func(ctx context.Context, items []T) error
	// Max bounds a batch (default 256).
	Max int

	mu      sync.Mutex
	queue   []*waiter[T]
	running bool
}

type waiter[T any] struct {
	ctx  context.Context
	item T
	done chan error
}

// Do queues item and waits until it is committed. The error is the commit's:
// when a batch fails, each of its items is retried in a transaction of its
// own, so one bad item fails only its own caller. When ctx ends first, Do
// returns ctx's error; the item may still be committed.
func (b *Batcher[T]) Do(ctx context.Context, item T) error {
	w := &waiter[T]{ctx: ctx, item: item, done: make(chan error, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, w)
	lead := !b.running
	b.running = true
	b.mu.Unlock()
	if lead {
		b.flush()
	}
	select {
	case err := <-w.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// flush commits one batch, then hands the rest of the queue to a new leader.
func (b *Batcher[T]) flush() {
	limit := b.Max
	if limit <= 0 {
		limit = 256
	}
	b.mu.Lock()
	n := min(len(b.queue), limit)
	batch := b.queue[:n:n]
	b.queue = append([]*waiter[T](nil), b.queue[n:]...)
	b.mu.Unlock()

	live := batch[:0]
	for _, w := range batch {
		if err := w.ctx.Err(); err != nil {
			w.done <- err
			continue
		}
		live = append(live, w)
	}
	if len(live) > 0 {
		items := make([]T, len(live))
		for i, w := range live {
			items[i] = w.item
		}
		err := b.Commit(context.WithoutCancel(live[0].ctx), items)
		switch {
		case err == nil:
			for _, w := range live {
				w.done <- nil
			}
		case len(live) == 1:
			live[0].done <- err
		default:
			// Find the culprit: every item on its own.
			for _, w := range live {
				w.done <- b.Commit(context.WithoutCancel(w.ctx), []T{w.item})
			}
		}
	}

	b.mu.Lock()
	if len(b.queue) == 0 {
		b.running = false
		b.mu.Unlock()
		return
	}
	b.mu.Unlock()
	go b.flush()
}
