package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/schakel/schakel/gateway/monitor"
	"github.com/schakel/schakel/gateway/node"
)

const monitorReportUsage = `usage: schakel monitor report --config FILE --out DIR

Builds the kennispunt's regional report from the monitoring exports its
node kept (read-only; the node may run): DIR/monitoring.html (one page,
inline SVG charts, no JavaScript) and DIR/monitoring.csv. Each export's
signature is verified again against its node's certificate; only the latest
export of each node counts. A figure that would include a suppressed cell
("<10") shows "onderdrukt" instead of a number.
`

func cmdMonitorReport(args []string, s stdio) int {
	fs := newFlags(s, "schakel monitor report", monitorReportUsage)
	cfgPath := fs.configFlag()
	out := fs.String("out", "", "folder for monitoring.html and monitoring.csv")
	cfg, code, ok := fs.parseConfig(args, cfgPath)
	if !ok {
		return code
	}
	if *out == "" {
		return fs.usageError("--out is required")
	}
	if cfg.Node.OrgType != monitor.KennispuntOrgType {
		return fs.fail(fmt.Errorf("node.org_type is %q: only a kennispunt keeps monitoring exports", cfg.Node.OrgType))
	}
	pol, err := node.LoadPolicy(cfg.Policy, slog.New(slog.NewTextHandler(io.Discard, nil)), node.PolicyOptions{})
	if err != nil {
		return fs.fail(fmt.Errorf("policy: %w", err))
	}
	st, err := monitor.OpenStoreReadOnly(monitor.DBPath(cfg.DataDir))
	if err != nil {
		return fs.fail(err)
	}
	defer st.Close()
	peers := map[string][2]string{}
	for _, p := range cfg.Peers {
		peers[p.OIN] = [2]string{p.Name, p.OrgType}
	}
	r, err := monitor.WriteReport(context.Background(), st, pol.Engine().Pack(), peers, *out)
	if err != nil {
		return fs.fail(err)
	}
	fmt.Fprintf(s.out, "report of %d organisations written to %s (monitoring.html, monitoring.csv)\n", len(r.Nodes), *out)
	return 0
}
