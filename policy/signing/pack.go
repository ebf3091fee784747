package signing

// Pack trust in one place. This file lives in package signing, not in
// package policy, because its first rule is about signatures (nothing of an
// archive is interpreted before its signatures meet the threshold), and so
// that the decision engine does not depend on the signature code: signing
// imports policy, never the reverse.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/schakel/schakel/policy"
	"github.com/schakel/schakel/policy/bundle"
)

// PackError is why a pack was refused.
type PackError struct {
	// Case names the failure in a word (see ErrorCase): unsigned,
	// below_threshold, tampered, untrusted_key, malformed, expired,
	// invalid_threshold, invalid_pack, unreadable.
	Case string
	// Revision is the digest of the refused archive, when it could be read.
	Revision string
	// FailedTests names the pack's Rego tests and scenarios that failed
	// (case invalid_pack), as "decision_test.rego:74 data.schakel.…" and
	// "scenario a1.yaml: name".
	FailedTests []string
	Err         error
}

func (e *PackError) Error() string {
	return fmt.Sprintf("policy pack refused (%s): %v", e.Case, e.Err)
}

func (e *PackError) Unwrap() error { return e.Err }

// refuse wraps err as a *PackError with its case.
func refuse(revision string, err error) *PackError {
	var pe *PackError
	if errors.As(err, &pe) {
		if pe.Revision == "" {
			pe.Revision = revision
		}
		return pe
	}
	return &PackError{Case: ErrorCase(err), Revision: revision, Err: err}
}

// ValidPack is a pack that passed every check of ValidatePack.
type ValidPack struct {
	Pack   *policy.Pack
	Engine *policy.Engine
	// RegoTests and Scenarios count the pack's tests that ran (all passed).
	RegoTests, Scenarios int
}

// Revision is the revision every decision on this pack reports.
func (v *ValidPack) Revision() string { return v.Pack.Revision() }

// ValidatePack is the one definition of a valid pack: its data.yaml loads
// and validates, its Rego compiles, the engine's sample decisions keep the
// contract, and every test the pack carries passes: each test_ rule of its
// *_test.rego files (OPA's test runner) and each scenario of its
// testdata/scenarios files. revision, when set, is the archive digest the
// decisions report. The node (after OpenPack's signature check), `schakel
// policy build`, `sign` and `verify` all call it; a pack that fails any
// check is refused with a *PackError of case invalid_pack that names the
// failing tests.
func ValidatePack(ctx context.Context, fsys fs.FS, revision string) (*ValidPack, error) {
	p, engine, err := LoadUntested(fsys, revision)
	if err != nil {
		return nil, refuse(revision, err)
	}
	v := &ValidPack{Pack: p, Engine: engine}
	var failed []string
	rego, err := p.RunRegoTests(ctx)
	if err != nil {
		return nil, invalid(revision, nil, err)
	}
	for _, r := range rego {
		if r.Skipped {
			continue
		}
		v.RegoTests++
		if !r.Pass {
			name := fmt.Sprintf("%s:%d %s", r.File, r.Row, r.Name)
			if r.Error != "" {
				name += " (" + r.Error + ")"
			}
			failed = append(failed, name)
		}
	}
	if scen, ok, err := packScenarios(fsys); err != nil {
		return nil, invalid(revision, nil, err)
	} else if ok {
		results, err := policy.RunScenarios(ctx, engine, scen)
		if err != nil {
			return nil, invalid(revision, nil, fmt.Errorf("scenarios: %w", err))
		}
		for _, r := range results {
			v.Scenarios++
			if !r.Pass() {
				failed = append(failed, fmt.Sprintf("scenario %s: %s (%s)", r.File, r.Name, strings.Join(r.Failures, "; ")))
			}
		}
	}
	if len(failed) > 0 {
		return nil, invalid(revision, failed, fmt.Errorf("%d of the pack's %d tests fail: %s",
			len(failed), v.RegoTests+v.Scenarios, strings.Join(failed, "; ")))
	}
	return v, nil
}

// LoadUntested is the first half of ValidatePack, without the pack's tests:
// the data loads and validates, the Rego compiles and the sample decisions
// keep the contract. It is for the author's own tools, which report the
// tests themselves (`schakel policy eval`, `explain`, `test`, `data`); what
// a node may run is decided by ValidatePack alone.
func LoadUntested(fsys fs.FS, revision string) (*policy.Pack, *policy.Engine, error) {
	p, err := policy.LoadPack(fsys)
	if err != nil {
		return nil, nil, err
	}
	if revision != "" {
		p = p.WithRevision(revision)
	}
	engine, err := policy.NewEngine(p)
	if err != nil {
		return nil, nil, err
	}
	return p, engine, nil
}

func invalid(revision string, failed []string, err error) *PackError {
	return &PackError{Case: "invalid_pack", Revision: revision, FailedTests: failed, Err: fmt.Errorf("%w: %w", policy.ErrInvalidPack, err)}
}

// packScenarios is the pack's testdata/scenarios folder, if it has one.
func packScenarios(fsys fs.FS) (fs.FS, bool, error) {
	info, err := fs.Stat(fsys, "testdata/scenarios")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if !info.IsDir() {
		return nil, false, errors.New("testdata/scenarios is not a folder")
	}
	sub, err := fs.Sub(fsys, "testdata/scenarios")
	return sub, err == nil, err
}

// Source is where a signed pack comes from and what it must satisfy.
type Source struct {
	Archive string // the archive made by `schakel policy build`
	// Signatures are the signature files; nil means FindSignatures(Archive).
	Signatures []string
	TrustedDir string // folder of NAME.pub files (with optional Not-After)
	Threshold  int
	Now        time.Time // when key expiry is judged; zero means time.Now()
}

// SignedPack is a pack that OpenPack accepted.
type SignedPack struct {
	*ValidPack
	Signers []Signer
	// Ignored are the signatures that did not count although the threshold
	// was met (an untrusted key, a duplicate); tools show them, the node
	// logs them.
	Ignored   []Failure
	Threshold int
	// Version is the pack's signed VERSION (0: none).
	Version uint64
}

// OpenPack is how a signed pack is loaded, by the node at start and at every
// reload and by `schakel policy verify`: read the trusted keys, check that
// Threshold distinct unexpired ones signed exactly the archive bytes, and
// only then open the archive and ValidatePack it. Every refusal is a
// *PackError naming its case.
func OpenPack(ctx context.Context, src Source) (*SignedPack, error) {
	keys, err := LoadTrustedDir(src.TrustedDir)
	if err != nil {
		return nil, &PackError{Case: "untrusted_key", Err: fmt.Errorf("trusted keys: %w", err)}
	}
	sigPaths := src.Signatures
	if sigPaths == nil {
		if sigPaths, err = FindSignatures(src.Archive); err != nil {
			return nil, &PackError{Case: "unreadable", Err: err}
		}
	}
	archive, revision, res, err := verifyFiles(src.Archive, sigPaths, Trust{Keys: keys, Threshold: src.Threshold, Now: src.Now})
	if err != nil {
		return nil, refuse(revision, err)
	}
	// Verified: now, and only now, the archive is opened and parsed.
	fsys, err := bundle.Open(archive)
	if err != nil {
		return nil, &PackError{Case: "invalid_pack", Revision: revision, Err: err}
	}
	version, err := PackVersion(fsys)
	if err != nil {
		return nil, &PackError{Case: "invalid_pack", Revision: revision, Err: err}
	}
	v, err := ValidatePack(ctx, fsys, revision)
	if err != nil {
		return nil, err
	}
	return &SignedPack{ValidPack: v, Signers: res.Signers, Ignored: res.Failures, Threshold: res.Threshold, Version: version}, nil
}
