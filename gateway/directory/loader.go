package directory

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/schakel/schakel/policy/signing"
)

// Source says where a node finds its signed directory.
type Source struct {
	Path string
	// Signatures are the signature files; empty means PATH.sig and
	// PATH.*.sig beside the directory (signing.FindSignatures).
	Signatures []string
	// Trusted is a folder of NAME.pub keys (signing.LoadTrustedDir, with
	// their optional Not-After); Threshold how many distinct unexpired
	// trusted keys must have signed.
	Trusted   string
	Threshold int
	// Now is when the keys' Not-After is judged at each load; nil means
	// time.Now.
	Now func() time.Time
	// Accept, when set, is asked before a verified directory is put in
	// force, at start and at every reload: the node refuses a version
	// below the highest it accepted before (persisted across restarts) and
	// records a higher one. An error refuses the directory.
	Accept func(version uint64) error
	// Floor, when set, refuses a version below the highest accepted before
	// without recording anything (checked before the version in force).
	Floor func(version uint64) error
}

// Status is the directory in force and the last refused one, for /healthz.
type Status struct {
	Federation string    `json:"federation"`
	Version    uint64    `json:"version"`
	Digest     string    `json:"digest"`
	Signers    []string  `json:"signers"`
	Peers      int       `json:"peers"`
	LoadedAt   time.Time `json:"loaded_at"`
	// Refused is the last directory offered after the one in force that was
	// refused (bad signature, older version, invalid content).
	Refused *Refusal `json:"refused,omitempty"`
}

// Refusal is a refused directory.
type Refusal struct {
	At     time.Time `json:"at"`
	Digest string    `json:"digest,omitempty"`
	Error  string    `json:"error"`
}

// Loader keeps a verified directory in force. Poll reloads it when the
// file, its signatures or the trusted keys change; a refused directory
// leaves the last good one in force.
type Loader struct {
	src   Source
	check func(*File) error
	apply func(*Verified)
	log   *slog.Logger

	mu      sync.Mutex
	status  Status
	seen    []byte // fingerprint of the files last acted on
	pending []byte // a changed fingerprint waiting to be seen again, unchanged
}

// NewLoader verifies and applies the directory once; an error here stops
// the node (there is no last good directory yet). check, when set, adds the
// node's own rules (for example: every organisation type is known to the
// policy pack); apply installs a verified directory.
func NewLoader(src Source, check func(*File) error, apply func(*Verified), log *slog.Logger) (*Loader, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	l := &Loader{src: src, check: check, apply: apply, log: log}
	fp := l.fingerprint()
	v, err := l.load(0)
	if err != nil {
		return nil, err
	}
	l.install(v, fp)
	return l, nil
}

func (l *Loader) sigPaths() ([]string, error) {
	if len(l.src.Signatures) > 0 {
		return l.src.Signatures, nil
	}
	return signing.FindSignatures(l.src.Path)
}

// fingerprint hashes the names, sizes, modification times and contents of
// the directory, its signatures and the trusted keys.
func (l *Loader) fingerprint() []byte {
	h := sha256.New()
	sigs, _ := l.sigPaths()
	pubs, _ := filepath.Glob(filepath.Join(l.src.Trusted, "*.pub"))
	sort.Strings(pubs)
	for _, p := range append(append([]string{l.src.Path}, sigs...), pubs...) {
		fmt.Fprintf(h, "%s\x00", p)
		if fi, err := os.Stat(p); err == nil {
			fmt.Fprintf(h, "%d %d\x00", fi.Size(), fi.ModTime().UnixNano())
		}
		if b, err := os.ReadFile(p); err == nil && len(b) <= MaxFileSize {
			h.Write(b)
		}
	}
	return h.Sum(nil)
}

func (l *Loader) load(current uint64) (*Verified, error) {
	trusted, err := signing.LoadTrustedDir(l.src.Trusted)
	if err != nil {
		return nil, fmt.Errorf("peer directory: trusted keys: %w", err)
	}
	sigs, err := l.sigPaths()
	if err != nil {
		return nil, fmt.Errorf("peer directory: %w", err)
	}
	trust := signing.Trust{Keys: trusted, Threshold: l.src.Threshold}
	if l.src.Now != nil {
		trust.Now = l.src.Now()
	}
	v, err := VerifyFiles(l.src.Path, sigs, trust)
	if err != nil {
		return nil, err
	}
	if l.src.Floor != nil {
		if err := l.src.Floor(v.File.Version); err != nil {
			return nil, fmt.Errorf("peer directory version %d: %w", v.File.Version, err)
		}
	}
	if v.File.Version <= current {
		return nil, fmt.Errorf("%w: version %d is not above %d, the directory in force", ErrRollback, v.File.Version, current)
	}
	if l.check != nil {
		if err := l.check(v.File); err != nil {
			return nil, fmt.Errorf("peer directory version %d: %w", v.File.Version, err)
		}
	}
	if l.src.Accept != nil {
		if err := l.src.Accept(v.File.Version); err != nil {
			return nil, fmt.Errorf("peer directory version %d: %w", v.File.Version, err)
		}
	}
	return v, nil
}

func (l *Loader) install(v *Verified, fp []byte) {
	l.apply(v)
	l.mu.Lock()
	l.status = Status{Federation: v.File.Federation, Version: v.File.Version, Digest: v.Digest, Signers: v.Signers,
		Peers: len(v.File.Peers), LoadedAt: time.Now().UTC()}
	l.seen = fp
	l.mu.Unlock()
}

// Poll reloads the directory once its files changed since the last load
// and then stayed the same for one more poll, so that a directory and its
// signatures copied one after another are verified together. It reports
// whether a new directory was installed.
func (l *Loader) Poll() bool {
	fp := l.fingerprint()
	l.mu.Lock()
	same := bytes.Equal(fp, l.seen)
	settled := bytes.Equal(fp, l.pending)
	if !same && !settled {
		l.pending = fp
	}
	current := l.status.Version
	l.mu.Unlock()
	if same || !settled {
		return false
	}
	v, err := l.load(current)
	if err != nil {
		digest := ""
		if b, rerr := ReadFile(l.src.Path); rerr == nil {
			digest = Digest(b)
		}
		l.mu.Lock()
		l.status.Refused = &Refusal{At: time.Now().UTC(), Digest: digest, Error: err.Error()}
		l.seen = fp // do not retry the same files every poll
		l.mu.Unlock()
		l.log.Error("peer directory refused; keeping the last good one", "version_in_force", current, "err", err)
		return false
	}
	l.install(v, fp)
	l.log.Info("peer directory loaded", "version", v.File.Version, "peers", len(v.File.Peers), "signers", v.Signers)
	return true
}

// Status returns the directory in force and the last refusal.
func (l *Loader) Status() Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.status
	if st.Refused != nil {
		r := *st.Refused
		st.Refused = &r
	}
	return st
}
