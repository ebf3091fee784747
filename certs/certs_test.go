package certs

import (
	"crypto/x509"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/oin"
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
	pair, err := identity.LoadKeyPair(certPath, keyPath)
	if err != nil {
		t.Fatal(err)
	}
	leaf := pair.Leaf
	got, err := oin.FromCert(leaf)
	if err != nil || got != schoolOIN {
		t.Fatalf("oin.FromCert = %q, %v; want %q", got, err, schoolOIN)
	}
	if leaf.Subject.CommonName != "Het Twentse College" || len(leaf.Subject.Organization) != 1 || leaf.Subject.Organization[0] != "Het Twentse College" {
		t.Errorf("subject = %v", leaf.Subject)
	}
	if len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != "localhost" || len(leaf.IPAddresses) != 2 || !leaf.IPAddresses[1].Equal(net.IPv6loopback) {
		t.Errorf("SANs = %v %v", leaf.DNSNames, leaf.IPAddresses)
	}
	pool, err := identity.LoadPool(filepath.Join(dir, CACertFile))
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
	for _, id := range []string{"", "123", "0000000100000000000", "000000010000000000011", "0000000100000000000a"} {
		t.Run(id, func(t *testing.T) {
			_, _, err := Issue(dir, IssueOptions{OIN: id, Name: "x", Validity: time.Minute})
			if !errors.Is(err, oin.ErrInvalid) {
				t.Fatalf("Issue(OIN %q) = %v, want oin.ErrInvalid", id, err)
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("refused issues left files behind: %v", entries)
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
