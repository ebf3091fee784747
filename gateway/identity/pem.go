package identity

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrKeyPermissions is wrapped when a private key file is readable by group or others.
var ErrKeyPermissions = errors.New("identity: private key file is accessible by group or others")

// maxPEMFile bounds what readPEM reads: certificates, chains, keys and CRLs
// of a federation fit many times over; a larger file is a mistake.
const maxPEMFile = 64 << 20

// readPEM is the one reader of the node's certificate, key, anchor and CRL
// files. With private set it refuses a file that group or others may access
// (mode & 0o077 != 0), checked on the open file so the mode and the content
// belong to the same file.
func readPEM(path string, private bool) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("identity: %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); private && perm&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %04o, want 0600 (chmod 600 %s)", ErrKeyPermissions, path, perm, path)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxPEMFile+1))
	if err != nil {
		return nil, fmt.Errorf("identity: read %s: %w", path, err)
	}
	if len(b) > maxPEMFile {
		return nil, fmt.Errorf("identity: %s is larger than %d bytes", path, maxPEMFile)
	}
	return b, nil
}

// parseCertificates returns every CERTIFICATE block of a PEM file; other
// blocks are skipped. A CERTIFICATE block that does not parse is an error.
func parseCertificates(path string, b []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return out, nil
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("identity: %s: %w", path, err)
		}
		out = append(out, c)
	}
}

// LoadKeyPair loads a PEM certificate (chain) and private key. It refuses a
// key file that group or others may access: fix it with chmod 600. The
// returned certificate has Leaf set.
func LoadKeyPair(certPath, keyPath string) (tls.Certificate, error) {
	keyPEM, err := readPEM(keyPath, true)
	if err != nil {
		return tls.Certificate{}, err
	}
	certPEM, err := readPEM(certPath, false)
	if err != nil {
		return tls.Certificate{}, err
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("identity: load key pair: %w", err)
	}
	if pair.Leaf == nil {
		if pair.Leaf, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			return tls.Certificate{}, fmt.Errorf("identity: parse certificate: %w", err)
		}
	}
	return pair, nil
}

// Anchors are trust anchors read once: the pool that TLS verifies against
// and the same certificates, for checking what they sign (CRLs).
type Anchors struct {
	Pool  *x509.CertPool
	Certs []*x509.Certificate
}

// LoadAnchors reads PEM certificates (trust anchors) from the given files.
// Every file must hold at least one certificate, and every certificate must
// parse.
func LoadAnchors(paths ...string) (*Anchors, error) {
	if len(paths) == 0 {
		return nil, errors.New("identity: no trust anchor files given")
	}
	a := &Anchors{Pool: x509.NewCertPool()}
	for _, p := range paths {
		b, err := readPEM(p, false)
		if err != nil {
			return nil, err
		}
		cs, err := parseCertificates(p, b)
		if err != nil {
			return nil, err
		}
		if len(cs) == 0 {
			return nil, fmt.Errorf("identity: %s holds no PEM certificate", p)
		}
		for _, c := range cs {
			a.Pool.AddCert(c)
		}
		a.Certs = append(a.Certs, cs...)
	}
	return a, nil
}

// LoadPool reads PEM certificates (trust anchors) from the given files into
// a new pool, with the rules of LoadAnchors.
func LoadPool(paths ...string) (*x509.CertPool, error) {
	a, err := LoadAnchors(paths...)
	if err != nil {
		return nil, err
	}
	return a.Pool, nil
}

// SeparateCAs refuses a local client CA that is a federation trust anchor,
// chains to one, or is one that a federation anchor chains to: either way a
// federation certificate would be accepted on the local API.
func SeparateCAs(local, federation *Anchors) error {
	for _, l := range local.Certs {
		for _, a := range federation.Certs {
			if bytes.Equal(l.Raw, a.Raw) || bytes.Equal(l.RawSubjectPublicKeyInfo, a.RawSubjectPublicKeyInfo) {
				return fmt.Errorf("the local client CA %q is a federation trust anchor", l.Subject.String())
			}
		}
		if _, err := l.Verify(x509.VerifyOptions{Roots: federation.Pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err == nil {
			return fmt.Errorf("the local client CA %q chains to a federation trust anchor", l.Subject.String())
		}
	}
	for _, a := range federation.Certs {
		if _, err := a.Verify(x509.VerifyOptions{Roots: local.Pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err == nil {
			return fmt.Errorf("the federation trust anchor %q chains to the local client CA", a.Subject.String())
		}
	}
	return nil
}
