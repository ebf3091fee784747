package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/proto"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/release"
	"github.com/schakel/schakel/gateway/traceparent"
	"github.com/schakel/schakel/policy"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
)

// Receive accepts a notification from the authenticated peer from. A key
// this sender used before returns the first delivery's id and receipt with
// duplicate=true; otherwise the sender's audit proof is verified, recorded
// here together with the sender's receipt (one transaction), the
// notification is stored, and a receipt signed with this organisation's key
// is returned.
func (n *Notifier) Receive(ctx context.Context, from identity.Peer, req *exchangev1.DeliverNotificationRequest) (*exchangev1.DeliverNotificationResponse, error) {
	start := n.cfg.Now()
	if err := validateDeliver(req); err != nil {
		return nil, err
	}
	if in, ok, err := n.cfg.Store.IncomingByKey(ctx, from.OIN, req.GetIdempotencyKey()); err != nil {
		return nil, err
	} else if ok {
		n.m.received(true)
		return &exchangev1.DeliverNotificationResponse{NotificationId: in.ID, Duplicate: true,
			ReceiptSignature: in.ReceiptSignature, PayloadDigest: in.PayloadDigest}, nil
	}
	tc, ok := traceparent.Incoming(ctx)
	if !ok {
		tc = traceparent.New()
	}
	dec := req.GetDecision()
	rcpt, verr := n.verifySender(ctx, from, req)
	var stmt *audit.Statement
	if verr == nil {
		stmt, verr = n.senderStatement(ctx, from, req, start)
	}
	if verr == nil {
		// Split-view detection: the sender's checkpoints of third parties'
		// logs against this node's (alarm and evidence only).
		n.cfg.Witness.CompareGossip(ctx, from.OIN, n.cfg.Self.OIN, req.GetGossip())
		// The receiver decides too: its own pack, not the sender's.
		verr = n.checkOwnFlow(from, req)
	}
	var state *audit.PeerLog
	if verr == nil {
		var stale error
		if stale, state, verr = n.checkWitness(ctx, from, req); stale != nil {
			return nil, stale // nothing accepted: the sender proves again from our checkpoint
		}
	}
	digest := req.GetAudit().GetPayloadDigest()
	commit, err := release.RecordReceived(ctx, n.cfg.Audit, n.cfg.Secret, n.cfg.Self, release.Received{
		Action: audit.ActionNotifyReceive, Holder: from,
		Trace: traceparent.Context{TraceID: tc.TraceID, SpanID: traceparent.NewSpanID()}, Foreign: tc,
		BSN: req.GetBsn(), Purpose: req.GetPurpose(), RecipientRole: req.GetRecipientRole(),
		Decision: dec, Record: req.GetRecord(), Proof: req.GetAudit(), Receipt: rcpt, VerifyErr: verr,
		Witness: state, Witnessing: n.cfg.Witness, RetentionDays: n.flowRetention(dec.GetFlow()), Start: start,
		CaseReference: req.GetCaseReference(), Statement: stmt,
	}, n.cfg.Now())
	if err != nil {
		return nil, err
	}
	if errors.Is(verr, release.ErrNotInFlow) {
		n.m.refusedByOwnPolicy()
		n.log.WarnContext(ctx, "notification refused by this node's own policy pack", "peer_oin", from.OIN,
			"decision_id", dec.GetDecisionId(), "flow", dec.GetFlow(), "err", verr, "audit_index", commit.Index)
		return nil, verr
	}
	if verr != nil {
		n.log.ErrorContext(ctx, "notification failed verification", "peer_oin", from.OIN, "decision_id", dec.GetDecisionId(), "err", verr)
		return nil, fmt.Errorf("%w: %v", release.ErrVerification, verr)
	}
	sig, err := audit.SignNotificationReceipt(n.cfg.Signer, from.OIN, req.GetIdempotencyKey(), digest)
	if err != nil {
		return nil, err
	}
	recBytes, err := proto.MarshalOptions{Deterministic: true}.Marshal(req.GetRecord())
	if err != nil {
		return nil, err
	}
	decBytes, err := proto.Marshal(dec)
	if err != nil {
		return nil, err
	}
	proofBytes, err := proto.Marshal(req.GetAudit())
	if err != nil {
		return nil, err
	}
	in, dup, err := n.cfg.Store.Receive(ctx, Incoming{
		ID: release.NewID(), SenderOIN: from.OIN, IdempotencyKey: req.GetIdempotencyKey(), Flow: dec.GetFlow(),
		Purpose: req.GetPurpose(), BSN: req.GetBsn(), HolderRole: req.GetHolderRole(), RecipientRole: req.GetRecipientRole(),
		CaseReference: req.GetCaseReference(), Record: recBytes, Decision: decBytes, Proof: proofBytes,
		PayloadDigest: digest, ReceiptSignature: sig, ReceiptIndex: commit.Index, ReceivedAt: start,
	})
	if err != nil {
		return nil, err
	}
	n.m.received(dup)
	n.log.InfoContext(ctx, "notification received", "notification_id", in.ID, "peer_oin", from.OIN, "duplicate", dup,
		"decision_id", dec.GetDecisionId(), "audit_index", commit.Index)
	return &exchangev1.DeliverNotificationResponse{NotificationId: in.ID, Duplicate: dup,
		ReceiptSignature: in.ReceiptSignature, PayloadDigest: in.PayloadDigest}, nil
}

// checkOwnFlow applies this node's own pack to an arriving notification
// (flowcheck.go); without a pack every notification is refused.
func (n *Notifier) checkOwnFlow(from identity.Peer, req *exchangev1.DeliverNotificationRequest) error {
	if n.cfg.Flows == nil {
		return &release.NotInFlow{Code: "NO_MATCHING_FLOW", Problem: "this node has no policy pack to check notifications against"}
	}
	return checkOwnFlow(n.cfg.Flows, n.cfg.Self, from, req)
}

// verifySender checks the sender's proof: the release verifies against the
// key of the certificate of this connection, and the sender's audit record
// is a delivery to this node. It returns the sender's receipt to keep.
func (n *Notifier) verifySender(ctx context.Context, from identity.Peer, req *exchangev1.DeliverNotificationRequest) (*audit.Receipt, error) {
	cert, err := identity.PeerCert(ctx)
	if err != nil {
		return nil, err
	}
	ar, rcpt, err := release.VerifyAuditProof(cert.PublicKey, from.OIN, req.GetDecision(), req.GetRecord(), req.GetAudit())
	if err != nil {
		return nil, err
	}
	if ar.Name != audit.ActionNotifyDeliver || ar.RecipientOIN != n.cfg.Self.OIN || ar.Purpose != req.GetPurpose() {
		return nil, errors.New("sender's audit record is not a delivery of this notification to this node")
	}
	// ar.Subject is the sender's pseudonym under the sender's secret; it
	// cannot be checked here.
	return rcpt, nil
}

func validateDeliver(req *exchangev1.DeliverNotificationRequest) error {
	errs := validateCommon(req.GetIdempotencyKey(), req.GetBsn(), release.Claims{
		Purpose: req.GetPurpose(), Flow: req.GetFlow(),
		Roles:         map[string]string{"holder_role": req.GetHolderRole(), "recipient_role": req.GetRecipientRole()},
		CaseReference: req.GetCaseReference(),
	})
	if req.GetDecision() == nil || !req.GetDecision().GetAllow() {
		errs = append(errs, errors.New("decision: an allowing decision is required"))
	} else {
		// Kept in this node's audit record: bounded here, before anything.
		errs = append(errs, release.ValidateDecision(req.GetDecision())...)
	}
	if len(release.PresentCategories(req.GetRecord())) == 0 {
		errs = append(errs, errors.New("record: at least one category must be present"))
	}
	if req.GetAudit() == nil {
		errs = append(errs, errors.New("audit: the sender's audit proof is required"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", release.ErrInvalidRequest, errors.Join(errs...))
	}
	return nil
}

// metrics are the notification metrics. They carry no personal data.
type metrics struct {
	outcomes    *prometheus.CounterVec
	deadLetters prometheus.Counter
	receipts    *prometheus.CounterVec
	ownPolicy   prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "schakel_notify_outgoing_total",
			Help: "Outgoing notification events by outcome (queued, refused, retry, delivered, delivered_duplicate, cancelled, dead_letter).",
		}, []string{"outcome"}),
		deadLetters: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "schakel_notify_dead_letters_total",
			Help: "Notifications moved to the dead-letter state; alert when it increases.",
		}),
		receipts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "schakel_notify_received_total",
			Help: "Notifications received from peers, by whether the delivery was a duplicate.",
		}, []string{"duplicate"}),
		ownPolicy: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "schakel_notify_refused_by_own_policy_total",
			Help: "Notifications that verified but that this node's own policy pack would not let their flow carry (refused, audited, not stored).",
		}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.outcomes, m.deadLetters, m.receipts, m.ownPolicy} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("notify metrics: %w", err)
			}
		}
	}
	return m, nil
}

func (m *metrics) outcome(o string) { m.outcomes.WithLabelValues(o).Inc() }

func (m *metrics) refusedByOwnPolicy() { m.ownPolicy.Inc() }

func (m *metrics) deadLetter() {
	m.outcomes.WithLabelValues("dead_letter").Inc()
	m.deadLetters.Inc()
}

func (m *metrics) received(dup bool) {
	if dup {
		m.receipts.WithLabelValues("true").Inc()
	} else {
		m.receipts.WithLabelValues("false").Inc()
	}
}

// checkWitness checks the sender's log witness (release/witness.go).
func (n *Notifier) checkWitness(ctx context.Context, from identity.Peer, req *exchangev1.DeliverNotificationRequest) (stale error, state *audit.PeerLog, err error) {
	if n.cfg.Witness == nil {
		return nil, nil, nil
	}
	cert, err := identity.PeerCert(ctx)
	if err != nil {
		return nil, nil, err
	}
	return n.cfg.Witness.CheckDelivery(ctx, from.OIN, cert.PublicKey, req.GetWitness())
}

func (n *Notifier) flowRetention(flow string) int {
	if n.cfg.FlowRetention == nil {
		return 0
	}
	return n.cfg.FlowRetention(flow)
}

// senderStatement opens the sender's signed statement of the notification
// with the key of this connection's certificate and checks it against what
// arrived: the request id, both organisations, purpose, flow, mode, the child
// (by digest), the sending role, the case reference; every category that
// arrived must be one the sender stated. The statement is kept with this
// node's record.
func (n *Notifier) senderStatement(ctx context.Context, from identity.Peer, req *exchangev1.DeliverNotificationRequest, now time.Time) (*audit.Statement, error) {
	cert, err := identity.PeerCert(ctx)
	if err != nil {
		return nil, err
	}
	_, stored, err := release.VerifyStatement(cert.PublicKey, req.GetStatement(), release.Stated{
		RequestID: req.GetRequestId(), HolderOIN: from.OIN, RecipientOIN: n.cfg.Self.OIN, Purpose: req.GetPurpose(),
		Flow: req.GetFlow(), Mode: policy.ModeNotification, BSN: req.GetBsn(),
		Arrived: release.PresentCategories(req.GetRecord()), // the policy may have released fewer than stated
		Role:    req.GetHolderRole(), CaseReference: req.GetCaseReference(),
		JustificationUnseen: true, // a notification carries its digest only
		ConsentMaxAge:       n.cfg.ConsentMaxAge,
	}, now, n.cfg.StatementSkew)
	return stored, err
}
