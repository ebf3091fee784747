package node_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/internal/testnode"
	"github.com/schakel/schakel/internal/testpki"
)

// TestPKIoverheidThreeLevelChain: PKIoverheid's private hierarchy has three
// CA levels — the root (the only trust anchor), the domain CA (Private
// Services CA - G1) and the trust service provider's issuing CA — above an
// organisation certificate. Real nodes, real mutual TLS, certificates whose
// files carry leaf, issuing CA and domain CA:
//
//   - a node with such a certificate starts and serves a peer whose
//     certificate has the same depth, with revocation required and each
//     level's CRL (root, domain CA, issuing CA) configured;
//   - a revoked organisation certificate is refused (issuing CA's CRL), and
//     so is a valid certificate under an issuing CA that the domain CA
//     revoked (domain CA's CRL: the middle level is checked too);
//   - without the domain CA's CRL, revocation required, the same valid
//     certificate is refused as crl_missing: no level is skipped.
func TestPKIoverheidThreeLevelChain(t *testing.T) {
	f := testnode.New(t)
	root := f.CA
	domain := root.Intermediate(t, "Staat der Nederlanden Private Services CA - G1 (test)")
	issuing := domain.Intermediate(t, "TSP PKIoverheid Private Services CA - G1 (test)")
	f.CA = issuing // nodes get their certificates here; Prepare's anchor is issuing.Root()
	otherTSP := domain.Intermediate(t, "Ingetrokken TSP Private Services CA - G1 (test)")
	domain.Revoke(otherTSP.AsCert())

	good := issuing.Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name)
	if n := strings.Count(string(good.CertPEM), "BEGIN CERTIFICATE"); n != 3 {
		t.Fatalf("the organisation certificate file holds %d certificates, want 3 (leaf, issuing CA, domain CA)", n)
	}
	if len(good.TLS.Certificate) != 3 {
		t.Fatalf("the TLS chain has %d certificates, want 3", len(good.TLS.Certificate))
	}
	revoked := issuing.Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name, testpki.Revoked())
	underRevokedCA := otherTSP.Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name)

	now := time.Now()
	rootCRL := writeFileAt(t, filepath.Join(f.Dir, "root.crl"), root.CRL(t), now)
	domainCRL := writeFileAt(t, filepath.Join(f.Dir, "domain.crl"), domain.CRL(t), now)
	issuingCRL := writeFileAt(t, filepath.Join(f.Dir, "issuing.crl"), issuing.CRL(t), now)
	otherCRL := writeFileAt(t, filepath.Join(f.Dir, "other-tsp.crl"), otherTSP.CRL(t), now)
	otherPEM := filepath.Join(f.Dir, "other-tsp.pem")
	if err := os.WriteFile(otherPEM, otherTSP.CertPEM, 0o644); err != nil {
		t.Fatal(err)
	}

	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg}, func(c *config.Config, o *node.Options) {
		o.Decider = allowDecider{}
		o.Source = fixtureSource(t)
		c.Trust.RequireRevocation = true
		// The other TSP's CA is not in this node's chain: name it, so its CRL verifies.
		c.Trust.Intermediates = []string{otherPEM}
		c.Trust.CRLs = []string{rootCRL, domainCRL, issuingCRL, otherCRL}
		c.Listen.Metrics = "127.0.0.1:0"
	})
	if n := len(school.Cert.TLS.Certificate); n != 3 {
		t.Fatalf("the school's own chain has %d certificates, want 3", n)
	}
	if err := askWith(t, f.PeerClient(school, good.TLS)); err != nil {
		t.Fatalf("valid certificate below root, domain CA and issuing CA refused: %v", err)
	}
	if err := askWith(t, f.PeerClient(school, revoked.TLS)); status.Code(err) != codes.Unavailable {
		t.Errorf("certificate revoked by the issuing CA: %v, want a refused handshake (Unavailable)", err)
	}
	if err := askWith(t, f.PeerClient(school, underRevokedCA.TLS)); status.Code(err) != codes.Unavailable {
		t.Errorf("certificate under an issuing CA the domain CA revoked: %v, want a refused handshake (Unavailable)", err)
	}
	metrics := httpGet(t, "http://"+school.Node.MetricsAddr+"/metrics")
	if m := regexp.MustCompile(`schakel_revocation_refused_total\{listener="peer",reason="revoked"\} (\d+)`).FindStringSubmatch(metrics); m == nil || m[1] == "0" {
		t.Errorf("/metrics counts no refusal for revocation:\n%s", metrics)
	}
	health := httpGet(t, "http://"+school.Node.MetricsAddr+"/healthz")
	for _, ca := range []string{"Private Services CA - G1 (test)", "TSP PKIoverheid", "Ingetrokken TSP"} {
		if !strings.Contains(health, ca) {
			t.Errorf("/healthz lists no CRL of %q: %s", ca, health)
		}
	}

	// The domain CA's CRL missing: its issuing CAs cannot be checked.
	gemeente := f.Start(testnode.Gemeente, []testnode.Org{testnode.Zorg}, func(c *config.Config, o *node.Options) {
		o.Decider = allowDecider{}
		o.Source = fixtureSource(t)
		c.Trust.RequireRevocation = true
		c.Trust.CRLs = []string{rootCRL, issuingCRL}
		c.Listen.Metrics = "127.0.0.1:0"
	})
	if err := askWith(t, f.PeerClient(gemeente, good.TLS)); status.Code(err) != codes.Unavailable {
		t.Errorf("no CRL for the domain CA, revocation required: %v, want a refused handshake", err)
	}
	if metrics := httpGet(t, "http://"+gemeente.Node.MetricsAddr+"/metrics"); !strings.Contains(metrics, `reason="crl_missing"`) {
		t.Errorf("/metrics does not count the missing domain CA CRL as crl_missing")
	}
}
