package identity

import (
	"crypto"
	cryptoRand "crypto/rand"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/ocsp"

	"github.com/schakel/schakel/internal/testpki"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func writeCRLFile(t *testing.T, dir, name string, der []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, der, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// pkio is a PKIoverheid-shaped hierarchy: a root (the only anchor), an
// issuing CA below it, organisation certificates from the issuing CA.
type pkio struct {
	root, issuing *testpki.CA
}

func newPKIo(t *testing.T, opts ...testpki.Option) pkio {
	root := testpki.New(t)
	return pkio{root: root, issuing: root.Intermediate(t, "Organisatie Services CA", opts...)}
}

func (p pkio) chain(c *testpki.Cert) []*x509.Certificate {
	return []*x509.Certificate{c.X509, p.issuing.X509, p.root.X509}
}

func TestIssuingCACRLVerifiedAgainstIssuerInChain(t *testing.T) {
	p := newPKIo(t)
	good := p.issuing.Issue(t, oinA, "School")
	revoked := p.issuing.Issue(t, oinB, "Zorg", testpki.Revoked())
	dir := t.TempDir()
	crl := writeCRLFile(t, dir, "issuing.crl", p.issuing.CRL(t))

	// Without the issuing CA as a known issuer, its CRL cannot be verified at start.
	_, err := NewRevocation(RevocationConfig{Files: []string{crl}, Anchors: []*x509.Certificate{p.root.X509}, Log: quiet()})
	if err == nil || !strings.Contains(err.Error(), "trust.intermediates") {
		t.Fatalf("CRL of an unknown issuer = %v, want a refusal naming trust.intermediates", err)
	}
	rev, err := NewRevocation(RevocationConfig{Files: []string{crl}, Anchors: []*x509.Certificate{p.root.X509}, Intermediates: []*x509.Certificate{p.issuing.X509}, Log: quiet()})
	if err != nil {
		t.Fatalf("CRL of the issuing CA refused: %v", err)
	}
	if err := rev.CheckChain(p.chain(good)); err != nil {
		t.Errorf("valid certificate refused: %v", err)
	}
	if err := rev.CheckChain(p.chain(revoked)); !errors.Is(err, ErrRevoked) {
		t.Errorf("revoked certificate = %v, want ErrRevoked", err)
	}

	// An impostor CA with the same name and key id but another key: its
	// chain's issuer did not sign the CRL in force, so the check fails closed.
	impostor := *p.issuing.X509
	other := newPKIo(t).issuing.X509
	impostor.PublicKey, impostor.Raw = other.PublicKey, other.Raw
	if err := rev.CheckChain([]*x509.Certificate{good.X509, &impostor, p.root.X509}); !errors.Is(err, ErrRevocationUnknown) {
		t.Errorf("chain whose issuer did not sign the CRL = %v, want ErrRevocationUnknown", err)
	}
}

func TestRootCRLRevokesIssuingCA(t *testing.T) {
	p := newPKIo(t)
	org := p.issuing.Issue(t, oinA, "School")
	dir := t.TempDir()
	p.root.Revoke(p.issuing.AsCert())
	files := []string{writeCRLFile(t, dir, "root.crl", p.root.CRL(t)), writeCRLFile(t, dir, "issuing.crl", p.issuing.CRL(t))}
	rev, err := NewRevocation(RevocationConfig{Files: files, Anchors: []*x509.Certificate{p.root.X509}, Intermediates: []*x509.Certificate{p.issuing.X509}, Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if err := rev.CheckChain(p.chain(org)); !errors.Is(err, ErrRevoked) || !strings.Contains(err.Error(), p.root.X509.Subject.CommonName) {
		t.Fatalf("certificate below a revoked issuing CA = %v, want ErrRevoked by the root's CRL", err)
	}
}

func TestStaleCRLRefusesPeersOfItsIssuerOnly(t *testing.T) {
	p := newPKIo(t)
	other := newPKIo(t)
	dir := t.TempDir()
	past := time.Now().Add(-time.Minute)
	files := []string{
		writeCRLFile(t, dir, "stale.crl", p.issuing.CRLWith(t, testpki.CRLOptions{ThisUpdate: past.Add(-time.Hour), NextUpdate: past})),
		writeCRLFile(t, dir, "fresh.crl", other.issuing.CRL(t)),
	}
	rev, err := NewRevocation(RevocationConfig{Files: files, Anchors: []*x509.Certificate{p.root.X509, other.root.X509},
		Intermediates: []*x509.Certificate{p.issuing.X509, other.issuing.X509}, Log: quiet()})
	if err != nil {
		t.Fatalf("a stale CRL must not stop the node from starting: %v", err)
	}
	reg := prometheus.NewRegistry()
	if err := rev.Register(reg, "peer"); err != nil {
		t.Fatal(err)
	}
	err = rev.CheckChain(p.chain(p.issuing.Issue(t, oinA, "School")))
	if !errors.Is(err, ErrCRLStale) || !strings.Contains(err.Error(), "was due") {
		t.Fatalf("peer of an issuer with a stale CRL = %v, want ErrCRLStale", err)
	}
	if err := rev.CheckChain(other.chain(other.issuing.Issue(t, oinB, "Zorg"))); err != nil {
		t.Errorf("peer of an issuer with a fresh CRL refused: %v", err)
	}
	if got := metricValue(t, reg, "schakel_revocation_refused_total", "crl_stale"); got != 1 {
		t.Errorf("crl_stale refusals = %v, want 1", got)
	}
	stale := 0
	for _, s := range rev.Status() {
		if s.Stale {
			stale++
		}
	}
	if stale != 1 {
		t.Errorf("status lists %d stale CRLs, want 1: %+v", stale, rev.Status())
	}
	if got := metricValue(t, reg, "schakel_crl_stale", ""); got != 1 {
		t.Errorf("schakel_crl_stale = %v, want 1", got)
	}

	// A grace period keeps the list usable for a while after nextUpdate.
	graced, err := NewRevocation(RevocationConfig{Files: files[:1], Grace: time.Hour, Anchors: []*x509.Certificate{p.root.X509}, Intermediates: []*x509.Certificate{p.issuing.X509}, Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if err := graced.CheckChain(p.chain(p.issuing.Issue(t, oinA, "School"))); err != nil {
		t.Errorf("within trust.crl_grace: %v", err)
	}
}

func TestCRLNumbersOnlyGoUp(t *testing.T) {
	p := newPKIo(t)
	c := p.issuing.Issue(t, oinA, "School")
	dir := t.TempDir()
	path := writeCRLFile(t, dir, "issuing.crl", p.issuing.CRLWith(t, testpki.CRLOptions{Number: big.NewInt(10)}))
	rev, err := NewRevocation(RevocationConfig{Files: []string{path}, Anchors: []*x509.Certificate{p.root.X509}, Intermediates: []*x509.Certificate{p.issuing.X509}, Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	p.issuing.Revoke(c)
	bump := func(n int64) {
		writeCRLFile(t, dir, "issuing.crl", p.issuing.CRLWith(t, testpki.CRLOptions{Number: big.NewInt(n)}))
		later := time.Now().Add(time.Duration(n) * time.Second)
		_ = os.Chtimes(path, later, later)
		rev.Refresh()
	}
	// Number 11 revokes c.
	bump(11)
	if err := rev.CheckChain(p.chain(c)); !errors.Is(err, ErrRevoked) {
		t.Fatalf("CRL 11 not taken: %v", err)
	}
	// An older list (number 9, without the revocation: e.g. replayed by an
	// attacker) is refused; so is the same number with other content.
	for _, n := range []int64{9, 11} {
		writeCRLFile(t, dir, "issuing.crl", crlWithout(t, p.issuing, n))
		later := time.Now().Add(time.Duration(100+n) * time.Second)
		_ = os.Chtimes(path, later, later)
		rev.Refresh()
		if err := rev.CheckChain(p.chain(c)); !errors.Is(err, ErrRevoked) {
			t.Fatalf("CRL number %d (not above 11) replaced the list in force: %v", n, err)
		}
		if e := rev.Errors()[path]; !strings.Contains(e, "is not above 11") {
			t.Errorf("refusal of CRL %d not reported: %q", n, e)
		}
	}
}

// crlWithout signs a CRL of ca with no entries and the given number.
func crlWithout(t *testing.T, ca *testpki.CA, n int64) []byte {
	t.Helper()
	der, err := x509.CreateRevocationList(randReader{}, &x509.RevocationList{
		Number: big.NewInt(n), ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(time.Hour),
	}, ca.X509, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestCRLFetchedFromDistributionPoint(t *testing.T) {
	var mu sync.Mutex
	var served []byte
	fails := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if fails {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write(served)
	}))
	defer srv.Close()
	p := newPKIo(t)
	serve := func() { mu.Lock(); served = p.issuing.CRL(t); mu.Unlock() }
	serve()
	c := p.issuing.Issue(t, oinA, "School", testpki.CRLDistributionPoint(srv.URL+"/issuing.crl"))
	clock := time.Now()
	var clockMu sync.Mutex
	now := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return clock }
	advance := func(d time.Duration) { clockMu.Lock(); clock = clock.Add(d); clockMu.Unlock() }

	// Learnt from a verified chain: the first check finds no CRL yet (not
	// required here), the next refresh fetches it.
	rev, err := NewRevocation(RevocationConfig{DistributionPoints: true, Refresh: time.Minute, Anchors: []*x509.Certificate{p.root.X509}, Now: now, Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if err := rev.CheckChain(p.chain(c)); err != nil {
		t.Fatal(err)
	}
	rev.Refresh()
	if st := rev.Status(); len(st) != 1 || !strings.HasPrefix(st[0].Source, srv.URL) {
		t.Fatalf("distribution point not fetched: %+v %v", st, rev.Errors())
	}
	p.issuing.Revoke(c)
	serve()
	rev.Refresh() // not due yet
	if err := rev.CheckChain(p.chain(c)); err != nil {
		t.Fatalf("fetched before the refresh interval: %v", err)
	}
	advance(2 * time.Minute)
	rev.Refresh()
	if err := rev.CheckChain(p.chain(c)); !errors.Is(err, ErrRevoked) {
		t.Fatalf("revocation from the distribution point not applied: %v", err)
	}
	// The publisher goes down: the last good list stays, the failure shows.
	mu.Lock()
	fails = true
	mu.Unlock()
	advance(2 * time.Minute)
	rev.Refresh()
	if err := rev.CheckChain(p.chain(c)); !errors.Is(err, ErrRevoked) {
		t.Fatalf("last good list dropped after a failed fetch: %v", err)
	}
	if e := rev.Errors()[srv.URL+"/issuing.crl"]; !strings.Contains(e, "503") {
		t.Errorf("fetch failure not reported: %v", rev.Errors())
	}
	// Past its nextUpdate without a new list: refused.
	advance(2 * time.Hour)
	if err := rev.CheckChain(p.chain(c)); !errors.Is(err, ErrCRLStale) {
		t.Fatalf("stale fetched list = %v, want ErrCRLStale", err)
	}
}

func TestRequireRevocationRefusesUncoveredIssuer(t *testing.T) {
	p := newPKIo(t)
	rev, err := NewRevocation(RevocationConfig{Require: true, Anchors: []*x509.Certificate{p.root.X509}, Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if err := rev.CheckChain(p.chain(p.issuing.Issue(t, oinA, "x"))); !errors.Is(err, ErrRevocationUnknown) {
		t.Fatalf("uncovered issuer with require = %v, want ErrRevocationUnknown", err)
	}
}

func TestOCSP(t *testing.T) {
	p := newPKIo(t)
	var hits int
	var mu sync.Mutex
	h := p.issuing.OCSPHandler(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	url := srv.URL
	good := p.issuing.Issue(t, oinA, "School", testpki.OCSPServer(url))
	revoked := p.issuing.Issue(t, oinB, "Zorg", testpki.OCSPServer(url), testpki.Revoked())
	rev, err := NewRevocation(RevocationConfig{OCSP: true, Anchors: []*x509.Certificate{p.root.X509}, Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if err := rev.CheckChain(p.chain(good)); err != nil {
		t.Fatalf("good: %v", err)
	}
	if err := rev.CheckChain(p.chain(revoked)); !errors.Is(err, ErrRevoked) {
		t.Fatalf("revoked by OCSP = %v, want ErrRevoked", err)
	}
	// Cached: asking again does not reach the responder.
	mu.Lock()
	before := hits
	mu.Unlock()
	_ = rev.CheckChain(p.chain(good))
	mu.Lock()
	if hits != before {
		t.Errorf("OCSP answer not cached: %d queries, want %d", hits, before)
	}
	mu.Unlock()

	// Responder down: refused by default, accepted with fail_open.
	srv.Close()
	fresh := p.issuing.Issue(t, oinA, "School 2", testpki.OCSPServer(url))
	if err := rev.CheckChain(p.chain(fresh)); !errors.Is(err, ErrRevocationUnknown) {
		t.Fatalf("responder down = %v, want a refusal (fail closed)", err)
	}
	open, _ := NewRevocation(RevocationConfig{OCSP: true, OCSPFailOpen: true, Anchors: []*x509.Certificate{p.root.X509}, Log: quiet()})
	if err := open.CheckChain(p.chain(fresh)); err != nil {
		t.Fatalf("responder down with fail_open = %v, want accepted", err)
	}

	// An answer signed by another CA is not an answer.
	liar := newPKIo(t).issuing
	lsrv := httptest.NewServer(liar.OCSPHandler(t))
	defer lsrv.Close()
	forged := p.issuing.Issue(t, oinA, "School 3", testpki.OCSPServer(lsrv.URL))
	if err := rev.CheckChain(p.chain(forged)); !errors.Is(err, ErrRevocationUnknown) {
		t.Fatalf("OCSP answer signed by another CA = %v, want a refusal", err)
	}
}

type randReader struct{}

func (randReader) Read(b []byte) (int, error) { return cryptoRand.Read(b) }

// metricValue returns the value of the series of name whose reason label
// is reason (any series when reason is empty).
func metricValue(t *testing.T, reg *prometheus.Registry, name, reason string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			ok := reason == ""
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" && l.GetValue() == reason {
					ok = true
				}
			}
			if !ok {
				continue
			}
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return -1
}

// A delegated OCSP responder must carry the OCSP signing usage: a
// certificate the issuing CA gave an organisation for TLS cannot vouch for
// other certificates.
func TestOCSPDelegatedResponderNeedsOCSPSigning(t *testing.T) {
	p := newPKIo(t)
	for _, tc := range []struct {
		name string
		eku  x509.ExtKeyUsage
		ok   bool
	}{{"tls certificate", x509.ExtKeyUsageServerAuth, false}, {"ocsp signer", x509.ExtKeyUsageOCSPSigning, true}} {
		t.Run(tc.name, func(t *testing.T) {
			responder := p.issuing.Issue(t, "", "responder", testpki.ExtKeyUsage(tc.eku))
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				req, err := ocsp.ParseRequest(body)
				if err != nil {
					http.Error(w, err.Error(), 400)
					return
				}
				der, err := ocsp.CreateResponse(p.issuing.X509, responder.X509, ocsp.Response{
					Status: ocsp.Good, SerialNumber: req.SerialNumber, ThisUpdate: time.Now().Add(-time.Minute),
					NextUpdate: time.Now().Add(time.Hour), Certificate: responder.X509,
				}, responder.TLS.PrivateKey.(crypto.Signer))
				if err != nil {
					http.Error(w, err.Error(), 500)
					return
				}
				_, _ = w.Write(der)
			}))
			defer srv.Close()
			c := p.issuing.Issue(t, oinA, "School", testpki.OCSPServer(srv.URL))
			rev, _ := NewRevocation(RevocationConfig{OCSP: true, Anchors: []*x509.Certificate{p.root.X509}, Log: quiet()})
			err := rev.CheckChain(p.chain(c))
			if (err == nil) != tc.ok {
				t.Fatalf("CheckChain = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
