// Package server is the gRPC layer of a node: the peer-facing
// ExchangeService, the local LocalService and ConsentService, the one table
// that maps domain errors to status codes, and the transport interceptors
// (panic recovery, request id, logging fields, metrics). Domain logic lives in
// gateway/exchange; nothing here decides what may be released.
package server

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/consent"
	"github.com/schakel/schakel/gateway/consult"
	"github.com/schakel/schakel/gateway/exchange"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/traceparent"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// Exchange serves other organisations' nodes.
type Exchange struct {
	exchangev1.UnimplementedExchangeServiceServer
	Directory *identity.Directory
	Holder    *exchange.Holder
	Metrics   *Metrics
	// Notifications receives delivered notifications; nil refuses them.
	Notifications NotificationReceiver
	// Consults receives anonymous consults (N1); nil refuses them.
	Consults *consult.Service
	// Monitoring keeps monitoring exports (a kennispunt); nil refuses them.
	Monitoring MonitoringReceiver
}

// NotificationReceiver accepts a notification from an authenticated peer.
type NotificationReceiver interface {
	Receive(ctx context.Context, from identity.Peer, req *exchangev1.DeliverNotificationRequest) (*exchangev1.DeliverNotificationResponse, error)
}

// RequestRecord authenticates the peer from its certificate and runs the
// holder pipeline.
func (s *Exchange) RequestRecord(ctx context.Context, req *exchangev1.RequestRecordRequest) (*exchangev1.RequestRecordResponse, error) {
	from, _, err := s.Directory.Authenticate(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	setLogField(ctx, "peer_oin", from.OIN)
	tc, ok := traceparent.Incoming(ctx)
	if !ok {
		tc = traceparent.New()
	}
	resp, err := s.Holder.Serve(ctx, from, tc, req)
	if err != nil {
		return nil, toStatus(err)
	}
	setLogField(ctx, "decision_id", resp.GetDecision().GetDecisionId())
	s.Metrics.decision(resp.GetDecision())
	return resp, nil
}

// DeliverNotification accepts a notification from an authenticated peer.
func (s *Exchange) DeliverNotification(ctx context.Context, req *exchangev1.DeliverNotificationRequest) (*exchangev1.DeliverNotificationResponse, error) {
	from, _, err := s.Directory.Authenticate(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	setLogField(ctx, "peer_oin", from.OIN)
	resp, err := s.Notifications.Receive(ctx, from, req)
	return resp, toStatus(err)
}

// Local serves the organisation's own systems.
type Local struct {
	localv1.UnimplementedLocalServiceServer
	Requester   *exchange.Requester
	Obligations Obligations
	// Notifier handles outgoing and received notifications.
	Notifier Notifier
	// InzageView serves Inzage; MarkInzage serves MarkInzageRecord.
	InzageView InzageFunc
	MarkInzage MarkInzageFunc
	// Announcer, when set, is told of every completed obligation.
	Announcer Announcer
	Now       func() time.Time
}

// Notifier is the notification side of the local API.
type Notifier interface {
	Send(ctx context.Context, req *localv1.SendNotificationRequest) (*localv1.SendNotificationResponse, error)
	List(ctx context.Context, req *localv1.ListNotificationsRequest) (*localv1.ListNotificationsResponse, error)
	Pull(ctx context.Context, req *localv1.PullNotificationsRequest) (*localv1.PullNotificationsResponse, error)
	Ack(ctx context.Context, req *localv1.AckNotificationRequest) (*localv1.AckNotificationResponse, error)
}

// RequestRecord asks a peer for a record.
func (s *Local) RequestRecord(ctx context.Context, req *localv1.RequestRecordRequest) (*localv1.RequestRecordResponse, error) {
	resp, err := s.Requester.Ask(ctx, req)
	if err != nil {
		return nil, toStatus(err)
	}
	setLogField(ctx, "decision_id", resp.GetDecision().GetDecisionId())
	return resp, nil
}

// SendNotification decides and queues a notification.
func (s *Local) SendNotification(ctx context.Context, req *localv1.SendNotificationRequest) (*localv1.SendNotificationResponse, error) {
	resp, err := s.Notifier.Send(ctx, req)
	return resp, toStatus(err)
}

// ListNotifications lists outgoing notifications.
func (s *Local) ListNotifications(ctx context.Context, req *localv1.ListNotificationsRequest) (*localv1.ListNotificationsResponse, error) {
	resp, err := s.Notifier.List(ctx, req)
	return resp, toStatus(err)
}

// PullNotifications hands over received notifications.
func (s *Local) PullNotifications(ctx context.Context, req *localv1.PullNotificationsRequest) (*localv1.PullNotificationsResponse, error) {
	resp, err := s.Notifier.Pull(ctx, req)
	return resp, toStatus(err)
}

// AckNotification acknowledges a received notification.
func (s *Local) AckNotification(ctx context.Context, req *localv1.AckNotificationRequest) (*localv1.AckNotificationResponse, error) {
	resp, err := s.Notifier.Ack(ctx, req)
	return resp, toStatus(err)
}

// Obligations is the list of duties releases created; the audit store keeps
// them, written in the same transaction as the release's record.
type Obligations interface {
	Obligations(ctx context.Context, includeDone bool) ([]audit.Obligation, error)
	CompleteObligation(ctx context.Context, id string, at time.Time) error
}

// ListObligations lists obligations.
func (s *Local) ListObligations(ctx context.Context, req *localv1.ListObligationsRequest) (*localv1.ListObligationsResponse, error) {
	obs, err := s.Obligations.Obligations(ctx, req.GetIncludeDone())
	if err != nil {
		return nil, toStatus(err)
	}
	out := &localv1.ListObligationsResponse{}
	for _, o := range obs {
		p := &localv1.Obligation{Id: o.ID, Kind: o.Kind, DecisionId: o.DecisionID, Flow: o.Flow, RecipientOin: o.RecipientOIN,
			CreatedAt: timestamppb.New(o.CreatedAt), Done: o.DoneAt != nil}
		if o.DoneAt != nil {
			p.DoneAt = timestamppb.New(*o.DoneAt)
		}
		out.Obligations = append(out.Obligations, p)
	}
	return out, nil
}

// Announcer records that an inform_before_release obligation was done: the
// holder told the givers of the attested consents planned under it
// (consent.SQLiteStore.Announce).
type Announcer interface {
	Announce(ctx context.Context, obligationID string, at time.Time) (int, error)
}

// CompleteObligation ticks off an obligation. When it was the notice of a
// coming release on attested consents (inform_before_release), those
// consents are announced at the same time (Announcer): the notice period
// runs from then.
func (s *Local) CompleteObligation(ctx context.Context, req *localv1.CompleteObligationRequest) (*localv1.CompleteObligationResponse, error) {
	at := s.now()
	if err := s.Obligations.CompleteObligation(ctx, req.GetId(), at); err != nil {
		return nil, toStatus(err)
	}
	if s.Announcer != nil {
		if _, err := s.Announcer.Announce(ctx, req.GetId(), at); err != nil {
			return nil, toStatus(err)
		}
	}
	return &localv1.CompleteObligationResponse{}, nil
}

func (s *Local) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Consents serves the consent register.
type Consents struct {
	localv1.UnimplementedConsentServiceServer
	Store consent.Store
	// MaxAge is how far back a registered consent's given_at may lie (zero:
	// consent.DefaultMaxAge); a given_at in the future is always refused.
	MaxAge time.Duration
	Now    func() time.Time
}

func (s *Consents) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// RegisterConsent validates and stores a consent.
func (s *Consents) RegisterConsent(ctx context.Context, req *localv1.RegisterConsentRequest) (*localv1.RegisterConsentResponse, error) {
	c := req.GetConsent()
	if c == nil {
		return nil, toStatus(consent.ErrInvalid)
	}
	in := consent.Consent{BSN: c.GetBsn(), GivenBy: c.GetGivenBy(), Giver: c.GetGiver(), RecipientOIN: c.GetRecipientOin(),
		HolderOIN: c.GetHolderOin(), Purpose: c.GetPurpose(), Categories: c.GetCategories()}
	if c.GetGivenAt() != nil {
		in.GivenAt = c.GetGivenAt().AsTime()
		if err := consent.CheckGivenAt(in.GivenAt, s.now(), s.MaxAge); err != nil {
			return nil, toStatus(err)
		}
	}
	if c.GetValidUntil() != nil {
		t := c.GetValidUntil().AsTime()
		in.ValidUntil = &t
	}
	out, err := s.Store.Register(ctx, in)
	if err != nil {
		return nil, toStatus(err)
	}
	return &localv1.RegisterConsentResponse{Consent: consentToProto(out)}, nil
}

// WithdrawConsent withdraws a consent as of now.
func (s *Consents) WithdrawConsent(ctx context.Context, req *localv1.WithdrawConsentRequest) (*localv1.WithdrawConsentResponse, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	out, err := s.Store.Withdraw(ctx, req.GetId(), now())
	if err != nil {
		return nil, toStatus(err)
	}
	return &localv1.WithdrawConsentResponse{Consent: consentToProto(out)}, nil
}

// ListConsents lists a child's consents.
func (s *Consents) ListConsents(ctx context.Context, req *localv1.ListConsentsRequest) (*localv1.ListConsentsResponse, error) {
	cs, err := s.Store.List(ctx, req.GetBsn())
	if err != nil {
		return nil, toStatus(err)
	}
	out := &localv1.ListConsentsResponse{}
	for _, c := range cs {
		out.Consents = append(out.Consents, consentToProto(c))
	}
	return out, nil
}

func consentToProto(c consent.Consent) *localv1.Consent {
	p := &localv1.Consent{Id: c.ID, Bsn: c.BSN, GivenBy: c.GivenBy, Giver: c.Giver, RecipientOin: c.RecipientOIN, Purpose: c.Purpose,
		Categories: c.Categories, GivenAt: timestamppb.New(c.GivenAt), HolderOin: c.HolderOIN}
	if c.ValidUntil != nil {
		p.ValidUntil = timestamppb.New(*c.ValidUntil)
	}
	if c.WithdrawnAt != nil {
		p.WithdrawnAt = timestamppb.New(*c.WithdrawnAt)
	}
	return p
}
