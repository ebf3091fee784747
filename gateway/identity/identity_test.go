package identity

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/schakel/schakel/internal/testpki"
)

const (
	oinA = "00000001000000000001"
	oinB = "00000001000000000002"
)

// handshake runs a real TLS handshake over a pipe between the two configs.
func handshake(t *testing.T, srv, cli *tls.Config) (serverErr, clientErr error) {
	t.Helper()
	a, b := net.Pipe()
	done := make(chan error, 1)
	go func() {
		s := tls.Server(a, srv)
		err := s.Handshake()
		if err == nil {
			// Read until the client closes, so TLS 1.3 client-auth failures surface.
			_, _ = io.Copy(io.Discard, s)
		}
		done <- err
		a.Close()
	}()
	c := tls.Client(b, cli)
	clientErr = c.Handshake()
	if clientErr == nil {
		// In TLS 1.3 the server's verdict on the client certificate arrives
		// with the first read.
		_ = c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		_, err := c.Read(make([]byte, 1))
		var ne net.Error
		if err != nil && !(errors.As(err, &ne) && ne.Timeout()) && !errors.Is(err, io.EOF) {
			clientErr = err
		}
	}
	b.Close()
	serverErr = <-done
	return serverErr, clientErr
}

func TestMutualTLSChecksOINAndRevocation(t *testing.T) {
	ca := testpki.New(t)
	a := ca.Issue(t, oinA, "School")
	b := ca.Issue(t, oinB, "Zorg")
	revoked := ca.Issue(t, oinB, "Zorg (oud)")
	ca.Revoke(revoked)
	crlPath := filepath.Join(t.TempDir(), "ca.crl")
	if err := os.WriteFile(crlPath, ca.CRL(t), 0o600); err != nil {
		t.Fatal(err)
	}
	rev, err := NewRevocation(RevocationConfig{Files: []string{crlPath}, Anchors: []*x509.Certificate{ca.X509}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	other := testpki.New(t).Issue(t, oinB, "Nep")

	cases := []struct {
		name    string
		client  *testpki.Cert
		wantOIN string // what the client expects the server to be
		ok      bool
	}{
		{"valid client, right server OIN", b, oinA, true},
		{"server OIN differs from directory", b, oinB, false},
		{"client from another CA", other, oinA, false},
		{"revoked client", revoked, oinA, false},
		{"no client certificate", nil, oinA, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := ServerTLS(a.TLS, ca.Pool(), rev.CheckChain)
			var cliCert tls.Certificate
			if tc.client != nil {
				cliCert = tc.client.TLS
			}
			cli := ClientTLS(cliCert, ca.Pool(), tc.wantOIN, nil)
			cli.ServerName = "localhost"
			serr, cerr := handshake(t, srv, cli)
			if ok := serr == nil && cerr == nil; ok != tc.ok {
				t.Fatalf("handshake ok=%v (server %v, client %v), want %v", ok, serr, cerr, tc.ok)
			}
		})
	}
	if err := rev.CheckChain([]*x509.Certificate{revoked.X509, ca.X509}); !errors.Is(err, ErrRevoked) {
		t.Errorf("Check(revoked) = %v", err)
	}
	if err := rev.CheckChain([]*x509.Certificate{b.X509, ca.X509}); err != nil {
		t.Errorf("Check(valid) = %v", err)
	}
}

func TestRevocationRefusesForeignCRLAndKeepsLastGood(t *testing.T) {
	ca := testpki.New(t)
	other := testpki.New(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "ca.crl")
	if err := os.WriteFile(path, other.CRL(t), 0o600); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := NewRevocation(RevocationConfig{Files: []string{path}, Anchors: []*x509.Certificate{ca.X509}, Log: log}); err == nil {
		t.Fatal("a CRL not signed by a trust anchor was accepted")
	}
	c := ca.Issue(t, oinB, "Zorg")
	if err := os.WriteFile(path, ca.CRL(t), 0o600); err != nil {
		t.Fatal(err)
	}
	rev, err := NewRevocation(RevocationConfig{Files: []string{path}, Anchors: []*x509.Certificate{ca.X509}, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	// Revoke and publish a new CRL: Refresh picks it up.
	ca.Revoke(c)
	time.Sleep(10 * time.Millisecond)
	if err := os.WriteFile(path, ca.CRL(t), 0o600); err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(time.Second)
	_ = os.Chtimes(path, future, future)
	rev.Refresh()
	if err := rev.CheckChain([]*x509.Certificate{c.X509, ca.X509}); !errors.Is(err, ErrRevoked) {
		t.Fatalf("revocation not picked up on refresh: %v", err)
	}
	// A corrupt new CRL is refused; the last good list stays in force.
	if err := os.WriteFile(path, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	later := future.Add(time.Second)
	_ = os.Chtimes(path, later, later)
	rev.Refresh()
	if err := rev.CheckChain([]*x509.Certificate{c.X509, ca.X509}); !errors.Is(err, ErrRevoked) {
		t.Fatalf("last good CRL dropped after a corrupt update: %v", err)
	}
}
