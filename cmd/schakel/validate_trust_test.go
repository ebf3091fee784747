package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/schakel/schakel/internal/testnode"
)

// TestValidateConfigRefusesLocalCAThatIsATrustAnchor: validate-config exits
// 1 and names local.client_ca when the local client CA is the federation's
// trust anchor (every peer could then call the local API).
func TestValidateConfigRefusesLocalCAThatIsATrustAnchor(t *testing.T) {
	f := testnode.New(t)
	f.LocalCA = f.CA
	prep := f.Prepare(testnode.School, "", nil, testnode.PrepareOptions{})
	var out, errb bytes.Buffer
	code := run([]string{"validate-config", "--config", prep.ConfigPath}, stdio{in: strings.NewReader(""), out: &out, err: &errb})
	if code != 1 || !strings.Contains(errb.String(), "local.client_ca") || !strings.Contains(errb.String(), "is a federation trust anchor") {
		t.Fatalf("validate-config: exit %d, stderr %q; want exit 1 naming local.client_ca", code, errb.String())
	}

	g := testnode.New(t)
	prep = g.Prepare(testnode.School, "", nil, testnode.PrepareOptions{})
	out.Reset()
	errb.Reset()
	if code := run([]string{"validate-config", "--config", prep.ConfigPath}, stdio{in: strings.NewReader(""), out: &out, err: &errb}); code != 0 {
		t.Fatalf("separate local CA: exit %d: %s", code, errb.String())
	}
}
