package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

const valid = `
node: {oin: "00000001000000000001", name: "School", org_type: school_vo}
listen: {peer: "127.0.0.1:7001", local: "127.0.0.1:7002", metrics: "127.0.0.1:7003"}
identity: {cert: cert.pem, key: key.pem}
trust: {anchors: [ca.pem]}
local: {client_ca: local-ca.pem}
policy: {builtin: true}
peers:
  - {oin: "00000001000000000002", name: "Zorg", org_type: zorgaanbieder, address: "127.0.0.1:7101"}
`

func TestLoadValid(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "cert.pem", "key.pem", "ca.pem", "local-ca.pem")
	path := filepath.Join(dir, "node.yaml")
	if err := os.WriteFile(path, []byte(valid), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.Identity.Cert != filepath.Join(dir, "cert.pem") {
		t.Errorf("relative path not resolved against the config folder: %s", c.Identity.Cert)
	}
	if c.DataDir != filepath.Join(dir, "data") || c.Audit.Store != filepath.Join(dir, "data", "audit.db") {
		t.Errorf("defaults: data_dir %s audit.store %s", c.DataDir, c.Audit.Store)
	}
	if p, ok := c.PeerByOIN("00000001000000000002"); !ok || p.OrgType != "zorgaanbieder" {
		t.Errorf("peer directory: %+v %v", p, ok)
	}
}

func TestLoadRefusesMistakes(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "cert.pem", "key.pem", "ca.pem", "local-ca.pem")
	cases := []struct {
		name string
		yaml string
		want []string
	}{
		{"unknown key", valid + "colour: blue\n", []string{"colour"}},
		{"unknown nested key", strings.Replace(valid, "org_type: school_vo}", "org_type: school_vo, oim: x}", 1), []string{"oim"}},
		{"bad oin and address reported together",
			strings.Replace(strings.Replace(valid, `"00000001000000000001"`, `"123"`, 1), `"127.0.0.1:7001"`, `"nohost"`, 1),
			[]string{"node.oin", "listen.peer"}},
		{"missing file", strings.Replace(valid, "key.pem", "missing.pem", 1), []string{"identity.key", "missing.pem"}},
		{"duplicate peer", valid + `  - {oin: "00000001000000000002", name: "Zorg2", org_type: zorgaanbieder, address: "127.0.0.1:7102"}` + "\n", []string{"peers[1].oin", "duplicate"}},
		{"bad duration", valid + "limits: {clock_skew: fast}\n", []string{"fast", "duration"}},
		{"unsigned bundle", strings.Replace(valid, "policy: {builtin: true}", "policy: {bundle: ca.pem}", 1), []string{"policy", "signed"}},
		{"no policy at all", strings.Replace(valid, "policy: {builtin: true}\n", "", 1), []string{"policy.bundle", "signed pack"}},
		{"gemeente peer without its code", valid + `  - {oin: "00000001000000000003", name: "Gemeente", org_type: gemeente, address: "127.0.0.1:7103"}` + "\n", []string{"peers[1].gemeente", "required"}},
		{"gemeente code malformed", valid + `  - {oin: "00000001000000000003", name: "Gemeente", org_type: gemeente, gemeente: "0153", address: "127.0.0.1:7103"}` + "\n", []string{"peers[1].gemeente", "GM"}},
		{"gemeente code on a school", strings.Replace(valid, "org_type: school_vo}", "org_type: school_vo, gemeente: GM0153}", 1), []string{"node.gemeente", "only for org type gemeente"}},
		{"designated gemeente on a gemeente", valid + `  - {oin: "00000001000000000003", name: "Gemeente", org_type: gemeente, gemeente: GM0153, designated_gemeente: GM0153, address: "127.0.0.1:7103"}` + "\n", []string{"peers[1].designated_gemeente", "only for a school"}},
		{"designated gemeente malformed", strings.Replace(valid, "org_type: school_vo}", "org_type: school_vo, designated_gemeente: \"0153\"}", 1), []string{"node.designated_gemeente", "GM and four digits"}},
		{"gemeente node without its code", strings.Replace(valid, "org_type: school_vo}", "org_type: gemeente}", 1), []string{"node.gemeente", "required"}},
		{"builtin and bundle", strings.Replace(valid, "policy: {builtin: true}", "policy: {builtin: true, bundle: ca.pem, trusted_keys: ., threshold: 1}", 1), []string{"policy.builtin"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), dir)
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("not ErrInvalid: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}
