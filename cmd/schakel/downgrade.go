package main

import (
	"fmt"
	"time"

	"github.com/schakel/schakel/gateway/node"
)

const allowDowngradeUsage = `usage: schakel allow-downgrade --config FILE --kind policy|directory --to VERSION --reason TEXT

A node refuses a policy pack or peer directory whose signed version is below
the highest it accepted before (data_dir/accepted-versions.json), live and
at start, so that an older, validly signed file put back in place does not
roll it back. When going back is deliberate (a pack with an error must be
replaced by the one before it), stop the node, run this command, and start
the node with the older file in place. The node writes one audit record of
the downgrade (schakel.version.downgrade, with the versions and the reason)
at its next start, before it serves.
`

// cmdAllowDowngrade lowers the accepted version of a stopped node.
func cmdAllowDowngrade(args []string, s stdio) int {
	fs := newFlags(s, "schakel allow-downgrade", allowDowngradeUsage)
	cfgPath := fs.configFlag()
	kind := fs.String("kind", "", "policy or directory")
	to := fs.Uint64("to", 0, "the version to allow (below the accepted one)")
	reason := fs.String("reason", "", "why (audited)")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if *kind != "policy" && *kind != "directory" {
		return fs.usageError("--kind must be policy or directory")
	}
	if *reason == "" {
		return fs.usageError("--reason is required (it is audited)")
	}
	cfg, code, ok := fs.loadConfig(*cfgPath, true)
	if !ok {
		return code
	}
	from, err := node.AllowDowngrade(cfg.DataDir, *kind, *to, *reason, time.Now())
	if err != nil {
		fmt.Fprintf(s.err, "schakel allow-downgrade: %v\n", err)
		return 1
	}
	fmt.Fprintf(s.out, "%s version %d allowed (was %d); the node audits the downgrade at its next start\n", *kind, *to, from)
	return 0
}
