// Package certs is Schakel's development PKI: a federation CA on disk and
// organisation certificates that carry the organisation's OIN in the subject
// serialNumber, as PKIoverheid and FSC certificates do. It creates and issues
// only; the node loads its keys and trust anchors with gateway/identity and
// reads OINs with gateway/oin, and no package under gateway/ or policy/
// imports this one. Production nodes use PKIoverheid certificates instead;
// see README.md.
package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/oin"
	"github.com/schakel/schakel/internal/atomicfile"
)

// File names inside a CA directory.
const (
	CACertFile = "ca.pem"
	CAKeyFile  = "ca.key"
)

// clockSkew backdates NotBefore so that peers with a slightly slow clock
// accept a certificate issued a moment ago.
const clockSkew = 5 * time.Minute

var (
	// ErrCAExists is returned by InitCA when the directory already holds a CA.
	ErrCAExists = errors.New("certs: a CA already exists in this directory")
)

// InitCA creates a federation CA in dir: ca.pem and ca.key (ECDSA P-256, the
// key file mode 0600, dir created with mode 0700). It refuses to overwrite an
// existing CA, since every certificate issued under it would become
// unverifiable. For development and tests only: production trusts the
// PKIoverheid roots.
func InitCA(dir, name string, validity time.Duration) error {
	if name == "" {
		return errors.New("certs: CA name is empty")
	}
	if validity <= 0 {
		return errors.New("certs: CA validity must be positive")
	}
	for _, f := range []string{CACertFile, CAKeyFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return fmt.Errorf("%w: %s", ErrCAExists, filepath.Join(dir, f))
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("certs: %w", err)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("certs: create CA directory: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("certs: generate CA key: %w", err)
	}
	now := time.Now()
	serial, err := randomSerial()
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name, Organization: []string{name}},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("certs: create CA certificate: %w", err)
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return err
	}
	// Key first, exclusively: if two inits race, only one wins.
	if err := writeNew(filepath.Join(dir, CAKeyFile), keyPEM, 0o600); err != nil {
		return err
	}
	return writeNew(filepath.Join(dir, CACertFile), encodeCert(der), 0o644)
}

// IssueOptions describes an organisation certificate.
type IssueOptions struct {
	OIN      string        // 20 digits; goes into the subject serialNumber
	Name     string        // organisation name; subject CN and O
	Validity time.Duration // must end before the CA expires
	DNSNames []string      // default: localhost
	IPs      []net.IP      // default: 127.0.0.1 and ::1
	OutDir   string        // default: the CA directory
}

// Issue issues an organisation certificate signed by the CA in dir and writes
// <OIN>.pem and <OIN>.key (mode 0600) into opts.OutDir. The certificate is
// valid for both server and client authentication (mutual TLS). An existing
// certificate and key for the same OIN are replaced.
func Issue(dir string, opts IssueOptions) (certPath, keyPath string, err error) {
	if err := oin.Valid(opts.OIN); err != nil {
		return "", "", err
	}
	if opts.Name == "" {
		return "", "", errors.New("certs: organisation name is empty")
	}
	if opts.Validity <= 0 {
		return "", "", errors.New("certs: validity must be positive")
	}
	ca, err := identity.LoadKeyPair(filepath.Join(dir, CACertFile), filepath.Join(dir, CAKeyFile))
	if err != nil {
		return "", "", fmt.Errorf("certs: load CA: %w", err)
	}
	caCert := ca.Leaf
	if caCert == nil {
		if caCert, err = x509.ParseCertificate(ca.Certificate[0]); err != nil {
			return "", "", fmt.Errorf("certs: parse CA certificate: %w", err)
		}
	}
	now := time.Now()
	notAfter := now.Add(opts.Validity)
	if notAfter.After(caCert.NotAfter) {
		return "", "", fmt.Errorf("certs: certificate would outlive the CA (CA valid until %s)", caCert.NotAfter.UTC().Format(time.RFC3339))
	}
	dns := opts.DNSNames
	if len(dns) == 0 {
		dns = []string{"localhost"}
	}
	ips := opts.IPs
	if len(ips) == 0 {
		ips = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", fmt.Errorf("certs: generate key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return "", "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			CommonName:   opts.Name,
			Organization: []string{opts.Name},
			SerialNumber: opts.OIN,
		},
		NotBefore:   now.Add(-clockSkew),
		NotAfter:    notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:    dns,
		IPAddresses: ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, ca.PrivateKey)
	if err != nil {
		return "", "", fmt.Errorf("certs: create certificate: %w", err)
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return "", "", err
	}
	out := opts.OutDir
	if out == "" {
		out = dir
	}
	if err := os.MkdirAll(out, 0o700); err != nil {
		return "", "", fmt.Errorf("certs: create output directory: %w", err)
	}
	certPath = filepath.Join(out, opts.OIN+".pem")
	keyPath = filepath.Join(out, opts.OIN+".key")
	if err := writeReplace(keyPath, keyPEM, 0o600); err != nil {
		return "", "", err
	}
	if err := writeReplace(certPath, encodeCert(der), 0o644); err != nil {
		return "", "", err
	}
	return certPath, keyPath, nil
}

func randomSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("certs: serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}

func encodeCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func encodeKey(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("certs: encode key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// writeNew creates path exclusively with mode perm, atomically and durably
// (internal/atomicfile, as every schakel command writes files).
func writeNew(path string, data []byte, perm os.FileMode) error {
	if err := atomicfile.WriteNew(path, data, perm); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%w: %s", ErrCAExists, path)
		}
		return fmt.Errorf("certs: %w", err)
	}
	return nil
}

// writeReplace replaces path with data with mode perm, atomically and
// durably, so a reader never sees a half-written key or a key with a wider
// mode.
func writeReplace(path string, data []byte, perm os.FileMode) error {
	if err := atomicfile.Write(path, data, perm); err != nil {
		return fmt.Errorf("certs: %w", err)
	}
	return nil
}
