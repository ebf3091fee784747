package release

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/traceparent"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
)

// Received is what arrived at this node as recipient: a holder's answer to
// our request, or a notification delivered to us.
type Received struct {
	Action audit.Action // ActionRequestReceive or ActionNotifyReceive
	// Holder is the organisation that released (directory entry, verified
	// certificate).
	Holder         identity.Peer
	Trace, Foreign traceparent.Context
	BSN, Purpose   string
	RecipientRole  string
	Decision       *exchangev1.Decision
	Record         *recordv1.Record
	Proof          *exchangev1.AuditProof
	// Receipt is the holder's receipt from VerifyAuditProof, nil on a denial.
	Receipt *audit.Receipt
	// VerifyErr is why the release failed verification (or the holder's log
	// was inconsistent with what this node witnessed); nil when it verified.
	VerifyErr error
	// Witness is the newer state of the holder's log that this exchange
	// verified, stored with the record; Witnessing learns of it after the
	// commit.
	Witness    *audit.PeerLog
	Witnessing *Witnessing
	// RetentionDays is this node's own retention for the flow, if it knows
	// one. The record is kept for the largest of it, the fallback and the
	// holder's value: the holder cannot shorten the recipient's proof.
	RetentionDays int
	Start         time.Time
	// What this organisation stated (its own signed statement of the
	// request, kept with its record).
	Relation                    bool
	CaseReference, Professional string
	Statement                   *audit.Statement
}

// RecordReceived writes this node's record of what it received, in one
// transaction with the holder's receipt when the release verified. A release
// that failed verification is recorded as a failure (VERIFICATION_FAILED,
// nothing received) and its receipt is not kept.
func RecordReceived(ctx context.Context, log AuditLog, secret []byte, self identity.Peer, x Received, now time.Time) (audit.Commit, error) {
	ar := audit.NewRecord(audit.Event{
		Action: x.Action, Side: audit.SideRecipient,
		HolderOIN: x.Holder.OIN, RecipientOIN: self.OIN,
		Subject: audit.Pseudonym(secret, x.BSN),
		TraceID: x.Trace.TraceID, SpanID: x.Trace.SpanID,
		ForeignTraceID: x.Foreign.TraceID, ForeignSpanID: x.Foreign.SpanID,
		Start: x.Start, End: now,
	})
	ApplyDecision(ar, x.Decision)
	ar.Purpose, ar.RecipientRole = x.Purpose, x.RecipientRole
	ar.CategoriesReleased = PresentCategories(x.Record) // what actually arrived
	ar.PayloadDigest = x.Proof.GetPayloadDigest()
	ar.RetentionDays = max(ar.RetentionDays, audit.FallbackRetentionDays, x.RetentionDays)
	ar.Relation, ar.CaseReference, ar.Professional = x.Relation, x.CaseReference, x.Professional
	w := audit.With{Statement: x.Statement}
	var nf *NotInFlow
	if errors.As(x.VerifyErr, &nf) {
		// Verified, but this node's own pack would not let the flow carry
		// it: refused here, with the receiver's own reason.
		ar.Fail(nf.Code)
		ar.CategoriesWithheld = append(ar.CategoriesWithheld, nf.Withheld...)
	} else if x.VerifyErr != nil {
		ar.Fail("VERIFICATION_FAILED")
		ar.ReasonCodes = WitnessReasons(ar.ReasonCodes, x.VerifyErr)
		if errors.Is(x.VerifyErr, ErrStatement) {
			ar.ReasonCodes = append(ar.ReasonCodes, CodeStatementInvalid)
		}
	} else {
		w.Witness = x.Witness
		if x.Receipt != nil {
			w.Receipt = x.Receipt
			w.Receipt.ReceivedAt = now.UTC()
		}
	}
	c, err := log.AppendWith(ctx, ar, w)
	if err != nil {
		return audit.Commit{}, fmt.Errorf("%w: %v", ErrAuditUnavailable, err)
	}
	if w.Witness != nil {
		x.Witnessing.Advanced(w.Witness)
	}
	return c, nil
}

// ErrNotInFlow is wrapped by a NotInFlow.
var ErrNotInFlow = errors.New("not allowed by this node's own policy pack for the flow")

// NotInFlow is an arriving notification that verified but that this node's
// own pack would not let its flow carry: an unknown flow, another purpose,
// a mode, organisation type or role the flow does not have, or a category
// not on the flow's list (CATEGORY_NOT_IN_FLOW). The receiver refuses it,
// records it with Code, and never stores or hands on what arrived.
type NotInFlow struct {
	Code string
	// Withheld are the refused categories as "category:CODE".
	Withheld []string
	Problem  string
}

func (e *NotInFlow) Error() string { return e.Code + ": " + e.Problem }

// Unwrap makes errors.Is(err, ErrNotInFlow) hold.
func (e *NotInFlow) Unwrap() error { return ErrNotInFlow }
