package main

import (
	"io"
	"log/slog"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/inzage"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/policy"
)

// inzageTexts reads what a parent's report names from the node's
// configuration: the node's and its peers' names, and the Dutch texts of
// the policy pack the node runs (verified as the node verifies it), with
// that pack to answer the inzage question. No configuration: empty texts
// (OINs and ids as stored) and the default pack built into the binary.
func inzageTexts(configPath string) (audit.InzageTexts, inzage.Asker, error) {
	if configPath == "" {
		p, err := policy.LoadPack(policy.DefaultPack())
		if err != nil {
			return audit.InzageTexts{}, nil, err
		}
		e, err := policy.NewEngine(p)
		if err != nil {
			return audit.InzageTexts{}, nil, err
		}
		return audit.InzageTexts{}, e, nil
	}
	cfg, err := config.Load(configPath)
	if err != nil {
		return audit.InzageTexts{}, nil, err
	}
	pol, err := node.LoadPolicy(cfg.Policy, slog.New(slog.NewTextHandler(io.Discard, nil)), node.PolicyOptions{})
	if err != nil {
		return audit.InzageTexts{}, nil, err
	}
	tx, err := node.InzageTexts(cfg, pol)
	return tx, pol, err
}
