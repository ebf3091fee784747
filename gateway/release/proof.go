package release

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"

	"google.golang.org/grpc/credentials"
	grpcpeer "google.golang.org/grpc/peer"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/policy"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
)

// This file holds what both sides of a release share: the holder's audit
// proof (built by the holder of a request and by the sender of a
// notification, checked by the recipient of either), the payload digest and
// the decision's wire form.

// NewAuditProof bundles the holder's audit record, its inclusion in the signed
// checkpoint and the holder's receipt signature over (decision id, payload
// digest, checkpoint), for the recipient to verify with VerifyAuditProof.
func NewAuditProof(signer crypto.Signer, ar *audit.Record, c audit.Commit, digest string) (*exchangev1.AuditProof, error) {
	sig, err := audit.SignReceipt(signer, ar.DecisionID, digest, c.Checkpoint)
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

// VerifyAuditProof checks a release by the holder holderOIN whose
// certificate key is pub: the record holds no category beyond the decision,
// its digest matches the proof, the holder's audit record matches the
// decision and is included in the holder's signed checkpoint, and the receipt
// is signed by the holder's key. dec must allow; a denial carries no proof.
// It returns the holder's audit record as parsed from the proof, and the
// receipt for the recipient to store with its own record.
//
// pub must be the key of the certificate verified on this very connection:
// a key taken from the message would prove nothing.
func VerifyAuditProof(pub crypto.PublicKey, holderOIN string, dec *exchangev1.Decision, rec *recordv1.Record, ap *exchangev1.AuditProof) (*audit.Record, *audit.Receipt, error) {
	if dec == nil {
		return nil, nil, errors.New("no decision")
	}
	if !dec.GetAllow() {
		return nil, nil, errors.New("a denial carries no release to verify")
	}
	allowed := map[string]bool{}
	for _, c := range dec.GetCategories() {
		allowed[c] = true
	}
	for _, c := range PresentCategories(rec) {
		if !allowed[c] {
			return nil, nil, fmt.Errorf("category %q returned but not released", c)
		}
	}
	if ap == nil {
		return nil, nil, errors.New("no audit proof")
	}
	digest, err := PayloadDigest(rec)
	if err != nil {
		return nil, nil, err
	}
	if digest != ap.GetPayloadDigest() {
		return nil, nil, errors.New("payload digest does not match the record")
	}
	ar, err := audit.ParseCanonicalBody(ap.GetRecord())
	if err != nil {
		return nil, nil, fmt.Errorf("holder audit record: %w", err)
	}
	if ar.DecisionID != dec.GetDecisionId() || ar.PayloadDigest != digest || ar.HolderOIN != holderOIN || !ar.Allow {
		return nil, nil, errors.New("holder audit record does not match the decision")
	}
	commit := audit.Commit{Index: ap.GetLeafIndex(), Checkpoint: ap.GetCheckpoint(), Proof: ap.GetInclusionProof()}
	if err := audit.VerifyCommit(pub, audit.OriginFor(holderOIN), ar, commit); err != nil {
		return nil, nil, fmt.Errorf("inclusion proof: %w", err)
	}
	if err := audit.VerifyReceipt(pub, dec.GetDecisionId(), digest, ap.GetCheckpoint(), ap.GetReceiptSignature()); err != nil {
		return nil, nil, fmt.Errorf("receipt: %w", err)
	}
	key, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, nil, fmt.Errorf("holder key: %w", err)
	}
	commit.LeafHash = audit.LeafHash(ar)
	return ar, &audit.Receipt{
		DecisionID:    dec.GetDecisionId(),
		PayloadDigest: digest,
		HolderOrigin:  audit.OriginFor(holderOIN),
		HolderKey:     key,
		Commit:        commit,
		Signature:     ap.GetReceiptSignature(),
	}, nil
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

// PresentCategories lists the categories present in a record (its set
// fields; field names are category names), in field order.
func PresentCategories(rec *recordv1.Record) []string {
	if rec == nil {
		return nil
	}
	var out []string
	rec.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		out = append(out, string(fd.Name()))
		return true
	})
	return out
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

// ServerCert returns the verified leaf certificate of the server of a call
// made with grpc.Peer(p).
func ServerCert(p *grpcpeer.Peer) (*x509.Certificate, error) {
	ti, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(ti.State.VerifiedChains) == 0 {
		return nil, identity.ErrNoPeerIdentity
	}
	return ti.State.VerifiedChains[0][0], nil
}
