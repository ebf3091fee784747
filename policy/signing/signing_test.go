package signing

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/schakel/schakel/policy/bundle"
)

var testPassword = []byte("correct horse battery staple")

type keyPair struct{ priv, pub []byte }

// Generating an encrypted key runs scrypt; make each test key once.
var (
	keysOnce sync.Once
	keys     map[string]keyPair
)

func testKeys(t *testing.T) map[string]keyPair {
	t.Helper()
	keysOnce.Do(func() {
		keys = map[string]keyPair{}
		for _, name := range []string{"privacy-officer", "fg", "stranger"} {
			priv, pub, err := GenerateKeyPair(testPassword)
			if err != nil {
				panic(err)
			}
			keys[name] = keyPair{priv, pub}
		}
	})
	return keys
}

func trusted(t *testing.T, names ...string) []TrustedKey {
	t.Helper()
	var out []TrustedKey
	for _, n := range names {
		k, err := ParseTrustedKey(n, testKeys(t)[n].pub)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, k)
	}
	return out
}

func sign(t *testing.T, name string, payload []byte) []byte {
	t.Helper()
	sig, err := Sign(testKeys(t)[name].priv, testPassword, payload)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func TestGenerateKeyPairFormat(t *testing.T) {
	kp := testKeys(t)["privacy-officer"]
	block, _ := pem.Decode(kp.priv)
	if block == nil || block.Type != "ENCRYPTED SIGSTORE PRIVATE KEY" {
		t.Fatalf("private key PEM type %v", block)
	}
	// Decrypt the way cosign's LoadPrivateKey does: securesystemslib's
	// encrypted.Decrypt, then PKCS#8.
	der, err := encrypted.Decrypt(block.Bytes, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		t.Fatal(err)
	}
	ec, ok := priv.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		t.Fatalf("private key is %T", priv)
	}
	if _, err := encrypted.Decrypt(block.Bytes, []byte("wrong")); err == nil {
		t.Fatal("decrypted with the wrong password")
	}
	pubBlock, _ := pem.Decode(kp.pub)
	if pubBlock == nil || pubBlock.Type != "PUBLIC KEY" {
		t.Fatalf("public key PEM type %v", pubBlock)
	}
	if _, _, err := GenerateKeyPair(nil); !errors.Is(err, ErrEmptyPassword) {
		t.Fatalf("empty password: %v", err)
	}
}

func TestSignRefuses(t *testing.T) {
	kp := testKeys(t)["privacy-officer"]
	if _, err := Sign(kp.priv, []byte("wrong"), []byte("x")); err == nil {
		t.Fatal("signed with the wrong password")
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := cryptoutils.MarshalPrivateKeyToPEM(ec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Sign(plain, testPassword, []byte("x")); !errors.Is(err, ErrUnencryptedKey) {
		t.Fatalf("unencrypted key: %v", err)
	}
}

// TestCosignCompatible verifies our signature exactly as cosign verify-blob
// --key does: load the PEM public key with cryptoutils, a SHA-256 verifier
// with signature.LoadVerifier, base64-decode the signature file, verify
// over the blob.
func TestCosignCompatible(t *testing.T) {
	payload := []byte("archive bytes")
	sigFile := sign(t, "fg", payload)
	if bytes.ContainsAny(sigFile, "\n\r ") {
		t.Fatalf("signature file has white space: %q", sigFile)
	}
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(testKeys(t)["fg"].pub)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := signature.LoadVerifier(pub, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(string(sigFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := verifier.VerifySignature(bytes.NewReader(raw), bytes.NewReader(payload)); err != nil {
		t.Fatalf("sigstore verifier refuses our signature: %v", err)
	}
	// And the other way round: a signature made by sigstore's own signer
	// from the decrypted key (what cosign sign-blob does) verifies with us.
	priv, err := cryptoutils.UnmarshalPEMToPrivateKey(testKeys(t)["fg"].priv, cryptoutils.StaticPasswordFunc(testPassword))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := signature.LoadSigner(priv, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := signer.SignMessage(bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	res, err := VerifyThreshold(payload, [][]byte{[]byte(base64.StdEncoding.EncodeToString(theirs) + "\n")}, trusted(t, "fg"), 1)
	if err != nil || len(res.Signers) != 1 {
		t.Fatalf("cosign-style signature: %v", err)
	}
}

func TestVerifyThreshold(t *testing.T) {
	payload := []byte("the archive")
	tampered := []byte("the archivE")
	officer, fg, stranger := sign(t, "privacy-officer", payload), sign(t, "fg", payload), sign(t, "stranger", payload)
	both := trusted(t, "privacy-officer", "fg")

	tests := []struct {
		name      string
		payload   []byte
		sigs      [][]byte
		threshold int
		signers   string   // on success
		wantErrs  []error  // on failure, all must match
		notErrs   []error  // must not match
		inMessage []string // substrings of the error message
	}{
		{name: "two of two", payload: payload, sigs: [][]byte{officer, fg}, threshold: 2, signers: "privacy-officer,fg"},
		{name: "order does not matter", payload: payload, sigs: [][]byte{fg, officer}, threshold: 2, signers: "fg,privacy-officer"},
		{name: "one of one needed", payload: payload, sigs: [][]byte{fg}, threshold: 1, signers: "fg"},
		{name: "extra untrusted signature is tolerated", payload: payload, sigs: [][]byte{officer, stranger, fg}, threshold: 2, signers: "privacy-officer,fg"},
		{name: "unsigned", payload: payload, threshold: 2,
			wantErrs: []error{ErrUnsigned}, notErrs: []error{ErrTampered}},
		{name: "one signature of two", payload: payload, sigs: [][]byte{officer}, threshold: 2,
			wantErrs: []error{ErrBelowThreshold}, notErrs: []error{ErrTampered, ErrUnsigned},
			inMessage: []string{"1 of 2", "privacy-officer"}},
		{name: "tampered byte", payload: tampered, sigs: [][]byte{officer, fg}, threshold: 2,
			wantErrs: []error{ErrBelowThreshold, ErrTampered}, inMessage: []string{"0 of 2", "signature 1", "signature 2"}},
		{name: "untrusted key", payload: payload, sigs: [][]byte{officer, stranger}, threshold: 2,
			wantErrs: []error{ErrBelowThreshold, ErrUntrustedKey}, notErrs: []error{ErrTampered},
			inMessage: []string{"1 of 2", "signature 2: " + ErrUntrustedKey.Error()}},
		{name: "only untrusted keys", payload: payload, sigs: [][]byte{stranger}, threshold: 1,
			wantErrs: []error{ErrBelowThreshold, ErrTampered}},
		{name: "malformed signature file", payload: payload, sigs: [][]byte{officer, []byte("this is not base64!")}, threshold: 2,
			wantErrs: []error{ErrBelowThreshold, ErrMalformedSignature}, notErrs: []error{ErrTampered},
			inMessage: []string{"signature 2: malformed signature: not base64"}},
		{name: "empty signature file", payload: payload, sigs: [][]byte{[]byte("\n")}, threshold: 1,
			wantErrs: []error{ErrBelowThreshold, ErrMalformedSignature}},
		{name: "same signature twice counts once", payload: payload, sigs: [][]byte{officer, officer}, threshold: 2,
			wantErrs: []error{ErrBelowThreshold, ErrDuplicateSigner}, notErrs: []error{ErrTampered},
			inMessage: []string{"1 of 2", "signature 2: duplicate signature by the same key \"privacy-officer\""}},
		{name: "two signatures by one key count once", payload: payload, sigs: [][]byte{officer, sign(t, "privacy-officer", payload)}, threshold: 2,
			wantErrs: []error{ErrBelowThreshold, ErrDuplicateSigner}},
		{name: "threshold zero", payload: payload, sigs: [][]byte{officer}, threshold: 0, wantErrs: []error{ErrInvalidThreshold}},
		{name: "threshold above keys", payload: payload, sigs: [][]byte{officer, fg}, threshold: 3, wantErrs: []error{ErrInvalidThreshold}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := VerifyThreshold(tt.payload, tt.sigs, both, tt.threshold)
			if tt.wantErrs == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if got := strings.Join(res.SignerNames(), ","); got != tt.signers {
					t.Fatalf("signers %q, want %q", got, tt.signers)
				}
				return
			}
			if err == nil {
				t.Fatalf("verified, signers %v", res.SignerNames())
			}
			for _, want := range tt.wantErrs {
				if !errors.Is(err, want) {
					t.Errorf("error %q does not match %v", err, want)
				}
			}
			for _, not := range tt.notErrs {
				if errors.Is(err, not) {
					t.Errorf("error %q matches %v", err, not)
				}
			}
			for _, s := range tt.inMessage {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
		})
	}
}

func TestDuplicateAtLowerThresholdIsReported(t *testing.T) {
	payload := []byte("x")
	officer := sign(t, "privacy-officer", payload)
	res, err := VerifyThreshold(payload, [][]byte{officer, officer}, trusted(t, "privacy-officer", "fg"), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Signers) != 1 || len(res.Failures) != 1 || !errors.Is(res.Failures[0].Err, ErrDuplicateSigner) {
		t.Fatalf("result %+v", res)
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadTrustedDir(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "privacy-officer.pub"), testKeys(t)["privacy-officer"].pub)
	writeFile(t, filepath.Join(dir, "fg.pub"), testKeys(t)["fg"].pub)
	writeFile(t, filepath.Join(dir, "README"), []byte("not a key"))
	got, err := LoadTrustedDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "fg" || got[1].Name != "privacy-officer" {
		t.Fatalf("keys %+v", got)
	}
	if !strings.HasPrefix(got[0].Fingerprint(), "sha256:") {
		t.Fatalf("fingerprint %q", got[0].Fingerprint())
	}

	// The same key under a second name would count twice: refused.
	writeFile(t, filepath.Join(dir, "fg-copy.pub"), testKeys(t)["fg"].pub)
	if _, err := LoadTrustedDir(dir); err == nil || !strings.Contains(err.Error(), "same key") {
		t.Fatalf("duplicate key: %v", err)
	}

	if _, err := LoadTrustedDir(t.TempDir()); !errors.Is(err, ErrNoTrustedKeys) {
		t.Fatalf("empty folder: %v", err)
	}
	bad := t.TempDir()
	writeFile(t, filepath.Join(bad, "x.pub"), []byte("garbage"))
	if _, err := LoadTrustedDir(bad); err == nil {
		t.Fatal("garbage key accepted")
	}
}

// node sets up what a node has: an archive, signature files and trusted keys.
type node struct {
	dir     string
	archive string
	trusted []TrustedKey
}

func newNode(t *testing.T) node {
	t.Helper()
	pack := t.TempDir()
	writeFile(t, filepath.Join(pack, "data.yaml"), []byte("flows: {}\n"))
	writeFile(t, filepath.Join(pack, "schakel.rego"), []byte("package schakel\n"))
	archive, err := bundle.Build(pack)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	n := node{dir: dir, archive: filepath.Join(dir, "pack.tar.gz"), trusted: trusted(t, "privacy-officer", "fg")}
	writeFile(t, n.archive, archive)
	return n
}

func (n node) sig(t *testing.T, signer string, data []byte) string {
	t.Helper()
	p := n.archive + "." + signer + ".sig"
	writeFile(t, p, data)
	return p
}

func TestLoadVerified(t *testing.T) {
	n := newNode(t)
	archive, err := os.ReadFile(n.archive)
	if err != nil {
		t.Fatal(err)
	}
	officer := n.sig(t, "privacy-officer", sign(t, "privacy-officer", archive))
	fg := n.sig(t, "fg", sign(t, "fg", archive))

	found, err := FindSignatures(n.archive)
	if err != nil || len(found) != 2 || found[0] != fg || found[1] != officer {
		t.Fatalf("FindSignatures = %v, %v", found, err)
	}

	fsys, rev, signers, err := LoadVerified(n.archive, []string{officer, fg}, n.trusted, 2)
	if err != nil {
		t.Fatal(err)
	}
	if rev != bundle.Revision(archive) {
		t.Errorf("revision %s, want %s", rev, bundle.Revision(archive))
	}
	if strings.Join(signers, ",") != "privacy-officer,fg" {
		t.Errorf("signers %v", signers)
	}
	if data, err := fs.ReadFile(fsys, "data.yaml"); err != nil || string(data) != "flows: {}\n" {
		t.Errorf("data.yaml = %q, %v", data, err)
	}

	stranger := n.sig(t, "stranger", sign(t, "stranger", archive))
	malformed := n.sig(t, "broken", []byte("%%% not a signature %%%"))
	cases := []struct {
		name  string
		sigs  []string
		want  error
		files []string // named in the message
	}{
		{"unsigned", nil, ErrUnsigned, nil},
		{"under-signed", []string{officer}, ErrBelowThreshold, []string{"1 of 2"}},
		{"untrusted key", []string{officer, stranger}, ErrUntrustedKey, []string{"pack.tar.gz.stranger.sig"}},
		{"malformed signature file", []string{fg, malformed}, ErrMalformedSignature, []string{"pack.tar.gz.broken.sig"}},
		{"duplicate", []string{fg, fg}, ErrDuplicateSigner, []string{"1 of 2"}},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			fsys, rev, _, err := LoadVerified(n.archive, tt.sigs, n.trusted, 2)
			if !errors.Is(err, tt.want) || fsys != nil || rev != "" {
				t.Fatalf("LoadVerified: %v, want %v", err, tt.want)
			}
			for _, s := range tt.files {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not name %q", err, s)
				}
			}
		})
	}

	t.Run("tampered", func(t *testing.T) {
		bad := append([]byte(nil), archive...)
		bad[len(bad)/2] ^= 0x01
		writeFile(t, n.archive, bad)
		defer writeFile(t, n.archive, archive)
		_, _, _, err := LoadVerified(n.archive, []string{officer, fg}, n.trusted, 2)
		if !errors.Is(err, ErrTampered) || ErrorCase(err) != "tampered" {
			t.Fatalf("tampered: %v (case %s)", err, ErrorCase(err))
		}
	})

	t.Run("signed garbage is verified, then refused by the parser", func(t *testing.T) {
		garbage := filepath.Join(n.dir, "garbage.tar.gz")
		writeFile(t, garbage, []byte("not an archive"))
		s1 := filepath.Join(n.dir, "g1.sig")
		s2 := filepath.Join(n.dir, "g2.sig")
		writeFile(t, s1, sign(t, "privacy-officer", []byte("not an archive")))
		writeFile(t, s2, sign(t, "fg", []byte("not an archive")))
		if _, _, _, err := LoadVerified(garbage, []string{s1, s2}, n.trusted, 2); !errors.Is(err, bundle.ErrCorrupt) {
			t.Fatalf("signed garbage: %v", err)
		}
	})
}

func TestErrorCase(t *testing.T) {
	payload := []byte("x")
	both := trusted(t, "privacy-officer", "fg")
	officer := sign(t, "privacy-officer", payload)
	cases := map[string][][]byte{
		"unsigned":        nil,
		"below_threshold": {officer},
		"tampered":        {sign(t, "stranger", payload)},
		"malformed":       {[]byte("!!")},
	}
	for want, sigs := range cases {
		_, err := VerifyThreshold(payload, sigs, both, 2)
		if got := ErrorCase(err); got != want {
			t.Errorf("ErrorCase(%v) = %s, want %s", err, got, want)
		}
	}
}
