// Package deploy holds the systemd unit; its test checks the unit and the
// Dockerfile.
package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The unit is valid for systemd (systemd-analyze verify, where installed)
// and keeps its hardening options.
func TestSystemdUnit(t *testing.T) {
	unit, err := os.ReadFile("schakel.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, opt := range []string{"NoNewPrivileges=true", "ProtectSystem=strict", "ProtectHome=true", "PrivateTmp=true",
		"PrivateDevices=true", "CapabilityBoundingSet=\n", "StateDirectory=schakel", "RestrictAddressFamilies=", "SystemCallFilter=@system-service",
		"MemoryDenyWriteExecute=true", "UMask=0077", "User=schakel", "ExecStart=/usr/local/bin/schakel serve --config /etc/schakel/node.yaml"} {
		if !strings.Contains(string(unit), opt) {
			t.Errorf("schakel.service lacks %q", opt)
		}
	}
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze not installed: unit syntax not verified")
		return
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

// The Dockerfile builds a static binary into a distroless image as a
// non-root user.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	for _, want := range []string{"CGO_ENABLED=0", "FROM gcr.io/distroless/static", "USER 65532:65532", "-X main.version=", "-X main.commit=", `ENTRYPOINT ["/usr/local/bin/schakel"]`} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}
