package server

import (
	"context"
	"sync"

	"golang.org/x/time/rate"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/oin"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
)

// PeerLimits bounds what one peer organisation can make the node do: a token
// bucket of requests per second, a cap on concurrent calls, and a second
// bucket for refusals. A peer over its limit gets ResourceExhausted; other
// peers are not slowed down, since each has its own buckets and slots.
//
// Every refusal a peer causes (a policy denial, a STATEMENT_INVALID, a
// malformed request, a replay) costs this node a durable audit commit like
// a release does, and a flood of them is what an attacker can produce
// without any consent. So refusals draw from their own, much smaller
// bucket: once a peer has used it up, all of its calls are refused
// (RATE_LIMITED) until it refills, before anything is decided or audited.
type PeerLimits struct {
	rate        rate.Limit
	burst       int
	concurrency int
	denyRate    rate.Limit
	denyBurst   int

	mu    sync.Mutex
	peers map[string]*peerState
}

type peerState struct {
	limiter *rate.Limiter
	denials *rate.Limiter // nil: refusals are not counted apart
	slots   chan struct{}
}

// NewPeerLimits returns limits of ratePerSec with burst, and concurrency
// calls at once, per peer.
func NewPeerLimits(ratePerSec float64, burst, concurrency int) *PeerLimits {
	return &PeerLimits{rate: rate.Limit(ratePerSec), burst: burst, concurrency: concurrency, peers: map[string]*peerState{}}
}

// WithDenials adds the refusal bucket: denyPerSec refusals per second with
// burst denyBurst, per peer.
func (l *PeerLimits) WithDenials(denyPerSec float64, denyBurst int) *PeerLimits {
	l.denyRate, l.denyBurst = rate.Limit(denyPerSec), denyBurst
	return l
}

func (l *PeerLimits) state(oin string) *peerState {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.peers[oin]
	if !ok {
		s = &peerState{limiter: rate.NewLimiter(l.rate, l.burst), slots: make(chan struct{}, l.concurrency)}
		if l.denyBurst > 0 {
			s.denials = rate.NewLimiter(l.denyRate, l.denyBurst)
		}
		l.peers[oin] = s
	}
	return s
}

// Interceptor enforces the limits, keyed by the OIN of the verified peer
// certificate. Calls without one are left to the handler, which refuses them.
// The number of tracked peers is bounded by the certificates the trust
// anchors issue; unknown OINs are refused by the handler right after.
func (l *PeerLimits) Interceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		cert, err := identity.PeerCert(ctx)
		if err != nil {
			return handler(ctx, req)
		}
		oin, err := oin.FromCert(cert)
		if err != nil {
			return handler(ctx, req)
		}
		s := l.state(oin)
		if s.denials != nil && s.denials.Tokens() < 1 {
			return nil, withInfo(codes.ResourceExhausted, "RATE_LIMITED", "too many refused requests from your organisation; slow down")
		}
		if !s.limiter.Allow() {
			return nil, withInfo(codes.ResourceExhausted, "RATE_LIMITED", "too many requests from your organisation; slow down")
		}
		select {
		case s.slots <- struct{}{}:
		default:
			return nil, withInfo(codes.ResourceExhausted, "TOO_MANY_CONCURRENT", "too many concurrent requests from your organisation")
		}
		defer func() { <-s.slots }()
		resp, err := handler(ctx, req)
		if s.denials != nil && refused(resp, err) {
			s.denials.Allow() // takes a token; at zero the next call is refused above
		}
		return resp, err
	}
}

// refused reports whether a call ended in a refusal: an error, or a
// decision that does not allow.
func refused(resp any, err error) bool {
	if err != nil {
		return true
	}
	if d, ok := resp.(interface{ GetDecision() *exchangev1.Decision }); ok {
		return !d.GetDecision().GetAllow()
	}
	return false
}
