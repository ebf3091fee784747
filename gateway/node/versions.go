package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/traceparent"
	"github.com/schakel/schakel/internal/atomicfile"
)

// VersionsFile is the file in data_dir that holds the highest policy pack version and peer
// directory version this node accepted. A pack or directory older than it
// is refused, live and at start: putting an older, validly signed file
// back in place does not roll the node back. It is written (atomically,
// 0600) before a newer version is put in force; a deliberate downgrade is
// `schakel allow-downgrade`, which lowers it and is audited at the
// next start.
const VersionsFile = "accepted-versions.json"

// ErrRollback means a pack or directory is older than the one this node
// accepted before.
var ErrRollback = errors.New("older than the version this node accepted before")

// AcceptedVersions is the content of VersionsFile.
type AcceptedVersions struct {
	Policy    uint64 `json:"policy_version"`
	Directory uint64 `json:"directory_version"`
	// Downgrades are the deliberate downgrades an operator allowed
	// (schakel allow-downgrade) that the node has not yet audited.
	Downgrades []Downgrade `json:"downgrades,omitempty"`
}

// Downgrade is one deliberate lowering of an accepted version.
type Downgrade struct {
	Kind   string    `json:"kind"` // "policy" or "directory"
	From   uint64    `json:"from"`
	To     uint64    `json:"to"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// ReadAcceptedVersions reads VersionsFile in dataDir; a missing file is
// all zero, an unreadable or malformed one an error (the node then refuses
// to start: fail closed).
func ReadAcceptedVersions(dataDir string) (AcceptedVersions, error) {
	var v AcceptedVersions
	b, err := os.ReadFile(filepath.Join(dataDir, VersionsFile))
	if errors.Is(err, os.ErrNotExist) {
		return v, nil
	}
	if err != nil {
		return v, fmt.Errorf("%s: %w", VersionsFile, err)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("%s: %w", VersionsFile, err)
	}
	return v, nil
}

// WriteAcceptedVersions replaces VersionsFile in dataDir atomically.
func WriteAcceptedVersions(dataDir string, v AcceptedVersions) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dataDir, VersionsFile), append(b, '\n'), 0o600)
}

// versionFloor is the node's VersionsFile in memory.
type versionFloor struct {
	dataDir string
	log     *slog.Logger

	mu       sync.Mutex
	v        AcceptedVersions
	refused  *prometheus.CounterVec
	accepted *prometheus.GaugeVec
	offered  *prometheus.GaugeVec
}

func openVersionFloor(dataDir string, log *slog.Logger) (*versionFloor, error) {
	v, err := ReadAcceptedVersions(dataDir)
	if err != nil {
		return nil, err
	}
	f := &versionFloor{dataDir: dataDir, log: log, v: v,
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "schakel_version_rollback_refused_total",
			Help: "Policy packs and peer directories refused because their version is below the highest this node accepted (kind: policy, directory).",
		}, []string{"kind"}),
		accepted: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "schakel_version_accepted",
			Help: "The highest policy pack and peer directory version this node accepted (kind: policy, directory).",
		}, []string{"kind"}),
		offered: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "schakel_version_rollback_offered",
			Help: "The version of the last policy pack or peer directory refused as a rollback (kind: policy, directory).",
		}, []string{"kind"}),
	}
	f.accepted.WithLabelValues("policy").Set(float64(v.Policy))
	f.accepted.WithLabelValues("directory").Set(float64(v.Directory))
	return f, nil
}

func (f *versionFloor) register(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{f.refused, f.accepted, f.offered} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

func (f *versionFloor) field(kind string) *uint64 {
	if kind == "policy" {
		return &f.v.Policy
	}
	return &f.v.Directory
}

// check refuses version when it is below the accepted one for kind.
func (f *versionFloor) check(kind string, version uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.checkLocked(kind, version)
}

func (f *versionFloor) checkLocked(kind string, version uint64) error {
	if floor := *f.field(kind); version < floor {
		f.refused.WithLabelValues(kind).Inc()
		f.offered.WithLabelValues(kind).Set(float64(version))
		f.log.Error("rollback refused: version below the one this node accepted before", "kind", kind,
			"offered_version", version, "accepted_version", floor)
		return fmt.Errorf("%w: %s version %d is below version %d, accepted before (%s in data_dir; a deliberate downgrade: schakel allow-downgrade)",
			ErrRollback, kind, version, floor, VersionsFile)
	}
	return nil
}

// accept refuses a version below the accepted one and persists a higher
// one before the caller puts it in force. A write failure refuses too: a
// version that could not be recorded could be rolled back at restart.
func (f *versionFloor) accept(kind string, version uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.checkLocked(kind, version); err != nil {
		return err
	}
	p := f.field(kind)
	if version == *p {
		return nil
	}
	old := *p
	*p = version
	if err := WriteAcceptedVersions(f.dataDir, f.v); err != nil {
		*p = old
		return fmt.Errorf("recording %s version %d: %w", kind, version, err)
	}
	f.accepted.WithLabelValues(kind).Set(float64(version))
	return nil
}

// takeDowngrades returns the operator's pending downgrades and clears them
// from the file once the caller has audited them.
func (f *versionFloor) pendingDowngrades() []Downgrade {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Downgrade(nil), f.v.Downgrades...)
}

func (f *versionFloor) clearDowngrades() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.v.Downgrades) == 0 {
		return nil
	}
	old := f.v.Downgrades
	f.v.Downgrades = nil
	if err := WriteAcceptedVersions(f.dataDir, f.v); err != nil {
		f.v.Downgrades = old
		return err
	}
	return nil
}

// AllowDowngrade lowers the accepted version of kind ("policy" or
// "directory") in dataDir to `to`, with the operator's reason; the node
// audits it at its next start. The node must be stopped (it keeps the
// accepted versions in memory while it runs).
func AllowDowngrade(dataDir, kind string, to uint64, reason string, now time.Time) (from uint64, err error) {
	if kind != "policy" && kind != "directory" {
		return 0, fmt.Errorf("kind must be policy or directory, got %q", kind)
	}
	if reason == "" {
		return 0, errors.New("a reason is required (it is audited)")
	}
	v, err := ReadAcceptedVersions(dataDir)
	if err != nil {
		return 0, err
	}
	p := &v.Policy
	if kind == "directory" {
		p = &v.Directory
	}
	from = *p
	if to >= from {
		return from, fmt.Errorf("%s version %d is not below the accepted version %d: nothing to allow", kind, to, from)
	}
	*p = to
	v.Downgrades = append(v.Downgrades, Downgrade{Kind: kind, From: from, To: to, At: now.UTC(), Reason: reason})
	return from, WriteAcceptedVersions(dataDir, v)
}

// auditDowngrades writes one audit record per downgrade the operator
// allowed since the last start, then clears them from VersionsFile. The
// node does not start when it cannot (fail closed: a downgrade is never
// silent).
func (n *Node) auditDowngrades(ctx context.Context) error {
	for _, d := range n.versions.pendingDowngrades() {
		tc := traceparent.New()
		r := audit.NewRecord(audit.Event{
			Action: audit.ActionVersionDowngrade, Side: audit.SideHolder, HolderOIN: n.self.OIN,
			TraceID: tc.TraceID, SpanID: tc.SpanID, Start: d.At, End: time.Now(),
		})
		r.ForeignEntity = audit.LocalEntity("operator")
		r.Allow = true
		r.ReasonCodes = []string{strings.ToUpper(d.Kind) + "_DOWNGRADE"}
		r.CaseReference = truncate(fmt.Sprintf("%s version %d -> %d: %s", d.Kind, d.From, d.To, d.Reason), 256)
		r.PolicyRevision = n.policy.Revision()
		r.RetentionDays = audit.FallbackRetentionDays
		if _, err := n.audit.Append(ctx, r); err != nil {
			return fmt.Errorf("auditing the %s downgrade %d -> %d: %w", d.Kind, d.From, d.To, err)
		}
		n.log.Warn("deliberate downgrade audited", "kind", d.Kind, "from_version", d.From, "to_version", d.To)
	}
	return n.versions.clearDowngrades()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
