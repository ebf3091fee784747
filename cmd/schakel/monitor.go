package main

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc/status"

	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

const monitorExportUsage = `usage: schakel monitor export --config FILE --cert CLIENT.pem --key CLIENT.key [--kennispunt OIN]

Asks the running node for its regional monitoring export (flow M1): the node
counts its own decisions as holder from its audit log by the policy pack's
fixed dimensions, the pack replaces every count below 10 by "<10" and
refuses the G flows, and the node signs the table with its organisation key
and sends it to the kennispunt (--kennispunt, or the one peer of org type
kennispunt). Nothing per child leaves.

The client certificate is one of the organisation's local CA with the
permission "monitoring" (local.clients).
`

var monitorGroup = &group{name: "schakel monitor", cmds: []command{
	{name: "export", summary: "send this node's monitoring counts (M1) to the kennispunt", run: cmdMonitorExport},
	{name: "report", summary: "the kennispunt's regional report (HTML and CSV) from the kept exports", run: cmdMonitorReport},
}}

func cmdMonitorExport(args []string, s stdio) int {
	fs := newFlags(s, "schakel monitor export", monitorExportUsage)
	cfgPath := fs.configFlag()
	certPath := fs.String("cert", "", "local client certificate")
	keyPath := fs.String("key", "", "its private key")
	kp := fs.String("kennispunt", "", "the kennispunt's OIN (default: the one in the peer directory)")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if *certPath == "" || *keyPath == "" {
		return fs.usageError("--cert and --key are required (a local client of the node)")
	}
	cfg, code, ok := fs.loadConfig(*cfgPath, true)
	if !ok {
		return code
	}
	conn, addr, err := dialLocal(cfg, *certPath, *keyPath)
	if err != nil {
		return fs.fail(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	resp, err := localv1.NewMonitoringServiceClient(conn).ExportMonitoring(ctx, &localv1.ExportMonitoringRequest{KennispuntOin: *kp})
	if err != nil {
		if st, ok := status.FromError(err); ok {
			err = fmt.Errorf("%s: %s", addr, st.Message())
		}
		return fs.fail(err)
	}
	if !resp.GetDecision().GetAllow() {
		for _, r := range resp.GetDecision().GetReasons() {
			fmt.Fprintf(s.err, "geweigerd: %s (%s)\n", r.GetMessage(), r.GetCode())
		}
		return 1
	}
	fmt.Fprintf(s.out, "export %s sent: %d rows, %d suppressed (<10)\n", resp.GetExportId(), resp.GetRows(), resp.GetSuppressed())
	return 0
}
