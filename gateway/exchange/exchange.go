// Package exchange is the pipeline of one exchange between two nodes. On the
// holder's node, Holder.Serve takes a peer's request from identity to
// response: validate, build the decision input, decide, fetch only what is
// released, audit durably, respond. On the recipient's node, Requester.Ask
// sends a request to a peer and verifies and audits what comes back.
//
// The code here is plain and sequential on purpose: a reviewer should see on
// one screen that nothing leaves without a decision and an audit record.
package exchange

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/bsn"
	"github.com/schakel/schakel/gateway/consent"
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

// Decider is the policy decision point.
type Decider interface {
	Decide(ctx context.Context, in policy.Input) (policy.Decision, error)
}

// AuditLog is the node's durable, tamper-evident audit log.
type AuditLog interface {
	Append(ctx context.Context, r *audit.Record) (audit.Commit, error)
}

// Consents lists the consents the node holds for a child.
type Consents interface {
	List(ctx context.Context, bsn string) ([]consent.Consent, error)
}

// Vocabulary knows the purposes and categories of the active pack.
type Vocabulary interface {
	KnownPurpose(string) bool
	KnownCategory(string) bool
}

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._:-]{16,64}$`)

// ValidateRequest checks a peer request and reports every problem at once.
// Unknown categories are refused here (a malformed request), while an unknown
// purpose is left to the policy, which answers with UNKNOWN_PURPOSE.
func ValidateRequest(r *exchangev1.RequestRecordRequest, vocab Vocabulary) error {
	var errs []error
	if !requestIDRE.MatchString(r.GetRequestId()) {
		errs = append(errs, errors.New("request_id: must be 16 to 64 characters [A-Za-z0-9._:-]"))
	}
	if r.GetPurpose() == "" {
		errs = append(errs, errors.New("purpose: required"))
	}
	if err := bsn.Valid(r.GetBsn()); err != nil {
		errs = append(errs, fmt.Errorf("bsn: %w", err))
	}
	errs = append(errs, validateCategories(r.GetCategories(), vocab)...)
	if len(r.GetJustification()) > 4000 {
		errs = append(errs, errors.New("justification: longer than 4000 characters"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalidRequest, errors.Join(errs...))
	}
	return nil
}

func validateCategories(cats []string, vocab Vocabulary) []error {
	var errs []error
	if len(cats) == 0 {
		errs = append(errs, errors.New("categories: at least one category is required"))
	}
	seen := map[string]bool{}
	for i, c := range cats {
		switch {
		case !vocab.KnownCategory(c):
			errs = append(errs, fmt.Errorf("categories[%d]: unknown category %q", i, c))
		case seen[c]:
			errs = append(errs, fmt.Errorf("categories[%d]: duplicate category %q", i, c))
		}
		seen[c] = true
	}
	return errs
}

// PayloadDigest is the digest of a released record, as the receipt signs it:
// SHA-256 over the deterministic protobuf encoding.
func PayloadDigest(rec *recordv1.Record) (string, error) {
	if rec == nil {
		rec = &recordv1.Record{}
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(rec)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// DecisionToProto converts a policy decision to its wire form.
func DecisionToProto(d policy.Decision) *exchangev1.Decision {
	out := &exchangev1.Decision{
		DecisionId:     d.DecisionID,
		Allow:          d.Allow,
		Categories:     d.Categories,
		Obligations:    d.Obligations,
		ConsentsUsed:   d.ConsentsUsed,
		RetentionDays:  int32(d.RetentionDays),
		PolicyRevision: d.PolicyRevision,
	}
	if d.Flow != nil {
		out.Flow = *d.Flow
	}
	if d.Basis != nil {
		out.Basis = *d.Basis
	}
	for _, w := range d.Withheld {
		out.Withheld = append(out.Withheld, &exchangev1.Withheld{Category: w.Category, Code: w.Code})
	}
	for _, r := range d.Reasons {
		out.Reasons = append(out.Reasons, &exchangev1.Reason{Code: r.Code, Message: r.Message})
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

func toPolicyConsents(cs []consent.Consent) []policy.Consent {
	out := make([]policy.Consent, 0, len(cs))
	for _, c := range cs {
		out = append(out, policy.Consent{
			ID: c.ID, GivenBy: c.GivenBy, RecipientOIN: c.RecipientOIN, Purpose: c.Purpose,
			Categories: c.Categories, GivenAt: c.GivenAt, ValidUntil: c.ValidUntil, WithdrawnAt: c.WithdrawnAt,
		})
	}
	return out
}

func statusOf(_ bool, failed bool) int {
	if failed {
		return 2
	}
	return 1
}

func ms(t time.Time) time.Time { return t.Truncate(time.Millisecond) }
