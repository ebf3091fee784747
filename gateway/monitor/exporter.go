package monitor

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"google.golang.org/grpc"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/release"
	"github.com/schakel/schakel/gateway/traceparent"
	"github.com/schakel/schakel/policy"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// KennispuntOrgType is the org type of the node that keeps the exports.
const KennispuntOrgType = "kennispunt"

// KennispuntRole is the role the export is addressed to.
const KennispuntRole = "onderzoeker"

// Engines gives the active policy engine.
type Engines interface{ Engine() *policy.Engine }

// Conns dials peers over the mutual-TLS peer channel.
type Conns interface {
	Conn(p identity.Peer) (grpc.ClientConnInterface, error)
}

// ErrInvalid means the export cannot be made (no kennispunt known).
var ErrInvalid = errors.New("monitor: invalid request")

// ExporterConfig wires an Exporter.
type ExporterConfig struct {
	Self      identity.Peer
	Signer    crypto.Signer
	Policy    Engines
	Directory *identity.Directory
	Conns     Conns
	Audit     audit.Store
	Timeout   time.Duration
	Now       func() time.Time
}

// Exporter makes and sends a node's monitoring export.
type Exporter struct {
	cfg ExporterConfig
	log *slog.Logger
}

// NewExporter returns an Exporter.
func NewExporter(cfg ExporterConfig, log *slog.Logger) *Exporter {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	return &Exporter{cfg: cfg, log: log}
}

func (x *Exporter) kennispunt(oin string) (identity.Peer, error) {
	if oin != "" {
		p, ok := x.cfg.Directory.Lookup(oin)
		if !ok || p.OrgType != KennispuntOrgType {
			return identity.Peer{}, fmt.Errorf("%w: %s is not a kennispunt in the peer directory", ErrInvalid, oin)
		}
		return p, nil
	}
	var found []identity.Peer
	for _, p := range x.cfg.Directory.All() {
		if p.OrgType == KennispuntOrgType {
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		return identity.Peer{}, fmt.Errorf("%w: the peer directory has %d kennispunten; name one with kennispunt_oin", ErrInvalid, len(found))
	}
	return found[0], nil
}

// Export counts, asks the pack, signs and sends. A refusal by the pack is
// the response's decision; nothing then leaves.
func (x *Exporter) Export(ctx context.Context, req *localv1.ExportMonitoringRequest) (*localv1.ExportMonitoringResponse, error) {
	start := x.cfg.Now()
	kp, err := x.kennispunt(req.GetKennispuntOin())
	if err != nil {
		return nil, err
	}
	engine := x.cfg.Policy.Engine()
	pack := engine.Pack()
	dims := pack.Data().Monitoring.Dimensions
	rows, skipped, err := Count(ctx, x.cfg.Audit, CountInput{Self: x.cfg.Self, Directory: x.cfg.Directory, Pack: pack, Dimensions: dims})
	if err != nil {
		return nil, err
	}
	if skipped > 0 && x.log != nil {
		x.log.Info("monitoring export: decisions left out (no flow of the pack, or a counterpart no longer in the directory)", "skipped", skipped)
	}
	// Filter the G flows out before asking; the pack refuses them anyway.
	rows = slices.DeleteFunc(rows, func(r map[string]any) bool {
		f, _ := r["flow"].(string)
		return slices.Contains(pack.Data().Monitoring.ExcludedFlows, f)
	})
	if rows == nil {
		rows = []map[string]any{}
	}
	d, err := engine.Monitoring(ctx, policy.MonitoringInput{
		Purpose: Purpose, Flow: Flow, Mode: policy.ModeNotification,
		Holder:    policy.Party{OIN: x.cfg.Self.OIN, OrgType: x.cfg.Self.OrgType, Gemeente: x.cfg.Self.Gemeente},
		Recipient: policy.Party{OIN: kp.OIN, OrgType: kp.OrgType, Role: KennispuntRole},
		Rows:      rows, Now: x.cfg.Now().UTC(),
	})
	if err != nil {
		return nil, err
	}
	if err := x.record(ctx, &d.Decision, kp.OIN, start); err != nil {
		return nil, err
	}
	resp := &localv1.ExportMonitoringResponse{Decision: release.DecisionToProto(d.Decision)}
	if !d.Allow {
		return resp, nil
	}
	e := Export{Version: Version, NodeOIN: x.cfg.Self.OIN, CreatedAt: x.cfg.Now().UTC().Truncate(time.Second),
		PolicyRevision: d.PolicyRevision, Dimensions: dims, Rows: d.Rows}
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	sig, err := Sign(x.cfg.Signer, b)
	if err != nil {
		return nil, fmt.Errorf("monitor: sign: %w", err)
	}
	conn, err := x.cfg.Conns.Conn(kp)
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, x.cfg.Timeout)
	defer cancel()
	sr, err := exchangev1.NewExchangeServiceClient(conn).SubmitMonitoringExport(cctx, &exchangev1.SubmitMonitoringExportRequest{Export: b, Signature: sig})
	if err != nil {
		return nil, err
	}
	resp.ExportId = sr.GetExportId()
	resp.Rows = int32(len(d.Rows))
	for _, r := range d.Rows {
		if r["count"] == Suppressed {
			resp.Suppressed++
		}
	}
	return resp, nil
}

func (x *Exporter) record(ctx context.Context, d *policy.Decision, kennispunt string, start time.Time) error {
	tc := traceparent.New()
	r := audit.NewRecord(audit.Event{Action: audit.ActionMonitoringExport, Side: audit.SideHolder, HolderOIN: x.cfg.Self.OIN,
		RecipientOIN: kennispunt, TraceID: tc.TraceID, SpanID: tc.SpanID, Start: start, End: x.cfg.Now()})
	r.Flow, r.Purpose, r.RecipientRole = Flow, Purpose, KennispuntRole
	r.DecisionID, r.Allow, r.PolicyRevision = d.DecisionID, d.Allow, d.PolicyRevision
	if d.Basis != nil {
		r.Basis = *d.Basis
	}
	r.CategoriesReleased = d.Categories
	for _, c := range d.Reasons {
		r.ReasonCodes = append(r.ReasonCodes, c.Code)
	}
	if d.RetentionDays > 0 {
		r.RetentionDays = d.RetentionDays
	}
	if _, err := x.cfg.Audit.Append(ctx, r); err != nil {
		return fmt.Errorf("%w: %v", release.ErrAuditUnavailable, err)
	}
	return nil
}
