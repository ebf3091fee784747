// Package testpki mints an in-memory CA and organisation certificates for
// tests across the repository: real ECDSA P-256 certificates with the OIN in
// the subject serialNumber, ready for mutual-TLS servers on 127.0.0.1:0.
// Nothing here is for production; it does no input validation, so tests can
// also mint malformed certificates (an empty OIN omits the serialNumber).
package testpki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

// CA is an in-memory certificate authority.
type CA struct {
	X509    *x509.Certificate
	Key     *ecdsa.PrivateKey
	CertPEM []byte

	mu      sync.Mutex
	revoked []x509.RevocationListEntry

	parent *CA
	chain  [][]byte // DER of this CA and the intermediates above it, root excluded
}

// Cert is an issued certificate and its key.
type Cert struct {
	TLS     tls.Certificate
	X509    *x509.Certificate
	CertPEM []byte
	KeyPEM  []byte
}

// New returns a fresh CA valid from an hour ago for a day.
func New(t testing.TB) *CA {
	t.Helper()
	key := newKey(t)
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: "Schakel test CA", Organization: []string{"Schakel test"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("testpki: create CA: %v", err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("testpki: parse CA: %v", err)
	}
	return &CA{X509: c, Key: key, CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// Pool returns a new pool holding only this CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.X509)
	return p
}

// WriteCertFile writes the CA certificate to dir/ca.pem and returns the path.
func (ca *CA) WriteCertFile(t testing.TB, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(p, ca.CertPEM, 0o644); err != nil {
		t.Fatalf("testpki: %v", err)
	}
	return p
}

type issueConfig struct {
	notBefore, notAfter time.Time
	dns                 []string
	ips                 []net.IP
	eku                 []x509.ExtKeyUsage
	revoked             bool
	ocsp, crlDP         []string
}

// OCSPServer names an OCSP responder in the certificate (authority information access).
func OCSPServer(urls ...string) Option { return func(c *issueConfig) { c.ocsp = urls } }

// CRLDistributionPoint names where the issuer's CRL is published.
func CRLDistributionPoint(urls ...string) Option { return func(c *issueConfig) { c.crlDP = urls } }

// Option changes an issued certificate.
type Option func(*issueConfig)

// Expired makes the certificate expired: valid from two days ago until yesterday.
func Expired() Option {
	return func(c *issueConfig) {
		now := time.Now()
		c.notBefore, c.notAfter = now.Add(-48*time.Hour), now.Add(-24*time.Hour)
	}
}

// NotYetValid makes the certificate valid only from tomorrow.
func NotYetValid() Option {
	return func(c *issueConfig) {
		now := time.Now()
		c.notBefore, c.notAfter = now.Add(24*time.Hour), now.Add(48*time.Hour)
	}
}

// Validity sets NotBefore and NotAfter.
func Validity(notBefore, notAfter time.Time) Option {
	return func(c *issueConfig) { c.notBefore, c.notAfter = notBefore, notAfter }
}

// Revoked puts the certificate's serial on the CA's revocation list.
func Revoked() Option { return func(c *issueConfig) { c.revoked = true } }

// DNSNames replaces the default SAN "localhost".
func DNSNames(names ...string) Option { return func(c *issueConfig) { c.dns = names } }

// ExtKeyUsage replaces the default ServerAuth+ClientAuth, e.g. to test a
// certificate that is only good for servers.
func ExtKeyUsage(u ...x509.ExtKeyUsage) Option { return func(c *issueConfig) { c.eku = u } }

// Issue mints a certificate for an organisation: subject CN=O=name,
// serialNumber=oin (omitted when oin is empty), SANs localhost, 127.0.0.1
// and ::1, ServerAuth and ClientAuth, valid from an hour ago for an hour.
func (ca *CA) Issue(t testing.TB, oin, name string, opts ...Option) *Cert {
	t.Helper()
	now := time.Now()
	cfg := issueConfig{
		notBefore: now.Add(-time.Hour),
		notAfter:  now.Add(time.Hour),
		dns:       []string{"localhost"},
		ips:       []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		eku:       []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	for _, o := range opts {
		o(&cfg)
	}
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: serial(t),
		Subject:      pkix.Name{CommonName: name, Organization: []string{name}, SerialNumber: oin},
		NotBefore:    cfg.notBefore,
		NotAfter:     cfg.notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  cfg.eku,
		DNSNames:     cfg.dns,
		IPAddresses:  cfg.ips,

		OCSPServer:            cfg.ocsp,
		CRLDistributionPoints: cfg.crlDP,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.X509, &key.PublicKey, ca.Key)
	if err != nil {
		t.Fatalf("testpki: issue %q: %v", name, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("testpki: parse %q: %v", name, err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("testpki: %v", err)
	}
	c := &Cert{
		TLS:     tls.Certificate{Certificate: append([][]byte{der}, ca.chain...), PrivateKey: key, Leaf: leaf},
		X509:    leaf,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}),
	}
	// Below an intermediate the certificate file carries the chain up to
	// (not including) the root, as a PKIoverheid certificate file does.
	for _, d := range ca.chain {
		c.CertPEM = append(c.CertPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: d})...)
	}
	if cfg.revoked {
		ca.Revoke(c)
	}
	return c
}

// Revoke puts c on the CA's revocation list.
func (ca *CA) Revoke(c *Cert) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	ca.revoked = append(ca.revoked, x509.RevocationListEntry{SerialNumber: c.X509.SerialNumber, RevocationTime: time.Now()})
}

// IsRevoked reports whether a certificate with c's serial was revoked by this CA.
func (ca *CA) IsRevoked(c *x509.Certificate) bool {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	for _, r := range ca.revoked {
		if r.SerialNumber.Cmp(c.SerialNumber) == 0 {
			return true
		}
	}
	return false
}

// CRL returns a signed revocation list (DER) of the revoked certificates.
func (ca *CA) CRL(t testing.TB) []byte {
	t.Helper()
	return ca.CRLWith(t, CRLOptions{})
}

// CRLOptions shape a CRL; zero fields take CRL's defaults: number the
// current time in nanoseconds (so later lists have higher numbers), this
// update a minute ago, next update in an hour.
type CRLOptions struct {
	Number                 *big.Int
	ThisUpdate, NextUpdate time.Time
}

// CRLWith returns a signed revocation list (DER) of the revoked certificates.
func (ca *CA) CRLWith(t testing.TB, o CRLOptions) []byte {
	t.Helper()
	ca.mu.Lock()
	entries := append([]x509.RevocationListEntry(nil), ca.revoked...)
	ca.mu.Unlock()
	now := time.Now()
	if o.Number == nil {
		o.Number = big.NewInt(now.UnixNano())
	}
	if o.ThisUpdate.IsZero() {
		o.ThisUpdate = now.Add(-time.Minute)
	}
	if o.NextUpdate.IsZero() {
		o.NextUpdate = now.Add(time.Hour)
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:                    o.Number,
		ThisUpdate:                o.ThisUpdate,
		NextUpdate:                o.NextUpdate,
		RevokedCertificateEntries: entries,
	}, ca.X509, ca.Key)
	if err != nil {
		t.Fatalf("testpki: CRL: %v", err)
	}
	return der
}

// WriteFiles writes the certificate to dir/<name>.pem and the key to
// dir/<name>.key with mode 0600, where name is the OIN (or "cert" without one).
func (c *Cert) WriteFiles(t testing.TB, dir string) (certPath, keyPath string) {
	t.Helper()
	base := c.X509.Subject.SerialNumber
	if base == "" {
		base = "cert"
	}
	certPath = filepath.Join(dir, base+".pem")
	keyPath = filepath.Join(dir, base+".key")
	if err := os.WriteFile(certPath, c.CertPEM, 0o644); err != nil {
		t.Fatalf("testpki: %v", err)
	}
	if err := os.WriteFile(keyPath, c.KeyPEM, 0o600); err != nil {
		t.Fatalf("testpki: %v", err)
	}
	// WriteFile keeps the mode of an existing file; make sure it is 0600.
	if err := os.Chmod(keyPath, 0o600); err != nil {
		t.Fatalf("testpki: %v", err)
	}
	return certPath, keyPath
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("testpki: key: %v", err)
	}
	return k
}

func serial(t testing.TB) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		t.Fatalf("testpki: serial: %v", err)
	}
	return n.Add(n, big.NewInt(1))
}

// Intermediate mints an issuing CA signed by ca, valid as long as ca, the
// way PKIoverheid's organisation services CAs hang below its root.
// Certificates it issues carry it (and any CA between it and the root) in
// their chain; the root stays the only trust anchor.
func (ca *CA) Intermediate(t testing.TB, name string, opts ...Option) *CA {
	t.Helper()
	cfg := issueConfig{}
	for _, o := range opts {
		o(&cfg)
	}
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"Schakel test"}},
		NotBefore:             ca.X509.NotBefore,
		NotAfter:              ca.X509.NotAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		OCSPServer:            cfg.ocsp,
		CRLDistributionPoints: cfg.crlDP,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.X509, &key.PublicKey, ca.Key)
	if err != nil {
		t.Fatalf("testpki: create intermediate %q: %v", name, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("testpki: parse intermediate: %v", err)
	}
	return &CA{X509: c, Key: key, CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		parent: ca, chain: append([][]byte{der}, ca.chain...)}
}

// Root returns the CA at the top of ca's hierarchy (ca itself for a root).
func (ca *CA) Root() *CA {
	for ca.parent != nil {
		ca = ca.parent
	}
	return ca
}

// AsCert returns an intermediate CA as a certificate of its parent, to
// revoke it there (parent.Revoke(ca.AsCert())).
func (ca *CA) AsCert() *Cert { return &Cert{X509: ca.X509, CertPEM: ca.CertPEM} }

// OCSPHandler is an OCSP responder for ca over HTTP (POST): good unless
// Revoke was called for the certificate, answers valid for an hour and
// signed by the CA itself.
func (ca *CA) OCSPHandler(_ testing.TB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req, err := ocsp.ParseRequest(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		now := time.Now()
		tmpl := ocsp.Response{Status: ocsp.Good, SerialNumber: req.SerialNumber, ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour)}
		ca.mu.Lock()
		for _, e := range ca.revoked {
			if e.SerialNumber.Cmp(req.SerialNumber) == 0 {
				tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, e.RevocationTime, ocsp.KeyCompromise
			}
		}
		ca.mu.Unlock()
		der, err := ocsp.CreateResponse(ca.X509, ca.X509, tmpl, ca.Key)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/ocsp-response")
		_, _ = w.Write(der)
	})
}
