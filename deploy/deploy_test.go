// Package deploy holds the systemd unit; its test checks the unit and the
// Dockerfile.
package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/internal/testnode"
)

// The unit is valid for systemd (systemd-analyze verify, where installed)
// and keeps its hardening options; `systemctl reload` sends SIGHUP (the
// node's policy reload) and validate-config runs before every start.
func TestSystemdUnit(t *testing.T) {
	unit, err := os.ReadFile("schakel.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, opt := range []string{"NoNewPrivileges=true", "ProtectSystem=strict", "ProtectHome=true", "PrivateTmp=true",
		"PrivateDevices=true", "CapabilityBoundingSet=\n", "StateDirectory=schakel", "StateDirectoryMode=0700\n", "RuntimeDirectory=schakel\n", "RuntimeDirectoryMode=0700\n", "RestrictAddressFamilies=",
		"SystemCallFilter=@system-service", "MemoryDenyWriteExecute=true", "UMask=0077", "User=schakel",
		"ExecStartPre=/usr/local/bin/schakel validate-config --config /etc/schakel/node.yaml\n",
		"ExecStart=/usr/local/bin/schakel serve --config /etc/schakel/node.yaml\n",
		"ExecReload=/bin/kill -HUP $MAINPID\n"} {
		if !strings.Contains(string(unit), opt) {
			t.Errorf("schakel.service lacks %q", opt)
		}
	}
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("systemd-analyze not installed in CI (.ci/run installs the systemd package)")
		}
		t.Skip("systemd-analyze not installed: unit syntax not verified (apt-get install systemd)")
	}
	dir := t.TempDir()
	// The binary is not installed here: point the unit at one that exists.
	fixed := strings.ReplaceAll(string(unit), "/usr/local/bin/schakel", "/bin/true")
	path := filepath.Join(dir, "schakel.service")
	if err := os.WriteFile(path, []byte(fixed), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sa, "verify", "--man=no", path).CombinedOutput()
	var problems []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		// Users and folders of the target host do not exist here.
		if l == "" || strings.Contains(l, "Failed to resolve user") || strings.Contains(l, "/etc/schakel") {
			continue
		}
		problems = append(problems, l)
	}
	if err != nil || len(problems) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, strings.Join(problems, "\n"))
	}
}

// TestUnitInstallModes: the install steps in the unit's header give every
// private key a mode the node accepts (no group or other bits), owned by
// the node's user (who must read it). The old header said 0640, which the
// node refuses: the unit then restarted every 5 s.
func TestUnitInstallModes(t *testing.T) {
	unit, err := os.ReadFile("schakel.service")
	if err != nil {
		t.Fatal(err)
	}
	mode := regexp.MustCompile(`-m (0[0-7]{3})`)
	keys := 0
	for _, l := range strings.Split(string(unit), "\n") {
		if !strings.HasPrefix(l, "#") || !strings.Contains(l, "install ") {
			continue
		}
		if !strings.Contains(l, ".key") && !strings.Contains(l, ".secret") {
			continue
		}
		keys++
		m := mode.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("install line %q gives no mode", l)
			continue
		}
		if v, _ := strconv.ParseUint(m[1], 8, 32); v&0o077 != 0 {
			t.Errorf("install line %q: mode %s lets group or others read a key; the node refuses it (want 0600)", l, m[1])
		}
		if !strings.Contains(l, "-o schakel") {
			t.Errorf("install line %q: a 0600 key must be owned by the schakel user, who reads it", l)
		}
	}
	if keys == 0 {
		t.Error("the unit's header installs no private key")
	}
}

// dockerDataDir reads, from the Dockerfile, the mode the image gives the
// data folder: the final stage's COPY to /var/lib/schakel (its --chmod, or
// else the mode its build-stage source was made with, mkdir -m).
func dockerDataDir(t *testing.T, df string) (mode os.FileMode, chown string) {
	t.Helper()
	cp := regexp.MustCompile(`(?m)^COPY --from=build((?: --[a-z]+=\S+)*) (\S+) /var/lib/schakel\s*$`).FindStringSubmatch(df)
	if cp == nil {
		t.Fatal("the Dockerfile copies no data folder to /var/lib/schakel")
	}
	src := cp[2]
	var chmod string
	for _, f := range strings.Fields(cp[1]) {
		k, v, _ := strings.Cut(strings.TrimPrefix(f, "--"), "=")
		switch k {
		case "chmod":
			chmod = v
		case "chown":
			chown = v
		}
	}
	mk := regexp.MustCompile(`mkdir (?:-p )?-m (0?[0-7]{3,4}) ` + regexp.QuoteMeta(src) + `\b`).FindStringSubmatch(df)
	if mk == nil {
		t.Fatalf("the build stage makes %s without an explicit mode (mkdir -m): it gets the umask's 0755, which the node refuses", src)
	}
	if chmod == "" {
		chmod = mk[1]
	} else if chmod != mk[1] {
		t.Errorf("the data folder is made %s but copied with --chmod=%s", mk[1], chmod)
	}
	v, err := strconv.ParseUint(chmod, 8, 32)
	if err != nil {
		t.Fatalf("data folder mode %q: %v", chmod, err)
	}
	return os.FileMode(v), chown
}

// TestDockerfile: the Dockerfile builds a static binary into a distroless
// image as a non-root user, and its data folder passes the node's own file
// checks (node.CheckFiles, what validate-config and serve apply): the
// folder is laid out in a temp dir with the Dockerfile's mode and checked.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	for _, want := range []string{"CGO_ENABLED=0", "FROM gcr.io/distroless/static", "USER 65532:65532", "-X main.version=", "-X main.commit=",
		`ENTRYPOINT ["/usr/local/bin/schakel"]`, `VOLUME ["/var/lib/schakel"]`} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	mode, chown := dockerDataDir(t, df)
	if chown != "65532:65532" {
		t.Errorf("the data folder is owned by %q, not the image's user 65532:65532", chown)
	}

	f := testnode.New(t)
	prep := f.Prepare(testnode.School, "", nil, testnode.PrepareOptions{})
	cfg, err := config.Load(prep.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	image := t.TempDir()
	cfg.DataDir = filepath.Join(image, "var", "lib", "schakel")
	cfg.Audit.SecretFile = filepath.Join(cfg.DataDir, "pseudonym.secret")
	if err := os.MkdirAll(filepath.Dir(cfg.DataDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(cfg.DataDir, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(cfg.DataDir, mode); err != nil { // past the umask, as the image has it
		t.Fatal(err)
	}
	if err := node.CheckFiles(cfg); err != nil {
		t.Fatalf("the image's data folder (mode %04o) is refused by the node: %v", mode, err)
	}

	// The check can fail: the old Dockerfile's plain mkdir (0755) is refused.
	if err := os.Chmod(cfg.DataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := node.CheckFiles(cfg); err == nil || !strings.Contains(err.Error(), "mode 0755") {
		t.Fatalf("a 0755 data folder: CheckFiles = %v, want a refusal naming mode 0755", err)
	}
}
