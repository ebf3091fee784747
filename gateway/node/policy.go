package node

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	"github.com/schakel/schakel/internal/atomicfile"
	"github.com/schakel/schakel/policy"
	"github.com/schakel/schakel/policy/bundle"
	"github.com/schakel/schakel/policy/signing"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

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
	// waiting is set while the watched files changed into an archive and
	// signatures that do not verify together, for at most wait.
	waiting atomic.Pointer[Waiting]
	wait    time.Duration

	reloads  *prometheus.CounterVec
	state    prometheus.Gauge
	waitGage prometheus.Gauge

	// floor refuses a pack older than the one accepted before; nil: none.
	floor *versionFloor

	// startFP is the fingerprint of the watched files taken just before
	// the start-up load, so that a change before Watch runs is not missed.
	startFP string
}

type activePack struct {
	engine   *policy.Engine
	pack     *policy.Pack
	revision string
	signers  []SignerInfo
	version  uint64 // the pack's signed VERSION (0: none)
	loadedAt time.Time
	source   string // what the pack was loaded from, as the status shows it
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
	// invalid_pack, unreadable, rollback.
	Case   string `json:"case"`
	Reason string `json:"reason"`
	// FailedTests names the pack's Rego tests and scenarios that failed.
	FailedTests []string `json:"failed_tests,omitempty"`
}

// Waiting is a change of the policy files that the watcher has not acted
// on yet: the archive and the signature files do not verify together (one
// was copied before the other, or a file is still being written). The
// active pack keeps deciding; nothing is refused, logged as an error or
// counted as a refusal unless they still do not belong together at Until.
type Waiting struct {
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
	// Case and Reason are what a refusal would say now.
	Case   string `json:"case"`
	Reason string `json:"reason"`
	// Revision is the digest of the archive now in place.
	Revision string `json:"revision,omitempty"`
}

// PolicyError is why a pack was refused (signing.OpenPack's error); Case is
// as in Refusal.
type PolicyError = signing.PackError

// PolicyOptions configure LoadPolicy beyond the configuration.
type PolicyOptions struct {
	// StateFile, when set, receives the status as JSON after every load
	// and refusal.
	StateFile string
	Now       func() time.Time
	// floor, when set, refuses a pack whose version is below the highest
	// accepted before (at start and at every reload) and records a higher
	// one before it is put in force.
	floor *versionFloor
}

// LoadPolicy loads the configured pack: the signed bundle (verified against
// the trusted keys and threshold before a byte of it is parsed) or, when no
// bundle is configured, the default pack built into the binary. It refuses
// an unsigned, under-signed, tampered, untrusted, malformed or expired pack
// with a *PolicyError naming the case.
func LoadPolicy(cfg config.Policy, log *slog.Logger, opt PolicyOptions) (*Policy, error) {
	p := &Policy{cfg: cfg, log: log, now: opt.Now, stateFile: opt.StateFile, floor: opt.floor, wait: cfg.ReloadWait.D()}
	if p.now == nil {
		p.now = time.Now
	}
	if p.wait <= 0 {
		p.wait = config.DefaultPolicyReloadWait
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
	p.waitGage = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "schakel_policy_reload_waiting",
		Help: "1 while the policy files changed into an archive and signatures that do not verify together yet (policy.reload_wait), else 0. Not an alarm.",
	})
	for _, c := range []prometheus.Collector{p.reloads, p.state, p.waitGage} {
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

// builtinPack validates the pack built into the binary once per process
// (it cannot change while the process runs), with the same checks as a
// signed pack: signing.ValidatePack, tests included.
var builtinPack = sync.OnceValues(func() (*signing.ValidPack, error) {
	return signing.ValidatePack(context.Background(), policy.DefaultPack(), "")
})

// load loads the configured pack with signing.OpenPack, the one definition
// of a trusted pack: verified against the unexpired trusted keys and the
// threshold before a byte of it is parsed, then loaded, validated and
// tested (Rego tests and scenarios).
func (p *Policy) load() (*activePack, error) {
	ap, err := p.open()
	if err != nil {
		return nil, err
	}
	if p.floor != nil {
		if err := p.floor.accept("policy", ap.version); err != nil {
			return nil, &PolicyError{Case: "rollback", Revision: ap.revision, Err: err}
		}
	}
	return ap, nil
}

// open verifies and opens the configured pack.
func (p *Policy) open() (*activePack, error) {
	now := p.now().UTC()
	if p.cfg.Bundle == "" {
		if !p.cfg.Builtin {
			return nil, &PolicyError{Case: "unsigned", Err: errors.New("no signed pack configured (policy.bundle); policy.builtin: true runs the built-in pack unsigned, for development only")}
		}
		v, err := builtinPack()
		if err != nil {
			return nil, err
		}
		return &activePack{engine: v.Engine, pack: v.Pack, revision: v.Engine.Revision(), loadedAt: now, source: "default pack (built in)"}, nil
	}
	src := signing.Source{Archive: p.cfg.Bundle, TrustedDir: p.cfg.Trusted, Threshold: p.cfg.Threshold, Now: now}
	if len(p.cfg.Signatures) > 0 {
		src.Signatures = p.cfg.Signatures
	}
	sp, err := signing.OpenPack(context.Background(), src)
	if err != nil {
		return nil, err
	}
	for _, f := range sp.Ignored {
		p.log.Warn("policy signature did not count", "signature", f.Source, "err", f.Err)
	}
	signers := make([]SignerInfo, len(sp.Signers))
	for i, s := range sp.Signers {
		signers[i] = SignerInfo{Name: s.Name, Fingerprint: s.ID}
	}
	return &activePack{engine: sp.Engine, pack: sp.Pack, revision: sp.Revision(), signers: signers, version: sp.Version,
		loadedAt: now, source: p.cfg.Bundle}, nil
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}

// Reload verifies, parses and test-evaluates the configured pack again and
// swaps it in; on any failure the last good pack stays active and the
// refusal is recorded (log, metric, health, status). An explicit reload
// (SIGHUP, systemctl reload) does not wait: the operator says the files
// are in place.
func (p *Policy) Reload() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reload(false)
}

// mismatched reports whether a load failed because the archive and the
// signature files do not verify together in a way a copy in progress
// explains: a well-formed signature that no trusted key verifies over these
// bytes (it may be over the archive still to come, or the one being
// replaced), a signature file or archive still being written (malformed,
// unreadable). A pack whose signatures all verify but are too few, or that
// verifies and is invalid, is not a mismatch.
func mismatched(err error) bool {
	return errors.Is(err, signing.ErrTampered) || errors.Is(err, signing.ErrUntrustedKey) ||
		errors.Is(err, signing.ErrMalformedSignature) || errors.Is(err, signing.ErrUnreadable)
}

// reload is Reload; with mayWait (the watcher) a mismatch of archive and
// signatures is first waited on for p.wait.
func (p *Policy) reload(mayWait bool) error {
	ap, err := p.load()
	if err != nil && mayWait && mismatched(err) {
		now := p.now().UTC()
		w := p.waiting.Load()
		if w == nil {
			w = &Waiting{Since: now, Until: now.Add(p.wait)}
			p.log.Info("policy files changed; the archive and the signatures do not verify together yet, waiting for the rest of the copy",
				"case", signing.ErrorCase(err), "wait", p.wait.String(), "until", w.Until, "active_revision", p.Revision())
		}
		if now.Before(w.Until) {
			nw := *w
			nw.Case, nw.Reason = signing.ErrorCase(err), err.Error()
			var pe *PolicyError
			if errors.As(err, &pe) {
				nw.Revision, nw.Reason = pe.Revision, pe.Err.Error()
			}
			p.waiting.Store(&nw)
			if p.waitGage != nil {
				p.waitGage.Set(1)
			}
			p.writeState()
			return &WaitingError{Waiting: nw}
		}
		err = fmt.Errorf("the archive and the signatures still did not verify together %s after the files changed: %w", p.wait, err)
	}
	if p.waiting.Swap(nil) != nil && p.waitGage != nil {
		p.waitGage.Set(0)
	}
	if err != nil {
		r := &Refusal{At: p.now().UTC(), Case: signing.ErrorCase(err), Reason: err.Error()}
		var pe *PolicyError
		if errors.As(err, &pe) {
			r.Revision, r.FailedTests = pe.Revision, pe.FailedTests
			r.Reason = strings.Replace(r.Reason, pe.Error(), pe.Err.Error(), 1)
		}
		p.refused.Store(r)
		p.count("refused", r.Case)
		p.log.Error("policy pack refused; keeping the last good pack", "case", r.Case, "refused_revision", r.Revision,
			"err", r.Reason, "failed_tests", r.FailedTests, "active_revision", p.Revision())
		p.writeState()
		return err
	}
	old := p.active.Swap(ap)
	p.count("loaded", "ok")
	p.log.Info("policy pack loaded", "revision", ap.revision, "version", ap.version, "previous_revision", old.revision,
		"previous_version", old.version, "signers", signerNames(ap.signers))
	p.writeState()
	return nil
}

// WaitingError is what the watcher's reload returns while it waits.
type WaitingError struct{ Waiting Waiting }

func (e *WaitingError) Error() string {
	return fmt.Sprintf("policy files do not verify together yet (%s); waiting until %s", e.Waiting.Case, e.Waiting.Until.Format(time.RFC3339))
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
// one after another are verified together. When they still do not verify
// together (the archive and its signatures copied seconds apart, in either
// order), the node waits up to policy.reload_wait for the rest of the copy
// (Waiting) before it refuses them.
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
			if w := p.waiting.Load(); w != nil && !p.now().Before(w.Until) {
				p.mu.Lock()
				_ = p.reload(true) // the wait is over: load or refuse
				p.mu.Unlock()
			}
		case fp != pending:
			pending = fp // changed; wait until it settles
		default:
			p.log.Info("policy files changed; reloading")
			p.mu.Lock()
			_ = p.reload(true)
			p.mu.Unlock()
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

// Precheck decides a request on itself alone, before the child is looked up
// (policy.Engine.Precheck), with the active pack.
func (p *Policy) Precheck(ctx context.Context, in policy.Input) (policy.Decision, error) {
	return p.active.Load().engine.Precheck(ctx, in)
}

// Inzage answers the pack's inzage question with the active pack.
func (p *Policy) Inzage(ctx context.Context, in policy.InzageInput) (policy.InzageDecision, error) {
	return p.active.Load().engine.Inzage(ctx, in)
}

// Revision is the active pack's revision.
func (p *Policy) Revision() string { return p.active.Load().revision }

// Flow is the active pack's flow id.
func (p *Policy) Flow(id string) (policy.Flow, bool) { return p.active.Load().pack.Flow(id) }

// KnownPurpose reports whether the active pack knows the purpose.
func (p *Policy) KnownPurpose(s string) bool { return p.active.Load().pack.HasPurpose(s) }

// KnownCategory reports whether the active pack knows the category.
func (p *Policy) KnownCategory(s string) bool { return p.active.Load().pack.HasCategory(s) }

// Status describes the active pack and the last refused one.
type Status struct {
	Revision string `json:"revision"`
	// Source is what the active pack was loaded from: the bundle path as it
	// was at LoadedAt, or the built-in default pack. After a refusal the
	// file at that path may hold the refused pack instead; Source then
	// says so rather than naming the file as the active pack's.
	Source  string       `json:"source"`
	Signers []SignerInfo `json:"signers"`
	// Threshold is the number of distinct trusted signers required (0 for
	// the built-in default pack).
	Threshold   int       `json:"threshold"`
	LoadedAt    time.Time `json:"loaded_at"`
	LastRefused *Refusal  `json:"last_refused,omitempty"`
	// Waiting is set while the watcher waits for the policy files to
	// belong together (see Waiting).
	Waiting *Waiting `json:"waiting,omitempty"`
	// RefusedSinceLoad is true when the last refusal came after the active
	// pack was loaded: the pack offered since (another revision, or the
	// same one with signatures or keys that no longer pass) was refused and
	// the active pack is the last good one.
	RefusedSinceLoad bool `json:"refused_since_load"`
	// DecisionPath says how the active pack decides releases: with the fast
	// path (checked against its Rego at load) or with the Rego alone.
	DecisionPath policy.FastPathStatus `json:"decision_path"`
}

// Status returns the policy status.
func (p *Policy) Status() Status {
	ap := p.active.Load()
	threshold := p.cfg.Threshold
	if p.cfg.Bundle == "" {
		threshold = 0
	}
	st := Status{Revision: ap.revision, Source: ap.source, Signers: ap.signers, Threshold: threshold,
		LoadedAt: ap.loadedAt, LastRefused: p.refused.Load(), Waiting: p.waiting.Load(), DecisionPath: ap.engine.FastPath()}
	if st.Signers == nil {
		st.Signers = []SignerInfo{}
	}
	st.RefusedSinceLoad = st.LastRefused != nil && !st.LastRefused.At.Before(ap.loadedAt)
	if st.RefusedSinceLoad && ap.source == p.cfg.Bundle && st.LastRefused.Revision != ap.revision {
		st.Source = fmt.Sprintf("%s as it was at %s (the pack offered there since was refused)", ap.source, ap.loadedAt.Format(time.RFC3339))
	}
	return st
}

// StatusJSON is the status as the health endpoint shows it: "serving", or
// "serving_last_good_policy" after a pack offered since the active one was refused.
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
		err = atomicfile.Write(p.stateFile, append(b, '\n'), 0o600)
	}
	if err != nil {
		p.log.Warn("policy status file", "path", p.stateFile, "err", err)
	}
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

// StatusProto converts a Status to its API form.
func StatusProto(st Status) *localv1.GetPolicyStatusResponse {
	out := &localv1.GetPolicyStatusResponse{
		Revision: st.Revision, Source: st.Source, Threshold: int32(st.Threshold),
		LoadedAt: timestamppb.New(st.LoadedAt), RefusedSinceLoad: st.RefusedSinceLoad,
		DecisionPath: st.DecisionPath.Path(), DecisionPathReason: st.DecisionPath.Reason,
	}
	for _, s := range st.Signers {
		out.Signers = append(out.Signers, &localv1.PolicySigner{Name: s.Name, Fingerprint: s.Fingerprint})
	}
	if r := st.LastRefused; r != nil {
		out.LastRefused = &localv1.PolicyRefusal{At: timestamppb.New(r.At), Revision: r.Revision, Case: r.Case, Reason: r.Reason}
	}
	if w := st.Waiting; w != nil {
		out.Waiting = &localv1.PolicyWaiting{Since: timestamppb.New(w.Since), Until: timestamppb.New(w.Until), Case: w.Case, Revision: w.Revision}
	}
	return out
}
