package signing

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/schakel/schakel/policy"
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

// Trust is what a node trusts a signed file with (a policy pack, the peer
// directory): the pinned keys (from LoadTrustedDir, with their Not-After)
// and how many distinct ones must have signed.
type Trust struct {
	Keys      []TrustedKey
	Threshold int
	// Now is the moment at which the keys' Not-After is judged; zero means
	// time.Now().
	Now time.Time
}

// verifyFiles reads an archive and its signature files and checks them
// with CheckSignatures. It returns the verified archive bytes (nil on any
// error), the archive's revision (once it could be read, also on error, for
// messages) and the Result. Packs are loaded through OpenPack, which calls
// this first.
func verifyFiles(archivePath string, sigPaths []string, trust Trust) (archive []byte, revision string, res Result, err error) {
	if err := trust.check(); err != nil {
		return nil, "", Result{}, err
	}
	archive, err = bundle.ReadArchive(archivePath)
	if err != nil {
		return nil, "", Result{}, fmt.Errorf("%w %s: %w", ErrUnreadable, filepath.Base(archivePath), err)
	}
	revision = bundle.Revision(archive)
	sigs := make([]Signature, 0, len(sigPaths))
	for _, p := range sigPaths {
		data, err := readSignatureFile(p)
		if err != nil {
			return nil, revision, Result{}, fmt.Errorf("%w %s: %w", ErrUnreadable, filepath.Base(p), err)
		}
		sigs = append(sigs, Signature{Source: filepath.Base(p), Data: data})
	}
	res, err = CheckSignatures(archive, sigs, trust)
	if err != nil {
		return nil, revision, res, fmt.Errorf("policy bundle %s: %w", filepath.Base(archivePath), err)
	}
	return archive, revision, res, nil
}

// check refuses a threshold that no set of the trusted keys can meet.
func (t Trust) check() error {
	distinct := map[string]bool{}
	for _, k := range t.Keys {
		distinct[k.id] = true
	}
	if t.Threshold < 1 || t.Threshold > len(distinct) {
		return fmt.Errorf("signing: threshold %d with %d distinct trusted keys: %w", t.Threshold, len(distinct), ErrInvalidThreshold)
	}
	return nil
}

// CheckSignatures checks that at least trust.Threshold distinct trusted keys
// that have not expired signed exactly the archive bytes, without
// interpreting them. The Result names the signers that counted and the
// signatures that did not, also when the threshold is not met (the console
// shows a candidate's signers and how many more are needed). A signature by
// an expired key does not count, and the error then wraps ErrKeyExpired
// naming the key and when it expired.
func CheckSignatures(archive []byte, sigs []Signature, trust Trust) (Result, error) {
	if err := trust.check(); err != nil {
		return Result{Threshold: trust.Threshold}, err
	}
	now := trust.Now
	if now.IsZero() {
		now = time.Now()
	}
	var valid []Verifier
	var expired []TrustedKey
	for _, k := range trust.Keys {
		if k.ExpiredAt(now) {
			expired = append(expired, k)
			continue
		}
		valid = append(valid, k)
	}
	res, err := Verify(archive, sigs, valid, trust.Threshold)
	if err == nil {
		return res, nil
	}
	// A signature no valid key verifies may be one by an expired key: say
	// so, since that is what the officers must fix (a new key).
	var notes []string
	for _, s := range sigs {
		raw, derr := decode(s.Data)
		if derr != nil {
			continue
		}
		for _, k := range expired {
			if _, ok := k.Verify(archive, raw); ok {
				notes = append(notes, fmt.Sprintf("%s was made by trusted key %q (%s), which expired at %s",
					s.Source, k.Name, k.Fingerprint(), k.NotAfter.Format(time.RFC3339)))
			}
		}
	}
	if len(notes) > 0 {
		err = fmt.Errorf("%w: %s; %w", ErrKeyExpired, strings.Join(notes, "; "), err)
	}
	return res, err
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

// ErrorCase names the case of a pack refusal in a word, for logs, metrics
// labels and `policy status`, most specific first: "ok" (nil), "expired",
// "unsigned", "malformed", "untrusted_key", "tampered", "below_threshold",
// "invalid_threshold", "unreadable", "invalid_pack", or "error". A
// *PackError names its own case.
func ErrorCase(err error) string {
	var pe *PackError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &pe) && pe.Case != "":
		return pe.Case
	case errors.Is(err, ErrKeyExpired):
		return "expired"
	case errors.Is(err, ErrUnsigned):
		return "unsigned"
	case errors.Is(err, ErrMalformedSignature):
		return "malformed"
	case errors.Is(err, ErrUntrustedKey):
		return "untrusted_key"
	case errors.Is(err, ErrTampered):
		return "tampered"
	case errors.Is(err, ErrBelowThreshold):
		return "below_threshold"
	case errors.Is(err, ErrInvalidThreshold):
		return "invalid_threshold"
	case errors.Is(err, ErrUnreadable):
		return "unreadable"
	case errors.Is(err, policy.ErrInvalidPack):
		return "invalid_pack"
	}
	return "error"
}
