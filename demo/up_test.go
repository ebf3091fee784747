package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// down stops only `schakel serve` processes whose configuration is in the
// demo folder: a pid that was reused by another program (here this test's
// own process and a sleep) is left running, and the pids file is removed.
func TestDownLeavesOtherProcessesAlone(t *testing.T) {
	dir := t.TempDir()
	sleep := exec.Command("sleep", "30")
	if err := sleep.Start(); err != nil {
		t.Skip("no sleep binary:", err)
	}
	t.Cleanup(func() { _ = sleep.Process.Kill(); _ = sleep.Wait() })
	body := fmt.Sprintf("school %d\nzorg %d\n", os.Getpid(), sleep.Process.Pid)
	if err := os.WriteFile(filepath.Join(dir, pidsFile), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := down(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, pidsFile)); !os.IsNotExist(err) {
		t.Fatalf("pids file left behind: %v", err)
	}
	if !alive(sleep.Process.Pid) {
		t.Fatal("down stopped a process that is not a demo node")
	}
	// A malformed file is an error, and is kept for a look.
	if err := os.WriteFile(filepath.Join(dir, pidsFile), []byte("school notapid\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := down(dir); err == nil {
		t.Fatal("a malformed pids file was accepted")
	}
}

func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return err == nil && len(b) > 0
}
