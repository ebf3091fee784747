package notify

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	grpcpeer "google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/release"
	"github.com/schakel/schakel/gateway/traceparent"
	"github.com/schakel/schakel/policy"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
)

// peerState is the delivery state of one peer: attempts in flight, and a
// backoff while the peer is unreachable, so that a thousand queued
// notifications to a peer that is down cost one probe per backoff period
// instead of a thousand attempts.
type peerState struct {
	inflight map[string]bool // notification ids
	failures int
	until    time.Time // no attempts before
}

// reconnectWait bounds one immediate reconnect to a peer in transient failure.
const reconnectWait = time.Second

// errUnreachable means no connection to the peer could be made: nothing left.
var errUnreachable = errors.New("peer unreachable")

// Wake makes the delivery worker look at the outbox now.
func (n *Notifier) Wake() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// Run delivers queued notifications until ctx is done, then waits for the
// attempts in flight to end (their context is cancelled too). A notification
// whose attempt was interrupted stays queued and is attempted again; the
// recipient's deduplication makes that harmless.
func (n *Notifier) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		wait := n.dispatch(ctx, &wg)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-n.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// dispatch starts attempts for due notifications within each peer's limit and
// returns how long to wait before looking again (a completed attempt or a new
// notification wakes the worker earlier).
func (n *Notifier) dispatch(ctx context.Context, wg *sync.WaitGroup) time.Duration {
	now := n.cfg.Now()
	wait := time.Second
	for _, peer := range n.cfg.Directory.All() {
		n.mu.Lock()
		ps := n.peer(peer.OIN)
		free := n.cfg.PerPeer - len(ps.inflight)
		blocked := now.Before(ps.until)
		if blocked {
			wait = min(wait, ps.until.Sub(now))
		}
		busy := len(ps.inflight)
		n.mu.Unlock()
		if blocked || free <= 0 {
			continue
		}
		due, err := n.cfg.Store.Due(ctx, peer.OIN, now, free+busy)
		if err != nil {
			if ctx.Err() == nil {
				n.log.Error("notification outbox unreadable", "err", err)
			}
			return time.Second
		}
		for _, o := range due {
			n.mu.Lock()
			if ps.inflight[o.ID] || len(ps.inflight) >= n.cfg.PerPeer {
				n.mu.Unlock()
				continue
			}
			ps.inflight[o.ID] = true
			n.mu.Unlock()
			wg.Add(1)
			go func(o Outgoing, peer identity.Peer) {
				defer wg.Done()
				n.attempt(ctx, o, peer)
				n.mu.Lock()
				delete(n.peer(peer.OIN).inflight, o.ID)
				n.mu.Unlock()
				n.Wake()
			}(o, peer)
		}
	}
	if next, ok, err := n.cfg.Store.NextDue(ctx); err == nil && ok && next.After(now) {
		wait = min(wait, next.Sub(now))
	}
	return max(wait, 5*time.Millisecond)
}

// peer returns the state of a peer; n.mu must be held.
func (n *Notifier) peer(oin string) *peerState {
	ps, ok := n.peers[oin]
	if !ok {
		ps = &peerState{inflight: map[string]bool{}}
		n.peers[oin] = ps
	}
	return ps
}

// backoff is the wait before retry number k (1-based): exponential from
// RetryInitial, at most RetryMax, with jitter over its upper half.
func (n *Notifier) backoff(k int) time.Duration {
	d := n.cfg.RetryInitial
	for i := 1; i < k && d < n.cfg.RetryMax; i++ {
		d *= 2
	}
	d = min(d, n.cfg.RetryMax)
	return d/2 + rand.N(d/2+1)
}

// attempt makes one delivery attempt of o: dead-letter it when too old,
// decide again and record the release (gateway/release), deliver, verify the
// receipt.
func (n *Notifier) attempt(ctx context.Context, o Outgoing, peer identity.Peer) {
	start := n.cfg.Now()
	if start.Sub(o.CreatedAt) > n.cfg.MaxAge {
		n.deadLetter(ctx, o, peer, fmt.Sprintf("not delivered within %s", n.cfg.MaxAge))
		return
	}
	o.Attempts++
	rec := &recordv1.Record{}
	if err := proto.Unmarshal(o.Record, rec); err != nil {
		n.deadLetter(ctx, o, peer, "stored record unreadable")
		return
	}
	tc := n.trace(o)
	var conn grpc.ClientConnInterface
	// What this organisation states about the notification and answers for,
	// signed, and kept with its own record of the delivery.
	requestID := release.NewID()
	cats := release.PresentCategories(rec)
	ss, err := release.SignStatement(n.cfg.Signer, &exchangev1.Statement{
		RequestId: requestID, HolderOin: n.cfg.Self.OIN, RecipientOin: peer.OIN, Purpose: o.Purpose, Flow: o.Flow,
		Mode: policy.ModeNotification, SubjectDigest: release.SubjectDigest(requestID, o.BSN), Categories: cats,
		Role: o.Role, CaseReference: o.CaseReference, JustificationDigest: release.JustificationDigest(o.Justification),
		IssuedAt: timestamppb.New(start),
	})
	if err != nil {
		n.retry(ctx, o, err)
		return
	}
	own, err := release.StoredStatement(n.cfg.Signer.Public(), ss)
	if err != nil {
		n.retry(ctx, o, err)
		return
	}
	// Decided again, also while the peer is down: the current consents and
	// pack decide what may go now; a withdrawn consent cancels at once. Only
	// what is released now leaves, and it is recorded, with its
	// obligations, before it leaves.
	out, err := n.cfg.Release.Release(ctx, release.Exchange{
		Action: audit.ActionNotifyDeliver, DenyAction: audit.ActionNotifyCancel, Mode: policy.ModeNotification, Peer: peer, Trace: tc,
		BSN: o.BSN, Purpose: o.Purpose, Flow: o.Flow, HolderRole: o.Role, RecipientRole: o.RecipientRole,
		Justification: o.Justification, CaseReference: o.CaseReference, Categories: cats, Payload: rec, Statement: own,
		ObligationKey: o.ID, Start: start,
		// Nothing is recorded as delivered while the peer cannot be reached.
		BeforeRelease: func(ctx context.Context) error {
			var err error
			if conn, err = n.cfg.Conns.Conn(peer); err == nil {
				err = ready(ctx, conn, min(n.cfg.Timeout, 5*time.Second))
			}
			if err != nil {
				n.peerDown(peer.OIN, start)
			}
			return err
		},
	})
	switch {
	case err != nil:
		n.retry(ctx, o, err)
		return
	case out.EngineFailed:
		n.retry(ctx, o, errors.New("policy engine unavailable"))
		return
	case !out.Decision.Allow:
		n.cancelled(ctx, o, peer, out.Wire)
		return
	}
	d, dec, digest := out.Decision, out.Wire, out.Proof.GetPayloadDigest()
	req := &exchangev1.DeliverNotificationRequest{
		RequestId: requestID, SentAt: timestamppb.New(start), IdempotencyKey: o.IdempotencyKey,
		Purpose: o.Purpose, Flow: o.Flow, Bsn: o.BSN, HolderRole: o.Role, RecipientRole: o.RecipientRole,
		CaseReference: o.CaseReference, Decision: dec, Record: out.Record, Audit: out.Proof, Statement: ss,
		Gossip: n.cfg.Witness.Gossip(peer.OIN), // split-view detection
	}
	cctx, cancel := context.WithTimeout(traceparent.Outgoing(ctx, tc), n.cfg.Timeout)
	defer cancel()
	var p grpcpeer.Peer
	resp, err := n.deliverWitnessed(cctx, conn, peer, req, &p)
	if err != nil {
		switch status.Code(err) {
		case codes.InvalidArgument:
			n.deadLetter(ctx, o, peer, "refused by the recipient: "+status.Convert(err).Message())
			return
		case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted:
			n.peerDown(peer.OIN, start)
		}
		n.retry(ctx, o, fmt.Errorf("deliver: %s", status.Convert(err).Message()))
		return
	}
	n.peerUp(peer.OIN)
	// The recipient's receipt, signed with the key of the certificate this
	// connection verified. A duplicate's receipt covers the first delivery.
	if !resp.GetDuplicate() && resp.GetPayloadDigest() != digest {
		n.deadLetter(ctx, o, peer, "recipient's receipt covers a different payload")
		return
	}
	cert, err := release.ServerCert(&p)
	if err == nil {
		err = audit.VerifyNotificationReceipt(cert.PublicKey, n.cfg.Self.OIN, o.IdempotencyKey, resp.GetPayloadDigest(), resp.GetReceiptSignature())
	}
	if err != nil || resp.GetNotificationId() == "" {
		n.deadLetter(ctx, o, peer, fmt.Sprintf("recipient's receipt failed verification: %v", err))
		return
	}
	o.State, o.LastError, o.UpdatedAt = StateDelivered, "", n.cfg.Now()
	o.RemoteID, o.ReceiptDigest, o.ReceiptSignature = resp.GetNotificationId(), resp.GetPayloadDigest(), resp.GetReceiptSignature()
	if err := n.cfg.Store.Update(ctx, o); err != nil {
		n.log.ErrorContext(ctx, "notification delivered but not marked; it will be retried as a duplicate", "err", err, "notification_id", o.ID)
		return
	}
	if resp.GetDuplicate() {
		n.m.outcome("delivered_duplicate")
	} else {
		n.m.outcome("delivered")
	}
	n.log.InfoContext(ctx, "notification delivered", "notification_id", o.ID, "peer_oin", peer.OIN, "remote_id", o.RemoteID,
		"duplicate", resp.GetDuplicate(), "attempts", o.Attempts, "decision_id", d.DecisionID, "audit_index", out.Commit.Index)
}

// trace is the trace context of an attempt: the notification's trace id, a
// new span.
func (n *Notifier) trace(o Outgoing) traceparent.Context {
	var tc traceparent.Context
	_, _ = hex.Decode(tc.TraceID[:], []byte(o.TraceID))
	tc.SpanID = traceparent.NewSpanID()
	return tc
}

// retry schedules the next attempt of o after err.
func (n *Notifier) retry(ctx context.Context, o Outgoing, err error) {
	if ctx.Err() != nil {
		// Shutting down: the attempt was interrupted, not failed.
		return
	}
	now := n.cfg.Now()
	o.LastError, o.UpdatedAt = truncate(err.Error()), now
	o.NextAttempt = now.Add(n.backoff(o.Attempts))
	if err := n.cfg.Store.Update(ctx, o); err != nil {
		n.log.ErrorContext(ctx, "notification retry not recorded", "err", err, "notification_id", o.ID)
		return
	}
	n.m.outcome("retry")
	n.log.DebugContext(ctx, "notification attempt failed; retrying", "notification_id", o.ID, "attempts", o.Attempts,
		"next_attempt", o.NextAttempt, "err", o.LastError)
}

// cancelled ends a notification that the policy no longer allows: recorded
// (by gateway/release, as a cancellation), never delivered.
func (n *Notifier) cancelled(ctx context.Context, o Outgoing, peer identity.Peer, dec *exchangev1.Decision) {
	var reasons []string
	for _, r := range dec.GetReasons() {
		reasons = append(reasons, r.GetCode()+": "+r.GetMessage())
	}
	o.State, o.UpdatedAt = StateCancelled, n.cfg.Now()
	o.LastError = truncate("cancelled by the policy at delivery: " + strings.Join(reasons, "; "))
	if err := n.cfg.Store.Update(ctx, o); err != nil {
		n.log.ErrorContext(ctx, "notification cancel not recorded", "err", err, "notification_id", o.ID)
		return
	}
	n.m.outcome("cancelled")
	n.log.InfoContext(ctx, "notification cancelled", "notification_id", o.ID, "peer_oin", peer.OIN, "decision_id", dec.GetDecisionId(),
		"reasons", reasonCodes(dec))
}

// deadLetter ends a notification that cannot be delivered: audited, kept in
// the outbox with its payload, counted and logged as an error for alerting.
func (n *Notifier) deadLetter(ctx context.Context, o Outgoing, peer identity.Peer, why string) {
	now := n.cfg.Now()
	dec := &exchangev1.Decision{}
	_ = proto.Unmarshal(o.Decision, dec)
	x := release.Exchange{Peer: peer, Trace: n.trace(o), BSN: o.BSN, Purpose: o.Purpose, RecipientRole: o.RecipientRole, Start: now}
	if err := n.cfg.Release.Note(ctx, x, audit.ActionNotifyDeadLetter, audit.StatusError, "DEAD_LETTER", dec); err != nil {
		n.retry(ctx, o, err)
		return
	}
	if o.LastError != "" {
		why += "; last error: " + o.LastError
	}
	o.State, o.UpdatedAt, o.LastError = StateDeadLetter, now, truncate(why)
	if err := n.cfg.Store.Update(ctx, o); err != nil {
		n.log.ErrorContext(ctx, "notification dead letter not recorded", "err", err, "notification_id", o.ID)
		return
	}
	n.m.deadLetter()
	n.log.ErrorContext(ctx, "notification dead-lettered", "notification_id", o.ID, "peer_oin", peer.OIN,
		"attempts", o.Attempts, "err", o.LastError)
}

func (n *Notifier) peerDown(oin string, now time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	ps := n.peer(oin)
	if now.Before(ps.until) {
		return // several attempts in flight failed together
	}
	ps.failures++
	ps.until = now.Add(n.backoff(ps.failures))
}

func (n *Notifier) peerUp(oin string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	ps := n.peer(oin)
	ps.failures, ps.until = 0, time.Time{}
}

// ready waits until conn is connected, without sending anything. A
// connection in transient failure gets one immediate reconnect (our backoff,
// not gRPC's, paces the attempts).
func ready(ctx context.Context, conn grpc.ClientConnInterface, timeout time.Duration) error {
	cc, ok := conn.(interface {
		GetState() connectivity.State
		Connect()
		WaitForStateChange(context.Context, connectivity.State) bool
		ResetConnectBackoff()
	})
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	reset := false
	for {
		s := cc.GetState()
		switch s {
		case connectivity.Ready:
			return nil
		case connectivity.Idle:
			cc.Connect()
		case connectivity.TransientFailure:
			if reset {
				return errUnreachable
			}
			// One immediate reconnect. The channel stays in TRANSIENT_FAILURE
			// while it reconnects ("sticky"), so give the reconnect a short
			// while of its own rather than the whole timeout.
			cc.ResetConnectBackoff()
			reset = true
			wctx, wcancel := context.WithTimeout(ctx, reconnectWait)
			changed := cc.WaitForStateChange(wctx, s)
			wcancel()
			if !changed {
				return errUnreachable
			}
			continue
		case connectivity.Shutdown:
			return errUnreachable
		}
		if !cc.WaitForStateChange(ctx, s) {
			return errUnreachable
		}
	}
}

func truncate(s string) string {
	if len(s) > 500 {
		return s[:500]
	}
	return s
}

// deliverWitnessed sends req with a proof that this node's log extends what
// the recipient verified of it; when the recipient verified another
// checkpoint than this node assumed, it proves again from that one (at most
// twice more: concurrent deliveries may move it meanwhile).
func (n *Notifier) deliverWitnessed(ctx context.Context, conn grpc.ClientConnInterface, peer identity.Peer,
	req *exchangev1.DeliverNotificationRequest, p *grpcpeer.Peer) (*exchangev1.DeliverNotificationResponse, error) {
	for try := 0; ; try++ {
		lw, err := n.cfg.Witness.ProveDelivery(ctx, peer.OIN)
		if err != nil {
			return nil, err
		}
		req.Witness = lw
		resp, err := exchangev1.NewExchangeServiceClient(conn).DeliverNotification(ctx, req, grpc.Peer(p))
		if err == nil {
			n.cfg.Witness.Delivered(peer.OIN, lw)
			return resp, nil
		}
		if try >= 2 || !n.cfg.Witness.Refreshed(ctx, peer.OIN, err) {
			return nil, err
		}
	}
}
