package audit

import (
	"bytes"
	"context"
	"crypto"
	"fmt"
	"time"
)

// AlarmSplitView is the alarm kind of a split view: another node holds a
// checkpoint of a peer's log, signed by that peer, of the same size as the
// one this node verified but with another root. The peer showed two
// different logs to two organisations.
const AlarmSplitView = "split_view"

// SplitViewEvidence is what a split view is proven by: the two signed
// checkpoints of one log (each verifies against the log's key), and who
// handed over the other one.
type SplitViewEvidence struct {
	LogOIN   string
	FromOIN  string // the node that handed over Theirs
	Ours     []byte // the checkpoint this node verified itself
	Theirs   []byte // the checkpoint the other node verified
	Detected time.Time
}

func (s *logStore) evidenceTable() string {
	if s.dialect == dialectPostgres {
		return `"` + s.cfg.Schema + `".witness_evidence`
	}
	return "witness_evidence"
}

func (s *logStore) createEvidenceTable(ctx context.Context) error {
	blob, big := "BLOB", "INTEGER"
	if s.dialect == dialectPostgres {
		blob, big = "bytea", "bigint"
	}
	_, err := s.db.exec(ctx, "CREATE TABLE IF NOT EXISTS "+s.evidenceTable()+` (
		log_oin TEXT NOT NULL, from_oin TEXT NOT NULL, ours `+blob+` NOT NULL, theirs `+blob+` NOT NULL,
		detected_ms `+big+` NOT NULL)`)
	return err
}

// CompareGossip compares a checkpoint of logOIN's audit log that node
// fromOIN handed over (gossip) with the one this node verified of that log.
// pub is logOIN's key, as this node learned it from that organisation's own
// certificate. A checkpoint that does not verify, or a log this node never
// witnessed, is ignored (nil). Two verified checkpoints of the same size
// with different roots are a split view: the alarm is raised (durably, as
// for a fork) and both checkpoints are kept as evidence; the error wraps
// ErrPeerForked. Checkpoints of different sizes are not compared: that
// needs the log's own consistency proof, which only its next exchange with
// this node gives.
func (w *Witness) CompareGossip(ctx context.Context, logOIN, fromOIN string, pub crypto.PublicKey, theirs []byte) error {
	c, err := OpenCheckpoint(pub, OriginFor(logOIN), theirs)
	if err != nil {
		return nil
	}
	w.mu.Lock()
	cur, ok := w.peers[logOIN]
	var ours []byte
	var size uint64
	var root []byte
	if ok {
		ours, size, root = bytes.Clone(cur.Checkpoint), cur.Size, cur.Root
	}
	w.mu.Unlock()
	if !ok || c.Size != size || bytes.Equal(c.Root, root) {
		return nil
	}
	ev := SplitViewEvidence{LogOIN: logOIN, FromOIN: fromOIN, Ours: ours, Theirs: bytes.Clone(theirs), Detected: w.now().UTC()}
	if err := w.s.createEvidenceTable(ctx); err == nil {
		_, err = w.s.db.exec(ctx, w.s.q("INSERT INTO "+w.s.evidenceTable()+" (log_oin, from_oin, ours, theirs, detected_ms) VALUES (?, ?, ?, ?, ?)"),
			ev.LogOIN, ev.FromOIN, ev.Ours, ev.Theirs, ev.Detected.UnixMilli())
		if err != nil {
			w.s.logger.Error("split-view evidence not stored", "peer_oin", logOIN, "err", err)
		}
	}
	return w.alarmKind(ctx, logOIN, AlarmSplitView, ErrPeerForked,
		fmt.Sprintf("split view: organisation %s holds a checkpoint of size %d signed by this log with another root than the one this node verified", fromOIN, c.Size))
}

// ReadSplitViewEvidence lists the split-view evidence kept in st's database.
func ReadSplitViewEvidence(ctx context.Context, st Store) ([]SplitViewEvidence, error) {
	b, ok := st.(interface{ base() *logStore })
	if !ok {
		return nil, ErrForeignStore
	}
	s := b.base()
	rows, err := s.db.query(ctx, "SELECT log_oin, from_oin, ours, theirs, detected_ms FROM "+s.evidenceTable()+" ORDER BY detected_ms")
	if err != nil {
		if isNoTable(err) {
			return nil, nil
		}
		return nil, err
	}
	defer rows.Close()
	var out []SplitViewEvidence
	for rows.Next() {
		var e SplitViewEvidence
		var ms int64
		if err := rows.Scan(&e.LogOIN, &e.FromOIN, &e.Ours, &e.Theirs, &ms); err != nil {
			return nil, err
		}
		e.Detected = time.UnixMilli(ms).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
