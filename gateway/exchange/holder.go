package exchange

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/source"
	"github.com/schakel/schakel/policy"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
)

// ErrPolicyUnavailable means the policy engine failed; the request is denied.
var ErrPolicyUnavailable = errors.New("policy engine unavailable")

// Obligations records the duties a release creates (e.g. inform_subject).
type Obligations interface {
	Add(ctx context.Context, decisionID, flow, recipientOIN string, kinds []string, at time.Time) error
}

// HolderConfig wires a Holder. Every field is required.
type HolderConfig struct {
	Self        identity.Peer
	Signer      crypto.Signer // the organisation key; signs receipts
	Decider     Decider
	Audit       AuditLog
	Source      source.Source
	Consents    Consents
	Vocabulary  Vocabulary
	Obligations Obligations
	// Replay refuses repeated request ids and stale timestamps.
	Replay *ReplayGuard
	// Witness proves this log's consistency to requesters (witness.go).
	Witness *Witnessing
	// Secret keys the child's pseudonym in audit records.
	Secret []byte
	Now    func() time.Time
}

// Holder serves peers' requests for records this organisation holds.
type Holder struct {
	cfg HolderConfig
	log *slog.Logger
}

// NewHolder returns a Holder.
func NewHolder(cfg HolderConfig, log *slog.Logger) *Holder {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Holder{cfg: cfg, log: log}
}

// Serve runs the pipeline for one request from an authenticated peer. It
// returns an error only when nothing was released. A denial yields exactly one
// audit record and no call for the child's data.
func (h *Holder) Serve(ctx context.Context, from identity.Peer, tc TraceContext, req *exchangev1.RequestRecordRequest) (*exchangev1.RequestRecordResponse, error) {
	start := h.cfg.Now()
	// 2. Validate.
	if err := ValidateRequest(req, h.cfg.Vocabulary); err != nil {
		return nil, err
	}
	if err := h.cfg.Replay.Check(from.OIN, req.GetRequestId(), req.GetSentAt().AsTime(), start); err != nil {
		return nil, h.refuse(ctx, from, tc, req, start, err)
	}
	// 3. Decision input: facts from the source, consents from the store.
	facts, err := h.cfg.Source.Facts(ctx, req.GetBsn(), from.OIN)
	if err != nil {
		return nil, err
	}
	consents, err := h.cfg.Consents.List(ctx, req.GetBsn())
	if err != nil {
		return nil, fmt.Errorf("consents: %w", err)
	}
	in := policy.Input{
		Purpose:       req.GetPurpose(),
		Flow:          req.GetFlow(),
		Holder:        policy.Party{OIN: h.cfg.Self.OIN, OrgType: h.cfg.Self.OrgType},
		Recipient:     policy.Party{OIN: from.OIN, OrgType: from.OrgType, Role: req.GetRecipientRole(), Relation: req.GetRelation()},
		Subject:       policy.Subject{Age: source.AgeAt(facts.BirthDate, start), EnrolledAtRecipient: facts.EnrolledAtRecipient, ParentsHadInzage: facts.ParentsHadInzage},
		Categories:    req.GetCategories(),
		Consents:      toPolicyConsents(consents),
		Justification: req.GetJustification(),
		Now:           start,
	}
	// 4. Decide. An engine failure is a denial, never a release.
	d, err := h.cfg.Decider.Decide(ctx, in)
	failed := false
	if err != nil {
		h.log.ErrorContext(ctx, "policy engine failed; denying", "err", err)
		d = policy.Decision{DecisionID: NewRequestID(), PolicyRevision: d.PolicyRevision,
			Reasons: []policy.Reason{{Code: "POLICY_UNAVAILABLE", Message: "De beslisregels konden niet worden toegepast; er is niets gedeeld."}}}
		failed = true
	}
	dec := DecisionToProto(d)
	// 7. Allow: fetch only the released categories, and keep only those.
	var rec *recordv1.Record
	var digest string
	var fetchErr error
	if d.Allow {
		full, err := h.cfg.Source.Record(ctx, req.GetBsn(), d.Categories)
		if err != nil {
			fetchErr = err
			failed = true
		} else {
			rec = source.Project(full, d.Categories)
			if digest, err = PayloadDigest(rec); err != nil {
				return nil, err
			}
		}
	}
	// 5. Audit, durably, before anything leaves (fail closed).
	ar := &audit.Record{
		TraceID: tc.TraceID, SpanID: NewSpanID(),
		Name:       "schakel.request.decide",
		StatusCode: statusOf(d.Allow, failed),
		StartTime:  ms(start), EndTime: ms(h.cfg.Now()),
		ForeignTraceID: tc.TraceID, ForeignSpanID: tc.SpanID, ForeignEntity: "urn:oin:" + from.OIN,
		Side:       "holder",
		DecisionID: d.DecisionID, Allow: d.Allow && fetchErr == nil,
		Flow: dec.GetFlow(), Purpose: req.GetPurpose(), Basis: dec.GetBasis(),
		HolderOIN: h.cfg.Self.OIN, RecipientOIN: from.OIN, RecipientRole: req.GetRecipientRole(),
		Subject:            audit.Pseudonym(h.cfg.Secret, req.GetBsn()),
		CategoriesReleased: presentCategories(rec), // what leaves: a released category without data is not listed
		CategoriesWithheld: withheldStrings(dec.GetWithheld()),
		ReasonCodes:        reasonCodes(dec.GetReasons()),
		Obligations:        d.Obligations,
		ConsentsUsed:       d.ConsentsUsed,
		PolicyRevision:     d.PolicyRevision,
		RetentionDays:      audit.RetentionOr(d.RetentionDays),
		PayloadDigest:      digest,
	}
	commit, err := h.cfg.Audit.Append(ctx, ar)
	if err != nil {
		h.log.ErrorContext(ctx, "audit append failed; nothing released", "err", err, "decision_id", d.DecisionID)
		return nil, fmt.Errorf("%w: %v", ErrAuditUnavailable, err)
	}
	if fetchErr != nil {
		return nil, fetchErr
	}
	h.log.InfoContext(ctx, "decision", "decision_id", d.DecisionID, "peer_oin", from.OIN, "flow", dec.GetFlow(), "allow", d.Allow, "audit_index", commit.Index)
	lw, err := h.cfg.Witness.Prove(ctx, from.OIN, req.GetWitnessedCheckpoint(), commit.Checkpoint)
	if err != nil {
		return nil, err
	}
	// 6. Deny: the reasons go back, nothing was fetched.
	if !d.Allow {
		return &exchangev1.RequestRecordResponse{Decision: dec, Witness: lw}, nil
	}
	// 8. Allow: record the obligations, sign the receipt, respond.
	if len(d.Obligations) > 0 {
		if err := h.cfg.Obligations.Add(ctx, d.DecisionID, dec.GetFlow(), from.OIN, d.Obligations, start); err != nil {
			return nil, fmt.Errorf("obligations: %w", err)
		}
	}
	proof, err := h.proof(ar, commit, digest)
	if err != nil {
		return nil, err
	}
	return &exchangev1.RequestRecordResponse{Decision: dec, Record: rec, Audit: proof, Witness: lw}, nil
}

// refuse audits a request refused before any decision (a replay or a stale
// timestamp) and returns err.
func (h *Holder) refuse(ctx context.Context, from identity.Peer, tc TraceContext, req *exchangev1.RequestRecordRequest, start time.Time, err error) error {
	code := "CLOCK_SKEW"
	if errors.Is(err, ErrReplay) {
		code = "REPLAYED_REQUEST"
	}
	ar := &audit.Record{
		TraceID: tc.TraceID, SpanID: NewSpanID(), Name: "schakel.request.refuse", StatusCode: 1,
		StartTime: ms(start), EndTime: ms(h.cfg.Now()),
		ForeignTraceID: tc.TraceID, ForeignSpanID: tc.SpanID, ForeignEntity: "urn:oin:" + from.OIN,
		Side: "holder", DecisionID: "refused-" + NewRequestID(), Purpose: req.GetPurpose(),
		HolderOIN: h.cfg.Self.OIN, RecipientOIN: from.OIN, RecipientRole: req.GetRecipientRole(),
		Subject: audit.Pseudonym(h.cfg.Secret, req.GetBsn()), ReasonCodes: []string{code},
		RetentionDays: audit.FallbackRetentionDays,
	}
	if _, aerr := h.cfg.Audit.Append(ctx, ar); aerr != nil {
		return fmt.Errorf("%w: %v", ErrAuditUnavailable, aerr)
	}
	h.log.WarnContext(ctx, "request refused before decision", "peer_oin", from.OIN, "reason", code)
	return err
}

// proof bundles the audit record, its inclusion in the signed checkpoint and
// the signed receipt for the recipient.
func (h *Holder) proof(ar *audit.Record, c audit.Commit, digest string) (*exchangev1.AuditProof, error) {
	sig, err := audit.SignReceipt(h.cfg.Signer, ar.DecisionID, digest, c.Checkpoint)
	if err != nil {
		return nil, fmt.Errorf("receipt: %w", err)
	}
	return &exchangev1.AuditProof{
		Record:           audit.CanonicalBody(ar),
		LeafIndex:        c.Index,
		Checkpoint:       c.Checkpoint,
		InclusionProof:   c.Proof,
		PayloadDigest:    digest,
		ReceiptSignature: sig,
	}, nil
}
