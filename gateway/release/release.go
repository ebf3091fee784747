// Package release is the one place where a node decides and records a
// release: "nothing leaves a node without a policy decision and a durable
// audit record" is this package's code, and every path that can let data
// leave calls it — the holder answering a peer's request, a notification
// when it is sent, and every delivery attempt of it. The recipient's side
// (verifying what arrived and recording it with the holder's receipt) is
// here too.
//
// [Releaser.Release] runs steps 3 to 7 of the path of one request (README,
// "The picture"; steps 1 and 2, the peer's identity and the validation of
// the request, belong to the caller), in order, on one screen:
//
//  3. build the decision input once: this node, the peer, the request, the
//     source's facts about the child, the consents;
//  4. decide; an engine failure is a denial (POLICY_UNAVAILABLE, the
//     revision kept), never a release;
//  5. on allow, take the payload: from the source, asking only for the
//     released categories, or the notification's stored record; project it
//     onto the released categories and digest it;
//  6. write one durable transaction: the audit record together with what
//     depends on it (the obligations of a release); on failure nothing is
//     released (ErrAuditUnavailable);
//  7. on release, the audit proof (inclusion in the signed checkpoint and
//     the signed receipt) that goes with the data.
//
// The caller then responds (step 8): the reasons of a denial, or the
// released record with its proof.
package release

import (
	"context"
	"crypto"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/consent"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/source"
	"github.com/schakel/schakel/gateway/traceparent"
	"github.com/schakel/schakel/policy"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
)

var (
	// ErrInvalidRequest marks a request that is malformed; its message names
	// the problem and is safe to return to the caller.
	ErrInvalidRequest = errors.New("invalid request")
	// ErrAuditUnavailable means the audit record could not be written, so
	// nothing was released.
	ErrAuditUnavailable = errors.New("audit log unavailable")
	// ErrVerification means a peer's response failed verification (audit
	// proof, receipt, or categories beyond the decision).
	ErrVerification = errors.New("peer response failed verification")
)

// Reason code of a denial because the policy engine failed.
const codePolicyUnavailable = "POLICY_UNAVAILABLE"

// Decider is the policy decision point.
type Decider interface {
	Decide(ctx context.Context, in policy.Input) (policy.Decision, error)
}

// Prechecker is a decision point that can decide on the request alone,
// before the child is looked up (policy.Engine.Precheck). The node's policy
// is one; a Decider that is not (a test double) skips that step.
type Prechecker interface {
	Precheck(ctx context.Context, in policy.Input) (policy.Decision, error)
}

// Reason codes the gateway answers with itself (POLICY-CONTRACT.md).
const (
	// CodeSubjectUnknown: the holder does not know the child; only after
	// every check that does not depend on the child passed, and audited.
	CodeSubjectUnknown = "SUBJECT_UNKNOWN"
)

// AuditLog is the node's durable, tamper-evident audit log.
type AuditLog interface {
	Append(ctx context.Context, r *audit.Record) (audit.Commit, error)
	AppendWith(ctx context.Context, r *audit.Record, w audit.With) (audit.Commit, error)
}

// Consents lists the consents the node holds for a child.
type Consents interface {
	List(ctx context.Context, bsn string) ([]consent.Consent, error)
}

// Announcements is the holder's record of its notices to the givers of
// consents a recipient holds (attested): when it announced each, and any
// objection (consent.SQLiteStore).
type Announcements interface {
	Announced(ctx context.Context, recipientOIN, consentID string) (announced, objected *time.Time, err error)
	PlanAnnouncement(ctx context.Context, recipientOIN, consentID, obligationID string, at time.Time) error
}

// The obligation of a decision that withholds a special category until the
// holder has told the givers of an attested consent (contract version 3).
const obligationInformBeforeRelease = "inform_before_release"

// Config wires a Releaser. Every field but Now and Announcements is required.
type Config struct {
	Self     identity.Peer
	Signer   crypto.Signer // the organisation key: signs receipts
	Decider  Decider
	Audit    AuditLog
	Source   source.Source
	Consents Consents
	// Secret keys the child's pseudonym in audit records.
	Secret []byte
	// Purposes knows the active pack's purposes: a purpose outside them is
	// recorded as a digest, never as the text a peer sent. Nil: recorded as
	// sent (tests).
	Purposes interface{ KnownPurpose(string) bool }
	// Announcements gives attested consents their announced_at (and a
	// giver's objection as a withdrawal) from this node's own store, and
	// records which consents an inform_before_release obligation announces.
	// Nil: an attested consent is never announced (its special categories
	// stay withheld).
	Announcements Announcements
	Now           func() time.Time
}

// Releaser decides and records releases for this node as holder.
type Releaser struct {
	cfg Config
	log *slog.Logger
}

// New returns a Releaser.
func New(cfg Config, log *slog.Logger) *Releaser {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Releaser{cfg: cfg, log: log}
}

// Exchange is one release question: may this node (the holder) let these
// categories about this child go to Peer?
type Exchange struct {
	// Action is what the audit record of an allow says; DenyAction that of a
	// denial (default: Action). A notification's delivery attempt records a
	// denial as ActionNotifyCancel.
	Action, DenyAction audit.Action
	// DecideOnly decides and records without releasing anything (a
	// notification when it is queued: what leaves is decided again and
	// recorded per delivery attempt).
	DecideOnly bool
	// Mode is how the exchange started (policy.ModeRequest: the recipient
	// asked; policy.ModeNotification: the holder sends), set from the call,
	// never from a request body.
	Mode string
	// Peer is the recipient, as the directory and its certificate say.
	Peer identity.Peer
	// Trace is this node's trace context; Foreign the peer's, when its
	// trace context came with the call.
	Trace, Foreign traceparent.Context

	BSN, Purpose, Flow        string
	HolderRole, RecipientRole string
	Relation                  bool
	Justification             string
	CaseReference             string
	// Professional is the stating side's pseudonymous reference to the
	// professional; Statement its signed statement of the exchange, kept
	// with the record; Attested the consents it attests (held_by
	// recipient), which the policy weighs where the flow accepts them.
	Professional string
	Statement    *audit.Statement
	Attested     []policy.Consent
	Categories   []string
	// Payload is the data to release, for a notification (its stored
	// record); nil means: ask the source for the released categories.
	Payload *recordv1.Record
	// ObligationKey makes the release's obligations idempotent across
	// delivery attempts (the notification id); default the decision id.
	ObligationKey string
	// Start is when the exchange began (default: now).
	Start time.Time
	// BeforeRelease, if set, runs after an allow and before anything is
	// recorded; an error ends the release with nothing recorded and is
	// returned (a notification whose recipient cannot be reached now).
	BeforeRelease func(context.Context) error
}

// Outcome is what a release decided and recorded.
type Outcome struct {
	Decision policy.Decision
	// Wire is the decision as it goes to the peer.
	Wire *exchangev1.Decision
	// Record is what may leave: the payload projected onto the released
	// categories. nil on a denial and with DecideOnly.
	Record *recordv1.Record
	// Proof goes with Record: the holder's audit record, its inclusion in
	// the signed checkpoint and the signed receipt. nil when nothing leaves.
	Proof *exchangev1.AuditProof
	// Commit is where the audit record landed.
	Commit audit.Commit
	// EngineFailed: the policy engine failed; the decision is a denial.
	EngineFailed bool
}

// Release decides x, records the decision durably with what depends on it,
// and returns what may leave. It returns an error only when nothing may be
// released: the source's facts or consents could not be read (nothing
// recorded), the payload could not be fetched after an allow (recorded as a
// failure), or the audit log did not take the record (ErrAuditUnavailable).
func (r *Releaser) Release(ctx context.Context, x Exchange) (*Outcome, error) {
	if x.Start.IsZero() {
		x.Start = r.cfg.Now()
	}
	// 3. The decision input. First what does not depend on the child
	// (purpose, flow, mode, roles, justification, case reference): a
	// request that fails there is refused without any look-up in this
	// organisation's records. Then the child: facts from the source,
	// consents from the store.
	out := &Outcome{}
	in := r.requestInput(x)
	var err error
	pre, checked := r.cfg.Decider.(Prechecker)
	if checked {
		out.Decision, err = pre.Precheck(ctx, in)
	}
	switch {
	case checked && err != nil:
		r.engineFailed(ctx, out, err)
	case checked && !out.Decision.Allow:
		// Refused on the request alone; recorded below, nothing looked up.
	default:
		facts, err := r.cfg.Source.Facts(ctx, x.BSN, r.cfg.Self.OIN, x.Peer.OIN)
		if errors.Is(err, source.ErrNotFound) {
			out.Decision = subjectUnknown(out.Decision, x.Categories)
			break
		}
		if err != nil {
			return nil, err
		}
		consents, err := r.cfg.Consents.List(ctx, x.BSN)
		if err != nil {
			return nil, fmt.Errorf("consents: %w", err)
		}
		attested, err := r.announced(ctx, x)
		if err != nil {
			return nil, err
		}
		in.Subject = SubjectFacts(facts, x.Start)
		in.Consents = append(PolicyConsents(consents), attested...)
		// 4. Decide. An engine failure is a denial, never a release.
		if out.Decision, err = r.cfg.Decider.Decide(ctx, in); err != nil {
			r.engineFailed(ctx, out, err)
		} else if err := r.planAnnouncements(ctx, x, out.Decision, attested); err != nil {
			return nil, err
		}
	}
	d := out.Decision
	out.Wire = DecisionToProto(d)
	release := d.Allow && !x.DecideOnly
	if release && x.BeforeRelease != nil {
		if err := x.BeforeRelease(ctx); err != nil {
			return nil, err
		}
	}
	// 5. Allow: the payload, only the released categories, and its digest.
	var digest string
	var fetchErr error
	if release {
		payload := x.Payload
		if payload == nil {
			payload, fetchErr = r.cfg.Source.Record(ctx, x.BSN, d.Categories)
		}
		if fetchErr == nil {
			out.Record = source.Project(payload, d.Categories)
			if digest, err = PayloadDigest(out.Record); err != nil {
				return nil, err
			}
		}
	}
	// 6. Audit, durably, with the obligations, in one transaction, before
	// anything leaves (fail closed).
	ar := r.record(x, d, out.EngineFailed)
	switch {
	case out.EngineFailed:
		ar.StatusCode = audit.StatusError
	case fetchErr != nil:
		ar.StatusCode, ar.Allow = audit.StatusError, false
	case release:
		ar.CategoriesReleased = PresentCategories(out.Record) // a released category without data is not listed
		ar.PayloadDigest = digest
	}
	w := audit.With{ObligationKey: x.ObligationKey, Statement: x.Statement}
	switch {
	case ar.Released():
		w.Obligations = d.Obligations
	case slices.Contains(d.Obligations, obligationInformBeforeRelease) && !out.EngineFailed && fetchErr == nil:
		// The notice to the givers comes with a denial too: nothing left,
		// but the holder must tell them before it can release.
		w.Obligations = []string{obligationInformBeforeRelease}
	}
	out.Commit, err = r.cfg.Audit.AppendWith(ctx, ar, w)
	if err != nil {
		r.log.ErrorContext(ctx, "audit append failed; nothing released", "err", err, "decision_id", d.DecisionID)
		return nil, fmt.Errorf("%w: %v", ErrAuditUnavailable, err)
	}
	if fetchErr != nil {
		return nil, fetchErr
	}
	if !release {
		out.Record = nil
		return out, nil
	}
	// 7. The proof that goes with the data.
	if out.Proof, err = NewAuditProof(r.cfg.Signer, ar, out.Commit, digest); err != nil {
		return nil, err
	}
	return out, nil
}

// requestInput is the decision input of x without the child (subject and
// consents), as the precheck sees it.
func (r *Releaser) requestInput(x Exchange) policy.Input {
	mode := x.Mode
	if mode == "" {
		mode = policy.ModeRequest
	}
	return policy.Input{
		Purpose: x.Purpose,
		Flow:    x.Flow,
		Mode:    mode,
		Holder: policy.Party{OIN: r.cfg.Self.OIN, OrgType: r.cfg.Self.OrgType, Role: x.HolderRole, Gemeente: r.cfg.Self.Gemeente,
			DesignatedGemeente: r.cfg.Self.DesignatedGemeente},
		Recipient: policy.Party{OIN: x.Peer.OIN, OrgType: x.Peer.OrgType, Role: x.RecipientRole, Relation: x.Relation,
			Gemeente: x.Peer.Gemeente, DesignatedGemeente: x.Peer.DesignatedGemeente},
		Categories:    x.Categories,
		Justification: x.Justification,
		CaseReference: x.CaseReference,
		Now:           x.Start,
	}
}

// announced returns x's attested consents as the policy weighs them:
// announced_at from this node's own store (never from the request), and a
// giver's objection recorded here as a withdrawal.
func (r *Releaser) announced(ctx context.Context, x Exchange) ([]policy.Consent, error) {
	out := make([]policy.Consent, 0, len(x.Attested))
	for _, c := range x.Attested {
		c.AnnouncedAt = nil
		if r.cfg.Announcements != nil && c.HeldBy == policy.HeldByRecipient {
			announced, objected, err := r.cfg.Announcements.Announced(ctx, x.Peer.OIN, c.ID)
			if err != nil {
				return nil, fmt.Errorf("announcements: %w", err)
			}
			c.AnnouncedAt = announced
			if objected != nil && (c.WithdrawnAt == nil || objected.Before(*c.WithdrawnAt)) {
				c.WithdrawnAt = objected
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// planAnnouncements records, when d asks the holder to tell the givers
// first (inform_before_release), which attested consents the obligation's
// notice is for: those not yet announced that list a category d withheld
// ATTESTED_CONSENT_PENDING. Ticking the obligation off announces them.
func (r *Releaser) planAnnouncements(ctx context.Context, x Exchange, d policy.Decision, attested []policy.Consent) error {
	if r.cfg.Announcements == nil || !slices.Contains(d.Obligations, obligationInformBeforeRelease) {
		return nil
	}
	pending := map[string]bool{}
	for _, w := range d.Withheld {
		if w.Code == "ATTESTED_CONSENT_PENDING" {
			pending[w.Category] = true
		}
	}
	key := x.ObligationKey
	if key == "" {
		key = d.DecisionID
	}
	id := audit.ObligationID(key, obligationInformBeforeRelease)
	for _, c := range attested {
		if c.AnnouncedAt != nil || !slices.ContainsFunc(c.Categories, func(cat string) bool { return pending[cat] }) {
			continue
		}
		if err := r.cfg.Announcements.PlanAnnouncement(ctx, x.Peer.OIN, c.ID, id, x.Start); err != nil {
			return fmt.Errorf("announcements: %w", err)
		}
	}
	return nil
}

// SubjectFacts is the decision input's subject from the holder's records
// about the child, at now (the age). Every version-3 fact is set from the
// source, never left to the contract's defaults; a source that does not
// know the number of persons with gezag gives 2.
func SubjectFacts(f source.Facts, now time.Time) policy.Subject {
	gezag := f.ParentsWithGezag
	if gezag != 1 {
		gezag = 2
	}
	return policy.Subject{
		Age: source.AgeAt(f.BirthDate, now), EnrolledAtRecipient: f.EnrolledAtRecipient,
		ParentsHadInzage: f.ParentsHadInzage, Gemeente: f.Gemeente,
		EnrolledAtHolder: f.EnrolledAtHolder, ParentsWithGezag: gezag,
		UnauthorisedAbsenceHours4w: f.UnauthorisedAbsenceHours4w,
		OpenVerzuimMeldingen:       append([]string{}, f.OpenVerzuimMeldingen...),
	}
}

// engineFailed makes out a denial because the policy engine failed.
func (r *Releaser) engineFailed(ctx context.Context, out *Outcome, err error) {
	r.log.ErrorContext(ctx, "policy engine failed; denying", "err", err)
	out.Decision = policy.Decision{DecisionID: NewID(), PolicyRevision: out.Decision.PolicyRevision,
		Reasons: []policy.Reason{{Code: codePolicyUnavailable, Message: "De beslisregels konden niet worden toegepast; er is niets gedeeld."}}}
	out.EngineFailed = true
}

// subjectUnknown is the denial of a request about a child this
// organisation does not know, made after the precheck passed (pre). The
// message says nothing about the organisation's records beyond that.
func subjectUnknown(pre policy.Decision, categories []string) policy.Decision {
	d := policy.Decision{Flow: pre.Flow, Basis: pre.Basis, PolicyRevision: pre.PolicyRevision, DecisionID: pre.DecisionID,
		Reasons: []policy.Reason{{Code: CodeSubjectUnknown, Message: "Deze organisatie kent de persoon niet waarover het verzoek gaat; er is niets gedeeld."}}}
	if d.DecisionID == "" {
		d.DecisionID = NewID()
	}
	for _, c := range categories {
		d.Withheld = append(d.Withheld, policy.Withheld{Category: c, Code: CodeSubjectUnknown})
	}
	return d
}

// record is the holder's audit record of decision d about x.
func (r *Releaser) record(x Exchange, d policy.Decision, engineFailed bool) *audit.Record {
	action := x.Action
	if !d.Allow && !engineFailed && x.DenyAction != "" {
		action = x.DenyAction
	}
	ar := r.event(x, action)
	ApplyDecision(ar, DecisionToProto(d))
	ar.Allow = d.Allow
	ar.CategoriesReleased = nil
	return ar
}

// event is the start of every holder-side record about x.
func (r *Releaser) event(x Exchange, action audit.Action) *audit.Record {
	ar := audit.NewRecord(audit.Event{
		Action: action, Side: audit.SideHolder,
		HolderOIN: r.cfg.Self.OIN, RecipientOIN: x.Peer.OIN,
		Subject: audit.Pseudonym(r.cfg.Secret, x.BSN),
		TraceID: x.Trace.TraceID, SpanID: x.Trace.SpanID,
		ForeignTraceID: x.Foreign.TraceID, ForeignSpanID: x.Foreign.SpanID,
		Start: x.Start, End: r.cfg.Now(),
	})
	ar.Purpose, ar.RecipientRole = r.recordedPurpose(x.Purpose), x.RecipientRole
	ar.Relation, ar.CaseReference, ar.Professional = x.Relation, x.CaseReference, x.Professional
	return ar
}

// Self is the organisation this Releaser releases for.
func (r *Releaser) Self() identity.Peer { return r.cfg.Self }

// Deny records, as the decision about x, a refusal the gateway makes itself
// before the policy decides (STATEMENT_INVALID), with message, and returns
// it. Nothing is looked up or released.
func (r *Releaser) Deny(ctx context.Context, x Exchange, code, message string) (*Outcome, error) {
	if x.Start.IsZero() {
		x.Start = r.cfg.Now()
	}
	d := policy.Decision{DecisionID: NewID(), Reasons: []policy.Reason{{Code: code, Message: message}}}
	for _, c := range x.Categories {
		d.Withheld = append(d.Withheld, policy.Withheld{Category: c, Code: code})
	}
	out := &Outcome{Decision: d, Wire: DecisionToProto(d)}
	ar := r.record(x, d, false)
	var err error
	if out.Commit, err = r.cfg.Audit.AppendWith(ctx, ar, audit.With{Statement: x.Statement}); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrAuditUnavailable, err)
	}
	return out, nil
}

// recordedPurpose is the purpose as the audit log keeps it: the purpose id
// when the pack knows it, otherwise "unknown:" and its digest (a peer
// cannot write text of its choosing into the log or a parent's inzage).
func (r *Releaser) recordedPurpose(p string) string {
	if r.cfg.Purposes == nil || r.cfg.Purposes.KnownPurpose(p) {
		return p
	}
	return "unknown:" + Digest(p)
}

// Note records, on this node as holder, an event about x that releases
// nothing and has no decision of its own: a request refused before any
// decision (a replay), a notification given up. dec is the decision it
// concerns, if any. It returns ErrAuditUnavailable when the record could
// not be written.
func (r *Releaser) Note(ctx context.Context, x Exchange, action audit.Action, status audit.Status, code string, dec *exchangev1.Decision) error {
	if x.Start.IsZero() {
		x.Start = r.cfg.Now()
	}
	ar := r.event(x, action)
	ar.DecisionID = "none-" + NewID() // no decision was made
	if dec != nil {
		ApplyDecision(ar, dec)
		ar.Allow, ar.CategoriesReleased, ar.CategoriesWithheld = false, nil, nil
		ar.ReasonCodes, ar.Obligations, ar.ConsentsUsed = nil, nil, nil
	}
	ar.StatusCode = status
	ar.ReasonCodes = append(ar.ReasonCodes, code)
	if _, err := r.cfg.Audit.Append(ctx, ar); err != nil {
		return fmt.Errorf("%w: %v", ErrAuditUnavailable, err)
	}
	return nil
}

// ApplyDecision copies a decision into an audit record: id, outcome, flow,
// basis, categories, reasons, obligations, consents, revision and retention
// (the flow's, or the fallback).
func ApplyDecision(ar *audit.Record, dec *exchangev1.Decision) {
	ar.DecisionID, ar.Allow = dec.GetDecisionId(), dec.GetAllow()
	ar.Flow, ar.Basis = dec.GetFlow(), dec.GetBasis()
	ar.CategoriesReleased = dec.GetCategories()
	ar.CategoriesWithheld = withheldStrings(dec.GetWithheld())
	ar.ReasonCodes = reasonCodes(dec.GetReasons())
	ar.Obligations, ar.ConsentsUsed = dec.GetObligations(), dec.GetConsentsUsed()
	ar.PolicyRevision = dec.GetPolicyRevision()
	ar.RetentionDays = audit.RetentionOr(int(dec.GetRetentionDays()))
}

// NewID returns a random id (request ids, decision ids, notification ids).
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// PolicyConsents converts stored consents to the policy's input shape.
func PolicyConsents(cs []consent.Consent) []policy.Consent {
	out := make([]policy.Consent, 0, len(cs))
	for _, c := range cs {
		out = append(out, policy.Consent{
			ID: c.ID, GivenBy: c.GivenBy, Giver: c.Giver, HeldBy: policy.HeldByHolder, RecipientOIN: c.RecipientOIN, HolderOIN: c.HolderOIN, Purpose: c.Purpose,
			Categories: c.Categories, GivenAt: c.GivenAt, ValidUntil: c.ValidUntil, WithdrawnAt: c.WithdrawnAt,
		})
	}
	return out
}

func withheldStrings(ws []*exchangev1.Withheld) []string {
	out := make([]string, 0, len(ws))
	for _, w := range ws {
		out = append(out, w.GetCategory()+":"+w.GetCode())
	}
	return out
}

func reasonCodes(rs []*exchangev1.Reason) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.GetCode())
	}
	return out
}
