package main

import (
	"context"
	"crypto"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/node"
)

// historyFlags are verify's flags for the key history and the high-water mark.
type historyFlags struct {
	previous listFlag
	mark     string
	markSet  bool
	note     string
}

func registerHistoryFlags(fs *flags) *historyFlags {
	h := &historyFlags{}
	fs.Var(&h.previous, "previous-cert", "an earlier certificate of the organisation (repeatable; --config adds identity.previous_certs)")
	fs.Func("mark", "the node's high-water mark file (default with --config: data_dir/"+audit.MarkFile+"; empty: do not check)", func(v string) error {
		h.mark, h.markSet = v, true
		return nil
	})
	return h
}

// verify checks the log against the key history and then against the
// high-water mark: a log shorter than a checkpoint the node signed (a deleted
// tail, an older copy) fails, naming the sizes.
func (h *historyFlags) verify(ctx context.Context, st audit.Store, pub crypto.PublicKey, f auditFlags) (audit.Report, error) {
	ring := audit.KeyRing{{Public: pub, Label: "current"}}
	prev, err := audit.PreviousKeys(append(append([]string(nil), f.previousCerts...), h.previous...))
	if err != nil {
		return audit.Report{}, fmt.Errorf("previous certificates: %w", err)
	}
	ring = append(ring, prev...)
	rep, err := audit.VerifyKeys(ctx, st, ring)
	if err != nil {
		return rep, err
	}
	path := f.markPath
	if h.markSet {
		path = h.mark
	}
	if path == "" {
		h.note = "high-water mark: not checked (no --config or --mark)"
		return rep, nil
	}
	mark, err := audit.ReadMark(path)
	if errors.Is(err, audit.ErrNoMark) && rep.Size == 0 {
		h.note = "high-water mark: none (empty log)"
		return rep, nil
	}
	if err != nil {
		return rep, fmt.Errorf("%w: records deleted from the end of the log cannot be told from a shorter log without it (the node writes it while it runs)", err)
	}
	origin := rep.Origin
	if origin == "" {
		origin = f.origin
	}
	m, err := audit.CheckMark(ctx, st, ring, origin, mark)
	if err != nil {
		return rep, err
	}
	h.note = fmt.Sprintf("high-water mark: checkpoint %d (%s) reached", m.Size, path)
	return rep, nil
}

func (h *historyFlags) report(w io.Writer) {
	if h.note != "" {
		fmt.Fprintln(w, h.note)
	}
}

const auditWitnessUsage = `usage: schakel audit witness --config F | --store S [--format text|json]

Lists, per peer, the latest checkpoint of the peer's audit log this node
verified, and the last inconsistency it detected (a peer whose log was
rolled back or forked is refused until its log extends that checkpoint).
Exits 1 when a peer has an alarm.`

// runAuditWitness shows the witness state kept in the audit database.
func runAuditWitness(args []string, s stdio) int {
	fs := newFlags(s, "schakel audit witness", auditWitnessUsage)
	var f auditFlags
	f.register(fs)
	format := fs.String("format", "text", "text or json")
	if code, ok := f.parse(fs, args); !ok {
		return code
	}
	if *format != "text" && *format != "json" {
		return fs.usageError("--format must be text or json")
	}
	alarm := false
	if code := f.withStore(fs, func(ctx context.Context, st audit.Store) error {
		list, err := audit.ReadWitness(ctx, st)
		if err != nil {
			return err
		}
		views := make([]node.PeerLogJSON, 0, len(list))
		for _, p := range list {
			v := node.PeerLogView(p)
			alarm = alarm || v.Alarm != ""
			views = append(views, v)
		}
		if *format == "json" {
			return writeJSON(s.out, views)
		}
		tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PEER\tSIZE\tROOT\tVERIFIED\tSTATE\tALARMS\tLAST ALARM")
		for _, v := range views {
			last := ""
			if v.Alarm != "" {
				last = v.AlarmAt.Format(time.RFC3339) + ": " + v.AlarmText
			}
			root, _ := base64.StdEncoding.DecodeString(v.Root)
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d\t%s\n", v.PeerOIN, v.Size, base64.StdEncoding.EncodeToString(root[:min(8, len(root))])+"…",
				v.Updated.Format(time.RFC3339), v.State, v.Alarms, last)
		}
		tw.Flush()
		if len(views) == 0 {
			fmt.Fprintln(s.out, "no peer's audit log witnessed yet")
		}
		return nil
	}); code != 0 {
		return code
	}
	if alarm {
		fmt.Fprintln(s.err, "schakel audit witness: a peer's audit log was inconsistent with a checkpoint this node verified before (see STATE)")
		return 1
	}
	return 0
}
