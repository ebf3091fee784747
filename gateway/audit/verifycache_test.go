package audit

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"
)

// A signature that verified is not recomputed; a changed message, signature
// or key is still verified (and refused) after a good one was cached.
func TestVerifiedSignaturesAreCachedFailuresAreNot(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("schakel.audit/00000001000000000001\n7\nroot\n")
	sig, err := signBytes(key, msg)
	if err != nil {
		t.Fatal(err)
	}
	before := verified.checks.Load()
	if !verifyBytes(&key.PublicKey, msg, sig) {
		t.Fatal("good signature refused")
	}
	if !verifyBytes(&key.PublicKey, msg, sig) {
		t.Fatal("good signature refused the second time")
	}
	if n := verified.checks.Load() - before; n != 1 {
		t.Fatalf("%d verifications computed for the same signature twice, want 1", n)
	}
	bad := append([]byte(nil), msg...)
	bad[len(bad)-2] ^= 1
	for range 2 {
		if verifyBytes(&key.PublicKey, bad, sig) {
			t.Fatal("changed message accepted")
		}
	}
	if verifyBytes(&other.PublicKey, msg, sig) {
		t.Fatal("another key accepted")
	}
	badSig := append([]byte(nil), sig...)
	badSig[len(badSig)-1] ^= 1
	if verifyBytes(&key.PublicKey, msg, badSig) {
		t.Fatal("changed signature accepted")
	}
	if n := verified.checks.Load() - before; n != 5 {
		t.Fatalf("%d verifications computed, want 5 (failures are never cached)", n)
	}
}
