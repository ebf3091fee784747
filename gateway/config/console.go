package config

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/schakel/schakel/gateway/identity"
)

// Console is the node's web console (gateway/console): off unless Listen is
// set. "auto" listens on 127.0.0.1 on a free port. The console serves HTTPS
// with the node's own certificate; users log in with a one-time link the
// node writes to its log, or to console.link_file.
type Console struct {
	Listen string `yaml:"listen"`
	// Permissions are the permissions of the console user the start-up
	// link logs in (the local API's permission names); empty means all.
	Permissions []string `yaml:"permissions"`
	// Users are further named console users, each with its own
	// permissions; a one-time link for one is minted on request
	// (node.ConsoleLogin).
	Users []ConsoleUser `yaml:"users"`
	// AllowRemote permits a non-loopback listen address. The login link
	// then travels over the network; off by default.
	AllowRemote bool `yaml:"allow_remote"`
	// LinkFile, when set, receives the start-up login links (mode 0600,
	// replaced whole at every start) instead of the log, which often ships
	// to central logging where anyone who reads it could log in. Its
	// folder must exist and be writable by the node (under systemd:
	// /run/schakel, the unit's RuntimeDirectory).
	LinkFile string `yaml:"link_file"`
}

// ConsoleUser is a named console user.
type ConsoleUser struct {
	Name        string   `yaml:"name"`
	Permissions []string `yaml:"permissions"`
}

// Enabled reports whether the console is served.
func (c Console) Enabled() bool { return c.Listen != "" }

// Address is the address to listen on ("auto" is 127.0.0.1:0).
func (c Console) Address() string {
	if c.Listen == "auto" {
		return "127.0.0.1:0"
	}
	return c.Listen
}

// ConsoleAdmin is the name of the console user of the start-up link.
const ConsoleAdmin = "beheerder"

var consoleUserName = regexp.MustCompile(`^[a-z][a-z0-9._-]{0,62}$`)

func (c *Config) validateConsole(bad func(key, format string, args ...any)) {
	cs := c.Console
	if !cs.Enabled() {
		if len(cs.Users) > 0 || len(cs.Permissions) > 0 || cs.LinkFile != "" {
			bad("console.listen", "required when console.users, console.permissions or console.link_file are set (\"auto\" for a free loopback port)")
		}
		return
	}
	if cs.LinkFile != "" {
		dir := filepath.Dir(cs.LinkFile)
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			bad("console.link_file", "folder %s does not exist (the node writes %s there at start)", dir, filepath.Base(cs.LinkFile))
		} else if fi.Mode().Perm()&0o022 != 0 {
			bad("console.link_file", "folder %s (mode %04o) is writable by group or others, who could replace the link file", dir, fi.Mode().Perm())
		}
	}
	host, _, err := net.SplitHostPort(cs.Address())
	if err != nil {
		bad("console.listen", "%q is not host:port or \"auto\": %v", cs.Listen, err)
	} else if ip := net.ParseIP(host); !cs.AllowRemote && (ip == nil || !ip.IsLoopback()) && host != "localhost" {
		bad("console.listen", "%q is not a loopback address; set console.allow_remote to serve the console to the network", cs.Listen)
	}
	known := map[string]bool{}
	for _, p := range identity.Permissions {
		known[p] = true
	}
	perms := func(key string, ps []string) {
		for _, p := range ps {
			if !known[p] {
				bad(key, "unknown permission %q (known: %s)", p, strings.Join(identity.Permissions, ", "))
			}
		}
	}
	perms("console.permissions", cs.Permissions)
	seen := map[string]bool{ConsoleAdmin: true}
	for i, u := range cs.Users {
		key := fmt.Sprintf("console.users[%d]", i)
		switch {
		case !consoleUserName.MatchString(u.Name):
			bad(key+".name", "%q: a name of lower-case letters, digits, '.', '_' or '-', starting with a letter", u.Name)
		case seen[u.Name]:
			bad(key+".name", "duplicate user %q (%q is the start-up link's user)", u.Name, ConsoleAdmin)
		}
		seen[u.Name] = true
		if len(u.Permissions) == 0 {
			bad(key+".permissions", "at least one permission is required (one of %s)", strings.Join(identity.Permissions, ", "))
		}
		perms(key+".permissions", u.Permissions)
	}
}
