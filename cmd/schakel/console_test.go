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
)

func TestConsoleLogin(t *testing.T) {
	f := testnode.New(t)
	school := f.Start(testnode.School, nil, func(c *config.Config, _ *node.Options) {
		c.Console = config.Console{Listen: "auto"}
	})
	c := school.Config
	dir := t.TempDir()
	write := func(console string) string {
		p := filepath.Join(dir, fmt.Sprintf("node-%d.yaml", len(console)))
		yaml := fmt.Sprintf(`node: {oin: %q, name: %q, org_type: %s}
listen: {peer: "127.0.0.1:0", local: %q}
identity: {cert: %q, key: %q}
trust: {anchors: [%q]}
local: {client_ca: %q}
data_dir: %q
policy: {builtin: true}
%s`, c.Node.OIN, c.Node.Name, c.Node.OrgType, school.Node.LocalAddr, c.Identity.Cert, c.Identity.Key, c.Trust.Anchors[0],
			c.Local.ClientCA, c.DataDir, console)
		if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	on, off := write("console: {listen: auto}\n"), write("")
	certPath, keyPath := school.Client.WriteFiles(t, t.TempDir())

	code, out, errOut := runCmd(t, cmdConsoleLogin, "--config", on, "--cert", certPath, "--key", keyPath)
	want := "console (beheerder): https://" + school.Node.ConsoleAddr() + "/login?token="
	if code != 0 || !strings.HasPrefix(out, want) || !strings.Contains(errOut, "valid until") {
		t.Fatalf("exit %d, out %q, err %q; want a line starting %q", code, out, errOut, want)
	}
	code, _, errOut = runCmd(t, cmdConsoleLogin, "--config", on, "--cert", certPath, "--key", keyPath, "--user", "niemand")
	if code != 1 || !strings.Contains(errOut, `no console user "niemand"`) {
		t.Errorf("unknown user: exit %d, %q", code, errOut)
	}
	code, _, errOut = runCmd(t, cmdConsoleLogin, "--config", off, "--cert", certPath, "--key", keyPath)
	if code != 1 || !strings.Contains(errOut, "console is off") {
		t.Errorf("console off in the config: exit %d, %q", code, errOut)
	}
	if code, _, _ := runCmd(t, cmdConsoleLogin, "--config", on); code != 2 {
		t.Errorf("without --cert: exit %d, want 2", code)
	}
}
