package exchange

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/schakel/schakel/gateway/release"
)

var (
	// ErrReplay means the request id was seen before within the window.
	ErrReplay = errors.New("request id already used")
	// ErrClockSkew means the request's timestamp is outside the allowed skew.
	ErrClockSkew = errors.New("request timestamp outside the allowed clock skew")
)

// ReplayGuard refuses a request id seen before and a timestamp outside the
// allowed clock skew. It remembers ids for twice the skew, so any replay of an
// accepted request is either remembered or too old. Memory does not survive a
// restart, so requests sent before the guard started are refused as well:
// nothing can be replayed across a restart.
type ReplayGuard struct {
	skew    time.Duration
	started time.Time
	mu      sync.Mutex
	seen    map[string]time.Time // peer OIN + id → expiry
	max     int
	next    time.Time // next sweep
}

// NewReplayGuard returns a guard with the given skew, started at now.
func NewReplayGuard(skew time.Duration, now time.Time) *ReplayGuard {
	return &ReplayGuard{skew: skew, started: now, seen: map[string]time.Time{}, max: 1 << 20, next: now.Add(skew)}
}

// Check records (peerOIN, id) and refuses it when it is a replay or out of time.
func (g *ReplayGuard) Check(peerOIN, id string, sentAt, now time.Time) error {
	if sentAt.IsZero() {
		return fmt.Errorf("%w: sent_at: required", release.ErrInvalidRequest)
	}
	if d := now.Sub(sentAt); d > g.skew || d < -g.skew {
		return fmt.Errorf("%w: sent_at is %s from this node's clock (allowed %s)", ErrClockSkew, d.Round(time.Second), g.skew)
	}
	if sentAt.Before(g.started) && now.Sub(g.started) < 2*g.skew {
		return fmt.Errorf("%w: sent before this node started", ErrClockSkew)
	}
	key := peerOIN + "\x00" + id
	g.mu.Lock()
	defer g.mu.Unlock()
	if now.After(g.next) || len(g.seen) >= g.max {
		for k, exp := range g.seen {
			if now.After(exp) {
				delete(g.seen, k)
			}
		}
		g.next = now.Add(g.skew)
		if len(g.seen) >= g.max {
			return fmt.Errorf("%w: replay memory full", ErrClockSkew)
		}
	}
	if exp, ok := g.seen[key]; ok && now.Before(exp) {
		return fmt.Errorf("%w: %s", ErrReplay, id)
	}
	g.seen[key] = now.Add(2 * g.skew)
	return nil
}
