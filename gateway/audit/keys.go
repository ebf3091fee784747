package audit

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"time"
)

// SigningKey is one key an organisation signed (or signs) its checkpoints
// with, and the window of record times it may cover: a checkpoint signed by
// it is valid only when the records of its batch lie within [NotBefore,
// NotAfter]. A zero bound is open.
type SigningKey struct {
	Public    crypto.PublicKey
	NotBefore time.Time
	NotAfter  time.Time
	Label     string // for messages, e.g. the certificate file
}

// KeyRing is the organisation's key history: the current key first, then the
// keys of earlier certificates. After a certificate renewal with a new key,
// the checkpoints signed by the old key verify against the old key, within its
// window; a checkpoint outside every key's window does not verify.
type KeyRing []SigningKey

// SingleKey is a ring of one key without a window.
func SingleKey(pub crypto.PublicKey) KeyRing { return KeyRing{{Public: pub}} }

// KeyFromCertificate returns the certificate's key with its validity as the
// window.
func KeyFromCertificate(c *x509.Certificate, label string) SigningKey {
	return SigningKey{Public: c.PublicKey, NotBefore: c.NotBefore, NotAfter: c.NotAfter, Label: label}
}

func (k SigningKey) covers(t time.Time) bool {
	if t.IsZero() {
		return true
	}
	return (k.NotBefore.IsZero() || !t.Before(k.NotBefore)) && (k.NotAfter.IsZero() || !t.After(k.NotAfter))
}

// Open verifies a signed checkpoint of origin against the ring. latest is the
// latest record time the checkpoint covers (zero: unknown, e.g. every record of
// its batch was pruned; then any key of the ring is accepted). A checkpoint
// signed by a key of the ring outside that key's window is refused, naming the
// key and its window.
func (kr KeyRing) Open(origin string, signed []byte, latest time.Time) (Checkpoint, error) {
	if len(kr) == 0 {
		return Checkpoint{}, errors.New("audit: no signing key")
	}
	var firstErr, windowErr error
	for _, k := range kr {
		c, err := OpenCheckpoint(k.Public, origin, signed)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if !k.covers(latest) {
			if windowErr == nil { // the same key may be listed again with another window
				windowErr = fmt.Errorf("%w: checkpoint %d is signed by %s, valid %s to %s, but covers a record of %s",
					ErrBadSignature, c.Size, k.name(), fmtBound(k.NotBefore), fmtBound(k.NotAfter), latest.UTC().Format(time.RFC3339))
			}
			continue
		}
		return c, nil
	}
	if windowErr != nil {
		return Checkpoint{}, windowErr
	}
	if len(kr) > 1 {
		return Checkpoint{}, fmt.Errorf("%w (tried %d keys of the organisation's key history)", firstErr, len(kr))
	}
	return Checkpoint{}, firstErr
}

func (k SigningKey) name() string {
	if k.Label != "" {
		return "key " + k.Label
	}
	return "a key of the organisation"
}

func fmtBound(t time.Time) string {
	if t.IsZero() {
		return "(open)"
	}
	return t.UTC().Format(time.RFC3339)
}

// KeyRingFromFiles returns the ring of the current certificate (PEM file)
// and the previous certificates: the current key without a window (it signs
// now), each previous key within its certificate's validity.
func KeyRingFromFiles(current string, previous []string) (KeyRing, error) {
	cur, err := readCertificate(current)
	if err != nil {
		return nil, err
	}
	prev, err := PreviousKeys(previous)
	if err != nil {
		return nil, err
	}
	return append(KeyRing{{Public: cur.PublicKey, Label: current + " (current)"}}, prev...), nil
}

// PreviousKeys reads earlier certificates (PEM files), each key within its
// certificate's validity.
func PreviousKeys(paths []string) (KeyRing, error) {
	var kr KeyRing
	for _, p := range paths {
		c, err := readCertificate(p)
		if err != nil {
			return nil, err
		}
		kr = append(kr, KeyFromCertificate(c, p))
	}
	return kr, nil
}

func readCertificate(path string) (*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return nil, fmt.Errorf("%s: no CERTIFICATE PEM block", path)
		}
		if blk.Type == "CERTIFICATE" {
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			return c, nil
		}
	}
}
