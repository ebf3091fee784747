package console_test

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/internal/testnode"
)

// TestServeLogsConsoleLink runs the real binary, `schakel serve`, with the
// console on (as the demo's nodes have it) and opens the one line
// `console: URL` it logs in Chromium.
func TestServeLogsConsoleLink(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level test: builds the schakel binary (skipped with -short)")
	}
	ctx := browser(t)
	bin := filepath.Join(t.TempDir(), "schakel")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/schakel/schakel/cmd/schakel").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	f := testnode.New(t)
	prep := f.Prepare(testnode.School, "", nil, testnode.PrepareOptions{Extra: "console:\n  listen: auto\n"})
	logs := &testnode.SyncBuffer{}
	cmd := exec.Command(bin, "serve", "--config", prep.ConfigPath)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	var link string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline) && link == ""; time.Sleep(100 * time.Millisecond) {
		select {
		case err := <-done:
			t.Fatalf("schakel serve exited: %v\n%s", err, logs.String())
		default:
		}
		if m := logLink.FindStringSubmatch(logs.String()); m != nil {
			link = m[1]
		}
	}
	if link == "" {
		t.Fatalf("no console: URL line in the log:\n%s", logs.String())
	}
	if code := open(ctx, t, link); code != http.StatusOK {
		t.Fatalf("the logged link: %d", code)
	}
	if got := text(ctx, t, "#gebruiker"); got != config.ConsoleAdmin {
		t.Errorf("logged in as %q", got)
	}
	open(ctx, t, link[:len(link)-len("/login?token=")-64]+"/regels")
	if got := text(ctx, t, "#stroom-A1"); got == "" {
		t.Error("Regels shows no flow A1")
	}
	_ = os.Remove(bin)
}
