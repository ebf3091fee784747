package node_test

// Revocation with a PKIoverheid-shaped hierarchy (issue 15): a root (the only
// trust anchor), an issuing CA below it, organisation certificates from the
// issuing CA, all minted in the test; real nodes, real mutual TLS.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/internal/testnode"
	"github.com/schakel/schakel/internal/testpki"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// pkioFederation makes the federation's CA an issuing CA below a fresh
// root: nodes get certificates from the issuing CA (with it in their chain)
// and trust only the root.
func pkioFederation(t *testing.T, opts ...testpki.Option) (*testnode.Federation, *testpki.CA) {
	f := testnode.New(t)
	root := f.CA
	f.CA = root.Intermediate(t, "Organisatie Services CA (test)", opts...)
	return f, root
}

func writeFileAt(t *testing.T, path string, b []byte, mtime time.Time) string {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	return path
}

func askWith(t *testing.T, c exchangev1.ExchangeServiceClient) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.RequestRecord(ctx, peerRequest(testnode.Child(t, "Bas").BSN, time.Now()))
	return err
}

func TestIssuingCACRLServesValidRefusesRevokedAndStale(t *testing.T) {
	f, root := pkioFederation(t)
	issuing := f.CA
	good := issuing.Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name)
	revoked := issuing.Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name, testpki.Revoked())
	rootCRL := writeFileAt(t, filepath.Join(f.Dir, "root.crl"), root.CRL(t), time.Now())
	issuingCRL := writeFileAt(t, filepath.Join(f.Dir, "issuing.crl"), issuing.CRL(t), time.Now())
	past := time.Now().Add(-time.Minute)
	staleCRL := writeFileAt(t, filepath.Join(f.Dir, "issuing-stale.crl"),
		issuing.CRLWith(t, testpki.CRLOptions{ThisUpdate: past.Add(-24 * time.Hour), NextUpdate: past}), time.Now())

	// With the issuing CA's CRL (and the root's) the node starts.
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg}, func(c *config.Config, o *node.Options) {
		o.Decider = allowDecider{}
		o.Source = fixtureSource(t)
		c.Trust.CRLs = []string{rootCRL, issuingCRL}
	})
	if err := askWith(t, f.PeerClient(school, good.TLS)); err != nil {
		t.Fatalf("valid certificate from the issuing CA refused: %v", err)
	}
	if err := askWith(t, f.PeerClient(school, revoked.TLS)); status.Code(err) != codes.Unavailable {
		t.Fatalf("revoked certificate: %v, want a refused handshake (Unavailable)", err)
	}

	// A node whose copy of the issuing CA's CRL is past nextUpdate starts,
	// but refuses that CA's certificates, and says so in /healthz and metrics.
	gemeente := f.Start(testnode.Gemeente, []testnode.Org{testnode.Zorg}, func(c *config.Config, o *node.Options) {
		o.Decider = allowDecider{}
		o.Source = fixtureSource(t)
		c.Trust.CRLs = []string{rootCRL, staleCRL}
		c.Listen.Metrics = "127.0.0.1:0"
	})
	if err := askWith(t, f.PeerClient(gemeente, good.TLS)); status.Code(err) != codes.Unavailable {
		t.Fatalf("peer of an issuer whose CRL is stale: %v, want a refused handshake", err)
	}
	health := httpGet(t, "http://"+gemeente.Node.MetricsAddr+"/healthz")
	if !strings.Contains(health, `"status":"serving_with_stale_revocation_list"`) || !strings.Contains(health, `"stale":true`) {
		t.Errorf("/healthz does not report the stale CRL: %s", health)
	}
	metrics := httpGet(t, "http://"+gemeente.Node.MetricsAddr+"/metrics")
	for _, want := range []string{`schakel_crl_stale{listener="peer"} 1`, `schakel_revocation_refused_total{listener="peer",reason="crl_stale"}`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if !strings.Contains(f.Logs.String(), "revocation list of the issuer is past its nextUpdate") {
		t.Error("the refusal's reason is not in the log")
	}
}

// TestRevokedMeanwhileClosedWithinMaxConnectionAge: an open connection
// does not outlive its certificate's revocation by more than the maximum
// connection age (plus the CRL poll and grace).
func TestRevokedMeanwhileClosedWithinMaxConnectionAge(t *testing.T) {
	f, _ := pkioFederation(t)
	issuing := f.CA
	zorg := issuing.Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name)
	crl := writeFileAt(t, filepath.Join(f.Dir, "issuing.crl"), issuing.CRL(t), time.Now().Add(-time.Minute))
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg}, func(c *config.Config, o *node.Options) {
		o.Decider = allowDecider{}
		o.Source = fixtureSource(t)
		c.Trust.CRLs = []string{crl}
		c.Trust.MaxConnectionAge = config.Duration(2 * time.Second)
		c.Trust.MaxConnectionAgeGrace = config.Duration(500 * time.Millisecond)
	})
	client := f.PeerClient(school, zorg.TLS) // one connection, kept open
	if err := askWith(t, client); err != nil {
		t.Fatal(err)
	}
	issuing.Revoke(zorg)
	writeFileAt(t, crl, issuing.CRL(t), time.Now())
	revokedAt := time.Now()
	for {
		err := askWith(t, client)
		if status.Code(err) == codes.Unavailable {
			break
		}
		if err != nil {
			t.Fatalf("while waiting for the connection to end: %v", err)
		}
		// CRL poll (5 s) + max age (2 s, ±10 % jitter) + grace, with margin.
		if time.Since(revokedAt) > 15*time.Second {
			t.Fatal("the open connection of a revoked certificate still works 15 s after the revocation")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(f.Logs.String(), "crl reloaded") {
		t.Error("the node did not log the CRL reload")
	}
}

func TestOCSPRevokedRefusedAndResponderDownFailsClosed(t *testing.T) {
	f := testnode.New(t)
	root := f.CA
	issuing := root.Intermediate(t, "Organisatie Services CA (test)")
	responder := httptest.NewServer(issuing.OCSPHandler(t))
	f.CA = issuing
	url := responder.URL
	good := issuing.Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name, testpki.OCSPServer(url))
	revoked := issuing.Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name, testpki.OCSPServer(url), testpki.Revoked())
	later := issuing.Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name, testpki.OCSPServer(url))
	ocspOn := func(failOpen bool) func(*config.Config, *node.Options) {
		return func(c *config.Config, o *node.Options) {
			o.Decider = allowDecider{}
			o.Source = fixtureSource(t)
			c.Trust.OCSP = config.OCSP{Enabled: true, FailOpen: failOpen, Timeout: config.Duration(time.Second)}
		}
	}
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg}, ocspOn(false))
	gemeente := f.Start(testnode.Gemeente, []testnode.Org{testnode.Zorg}, ocspOn(true))
	if err := askWith(t, f.PeerClient(school, good.TLS)); err != nil {
		t.Fatalf("certificate the responder calls good: %v", err)
	}
	if err := askWith(t, f.PeerClient(school, revoked.TLS)); status.Code(err) != codes.Unavailable {
		t.Fatalf("certificate the responder calls revoked: %v, want a refused handshake", err)
	}
	responder.Close()
	if err := askWith(t, f.PeerClient(school, later.TLS)); status.Code(err) != codes.Unavailable {
		t.Fatalf("responder down, default configuration: %v, want a refused handshake (fail closed)", err)
	}
	if err := askWith(t, f.PeerClient(gemeente, later.TLS)); status.Code(err) == codes.Unavailable {
		t.Fatalf("responder down with trust.ocsp.fail_open: %v, want the handshake accepted", err)
	}
}

// TestLocalListenerChecksItsCAsCRL: a local client certificate revoked by
// the organisation's own CA is refused on the local API; the others work.
func TestLocalListenerChecksItsCAsCRL(t *testing.T) {
	f := testnode.New(t)
	f.LocalCA = testpki.New(t)
	gone := f.LocalCA.Issue(t, testnode.School.OIN, "oud systeem", testpki.Revoked())
	crl := writeFileAt(t, filepath.Join(f.Dir, "local.crl"), f.LocalCA.CRL(t), time.Now())
	school := f.Start(testnode.School, nil, func(c *config.Config, _ *node.Options) {
		c.Local.CRLs = []string{crl}
	})
	call := func(cert *testpki.Cert) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := localv1.NewPolicyServiceClient(f.Dial(school.Node.LocalAddr, cert.TLS)).GetPolicyStatus(ctx, &localv1.GetPolicyStatusRequest{})
		return err
	}
	if err := call(school.Client); err != nil {
		t.Fatalf("valid local client: %v", err)
	}
	if err := call(gone); status.Code(err) != codes.Unavailable {
		t.Fatalf("revoked local client: %v, want a refused handshake", err)
	}
}

// TestCRLFetchedFromURL: with trust.crl_urls (a loopback HTTP server as the
// issuing CA's publication point) and require_revocation, the node fetches
// the CRL at start, serves a valid peer and refuses the revoked one; a peer
// of an issuer whose CRL it cannot get is refused.
func TestCRLFetchedFromURL(t *testing.T) {
	f, root := pkioFederation(t)
	issuing := f.CA
	good := issuing.Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name)
	revoked := issuing.Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name, testpki.Revoked())
	crls := map[string][]byte{"/root.crl": root.CRL(t), "/issuing.crl": issuing.CRL(t)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := crls[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(b)
	}))
	defer srv.Close()
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg}, func(c *config.Config, o *node.Options) {
		o.Decider = allowDecider{}
		o.Source = fixtureSource(t)
		c.Trust.CRLURLs = []string{srv.URL + "/root.crl", srv.URL + "/issuing.crl"}
		c.Trust.RequireRevocation = true
	})
	if err := askWith(t, f.PeerClient(school, good.TLS)); err != nil {
		t.Fatalf("valid certificate with fetched CRLs: %v", err)
	}
	if err := askWith(t, f.PeerClient(school, revoked.TLS)); status.Code(err) != codes.Unavailable {
		t.Fatalf("certificate on the fetched CRL: %v, want a refused handshake", err)
	}
	// Another issuing CA under the same root, whose CRL the node does not have.
	other := root.Intermediate(t, "Andere Services CA (test)").Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name)
	if err := askWith(t, f.PeerClient(school, other.TLS)); status.Code(err) != codes.Unavailable {
		t.Fatalf("issuer without a CRL under require_revocation: %v, want a refused handshake", err)
	}
}
