package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/schakel/schakel/gateway/node"
)

// cmdServe runs a node until SIGTERM or SIGINT; SIGHUP reloads the policy pack.
func cmdServe(args []string, s stdio) int {
	fs := newFlags(s, "schakel serve", "usage: schakel serve --config FILE\n\nRuns a gateway node until SIGTERM or SIGINT; SIGHUP reloads the policy pack.")
	cfgPath := fs.configFlag()
	cfg, code, ok := fs.parseConfig(args, cfgPath)
	if !ok {
		return code
	}
	log := newLogger(s, cfg.LogLevel).With("node_oin", cfg.Node.OIN)
	// A decision allocates about 55 KB against a live heap of a few tens of
	// MB, so with Go's default GOGC=100 the collector took about a tenth of a
	// node's CPU under load (BENCHMARKS.md); 200 halves that for a few MiB of
	// RSS. An explicit GOGC in the environment wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	n, err := node.New(cfg, log, node.Options{})
	if err != nil {
		log.Error("node refused to start", "err", err)
		return fs.fail(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				// The node also watches the files; SIGHUP reloads at once,
				// even when nothing changed (e.g. to retry after a refusal).
				log.Info("SIGHUP: reloading the policy pack")
				_ = n.ReloadPolicy()
			}
		}
	}()
	if err := n.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		log.Error("node failed", "err", err)
		return 1
	}
	return 0
}

// cmdValidateConfig loads a configuration with the same loader as serve and
// applies the node's own file checks, so "valid" means serve will get past them.
func cmdValidateConfig(args []string, s stdio) int {
	fs := newFlags(s, "schakel validate-config", "usage: schakel validate-config --config FILE\n\n"+
		"Loads and checks a node configuration with the loader of serve, and the\n"+
		"file modes serve checks before it starts (node.CheckFiles): the data\n"+
		"folder (0700), the private keys and the pseudonym secret (0600). Run it\n"+
		"as the node's user: a file that user cannot read is reported too.")
	cfgPath := fs.configFlag()
	cfg, code, ok := fs.parseConfig(args, cfgPath)
	if !ok {
		return code
	}
	if err := node.CheckFiles(cfg); err != nil {
		return fs.failf("%s: the node would refuse to start:\n%v", *cfgPath, err)
	}
	fmt.Fprintf(s.out, "%s: valid (node %s, %s, %d peers)\n", *cfgPath, cfg.Node.OIN, cfg.Node.OrgType, len(cfg.Peers))
	return 0
}

func newLogger(s stdio, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(s.err, &slog.HandlerOptions{Level: l}))
}
