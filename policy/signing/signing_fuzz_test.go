package signing_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/schakel/schakel/policy/signing"
)

// fuzzSigners are two pinned keys (made once: scrypt is slow) and their
// signatures over one archive.
type fuzzSigners struct {
	trusted    []signing.TrustedKey
	payload    []byte
	sigA, sigB []byte
}

func newFuzzSigners(tb testing.TB) fuzzSigners {
	tb.Helper()
	pw := []byte("fuzz passphrase")
	out := fuzzSigners{payload: []byte("schakel policy pack archive bytes\x00\x01\x02")}
	for i, name := range []string{"privacy-officer", "fg"} {
		priv, pub, err := signing.GenerateKeyPair(pw)
		if err != nil {
			tb.Fatal(err)
		}
		k, err := signing.ParseTrustedKey(name, pub)
		if err != nil {
			tb.Fatal(err)
		}
		out.trusted = append(out.trusted, k)
		sig, err := signing.Sign(priv, pw, out.payload)
		if err != nil {
			tb.Fatal(err)
		}
		if i == 0 {
			out.sigA = sig
		} else {
			out.sigB = sig
		}
	}
	return out
}

// FuzzVerifyThreshold offers fuzzed archive bytes and two fuzzed signature
// files to a two-of-two check against two pinned keys, and each signature
// alone to a one-of-two check. Verification must never panic, a refusal is
// a *VerifyError (or an invalid threshold), and it may only succeed for the
// exact bytes the keys signed; two of two needs two distinct signers.
func FuzzVerifyThreshold(f *testing.F) {
	s := newFuzzSigners(f)
	f.Add(s.payload, s.sigA, s.sigB)
	f.Add(s.payload, s.sigA, s.sigA)                             // one signer twice
	f.Add(append(bytes.Clone(s.payload), 'x'), s.sigA, s.sigB)   // archive changed after signing
	f.Add(s.payload, append([]byte(" \n"), s.sigA...), []byte{}) // white space, missing second
	f.Add(s.payload, []byte("not base64!"), bytes.Repeat([]byte("A"), 5000))
	f.Fuzz(func(t *testing.T, payload, sig1, sig2 []byte) {
		res, err := signing.VerifyThreshold(payload, [][]byte{sig1, sig2}, s.trusted, 2)
		if err == nil {
			if !bytes.Equal(payload, s.payload) {
				t.Fatalf("two of two accepted bytes nobody signed: %q", payload)
			}
			if len(res.Signers) < 2 || res.Signers[0].ID == res.Signers[1].ID {
				t.Fatalf("two of two met with signers %+v", res.Signers)
			}
		} else {
			var ve *signing.VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("refusal is not a *VerifyError: %T %v", err, err)
			}
		}
		for _, sig := range [][]byte{sig1, sig2} {
			res, err := signing.VerifyThreshold(payload, [][]byte{sig}, s.trusted, 1)
			if err == nil && (!bytes.Equal(payload, s.payload) || len(res.Signers) != 1) {
				t.Fatalf("one of two accepted %q with signers %+v", payload, res.Signers)
			}
		}
	})
}

// FuzzParseTrustedKey feeds arbitrary bytes as a trusted key file: parsing
// must never panic, and a key it accepts verifies nothing it did not sign.
func FuzzParseTrustedKey(f *testing.F) {
	s := newFuzzSigners(f)
	_, pub, err := signing.GenerateKeyPair([]byte("x"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(pub)
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"))
	rawA, err := base64.StdEncoding.DecodeString(string(s.sigA))
	if err != nil {
		f.Fatal(err)
	}
	if _, ok := s.trusted[0].Verify(s.payload, rawA); !ok {
		f.Fatal("the signer's own key does not verify its signature")
	}
	f.Fuzz(func(t *testing.T, pemBytes []byte) {
		k, err := signing.ParseTrustedKey("fuzz", pemBytes)
		if err != nil {
			return
		}
		if _, ok := k.Verify(s.payload, rawA); ok && k.Fingerprint() != s.trusted[0].Fingerprint() {
			t.Fatal("a different key verified privacy-officer's signature")
		}
	})
}
