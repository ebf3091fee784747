package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const directorySource = `federation: Twente
version: 1
peers:
  - {oin: "00000001000000000003", name: "Gemeente Enschede", org_type: gemeente, gemeente_code: "0153", address: "schakel.enschede.example:8443"}
  - {oin: "00000001000000000001", name: "Het Twentse College", org_type: school_vo, address: "schakel.twentsecollege.example:8443"}
`

func TestDirectoryBuildSignVerifyDiff(t *testing.T) {
	t.Setenv(passwordEnv, "geheim wachtwoord")
	keys, trusted, work := t.TempDir(), t.TempDir(), t.TempDir()
	for _, who := range []string{"federatie", "fg"} {
		if code, _, stderr := runCmd(t, cmdPolicyKeygen, "--out", filepath.Join(keys, who)); code != 0 {
			t.Fatalf("keygen %s: %s", who, stderr)
		}
		pub, _ := os.ReadFile(filepath.Join(keys, who+".pub"))
		if err := os.WriteFile(filepath.Join(trusted, who+".pub"), pub, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src := filepath.Join(work, "bron.yaml")
	if err := os.WriteFile(src, []byte(directorySource), 0o644); err != nil {
		t.Fatal(err)
	}
	v1 := filepath.Join(work, "directory-v1.yaml")
	if code, out, stderr := runCmd(t, directoryGroup.run, "build", "--in", src, "--out", v1); code != 0 || !strings.Contains(out, "version 1, 2 organisations") {
		t.Fatalf("build: exit %d %s %s", code, out, stderr)
	}
	for _, who := range []string{"federatie", "fg"} {
		if code, _, stderr := runCmd(t, directoryGroup.run, "sign", "--directory", v1, "--key", filepath.Join(keys, who+".key")); code != 0 {
			t.Fatalf("sign %s: %s", who, stderr)
		}
	}
	if code, out, stderr := runCmd(t, directoryGroup.run, "verify", "--directory", v1, "--trusted", trusted); code != 0 || !strings.Contains(out, "signed by federatie, fg") {
		t.Fatalf("verify: exit %d %s %s", code, out, stderr)
	}

	// A hand edit after signing is refused by verify; sign refuses a
	// non-canonical file.
	b, _ := os.ReadFile(v1)
	edited := strings.Replace(string(b), "schakel.enschede.example:8443", "evil.example:8443", 1)
	if err := os.WriteFile(v1, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCmd(t, directoryGroup.run, "verify", "--directory", v1, "--trusted", trusted); code != 1 || !strings.Contains(stderr, "REFUSED") {
		t.Fatalf("verify of an edited directory: exit %d %s", code, stderr)
	}
	if err := os.WriteFile(v1, []byte(directorySource), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCmd(t, directoryGroup.run, "sign", "--directory", v1, "--key", filepath.Join(keys, "fg.key")); code != 1 || !strings.Contains(stderr, "canonical") {
		t.Fatalf("sign of a non-canonical file: exit %d %s", code, stderr)
	}

	// Version 2 adds Jeugdzorg Twente and moves the school.
	v2src := strings.Replace(directorySource, "schakel.twentsecollege.example:8443", "nieuw.twentsecollege.example:8443", 1) +
		`  - {oin: "00000001000000000002", name: "Jeugdzorg Twente", org_type: zorgaanbieder, address: "schakel.jeugdzorgtwente.example:8443"}` + "\n"
	if err := os.WriteFile(src, []byte(v2src), 0o644); err != nil {
		t.Fatal(err)
	}
	v2 := filepath.Join(work, "directory-v2.yaml")
	if code, _, stderr := runCmd(t, directoryGroup.run, "build", "--in", src, "--out", v2, "--version", "2"); code != 0 {
		t.Fatalf("build v2: %s", stderr)
	}
	code, out, stderr := runCmd(t, directoryGroup.run, "diff", v1, v2)
	if code != 0 {
		t.Fatalf("diff: exit %d %s", code, stderr)
	}
	for _, want := range []string{"version 1 -> 2", "+ 00000001000000000002", "~ 00000001000000000001", "-> 00000001000000000001 \"Het Twentse College\" school_vo gemeente= nieuw.twentsecollege.example:8443"} {
		if !strings.Contains(out, want) {
			t.Errorf("diff output lacks %q:\n%s", want, out)
		}
	}
	if code, _, _ := runCmd(t, directoryGroup.run, "sign", "--directory", v2); code != 2 {
		t.Errorf("sign without --key: exit %d, want 2", code)
	}
	if code, _, _ := runCmd(t, directoryGroup.run, "nonsense"); code != 2 {
		t.Errorf("unknown subcommand: exit %d, want 2", code)
	}
}

// TestDirectoryVerifyRefusesExpiredKey: `schakel directory verify` applies
// the trusted keys' Not-After as the node does: a signature by an expired
// key does not count, and the refusal names the key and its expiry.
func TestDirectoryVerifyRefusesExpiredKey(t *testing.T) {
	t.Setenv(passwordEnv, "geheim wachtwoord")
	keys, trusted, work := t.TempDir(), t.TempDir(), t.TempDir()
	for _, who := range []string{"federatie", "fg"} {
		if code, _, stderr := runCmd(t, cmdPolicyKeygen, "--out", filepath.Join(keys, who)); code != 0 {
			t.Fatalf("keygen %s: %s", who, stderr)
		}
	}
	setTrusted := func(notAfter string) {
		t.Helper()
		for _, who := range []string{"federatie", "fg"} {
			pub, _ := os.ReadFile(filepath.Join(keys, who+".pub"))
			if who == "fg" {
				pub = []byte(strings.Replace(string(pub), "-----BEGIN PUBLIC KEY-----\n", "-----BEGIN PUBLIC KEY-----\nNot-After: "+notAfter+"\n\n", 1))
			}
			if err := os.WriteFile(filepath.Join(trusted, who+".pub"), pub, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	src := filepath.Join(work, "bron.yaml")
	if err := os.WriteFile(src, []byte(directorySource), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(work, "directory.yaml")
	if code, _, stderr := runCmd(t, directoryGroup.run, "build", "--in", src, "--out", file); code != 0 {
		t.Fatalf("build: %s", stderr)
	}
	for _, who := range []string{"federatie", "fg"} {
		if code, _, stderr := runCmd(t, directoryGroup.run, "sign", "--directory", file, "--key", filepath.Join(keys, who+".key")); code != 0 {
			t.Fatalf("sign %s: %s", who, stderr)
		}
	}
	setTrusted("2999-12-31")
	if code, out, stderr := runCmd(t, directoryGroup.run, "verify", "--directory", file, "--trusted", trusted); code != 0 || !strings.Contains(out, "signed by federatie, fg") {
		t.Fatalf("key with a future Not-After: exit %d %q %q", code, out, stderr)
	}
	setTrusted("2020-01-01")
	code, out, stderr := runCmd(t, directoryGroup.run, "verify", "--directory", file, "--trusted", trusted)
	if code != 1 || out != "" {
		t.Fatalf("signature by an expired key: exit %d, stdout %q; want 1 and nothing on stdout", code, out)
	}
	for _, want := range []string{"REFUSED", "1 of 2", `trusted key "fg"`, "expired at 2020-01-01T23:59:59Z", "directory.yaml.fg.sig"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if code, out, stderr := runCmd(t, directoryGroup.run, "verify", "--directory", file, "--trusted", trusted, "--threshold", "1"); code != 0 || !strings.Contains(out, "signed by federatie\n") {
		t.Fatalf("threshold 1 with one unexpired signer: exit %d %q %q", code, out, stderr)
	}
}
