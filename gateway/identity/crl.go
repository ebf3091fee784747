package identity

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"sync"
	"time"
)

// ErrRevoked means a certificate is on its issuer's revocation list.
var ErrRevoked = errors.New("certificate revoked")

// Revocation checks certificates against CRLs, one per trust anchor. Each
// CRL's signature is verified against an anchor before it is used. The files
// are re-read when they change (Refresh, called periodically by the node);
// a changed file that fails to parse or verify is refused and the last good
// list stays in force.
type Revocation struct {
	paths   []string
	anchors []*x509.Certificate
	log     *slog.Logger

	mu      sync.RWMutex
	revoked map[string]map[string]bool // issuer raw subject → serial → revoked
	mtimes  map[string]time.Time
}

// NewRevocation loads the CRL files; every file must parse and be signed by
// one of the anchors.
func NewRevocation(paths []string, anchors []*x509.Certificate, log *slog.Logger) (*Revocation, error) {
	r := &Revocation{paths: paths, anchors: anchors, log: log, revoked: map[string]map[string]bool{}, mtimes: map[string]time.Time{}}
	for _, p := range paths {
		if err := r.load(p); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (r *Revocation) load(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("crl %s: %w", path, err)
	}
	b, err := readPEM(path, false)
	if err != nil {
		return fmt.Errorf("crl %s: %w", path, err)
	}
	if blk, _ := pem.Decode(b); blk != nil {
		b = blk.Bytes
	}
	crl, err := x509.ParseRevocationList(b)
	if err != nil {
		return fmt.Errorf("crl %s: %w", path, err)
	}
	var issuer *x509.Certificate
	for _, a := range r.anchors {
		if crl.CheckSignatureFrom(a) == nil {
			issuer = a
			break
		}
	}
	if issuer == nil {
		return fmt.Errorf("crl %s: not signed by a trust anchor", path)
	}
	serials := map[string]bool{}
	for _, e := range crl.RevokedCertificateEntries {
		serials[e.SerialNumber.String()] = true
	}
	r.mu.Lock()
	r.revoked[string(issuer.RawSubject)] = serials
	r.mtimes[path] = fi.ModTime()
	r.mu.Unlock()
	return nil
}

// Refresh re-reads the CRL files that changed since they were loaded.
func (r *Revocation) Refresh() {
	for _, p := range r.paths {
		fi, err := os.Stat(p)
		if err != nil {
			r.log.Error("crl unreadable; keeping the last good list", "path", p, "err", err)
			continue
		}
		r.mu.RLock()
		same := fi.ModTime().Equal(r.mtimes[p])
		r.mu.RUnlock()
		if same {
			continue
		}
		if err := r.load(p); err != nil {
			r.log.Error("crl refused; keeping the last good list", "path", p, "err", err)
			continue
		}
		r.log.Info("crl reloaded", "path", p)
	}
}

// Check refuses a revoked certificate. Use it as the check function of
// ServerTLS and ClientTLS.
func (r *Revocation) Check(c *x509.Certificate) error {
	if r == nil {
		return nil
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.revoked[string(c.RawIssuer)][serialString(c.SerialNumber)] {
		return fmt.Errorf("%w: serial %s", ErrRevoked, c.SerialNumber)
	}
	return nil
}

func serialString(n *big.Int) string {
	if n == nil {
		return ""
	}
	return n.String()
}
