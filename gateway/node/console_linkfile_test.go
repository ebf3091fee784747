package node_test

import (
	"crypto/tls"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/internal/testnode"
)

// TestConsoleLinkFile: with console.link_file set, the start-up login
// links go to that file, mode 0600 (an older, wider file there is
// replaced), one "user url" line per console user, and not to the log,
// which often ships to central logging; the log says where they are. The
// link in the file logs in once.
func TestConsoleLinkFile(t *testing.T) {
	f := testnode.New(t)
	run := filepath.Join(t.TempDir(), "run")
	if err := os.Mkdir(run, 0o700); err != nil {
		t.Fatal(err)
	}
	linkFile := filepath.Join(run, "console-login")
	if err := os.WriteFile(linkFile, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	school := f.Start(testnode.School, nil, func(c *config.Config, _ *node.Options) {
		c.Console = config.Console{Listen: "auto", LinkFile: linkFile,
			Users: []config.ConsoleUser{{Name: "lezer", Permissions: []string{identity.PermStatus}}}}
	})
	prefix := "https://" + school.Node.ConsoleAddr() + "/login?token="
	var text string
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		b, err := os.ReadFile(linkFile)
		if err == nil && strings.Contains(string(b), prefix) {
			text = string(b)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no login link in %s after 15 s: %q, %v", linkFile, b, err)
		}
	}
	fi, err := os.Stat(linkFile)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("%s has mode %04o, want 0600", linkFile, perm)
	}
	var adminURL string
	users := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		user, url, ok := strings.Cut(l, " ")
		if !ok || !strings.HasPrefix(url, prefix) {
			t.Errorf("line %q is not \"user url\"", l)
		}
		users[user] = true
		if user == config.ConsoleAdmin {
			adminURL = url
		}
	}
	if !users[config.ConsoleAdmin] || !users["lezer"] || strings.Contains(text, "old") {
		t.Errorf("link file %q: want a link for %s and lezer, and nothing of the old file", text, config.ConsoleAdmin)
	}
	logs := f.Logs.String()
	if strings.Contains(logs, "token=") {
		t.Errorf("a login link reached the log with console.link_file set:\n%s", logs)
	}
	if !strings.Contains(logs, linkFile) {
		t.Errorf("the log does not say where the links are (%s)", linkFile)
	}

	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // checks the link, not TLS names
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for i, want := range []int{http.StatusSeeOther, http.StatusUnauthorized} {
		r, err := hc.Get(adminURL)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != want {
			t.Errorf("use %d of the file's link: %d, want %d", i+1, r.StatusCode, want)
		}
	}
}
