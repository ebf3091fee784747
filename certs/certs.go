// Package certs is Schakel's development PKI: a federation CA on disk and
// organisation certificates that carry the organisation's OIN in the subject
// serialNumber, as PKIoverheid and FSC certificates do. It also loads key
// pairs and trust pools for the node, refusing private keys that others can
// read. Production nodes use PKIoverheid certificates instead; see README.md.
package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

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
	// ErrInvalidOIN is wrapped when an OIN is not 20 digits.
	ErrInvalidOIN = errors.New("certs: OIN must be 20 digits")
	// ErrCAExists is returned by InitCA when the directory already holds a CA.
	ErrCAExists = errors.New("certs: a CA already exists in this directory")
	// ErrKeyPermissions is wrapped when a private key file is readable by group or others.
	ErrKeyPermissions = errors.New("certs: private key file is accessible by group or others")
)

// oidSerialNumber is the X.520 serialNumber attribute (2.5.4.5).
var oidSerialNumber = asn1.ObjectIdentifier{2, 5, 4, 5}

// ValidOIN reports whether oin is an Organisatie-identificatienummer: exactly
// 20 ASCII digits.
func ValidOIN(oin string) error {
	if len(oin) != 20 {
		return fmt.Errorf("%w (got %d characters)", ErrInvalidOIN, len(oin))
	}
	for i := 0; i < len(oin); i++ {
		if oin[i] < '0' || oin[i] > '9' {
			return fmt.Errorf("%w (non-digit at position %d)", ErrInvalidOIN, i+1)
		}
	}
	return nil
}

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
	if err := ValidOIN(opts.OIN); err != nil {
		return "", "", err
	}
	if opts.Name == "" {
		return "", "", errors.New("certs: organisation name is empty")
	}
	if opts.Validity <= 0 {
		return "", "", errors.New("certs: validity must be positive")
	}
	ca, err := LoadKeyPair(filepath.Join(dir, CACertFile), filepath.Join(dir, CAKeyFile))
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

// OINFromCert returns the OIN in the certificate's subject serialNumber
// (OID 2.5.4.5). It fails when the attribute is missing, appears more than
// once, or is not 20 digits. It does not verify the certificate: call it only
// on a certificate that the TLS handshake has already verified.
func OINFromCert(c *x509.Certificate) (string, error) {
	if c == nil {
		return "", errors.New("certs: no certificate")
	}
	var found []string
	for _, atv := range c.Subject.Names {
		if atv.Type.Equal(oidSerialNumber) {
			s, ok := atv.Value.(string)
			if !ok {
				return "", errors.New("certs: subject serialNumber is not a string")
			}
			found = append(found, s)
		}
	}
	switch len(found) {
	case 0:
		return "", errors.New("certs: certificate has no subject serialNumber (OIN)")
	case 1:
	default:
		return "", errors.New("certs: certificate has more than one subject serialNumber")
	}
	if err := ValidOIN(found[0]); err != nil {
		return "", err
	}
	return found[0], nil
}

// LoadKeyPair loads a PEM certificate (chain) and private key. It refuses a
// key file that group or others may access (mode & 0o077 != 0): fix it with
// chmod 600. The returned certificate has Leaf set.
func LoadKeyPair(certPath, keyPath string) (tls.Certificate, error) {
	fi, err := os.Stat(keyPath)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("certs: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return tls.Certificate{}, fmt.Errorf("%w: %s has mode %04o, want 0600 (chmod 600 %s)", ErrKeyPermissions, keyPath, perm, keyPath)
	}
	pair, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("certs: load key pair: %w", err)
	}
	if pair.Leaf == nil {
		if pair.Leaf, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			return tls.Certificate{}, fmt.Errorf("certs: parse certificate: %w", err)
		}
	}
	return pair, nil
}

// LoadPool reads PEM certificates (trust anchors) from the given files into
// a new pool. Every file must hold at least one certificate.
func LoadPool(paths ...string) (*x509.CertPool, error) {
	if len(paths) == 0 {
		return nil, errors.New("certs: no trust anchor files given")
	}
	pool := x509.NewCertPool()
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("certs: %w", err)
		}
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("certs: %s holds no PEM certificate", p)
		}
	}
	return pool, nil
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
