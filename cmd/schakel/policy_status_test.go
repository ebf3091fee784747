package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/internal/testnode"
	"github.com/schakel/schakel/policy/bundle"
	"github.com/schakel/schakel/policy/signing"
)

// TestPolicyStatus runs a node on a pack signed by two keys, offers it a
// tampered pack, and reads the status both over the local API and from the
// status file.
func TestPolicyStatus(t *testing.T) {
	pw := []byte("wachtwoord")
	dir := t.TempDir()
	trusted := filepath.Join(dir, "trusted")
	os.MkdirAll(trusted, 0o700)
	type key struct{ priv []byte }
	keys := map[string]key{}
	for _, name := range []string{"privacy-officer", "fg"} {
		priv, pub, err := signing.GenerateKeyPair(pw)
		if err != nil {
			t.Fatal(err)
		}
		keys[name] = key{priv}
		os.WriteFile(filepath.Join(trusted, name+".pub"), pub, 0o644)
	}
	archivePath := filepath.Join(dir, "pack.tar.gz")
	put := func(archive []byte, signed []byte) {
		t.Helper()
		for name, k := range keys {
			sig, err := signing.Sign(k.priv, pw, signed)
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(archivePath+"."+name+".sig", sig, 0o644)
		}
		os.WriteFile(archivePath, archive, 0o644)
	}
	archive, err := bundle.Build("testdata/diff/old")
	if err != nil {
		t.Fatal(err)
	}
	put(archive, archive)

	f := testnode.New(t)
	school := f.Start(testnode.School, nil, func(c *config.Config, _ *node.Options) {
		c.Policy = config.Policy{Bundle: archivePath, Trusted: trusted, Threshold: 2}
	})
	c := school.Config
	cfgPath := filepath.Join(dir, "node.yaml")
	yaml := fmt.Sprintf(`node: {oin: %q, name: %q, org_type: %s}
listen: {peer: "127.0.0.1:0", local: %q}
identity: {cert: %q, key: %q}
trust: {anchors: [%q]}
local: {client_ca: %q}
data_dir: %q
policy: {bundle: %q, trusted_keys: %q, threshold: 2}
`, c.Node.OIN, c.Node.Name, c.Node.OrgType, school.Node.LocalAddr, c.Identity.Cert, c.Identity.Key, c.Trust.Anchors[0],
		c.Local.ClientCA, c.DataDir, archivePath, trusted)
	os.WriteFile(cfgPath, []byte(yaml), 0o600)
	certPath, keyPath := school.Client.WriteFiles(t, t.TempDir())

	code, out, errOut := runCmd(t, cmdPolicyStatus, "--config", cfgPath, "--cert", certPath, "--key", keyPath)
	if code != 0 {
		t.Fatalf("status: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"actief pakket:     " + bundle.Revision(archive), "privacy-officer (sha256:", "fg (sha256:",
		"drempel:           2 van 2 vereist", "laatst geweigerd:  geen", "(lokale API)"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}

	// A pack changed after signing is refused; the status says so.
	tampered := append([]byte(nil), archive...)
	tampered[100] ^= 0x01
	put(tampered, archive)
	if err := school.Node.ReloadPolicy(); err == nil {
		t.Fatal("tampered pack loaded")
	}
	for _, args := range [][]string{{"--config", cfgPath, "--cert", certPath, "--key", keyPath}, {"--config", cfgPath}} {
		code, out, errOut = runCmd(t, cmdPolicyStatus, args...)
		if code != 0 {
			t.Fatalf("status %v: exit %d: %s", args, code, errOut)
		}
		for _, want := range []string{"actief pakket:     " + bundle.Revision(archive), bundle.Revision(tampered) + " (tampered)",
			"no trusted signature verifies the archive", "beslist door met het actieve pakket hierboven",
			"(the pack offered there since was refused)"} {
			if !strings.Contains(out, want) {
				t.Errorf("status %v lacks %q:\n%s", args, want, out)
			}
		}
		// A refused pack is not called newer: it may be older.
		if strings.Contains(out, "nieuwer") || strings.Contains(out, "newer") {
			t.Errorf("status %v calls the refused pack newer:\n%s", args, out)
		}
	}
	// The refused file is not shown as the active pack's source,
	// and the refused pack is not called newer (digests have no order).
	if strings.Contains(out, "nieuwer") || strings.Contains(out, "bron:              "+archivePath+"\n") ||
		!strings.Contains(out, "bron:              "+archivePath+" as it was at ") {
		t.Errorf("status after the refusal names the refused file as the source, or calls it newer:\n%s", out)
	}
	if !strings.Contains(out, node.StatusFile) {
		t.Errorf("status without --cert does not name the status file:\n%s", out)
	}

	// A client certificate the node's local CA did not issue is refused.
	code, _, errOut = runCmd(t, cmdPolicyStatus, "--config", cfgPath, "--cert", c.Identity.Cert, "--key", c.Identity.Key)
	if code != 1 {
		t.Errorf("status with the organisation certificate (not a local client): exit %d, %s", code, errOut)
	}
}
