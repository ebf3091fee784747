package oin

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"strings"
	"testing"

	"github.com/schakel/schakel/internal/testpki"
)

const schoolOIN = "00000001000000000001"

func TestValid(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr string // empty means valid
	}{
		{"valid", schoolOIN, ""},
		{"empty", "", "got 0 characters"},
		{"short", "123", "got 3 characters"},
		{"19 digits", "0000000100000000000", "got 19 characters"},
		{"21 digits", "000000010000000000011", "got 21 characters"},
		{"letter", "0000000100000000000a", "non-digit at position 20"},
		{"unicode digit", "000000010000000000\u0661", "20 digits"},
		{"space", " 0000000100000000001", "non-digit at position 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Valid(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Valid(%q) = %v, want nil", tt.in, err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Valid(%q) = %v, want ErrInvalid", tt.in, err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Valid(%q) = %q, want it to contain %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestFromCert(t *testing.T) {
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
			got, err := FromCert(tt.cert)
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
