package node

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/policy"
	"github.com/schakel/schakel/policy/signing"
)

// Policy holds the active policy engine and swaps in new packs atomically. A
// request that started on one pack finishes on it: it holds the engine
// pointer it loaded.
type Policy struct {
	cfg    config.Policy
	log    *slog.Logger
	active atomic.Pointer[activePack]
	// refused is the last pack that failed to load, for status and health.
	refused atomic.Pointer[refusal]
}

type activePack struct {
	engine   *policy.Engine
	pack     *policy.Pack
	revision string
	signers  []string
	loadedAt time.Time
}

type refusal struct {
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// LoadPolicy loads the configured pack: the signed bundle (verified against
// the trusted keys and threshold before a byte of it is parsed) or, when no
// bundle is configured, the default pack built into the binary.
func LoadPolicy(cfg config.Policy, log *slog.Logger) (*Policy, error) {
	p := &Policy{cfg: cfg, log: log}
	ap, err := p.load()
	if err != nil {
		return nil, err
	}
	p.active.Store(ap)
	return p, nil
}

func (p *Policy) load() (*activePack, error) {
	var fsys fs.FS
	var revision string
	var signers []string
	if p.cfg.Bundle == "" {
		fsys = policy.DefaultPack()
	} else {
		trusted, err := signing.LoadTrustedDir(p.cfg.Trusted)
		if err != nil {
			return nil, err
		}
		fsys, revision, signers, err = signing.LoadVerified(p.cfg.Bundle, p.cfg.Signatures, trusted, p.cfg.Threshold)
		if err != nil {
			return nil, err
		}
	}
	pack, err := policy.LoadPack(fsys)
	if err != nil {
		return nil, err
	}
	engine, err := policy.NewEngine(pack)
	if err != nil {
		return nil, err
	}
	if revision == "" {
		revision = engine.Revision()
	}
	return &activePack{engine: engine, pack: pack, revision: revision, signers: signers, loadedAt: time.Now().UTC()}, nil
}

// Reload verifies, parses and test-evaluates the configured pack again and
// swaps it in; on any failure the last good pack stays active and the
// refusal is recorded.
func (p *Policy) Reload() error {
	ap, err := p.load()
	if err != nil {
		p.refused.Store(&refusal{At: time.Now().UTC(), Reason: err.Error()})
		p.log.Error("policy pack refused; keeping the last good pack", "err", err, "active_revision", p.Revision())
		return err
	}
	p.active.Store(ap)
	p.log.Info("policy pack loaded", "revision", ap.revision, "signers", ap.signers)
	return nil
}

// Decide evaluates the active pack.
func (p *Policy) Decide(ctx context.Context, in policy.Input) (policy.Decision, error) {
	return p.active.Load().engine.Decide(ctx, in)
}

// Revision is the active pack's revision.
func (p *Policy) Revision() string { return p.active.Load().revision }

// KnownPurpose reports whether the active pack knows the purpose.
func (p *Policy) KnownPurpose(s string) bool { return p.active.Load().pack.HasPurpose(s) }

// KnownCategory reports whether the active pack knows the category.
func (p *Policy) KnownCategory(s string) bool { return p.active.Load().pack.HasCategory(s) }

// Status describes the active pack and the last refused one.
type Status struct {
	Revision    string    `json:"revision"`
	Signers     []string  `json:"signers"`
	LoadedAt    time.Time `json:"loaded_at"`
	LastRefused *refusal  `json:"last_refused,omitempty"`
}

// Status returns the policy status.
func (p *Policy) Status() Status {
	ap := p.active.Load()
	return Status{Revision: ap.revision, Signers: ap.signers, LoadedAt: ap.loadedAt, LastRefused: p.refused.Load()}
}

// StatusJSON is the status as the health endpoint shows it.
func (p *Policy) StatusJSON() []byte {
	b, err := json.Marshal(struct {
		Status string `json:"status"`
		Policy Status `json:"policy"`
	}{"serving", p.Status()})
	if err != nil {
		return []byte(fmt.Sprintf(`{"status":"serving","error":%q}`, err.Error()))
	}
	return b
}
