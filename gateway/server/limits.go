package server

import (
	"context"
	"sync"

	"golang.org/x/time/rate"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/oin"
)

// PeerLimits bounds what one peer organisation can make the node do: a token
// bucket of requests per second and a cap on concurrent calls. A peer over
// its limit gets ResourceExhausted; other peers are not slowed down, since
// each has its own bucket and slots.
type PeerLimits struct {
	rate        rate.Limit
	burst       int
	concurrency int

	mu    sync.Mutex
	peers map[string]*peerState
}

type peerState struct {
	limiter *rate.Limiter
	slots   chan struct{}
}

// NewPeerLimits returns limits of ratePerSec with burst, and concurrency
// calls at once, per peer.
func NewPeerLimits(ratePerSec float64, burst, concurrency int) *PeerLimits {
	return &PeerLimits{rate: rate.Limit(ratePerSec), burst: burst, concurrency: concurrency, peers: map[string]*peerState{}}
}

func (l *PeerLimits) state(oin string) *peerState {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.peers[oin]
	if !ok {
		s = &peerState{limiter: rate.NewLimiter(l.rate, l.burst), slots: make(chan struct{}, l.concurrency)}
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
		if !s.limiter.Allow() {
			return nil, withInfo(codes.ResourceExhausted, "RATE_LIMITED", "too many requests from your organisation; slow down")
		}
		select {
		case s.slots <- struct{}{}:
		default:
			return nil, withInfo(codes.ResourceExhausted, "TOO_MANY_CONCURRENT", "too many concurrent requests from your organisation")
		}
		defer func() { <-s.slots }()
		return handler(ctx, req)
	}
}
