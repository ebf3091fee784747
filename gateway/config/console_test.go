package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConsoleKeys(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "cert.pem", "key.pem", "ca.pem", "local-ca.pem")
	off, err := Parse([]byte(valid), dir)
	if err != nil {
		t.Fatal(err)
	}
	if off.Console.Enabled() {
		t.Error("the console is on without console.listen")
	}
	ok := valid + `
console:
  listen: auto
  permissions: [status, inzage]
  users:
    - {name: fg, permissions: [status]}
    - {name: operator.1, permissions: [status, notify]}
`
	c, err := Parse([]byte(ok), dir)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Console.Enabled() || c.Console.Address() != "127.0.0.1:0" || len(c.Console.Users) != 2 {
		t.Errorf("console: %+v", c.Console)
	}
	for _, tc := range []struct{ name, yaml, want string }{
		{"remote address", strings.Replace(ok, "listen: auto", "listen: 0.0.0.0:8443", 1), "not a loopback address"},
		{"not host:port", strings.Replace(ok, "listen: auto", "listen: console", 1), "console.listen"},
		{"unknown permission", strings.Replace(ok, "[status, inzage]", "[status, admin]", 1), `console.permissions: unknown permission "admin"`},
		{"user without permissions", strings.Replace(ok, "{name: fg, permissions: [status]}", "{name: fg, permissions: []}", 1), "console.users[0].permissions"},
		{"user with an unknown permission", strings.Replace(ok, "[status, notify]", "[status, root]", 1), `console.users[1].permissions: unknown permission "root"`},
		{"duplicate user", strings.Replace(ok, "name: operator.1", "name: fg", 1), "duplicate user"},
		{"user named as the start-up user", strings.Replace(ok, "name: fg", "name: beheerder", 1), "duplicate user"},
		{"bad user name", strings.Replace(ok, "name: fg", `name: "FG <b>"`, 1), "console.users[0].name"},
		{"users without listen", strings.Replace(ok, "  listen: auto\n", "", 1), "console.listen: required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse = %v, want an error naming %s", err, tc.want)
			}
		})
	}
	remote, err := Parse([]byte(strings.Replace(ok, "listen: auto", "listen: 0.0.0.0:8443\n  allow_remote: true", 1)), dir)
	if err != nil || remote.Console.Address() != "0.0.0.0:8443" {
		t.Errorf("allow_remote: %v", err)
	}
}

// TestConsoleLinkFileKey: console.link_file is resolved against the
// configuration's folder, needs the console on, and an existing folder that
// group and others cannot write (they could replace the link file).
func TestConsoleLinkFileKey(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "cert.pem", "key.pem", "ca.pem", "local-ca.pem")
	if err := os.Mkdir(filepath.Join(dir, "run"), 0o700); err != nil {
		t.Fatal(err)
	}
	on := valid + "\nconsole:\n  listen: auto\n  link_file: run/console-login\n"
	c, err := Parse([]byte(on), dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "run", "console-login"); c.Console.LinkFile != want {
		t.Errorf("link_file %q, want %q", c.Console.LinkFile, want)
	}
	if err := os.Mkdir(filepath.Join(dir, "open"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "open"), 0o777); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, yaml, want string }{
		{"console off", valid + "\nconsole:\n  link_file: run/console-login\n", "console.listen"},
		{"missing folder", strings.Replace(on, "run/", "gone/", 1), "console.link_file: folder"},
		{"world-writable folder", strings.Replace(on, "run/", "open/", 1), "writable by group or others"},
	} {
		if _, err := Parse([]byte(tc.yaml), dir); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %q", tc.name, err, tc.want)
		}
	}
}
