package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/notify"
)

const notifyUsage = `usage: schakel notify status --config FILE [--id ID]

Shows the node's outgoing notifications (queued, delivered, cancelled,
dead_letter) with their attempts and last error, read from the outbox in the
configured data_dir (read-only; the node may be running).
`

// runNotify dispatches "schakel notify ...".
func runNotify(args []string, s stdio) int {
	if len(args) == 0 || args[0] != "status" {
		fmt.Fprint(s.err, notifyUsage)
		return 2
	}
	fs := flag.NewFlagSet("notify status", flag.ContinueOnError)
	fs.SetOutput(s.err)
	cfgPath := fs.String("config", "", "node configuration file (YAML)")
	id := fs.String("id", "", "show one notification")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if *cfgPath == "" || fs.NArg() > 0 {
		fmt.Fprint(s.err, notifyUsage)
		return 2
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		fmt.Fprintf(s.err, "schakel notify status: %v\n", err)
		return 1
	}
	st, err := notify.OpenSQLiteReadOnly(notify.DBPath(cfg.DataDir))
	if err != nil {
		fmt.Fprintf(s.err, "schakel notify status: %v\n", err)
		return 1
	}
	defer st.Close()
	ctx := context.Background()
	var list []notify.Outgoing
	if *id != "" {
		o, err := st.Outgoing(ctx, *id)
		if errors.Is(err, notify.ErrNotFound) {
			fmt.Fprintf(s.err, "schakel notify status: no notification %s\n", *id)
			return 1
		}
		if err != nil {
			fmt.Fprintf(s.err, "schakel notify status: %v\n", err)
			return 1
		}
		list = []notify.Outgoing{o}
	} else if list, err = st.ListOutgoing(ctx); err != nil {
		fmt.Fprintf(s.err, "schakel notify status: %v\n", err)
		return 1
	}
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tATTEMPTS\tRECIPIENT\tFLOW\tCREATED\tUPDATED\tLAST ERROR")
	counts := map[notify.State]int{}
	for _, o := range list {
		counts[o.State]++
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", o.ID, o.State, o.Attempts, o.RecipientOIN, o.Flow,
			o.CreatedAt.Format(time.RFC3339), o.UpdatedAt.Format(time.RFC3339), o.LastError)
	}
	tw.Flush()
	if *id == "" {
		fmt.Fprintf(s.out, "\n%d notifications: %d queued, %d delivered, %d cancelled, %d dead_letter\n", len(list),
			counts[notify.StateQueued], counts[notify.StateDelivered], counts[notify.StateCancelled], counts[notify.StateDeadLetter])
	}
	return 0
}
