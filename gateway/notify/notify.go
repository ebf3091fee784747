// Package notify sends and receives notifications that are never lost and
// take effect exactly once.
//
// Sending: Send decides at once with the policy (this node as holder, the
// addressed peer as recipient). A denial is audited and returned with its
// reasons; an allowed notification is stored durably in the outbox and its id
// returned. The same idempotency key returns the same notification.
//
// Delivering: Run delivers from the outbox over the node's mutual-TLS
// connections, with exponential backoff and jitter, at most PerPeer at a
// time per peer. Just before each attempt the policy decides again with the
// current consents and pack: a notification no longer allowed is cancelled
// (audited, never delivered), and only the categories released now are sent.
// Each attempt is decided and recorded by gateway/release
// (audit.ActionNotifyDeliver) before the data leave, together with the
// obligations of the release, and carries the audit proof, as a holder's
// response does. A notification
// older than MaxAge is dead-lettered: visible in List, counted in a
// Prometheus metric, and logged as an error.
//
// Receiving: Receive deduplicates on (sender OIN, idempotency key) durably,
// verifies the sender's audit proof and receipt, records it with the
// sender's receipt (audit.ActionNotifyReceive) and returns a receipt signed with this
// organisation's key, which the sender verifies and stores. A retry after a
// lost acknowledgement gets duplicate=true and the same id. The
// organisation's systems Pull and Ack what was received.
package notify

import (
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/bsn"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/oin"
	"github.com/schakel/schakel/gateway/release"
	"github.com/schakel/schakel/gateway/traceparent"
	"github.com/schakel/schakel/policy"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
)

// Conns gives a (reused) client connection to a peer.
type Conns interface {
	Conn(p identity.Peer) (grpc.ClientConnInterface, error)
}

// Vocabulary knows the categories of the active pack.
type Vocabulary interface {
	KnownCategory(string) bool
}

// Config wires a Notifier. Every field without a default is required.
type Config struct {
	Self   identity.Peer
	Signer crypto.Signer // the organisation key: signs notification receipts
	// Release decides and records every notification when it is sent and at
	// every delivery attempt.
	Release    *release.Releaser
	Directory  *identity.Directory
	Conns      Conns
	Audit      release.AuditLog // the recipient's records of what it received
	Vocabulary Vocabulary
	Store      Store
	// Secret keys the child's pseudonym in audit records.
	Secret []byte
	// MaxAge is how long a notification may stay queued before it is
	// dead-lettered (default 72h).
	MaxAge time.Duration
	// RetryInitial and RetryMax bound the exponential backoff (defaults
	// 200ms and 30s).
	RetryInitial, RetryMax time.Duration
	// PerPeer is the number of concurrent deliveries per peer (default 4).
	PerPeer int
	// Timeout bounds one delivery call (default 10s).
	Timeout time.Duration
	// Registry receives the notification metrics; nil registers none.
	Registry prometheus.Registerer
	Now      func() time.Time
	// Witness proves this log to recipients and checks senders' logs
	// (release/witness.go); nil: neither.
	Witness *release.Witnessing
	// FlowRetention is this node's own retention for a flow (0: unknown).
	FlowRetention func(flow string) int
	// StatementSkew is how far a sender's statement time may differ from
	// this node's clock (default 2 minutes).
	StatementSkew time.Duration
	// ConsentMaxAge bounds how long ago a consent a statement attests may
	// have been given (zero: consent.DefaultMaxAge).
	ConsentMaxAge time.Duration
	// Flows is this node's own policy pack: an arriving notification must
	// be one its flow may carry under this node's rules too. Required: a
	// receiver without its own rules refuses every notification.
	Flows Flows
}

// Notifier implements the local notification API, the peer-facing receiver
// and the delivery worker.
type Notifier struct {
	cfg Config
	log *slog.Logger
	m   *metrics

	wake chan struct{}

	mu    sync.Mutex
	peers map[string]*peerState // by OIN
}

// New returns a Notifier. Call Run to deliver.
func New(cfg Config, log *slog.Logger) (*Notifier, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 72 * time.Hour
	}
	if cfg.RetryInitial <= 0 {
		cfg.RetryInitial = 200 * time.Millisecond
	}
	if cfg.RetryMax < cfg.RetryInitial {
		cfg.RetryMax = max(30*time.Second, cfg.RetryInitial)
	}
	if cfg.PerPeer <= 0 {
		cfg.PerPeer = 4
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.StatementSkew <= 0 {
		cfg.StatementSkew = 2 * time.Minute
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(cfg.Registry)
	if err != nil {
		return nil, err
	}
	return &Notifier{cfg: cfg, log: log, m: m, wake: make(chan struct{}, 1), peers: map[string]*peerState{}}, nil
}

var keyRE = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,128}$`)

// validateCommon checks what a notification carries on both sides: its
// idempotency key, the claims (purpose, flow, roles, case reference,
// justification; release.ValidateClaims) and a valid BSN.
func validateCommon(key, childBSN string, c release.Claims) []error {
	errs := release.ValidateClaims(c)
	if !keyRE.MatchString(key) {
		errs = append(errs, errors.New("idempotency_key: required, 8 to 128 characters [A-Za-z0-9._:-]"))
	}
	if err := bsn.Valid(childBSN); err != nil {
		errs = append(errs, fmt.Errorf("bsn: %w", err))
	}
	return errs
}

// validateSend checks a local send request and reports every problem at once.
func (n *Notifier) validateSend(req *localv1.SendNotificationRequest) (identity.Peer, []string, error) {
	var errs []error
	if v := req.GetRecipientOin(); v == "" {
		return identity.Peer{}, nil, fmt.Errorf("%w: recipient_oin: required", release.ErrInvalidRequest)
	} else if err := oin.Valid(v); err != nil {
		return identity.Peer{}, nil, fmt.Errorf("%w: recipient_oin: %w", release.ErrInvalidRequest, err)
	}
	peer, ok := n.cfg.Directory.Lookup(req.GetRecipientOin())
	if !ok {
		return identity.Peer{}, nil, fmt.Errorf("%w: recipient_oin %q", identity.ErrUnknownPeer, req.GetRecipientOin())
	}
	errs = append(errs, validateCommon(req.GetIdempotencyKey(), req.GetBsn(), release.Claims{
		Purpose: req.GetPurpose(), Flow: req.GetFlow(),
		Roles:         map[string]string{"role": req.GetRole(), "recipient_role": req.GetRecipientRole()},
		CaseReference: req.GetCaseReference(), Justification: req.GetJustification(),
	})...)
	cats := release.PresentCategories(req.GetRecord())
	if len(cats) == 0 {
		errs = append(errs, errors.New("record: at least one category must be present"))
	}
	for _, c := range cats {
		if !n.cfg.Vocabulary.KnownCategory(c) {
			errs = append(errs, fmt.Errorf("record: unknown category %q", c))
		}
	}
	if len(errs) > 0 {
		return identity.Peer{}, nil, fmt.Errorf("%w: %w", release.ErrInvalidRequest, errors.Join(errs...))
	}
	return peer, cats, nil
}

// Send decides a notification at once: a denial is audited and returned with
// its reasons (state REFUSED, nothing stored); an allowed one is queued
// durably and its id returned. A key sent before returns that notification.
func (n *Notifier) Send(ctx context.Context, req *localv1.SendNotificationRequest) (*localv1.SendNotificationResponse, error) {
	start := n.cfg.Now()
	peer, cats, err := n.validateSend(req)
	if err != nil {
		return nil, err
	}
	reqDigest := requestDigest(req)
	if o, ok, err := n.cfg.Store.OutgoingByKey(ctx, req.GetIdempotencyKey()); err != nil {
		return nil, err
	} else if ok {
		return n.existing(o, reqDigest)
	}
	tc := traceparent.New()
	// Decided and recorded, not released: what leaves is decided again and
	// recorded per delivery attempt.
	out, err := n.cfg.Release.Release(ctx, release.Exchange{
		Action: audit.ActionNotifyDecide, DecideOnly: true, Mode: policy.ModeNotification, Peer: peer, Trace: tc,
		BSN: req.GetBsn(), Purpose: req.GetPurpose(), Flow: req.GetFlow(),
		HolderRole: req.GetRole(), RecipientRole: req.GetRecipientRole(), Justification: req.GetJustification(),
		CaseReference: req.GetCaseReference(),
		Categories:    cats, Start: start,
	})
	if err != nil {
		n.log.ErrorContext(ctx, "notification not accepted", "err", err)
		return nil, err
	}
	d, dec := out.Decision, out.Wire
	if !d.Allow {
		n.m.outcome("refused")
		n.log.InfoContext(ctx, "notification refused", "decision_id", d.DecisionID, "peer_oin", peer.OIN, "reasons", reasonCodes(dec))
		return &localv1.SendNotificationResponse{Decision: dec, State: localv1.NotificationState_NOTIFICATION_STATE_REFUSED}, nil
	}
	recBytes, err := proto.MarshalOptions{Deterministic: true}.Marshal(req.GetRecord())
	if err != nil {
		return nil, err
	}
	decBytes, err := proto.Marshal(dec)
	if err != nil {
		return nil, err
	}
	o := Outgoing{
		ID: release.NewID(), IdempotencyKey: req.GetIdempotencyKey(), RequestDigest: reqDigest,
		RecipientOIN: peer.OIN, Purpose: req.GetPurpose(), Flow: dec.GetFlow(), BSN: req.GetBsn(),
		Role: req.GetRole(), RecipientRole: req.GetRecipientRole(), CaseReference: req.GetCaseReference(),
		Justification: req.GetJustification(), Record: recBytes, Decision: decBytes,
		TraceID: hex.EncodeToString(tc.TraceID[:]), State: StateQueued,
		CreatedAt: start, UpdatedAt: start, NextAttempt: start,
	}
	stored, created, err := n.cfg.Store.Enqueue(ctx, o)
	if err != nil {
		return nil, err
	}
	if !created { // a concurrent send with the same key won
		return n.existing(stored, reqDigest)
	}
	n.m.outcome("queued")
	n.log.InfoContext(ctx, "notification queued", "notification_id", o.ID, "decision_id", d.DecisionID, "peer_oin", peer.OIN, "flow", o.Flow)
	n.Wake()
	return &localv1.SendNotificationResponse{Decision: dec, NotificationId: o.ID, State: localv1.NotificationState_NOTIFICATION_STATE_QUEUED}, nil
}

// existing answers a repeated send with the notification stored under its
// key; a key reused for a different notification is refused.
func (n *Notifier) existing(o Outgoing, reqDigest string) (*localv1.SendNotificationResponse, error) {
	if o.RequestDigest != reqDigest {
		return nil, fmt.Errorf("%w: idempotency_key: already used for a different notification (%s)", release.ErrInvalidRequest, o.ID)
	}
	dec := &exchangev1.Decision{}
	if err := proto.Unmarshal(o.Decision, dec); err != nil {
		return nil, fmt.Errorf("notify: stored decision: %w", err)
	}
	return &localv1.SendNotificationResponse{Decision: dec, NotificationId: o.ID, State: stateProto(o.State)}, nil
}

// List shows outgoing notifications (all, or the one named).
func (n *Notifier) List(ctx context.Context, req *localv1.ListNotificationsRequest) (*localv1.ListNotificationsResponse, error) {
	var os []Outgoing
	if id := req.GetNotificationId(); id != "" {
		o, err := n.cfg.Store.Outgoing(ctx, id)
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("%w: notification_id %q: %w", release.ErrInvalidRequest, id, ErrNotFound)
		}
		if err != nil {
			return nil, err
		}
		os = []Outgoing{o}
	} else {
		var err error
		if os, err = n.cfg.Store.ListOutgoing(ctx); err != nil {
			return nil, err
		}
	}
	out := &localv1.ListNotificationsResponse{}
	for _, o := range os {
		out.Notifications = append(out.Notifications, OutgoingToProto(o))
	}
	return out, nil
}

// OutgoingToProto is the local API's view of an outgoing notification.
func OutgoingToProto(o Outgoing) *localv1.OutgoingNotification {
	return &localv1.OutgoingNotification{
		NotificationId: o.ID, RecipientOin: o.RecipientOIN, Flow: o.Flow, State: stateProto(o.State),
		Attempts: int32(o.Attempts), LastError: o.LastError,
		CreatedAt: timestamppb.New(o.CreatedAt), UpdatedAt: timestamppb.New(o.UpdatedAt),
	}
}

// Pull returns received, unacknowledged notifications, oldest first.
func (n *Notifier) Pull(ctx context.Context, req *localv1.PullNotificationsRequest) (*localv1.PullNotificationsResponse, error) {
	limit := int(req.GetMax())
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	ins, err := n.cfg.Store.Pull(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := &localv1.PullNotificationsResponse{}
	for _, in := range ins {
		rec := &recordv1.Record{}
		if err := proto.Unmarshal(in.Record, rec); err != nil {
			return nil, fmt.Errorf("notify: stored record: %w", err)
		}
		out.Notifications = append(out.Notifications, &localv1.ReceivedNotification{
			NotificationId: in.ID, SenderOin: in.SenderOIN, Flow: in.Flow, Purpose: in.Purpose, Bsn: in.BSN,
			RecipientRole: in.RecipientRole, Record: rec, ReceivedAt: timestamppb.New(in.ReceivedAt),
		})
	}
	return out, nil
}

// Ack removes a received notification from the pull set (and clears its
// payload). Acknowledging twice is not an error.
func (n *Notifier) Ack(ctx context.Context, req *localv1.AckNotificationRequest) (*localv1.AckNotificationResponse, error) {
	err := n.cfg.Store.Ack(ctx, req.GetNotificationId(), n.cfg.Now())
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("%w: notification_id %q: %w", release.ErrInvalidRequest, req.GetNotificationId(), ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return &localv1.AckNotificationResponse{}, nil
}

func stateProto(s State) localv1.NotificationState {
	switch s {
	case StateQueued:
		return localv1.NotificationState_NOTIFICATION_STATE_QUEUED
	case StateDelivered:
		return localv1.NotificationState_NOTIFICATION_STATE_DELIVERED
	case StateCancelled:
		return localv1.NotificationState_NOTIFICATION_STATE_CANCELLED
	case StateDeadLetter:
		return localv1.NotificationState_NOTIFICATION_STATE_DEAD_LETTER
	}
	return localv1.NotificationState_NOTIFICATION_STATE_UNSPECIFIED
}

func requestDigest(req *localv1.SendNotificationRequest) string {
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(req)
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func reasonCodes(dec *exchangev1.Decision) []string {
	out := make([]string, 0, len(dec.GetReasons()))
	for _, r := range dec.GetReasons() {
		out = append(out, r.GetCode())
	}
	return out
}
