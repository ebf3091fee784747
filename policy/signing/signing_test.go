package signing

import (
	"bytes"
	"context"
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
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/schakel/schakel/policy"
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

// node sets up what a node has: an archive (the default pack), signature
// files and a folder of trusted keys.
type node struct {
	dir        string
	archive    string
	trustedDir string
}

func newNode(t *testing.T) node {
	t.Helper()
	archive := defaultArchive(t)
	dir := t.TempDir()
	n := node{dir: dir, archive: filepath.Join(dir, "pack.tar.gz"), trustedDir: filepath.Join(dir, "trusted")}
	writeFile(t, n.archive, archive)
	if err := os.Mkdir(n.trustedDir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"privacy-officer", "fg"} {
		writeFile(t, filepath.Join(n.trustedDir, name+".pub"), testKeys(t)[name].pub)
	}
	return n
}

// defaultArchive builds the default pack (policy/pack) as an archive.
func defaultArchive(t *testing.T) []byte {
	t.Helper()
	pack := t.TempDir()
	if err := os.CopyFS(pack, policy.DefaultPack()); err != nil {
		t.Fatal(err)
	}
	archive, err := bundle.Build(pack)
	if err != nil {
		t.Fatal(err)
	}
	return archive
}

func (n node) sig(t *testing.T, signer string, data []byte) string {
	t.Helper()
	p := n.archive + "." + signer + ".sig"
	writeFile(t, p, data)
	return p
}

func (n node) source(sigs []string) Source {
	if sigs == nil {
		sigs = []string{}
	}
	return Source{Archive: n.archive, Signatures: sigs, TrustedDir: n.trustedDir, Threshold: 2}
}

func TestOpenPack(t *testing.T) {
	ctx := context.Background()
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

	sp, err := OpenPack(ctx, n.source([]string{officer, fg}))
	if err != nil {
		t.Fatal(err)
	}
	if sp.Revision() != bundle.Revision(archive) || sp.Engine.Revision() != bundle.Revision(archive) {
		t.Errorf("revision %s, want %s", sp.Revision(), bundle.Revision(archive))
	}
	if strings.Join(Result{Signers: sp.Signers}.SignerNames(), ",") != "privacy-officer,fg" {
		t.Errorf("signers %v", sp.Signers)
	}
	want, _ := fs.ReadFile(policy.DefaultPack(), "data.yaml")
	if data := sp.Pack.Files()["data.yaml"]; !bytes.Equal(data, want) {
		t.Errorf("data.yaml = %q", data)
	}
	if sp.RegoTests == 0 {
		t.Error("the default pack's Rego tests did not run")
	}
	// Without Signatures, the files named after the archive are found.
	if _, err := OpenPack(ctx, Source{Archive: n.archive, TrustedDir: n.trustedDir, Threshold: 2}); err != nil {
		t.Fatalf("OpenPack with found signatures: %v", err)
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
			sp, err := OpenPack(ctx, n.source(tt.sigs))
			var pe *PackError
			if !errors.Is(err, tt.want) || sp != nil || !errors.As(err, &pe) || pe.Revision != bundle.Revision(archive) {
				t.Fatalf("OpenPack: %v, want %v", err, tt.want)
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
		_, err := OpenPack(ctx, n.source([]string{officer, fg}))
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
		src := n.source([]string{s1, s2})
		src.Archive = garbage
		if _, err := OpenPack(ctx, src); !errors.Is(err, bundle.ErrCorrupt) || ErrorCase(err) != "invalid_pack" {
			t.Fatalf("signed garbage: %v", err)
		}
	})

	t.Run("threshold above the trusted keys", func(t *testing.T) {
		src := n.source([]string{officer, fg})
		src.Threshold = 3
		if _, err := OpenPack(ctx, src); !errors.Is(err, ErrInvalidThreshold) || ErrorCase(err) != "invalid_threshold" {
			t.Fatalf("threshold 3 of 2 keys: %v", err)
		}
	})
}

// TestOpenPackKeyExpiry: a signature by a trusted key past its Not-After
// does not count, at any threshold; before that moment it does.
func TestOpenPackKeyExpiry(t *testing.T) {
	ctx := context.Background()
	n := newNode(t)
	archive, _ := os.ReadFile(n.archive)
	officer := n.sig(t, "privacy-officer", sign(t, "privacy-officer", archive))
	fg := n.sig(t, "fg", sign(t, "fg", archive))
	withNotAfter := func(v string) {
		pub := bytes.Replace(testKeys(t)["fg"].pub, []byte("-----BEGIN PUBLIC KEY-----\n"),
			[]byte("-----BEGIN PUBLIC KEY-----\nNot-After: "+v+"\n\n"), 1)
		writeFile(t, filepath.Join(n.trustedDir, "fg.pub"), pub)
	}
	withNotAfter("2027-06-30")
	src := n.source([]string{officer, fg})
	for _, tc := range []struct {
		now     string
		expired bool
	}{
		{"2027-06-30T23:59:59Z", false}, // a date alone lasts until the end of that day
		{"2027-07-01T00:00:00Z", true},
	} {
		src.Now, _ = time.Parse(time.RFC3339, tc.now)
		_, err := OpenPack(ctx, src)
		if !tc.expired {
			if err != nil {
				t.Fatalf("at %s the key has not expired: %v", tc.now, err)
			}
			continue
		}
		if !errors.Is(err, ErrKeyExpired) || ErrorCase(err) != "expired" ||
			!strings.Contains(err.Error(), `trusted key "fg"`) || !strings.Contains(err.Error(), "pack.tar.gz.fg.sig") {
			t.Fatalf("at %s: %v (case %s), want an expired refusal naming the key and the signature", tc.now, err, ErrorCase(err))
		}
	}
	// An expired key does not count even when the threshold is 1 and it
	// signed alone.
	src.Signatures, src.Threshold = []string{fg}, 1
	if _, err := OpenPack(ctx, src); !errors.Is(err, ErrKeyExpired) {
		t.Fatalf("expired key alone at threshold 1: %v", err)
	}
	withNotAfter("morgen")
	if _, err := OpenPack(ctx, src); err == nil || ErrorCase(err) != "untrusted_key" || !strings.Contains(err.Error(), "Not-After") {
		t.Fatalf("unparsable Not-After: %v (case %s)", err, ErrorCase(err))
	}
}

// TestValidatePackRunsTheTests: a pack whose Rego test or scenario fails is
// not valid, and the refusal names the test.
func TestValidatePackRunsTheTests(t *testing.T) {
	ctx := context.Background()
	if v, err := ValidatePack(ctx, policy.DefaultPack(), ""); err != nil || v.RegoTests == 0 {
		t.Fatalf("the default pack: %v", err)
	}
	pack := func(extra map[string]string) fs.FS {
		dir := t.TempDir()
		if err := os.CopyFS(dir, policy.DefaultPack()); err != nil {
			t.Fatal(err)
		}
		for name, body := range extra {
			p := filepath.Join(dir, filepath.FromSlash(name))
			os.MkdirAll(filepath.Dir(p), 0o755)
			writeFile(t, p, []byte(body))
		}
		return os.DirFS(dir)
	}
	failing := "package schakel.extra_test\n\ntest_always_fails if {\n\t1 == 2\n}\n"
	_, err := ValidatePack(ctx, pack(map[string]string{"extra_test.rego": failing}), "sha256:x")
	var pe *PackError
	if !errors.As(err, &pe) || pe.Case != "invalid_pack" || pe.Revision != "sha256:x" || !errors.Is(err, policy.ErrInvalidPack) ||
		len(pe.FailedTests) != 1 || !strings.Contains(pe.FailedTests[0], "data.schakel.extra_test.test_always_fails") ||
		!strings.Contains(err.Error(), "extra_test.rego:3") {
		t.Fatalf("failing Rego test: %v (%+v)", err, pe)
	}
	// A built-in scenario file, passing as it is, made to expect the
	// opposite of its first outcome.
	raw, err := fs.ReadFile(policy.DefaultScenarios(), "c1.yaml")
	if err != nil {
		t.Fatal(err)
	}
	scenario := string(raw)
	if _, err := ValidatePack(ctx, pack(map[string]string{"testdata/scenarios/c1.yaml": scenario}), ""); err != nil {
		t.Fatalf("passing scenario: %v", err)
	}
	scenario = strings.Replace(scenario, "allow: true", "allow: false", 1)
	_, err = ValidatePack(ctx, pack(map[string]string{"testdata/scenarios/c1.yaml": scenario}), "")
	if !errors.As(err, &pe) || pe.Case != "invalid_pack" || len(pe.FailedTests) != 1 ||
		!strings.HasPrefix(pe.FailedTests[0], "scenario c1.yaml: ") || !strings.Contains(pe.FailedTests[0], "allow: got true, want false") {
		t.Fatalf("failing scenario: %v (%+v)", err, pe)
	}
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

// TestCheckSignaturesBelowThreshold: the console shows a candidate's
// signers and how many more it needs, so a check below the threshold still
// names the signers that counted and the signatures that did not.
func TestCheckSignaturesBelowThreshold(t *testing.T) {
	archive := defaultArchive(t)
	trust := Trust{Keys: trusted(t, "privacy-officer", "fg"), Threshold: 2}
	sigs := []Signature{
		{Source: "pakket.tar.gz.po.sig", Data: sign(t, "privacy-officer", archive)},
		{Source: "pakket.tar.gz.vreemd.sig", Data: sign(t, "stranger", archive)},
	}
	res, err := CheckSignatures(archive, sigs, trust)
	if !errors.Is(err, ErrBelowThreshold) {
		t.Fatalf("one of two: %v", err)
	}
	if got := res.SignerNames(); len(got) != 1 || got[0] != "privacy-officer" || res.Threshold != 2 {
		t.Errorf("signers %q threshold %d", got, res.Threshold)
	}
	if len(res.Failures) != 1 || res.Failures[0].Source != "pakket.tar.gz.vreemd.sig" || !errors.Is(res.Failures[0].Err, ErrUntrustedKey) {
		t.Errorf("failures: %+v", res.Failures)
	}
	sigs = append(sigs, Signature{Source: "pakket.tar.gz.fg.sig", Data: sign(t, "fg", archive)})
	if res, err := CheckSignatures(archive, sigs, trust); err != nil || len(res.Signers) != 2 {
		t.Errorf("two of two: %v, %q", err, res.SignerNames())
	}
	// The same signatures over other bytes: none counts.
	other := append([]byte{}, archive...)
	other[len(other)-1] ^= 1
	if _, err := CheckSignatures(other, sigs, trust); !errors.Is(err, ErrTampered) {
		t.Errorf("changed archive: %v", err)
	}
	if _, err := CheckSignatures(archive, sigs, Trust{Keys: trust.Keys, Threshold: 3}); !errors.Is(err, ErrInvalidThreshold) {
		t.Errorf("threshold 3 of 2 keys: %v", err)
	}
}
