package main

import "errors"

const monitorReportUsage = `usage: schakel monitor report --config FILE --out DIR

Builds the kennispunt's regional report from the monitoring exports its
node kept (read-only; the node may run): DIR/monitoring.html and
DIR/monitoring.csv.
`

func cmdMonitorReport(args []string, s stdio) int {
	fs := newFlags(s, "schakel monitor report", monitorReportUsage)
	cfgPath := fs.configFlag()
	_ = fs.String("out", "", "folder for monitoring.html and monitoring.csv")
	if _, code, ok := fs.parseConfig(args, cfgPath); !ok {
		return code
	}
	return fs.fail(errors.New("the report is not built yet"))
}
