package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/schakel/schakel/gateway/notify"
)

const notifyUsage = `usage: schakel notify status --config FILE [--id ID]

Shows the node's outgoing notifications (queued, delivered, cancelled,
dead_letter) with their attempts and last error, read from the outbox in the
configured data_dir (read-only; the node may be running).
`

// cmdNotifyStatus lists the node's outgoing notifications.
func cmdNotifyStatus(args []string, s stdio) int {
	fs := newFlags(s, "schakel notify status", notifyUsage)
	cfgPath := fs.configFlag()
	id := fs.String("id", "", "show one notification")
	cfg, code, ok := fs.parseConfig(args, cfgPath)
	if !ok {
		return code
	}
	st, err := notify.OpenSQLiteReadOnly(notify.DBPath(cfg.DataDir))
	if err != nil {
		return fs.fail(err)
	}
	defer st.Close()
	ctx := context.Background()
	var list []notify.Outgoing
	if *id != "" {
		o, err := st.Outgoing(ctx, *id)
		if errors.Is(err, notify.ErrNotFound) {
			return fs.failf("no notification %s", *id)
		}
		if err != nil {
			return fs.fail(err)
		}
		list = []notify.Outgoing{o}
	} else if list, err = st.ListOutgoing(ctx); err != nil {
		return fs.fail(err)
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
