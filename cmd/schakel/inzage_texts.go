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
	tx := audit.InzageTexts{SelfOIN: cfg.Node.OIN, SelfName: cfg.Node.Name, Organisations: map[string]string{},
		Purposes: map[string]string{}, Flows: map[string]string{}, Categories: map[string]string{}, Reasons: map[string]string{}}
	for _, p := range cfg.Peers {
		tx.Organisations[p.OIN] = p.Name
	}
	pol, err := node.LoadPolicy(cfg.Policy, slog.New(slog.NewTextHandler(io.Discard, nil)), node.PolicyOptions{})
	if err != nil {
		return audit.InzageTexts{}, err
	}
	v, err := pol.Vocabulary()
	if err != nil {
		return audit.InzageTexts{}, err
	}
	for _, p := range v.GetPurposes() {
		tx.Purposes[p.GetId()] = p.GetDescription()
	}
	for _, f := range v.GetFlows() {
		tx.Flows[f.GetId()] = f.GetTitle()
	}
	for _, c := range v.GetCategories() {
		tx.Categories[c.GetId()] = c.GetDescription()
	}
	for k, t := range v.GetReasonTexts() {
		tx.Reasons[k] = t
	}
	return tx, nil
}
