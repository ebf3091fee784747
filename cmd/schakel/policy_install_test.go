package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/internal/testnode"
	"github.com/schakel/schakel/policy/bundle"
	"github.com/schakel/schakel/policy/signing"
)

// TestPolicyInstallAndExport: `policy export --config` writes the pack the
// running node decides with as a folder that builds to the same revision;
// an edited copy, built and signed by two keys under the guide's names
// (pakket.tar.gz.NAME.sig), is put in place by `policy install` and the
// running node loads it with no refusal; a pack the node would refuse
// (one signature short) is not installed and leaves the files untouched.
func TestPolicyInstallAndExport(t *testing.T) {
	pw := []byte("wachtwoord")
	dir := t.TempDir()
	trusted := filepath.Join(dir, "trusted")
	if err := os.MkdirAll(trusted, 0o700); err != nil {
		t.Fatal(err)
	}
	keys := map[string][]byte{}
	for _, name := range []string{"privacy-officer", "fg"} {
		priv, pub, err := signing.GenerateKeyPair(pw)
		if err != nil {
			t.Fatal(err)
		}
		keys[name] = priv
		if err := os.WriteFile(filepath.Join(trusted, name+".pub"), pub, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sign := func(archivePath string, names ...string) {
		t.Helper()
		archive, err := os.ReadFile(archivePath)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			sig, err := signing.Sign(keys[name], pw, archive)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(archivePath+"."+name+".sig", sig, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The node's files, under the names the guide uses.
	nodeDir := filepath.Join(dir, "etc", "policy")
	if err := os.MkdirAll(nodeDir, 0o700); err != nil {
		t.Fatal(err)
	}
	nodeArchive := filepath.Join(nodeDir, "pakket.tar.gz")
	v1, err := bundle.Build("testdata/diff/old")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(nodeArchive, v1, 0o644); err != nil {
		t.Fatal(err)
	}
	sign(nodeArchive, "privacy-officer", "fg")
	f := testnode.New(t)
	school := f.Start(testnode.School, nil, func(c *config.Config, o *node.Options) {
		c.Policy = config.Policy{Bundle: nodeArchive, Trusted: trusted, Threshold: 2}
		o.PolicyPoll = 200 * time.Millisecond
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
		c.Local.ClientCA, c.DataDir, nodeArchive, trusted)
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}

	// Export the running pack; it builds to the same revision.
	work := filepath.Join(dir, "werk")
	code, out, errOut := runCmd(t, cmdPolicyExport, "--config", cfgPath, "--out", work)
	if code != 0 || !strings.Contains(out, bundle.Revision(v1)) {
		t.Fatalf("export: exit %d %q %q", code, out, errOut)
	}
	again, err := bundle.Build(work)
	if err != nil || bundle.Revision(again) != bundle.Revision(v1) {
		t.Fatalf("the exported folder builds to %s (%v), want the running %s", bundle.Revision(again), err, bundle.Revision(v1))
	}
	if code, _, _ := runCmd(t, cmdPolicyExport, "--config", cfgPath, "--out", work); code != 1 {
		t.Errorf("export into a non-empty folder: exit %d, want 1", code)
	}
	// Without --config: the built-in pack.
	if code, _, errOut := runCmd(t, cmdPolicyExport, "--out", filepath.Join(dir, "ingebouwd")); code != 0 {
		t.Fatalf("export of the built-in pack: %s", errOut)
	} else if _, err := os.Stat(filepath.Join(dir, "ingebouwd", "data.yaml")); err != nil {
		t.Fatalf("built-in export lacks data.yaml: %v", err)
	}

	// Edit, build, sign once: the node would refuse it, so install refuses.
	data := filepath.Join(work, "data.yaml")
	b, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(data, append(b, []byte("\n# versie 2\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	release := filepath.Join(dir, "release")
	if err := os.MkdirAll(release, 0o700); err != nil {
		t.Fatal(err)
	}
	v2Path := filepath.Join(release, "pakket.tar.gz")
	if code, _, errOut := runCmd(t, cmdPolicyBuild, "--bundle", work, "--out", v2Path); code != 0 {
		t.Fatal(errOut)
	}
	v2, _ := os.ReadFile(v2Path)
	sign(v2Path, "privacy-officer")
	code, _, errOut = runCmd(t, cmdPolicyInstall, "--config", cfgPath, "--bundle", v2Path)
	if code != 1 || !strings.Contains(errOut, "below_threshold") {
		t.Fatalf("install of an under-signed pack: exit %d %q", code, errOut)
	}
	if cur, _ := os.ReadFile(nodeArchive); bundle.Revision(cur) != bundle.Revision(v1) {
		t.Fatal("a refused install changed the node's archive")
	}

	// Signed by both: installed under the node's names, loaded, no refusal.
	sign(v2Path, "fg")
	code, out, errOut = runCmd(t, cmdPolicyInstall, "--config", cfgPath, "--bundle", v2Path)
	if code != 0 {
		t.Fatalf("install: exit %d %q", code, errOut)
	}
	for _, want := range []string{"geïnstalleerd: " + bundle.Revision(v2), nodeArchive + ".fg.sig", nodeArchive + ".privacy-officer.sig"} {
		if !strings.Contains(out, want) {
			t.Errorf("install output lacks %q:\n%s", want, out)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for school.Node.PolicyStatus().Revision != bundle.Revision(v2) {
		if time.Now().After(deadline) {
			t.Fatalf("the node did not load the installed pack: %+v", school.Node.PolicyStatus())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st := school.Node.PolicyStatus(); st.LastRefused != nil || len(st.Signers) != 2 {
		t.Fatalf("after install: %+v", st)
	}
	if strings.Contains(f.Logs.String(), `"level":"ERROR"`) {
		t.Fatalf("ERROR in the node's log:\n%s", f.Logs.String())
	}
}
