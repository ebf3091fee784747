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
//
// The memory is partitioned per peer: each peer OIN has its own table with
// its own bound, so a peer that fills its table (with unique ids, up to its
// rate limit) is refused itself while every other peer is still served. The
// number of tables is bounded by the peers the directory admits (the guard
// runs after the peer is authenticated and known).
type ReplayGuard struct {
	skew    time.Duration
	started time.Time
	perPeer int
	mu      sync.Mutex
	peers   map[string]*peerMemory
}

type peerMemory struct {
	seen map[string]time.Time // id → expiry
	next time.Time            // next sweep
}

// DefaultReplayPerPeer is how many ids one peer's memory holds: at the
// default per-peer rate (200/s) and skew (2 min) a peer sends at most
// 48,000 within the 4-minute window.
const DefaultReplayPerPeer = 1 << 16

// NewReplayGuard returns a guard with the given skew, started at now.
func NewReplayGuard(skew time.Duration, now time.Time) *ReplayGuard {
	return NewReplayGuardPerPeer(skew, now, DefaultReplayPerPeer)
}

// NewReplayGuardPerPeer is NewReplayGuard with perPeer ids per peer.
func NewReplayGuardPerPeer(skew time.Duration, now time.Time, perPeer int) *ReplayGuard {
	return &ReplayGuard{skew: skew, started: now, perPeer: perPeer, peers: map[string]*peerMemory{}}
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
	g.mu.Lock()
	defer g.mu.Unlock()
	m, ok := g.peers[peerOIN]
	if !ok {
		m = &peerMemory{seen: map[string]time.Time{}, next: now.Add(g.skew)}
		g.peers[peerOIN] = m
	}
	if exp, ok := m.seen[id]; ok && now.Before(exp) {
		return fmt.Errorf("%w: %s", ErrReplay, id)
	}
	if now.After(m.next) || len(m.seen) >= g.perPeer {
		for k, exp := range m.seen {
			if now.After(exp) {
				delete(m.seen, k)
			}
		}
		m.next = now.Add(g.skew)
		if len(m.seen) >= g.perPeer {
			return fmt.Errorf("%w: replay memory of this peer is full", ErrClockSkew)
		}
	}
	m.seen[id] = now.Add(2 * g.skew)
	return nil
}
