package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/schakel/schakel/gateway/identity"
	oinpkg "github.com/schakel/schakel/gateway/oin"
)

func runCertsCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = runCerts(args, stdio{in: strings.NewReader(""), out: &out, err: &errb})
	return code, out.String(), errb.String()
}

func TestCertsCLIInitIssue(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ca")
	out := filepath.Join(t.TempDir(), "node")
	if code, _, errs := runCertsCLI("init", "--dir", dir, "--name", "Twente dev CA", "--validity", "48h"); code != 0 {
		t.Fatalf("init: exit %d: %s", code, errs)
	}
	if code, _, errs := runCertsCLI("init", "--dir", dir); code != 1 || !strings.Contains(errs, "already exists") {
		t.Fatalf("second init: exit %d: %s", code, errs)
	}
	code, stdout, errs := runCertsCLI("issue", "--dir", dir, "--oin", "00000001000000000003", "--name", "Gemeente Enschede",
		"--out", out, "--validity", "24h", "--dns", "gemeente.local,localhost", "--ip", "127.0.0.1")
	if code != 0 {
		t.Fatalf("issue: exit %d: %s", code, errs)
	}
	certPath := filepath.Join(out, "00000001000000000003.pem")
	keyPath := filepath.Join(out, "00000001000000000003.key")
	if !strings.Contains(stdout, certPath) {
		t.Errorf("stdout %q does not name %s", stdout, certPath)
	}
	pair, err := identity.LoadKeyPair(certPath, keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := oinpkg.FromCert(pair.Leaf); err != nil || got != "00000001000000000003" {
		t.Errorf("OIN = %q, %v", got, err)
	}
	if got := strings.Join(pair.Leaf.DNSNames, ","); got != "gemeente.local,localhost" {
		t.Errorf("DNS SANs = %q", got)
	}
	if fi, _ := os.Stat(keyPath); fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %o", fi.Mode().Perm())
	}
}

func TestCertsCLIUsage(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"no subcommand", nil, 2, "usage"},
		{"unknown subcommand", []string{"revoke"}, 2, "unknown subcommand"},
		{"init without dir", []string{"init"}, 2, "--dir is required"},
		{"unknown flag", []string{"init", "--dir", dir, "--bogus"}, 2, "bogus"},
		{"stray argument", []string{"init", "--dir", dir, "extra"}, 2, "unexpected arguments"},
		{"issue missing flags", []string{"issue", "--dir", dir}, 2, "--oin, --name required"},
		{"issue bad OIN", []string{"issue", "--dir", dir, "--oin", "123", "--name", "x"}, 2, "20 digits"},
		{"issue bad IP", []string{"issue", "--dir", dir, "--oin", "00000001000000000001", "--name", "x", "--ip", "nope"}, 2, "not an IP"},
		{"issue without CA", []string{"issue", "--dir", dir, "--oin", "00000001000000000001", "--name", "x"}, 1, "load CA"},
		{"help", []string{"init", "-h"}, 0, "-dir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := runCertsCLI(tt.args...)
			if code != tt.wantCode || !strings.Contains(errs, tt.wantErr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, errs, tt.wantCode, tt.wantErr)
			}
		})
	}
}
