package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/schakel/schakel/internal/testnode"
)

// TestValidateConfigChecksFileModes: validate-config refuses what serve
// refuses, naming the file and its mode: a private key of mode 0640 (the
// mode the old unit's comment recommended), a data folder of mode 0755 (the
// old Dockerfile's) and a pseudonym secret of mode 0644; all three at once
// are all reported. With 0600/0700 it says "valid".
func TestValidateConfigChecksFileModes(t *testing.T) {
	f := testnode.New(t)
	prep := f.Prepare(testnode.School, "", nil, testnode.PrepareOptions{})
	key := filepath.Join(prep.Dir, testnode.School.OIN+".key")
	if _, err := os.Stat(key); err != nil {
		t.Fatalf("the prepared key is not where the test expects it: %v", err)
	}
	data := filepath.Join(prep.Dir, "data")
	secret := filepath.Join(data, "pseudonym.secret")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(secret, []byte(strings.Repeat("ab", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	validate := func() (int, string, string) {
		var out, errb bytes.Buffer
		code := run([]string{"validate-config", "--config", prep.ConfigPath}, stdio{in: strings.NewReader(""), out: &out, err: &errb})
		return code, out.String(), errb.String()
	}
	chmod := func(p string, m os.FileMode) {
		t.Helper()
		if err := os.Chmod(p, m); err != nil {
			t.Fatal(err)
		}
	}
	if code, out, errs := validate(); code != 0 || !strings.Contains(out, "valid") {
		t.Fatalf("modes 0600/0700: exit %d, out %q, err %q; want valid", code, out, errs)
	}
	for _, c := range []struct {
		what string
		path string
		bad  os.FileMode
		good os.FileMode
		want []string
	}{
		{"identity.key", key, 0o640, 0o600, []string{key, "mode 0640", "chmod 600"}},
		{"data_dir", data, 0o755, 0o700, []string{data, "mode 0755", "chmod 700"}},
		{"audit.secret_file", secret, 0o644, 0o600, []string{"audit.secret_file", secret, "mode 0644", "chmod 600"}},
	} {
		chmod(c.path, c.bad)
		code, out, errs := validate()
		if code != 1 || strings.Contains(out, "valid") {
			t.Errorf("%s mode %04o: exit %d, out %q; want exit 1 and no \"valid\"", c.what, c.bad, code, out)
		}
		for _, w := range c.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%s mode %04o: stderr %q lacks %q", c.what, c.bad, errs, w)
			}
		}
		chmod(c.path, c.good)
	}
	// Every problem at once, so an operator fixes them in one go.
	chmod(secret, 0o640)
	chmod(data, 0o750)
	chmod(key, 0o644)
	code, _, errs := validate()
	for _, w := range []string{"mode 0640", "mode 0750", "mode 0644"} {
		if code != 1 || !strings.Contains(errs, w) {
			t.Errorf("three wrong modes: exit %d, stderr %q lacks %q", code, errs, w)
		}
	}
}
