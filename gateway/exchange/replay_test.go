package exchange

import (
	"errors"
	"fmt"
	"github.com/schakel/schakel/gateway/release"
	"testing"
	"time"
)

func TestReplayGuard(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	skew := 2 * time.Minute
	g := NewReplayGuard(skew, start.Add(-time.Hour))
	now := start
	if err := g.Check("A", "id-1", now, now); err != nil {
		t.Fatalf("first use refused: %v", err)
	}
	if err := g.Check("A", "id-1", now, now.Add(time.Second)); !errors.Is(err, ErrReplay) {
		t.Errorf("replay: %v, want ErrReplay", err)
	}
	if err := g.Check("B", "id-1", now, now); err != nil {
		t.Errorf("same id from another peer refused: %v", err)
	}
	if err := g.Check("A", "id-2", now.Add(-3*time.Minute), now); !errors.Is(err, ErrClockSkew) {
		t.Errorf("old timestamp: %v, want ErrClockSkew", err)
	}
	if err := g.Check("A", "id-3", now.Add(3*time.Minute), now); !errors.Is(err, ErrClockSkew) {
		t.Errorf("future timestamp: %v, want ErrClockSkew", err)
	}
	if err := g.Check("A", "id-4", time.Time{}, now); !errors.Is(err, release.ErrInvalidRequest) {
		t.Errorf("missing timestamp: %v", err)
	}
	// After the window the id is forgotten, but a replay of it is then too old.
	later := now.Add(5 * time.Minute)
	if err := g.Check("A", "id-1", now, later); !errors.Is(err, ErrClockSkew) {
		t.Errorf("late replay: %v, want ErrClockSkew", err)
	}
}

func TestReplayGuardRefusesRequestsFromBeforeStart(t *testing.T) {
	boot := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	g := NewReplayGuard(2*time.Minute, boot)
	if err := g.Check("A", "id-1", boot.Add(-30*time.Second), boot.Add(time.Second)); !errors.Is(err, ErrClockSkew) {
		t.Errorf("request sent before start accepted: %v", err)
	}
	if err := g.Check("A", "id-2", boot.Add(time.Second), boot.Add(2*time.Second)); err != nil {
		t.Errorf("fresh request refused: %v", err)
	}
}

// TestReplayMemoryIsPerPeer: a peer that fills its replay memory with
// unique ids is refused itself; another peer is still served, and the
// flooding peer is served again once its ids expire.
func TestReplayMemoryIsPerPeer(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	skew := 2 * time.Minute
	g := NewReplayGuardPerPeer(skew, start.Add(-time.Hour), 100)
	for i := range 100 {
		if err := g.Check("A", fmt.Sprintf("flood-%d", i), start, start); err != nil {
			t.Fatalf("flood id %d refused before the memory was full: %v", i, err)
		}
	}
	if err := g.Check("A", "flood-100", start, start); !errors.Is(err, ErrClockSkew) {
		t.Fatalf("the flooding peer's 101st id: %v, want refused (memory full)", err)
	}
	for i := range 100 {
		if err := g.Check("B", fmt.Sprintf("b-%d", i), start, start); err != nil {
			t.Fatalf("another peer's request %d refused while A's memory is full: %v", i, err)
		}
	}
	if err := g.Check("B", "b-0", start, start); !errors.Is(err, ErrReplay) {
		t.Fatalf("B's replay: %v, want ErrReplay", err)
	}
	later := start.Add(2*skew + time.Second)
	if err := g.Check("A", "after", later, later); err != nil {
		t.Fatalf("A after its ids expired: %v", err)
	}
}
