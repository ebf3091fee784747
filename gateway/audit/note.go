package audit

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// C2SP signed-note signature type identifiers.
const (
	sigTypeEd25519 = 0x01
	sigTypeECDSA   = 0x02
)

// NewNoteSigner returns a note.Signer that signs with s under key name name (the
// checkpoint origin). An ECDSA key (P-256, P-384 or P-521) uses C2SP signed-note signature
// type 0x02: key ID = SHA-256(DER SubjectPublicKeyInfo)[:4], signature = ASN.1 DER ECDSA
// over SHA-256(text). An Ed25519 key uses type 0x01 as specified by C2SP signed-note.
func NewNoteSigner(name string, s crypto.Signer) (note.Signer, error) {
	if s == nil {
		return nil, errors.New("audit: nil signer")
	}
	hash, err := noteKeyHash(name, s.Public())
	if err != nil {
		return nil, err
	}
	return &noteSigner{name: name, hash: hash, s: s}, nil
}

// NewNoteVerifier returns the note.Verifier matching [NewNoteSigner] for pub.
func NewNoteVerifier(name string, pub crypto.PublicKey) (note.Verifier, error) {
	hash, err := noteKeyHash(name, pub)
	if err != nil {
		return nil, err
	}
	return &noteVerifier{name: name, hash: hash, pub: pub}, nil
}

func noteKeyHash(name string, pub crypto.PublicKey) (uint32, error) {
	if name == "" || strings.ContainsAny(name, " +\n") {
		return 0, fmt.Errorf("audit: invalid key name %q", name)
	}
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
		default:
			return 0, errors.New("audit: unsupported ECDSA curve")
		}
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			return 0, err
		}
		h := sha256.Sum256(der)
		return binary.BigEndian.Uint32(h[:4]), nil
	case ed25519.PublicKey:
		h := sha256.New()
		h.Write([]byte(name))
		h.Write([]byte{'\n', sigTypeEd25519})
		h.Write(k)
		return binary.BigEndian.Uint32(h.Sum(nil)[:4]), nil
	}
	return 0, fmt.Errorf("audit: unsupported public key type %T", pub)
}

type noteSigner struct {
	name string
	hash uint32
	s    crypto.Signer
}

func (n *noteSigner) Name() string                    { return n.name }
func (n *noteSigner) KeyHash() uint32                 { return n.hash }
func (n *noteSigner) Sign(msg []byte) ([]byte, error) { return signBytes(n.s, msg) }

type noteVerifier struct {
	name string
	hash uint32
	pub  crypto.PublicKey
}

func (n *noteVerifier) Name() string                { return n.name }
func (n *noteVerifier) KeyHash() uint32             { return n.hash }
func (n *noteVerifier) Verify(msg, sig []byte) bool { return verifyBytes(n.pub, msg, sig) }

// signBytes is the one signer of this package's statements: checkpoints,
// holder receipts and notification receipts. It accepts the key types
// verifySig accepts, ECDSA (ASN.1 DER over SHA-256) and Ed25519, and refuses
// any other, so that nothing is signed that no peer could verify.
func signBytes(s crypto.Signer, msg []byte) ([]byte, error) {
	switch s.Public().(type) {
	case ed25519.PublicKey:
		return s.Sign(rand.Reader, msg, crypto.Hash(0))
	case *ecdsa.PublicKey:
		d := sha256.Sum256(msg)
		return s.Sign(rand.Reader, d[:], crypto.SHA256)
	}
	return nil, fmt.Errorf("audit: signing key type %T is not ECDSA or Ed25519", s.Public())
}

func verifyBytes(pub crypto.PublicKey, msg, sig []byte) bool {
	return verifyCached(pub, msg, sig, verifySig) // verifycache.go
}

func verifySig(pub crypto.PublicKey, msg, sig []byte) bool {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		d := sha256.Sum256(msg)
		return ecdsa.VerifyASN1(k, d[:], sig)
	case ed25519.PublicKey:
		return ed25519.Verify(k, msg, sig)
	}
	return false
}

// Checkpoint is the content of a signed checkpoint (C2SP tlog-checkpoint).
type Checkpoint struct {
	Origin string
	Size   uint64
	Root   []byte
}

// text renders the checkpoint body: origin, size, base64 root, each on its own line.
func (c Checkpoint) text() string {
	return c.Origin + "\n" + strconv.FormatUint(c.Size, 10) + "\n" + base64.StdEncoding.EncodeToString(c.Root) + "\n"
}

func signCheckpoint(s note.Signer, c Checkpoint) ([]byte, error) {
	return note.Sign(&note.Note{Text: c.text()}, s)
}

// ParseCheckpoint parses a checkpoint's text WITHOUT checking its signature; use
// [OpenCheckpoint] for anything you rely on.
func ParseCheckpoint(signed []byte) (Checkpoint, error) {
	text := signed
	if i := bytes.Index(signed, []byte("\n\n")); i >= 0 {
		text = signed[:i+1]
	}
	lines := strings.Split(string(text), "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return Checkpoint{}, errors.New("audit: malformed checkpoint")
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || strconv.FormatUint(size, 10) != lines[1] {
		return Checkpoint{}, errors.New("audit: malformed checkpoint size")
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != sha256.Size {
		return Checkpoint{}, errors.New("audit: malformed checkpoint root")
	}
	return Checkpoint{Origin: lines[0], Size: size, Root: root}, nil
}

// OpenCheckpoint verifies a signed checkpoint against pub (key name = origin) and
// returns its content. The origin line must equal origin.
func OpenCheckpoint(pub crypto.PublicKey, origin string, signed []byte) (Checkpoint, error) {
	v, err := NewNoteVerifier(origin, pub)
	if err != nil {
		return Checkpoint{}, err
	}
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint: %v", ErrBadSignature, err)
	}
	c, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return Checkpoint{}, err
	}
	if c.Origin != origin {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint origin %q, want %q", ErrBadSignature, c.Origin, origin)
	}
	return c, nil
}

func toHash(b []byte) (tlog.Hash, bool) {
	var h tlog.Hash
	if len(b) != len(h) {
		return h, false
	}
	copy(h[:], b)
	return h, true
}

func toHashes(p [][]byte) ([]tlog.Hash, bool) {
	out := make([]tlog.Hash, len(p))
	for i, b := range p {
		h, ok := toHash(b)
		if !ok {
			return nil, false
		}
		out[i] = h
	}
	return out, true
}

func fromHashes(p []tlog.Hash) [][]byte {
	out := make([][]byte, len(p))
	for i := range p {
		out[i] = append([]byte(nil), p[i][:]...)
	}
	return out
}

// VerifyCommit checks, on the recipient's side, that the holder's record r is in the
// holder's log: the checkpoint is signed by pub (the holder's certificate key) with the
// given origin, and c.Proof proves LeafHash(r) at c.Index in that checkpoint's tree.
func VerifyCommit(pub crypto.PublicKey, origin string, r *Record, c Commit) error {
	cp, err := OpenCheckpoint(pub, origin, c.Checkpoint)
	if err != nil {
		return err
	}
	leaf := LeafHash(r)
	if c.LeafHash != nil && !bytes.Equal(c.LeafHash, leaf) {
		return fmt.Errorf("%w: leaf hash differs from the record", ErrBadSignature)
	}
	return checkInclusion(cp, c.Index, leaf, c.Proof)
}

func checkInclusion(cp Checkpoint, index uint64, leaf []byte, proof [][]byte) error {
	lh, ok := toHash(leaf)
	ph, ok2 := toHashes(proof)
	root, ok3 := toHash(cp.Root)
	if !ok || !ok2 || !ok3 || index >= cp.Size || cp.Size > 1<<62 {
		return fmt.Errorf("%w: malformed inclusion proof", ErrBadSignature)
	}
	if err := tlog.CheckRecord(ph, int64(cp.Size), root, int64(index), lh); err != nil {
		return fmt.Errorf("%w: inclusion proof: %v", ErrBadSignature, err)
	}
	return nil
}

// VerifyConsistency checks that the tree of newCheckpoint extends the tree of
// oldCheckpoint (both signed by pub under origin), using an RFC 6962 consistency proof
// as returned by ConsistencyProof.
func VerifyConsistency(pub crypto.PublicKey, origin string, oldCheckpoint, newCheckpoint []byte, proof [][]byte) error {
	oc, err := OpenCheckpoint(pub, origin, oldCheckpoint)
	if err != nil {
		return err
	}
	nc, err := OpenCheckpoint(pub, origin, newCheckpoint)
	if err != nil {
		return err
	}
	return checkConsistency(oc, nc, proof)
}

func checkConsistency(oc, nc Checkpoint, proof [][]byte) error {
	switch {
	case oc.Size > nc.Size:
		return fmt.Errorf("%w: old checkpoint is larger than new", ErrBadSignature)
	case oc.Size == nc.Size:
		if !bytes.Equal(oc.Root, nc.Root) || len(proof) != 0 {
			return fmt.Errorf("%w: same size, different roots", ErrBadSignature)
		}
		return nil
	case oc.Size == 0:
		return nil
	}
	ph, ok := toHashes(proof)
	or, ok2 := toHash(oc.Root)
	nr, ok3 := toHash(nc.Root)
	if !ok || !ok2 || !ok3 || nc.Size > 1<<62 {
		return fmt.Errorf("%w: malformed consistency proof", ErrBadSignature)
	}
	if err := tlog.CheckTree(ph, int64(nc.Size), nr, int64(oc.Size), or); err != nil {
		return fmt.Errorf("%w: consistency proof: %v", ErrBadSignature, err)
	}
	return nil
}

func receiptMessage(decisionID, payloadDigest string, checkpoint []byte) ([]byte, error) {
	if decisionID == "" || strings.ContainsAny(decisionID, "\n") || strings.ContainsAny(payloadDigest, "\n") {
		return nil, errors.New("audit: receipt decision id or digest is empty or has a newline")
	}
	var b bytes.Buffer
	b.WriteString("schakel-receipt/v1\n")
	b.WriteString(decisionID)
	b.WriteByte('\n')
	b.WriteString(payloadDigest)
	b.WriteByte('\n')
	b.Write(checkpoint)
	return b.Bytes(), nil
}

// SignReceipt signs, with the holder's organisation key, the statement that the payload
// with digest payloadDigest ("sha256:<hex>") was released under decision decisionID,
// whose audit record is covered by checkpoint. The signed message is
//
//	"schakel-receipt/v1\n" || decisionID || "\n" || payloadDigest || "\n" || checkpoint
//
// signed like a note (ECDSA: ASN.1 DER over its SHA-256).
func SignReceipt(signer crypto.Signer, decisionID, payloadDigest string, checkpoint []byte) ([]byte, error) {
	msg, err := receiptMessage(decisionID, payloadDigest, checkpoint)
	if err != nil {
		return nil, err
	}
	return signBytes(signer, msg)
}

// VerifyReceipt checks a receipt made by [SignReceipt] against the holder's public key.
func VerifyReceipt(pub crypto.PublicKey, decisionID, payloadDigest string, checkpoint, sig []byte) error {
	msg, err := receiptMessage(decisionID, payloadDigest, checkpoint)
	if err != nil {
		return err
	}
	if !verifyBytes(pub, msg, sig) {
		return fmt.Errorf("%w: receipt", ErrBadSignature)
	}
	return nil
}

// notificationReceiptMessage is what the recipient of a notification signs.
func notificationReceiptMessage(senderOIN, idempotencyKey, payloadDigest string) ([]byte, error) {
	for _, s := range []string{senderOIN, idempotencyKey, payloadDigest} {
		if s == "" || strings.ContainsAny(s, "\n") {
			return nil, errors.New("audit: notification receipt: sender, key or digest is empty or has a newline")
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
// signed like every receipt and checkpoint of this package (ECDSA: ASN.1 DER
// over its SHA-256; Ed25519: the message itself).
func SignNotificationReceipt(signer crypto.Signer, senderOIN, idempotencyKey, payloadDigest string) ([]byte, error) {
	msg, err := notificationReceiptMessage(senderOIN, idempotencyKey, payloadDigest)
	if err != nil {
		return nil, err
	}
	return signBytes(signer, msg)
}

// VerifyNotificationReceipt checks a receipt made by SignNotificationReceipt
// against the recipient's public key (from its verified certificate).
func VerifyNotificationReceipt(pub crypto.PublicKey, senderOIN, idempotencyKey, payloadDigest string, sig []byte) error {
	msg, err := notificationReceiptMessage(senderOIN, idempotencyKey, payloadDigest)
	if err != nil {
		return err
	}
	if !verifyBytes(pub, msg, sig) {
		return fmt.Errorf("%w: notification receipt", ErrBadSignature)
	}
	return nil
}

// statementMessage is what an organisation signs as its statement of one
// exchange: a domain separator and the statement's deterministic encoding.
func statementMessage(statement []byte) []byte {
	return append([]byte("schakel-statement/v1\n"), statement...)
}

// SignStatement signs the deterministic encoding of a request or
// notification statement with the organisation key (the one signer of this
// package: ECDSA or Ed25519).
func SignStatement(signer crypto.Signer, statement []byte) ([]byte, error) {
	if len(statement) == 0 {
		return nil, errors.New("audit: empty statement")
	}
	return signBytes(signer, statementMessage(statement))
}

// VerifyStatement checks a signature made by SignStatement against the key of
// the stating organisation's verified certificate.
func VerifyStatement(pub crypto.PublicKey, statement, sig []byte) error {
	if len(statement) == 0 || !verifyBytes(pub, statementMessage(statement), sig) {
		return fmt.Errorf("%w: statement", ErrBadSignature)
	}
	return nil
}
