package node

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/release"
)

// witnessState is the node's part in keeping audit logs honest: its own
// high-water mark (refuse to start on a log behind a checkpoint it signed)
// and its witness of the peers' logs.
type witnessState struct {
	marker     *audit.Marker
	witness    *audit.Witness
	exchange   *release.Witnessing
	alarms     *prometheus.CounterVec
	ownBehind  *prometheus.CounterVec
	peerSize   *prometheus.GaugeVec
	ownBehindN atomic.Int64
	stop       context.CancelFunc
	done       chan struct{}
}

// startWitness checks the audit log against the node's high-water mark (a
// log behind it is refused: the node does not start), and opens the witness
// of the peers' logs in the audit database. A test store not opened by the
// audit package gets neither.
func (n *Node) startWitness(ctx context.Context, cfg *config.Config, log *slog.Logger, reg prometheus.Registerer) error {
	keys, err := audit.KeyRingFromFiles(cfg.Identity.Cert, cfg.Identity.PreviousCerts)
	if err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	ws := &witnessState{
		alarms: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "schakel_witness_peer_log_inconsistent_total",
			Help: "Exchanges refused because the peer's audit log was shorter than (rolled_back) or inconsistent with (forked) a checkpoint of it this node verified before; alert on any increase.",
		}, []string{"peer_oin", "kind"}),
		ownBehind: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "schakel_audit_own_log_behind_total",
			Help: "Times a peer held a checkpoint of this node's own audit log that the log does not reach or contain (this node's log was rolled back or forked); alert on any increase.",
		}, []string{"peer_oin"}),
		peerSize: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "schakel_witness_peer_log_size",
			Help: "Size of the latest verified checkpoint of each peer's audit log.",
		}, []string{"peer_oin"}),
	}
	for _, c := range []prometheus.Collector{ws.alarms, ws.ownBehind, ws.peerSize} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
	}
	mk := &audit.Marker{Path: filepath.Join(cfg.DataDir, audit.MarkFile), Store: n.audit, Origin: audit.OriginFor(cfg.Node.OIN), Keys: keys}
	if err := mk.Start(ctx); err != nil {
		if errors.Is(err, audit.ErrBelowMark) {
			return fmt.Errorf("audit: refusing to start: %w (high-water mark %s; run schakel audit verify)", err, mk.Path)
		}
		if !errors.Is(err, audit.ErrForeignStore) {
			if errors.Is(err, audit.ErrBadSignature) {
				return fmt.Errorf("%w (%s; after a certificate renewal with a new key, list the previous certificate in identity.previous_certs)", err, mk.Path)
			}
			return err
		}
		mk = nil
	}
	w, err := audit.OpenWitness(ctx, n.audit)
	if err != nil && !errors.Is(err, audit.ErrForeignStore) {
		return err
	}
	if w != nil {
		w.OnAlarm = func(peerOIN, kind string) { ws.alarms.WithLabelValues(peerOIN, kind).Inc() }
		for _, p := range w.Status() {
			ws.peerSize.WithLabelValues(p.PeerOIN).Set(float64(p.Size))
		}
	}
	ws.marker, ws.witness = mk, w
	ws.exchange = &release.Witnessing{Witness: w, Log: n.audit, Marker: mk, Logger: log,
		OnOwnBehind: func(peerOIN string) {
			ws.ownBehindN.Add(1)
			ws.ownBehind.WithLabelValues(peerOIN).Inc()
		}}
	n.witness = ws
	return nil
}

// runMarker keeps the high-water mark file up to date until stopWitness.
func (n *Node) runMarker() {
	ws := n.witness
	if ws == nil || ws.marker == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	ws.stop, ws.done = cancel, make(chan struct{})
	go func() {
		defer close(ws.done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				if err := ws.marker.Sync(ctx); err != nil && ctx.Err() == nil {
					n.log.Warn("high-water mark not written", "err", err)
				}
				if ws.witness != nil {
					for _, p := range ws.witness.Status() {
						ws.peerSize.WithLabelValues(p.PeerOIN).Set(float64(p.Size))
					}
				}
			case <-ctx.Done():
				return
			}
		}
	}()
}

// stopWitness writes the final high-water mark (before the store closes).
func (n *Node) stopWitness() {
	ws := n.witness
	if ws == nil || ws.marker == nil {
		return
	}
	if ws.stop != nil {
		ws.stop()
		<-ws.done
		ws.stop = nil
	}
	if err := ws.marker.Sync(context.Background()); err != nil {
		n.log.Warn("high-water mark not written", "err", err)
	}
}

// Witnessing is the node's exchange witnessing (nil before New completes).
func (n *Node) Witnessing() *release.Witnessing {
	if n.witness == nil {
		return nil
	}
	return n.witness.exchange
}

// WitnessStatus lists the node's witness state of each peer's log.
func (n *Node) WitnessStatus() []audit.PeerLog {
	if n.witness == nil || n.witness.witness == nil {
		return nil
	}
	return n.witness.witness.Status()
}

// PeerLogJSON is one peer's witness state as /healthz and `schakel audit
// witness` show it.
type PeerLogJSON struct {
	PeerOIN   string    `json:"peer_oin"`
	Size      uint64    `json:"size"`
	Root      string    `json:"root"`
	Updated   time.Time `json:"updated"`
	State     string    `json:"state"` // "consistent" or the alarm kind
	Alarm     string    `json:"alarm,omitempty"`
	AlarmAt   time.Time `json:"alarm_at,omitzero"`
	AlarmText string    `json:"alarm_text,omitempty"`
	Alarms    uint64    `json:"alarms"`
}

// PeerLogView converts a witness state for display.
func PeerLogView(p audit.PeerLog) PeerLogJSON {
	v := PeerLogJSON{PeerOIN: p.PeerOIN, Size: p.Size, Root: base64.StdEncoding.EncodeToString(p.Root), Updated: p.Updated,
		State: "consistent", Alarm: p.Alarm, AlarmAt: p.AlarmAt, AlarmText: p.AlarmText, Alarms: p.Alarms}
	if p.Alarm != "" {
		v.State = p.Alarm
	}
	return v
}

// healthJSON is the policy status of /healthz with the witness state added:
// "witness" lists each peer's log, "audit_own_log_behind" counts the times a
// peer held a checkpoint of this node's own log that it does not reach.
func (n *Node) healthJSON() []byte {
	b := n.policy.StatusJSON()
	if n.witness == nil {
		return b
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return b
	}
	peers := []PeerLogJSON{}
	alarm := false
	for _, p := range n.WitnessStatus() {
		v := PeerLogView(p)
		alarm = alarm || v.Alarm != ""
		peers = append(peers, v)
	}
	m["witness"] = peers
	m["witness_alarm"] = alarm
	m["audit_own_log_behind"] = n.witness.ownBehindN.Load()
	out, err := json.Marshal(m)
	if err != nil {
		return b
	}
	return out
}

// RetentionDays is the active pack's retention for a flow (0: unknown flow).
func (p *Policy) RetentionDays(flow string) int { return p.active.Load().pack.RetentionDays(flow) }
