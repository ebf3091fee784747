package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/schakel/schakel/internal/testpki"
)

// TestLocalClientCAMustBeSeparateFromFederation: the local API must not
// accept certificates of the federation, so validate-config (Load) refuses a
// local client CA that is a trust anchor, chains to one, or is chained to.
func TestLocalClientCAMustBeSeparateFromFederation(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "cert.pem", "key.pem")
	fed := testpki.New(t)
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("ca.pem", fed.CertPEM)
	write("same-ca.pem", fed.CertPEM)
	write("below.pem", fed.Intermediate(t, "afdeling").CertPEM)
	own := testpki.New(t)
	write("own.pem", own.CertPEM)
	fedBelowOwn := own.Intermediate(t, "federatie onder eigen CA")
	write("fed-below-own.pem", fedBelowOwn.CertPEM)

	cfg := func(anchor, local string) string {
		s := strings.Replace(valid, "anchors: [ca.pem]", "anchors: ["+anchor+"]", 1)
		return strings.Replace(s, "client_ca: local-ca.pem", "client_ca: "+local, 1)
	}
	for _, tc := range []struct {
		name, anchor, local, want string
	}{
		{"same file", "ca.pem", "ca.pem", "is a federation trust anchor"},
		{"same certificate in another file", "ca.pem", "same-ca.pem", "is a federation trust anchor"},
		{"local CA issued by the federation", "ca.pem", "below.pem", "chains to a federation trust anchor"},
		{"federation anchor issued by the local CA", "fed-below-own.pem", "own.pem", "chains to the local client CA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(cfg(tc.anchor, tc.local)), dir)
			if err == nil || !strings.Contains(err.Error(), "local.client_ca") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse = %v, want local.client_ca: ... %s", err, tc.want)
			}
		})
	}
	if _, err := Parse([]byte(cfg("ca.pem", "own.pem")), dir); err != nil {
		t.Fatalf("separate local CA refused: %v", err)
	}
}

func TestTrustAndLocalKeys(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "cert.pem", "key.pem", "ca.pem", "local-ca.pem", "issuing.pem", "local.crl")
	ok := strings.Replace(valid, "trust: {anchors: [ca.pem]}", `trust:
  anchors: [ca.pem]
  intermediates: [issuing.pem]
  crl_urls: ["http://crl.example.test/issuing.crl"]
  crl_distribution_points: true
  crl_grace: 10m
  require_revocation: true
  ocsp: {enabled: true, responder: "http://ocsp.example.test"}
  max_connection_age: 30m`, 1)
	ok = strings.Replace(ok, "local: {client_ca: local-ca.pem}", `local:
  client_ca: local-ca.pem
  crls: [local.crl]
  clients:
    - {subject: "Magister koppeling", permissions: [request, notify, obligations]}
    - {san: "zorgdossier.school.test", permissions: [consents.read, consents.write, inzage, status]}`, 1)
	c, err := Parse([]byte(ok), dir)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if c.Trust.Intermediates[0] != filepath.Join(dir, "issuing.pem") || c.Local.CRLs[0] != filepath.Join(dir, "local.crl") {
		t.Errorf("paths not resolved: %v %v", c.Trust.Intermediates, c.Local.CRLs)
	}
	if c.Trust.CRLRefresh.D() != time.Hour || c.Trust.MaxConnectionAge.D() != 30*time.Minute || c.Trust.MaxConnectionAgeGrace.D() != 30*time.Second || c.Trust.OCSP.Timeout.D() != 5*time.Second {
		t.Errorf("defaults: %+v", c.Trust.Revocation)
	}
	if len(c.Local.Clients) != 2 || c.Local.Clients[1].SAN != "zorgdossier.school.test" {
		t.Errorf("clients: %+v", c.Local.Clients)
	}
	d, err := Parse([]byte(valid), dir)
	if err != nil {
		t.Fatal(err)
	}
	if d.Trust.CRLGrace != 0 || d.Trust.OCSP.Enabled || d.Trust.OCSP.FailOpen {
		t.Errorf("grace must default to none and OCSP to off (fail closed when on): %+v", d.Trust.Revocation)
	}

	for _, tc := range []struct{ name, yaml, want string }{
		{"ftp crl url", strings.Replace(ok, "http://crl.example.test", "ftp://crl.example.test", 1), "trust.crl_urls[0]"},
		{"fail_open without ocsp", strings.Replace(ok, "ocsp: {enabled: true,", "ocsp: {fail_open: true,", 1), "trust.ocsp.fail_open"},
		{"negative grace", strings.Replace(ok, "crl_grace: 10m", "crl_grace: -1m", 1), "trust.crl_grace"},
		{"unknown permission", strings.Replace(ok, "[request, notify, obligations]", "[request, admin]", 1), `unknown permission "admin"`},
		{"no permissions", strings.Replace(ok, "[request, notify, obligations]", "[]", 1), "local.clients[0].permissions"},
		{"neither subject nor san", strings.Replace(ok, `subject: "Magister koppeling", `, "", 1), "set subject"},
		{"both subject and san", strings.Replace(ok, `subject: "Magister koppeling",`, `subject: "Magister koppeling", san: x,`, 1), "not both"},
		{"duplicate client", strings.Replace(ok, `san: "zorgdossier.school.test"`, `subject: "Magister koppeling"`, 1), "duplicate client"},
		{"missing local crl", strings.Replace(ok, "crls: [local.crl]", "crls: [nope.crl]", 1), "local.crls[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse = %v, want an error naming %s", err, tc.want)
			}
		})
	}
}
