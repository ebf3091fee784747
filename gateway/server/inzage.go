package server

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/bsn"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// AuditRecordsFunc lists the node's audit records about a child (by BSN; the
// node computes the pseudonym), oldest first.
type AuditRecordsFunc func(ctx context.Context, bsn string) ([]audit.Stored, error)

// Inzage lists every audit record about one child on this node, with the same
// content as `schakel audit inzage --format json` (both use audit.Inzage).
func (s *Local) Inzage(ctx context.Context, req *localv1.InzageRequest) (*localv1.InzageResponse, error) {
	if err := bsn.Valid(req.GetBsn()); err != nil {
		return nil, toStatus(err)
	}
	recs, err := s.AuditRecords(ctx, req.GetBsn())
	if err != nil {
		return nil, toStatus(err)
	}
	items := audit.Inzage(audit.WithoutLocalAccess(recs))
	out := &localv1.InzageResponse{Records: make([]*localv1.InzageRecord, 0, len(items))}
	for _, it := range items {
		out.Records = append(out.Records, &localv1.InzageRecord{
			Index: it.Index, Time: timestamppb.New(it.Time), Action: it.Action, Side: it.Side,
			HolderOin: it.HolderOIN, RecipientOin: it.RecipientOIN, RecipientRole: it.RecipientRole,
			Flow: it.Flow, Purpose: it.Purpose, Basis: it.Basis, Allowed: it.Allowed,
			CategoriesReleased: it.CategoriesReleased, CategoriesWithheld: it.CategoriesWithheld,
			ReasonCodes: it.ReasonCodes, ConsentsUsed: it.ConsentsUsed, DecisionId: it.DecisionID,
			CaseReference: it.CaseReference, Professional: it.Professional,
		})
	}
	return out, nil
}
