package monitor_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/monitor"
	"github.com/schakel/schakel/policy"
)

// TestCountEachExchangeOnceWithoutGFlows: only the node's own holder-side
// decisions count (not its deliveries, not what it received), once each;
// G flows are never counted, and the pack refuses an export with a G row
// that slipped through.
func TestCountEachExchangeOnceWithoutGFlows(t *testing.T) {
	ctx := context.Background()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const self, zorg, vt = "00000001000000000001", "00000001000000000002", "00000001000000000009"
	st, err := audit.OpenSQLite(filepath.Join(t.TempDir(), "audit.db"), audit.Config{Origin: audit.OriginFor(self)}, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	add := func(action audit.Action, side audit.Side, holder, recipient, flow, purpose string, allow bool, reasons ...string) {
		r := audit.NewRecord(audit.Event{Action: action, Side: side, HolderOIN: holder, RecipientOIN: recipient, Start: at, End: at})
		r.Flow, r.Purpose, r.Allow, r.ReasonCodes = flow, purpose, allow, reasons
		if _, err := st.Append(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for range 11 {
		add(audit.ActionRequestDecide, audit.SideHolder, self, zorg, "A1", "afstemming_hulp_onderwijs", true)
		add(audit.ActionNotifyDeliver, audit.SideHolder, self, zorg, "A1", "afstemming_hulp_onderwijs", true)
	}
	add(audit.ActionRequestDecide, audit.SideHolder, self, zorg, "A1", "afstemming_hulp_onderwijs", false, "CONSENT_MISSING")
	add(audit.ActionRequestReceive, audit.SideRecipient, zorg, self, "A1", "afstemming_hulp_onderwijs", true)
	for range 12 {
		add(audit.ActionNotifyDecide, audit.SideHolder, self, vt, "G1", "melding_veilig_thuis", true)
	}
	pack, err := policy.LoadPack(policy.DefaultPack())
	if err != nil {
		t.Fatal(err)
	}
	dir := identity.NewDirectory([]identity.Peer{{OIN: zorg, OrgType: "zorgaanbieder"}, {OIN: vt, OrgType: "veilig_thuis"}})
	rows, _, err := monitor.Count(ctx, st, monitor.CountInput{Self: identity.Peer{OIN: self, OrgType: "school_vo"}, Directory: dir, Pack: pack,
		Dimensions: pack.Data().Monitoring.Dimensions})
	if err != nil {
		t.Fatal(err)
	}
	type cell struct {
		outcome, reason string
		count           int64
	}
	var got []cell
	for _, r := range rows {
		if r["flow"] != "A1" || r["month"] != "2026-11" || r["school_oin"] != self || r["counterpart_org_type"] != "zorgaanbieder" {
			t.Errorf("row %v", r)
		}
		got = append(got, cell{r["outcome"].(string), r["reason"].(string), r["count"].(int64)})
	}
	want := []cell{{"allow", "", 11}, {"deny", "CONSENT_MISSING", 1}}
	if !slices.Equal(got, want) {
		t.Errorf("cells %v, want %v", got, want)
	}

	engine, err := policy.NewEngine(pack)
	if err != nil {
		t.Fatal(err)
	}
	g := map[string]any{"flow": "G1", "purpose": "afstemming_hulp_onderwijs", "outcome": "allow", "reason": "", "counterpart_org_type": "veilig_thuis",
		"school_oin": self, "month": "2026-11", "count": int64(12)}
	d, err := engine.Monitoring(ctx, policy.MonitoringInput{Purpose: monitor.Purpose, Flow: monitor.Flow, Mode: policy.ModeNotification,
		Holder: policy.Party{OIN: self, OrgType: "school_vo"}, Recipient: policy.Party{OIN: "00000001000000000008", OrgType: "kennispunt", Role: "onderzoeker"},
		Rows: append(rows, g), Now: time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}
	if d.Allow || len(d.Rows) != 0 || d.Reasons[0].Code != "MONITORING_FLOW_EXCLUDED" {
		t.Errorf("a G row slipped through: %+v", d)
	}
}
