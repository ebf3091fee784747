package exchange

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	grpcpeer "google.golang.org/grpc/peer"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/consent"
	"github.com/schakel/schakel/policy"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
)

// This file holds what both sides of an exchange share: the holder's audit
// proof (built by the holder of a request and by the sender of a
// notification, checked by the recipient of either) and the recipient's
// signed receipt of a notification.

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
// It returns the holder's audit record as parsed from the proof.
//
// pub must be the key of the certificate verified on this very connection:
// a key taken from the message would prove nothing.
func VerifyAuditProof(pub crypto.PublicKey, holderOIN string, dec *exchangev1.Decision, rec *recordv1.Record, ap *exchangev1.AuditProof) (*audit.Record, error) {
	if dec == nil {
		return nil, errors.New("no decision")
	}
	if !dec.GetAllow() {
		return nil, errors.New("a denial carries no release to verify")
	}
	allowed := map[string]bool{}
	for _, c := range dec.GetCategories() {
		allowed[c] = true
	}
	for _, c := range presentCategories(rec) {
		if !allowed[c] {
			return nil, fmt.Errorf("category %q returned but not released", c)
		}
	}
	if ap == nil {
		return nil, errors.New("no audit proof")
	}
	digest, err := PayloadDigest(rec)
	if err != nil {
		return nil, err
	}
	if digest != ap.GetPayloadDigest() {
		return nil, errors.New("payload digest does not match the record")
	}
	ar, err := audit.ParseCanonicalBody(ap.GetRecord())
	if err != nil {
		return nil, fmt.Errorf("holder audit record: %w", err)
	}
	if ar.DecisionID != dec.GetDecisionId() || ar.PayloadDigest != digest || ar.HolderOIN != holderOIN || !ar.Allow {
		return nil, errors.New("holder audit record does not match the decision")
	}
	commit := audit.Commit{Index: ap.GetLeafIndex(), Checkpoint: ap.GetCheckpoint(), Proof: ap.GetInclusionProof()}
	if err := audit.VerifyCommit(pub, audit.OriginFor(holderOIN), ar, commit); err != nil {
		return nil, fmt.Errorf("inclusion proof: %w", err)
	}
	if err := audit.VerifyReceipt(pub, dec.GetDecisionId(), digest, ap.GetCheckpoint(), ap.GetReceiptSignature()); err != nil {
		return nil, fmt.Errorf("receipt: %w", err)
	}
	return ar, nil
}

// PresentCategories lists the categories present in a record (its set
// fields; field names are category names), in field order.
func PresentCategories(rec *recordv1.Record) []string { return presentCategories(rec) }

// notificationReceiptMessage is what the recipient of a notification signs.
func notificationReceiptMessage(senderOIN, idempotencyKey, payloadDigest string) ([]byte, error) {
	for _, s := range []string{senderOIN, idempotencyKey, payloadDigest} {
		if s == "" || strings.ContainsAny(s, "\n") {
			return nil, errors.New("notification receipt: sender, key or digest is empty or has a newline")
		}
	}
	var b bytes.Buffer
	b.WriteString("schakel-notification-receipt/v1\n")
	b.WriteString(senderOIN)
	b.WriteByte('\n')
	b.WriteString(idempotencyKey)
	b.WriteByte('\n')
	b.WriteString(payloadDigest)
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// SignNotificationReceipt signs, with the recipient's organisation key, the
// statement that the notification senderOIN sent under idempotencyKey, with
// payload digest payloadDigest, was received. The signed message is
//
//	"schakel-notification-receipt/v1\n" || senderOIN || "\n" || key || "\n" || digest || "\n"
//
// signed over its SHA-256 (ECDSA: ASN.1 DER; RSA: PKCS #1 v1.5; Ed25519: the
// message itself).
func SignNotificationReceipt(signer crypto.Signer, senderOIN, idempotencyKey, payloadDigest string) ([]byte, error) {
	msg, err := notificationReceiptMessage(senderOIN, idempotencyKey, payloadDigest)
	if err != nil {
		return nil, err
	}
	if _, ok := signer.Public().(ed25519.PublicKey); ok {
		return signer.Sign(rand.Reader, msg, crypto.Hash(0))
	}
	sum := sha256.Sum256(msg)
	return signer.Sign(rand.Reader, sum[:], crypto.SHA256)
}

// VerifyNotificationReceipt checks a receipt made by SignNotificationReceipt
// against the recipient's public key (from its verified certificate).
func VerifyNotificationReceipt(pub crypto.PublicKey, senderOIN, idempotencyKey, payloadDigest string, sig []byte) error {
	msg, err := notificationReceiptMessage(senderOIN, idempotencyKey, payloadDigest)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(msg)
	ok := false
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		ok = ecdsa.VerifyASN1(k, sum[:], sig)
	case *rsa.PublicKey:
		ok = rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], sig) == nil
	case ed25519.PublicKey:
		ok = ed25519.Verify(k, msg, sig)
	}
	if !ok {
		return errors.New("notification receipt: signature does not verify")
	}
	return nil
}

// ServerCert returns the verified leaf certificate of the server of a call
// made with grpc.Peer(p).
func ServerCert(p *grpcpeer.Peer) (*x509.Certificate, error) { return peerCert(p) }

// PolicyConsents converts stored consents to the policy's input shape.
func PolicyConsents(cs []consent.Consent) []policy.Consent { return toPolicyConsents(cs) }
