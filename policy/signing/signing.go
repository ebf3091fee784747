// Package signing signs policy pack archives and checks them against pinned
// keys with a threshold: a pack is trusted only when at least N distinct
// trusted keys (for example the privacy officer's and the FG's) signed it.
//
// Keys and signatures use the formats of Sigstore's cosign, so officers may
// use either tool: the private key is an "ENCRYPTED SIGSTORE PRIVATE KEY" PEM
// (scrypt + secretbox, as cosign generate-key-pair writes), the public key a
// PKIX "PUBLIC KEY" PEM, and a signature file the base64 of an ASN.1 ECDSA
// P-256 signature over the SHA-256 of the archive bytes, as cosign sign-blob
// writes and cosign verify-blob --key reads.
//
// Pack trust has one home, this package: OpenPack is how the node and
// `schakel policy verify` load a signed pack (verify with the unexpired
// trusted keys, then open, load, validate and test), ValidatePack is the one
// definition of a valid pack (also for `schakel policy build` and `sign`).
// Nothing in an archive is interpreted before its signatures meet the
// threshold.
package signing

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
)

// Errors. Verification failures wrap one or more of them (check with
// errors.Is); the message names each failed signature and why.
var (
	// ErrUnsigned: no signature was offered at all.
	ErrUnsigned = errors.New("policy bundle is unsigned")
	// ErrBelowThreshold: fewer distinct trusted keys signed than required.
	ErrBelowThreshold = errors.New("too few trusted signatures")
	// ErrTampered: not one signature verifies these archive bytes with a
	// trusted key. Either the archive changed after signing, or every
	// signature was made with a key this node does not trust.
	ErrTampered = errors.New("no trusted signature verifies the archive")
	// ErrUntrustedKey: this signature verifies with none of the trusted
	// keys, while another one does verify these bytes; so it was most likely
	// made with a key that is not trusted (or over other bytes, such as an
	// older build).
	ErrUntrustedKey = errors.New("signature not made by a trusted key")
	// ErrMalformedSignature: a signature file is empty, too large or not
	// base64.
	ErrMalformedSignature = errors.New("malformed signature")
	// ErrDuplicateSigner: this signature is valid, but its key has already
	// been counted; one key counts once toward the threshold.
	ErrDuplicateSigner = errors.New("duplicate signature by the same key")
	// ErrInvalidThreshold: the threshold is below 1 or above the number of
	// distinct trusted keys, so it can never be met as configured.
	ErrInvalidThreshold = errors.New("invalid signature threshold")
	// ErrNoTrustedKeys: the trust folder holds no usable key.
	ErrNoTrustedKeys = errors.New("no trusted keys")
	// ErrUnsupportedKey: the key is not ECDSA P-256.
	ErrUnsupportedKey = errors.New("unsupported key type, want ECDSA P-256")
	// ErrUnencryptedKey: a private key is not password-protected.
	ErrUnencryptedKey = errors.New("private key is not encrypted")
	// ErrEmptyPassword: a key must be protected by a non-empty passphrase.
	ErrEmptyPassword = errors.New("empty passphrase")
	// ErrKeyExpired: a signature was made by a trusted key whose validity
	// (its Not-After header) has ended; it no longer counts.
	ErrKeyExpired = errors.New("signature by an expired trusted key")
	// ErrUnreadable: the archive or a signature file cannot be read.
	ErrUnreadable = errors.New("cannot read")
)

// NotAfterHeader is the PEM header of a trusted .pub file that sets the
// key's expiry: "Not-After: 2027-12-31" (the end of that day, UTC) or an
// RFC 3339 time. Past that moment the key no longer counts toward the
// threshold. cosign and PEM parsers ignore the header, so the file stays a
// valid key.
const NotAfterHeader = "Not-After"

// MaxSignatureSize bounds a signature file; an ECDSA P-256 signature in
// base64 is under 100 bytes.
const MaxSignatureSize = 4096

// GenerateKeyPair makes an ECDSA P-256 key pair. privPEM is the private key
// encrypted with password in Sigstore's format ("ENCRYPTED SIGSTORE PRIVATE
// KEY", as cosign generate-key-pair writes); pubPEM is the PKIX public key.
// The password must not be empty.
func GenerateKeyPair(password []byte) (privPEM, pubPEM []byte, err error) {
	if len(password) == 0 {
		return nil, nil, ErrEmptyPassword
	}
	privPEM, pubPEM, err = cryptoutils.GeneratePEMEncodedECDSAKeyPair(elliptic.P256(), cryptoutils.StaticPasswordFunc(password))
	if err != nil {
		return nil, nil, fmt.Errorf("signing: generate key pair: %w", err)
	}
	return privPEM, pubPEM, nil
}

// Sign makes a detached signature over payload with the encrypted private
// key privPEM: the base64 of an ASN.1 ECDSA signature over SHA-256, the
// content of a cosign sign-blob signature file (no trailing newline).
func Sign(privPEM, password, payload []byte) ([]byte, error) {
	block, _ := pem.Decode(privPEM)
	if block == nil {
		return nil, errors.New("signing: private key file is not PEM")
	}
	switch block.Type {
	case string(cryptoutils.EncryptedSigstorePrivateKeyPEMType), "ENCRYPTED COSIGN PRIVATE KEY":
	default:
		return nil, fmt.Errorf("signing: PEM type %q: %w", block.Type, ErrUnencryptedKey)
	}
	if len(password) == 0 {
		return nil, ErrEmptyPassword
	}
	priv, err := cryptoutils.UnmarshalPEMToPrivateKey(privPEM, cryptoutils.StaticPasswordFunc(password))
	if err != nil {
		return nil, fmt.Errorf("signing: decrypt private key (wrong passphrase?): %w", err)
	}
	ec, ok := priv.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, ErrUnsupportedKey
	}
	signer, err := signature.LoadSigner(ec, crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	raw, err := signer.SignMessage(bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("signing: sign: %w", err)
	}
	out := make([]byte, base64.StdEncoding.EncodedLen(len(raw)))
	base64.StdEncoding.Encode(out, raw)
	return out, nil
}

// A Signer is who made a valid signature.
type Signer struct {
	// ID decides distinctness for the threshold: the key fingerprint
	// ("sha256:<hex of the DER public key>") for a pinned key; for a
	// keyless signer it would be the certificate identity.
	ID string
	// Name is what people read: the trusted key's file name, such as
	// "privacy-officer" or "fg".
	Name string
}

// A Verifier decides whether a decoded signature over payload was made by a
// signer it trusts, and names that signer. A pinned public key (TrustedKey)
// is one; a keyless verifier (Fulcio certificate chain, expected identity and
// issuer, Rekor inclusion proof) can be added beside it later without
// changing Verify: it would count distinct certificate identities the same
// way.
type Verifier interface {
	Verify(payload, sig []byte) (Signer, bool)
}

// TrustedKey is a public key pinned on a node, with a name for messages.
type TrustedKey struct {
	Name      string
	PublicKey crypto.PublicKey
	// NotAfter is the key's expiry from its Not-After header; zero when it
	// has none.
	NotAfter time.Time

	verifier signature.Verifier
	id       string
}

// ParseTrustedKey reads a PEM public key (as written by GenerateKeyPair or
// cosign generate-key-pair), with its optional Not-After header. Only ECDSA
// P-256 is accepted.
func ParseTrustedKey(name string, pubPEM []byte) (TrustedKey, error) {
	notAfter, err := parseNotAfter(pubPEM)
	if err != nil {
		return TrustedKey{}, fmt.Errorf("signing: key %q: %w", name, err)
	}
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(pubPEM)
	if err != nil {
		return TrustedKey{}, fmt.Errorf("signing: key %q: %w", name, err)
	}
	ec, ok := pub.(*ecdsa.PublicKey)
	if !ok || ec.Curve != elliptic.P256() {
		return TrustedKey{}, fmt.Errorf("signing: key %q: %w", name, ErrUnsupportedKey)
	}
	v, err := signature.LoadVerifier(ec, crypto.SHA256)
	if err != nil {
		return TrustedKey{}, fmt.Errorf("signing: key %q: %w", name, err)
	}
	der, err := x509.MarshalPKIXPublicKey(ec)
	if err != nil {
		return TrustedKey{}, fmt.Errorf("signing: key %q: %w", name, err)
	}
	sum := sha256.Sum256(der)
	return TrustedKey{Name: name, PublicKey: ec, NotAfter: notAfter, verifier: v, id: "sha256:" + hex.EncodeToString(sum[:])}, nil
}

// parseNotAfter reads the Not-After header of the first PEM block.
func parseNotAfter(pubPEM []byte) (time.Time, error) {
	block, _ := pem.Decode(pubPEM)
	if block == nil {
		return time.Time{}, nil // the key parser names the problem
	}
	for h, v := range block.Headers {
		if !strings.EqualFold(h, NotAfterHeader) {
			continue
		}
		v = strings.TrimSpace(v)
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t, nil
		}
		if d, err := time.Parse("2006-01-02", v); err == nil {
			return d.Add(24*time.Hour - time.Nanosecond), nil
		}
		return time.Time{}, fmt.Errorf("%s header %q is neither a date (2027-12-31) nor an RFC 3339 time", NotAfterHeader, v)
	}
	return time.Time{}, nil
}

// ExpiredAt reports whether the key's validity has ended at now.
func (k TrustedKey) ExpiredAt(now time.Time) bool {
	return !k.NotAfter.IsZero() && now.After(k.NotAfter)
}

// Fingerprint is "sha256:" and the hex SHA-256 of the DER public key.
func (k TrustedKey) Fingerprint() string { return k.id }

// Verify implements Verifier.
func (k TrustedKey) Verify(payload, sig []byte) (Signer, bool) {
	if k.verifier == nil {
		return Signer{}, false
	}
	if err := k.verifier.VerifySignature(bytes.NewReader(sig), bytes.NewReader(payload)); err != nil {
		return Signer{}, false
	}
	return Signer{ID: k.id, Name: k.Name}, true
}

// LoadTrustedDir reads every "*.pub" file in dir (not recursively); a key's
// name is its file name without ".pub". It refuses a folder without keys and
// the same key under two names (it would otherwise count twice).
func LoadTrustedDir(dir string) ([]TrustedKey, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.pub"))
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("signing: trusted keys: %w", err)
	}
	slices.Sort(paths)
	var keys []TrustedKey
	byID := map[string]string{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("signing: trusted keys: %w", err)
		}
		name := strings.TrimSuffix(filepath.Base(p), ".pub")
		k, err := ParseTrustedKey(name, data)
		if err != nil {
			return nil, err
		}
		if other, dup := byID[k.id]; dup {
			return nil, fmt.Errorf("signing: trusted keys %q and %q are the same key", other, name)
		}
		byID[k.id] = name
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("signing: %s: %w (want *.pub files)", dir, ErrNoTrustedKeys)
	}
	return keys, nil
}
