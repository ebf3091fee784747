package testpki

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"testing"
)

// handshake runs a real mutual-TLS handshake on 127.0.0.1 between a server
// holding srv and a client holding cli, both trusting ca. It returns the
// server's error.
func handshake(t *testing.T, ca *CA, srv, cli *Cert) error {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{srv.TLS},
		ClientCAs:    ca.Pool(),
		ClientAuth:   tls.RequireAndVerifyClientCert,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		done <- c.(*tls.Conn).Handshake()
	}()
	c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{
		Certificates: []tls.Certificate{cli.TLS},
		RootCAs:      ca.Pool(),
		ServerName:   "localhost",
	})
	if err == nil {
		// TLS 1.3: the server verifies the client certificate after the
		// client's handshake returns; a read surfaces its verdict.
		c.Read(make([]byte, 1))
		c.Close()
	}
	return <-done
}

func TestHandshake(t *testing.T) {
	ca := New(t)
	server := ca.Issue(t, "00000001000000000001", "School")
	tests := []struct {
		name   string
		client *Cert
		wantOK bool
	}{
		{"valid", ca.Issue(t, "00000001000000000002", "Zorg"), true},
		{"expired", ca.Issue(t, "00000001000000000002", "Zorg", Expired()), false},
		{"not yet valid", ca.Issue(t, "00000001000000000002", "Zorg", NotYetValid()), false},
		{"server auth only", ca.Issue(t, "00000001000000000002", "Zorg", ExtKeyUsage(x509.ExtKeyUsageServerAuth)), false},
		{"other CA", New(t).Issue(t, "00000001000000000002", "Zorg"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := handshake(t, ca, server, tt.client)
			if (err == nil) != tt.wantOK {
				t.Fatalf("handshake error = %v, want ok=%v", err, tt.wantOK)
			}
		})
	}
}

func TestIssueSubjectRevokeAndFiles(t *testing.T) {
	ca := New(t)
	c := ca.Issue(t, "00000001000000000003", "Gemeente", Revoked())
	if got := c.X509.Subject.SerialNumber; got != "00000001000000000003" {
		t.Errorf("serialNumber = %q", got)
	}
	if !ca.IsRevoked(c.X509) {
		t.Error("Revoked() cert not reported revoked")
	}
	other := ca.Issue(t, "00000001000000000004", "PO")
	if ca.IsRevoked(other.X509) {
		t.Error("unrevoked cert reported revoked")
	}
	crl, err := x509.ParseRevocationList(ca.CRL(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(ca.X509); err != nil {
		t.Fatalf("CRL signature: %v", err)
	}
	if n := len(crl.RevokedCertificateEntries); n != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(c.X509.SerialNumber) != 0 {
		t.Errorf("CRL entries = %v", crl.RevokedCertificateEntries)
	}

	certPath, keyPath := c.WriteFiles(t, t.TempDir())
	fi, err := os.Stat(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode = %o, want 600", fi.Mode().Perm())
	}
	if _, err := tls.LoadX509KeyPair(certPath, keyPath); err != nil {
		t.Errorf("written files do not load: %v", err)
	}
	if !c.X509.IPAddresses[0].Equal(net.IPv4(127, 0, 0, 1)) {
		t.Errorf("IPs = %v", c.X509.IPAddresses)
	}
}
