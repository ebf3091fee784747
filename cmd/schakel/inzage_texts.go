package main

import (
	"io"
	"log/slog"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
)

// inzageTexts reads what a parent's report names from the node's
// configuration: the node's and its peers' names, and the Dutch texts of
// the policy pack the node runs (verified as the node verifies it). No
// configuration: empty texts (OINs and ids as stored).
func inzageTexts(configPath string) (audit.InzageTexts, error) {
	if configPath == "" {
		return audit.InzageTexts{}, nil
	}
	cfg, err := config.Load(configPath)
	if err != nil {
		return audit.InzageTexts{}, err
	}
	pol, err := node.LoadPolicy(cfg.Policy, slog.New(slog.NewTextHandler(io.Discard, nil)), node.PolicyOptions{})
	if err != nil {
		return audit.InzageTexts{}, err
	}
	return node.InzageTexts(cfg, pol)
}
