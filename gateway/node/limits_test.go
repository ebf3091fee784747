package node_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/gateway/server"
	"github.com/schakel/schakel/internal/testnode"
)

// TestDenialFloodThrottlesOnlyTheFloodingPeer: with the default limits, a
// peer that floods the school with requests that are refused (here: no
// signed statement, STATEMENT_INVALID, each an audited decision) runs out
// of its refusal budget: after the burst its calls are refused
// RATE_LIMITED before anything is decided or audited, while another
// organisation is still served. Before the refusal budget, 2,000 denials at
// about 1,000/s never engaged the limit (2,000/s, burst 4,000).
func TestDenialFloodThrottlesOnlyTheFloodingPeer(t *testing.T) {
	f := testnode.New(t)
	var limits config.Limits
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg, testnode.Gemeente}, func(c *config.Config, o *node.Options) {
		o.Decider = allowDecider{}
		o.Source = fixtureSource(t)
		limits = c.Limits // the defaults
	})
	flooder := f.RawPeerClient(school, f.CA.Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name).TLS) // no statement: each call is refused
	other := f.PeerClient(school, f.CA.Issue(t, testnode.Gemeente.OIN, testnode.Gemeente.Name).TLS)
	bas := testnode.Child(t, "Bas")
	before := auditCommits(t, school)
	start := time.Now()
	decided, limited := 0, 0
	const flood = 400
	for i := range flood {
		resp, err := flooder.RequestRecord(context.Background(), peerRequest(bas.BSN, time.Now()))
		switch {
		case err == nil && !resp.GetDecision().GetAllow():
			decided++
		case status.Code(err) == codes.ResourceExhausted && server.Reason(err) == "RATE_LIMITED":
			limited++
		default:
			t.Fatalf("flood request %d: %v, %v", i, resp.GetDecision(), err)
		}
	}
	elapsed := time.Since(start)
	// The refusal bucket: its burst, plus what refilled meanwhile.
	most := limits.PeerDenialBurst + int(limits.PeerDenialRate*elapsed.Seconds()) + 1
	if decided > most || limited < flood-most {
		t.Fatalf("flood of %d refused requests in %s: %d decided, %d rate limited; want at most %d decided", flood, elapsed, decided, limited, most)
	}
	if decided < limits.PeerDenialBurst {
		t.Fatalf("only %d refusals decided before throttling, want the burst of %d", decided, limits.PeerDenialBurst)
	}
	if grew := int(auditCommits(t, school) - before); grew > decided {
		t.Fatalf("the audit log grew by %d commits for %d decided refusals: rate-limited calls were audited", grew, decided)
	}
	for i := range 3 {
		resp, err := other.RequestRecord(context.Background(), peerRequest(bas.BSN, time.Now()))
		if err != nil || !resp.GetDecision().GetAllow() {
			t.Fatalf("the other organisation's request %d during the flood: %v, %v", i, resp.GetDecision(), err)
		}
	}
	// The flooder is still throttled: its bucket refills at the refusal
	// rate only (a token or two may have come back while the other
	// organisation was served), so most of a second burst is refused.
	again := 0
	for range 20 {
		if _, err := flooder.RequestRecord(context.Background(), peerRequest(bas.BSN, time.Now())); server.Reason(err) == "RATE_LIMITED" {
			again++
		}
	}
	if again < 10 {
		t.Fatalf("the flooding peer right after: %d of 20 requests rate limited, want most", again)
	}
}
