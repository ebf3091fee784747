package release

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/schakel/schakel/gateway/consent"
	"github.com/schakel/schakel/gateway/oin"
	"github.com/schakel/schakel/policy"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
)

// Bounds of a statement: every field a peer signs is bounded by the node
// that receives it, before anything is decided or stored. The sending node
// checks the same bounds before it signs.
const (
	// MaxReference is the length of a pseudonymous reference (the
	// professional, a consent's giver, a consent id).
	MaxReference = 64
	// MaxStatedCategories is how many categories a statement (or one
	// attested consent) may name.
	MaxStatedCategories = 32
	// MaxAttestedConsents is how many consents one statement may attest.
	MaxAttestedConsents = 8
)

var (
	referenceRE   = regexp.MustCompile(`^[A-Za-z0-9._:-]*$`)
	statedIDRE    = regexp.MustCompile(`^[A-Za-z0-9._:-]{16,64}$`)
	hexDigestRE   = regexp.MustCompile(`^[0-9a-f]{64}$`)
	textDigestRE  = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	consentIDRE   = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)
	categoryIDRE  = vocabWordRE
	errOutOfBound = errors.New("out of bounds")
)

// FieldError is one problem with one field of what a peer sent. Its text
// names the field and the problem, never the value.
type FieldError struct {
	Field, Problem string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// Unwrap lets callers test errors.Is(err, ErrOutOfBounds).
func (e *FieldError) Unwrap() error { return errOutOfBound }

// ErrOutOfBounds is wrapped by every FieldError.
var ErrOutOfBounds = errOutOfBound

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// Fields lists the fields named by the FieldErrors in err (joined or
// wrapped), in order, each once.
func Fields(err error) []string {
	var out []string
	seen := map[string]bool{}
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if fe, ok := e.(*FieldError); ok { //nolint:errorlint // walks the tree of wrapped errors itself, one level at a time
			if !seen[fe.Field] {
				seen[fe.Field] = true
				out = append(out, fe.Field)
			}
			return
		}
		switch u := e.(type) { //nolint:errorlint // the unwrapping interfaces, not an error's identity
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

func reference(field, s string, required bool) error {
	switch {
	case required && s == "":
		return fieldErr(field, "required")
	case len(s) > MaxReference:
		return fieldErr(field, "longer than %d characters (%d)", MaxReference, len(s))
	case !referenceRE.MatchString(s):
		return fieldErr(field, "must be a pseudonymous reference [A-Za-z0-9._:-]")
	}
	return nil
}

func categoryList(field string, cats []string, required bool) []error {
	var errs []error
	if required && len(cats) == 0 {
		errs = append(errs, fieldErr(field, "at least one category is required"))
	}
	if len(cats) > MaxStatedCategories {
		return append(errs, fieldErr(field, "more than %d categories (%d)", MaxStatedCategories, len(cats)))
	}
	seen := map[string]bool{}
	for i, c := range cats {
		switch {
		case !categoryIDRE.MatchString(c):
			errs = append(errs, fieldErr(fmt.Sprintf("%s[%d]", field, i), "must be a category id (lower-case letters, digits, _; at most 64), got %d characters", len(c)))
		case seen[c]:
			errs = append(errs, fieldErr(fmt.Sprintf("%s[%d]", field, i), "listed twice"))
		}
		seen[c] = true
	}
	return errs
}

// ValidateStatement bounds every field of a statement, whoever sent it:
// ids, OINs, purpose, flow, mode, digests, categories, role, case
// reference, professional and each attested consent. It says nothing about
// whether the statement matches its exchange (CheckStatement does).
func ValidateStatement(st *exchangev1.Statement) []error {
	var errs []error
	if !statedIDRE.MatchString(st.GetRequestId()) {
		errs = append(errs, fieldErr("statement.request_id", "must be 16 to 64 characters [A-Za-z0-9._:-], got %d", len(st.GetRequestId())))
	}
	if oin.Valid(st.GetHolderOin()) != nil {
		errs = append(errs, fieldErr("statement.holder_oin", "must be an OIN of 20 digits"))
	}
	if oin.Valid(st.GetRecipientOin()) != nil {
		errs = append(errs, fieldErr("statement.recipient_oin", "must be an OIN of 20 digits"))
	}
	for _, e := range ValidateClaims(Claims{Purpose: st.GetPurpose(), Flow: st.GetFlow(),
		Roles: map[string]string{"role": st.GetRole()}, CaseReference: st.GetCaseReference()}) {
		errs = append(errs, asField("statement.", e))
	}
	if m := st.GetMode(); m != policy.ModeRequest && m != policy.ModeNotification {
		errs = append(errs, fieldErr("statement.mode", "must be %q or %q", policy.ModeRequest, policy.ModeNotification))
	}
	if !hexDigestRE.MatchString(st.GetSubjectDigest()) {
		errs = append(errs, fieldErr("statement.subject_digest", "must be 64 lower-case hex digits"))
	}
	if j := st.GetJustificationDigest(); j != "" && !textDigestRE.MatchString(j) {
		errs = append(errs, fieldErr("statement.justification_digest", "must be sha256: and 64 lower-case hex digits"))
	}
	errs = append(errs, categoryList("statement.categories", st.GetCategories(), true)...)
	if err := reference("statement.professional", st.GetProfessional(), false); err != nil {
		errs = append(errs, err)
	}
	if n := len(st.GetConsents()); n > MaxAttestedConsents {
		errs = append(errs, fieldErr("statement.consents", "more than %d attested consents (%d)", MaxAttestedConsents, n))
	} else {
		for i, c := range st.GetConsents() {
			errs = append(errs, ValidateAttestedConsent(fmt.Sprintf("statement.consents[%d]", i), c)...)
		}
	}
	if st.GetIssuedAt() == nil {
		errs = append(errs, fieldErr("statement.issued_at", "required"))
	}
	return errs
}

// ValidateAttestedConsent bounds one attested consent: the same shape a
// consent registered at this node must have (given_by, giver, recipient
// OIN, purpose, categories, given_at, valid_until after given_at), an id of
// at most 64 characters and the child's subject digest.
func ValidateAttestedConsent(field string, c *exchangev1.AttestedConsent) []error {
	var errs []error
	if !consentIDRE.MatchString(c.GetId()) {
		errs = append(errs, fieldErr(field+".id", "must be 1 to %d characters [A-Za-z0-9._:-], got %d", MaxReference, len(c.GetId())))
	}
	if g := c.GetGivenBy(); g != consent.GivenByOuder && g != consent.GivenByJeugdige {
		errs = append(errs, fieldErr(field+".given_by", "must be %q or %q", consent.GivenByOuder, consent.GivenByJeugdige))
	}
	if err := reference(field+".giver", c.GetGiver(), false); err != nil {
		errs = append(errs, err)
	}
	if oin.Valid(c.GetRecipientOin()) != nil {
		errs = append(errs, fieldErr(field+".recipient_oin", "must be an OIN of 20 digits"))
	}
	if !vocabWordRE.MatchString(c.GetPurpose()) {
		errs = append(errs, fieldErr(field+".purpose", "must be a purpose id (lower-case letters, digits, _; at most 64), got %d characters", len(c.GetPurpose())))
	}
	errs = append(errs, categoryList(field+".categories", c.GetCategories(), true)...)
	if c.GetGivenAt() == nil {
		errs = append(errs, fieldErr(field+".given_at", "required"))
	} else if c.GetValidUntil() != nil && !c.GetValidUntil().AsTime().After(c.GetGivenAt().AsTime()) {
		errs = append(errs, fieldErr(field+".valid_until", "must be after given_at"))
	}
	if !hexDigestRE.MatchString(c.GetSubjectDigest()) {
		errs = append(errs, fieldErr(field+".subject_digest", "must be 64 lower-case hex digits (the child of this request)"))
	}
	return errs
}

// CheckAttestedConsent checks one well-formed attested consent against the
// exchange it came with: it is for the child of this request (subject
// digest) and was given within the window a consent registered at this node
// must lie in (consent.CheckGivenAt: not in the future, at most maxAge ago).
func CheckAttestedConsent(field string, c *exchangev1.AttestedConsent, subjectDigest string, now time.Time, maxAge time.Duration) []error {
	var errs []error
	if c.GetSubjectDigest() != subjectDigest {
		errs = append(errs, fieldErr(field+".subject_digest", "the consent is for another child than this request's"))
	}
	if c.GetGivenAt() != nil {
		if err := consent.CheckGivenAt(c.GetGivenAt().AsTime(), now, maxAge); err != nil {
			errs = append(errs, fieldErr(field+".given_at", "%s", trimConsentPrefix(err.Error())))
		}
	}
	return errs
}

func trimConsentPrefix(s string) string {
	const p = "consent: "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

// asField turns a ValidateClaims error ("field: problem") into a
// FieldError with prefix before its field.
func asField(prefix string, err error) error {
	s := err.Error()
	for i := 0; i+1 < len(s); i++ {
		if s[i] == ':' && s[i+1] == ' ' {
			return &FieldError{Field: prefix + s[:i], Problem: s[i+2:]}
		}
	}
	return &FieldError{Field: prefix + "claims", Problem: s}
}

// Bounds of a peer's decision (a holder's answer, a notification's
// decision): the receiver keeps its fields in its own audit record.
const (
	MaxDecisionReasons     = 32
	MaxReasonMessage       = 1000
	MaxDecisionConsents    = 32
	MaxDecisionObligations = 16
	MaxRetentionDays       = 36500
)

var (
	codeRE     = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,63}$`)
	revisionRE = regexp.MustCompile(`^[A-Za-z0-9._:+-]{1,80}$`)
)

// ValidateDecision bounds every field of a decision another node sent:
// decision id, flow, basis, categories, withheld, reasons (codes and
// messages), obligations, consents used, retention and policy revision.
func ValidateDecision(d *exchangev1.Decision) []error {
	var errs []error
	if d == nil {
		return []error{fieldErr("decision", "required")}
	}
	if !consentIDRE.MatchString(d.GetDecisionId()) {
		errs = append(errs, fieldErr("decision.decision_id", "must be 1 to 64 characters [A-Za-z0-9._:-], got %d", len(d.GetDecisionId())))
	}
	if f := d.GetFlow(); f != "" && !flowIDRE.MatchString(f) {
		errs = append(errs, fieldErr("decision.flow", "must be a flow id, got %d characters", len(f)))
	}
	if b := d.GetBasis(); b != "" && !vocabWordRE.MatchString(b) {
		errs = append(errs, fieldErr("decision.basis", "must be a basis id, got %d characters", len(b)))
	}
	errs = append(errs, categoryList("decision.categories", d.GetCategories(), false)...)
	if n := len(d.GetWithheld()); n > MaxStatedCategories {
		errs = append(errs, fieldErr("decision.withheld", "more than %d entries (%d)", MaxStatedCategories, n))
	} else {
		for i, w := range d.GetWithheld() {
			if !categoryIDRE.MatchString(w.GetCategory()) || !codeRE.MatchString(w.GetCode()) {
				errs = append(errs, fieldErr(fmt.Sprintf("decision.withheld[%d]", i), "must be a category id and a reason code"))
			}
		}
	}
	if n := len(d.GetReasons()); n > MaxDecisionReasons {
		errs = append(errs, fieldErr("decision.reasons", "more than %d reasons (%d)", MaxDecisionReasons, n))
	} else {
		for i, r := range d.GetReasons() {
			if !codeRE.MatchString(r.GetCode()) {
				errs = append(errs, fieldErr(fmt.Sprintf("decision.reasons[%d].code", i), "must be a reason code (capitals, digits, _; at most 64)"))
			}
			if err := boundedText(fmt.Sprintf("decision.reasons[%d].message", i), r.GetMessage(), MaxReasonMessage); err != nil {
				errs = append(errs, asField("", err))
			}
		}
	}
	if n := len(d.GetObligations()); n > MaxDecisionObligations {
		errs = append(errs, fieldErr("decision.obligations", "more than %d obligations (%d)", MaxDecisionObligations, n))
	} else {
		for i, o := range d.GetObligations() {
			if !vocabWordRE.MatchString(o) {
				errs = append(errs, fieldErr(fmt.Sprintf("decision.obligations[%d]", i), "must be an obligation id"))
			}
		}
	}
	if n := len(d.GetConsentsUsed()); n > MaxDecisionConsents {
		errs = append(errs, fieldErr("decision.consents_used", "more than %d consents (%d)", MaxDecisionConsents, n))
	} else {
		for i, c := range d.GetConsentsUsed() {
			if !consentIDRE.MatchString(c) {
				errs = append(errs, fieldErr(fmt.Sprintf("decision.consents_used[%d]", i), "must be a consent id of at most 64 characters [A-Za-z0-9._:-]"))
			}
		}
	}
	if r := d.GetRetentionDays(); r < 0 || r > MaxRetentionDays {
		errs = append(errs, fieldErr("decision.retention_days", "must be 0 to %d", MaxRetentionDays))
	}
	if r := d.GetPolicyRevision(); r != "" && !revisionRE.MatchString(r) {
		errs = append(errs, fieldErr("decision.policy_revision", "must be a revision of at most 80 characters, got %d", len(r)))
	}
	return errs
}
