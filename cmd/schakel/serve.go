package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
)

// cmdServe runs a node until SIGTERM or SIGINT; SIGHUP reloads the policy pack.
func cmdServe(args []string, s stdio) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(s.err)
	cfgPath := fs.String("config", "", "node configuration file (YAML)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *cfgPath == "" {
		fmt.Fprintln(s.err, "schakel serve: --config is required")
		return 2
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		fmt.Fprintf(s.err, "schakel serve: %v\n", err)
		return 1
	}
	log := newLogger(s, cfg.LogLevel).With("node_oin", cfg.Node.OIN)
	n, err := node.New(cfg, log, node.Options{})
	if err != nil {
		log.Error("node refused to start", "err", err)
		fmt.Fprintf(s.err, "schakel serve: %v\n", err)
		return 1
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

// cmdValidateConfig loads a configuration with the same loader as serve.
func cmdValidateConfig(args []string, s stdio) int {
	fs := flag.NewFlagSet("validate-config", flag.ContinueOnError)
	fs.SetOutput(s.err)
	cfgPath := fs.String("config", "", "node configuration file (YAML)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *cfgPath == "" {
		fmt.Fprintln(s.err, "schakel validate-config: --config is required")
		return 2
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		fmt.Fprintf(s.err, "%v\n", err)
		return 1
	}
	fmt.Fprintf(s.out, "%s: valid (node %s, %s, %d peers)\n", *cfgPath, cfg.Node.OIN, cfg.Node.OrgType, len(cfg.Peers))
	return 0
}

func newLogger(s stdio, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(s.err, &slog.HandlerOptions{Level: l}))
}
