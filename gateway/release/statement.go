package release

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/policy"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
)

// The requesting organisation states the role, the support relation, the
// case reference and the justification; the holder cannot see them for
// itself. So the requester's node signs that statement per request, with
// the professional's pseudonymous reference and the consents it attests;
// the holder verifies it against the peer's certificate before it decides,
// and both keep it with their audit record (RULES.md "Accountable claims").
// A notification's sender states the same about what it sends.

// CodeStatementInvalid is the reason code of a request whose signed
// statement is missing, does not verify, or does not match the request
// (POLICY-CONTRACT.md).
const CodeStatementInvalid = "STATEMENT_INVALID"

// ErrStatement marks a statement that is missing, does not verify or does
// not match its request.
var ErrStatement = errors.New("statement invalid")

// SubjectDigest binds the child to one request without naming it: hex
// SHA-256 of "schakel-subject/v1\n" || requestID || "\n" || bsn.
func SubjectDigest(requestID, bsn string) string {
	sum := sha256.Sum256([]byte("schakel-subject/v1\n" + requestID + "\n" + bsn))
	return hex.EncodeToString(sum[:])
}

// JustificationDigest is how a statement names a justification ("" for
// none).
func JustificationDigest(j string) string {
	if j == "" {
		return ""
	}
	return Digest(j)
}

// SignStatement encodes st deterministically and signs it with the
// organisation key.
func SignStatement(signer crypto.Signer, st *exchangev1.Statement) (*exchangev1.SignedStatement, error) {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(st)
	if err != nil {
		return nil, err
	}
	sig, err := audit.SignStatement(signer, b)
	if err != nil {
		return nil, fmt.Errorf("statement: %w", err)
	}
	return &exchangev1.SignedStatement{Statement: b, Signature: sig}, nil
}

// OpenStatement verifies ss against pub (the key of the certificate verified
// on this connection, never one from the message) and parses it.
func OpenStatement(pub crypto.PublicKey, ss *exchangev1.SignedStatement) (*exchangev1.Statement, error) {
	if ss == nil || len(ss.GetStatement()) == 0 {
		return nil, fmt.Errorf("%w: missing", ErrStatement)
	}
	if err := audit.VerifyStatement(pub, ss.GetStatement(), ss.GetSignature()); err != nil {
		return nil, fmt.Errorf("%w: signature: %v", ErrStatement, err)
	}
	st := &exchangev1.Statement{}
	if err := proto.Unmarshal(ss.GetStatement(), st); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrStatement, err)
	}
	return st, nil
}

// Stated is what a statement must say to match its exchange.
type Stated struct {
	RequestID, HolderOIN, RecipientOIN, Purpose, Flow, Mode, BSN string
	Categories                                                   []string
	Role                                                         string
	Relation                                                     bool
	CaseReference, Justification                                 string
	// JustificationUnseen: the exchange does not carry the justification
	// itself (a notification), so its digest is not compared.
	JustificationUnseen bool
	// Arrived, for a notification, are the categories that arrived: each
	// must be one the sender stated (the policy may release fewer), instead
	// of the categories being equal.
	Arrived []string
}

// CheckStatement compares a verified statement with the exchange it came
// with, field by field, and checks its time against now (within skew).
func CheckStatement(st *exchangev1.Statement, want Stated, now time.Time, skew time.Duration) error {
	var errs []error
	eq := func(field, got, w string) {
		if got != w {
			errs = append(errs, fmt.Errorf("%s differs from the request", field))
		}
	}
	eq("request_id", st.GetRequestId(), want.RequestID)
	eq("holder_oin", st.GetHolderOin(), want.HolderOIN)
	eq("recipient_oin", st.GetRecipientOin(), want.RecipientOIN)
	eq("purpose", st.GetPurpose(), want.Purpose)
	eq("flow", st.GetFlow(), want.Flow)
	eq("mode", st.GetMode(), want.Mode)
	eq("subject_digest", st.GetSubjectDigest(), SubjectDigest(want.RequestID, want.BSN))
	eq("role", st.GetRole(), want.Role)
	eq("case_reference", st.GetCaseReference(), want.CaseReference)
	if !want.JustificationUnseen {
		eq("justification_digest", st.GetJustificationDigest(), JustificationDigest(want.Justification))
	}
	if st.GetRelation() != want.Relation {
		errs = append(errs, errors.New("relation differs from the request"))
	}
	switch {
	case want.Arrived != nil:
		for _, c := range want.Arrived {
			if !slices.Contains(st.GetCategories(), c) {
				errs = append(errs, fmt.Errorf("category %q arrived but was not stated", c))
			}
		}
	case !slices.Equal(st.GetCategories(), want.Categories):
		errs = append(errs, errors.New("categories differ from the request"))
	}
	if t := st.GetIssuedAt().AsTime(); st.GetIssuedAt() == nil || t.Before(now.Add(-skew)) || t.After(now.Add(skew)) {
		errs = append(errs, errors.New("issued_at is missing or outside the allowed clock skew"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrStatement, errors.Join(errs...))
	}
	return nil
}

// AttestedConsents turns a statement's attested consents into policy input
// (held_by recipient: the pack decides whether the flow accepts them).
func AttestedConsents(st *exchangev1.Statement) []policy.Consent {
	out := make([]policy.Consent, 0, len(st.GetConsents()))
	for _, c := range st.GetConsents() {
		// announced_at never comes from the request: the holder's own
		// store fills it in (Releaser.Release).
		pc := policy.Consent{ID: c.GetId(), GivenBy: c.GetGivenBy(), Giver: c.GetGiver(), HeldBy: policy.HeldByRecipient,
			RecipientOIN: c.GetRecipientOin(), HolderOIN: c.GetHolderOin(), Purpose: c.GetPurpose(), Categories: c.GetCategories(),
			GivenAt: c.GetGivenAt().AsTime()}
		if c.GetValidUntil() != nil {
			t := c.GetValidUntil().AsTime()
			pc.ValidUntil = &t
		}
		out = append(out, pc)
	}
	return out
}

// StoredStatement is how the audit log keeps ss, signed by the key pub.
func StoredStatement(pub crypto.PublicKey, ss *exchangev1.SignedStatement) (*audit.Statement, error) {
	if ss == nil {
		return nil, nil
	}
	key, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return &audit.Statement{Bytes: ss.GetStatement(), Signature: ss.GetSignature(), SignerKey: key}, nil
}

// RequestStatement is the statement a requesting node signs for req to the
// holder holderOIN: every claim of the request, the child by digest, the
// professional's reference and the consents it attests, issued when the
// request was sent.
func RequestStatement(req *exchangev1.RequestRecordRequest, holderOIN, recipientOIN, professional string, consents []*exchangev1.AttestedConsent) *exchangev1.Statement {
	return &exchangev1.Statement{
		RequestId: req.GetRequestId(), HolderOin: holderOIN, RecipientOin: recipientOIN,
		Purpose: req.GetPurpose(), Flow: req.GetFlow(), Mode: policy.ModeRequest,
		SubjectDigest: SubjectDigest(req.GetRequestId(), req.GetBsn()), Categories: req.GetCategories(),
		Role: req.GetRecipientRole(), Relation: req.GetRelation(), CaseReference: req.GetCaseReference(),
		JustificationDigest: JustificationDigest(req.GetJustification()), Professional: professional,
		Consents: consents, IssuedAt: req.GetSentAt(),
	}
}

// VerifyStatement opens ss with pub (the key of the certificate verified on
// this connection), checks it against the exchange it came with, and
// returns it with the form the audit log keeps.
func VerifyStatement(pub crypto.PublicKey, ss *exchangev1.SignedStatement, want Stated, now time.Time, skew time.Duration) (*exchangev1.Statement, *audit.Statement, error) {
	st, err := OpenStatement(pub, ss)
	if err != nil {
		return nil, nil, err
	}
	if err := CheckStatement(st, want, now, skew); err != nil {
		return nil, nil, err
	}
	stored, err := StoredStatement(pub, ss)
	if err != nil {
		return nil, nil, err
	}
	return st, stored, nil
}
