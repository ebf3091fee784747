package node

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/policy"
	"github.com/schakel/schakel/policy/bundle"
	"github.com/schakel/schakel/policy/signing"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// ErrKeyExpired means a signature was made by a trusted key whose validity
// has ended. A trusted key may carry an expiry as a PEM header of its .pub file
// ("Not-After: 2027-12-31" or an RFC 3339 time); past that moment it no
// longer counts toward the threshold, at start-up or at reload. The header
// is ignored by cosign and by PEM parsers, so the file stays a valid key.
var ErrKeyExpired = errors.New("signature by an expired trusted key")

// NotAfterHeader is the PEM header of a trusted .pub file that sets the
// key's expiry.
const NotAfterHeader = "Not-After"

// StatusFile is the name of the policy status file the node keeps in its
// data_dir (read by `schakel policy status --config F` without --cert).
const StatusFile = "policy-status.json"

// DefaultPolicyPoll is how often a running node checks its pack, signature
// files and trusted keys for changes.
const DefaultPolicyPoll = time.Second

// Policy holds the active policy engine and swaps in new packs atomically. A
// request that started on one pack finishes on it: Decide loads the engine
// pointer once and evaluates on it.
type Policy struct {
	cfg       config.Policy
	log       *slog.Logger
	now       func() time.Time
	stateFile string

	mu      sync.Mutex // serialises loads (SIGHUP and the watcher)
	active  atomic.Pointer[activePack]
	refused atomic.Pointer[Refusal] // the last pack that failed to load

	reloads *prometheus.CounterVec
	state   prometheus.Gauge

	// startFP is the fingerprint of the watched files taken just before
	// the start-up load, so that a change before Watch runs is not missed.
	startFP string
}

type activePack struct {
	engine   *policy.Engine
	pack     *policy.Pack
	revision string
	signers  []SignerInfo
	loadedAt time.Time
}

// SignerInfo names a key that signed the active pack.
type SignerInfo struct {
	Name        string `json:"name"`
	Fingerprint string `json:"fingerprint"`
}

// Refusal is a pack the node refused to load.
type Refusal struct {
	At time.Time `json:"at"`
	// Revision is the digest of the refused archive, when it could be read.
	Revision string `json:"revision,omitempty"`
	// Case names the failure in a word: unsigned, below_threshold,
	// tampered, untrusted_key, malformed, expired, invalid_threshold,
	// invalid_pack, unreadable.
	Case   string `json:"case"`
	Reason string `json:"reason"`
}

// PolicyError is why a pack was refused; Case is as in Refusal.
type PolicyError struct {
	Case     string
	Revision string
	Err      error
}

func (e *PolicyError) Error() string {
	return fmt.Sprintf("policy pack refused (%s): %v", e.Case, e.Err)
}

func (e *PolicyError) Unwrap() error { return e.Err }

// PolicyOptions configure LoadPolicy beyond the configuration.
type PolicyOptions struct {
	// StateFile, when set, receives the status as JSON after every load
	// and refusal.
	StateFile string
	Now       func() time.Time
}

// LoadPolicy loads the configured pack: the signed bundle (verified against
// the trusted keys and threshold before a byte of it is parsed) or, when no
// bundle is configured, the default pack built into the binary. It refuses
// an unsigned, under-signed, tampered, untrusted, malformed or expired pack
// with a *PolicyError naming the case.
func LoadPolicy(cfg config.Policy, log *slog.Logger, opt PolicyOptions) (*Policy, error) {
	p := &Policy{cfg: cfg, log: log, now: opt.Now, stateFile: opt.StateFile}
	if p.now == nil {
		p.now = time.Now
	}
	if cfg.Bundle != "" {
		p.startFP = p.fingerprint()
	}
	ap, err := p.load()
	if err != nil {
		return nil, err
	}
	p.active.Store(ap)
	p.writeState()
	return p, nil
}

// register adds the reload metrics to reg.
func (p *Policy) register(reg prometheus.Registerer) error {
	p.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "schakel_policy_reload_total",
		Help: "Policy pack reloads by result (loaded, refused) and case (ok, unsigned, below_threshold, tampered, untrusted_key, malformed, expired, ...).",
	}, []string{"result", "case"})
	p.state = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "schakel_policy_reload_refused",
		Help: "1 when the last policy pack offered was refused and an older pack is still active, else 0.",
	})
	for _, c := range []prometheus.Collector{p.reloads, p.state} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// signatureFiles are the configured signature files, or else the files
// named after the bundle (BUNDLE.sig, BUNDLE.*.sig).
func (p *Policy) signatureFiles() ([]string, error) {
	if len(p.cfg.Signatures) > 0 {
		return p.cfg.Signatures, nil
	}
	return signing.FindSignatures(p.cfg.Bundle)
}

func (p *Policy) load() (*activePack, error) {
	now := p.now().UTC()
	if p.cfg.Bundle == "" {
		if !p.cfg.Builtin {
			return nil, &PolicyError{Case: "unsigned", Err: errors.New("no signed pack configured (policy.bundle); policy.builtin: true runs the built-in pack unsigned, for development only")}
		}
		pack, err := policy.LoadPack(policy.DefaultPack())
		if err != nil {
			return nil, &PolicyError{Case: "invalid_pack", Err: err}
		}
		engine, err := policy.NewEngine(pack)
		if err != nil {
			return nil, &PolicyError{Case: "invalid_pack", Err: err}
		}
		return &activePack{engine: engine, pack: pack, revision: engine.Revision(), loadedAt: now}, nil
	}
	archive, signers, err := p.verify(now)
	if err != nil {
		return nil, err
	}
	revision := bundle.Revision(archive)
	// Verified: now, and only now, the archive is opened and parsed.
	fsys, err := bundle.Open(archive)
	if err != nil {
		return nil, &PolicyError{Case: "invalid_pack", Revision: revision, Err: err}
	}
	pack, err := policy.LoadPack(fsys)
	if err != nil {
		return nil, &PolicyError{Case: "invalid_pack", Revision: revision, Err: err}
	}
	pack = pack.WithRevision(revision)
	// NewEngine test-evaluates sample inputs before it returns.
	engine, err := policy.NewEngine(pack)
	if err != nil {
		return nil, &PolicyError{Case: "invalid_pack", Revision: revision, Err: err}
	}
	if err := runPackScenarios(engine, fsys); err != nil {
		return nil, &PolicyError{Case: "invalid_pack", Revision: revision, Err: err}
	}
	return &activePack{engine: engine, pack: pack, revision: revision, signers: signers, loadedAt: now}, nil
}

// runPackScenarios runs the scenario files a pack carries under
// testdata/scenarios, if any: a pack whose own tests fail is not swapped in.
func runPackScenarios(e *policy.Engine, fsys fs.FS) error {
	sub, err := fs.Sub(fsys, "testdata/scenarios")
	if err != nil {
		return nil
	}
	if _, err := fs.Stat(sub, "."); err != nil {
		return nil
	}
	results, err := policy.RunScenarios(context.Background(), e, sub)
	if err != nil {
		return fmt.Errorf("scenarios: %w", err)
	}
	var failed []string
	for _, r := range results {
		if !r.Pass() {
			failed = append(failed, r.Name)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d scenario(s) of the pack fail: %s", len(failed), strings.Join(failed, ", "))
	}
	return nil
}

// verify reads the archive and its signature files and checks the
// threshold with the trusted keys that have not expired. It returns the
// verified bytes and who signed.
func (p *Policy) verify(now time.Time) ([]byte, []SignerInfo, error) {
	keys, err := signing.LoadTrustedDir(p.cfg.Trusted)
	if err != nil {
		return nil, nil, &PolicyError{Case: "untrusted_key", Err: fmt.Errorf("trusted keys: %w", err)}
	}
	if p.cfg.Threshold < 1 || p.cfg.Threshold > len(keys) {
		return nil, nil, &PolicyError{Case: "invalid_threshold", Err: fmt.Errorf("threshold %d with %d trusted keys in %s: %w",
			p.cfg.Threshold, len(keys), p.cfg.Trusted, signing.ErrInvalidThreshold)}
	}
	var valid []signing.Verifier
	var expired []expiredKey
	for _, k := range keys {
		notAfter, err := keyNotAfter(filepath.Join(p.cfg.Trusted, k.Name+".pub"))
		if err != nil {
			return nil, nil, &PolicyError{Case: "untrusted_key", Err: err}
		}
		if !notAfter.IsZero() && now.After(notAfter) {
			expired = append(expired, expiredKey{key: k, notAfter: notAfter})
			continue
		}
		valid = append(valid, k)
	}
	archive, err := bundle.ReadArchive(p.cfg.Bundle)
	if err != nil {
		return nil, nil, &PolicyError{Case: "unreadable", Err: err}
	}
	revision := bundle.Revision(archive)
	paths, err := p.signatureFiles()
	if err != nil {
		return nil, nil, &PolicyError{Case: "unreadable", Revision: revision, Err: err}
	}
	sigs := make([]signing.Signature, 0, len(paths))
	for _, sp := range paths {
		data, err := readLimited(sp, signing.MaxSignatureSize+1)
		if err != nil {
			return nil, nil, &PolicyError{Case: "unreadable", Revision: revision, Err: err}
		}
		sigs = append(sigs, signing.Signature{Source: filepath.Base(sp), Data: data})
	}
	res, verr := signing.Verify(archive, sigs, valid, p.cfg.Threshold)
	for _, f := range res.Failures {
		if verr == nil {
			p.log.Warn("policy signature did not count", "signature", f.Source, "err", f.Err)
		}
	}
	if verr != nil {
		err := fmt.Errorf("policy bundle %s: %w", filepath.Base(p.cfg.Bundle), verr)
		// A signature no valid key verifies may be one by an expired key:
		// say so, since that is what the officers must fix (a new key).
		var notes []string
		for _, s := range sigs {
			raw, derr := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(s.Data)))
			if derr != nil {
				continue
			}
			for _, ek := range expired {
				if _, ok := ek.key.Verify(archive, raw); ok {
					notes = append(notes, fmt.Sprintf("%s was made by trusted key %q (%s), which expired at %s",
						s.Source, ek.key.Name, ek.key.Fingerprint(), ek.notAfter.Format(time.RFC3339)))
				}
			}
		}
		if len(notes) > 0 {
			err = fmt.Errorf("%w: %s; %w", ErrKeyExpired, strings.Join(notes, "; "), err)
		}
		return nil, nil, &PolicyError{Case: refusalCase(err), Revision: revision, Err: err}
	}
	signers := make([]SignerInfo, len(res.Signers))
	for i, s := range res.Signers {
		signers[i] = SignerInfo{Name: s.Name, Fingerprint: s.ID}
	}
	return archive, signers, nil
}

type expiredKey struct {
	key      signing.TrustedKey
	notAfter time.Time
}

// keyNotAfter reads the optional Not-After PEM header of a trusted key file.
// A date alone means the end of that day, UTC.
func keyNotAfter(path string) (time.Time, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return time.Time{}, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return time.Time{}, fmt.Errorf("trusted key %s: not PEM", filepath.Base(path))
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
		return time.Time{}, fmt.Errorf("trusted key %s: %s header %q is neither a date (2027-12-31) nor an RFC 3339 time",
			filepath.Base(path), NotAfterHeader, v)
	}
	return time.Time{}, nil
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}

// refusalCase names a load failure in a word, most specific first.
func refusalCase(err error) string {
	var pe *PolicyError
	switch {
	case errors.As(err, &pe) && pe.Case != "":
		return pe.Case
	case errors.Is(err, ErrKeyExpired):
		return "expired"
	case errors.Is(err, signing.ErrUnsigned):
		return "unsigned"
	case errors.Is(err, signing.ErrMalformedSignature):
		return "malformed"
	case errors.Is(err, signing.ErrUntrustedKey):
		return "untrusted_key"
	case errors.Is(err, signing.ErrTampered):
		return "tampered"
	case errors.Is(err, signing.ErrBelowThreshold):
		return "below_threshold"
	case errors.Is(err, signing.ErrInvalidThreshold):
		return "invalid_threshold"
	case errors.Is(err, policy.ErrInvalidPack):
		return "invalid_pack"
	}
	return "error"
}

// Reload verifies, parses and test-evaluates the configured pack again and
// swaps it in; on any failure the last good pack stays active and the
// refusal is recorded (log, metric, health, status).
func (p *Policy) Reload() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	ap, err := p.load()
	if err != nil {
		r := &Refusal{At: p.now().UTC(), Case: refusalCase(err), Reason: err.Error()}
		var pe *PolicyError
		if errors.As(err, &pe) {
			r.Revision = pe.Revision
			r.Reason = pe.Err.Error()
		}
		p.refused.Store(r)
		p.count("refused", r.Case)
		p.log.Error("policy pack refused; keeping the last good pack", "case", r.Case, "refused_revision", r.Revision,
			"err", r.Reason, "active_revision", p.Revision())
		p.writeState()
		return err
	}
	old := p.active.Swap(ap)
	p.count("loaded", "ok")
	p.log.Info("policy pack loaded", "revision", ap.revision, "previous_revision", old.revision, "signers", signerNames(ap.signers))
	p.writeState()
	return nil
}

func (p *Policy) count(result, c string) {
	if p.reloads == nil {
		return
	}
	p.reloads.WithLabelValues(result, c).Inc()
	if result == "refused" {
		p.state.Set(1)
	} else {
		p.state.Set(0)
	}
}

func signerNames(s []SignerInfo) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = x.Name
	}
	return out
}

// Watch reloads the pack when the archive, its signature files or the
// trusted keys change (size, modification time or content hash), checking
// every interval, until ctx is done. A change is acted on once it has been
// stable for one interval, so that a pack and its two signatures copied in
// one after another are verified together.
func (p *Policy) Watch(ctx context.Context, interval time.Duration) {
	if p.cfg.Bundle == "" {
		return
	}
	if interval <= 0 {
		interval = DefaultPolicyPoll
	}
	last := p.startFP
	pending := ""
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fp := p.fingerprint()
		switch {
		case fp == last:
			pending = ""
		case fp != pending:
			pending = fp // changed; wait until it settles
		default:
			p.log.Info("policy files changed; reloading")
			_ = p.Reload()
			last, pending = fp, ""
		}
	}
}

// fingerprint summarises the watched files: path, size, modification time
// and SHA-256 of each (a missing file is listed as missing).
func (p *Policy) fingerprint() string {
	paths := []string{p.cfg.Bundle}
	if sigs, err := p.signatureFiles(); err == nil {
		paths = append(paths, sigs...)
	}
	pubs, _ := filepath.Glob(filepath.Join(p.cfg.Trusted, "*.pub"))
	slices.Sort(pubs)
	paths = append(paths, pubs...)
	var b strings.Builder
	for _, path := range paths {
		fi, err := os.Stat(path)
		if err != nil {
			fmt.Fprintf(&b, "%s missing\n", path)
			continue
		}
		sum := "-"
		if data, err := readLimited(path, bundle.MaxArchiveSize+1); err == nil {
			h := sha256.Sum256(data)
			sum = hex.EncodeToString(h[:])
		}
		fmt.Fprintf(&b, "%s %d %d %s\n", path, fi.Size(), fi.ModTime().UnixNano(), sum)
	}
	return b.String()
}

// Decide evaluates the active pack. The engine pointer is loaded once, so a
// swap during evaluation does not affect this decision.
func (p *Policy) Decide(ctx context.Context, in policy.Input) (policy.Decision, error) {
	engine := p.active.Load().engine
	return engine.Decide(ctx, in)
}

// Revision is the active pack's revision.
func (p *Policy) Revision() string { return p.active.Load().revision }

// KnownPurpose reports whether the active pack knows the purpose.
func (p *Policy) KnownPurpose(s string) bool { return p.active.Load().pack.HasPurpose(s) }

// KnownCategory reports whether the active pack knows the category.
func (p *Policy) KnownCategory(s string) bool { return p.active.Load().pack.HasCategory(s) }

// Status describes the active pack and the last refused one.
type Status struct {
	Revision string       `json:"revision"`
	Source   string       `json:"source"`
	Signers  []SignerInfo `json:"signers"`
	// Threshold is the number of distinct trusted signers required (0 for
	// the built-in default pack).
	Threshold   int       `json:"threshold"`
	LoadedAt    time.Time `json:"loaded_at"`
	LastRefused *Refusal  `json:"last_refused,omitempty"`
	// RefusedSinceLoad is true when the last refusal came after the active
	// pack was loaded: a newer pack is waiting for valid signatures.
	RefusedSinceLoad bool `json:"refused_since_load"`
}

// Status returns the policy status.
func (p *Policy) Status() Status {
	ap := p.active.Load()
	st := Status{Revision: ap.revision, Source: "default pack (built in)", Signers: ap.signers, Threshold: p.cfg.Threshold,
		LoadedAt: ap.loadedAt, LastRefused: p.refused.Load()}
	if p.cfg.Bundle != "" {
		st.Source = p.cfg.Bundle
	}
	if st.Signers == nil {
		st.Signers = []SignerInfo{}
	}
	st.RefusedSinceLoad = st.LastRefused != nil && !st.LastRefused.At.Before(ap.loadedAt)
	return st
}

// StatusJSON is the status as the health endpoint shows it: "serving", or
// "serving_last_good_policy" while a newer pack is refused.
func (p *Policy) StatusJSON() []byte {
	st := p.Status()
	state := "serving"
	if st.RefusedSinceLoad {
		state = "serving_last_good_policy"
	}
	b, err := json.Marshal(struct {
		Status string `json:"status"`
		Policy Status `json:"policy"`
	}{state, st})
	if err != nil {
		return []byte(fmt.Sprintf(`{"status":"serving","error":%q}`, err.Error()))
	}
	return b
}

// writeState writes the status file, atomically; failures are logged only.
func (p *Policy) writeState() {
	if p.stateFile == "" {
		return
	}
	b, err := json.MarshalIndent(p.Status(), "", "  ")
	if err == nil {
		err = writeFileAtomic(p.stateFile, append(b, '\n'))
	}
	if err != nil {
		p.log.Warn("policy status file", "path", p.stateFile, "err", err)
	}
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// ReadStatusFile reads the status file a node keeps in its data_dir.
func ReadStatusFile(dataDir string) (Status, error) {
	var st Status
	b, err := os.ReadFile(filepath.Join(dataDir, StatusFile))
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("%s: %w", StatusFile, err)
	}
	return st, nil
}

// policyServer serves schakel.local.v1.PolicyService on the local listener.
type policyServer struct {
	localv1.UnimplementedPolicyServiceServer
	p *Policy
}

// GetPolicyStatus reports the active pack and the last refused one.
func (s policyServer) GetPolicyStatus(context.Context, *localv1.GetPolicyStatusRequest) (*localv1.GetPolicyStatusResponse, error) {
	return StatusProto(s.p.Status()), nil
}

// StatusProto converts a Status to its API form.
func StatusProto(st Status) *localv1.GetPolicyStatusResponse {
	out := &localv1.GetPolicyStatusResponse{
		Revision: st.Revision, Source: st.Source, Threshold: int32(st.Threshold),
		LoadedAt: timestamppb.New(st.LoadedAt), RefusedSinceLoad: st.RefusedSinceLoad,
	}
	for _, s := range st.Signers {
		out.Signers = append(out.Signers, &localv1.PolicySigner{Name: s.Name, Fingerprint: s.Fingerprint})
	}
	if r := st.LastRefused; r != nil {
		out.LastRefused = &localv1.PolicyRefusal{At: timestamppb.New(r.At), Revision: r.Revision, Case: r.Case, Reason: r.Reason}
	}
	return out
}
