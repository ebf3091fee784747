package audit

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Witness errors. Both wrap ErrPeerLog, so a caller can refuse on either.
var (
	// ErrPeerLog means a peer's audit log is not an extension of what this node
	// saw of it before: it was rolled back or forked.
	ErrPeerLog = errors.New("audit: peer's audit log is inconsistent with a checkpoint it signed before")
	// ErrPeerRolledBack means the peer presented a log shorter than a
	// checkpoint it signed and this node verified (a restored backup, a
	// deleted tail).
	ErrPeerRolledBack = fmt.Errorf("%w (rolled back: shorter than a checkpoint seen before)", ErrPeerLog)
	// ErrPeerForked means the peer presented a log that does not extend a
	// checkpoint it signed before (same size with another root, or a failing
	// consistency proof).
	ErrPeerForked = fmt.Errorf("%w (forked: does not extend a checkpoint seen before)", ErrPeerLog)
	// ErrForeignStore means a function needs a store opened by this package.
	ErrForeignStore = errors.New("audit: store not opened by this package")
)

// Alarm kinds, as used in metrics and status.
const (
	AlarmRolledBack = "rolled_back"
	AlarmForked     = "forked"
)

// PeerLog is what a node's witness keeps of one peer's audit log: the latest
// checkpoint of that log it verified as consistent with everything it saw
// before, and the last alarm.
type PeerLog struct {
	PeerOIN    string
	Size       uint64
	Root       []byte
	Checkpoint []byte // the signed note
	Updated    time.Time
	Alarm      string // "" or AlarmRolledBack / AlarmForked
	AlarmText  string
	AlarmAt    time.Time
	Alarms     uint64 // alarms since the row was created
}

// Witness keeps, per peer, the latest checkpoint of the peer's audit log that
// this node verified, durably in a table of its own audit database, and checks
// every new checkpoint a peer presents against it with an RFC 6962 / RFC 9162
// consistency proof. It is safe for concurrent use.
type Witness struct {
	s     *logStore
	mu    sync.Mutex
	peers map[string]*PeerLog
	// OnAlarm, if set, is called once per detected inconsistency (metrics).
	OnAlarm func(peerOIN, kind string)
	now     func() time.Time
}

func (s *logStore) witnessTable() string {
	if s.dialect == dialectPostgres {
		return `"` + s.cfg.Schema + `".witness`
	}
	return "witness"
}

func (s *logStore) createWitnessTable(ctx context.Context) error {
	blob, big := "BLOB", "INTEGER"
	if s.dialect == dialectPostgres {
		blob, big = "bytea", "bigint"
	}
	_, err := s.db.exec(ctx, "CREATE TABLE IF NOT EXISTS "+s.witnessTable()+` (
		peer_oin TEXT PRIMARY KEY, size `+big+` NOT NULL, checkpoint `+blob+` NOT NULL, updated_ms `+big+` NOT NULL,
		alarm TEXT NOT NULL DEFAULT '', alarm_text TEXT NOT NULL DEFAULT '', alarm_ms `+big+` NOT NULL DEFAULT 0,
		alarms `+big+` NOT NULL DEFAULT 0)`)
	return err
}

// OpenWitness returns the witness kept in st's database, creating its table if
// needed, with the state loaded into memory.
func OpenWitness(ctx context.Context, st Store) (*Witness, error) {
	b, ok := st.(interface{ base() *logStore })
	if !ok {
		return nil, ErrForeignStore
	}
	s := b.base()
	if err := s.createWitnessTable(ctx); err != nil {
		return nil, fmt.Errorf("audit: witness table: %w", err)
	}
	list, err := s.readWitness(ctx)
	if err != nil {
		return nil, err
	}
	w := &Witness{s: s, peers: map[string]*PeerLog{}, now: time.Now}
	for i := range list {
		w.peers[list[i].PeerOIN] = &list[i]
	}
	return w, nil
}

// ReadWitness lists the witness state kept in st's database (read-only; an
// audit database without a witness table has none).
func ReadWitness(ctx context.Context, st Store) ([]PeerLog, error) {
	b, ok := st.(interface{ base() *logStore })
	if !ok {
		return nil, errors.New("audit: ReadWitness needs a store opened by this package")
	}
	list, err := b.base().readWitness(ctx)
	if err != nil && isNoTable(err) {
		return nil, nil
	}
	return list, err
}

func isNoTable(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "no such table") || strings.Contains(msg, "does not exist")
}

func (s *logStore) readWitness(ctx context.Context, only ...string) ([]PeerLog, error) {
	q, args := "SELECT peer_oin, size, checkpoint, updated_ms, alarm, alarm_text, alarm_ms, alarms FROM "+s.witnessTable(), []any(nil)
	if len(only) == 1 {
		q, args = q+" WHERE peer_oin = ?", []any{only[0]}
	}
	rows, err := s.db.query(ctx, s.q(q+" ORDER BY peer_oin"), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PeerLog
	for rows.Next() {
		var p PeerLog
		var size, upd, alarmMS, alarms int64
		if err := rows.Scan(&p.PeerOIN, &size, &p.Checkpoint, &upd, &p.Alarm, &p.AlarmText, &alarmMS, &alarms); err != nil {
			return nil, err
		}
		c, err := ParseCheckpoint(p.Checkpoint)
		if err != nil || c.Size != uint64(size) {
			return nil, fmt.Errorf("%w: witness state of peer %s: stored checkpoint unreadable", ErrTampered, p.PeerOIN)
		}
		p.Size, p.Root, p.Updated, p.Alarms = c.Size, c.Root, time.UnixMilli(upd).UTC(), uint64(alarms)
		if alarmMS > 0 {
			p.AlarmAt = time.UnixMilli(alarmMS).UTC()
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// saveWitness upserts peer states in one transaction. The checkpoint only
// moves forward: a row is replaced by a smaller one never.
func (s *logStore) saveWitness(ctx context.Context, list []PeerLog) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	t, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer t.rollback()
	if err := s.saveWitnessTx(ctx, t, list); err != nil {
		return err
	}
	return t.commit(ctx)
}

// saveWitnessTx upserts peer states within the caller's transaction (for an
// append path that stores them with the audit record: CheckDeferred).
func (s *logStore) saveWitnessTx(ctx context.Context, t querier, list []PeerLog) error {
	tbl := s.witnessTable()
	q := s.q("INSERT INTO " + tbl + " (peer_oin, size, checkpoint, updated_ms, alarm, alarm_text, alarm_ms, alarms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)" +
		" ON CONFLICT (peer_oin) DO UPDATE SET" +
		" checkpoint = CASE WHEN excluded.size > " + tbl + ".size THEN excluded.checkpoint ELSE " + tbl + ".checkpoint END," +
		" updated_ms = CASE WHEN excluded.size > " + tbl + ".size THEN excluded.updated_ms ELSE " + tbl + ".updated_ms END," +
		" size = CASE WHEN excluded.size > " + tbl + ".size THEN excluded.size ELSE " + tbl + ".size END," +
		" alarm = CASE WHEN excluded.alarm_ms > " + tbl + ".alarm_ms THEN excluded.alarm ELSE " + tbl + ".alarm END," +
		" alarm_text = CASE WHEN excluded.alarm_ms > " + tbl + ".alarm_ms THEN excluded.alarm_text ELSE " + tbl + ".alarm_text END," +
		" alarms = CASE WHEN excluded.alarm_ms > " + tbl + ".alarm_ms THEN " + tbl + ".alarms + 1 ELSE " + tbl + ".alarms END," +
		" alarm_ms = CASE WHEN excluded.alarm_ms > " + tbl + ".alarm_ms THEN excluded.alarm_ms ELSE " + tbl + ".alarm_ms END")
	for _, p := range list {
		var alarmMS int64
		if !p.AlarmAt.IsZero() {
			alarmMS = p.AlarmAt.UnixMilli()
		}
		if _, err := t.exec(ctx, q, p.PeerOIN, int64(p.Size), p.Checkpoint, p.Updated.UnixMilli(), p.Alarm, p.AlarmText, alarmMS, int64(p.Alarms)); err != nil {
			return err
		}
	}
	return nil
}

// refresh reloads one peer's state from the database when several replicas
// share it (PostgreSQL): another replica may have verified a newer checkpoint.
func (w *Witness) refresh(ctx context.Context, peerOIN string) {
	if w.s.dialect != dialectPostgres {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	list, err := w.s.readWitness(ctx, peerOIN)
	if err != nil || len(list) != 1 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if cur, ok := w.peers[peerOIN]; !ok || list[0].Size > cur.Size || list[0].AlarmAt.After(cur.AlarmAt) {
		w.peers[peerOIN] = &list[0]
	}
}

// Last returns the latest checkpoint of peerOIN's log this witness verified
// (nil if none). A requester names it in its request; the holder answers with
// a consistency proof from it.
func (w *Witness) Last(peerOIN string) []byte {
	w.refresh(context.Background(), peerOIN)
	w.mu.Lock()
	defer w.mu.Unlock()
	if p, ok := w.peers[peerOIN]; ok {
		return slices.Clone(p.Checkpoint)
	}
	return nil
}

// Status lists the state of every witnessed peer, ordered by OIN.
func (w *Witness) Status() []PeerLog {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]PeerLog, 0, len(w.peers))
	for _, p := range w.peers {
		c := *p
		c.Checkpoint, c.Root = slices.Clone(p.Checkpoint), slices.Clone(p.Root)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b PeerLog) int {
		if a.PeerOIN < b.PeerOIN {
			return -1
		}
		if a.PeerOIN > b.PeerOIN {
			return 1
		}
		return 0
	})
	return out
}

// Check verifies a checkpoint of peerOIN's audit log presented by the peer
// (signed by pub, the key of the certificate of this connection), with a
// consistency proof from the checkpoint from, which must be one this witness
// returned from [Witness.Last] (nil: none). It returns nil when the log
// extends everything this witness verified of it; it then remembers
// checkpoint durably (before returning) when it is newer. It returns an error
// wrapping ErrPeerRolledBack or ErrPeerForked, after recording the alarm
// durably, when the peer's log is shorter than or inconsistent with a
// checkpoint seen before; and an error wrapping ErrBadSignature when the
// checkpoint or proof is malformed or not signed by pub.
//
// Concurrent exchanges with one peer may answer out of order: a checkpoint
// proven from an older from than the current state is accepted (it extends
// what was seen when its request left) but does not move the state; the next
// request names the current state, so a rolled-back or forked log is refused
// at the latest there.
func (w *Witness) Check(ctx context.Context, peerOIN string, pub crypto.PublicKey, from, checkpoint []byte, proof [][]byte) error {
	p, err := w.CheckDeferred(ctx, peerOIN, pub, from, checkpoint, proof)
	if err != nil || p == nil {
		return err
	}
	if err := w.s.saveWitness(ctx, []PeerLog{*p}); err != nil {
		return fmt.Errorf("%w: witness state: %v", ErrUnavailable, err)
	}
	w.Advanced(*p)
	return nil
}

// CheckDeferred is [Witness.Check] without the durable write of a newer
// state: it returns the state to store (nil when the state does not move).
// The caller stores it in the transaction that commits its own audit record
// of the exchange (logStore.saveWitnessTx), so that an exchange costs one
// durable commit, and then calls [Witness.Advanced]. Alarms are stored at
// once as with Check.
func (w *Witness) CheckDeferred(ctx context.Context, peerOIN string, pub crypto.PublicKey, from, checkpoint []byte, proof [][]byte) (*PeerLog, error) {
	c, err := OpenCheckpoint(pub, OriginFor(peerOIN), checkpoint)
	if err != nil {
		return nil, err
	}
	w.refresh(ctx, peerOIN)
	var f Checkpoint
	if len(from) > 0 {
		if f, err = ParseCheckpoint(from); err != nil {
			return nil, fmt.Errorf("audit: witness: base checkpoint: %w", err)
		}
		if f.Origin != c.Origin {
			return nil, fmt.Errorf("audit: witness: base checkpoint is of another log (%q)", f.Origin)
		}
	}
	if f.Size > c.Size {
		return nil, w.alarm(ctx, peerOIN, AlarmRolledBack, fmt.Sprintf("presented size %d, below checkpoint %d it signed before", c.Size, f.Size))
	}
	if err := CheckConsistency(f, c, proof); err != nil {
		if f.Size == c.Size {
			return nil, w.alarm(ctx, peerOIN, AlarmForked, fmt.Sprintf("size %d with another root than the checkpoint it signed before", c.Size))
		}
		return nil, w.alarm(ctx, peerOIN, AlarmForked, fmt.Sprintf("size %d does not extend checkpoint %d it signed before: %v", c.Size, f.Size, err))
	}
	w.mu.Lock()
	cur, known := w.peers[peerOIN]
	var curC Checkpoint
	if known {
		curC = Checkpoint{Origin: c.Origin, Size: cur.Size, Root: cur.Root}
	}
	w.mu.Unlock()
	switch {
	case known && c.Size == curC.Size:
		if !bytes.Equal(c.Root, curC.Root) {
			return nil, w.alarm(ctx, peerOIN, AlarmForked, fmt.Sprintf("size %d with another root than the checkpoint it signed before", c.Size))
		}
		return nil, nil
	case known && c.Size < curC.Size:
		if f.Size == curC.Size {
			return nil, w.alarm(ctx, peerOIN, AlarmRolledBack, fmt.Sprintf("presented size %d, below checkpoint %d it signed before", c.Size, curC.Size))
		}
		return nil, nil // an older answer to a concurrent request, consistent with its base
	case known && (f.Size != curC.Size || !bytes.Equal(f.Root, curC.Root)):
		// Proven from an older base only: consistent with what that request
		// saw, not (yet) proven to extend the current state. Do not advance.
		if f.Size == curC.Size {
			return nil, w.alarm(ctx, peerOIN, AlarmForked, fmt.Sprintf("size %d with another root than the checkpoint it signed before", f.Size))
		}
		return nil, nil
	}
	return &PeerLog{PeerOIN: peerOIN, Size: c.Size, Root: c.Root, Checkpoint: slices.Clone(checkpoint), Updated: w.now().UTC()}, nil
}

// Advanced records in memory a state returned by [Witness.CheckDeferred]
// once it is durable.
func (w *Witness) Advanced(p PeerLog) {
	peerOIN := p.PeerOIN
	w.mu.Lock()
	if old, ok := w.peers[peerOIN]; !ok || old.Size < p.Size {
		if ok {
			p.Alarm, p.AlarmText, p.AlarmAt, p.Alarms = old.Alarm, old.AlarmText, old.AlarmAt, old.Alarms
		}
		w.peers[peerOIN] = &p
	}
	w.mu.Unlock()
}

// alarm records an inconsistency of peerOIN's log durably and returns it as an
// error. The witnessed checkpoint stays: every later exchange is checked
// against it again.
func (w *Witness) alarm(ctx context.Context, peerOIN, kind, text string) error {
	base := ErrPeerForked
	if kind == AlarmRolledBack {
		base = ErrPeerRolledBack
	}
	return w.alarmKind(ctx, peerOIN, kind, base, text)
}

// alarmKind is alarm with the error to wrap.
func (w *Witness) alarmKind(ctx context.Context, peerOIN, kind string, base error, text string) error {
	now := w.now().UTC()
	w.mu.Lock()
	cur, ok := w.peers[peerOIN]
	var p PeerLog
	if ok {
		p = *cur
	} else {
		p = PeerLog{PeerOIN: peerOIN}
	}
	p.Alarm, p.AlarmText, p.AlarmAt = kind, text, now
	p.Alarms++
	if ok {
		c := p
		w.peers[peerOIN] = &c
	}
	w.mu.Unlock()
	if w.OnAlarm != nil {
		w.OnAlarm(peerOIN, kind)
	}
	if ok { // a peer never witnessed has no row to keep the alarm in
		if err := w.s.saveWitness(ctx, []PeerLog{p}); err != nil {
			w.s.logger.Error("witness alarm not stored", "peer_oin", peerOIN, "err", err)
		}
	}
	w.s.logger.Error("peer audit log inconsistent", "peer_oin", peerOIN, "kind", kind, "detail", text)
	return fmt.Errorf("%w: peer %s: %s", base, peerOIN, text)
}

// CheckConsistency checks an RFC 6962 consistency proof from old to new (both
// already authenticated by the caller). An old of size 0 is consistent with
// everything. It is the check [Witness.Check] runs on a peer's bytes.
func CheckConsistency(old, new Checkpoint, proof [][]byte) error {
	if old.Size == 0 {
		return nil
	}
	return checkConsistency(old, new, proof)
}

// ProveConsistency returns the consistency proof from the size of checkpoint
// from (a checkpoint of this node's own log, as a peer names it; nil: none) to
// the tree of size to. It returns 0 and no proof when from is empty or not of
// this log's origin.
func ProveConsistency(ctx context.Context, st Store, from []byte, to uint64) (uint64, [][]byte, error) {
	if len(from) == 0 {
		return 0, [][]byte{}, nil
	}
	f, err := ParseCheckpoint(from)
	if err != nil {
		return 0, nil, err
	}
	if f.Size > to {
		return f.Size, nil, fmt.Errorf("audit: a peer saw checkpoint %d of this log, beyond %d", f.Size, to)
	}
	p, err := st.ConsistencyProof(ctx, f.Size, to)
	return f.Size, p, err
}
