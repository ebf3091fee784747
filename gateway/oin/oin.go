// Package oin validates Organisatie-identificatienummers (OINs) and reads
// them from certificates, where PKIoverheid and FSC carry them in the subject
// serialNumber attribute.
package oin

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by every error Valid returns; test with errors.Is.
var ErrInvalid = errors.New("oin: must be 20 digits")

// invalidError names the problem in its text and unwraps to ErrInvalid.
type invalidError string

func (e invalidError) Error() string { return string(e) }
func (e invalidError) Unwrap() error { return ErrInvalid }

func invalidf(format string, args ...any) error {
	return invalidError(fmt.Sprintf(format, args...))
}

// oidSerialNumber is the X.520 serialNumber attribute (2.5.4.5).
var oidSerialNumber = asn1.ObjectIdentifier{2, 5, 4, 5}

// Valid reports whether s is an OIN: exactly 20 ASCII digits. It checks the
// form only: a valid OIN need not be issued to anyone.
func Valid(s string) error {
	if len(s) != 20 {
		return invalidf("oin: must be 20 digits (got %d characters)", len(s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return invalidf("oin: must be 20 digits (non-digit at position %d)", i+1)
		}
	}
	return nil
}

// FromCert returns the OIN in the certificate's subject serialNumber
// (OID 2.5.4.5). It fails when the attribute is missing, appears more than
// once, or is not 20 digits. It does not verify the certificate: call it only
// on a certificate that the TLS handshake has already verified.
func FromCert(c *x509.Certificate) (string, error) {
	if c == nil {
		return "", errors.New("oin: no certificate")
	}
	var found []string
	for _, atv := range c.Subject.Names {
		if atv.Type.Equal(oidSerialNumber) {
			s, ok := atv.Value.(string)
			if !ok {
				return "", errors.New("oin: subject serialNumber is not a string")
			}
			found = append(found, s)
		}
	}
	switch len(found) {
	case 0:
		return "", errors.New("oin: certificate has no subject serialNumber (OIN)")
	case 1:
	default:
		return "", errors.New("oin: certificate has more than one subject serialNumber")
	}
	if err := Valid(found[0]); err != nil {
		return "", err
	}
	return found[0], nil
}
