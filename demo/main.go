// Command demo runs the Schakel demonstration that `make demo` starts: it
// creates a development PKI and one configuration per organisation under
// demo/run/, starts the nodes as separate processes on loopback, runs a
// scripted set of exchanges through the requesting nodes' local API, prints a
// transcript and stops the nodes. It can be run again and again: every run
// starts from a fresh demo/run/. With --up (make demo-up) it starts the
// nodes again at the end and leaves them running, their pids in
// demo/run/pids; --down (make demo-down) stops them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("bin", "bin/schakel", "the schakel binary")
	dir := flag.String("dir", "demo/run", "working folder (wiped at start)")
	pack := flag.String("pack", "policy/pack", "policy pack folder to build, sign and run")
	up := flag.Bool("up", false, "leave the nodes running after the script (pids in DIR/pids; stop them with --down)")
	downOnly := flag.Bool("down", false, "only stop the nodes a previous --up left running in DIR")
	flag.Parse()
	if *downOnly {
		if err := down(*dir); err != nil {
			fmt.Fprintf(os.Stderr, "demo: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*bin, *dir, *pack, *up); err != nil {
		fmt.Fprintf(os.Stderr, "demo: %v\n", err)
		os.Exit(1)
	}
}

func run(bin, dir, pack string, up bool) error {
	bin, err := filepath.Abs(bin)
	if err != nil {
		return err
	}
	// Nodes a previous --up left running hold the ports and the folder.
	if err := down(dir); err != nil {
		return fmt.Errorf("stopping the nodes of the previous demo-up: %w", err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	w, err := setup(bin, dir, pack)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	defer w.stopAll()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := w.startAll(ctx); err != nil {
		return err
	}
	if err := script(ctx, w); err != nil {
		return err
	}
	if err := w.stopAll(); err != nil {
		return err
	}
	if err := w.afterStop(); err != nil {
		return err
	}
	fmt.Printf("demo: %d exchanges, %d released, %d refused\n", w.exchanges, w.released, w.refused)
	if up {
		section("De nodes blijven draaien (make demo-down stopt ze)")
		uctx, ucancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer ucancel()
		if err := w.keepUp(uctx); err != nil {
			return err
		}
		fmt.Printf("demo: the nodes are running; the examples work now (sh examples/curl/request-record.sh, node examples/node/request-record.mjs);\n")
		fmt.Printf("demo: console: the one-time login link is the \"console: URL\" line in %s; stop with make demo-down\n", filepath.Join(w.node("school").dir, "node.log"))
		return nil
	}
	fmt.Printf("demo: console: start the school's node with `schakel serve --config %s`; it logs \"console: URL\", a one-time login link\n", w.node("school").config)
	return nil
}

// startAll starts every node but the late ones (the script starts those).
func (w *world) startAll(ctx context.Context) error {
	for _, n := range w.nodes {
		if n.late {
			continue
		}
		if err := w.start(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// process is a running node.
type process struct {
	cmd  *exec.Cmd
	done chan error
}

func (w *world) start(ctx context.Context, n *demoNode) error {
	logf, err := os.Create(filepath.Join(n.dir, "node.log"))
	if err != nil {
		return err
	}
	cmd := exec.Command(w.bin, "serve", "--config", n.config)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", n.key, err)
	}
	p := &process{cmd: cmd, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait(); logf.Close() }()
	n.proc = p
	if err := w.waitHealthy(ctx, n); err != nil {
		return fmt.Errorf("%s did not become healthy (see %s): %w", n.key, filepath.Join(n.dir, "node.log"), err)
	}
	fmt.Printf("  started %-9s %s (%s, OIN %s) peer %s local %s\n", n.key, n.name, n.orgType, n.oin, n.peerAddr, n.localAddr)
	return nil
}

func (w *world) stop(n *demoNode) error {
	if n.proc == nil {
		return nil
	}
	p := n.proc
	n.proc = nil
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			return err
		}
		if err != nil {
			return fmt.Errorf("%s exited with %v (see its node.log)", n.key, err)
		}
		return nil
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		return fmt.Errorf("%s did not stop within 15s", n.key)
	}
}

func (w *world) stopAll() error {
	var errs []error
	for _, n := range w.nodes {
		errs = append(errs, w.stop(n))
	}
	return errors.Join(errs...)
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}
