package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/schakel/schakel/policy"
	"github.com/schakel/schakel/policy/bundle"
	"github.com/schakel/schakel/policy/signing"
)

// runCmd runs a command function and returns its exit code and output.
func runCmd(t *testing.T, f func([]string, stdio) int, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := f(args, stdio{in: strings.NewReader(""), out: &out, err: &errb})
	return code, out.String(), errb.String()
}

// writeTestPack copies the default pack into a temporary folder.
func writeTestPack(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, policy.DefaultPack()); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestPolicyBuildAndSignRefuseBrokenPack: a pack a node would refuse is not
// built, so it cannot be signed by mistake.
func TestPolicyBuildAndSignRefuseBrokenPack(t *testing.T) {
	pack := writeTestPack(t)
	data := filepath.Join(pack, "data.yaml")
	b, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(data, append(b, []byte("\nonbekende_sleutel: 1\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCmd(t, cmdPolicyBuild, "--bundle", pack, "--out", filepath.Join(t.TempDir(), "p.tar.gz"))
	if code != 1 || !strings.Contains(stderr, "onbekende_sleutel") {
		t.Fatalf("build of a broken pack: exit %d, %q; want 1 naming the key", code, stderr)
	}
}

func TestPolicyBuild(t *testing.T) {
	pack := writeTestPack(t)
	out := t.TempDir()
	a, b := filepath.Join(out, "a.tar.gz"), filepath.Join(out, "b.tar.gz")
	code, stdout1, stderr := runCmd(t, cmdPolicyBuild, "--bundle", pack, "--out", a)
	if code != 0 {
		t.Fatalf("build: %d %s", code, stderr)
	}
	code, stdout2, stderr := runCmd(t, cmdPolicyBuild, "--bundle", pack, "--out", b)
	if code != 0 {
		t.Fatalf("build: %d %s", code, stderr)
	}
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if !bytes.Equal(da, db) || stdout1 != stdout2 {
		t.Fatal("two builds differ")
	}
	if strings.TrimSpace(stdout1) != bundle.Revision(da) {
		t.Fatalf("printed %q, revision %s", stdout1, bundle.Revision(da))
	}
	if code, _, _ := runCmd(t, cmdPolicyBuild, "--bundle", pack); code != 2 {
		t.Fatalf("missing --out: exit %d, want 2", code)
	}
}

func TestPolicyKeygen(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "privacy-officer")

	t.Setenv(passwordEnv, "")
	if code, _, stderr := runCmd(t, cmdPolicyKeygen, "--out", name); code == 0 || !strings.Contains(stderr, passwordEnv) {
		t.Fatalf("keygen without passphrase or terminal: exit %d, %s", code, stderr)
	}

	t.Setenv(passwordEnv, "geheim wachtwoord")
	code, stdout, stderr := runCmd(t, cmdPolicyKeygen, "--out", name)
	if code != 0 {
		t.Fatalf("keygen: %d %s", code, stderr)
	}
	if !strings.Contains(stdout, "vingerafdruk:     sha256:") {
		t.Errorf("stdout %q", stdout)
	}
	for path, want := range map[string]os.FileMode{name + ".key": 0o600, name + ".pub": 0o644} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s mode %v, want %v", path, info.Mode().Perm(), want)
		}
	}
	key, _ := os.ReadFile(name + ".key")
	if !bytes.Contains(key, []byte("ENCRYPTED SIGSTORE PRIVATE KEY")) {
		t.Errorf("private key is not in the encrypted sigstore format")
	}
	if code, _, stderr := runCmd(t, cmdPolicyKeygen, "--out", name); code == 0 || !strings.Contains(stderr, "exists") {
		t.Fatalf("keygen over an existing key: exit %d, %s", code, stderr)
	}
}

func TestPolicySignVerify(t *testing.T) {
	t.Setenv(passwordEnv, "geheim wachtwoord")
	keys, trusted, work := t.TempDir(), t.TempDir(), t.TempDir()
	for _, who := range []string{"privacy-officer", "fg", "stranger"} {
		if code, _, stderr := runCmd(t, cmdPolicyKeygen, "--out", filepath.Join(keys, who)); code != 0 {
			t.Fatalf("keygen %s: %s", who, stderr)
		}
	}
	for _, who := range []string{"privacy-officer", "fg"} {
		pub, _ := os.ReadFile(filepath.Join(keys, who+".pub"))
		if err := os.WriteFile(filepath.Join(trusted, who+".pub"), pub, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	archive := filepath.Join(work, "pack.tar.gz")
	if code, _, stderr := runCmd(t, cmdPolicyBuild, "--bundle", writeTestPack(t), "--out", archive); code != 0 {
		t.Fatal(stderr)
	}
	sig := func(who string) string {
		t.Helper()
		code, stdout, stderr := runCmd(t, cmdPolicySign, "--bundle", archive, "--key", filepath.Join(keys, who+".key"))
		if code != 0 {
			t.Fatalf("sign %s: %s", who, stderr)
		}
		if !strings.Contains(stdout, "ondertekend:  sha256:") {
			t.Errorf("sign stdout %q", stdout)
		}
		return archive + "." + who + ".sig"
	}
	officer, fg, stranger := sig("privacy-officer"), sig("fg"), sig("stranger")

	code, stdout, stderr := runCmd(t, cmdPolicyVerify, "--bundle", archive, "--sig", officer, "--sig", fg, "--trusted", trusted, "--threshold", "2")
	if code != 0 {
		t.Fatalf("verify: %d %s", code, stderr)
	}
	if !strings.Contains(stdout, "ondertekend door privacy-officer, fg (2 van 2 vereist)") {
		t.Errorf("verify stdout %q", stdout)
	}

	// Without --sig the signature files beside the archive are found; the
	// stranger's does not count and is reported as a warning.
	code, stdout, stderr = runCmd(t, cmdPolicyVerify, "--bundle", archive, "--trusted", trusted)
	if code != 0 || !strings.Contains(stdout, "2 van 2") || !strings.Contains(stderr, "pack.tar.gz.stranger.sig telt niet mee") {
		t.Fatalf("verify with discovery: %d %q %q", code, stdout, stderr)
	}

	malformed := filepath.Join(work, "broken.sig")
	if err := os.WriteFile(malformed, []byte("@@@"), 0o644); err != nil {
		t.Fatal(err)
	}
	refusals := []struct {
		name string
		args []string
		want []string
	}{
		{"one of two", []string{"--sig", officer}, []string{"1 van 2", "geldig: privacy-officer"}},
		{"untrusted key", []string{"--sig", officer, "--sig", stranger}, []string{"pack.tar.gz.stranger.sig: signature not made by a trusted key"}},
		{"malformed", []string{"--sig", fg, "--sig", malformed}, []string{"broken.sig: malformed signature"}},
		{"duplicate", []string{"--sig", fg, "--sig", fg}, []string{"duplicate signature by the same key \"fg\""}},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--bundle", archive, "--trusted", trusted}, tt.args...)
			code, _, stderr := runCmd(t, cmdPolicyVerify, args...)
			if code == 0 {
				t.Fatal("verified")
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
		})
	}

	t.Run("tampered", func(t *testing.T) {
		data, _ := os.ReadFile(archive)
		data[len(data)-10] ^= 0xff
		bad := filepath.Join(work, "bad.tar.gz")
		if err := os.WriteFile(bad, data, 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := runCmd(t, cmdPolicyVerify, "--bundle", bad, "--sig", officer, "--sig", fg, "--trusted", trusted)
		if code == 0 || !strings.Contains(stderr, "0 van 2") || !strings.Contains(stderr, "archive changed after signing") {
			t.Fatalf("tampered: %d %q", code, stderr)
		}
	})

	t.Run("unsigned", func(t *testing.T) {
		lone := filepath.Join(t.TempDir(), "lone.tar.gz")
		data, _ := os.ReadFile(archive)
		if err := os.WriteFile(lone, data, 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := runCmd(t, cmdPolicyVerify, "--bundle", lone, "--trusted", trusted)
		if code == 0 || !strings.Contains(stderr, "unsigned") {
			t.Fatalf("unsigned: %d %q", code, stderr)
		}
	})

	t.Run("wrong passphrase", func(t *testing.T) {
		t.Setenv(passwordEnv, "fout")
		code, _, stderr := runCmd(t, cmdPolicySign, "--bundle", archive, "--key", filepath.Join(keys, "fg.key"), "--out", filepath.Join(work, "x.sig"))
		if code == 0 || !strings.Contains(stderr, "passphrase") {
			t.Fatalf("wrong passphrase: %d %q", code, stderr)
		}
	})
}

// TestPolicyVerifyRefusesExpiredKey: `schakel policy verify` applies the
// trusted keys' Not-After as the node does, so it no longer approves a pack
// the node would refuse.
func TestPolicyVerifyRefusesExpiredKey(t *testing.T) {
	t.Setenv(passwordEnv, "correct horse battery staple")
	keys, trusted, work := t.TempDir(), t.TempDir(), t.TempDir()
	for _, who := range []string{"privacy-officer", "fg"} {
		if code, _, stderr := runCmd(t, cmdPolicyKeygen, "--out", filepath.Join(keys, who)); code != 0 {
			t.Fatalf("keygen %s: %s", who, stderr)
		}
	}
	setTrusted := func(notAfter string) {
		t.Helper()
		for _, who := range []string{"privacy-officer", "fg"} {
			pub, _ := os.ReadFile(filepath.Join(keys, who+".pub"))
			if who == "fg" && notAfter != "" {
				pub = bytes.Replace(pub, []byte("-----BEGIN PUBLIC KEY-----\n"), []byte("-----BEGIN PUBLIC KEY-----\nNot-After: "+notAfter+"\n\n"), 1)
			}
			if err := os.WriteFile(filepath.Join(trusted, who+".pub"), pub, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	archive := filepath.Join(work, "pack.tar.gz")
	if code, _, stderr := runCmd(t, cmdPolicyBuild, "--bundle", writeTestPack(t), "--out", archive); code != 0 {
		t.Fatal(stderr)
	}
	for _, who := range []string{"privacy-officer", "fg"} {
		if code, _, stderr := runCmd(t, cmdPolicySign, "--bundle", archive, "--key", filepath.Join(keys, who+".key")); code != 0 {
			t.Fatalf("sign %s: %s", who, stderr)
		}
	}
	setTrusted("2999-12-31")
	if code, stdout, stderr := runCmd(t, cmdPolicyVerify, "--bundle", archive, "--trusted", trusted); code != 0 || !strings.Contains(stdout, "2 van 2") {
		t.Fatalf("key with a future Not-After: exit %d %q %q", code, stdout, stderr)
	}
	setTrusted("2020-01-01")
	code, stdout, stderr := runCmd(t, cmdPolicyVerify, "--bundle", archive, "--trusted", trusted)
	if code != 1 || stdout != "" {
		t.Fatalf("signature by an expired key: exit %d, stdout %q; want 1 and nothing on stdout", code, stdout)
	}
	for _, want := range []string{"GEWEIGERD", "(expired)", "1 van 2 vereiste vertrouwde ondertekenaars", `trusted key "fg"`, "expired at 2020-01-01T23:59:59Z", "pack.tar.gz.fg.sig"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	// With threshold 1 the officer's signature alone still suffices: the
	// expired key is simply not counted.
	if code, _, stderr := runCmd(t, cmdPolicyVerify, "--bundle", archive, "--trusted", trusted, "--threshold", "1"); code != 0 {
		t.Fatalf("threshold 1 with one valid signer: exit %d %s", code, stderr)
	}
}

// TestPolicyBuildSignVerifyRunThePackTests: a pack whose own Rego test fails
// is not built; an archive of it (made without the CLI) is neither signed
// nor verified; each names the failing test.
func TestPolicyBuildSignVerifyRunThePackTests(t *testing.T) {
	t.Setenv(passwordEnv, "correct horse battery staple")
	pack := writeTestPack(t)
	failing := "package schakel.officer_test\n\ntest_b1_needs_two_parents if {\n\t1 == 2\n}\n"
	if err := os.WriteFile(filepath.Join(pack, "officer_test.rego"), []byte(failing), 0o644); err != nil {
		t.Fatal(err)
	}
	const testName = "officer_test.rego:3 data.schakel.officer_test.test_b1_needs_two_parents"
	work := t.TempDir()
	code, _, stderr := runCmd(t, cmdPolicyBuild, "--bundle", pack, "--out", filepath.Join(work, "p.tar.gz"))
	if code != 1 || !strings.Contains(stderr, "FAIL "+testName) || !strings.Contains(stderr, "(invalid_pack)") {
		t.Fatalf("build with a failing Rego test: exit %d %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(work, "p.tar.gz")); !os.IsNotExist(err) {
		t.Fatalf("build wrote the archive of a refused pack: %v", err)
	}
	raw, err := bundle.Build(pack)
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(work, "pack.tar.gz")
	os.WriteFile(archive, raw, 0o644)
	keys, trusted := t.TempDir(), t.TempDir()
	if code, _, stderr := runCmd(t, cmdPolicyKeygen, "--out", filepath.Join(keys, "fg")); code != 0 {
		t.Fatal(stderr)
	}
	if code, _, stderr := runCmd(t, cmdPolicySign, "--bundle", archive, "--key", filepath.Join(keys, "fg.key")); code != 1 || !strings.Contains(stderr, testName) {
		t.Fatalf("sign of a pack with a failing test: exit %d %q", code, stderr)
	}
	// Signed anyway (with signing.Sign, as a careless tool might): verify
	// checks the signature and then the tests, as the node does.
	priv, _ := os.ReadFile(filepath.Join(keys, "fg.key"))
	sig, err := signing.Sign(priv, []byte("correct horse battery staple"), raw)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(archive+".fg.sig", sig, 0o644)
	pub, _ := os.ReadFile(filepath.Join(keys, "fg.pub"))
	os.WriteFile(filepath.Join(trusted, "fg.pub"), pub, 0o644)
	code, stdout, stderr := runCmd(t, cmdPolicyVerify, "--bundle", archive, "--trusted", trusted, "--threshold", "1")
	if code != 1 || stdout != "" || !strings.Contains(stderr, "FAIL "+testName) || !strings.Contains(stderr, "(invalid_pack)") {
		t.Fatalf("verify of a signed pack with a failing test: exit %d %q %q", code, stdout, stderr)
	}
}
