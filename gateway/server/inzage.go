package server

import (
	"context"
	"errors"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/bsn"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/inzage"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// AuditRecordsFunc lists the node's audit records about a child (by BSN; the
// node computes the pseudonym), oldest first.
type AuditRecordsFunc func(ctx context.Context, bsn string) ([]audit.Stored, error)

// InzageFunc decides with the active pack which of the node's records about
// a child (by BSN) the requester may see; birth is the date of birth stated
// at the desk (zero: none).
type InzageFunc func(ctx context.Context, bsn string, who inzage.Requester, birth time.Time) (inzage.View, error)

// MarkInzageFunc records a mark on one of the node's records about a child.
type MarkInzageFunc func(ctx context.Context, user, bsn string, index uint64, mark string) error

// Inzage lists the audit records about one child on this node that the
// requester may see, with the same content as `schakel audit inzage --format
// json` (both use audit.Inzage on inzage.Decide's records).
func (s *Local) Inzage(ctx context.Context, req *localv1.InzageRequest) (*localv1.InzageResponse, error) {
	if err := bsn.Valid(req.GetBsn()); err != nil {
		return nil, toStatus(err)
	}
	if req.GetRequester() == "" {
		return nil, withFields("INVALID_REQUEST", "invalid request: requester: required (ouder, ouder_zonder_gezag or jeugdige)")
	}
	who, err := inzage.ParseRequester(req.GetRequester())
	if err != nil {
		return nil, withFields("INVALID_REQUEST", "invalid request: requester: must be ouder, ouder_zonder_gezag or jeugdige")
	}
	var birth time.Time
	if b := req.GetBirthDate(); b != "" {
		if birth, err = time.Parse(time.DateOnly, b); err != nil {
			return nil, withFields("INVALID_REQUEST", "invalid request: birth_date: must be a date YYYY-MM-DD")
		}
	}
	v, err := s.InzageView(ctx, req.GetBsn(), who, birth)
	if err != nil {
		if errors.Is(err, inzage.ErrBirthDateNeeded) {
			return nil, withFields("INVALID_REQUEST", "invalid request: birth_date: required, this organisation's records do not know the child")
		}
		return nil, toStatus(err)
	}
	sc := v.Scope()
	items := audit.Inzage(v.Shown)
	out := &localv1.InzageResponse{Records: make([]*localv1.InzageRecord, 0, len(items)),
		Allowed: v.Allow, HeldBack: uint32(v.HeldBack), Refusal: sc.Refusal}
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

// MarkInzageRecord records a professional's mark on one of the node's
// records about a child.
func (s *Local) MarkInzageRecord(ctx context.Context, req *localv1.MarkInzageRecordRequest) (*localv1.MarkInzageRecordResponse, error) {
	if err := bsn.Valid(req.GetBsn()); err != nil {
		return nil, toStatus(err)
	}
	if _, _, err := audit.ParseInzageMark(audit.FormatInzageMark(req.GetMark(), req.GetIndex())); err != nil {
		return nil, withFields("INVALID_REQUEST", "invalid request: mark: must be released_for_inzage, withhold_from_parents or show_to_parents")
	}
	client, ok := identity.LocalClientFrom(ctx)
	if !ok {
		return nil, withInfo(codes.PermissionDenied, "UNKNOWN_LOCAL_CLIENT", "the calling system is not identified")
	}
	if err := s.MarkInzage(ctx, client.Name, req.GetBsn(), req.GetIndex(), req.GetMark()); err != nil {
		return nil, withInfo(codes.FailedPrecondition, "INZAGE_MARK_REFUSED", err.Error())
	}
	return &localv1.MarkInzageRecordResponse{}, nil
}
