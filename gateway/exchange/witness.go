package exchange

import (
	"context"

	grpcpeer "google.golang.org/grpc/peer"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/release"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
)

// checkWitness checks a response's log witness against the checkpoint this
// node named in its request, with the key of the certificate of this
// connection.
func (r *Requester) checkWitness(ctx context.Context, p *grpcpeer.Peer, holder identity.Peer, from []byte, allow bool, lw *exchangev1.LogWitness) (*audit.PeerLog, error) {
	if r.cfg.Witness == nil || r.cfg.Witness.Witness == nil {
		return nil, nil
	}
	cert, err := release.ServerCert(p)
	if err != nil {
		return nil, err
	}
	return r.cfg.Witness.Check(ctx, holder.OIN, cert.PublicKey, from, lw, allow)
}

func (r *Requester) flowRetention(flow string) int {
	if r.cfg.FlowRetention == nil {
		return 0
	}
	return r.cfg.FlowRetention(flow)
}
