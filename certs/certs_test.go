package certs

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/schakel/schakel/internal/testpki"
)

const schoolOIN = "00000001000000000001"

func TestInitIssueOIN(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ca")
	if err := InitCA(dir, "Schakel dev CA", 48*time.Hour); err != nil {
		t.Fatal(err)
	}
	assertMode(t, dir, 0o700)
	assertMode(t, filepath.Join(dir, CAKeyFile), 0o600)
	if err := InitCA(dir, "again", time.Hour); !errors.Is(err, ErrCAExists) {
		t.Fatalf("second InitCA = %v, want ErrCAExists", err)
	}

	out := filepath.Join(t.TempDir(), "school")
	certPath, keyPath, err := Issue(dir, IssueOptions{OIN: schoolOIN, Name: "Het Twentse College", Validity: 24 * time.Hour, OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	assertMode(t, keyPath, 0o600)
	pair, err := LoadKeyPair(certPath, keyPath)
	if err != nil {
		t.Fatal(err)
	}
	leaf := pair.Leaf
	oin, err := OINFromCert(leaf)
	if err != nil || oin != schoolOIN {
		t.Fatalf("OINFromCert = %q, %v; want %q", oin, err, schoolOIN)
	}
	if leaf.Subject.CommonName != "Het Twentse College" || len(leaf.Subject.Organization) != 1 || leaf.Subject.Organization[0] != "Het Twentse College" {
		t.Errorf("subject = %v", leaf.Subject)
	}
	if len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != "localhost" || len(leaf.IPAddresses) != 2 || !leaf.IPAddresses[1].Equal(net.IPv6loopback) {
		t.Errorf("SANs = %v %v", leaf.DNSNames, leaf.IPAddresses)
	}
	pool, err := LoadPool(filepath.Join(dir, CACertFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, usage := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "localhost", KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
			t.Errorf("verify for %v: %v", usage, err)
		}
	}

	if _, _, err := Issue(dir, IssueOptions{OIN: schoolOIN, Name: "x", Validity: 72 * time.Hour}); err == nil || !strings.Contains(err.Error(), "outlive the CA") {
		t.Errorf("issue beyond CA validity = %v", err)
	}
}

func TestIssueRefusesBadOIN(t *testing.T) {
	dir := t.TempDir()
	if err := InitCA(dir, "ca", time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, oin := range []string{"", "123", "0000000100000000000", "000000010000000000011", "0000000100000000000a"} {
		t.Run(oin, func(t *testing.T) {
			_, _, err := Issue(dir, IssueOptions{OIN: oin, Name: "x", Validity: time.Minute})
			if !errors.Is(err, ErrInvalidOIN) {
				t.Fatalf("Issue(OIN %q) = %v, want ErrInvalidOIN", oin, err)
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("refused issues left files behind: %v", entries)
	}
}

func TestOINFromCert(t *testing.T) {
	ca := testpki.New(t)
	twice := *ca.Issue(t, schoolOIN, "x").X509
	twice.Subject.Names = append(twice.Subject.Names,
		pkix.AttributeTypeAndValue{Type: oidSerialNumber, Value: schoolOIN},
		pkix.AttributeTypeAndValue{Type: oidSerialNumber, Value: "00000001000000000002"})
	tests := []struct {
		name    string
		cert    *x509.Certificate
		want    string
		wantErr string
	}{
		{"valid", ca.Issue(t, schoolOIN, "x").X509, schoolOIN, ""},
		{"missing", ca.Issue(t, "", "x").X509, "", "no subject serialNumber"},
		{"short", ca.Issue(t, "12345", "x").X509, "", "20 digits"},
		{"letters", ca.Issue(t, "0000000100000000000X", "x").X509, "", "20 digits"},
		{"twice", &twice, "", "more than one"},
		{"nil", nil, "", "no certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := OINFromCert(tt.cert)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("= %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("= %q, %v; want error containing %q", got, err, tt.wantErr)
			}
		})
	}
}

func TestLoadKeyPairRefusesOpenKey(t *testing.T) {
	c := testpki.New(t).Issue(t, schoolOIN, "School")
	for _, mode := range []os.FileMode{0o640, 0o604, 0o644, 0o660} {
		t.Run(mode.String(), func(t *testing.T) {
			certPath, keyPath := c.WriteFiles(t, t.TempDir())
			if err := os.Chmod(keyPath, mode); err != nil {
				t.Fatal(err)
			}
			_, err := LoadKeyPair(certPath, keyPath)
			if !errors.Is(err, ErrKeyPermissions) || !strings.Contains(err.Error(), "chmod 600") {
				t.Fatalf("LoadKeyPair with mode %o = %v, want ErrKeyPermissions", mode, err)
			}
		})
	}
	t.Run("0400 ok", func(t *testing.T) {
		certPath, keyPath := c.WriteFiles(t, t.TempDir())
		if err := os.Chmod(keyPath, 0o400); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadKeyPair(certPath, keyPath); err != nil {
			t.Fatal(err)
		}
	})
}

func TestLoadPool(t *testing.T) {
	dir := t.TempDir()
	caPath := testpki.New(t).WriteCertFile(t, dir)
	junk := filepath.Join(dir, "junk.pem")
	os.WriteFile(junk, []byte("not a certificate"), 0o644)
	if _, err := LoadPool(caPath); err != nil {
		t.Errorf("LoadPool(ca) = %v", err)
	}
	if _, err := LoadPool(caPath, junk); err == nil {
		t.Error("LoadPool accepted a file without certificates")
	}
	if _, err := LoadPool(); err == nil {
		t.Error("LoadPool accepted no files")
	}
	if _, err := LoadPool(filepath.Join(dir, "missing.pem")); err == nil {
		t.Error("LoadPool accepted a missing file")
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s mode = %o, want %o", path, got, want)
	}
}
