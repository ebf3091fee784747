package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// pidsFile lists the nodes that `--up` left running, one "key pid" a line.
const pidsFile = "pids"

// keepUp starts every node again after the script and its offline checks,
// each in a session of its own so that it outlives this process (and a
// Ctrl-C in the terminal that ran make), and writes their pids. `--down`
// (make demo-down) stops them.
func (w *world) keepUp(ctx context.Context) error {
	var lines []string
	for _, n := range w.nodes {
		logf, err := os.OpenFile(filepath.Join(n.dir, "node.log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return err
		}
		cmd := exec.Command(w.bin, "serve", "--config", n.config)
		cmd.Stdout, cmd.Stderr = logf, logf
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := cmd.Start(); err != nil {
			logf.Close()
			return fmt.Errorf("start %s: %w", n.key, err)
		}
		logf.Close()
		lines = append(lines, fmt.Sprintf("%s %d", n.key, cmd.Process.Pid))
		// Written after each start, so that --down finds every node started
		// so far even if a later one fails.
		if err := os.WriteFile(filepath.Join(w.dir, pidsFile), []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			return err
		}
		// waitHealthy watches n.proc for an early exit; n.proc is cleared
		// again so that the demo's deferred stopAll leaves the node running.
		p := &process{cmd: cmd, done: make(chan error, 1)}
		go func() { p.done <- cmd.Wait() }()
		n.proc = p
		err = w.waitHealthy(ctx, n)
		n.proc = nil
		if err != nil {
			return fmt.Errorf("%s did not become healthy again (see %s): %w", n.key, filepath.Join(n.dir, "node.log"), err)
		}
		fmt.Printf("  draait: %-9s %s (OIN %s) lokaal https://%s, pid %d\n", n.key, n.name, n.oin, n.localAddr, cmd.Process.Pid)
	}
	return nil
}

// down stops the nodes a previous `--up` left running in dir (SIGTERM, then
// waits up to 15 s each). A pid whose process is not `schakel serve` with a
// configuration in dir (the pid was reused, or the node already stopped) is
// left alone.
func down(dir string) error {
	path := filepath.Join(dir, pidsFile)
	f, err := os.Open(path) //nolint:gosec // the demo's own folder
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	var errs []error
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, pidText, ok := strings.Cut(sc.Text(), " ")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid <= 1 {
			errs = append(errs, fmt.Errorf("%s: malformed line %q", path, sc.Text()))
			continue
		}
		if !ourNode(pid, dir, absDir) {
			fmt.Printf("demo: %s (pid %d) draait niet meer\n", key, pid)
			continue
		}
		if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
			errs = append(errs, fmt.Errorf("stop %s (pid %d): %w", key, pid, err))
			continue
		}
		deadline := time.Now().Add(15 * time.Second)
		for ourNode(pid, dir, absDir) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if ourNode(pid, dir, absDir) {
			errs = append(errs, fmt.Errorf("%s (pid %d) did not stop within 15s", key, pid))
			continue
		}
		fmt.Printf("demo: %s (pid %d) gestopt\n", key, pid)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		errs = append(errs, os.Remove(path))
	}
	return errors.Join(errs...)
}

// ourNode reports whether pid is a live `schakel serve` whose configuration
// lies in the demo folder (given relative and absolute). A zombie counts as
// stopped.
func ourNode(pid int, dir, absDir string) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	if i := strings.LastIndexByte(string(stat), ')'); i > 0 && len(stat) > i+2 && stat[i+2] == 'Z' {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
	if len(args) < 4 || args[1] != "serve" || args[2] != "--config" {
		return false
	}
	cfg := args[3]
	return strings.HasPrefix(cfg, dir+string(filepath.Separator)) || strings.HasPrefix(cfg, absDir+string(filepath.Separator))
}
