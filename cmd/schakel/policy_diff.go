package main

import (
	"context"
	"fmt"

	"github.com/schakel/schakel/policy"
	"github.com/schakel/schakel/policy/bundle"
	"github.com/schakel/schakel/policy/diff"
)

const policyDiffUsage = `usage: schakel policy diff OLD NEW

Describes, for a privacy officer, what changes from pack OLD to pack NEW
(each a pack folder or an archive made by 'schakel policy build'): flows
(purpose, basis, mode, consent regime and the consent settings in force,
roles on both sides, categories, never, conditions, ages, obligations,
retention), purposes, organisation types, roles, categories, consent
regimes and settings (with the flows a global or regime setting reaches),
reason texts, and every other changed file (a changed .rego file changes
the logic, not only the data). Then it re-runs every scenario (the built-in
ones and each pack's own testdata/scenarios) under both packs and lists,
grouped by flow, every decision that changes. It is not a text diff of the
YAML. Exit status 0 whether or not there are changes; 1 when a pack cannot
be read.
`

// cmdPolicyDiff prints the changes between two packs in the terms a privacy
// officer reviews before signing (package policy/diff).
func cmdPolicyDiff(args []string, s stdio) int {
	fs := newFlags(s, "schakel policy diff", policyDiffUsage)
	if code, ok := fs.parseArgs(args, 2, 2); !ok {
		return code
	}
	oldPack, oldRev, err := loadDiffPack(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(s.err, "schakel policy diff: %s: %v\n", fs.Arg(0), err)
		return 1
	}
	newPack, newRev, err := loadDiffPack(fs.Arg(1))
	if err != nil {
		fmt.Fprintf(s.err, "schakel policy diff: %s: %v\n", fs.Arg(1), err)
		return 1
	}
	report, err := diff.Compare(context.Background(), oldPack, newPack)
	if err != nil {
		fmt.Fprintf(s.err, "schakel policy diff: %v\n", err)
		return 1
	}
	fmt.Fprintf(s.out, "Beleidspakket: wijzigingen\n  oud:   %s (%s)\n  nieuw: %s (%s)\n", fs.Arg(0), oldRev, fs.Arg(1), newRev)
	report.WriteText(s.out)
	return 0
}

// loadDiffPack reads a folder or archive (not verifying signatures: this is
// a tool for the author's own machine) and loads it as a pack.
func loadDiffPack(path string) (*policy.Pack, string, error) {
	fsys, rev, err := bundle.Load(path)
	if err != nil {
		return nil, "", err
	}
	p, err := policy.LoadPack(fsys)
	if err != nil {
		return nil, "", err
	}
	return p, rev, nil
}
