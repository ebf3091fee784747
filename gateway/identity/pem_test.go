package identity

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/schakel/schakel/internal/testpki"
)

func TestLoadKeyPairRefusesOpenKey(t *testing.T) {
	c := testpki.New(t).Issue(t, oinA, "School")
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

func TestLoadAnchorsReadsEachFileOnce(t *testing.T) {
	dir := t.TempDir()
	ca1, ca2 := testpki.New(t), testpki.New(t)
	p1 := filepath.Join(dir, "one.pem")
	p2 := filepath.Join(dir, "two.pem")
	// A bundle with a key block in between: the key is skipped, both certs kept.
	bundle := append(append(append([]byte{}, ca1.CertPEM...), ca1.Issue(t, oinA, "x").KeyPEM...), ca2.CertPEM...)
	if err := os.WriteFile(p1, bundle, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p2, ca2.CertPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := LoadAnchors(p1, p2)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Certs) != 3 {
		t.Fatalf("LoadAnchors read %d certificates, want 3", len(a.Certs))
	}
	leaf := ca2.Issue(t, oinB, "y").X509
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: a.Pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("pool from LoadAnchors does not verify a certificate of its second CA: %v", err)
	}

	corrupt := filepath.Join(dir, "corrupt.pem")
	os.WriteFile(corrupt, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("not DER")}), 0o644)
	if _, err := LoadAnchors(p1, corrupt); err == nil || !strings.Contains(err.Error(), "corrupt.pem") {
		t.Errorf("LoadAnchors(corrupt certificate) = %v, want an error naming the file", err)
	}
	keyOnly := filepath.Join(dir, "key.pem")
	os.WriteFile(keyOnly, ca1.Issue(t, oinA, "x").KeyPEM, 0o600)
	if _, err := LoadAnchors(keyOnly); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("LoadAnchors(key only) = %v, want no PEM certificate", err)
	}
	if _, err := LoadAnchors(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("LoadAnchors(directory) = %v, want not a regular file", err)
	}
}

func TestLoadKeyPairRefusesMismatch(t *testing.T) {
	ca := testpki.New(t)
	a, b := ca.Issue(t, oinA, "A"), ca.Issue(t, oinB, "B")
	dir := t.TempDir()
	certPath, _ := a.WriteFiles(t, dir)
	_, keyPath := b.WriteFiles(t, t.TempDir())
	if _, err := LoadKeyPair(certPath, keyPath); err == nil {
		t.Fatal("LoadKeyPair accepted a key that does not belong to the certificate")
	}
	if _, err := LoadKeyPair(filepath.Join(dir, "missing.pem"), keyPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadKeyPair(missing cert) = %v, want ErrNotExist", err)
	}
}
