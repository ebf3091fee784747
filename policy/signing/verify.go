package signing

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/schakel/schakel/policy/bundle"
)

// Signature is one detached signature as offered, for example the content
// of one .sig file.
type Signature struct {
	// Source names the signature in messages: a file name, or "signature 1".
	Source string
	// Data is the file content: base64 of the raw signature (cosign
	// sign-blob format). Surrounding white space is ignored.
	Data []byte
}

// Failure is why one signature did not count.
type Failure struct {
	Source string
	Err    error // wraps ErrMalformedSignature, ErrUntrustedKey, ErrTampered or ErrDuplicateSigner
}

// Result is the outcome of a threshold check.
type Result struct {
	// Signers are the distinct trusted signers that counted, in the order of
	// the signatures.
	Signers []Signer
	// Failures lists the signatures that did not count. A verification can
	// succeed with failures (say, three signatures where two were needed and
	// one was made by an unknown key); tools should show them.
	Failures []Failure
	// Threshold is the number of distinct signers that was required.
	Threshold int
}

// SignerNames returns the names of Signers.
func (r Result) SignerNames() []string {
	names := make([]string, len(r.Signers))
	for i, s := range r.Signers {
		names[i] = s.Name
	}
	return names
}

// VerifyError reports a failed threshold check: how many distinct trusted
// signers were found, how many were needed, and each failed signature.
// errors.Is matches its class (ErrUnsigned, ErrBelowThreshold, ErrTampered,
// ErrMalformedSignature) and every failure's sentinel.
type VerifyError struct {
	Result
	Offered int // signatures offered
	class   []error
}

func (e *VerifyError) Error() string {
	var b strings.Builder
	if e.Offered == 0 {
		fmt.Fprintf(&b, "%v: no signatures (need %d)", ErrUnsigned, e.Threshold)
		return b.String()
	}
	fmt.Fprintf(&b, "%v: %d of %d required signers", ErrBelowThreshold, len(e.Signers), e.Threshold)
	if len(e.Signers) > 0 {
		fmt.Fprintf(&b, " (valid: %s)", strings.Join(e.SignerNames(), ", "))
	}
	if slices.Contains(e.class, ErrTampered) {
		b.WriteString("; " + ErrTampered.Error() + ": it was changed after signing, or signed only with keys this node does not trust")
	}
	for _, f := range e.Failures {
		fmt.Fprintf(&b, "; %s: %v", f.Source, f.Err)
	}
	return b.String()
}

// Unwrap lets errors.Is see the class and each failure.
func (e *VerifyError) Unwrap() []error {
	errs := slices.Clone(e.class)
	for _, f := range e.Failures {
		errs = append(errs, f.Err)
	}
	return errs
}

// VerifyThreshold checks sigs (each the base64 content of a signature file)
// over payload against the trusted keys. It succeeds only when at least
// threshold distinct trusted keys each verify some signature; a key that
// signed twice counts once. The Result names the keys that signed. On
// failure the error is a *VerifyError naming each failed signature and why.
func VerifyThreshold(payload []byte, sigs [][]byte, trusted []TrustedKey, threshold int) (Result, error) {
	offered := make([]Signature, len(sigs))
	for i, s := range sigs {
		offered[i] = Signature{Source: fmt.Sprintf("signature %d", i+1), Data: s}
	}
	verifiers := make([]Verifier, len(trusted))
	distinct := map[string]bool{}
	for i, k := range trusted {
		verifiers[i] = k
		distinct[k.id] = true
	}
	if threshold > len(distinct) {
		return Result{Threshold: threshold}, fmt.Errorf("signing: threshold %d but only %d distinct trusted keys: %w", threshold, len(distinct), ErrInvalidThreshold)
	}
	return Verify(payload, offered, verifiers, threshold)
}

// Verify is VerifyThreshold over any Verifiers (pinned keys today, keyless
// identities later). Each signature counts for at most one signer, and
// each signer at most once.
func Verify(payload []byte, sigs []Signature, verifiers []Verifier, threshold int) (Result, error) {
	res := Result{Threshold: threshold}
	if threshold < 1 {
		return res, fmt.Errorf("signing: threshold %d: %w", threshold, ErrInvalidThreshold)
	}
	if len(sigs) == 0 {
		return res, &VerifyError{Result: res, class: []error{ErrUnsigned}}
	}
	counted := map[string]bool{}
	var unverified []int // indexes into res.Failures of well-formed signatures no verifier accepted
	malformed := 0
	for _, s := range sigs {
		raw, err := decode(s.Data)
		if err != nil {
			malformed++
			res.Failures = append(res.Failures, Failure{Source: s.Source, Err: err})
			continue
		}
		signer, ok := Signer{}, false
		for _, v := range verifiers {
			if signer, ok = v.Verify(payload, raw); ok {
				break
			}
		}
		switch {
		case !ok:
			unverified = append(unverified, len(res.Failures))
			res.Failures = append(res.Failures, Failure{Source: s.Source})
		case counted[signer.ID]:
			res.Failures = append(res.Failures, Failure{Source: s.Source,
				Err: fmt.Errorf("%w %q (counted once)", ErrDuplicateSigner, signer.Name)})
		default:
			counted[signer.ID] = true
			res.Signers = append(res.Signers, signer)
		}
	}
	// A signature no trusted key verifies: if some other signature does
	// verify these bytes, the bytes are what a trusted signer signed, so this
	// one came from an untrusted key; if none does, the archive itself is
	// suspect.
	for _, i := range unverified {
		if len(res.Signers) > 0 {
			res.Failures[i].Err = fmt.Errorf("%w: no trusted key verifies it", ErrUntrustedKey)
		} else {
			res.Failures[i].Err = fmt.Errorf("%w: no trusted key verifies it (archive changed after signing, or an untrusted key)", ErrTampered)
		}
	}
	if len(res.Signers) >= threshold {
		return res, nil
	}
	e := &VerifyError{Result: res, Offered: len(sigs), class: []error{ErrBelowThreshold}}
	switch {
	case len(res.Signers) == 0 && len(unverified) > 0:
		e.class = append(e.class, ErrTampered)
	case len(res.Signers) == 0 && malformed == len(sigs):
		e.class = append(e.class, ErrMalformedSignature)
	}
	return res, e
}

// decode turns the content of a signature file into raw signature bytes.
func decode(data []byte) ([]byte, error) {
	if len(data) > MaxSignatureSize {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrMalformedSignature, len(data), MaxSignatureSize)
	}
	text := bytes.TrimSpace(data)
	if len(text) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrMalformedSignature)
	}
	raw := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	n, err := base64.StdEncoding.Decode(raw, text)
	if err != nil {
		return nil, fmt.Errorf("%w: not base64: %v", ErrMalformedSignature, err)
	}
	return raw[:n], nil
}

// LoadVerified is how a node loads a pack: it reads the archive and the
// signature files, checks that at least threshold distinct trusted keys
// signed exactly these bytes, and only then opens the archive. It returns
// the pack's files, its revision (the archive digest, to report in every
// decision) and the names of the keys that signed.
//
// On failure no byte of the archive has been interpreted and the error says
// which case: ErrUnsigned (no signature files), ErrBelowThreshold (for
// example 1 of 2), ErrTampered (no signature verifies the archive bytes),
// ErrUntrustedKey, ErrMalformedSignature, ErrDuplicateSigner; the caller
// should keep its last good pack.
func LoadVerified(archivePath string, sigPaths []string, trusted []TrustedKey, threshold int) (fs.FS, string, []string, error) {
	archive, res, err := VerifyFiles(archivePath, sigPaths, trusted, threshold)
	if err != nil {
		return nil, "", nil, err
	}
	// Verified: now, and only now, parse.
	fsys, err := bundle.Open(archive)
	if err != nil {
		return nil, "", nil, err
	}
	return fsys, bundle.Revision(archive), res.SignerNames(), nil
}

// VerifyFiles reads an archive and its signature files and checks the
// threshold, without interpreting the archive. It returns the verified
// archive bytes and the Result (which may list signatures that did not
// count even on success). Errors are as for LoadVerified.
func VerifyFiles(archivePath string, sigPaths []string, trusted []TrustedKey, threshold int) ([]byte, Result, error) {
	archive, err := bundle.ReadArchive(archivePath)
	if err != nil {
		return nil, Result{}, err
	}
	sigs := make([]Signature, 0, len(sigPaths))
	for _, p := range sigPaths {
		data, err := readSignatureFile(p)
		if err != nil {
			return nil, Result{}, err
		}
		sigs = append(sigs, Signature{Source: filepath.Base(p), Data: data})
	}
	verifiers := make([]Verifier, len(trusted))
	distinct := map[string]bool{}
	for i, k := range trusted {
		verifiers[i] = k
		distinct[k.id] = true
	}
	if threshold > len(distinct) {
		return nil, Result{}, fmt.Errorf("signing: threshold %d but only %d distinct trusted keys: %w", threshold, len(distinct), ErrInvalidThreshold)
	}
	res, err := Verify(archive, sigs, verifiers, threshold)
	if err != nil {
		return nil, res, fmt.Errorf("policy bundle %s: %w", filepath.Base(archivePath), err)
	}
	return archive, res, nil
}

func readSignatureFile(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSignatureSize+1))
	if err != nil {
		return nil, fmt.Errorf("signing: read %s: %w", p, err)
	}
	return data, nil
}

// FindSignatures lists the signature files that belong to an archive by
// name: "<archive>.sig" and "<archive>.<anything>.sig", such as
// pack.tar.gz.privacy-officer.sig and pack.tar.gz.fg.sig, sorted.
func FindSignatures(archivePath string) ([]string, error) {
	dir, base := filepath.Split(archivePath)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	var out []string
	for _, e := range entries {
		suffix, ok := strings.CutPrefix(e.Name(), base)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		if suffix == ".sig" || (strings.HasPrefix(suffix, ".") && strings.HasSuffix(suffix, ".sig") && len(suffix) > len("..sig")) {
			out = append(out, filepath.Join(filepath.Dir(archivePath), e.Name()))
		}
	}
	slices.Sort(out)
	return out, nil
}

// ErrorCase names the case of a verification error in a word, for logs
// and metrics labels: "unsigned", "tampered", "malformed", "below_threshold",
// "invalid_threshold", or "error".
func ErrorCase(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrUnsigned):
		return "unsigned"
	case errors.Is(err, ErrInvalidThreshold):
		return "invalid_threshold"
	case errors.As(err, new(*VerifyError)) && classIs(err, ErrTampered):
		return "tampered"
	case errors.As(err, new(*VerifyError)) && classIs(err, ErrMalformedSignature):
		return "malformed"
	case errors.Is(err, ErrBelowThreshold):
		return "below_threshold"
	}
	return "error"
}

func classIs(err error, target error) bool {
	var ve *VerifyError
	if !errors.As(err, &ve) {
		return false
	}
	return slices.Contains(ve.class, target)
}
