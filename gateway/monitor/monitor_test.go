package monitor_test

import (
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/monitor"
	"github.com/schakel/schakel/gateway/server"
	"github.com/schakel/schakel/internal/testnode"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// ldvSubjects returns the pseudonyms in a node's audit log.
func ldvSubjects(t *testing.T, cfg *config.Config) []string {
	t.Helper()
	st, err := audit.OpenSQLite(cfg.Audit.Store, audit.Config{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var buf bytes.Buffer
	if err := st.Export(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	var out []string
	dec := json.NewDecoder(&buf)
	for {
		var l struct {
			Attributes map[string]any `json:"attributes"`
		}
		if err := dec.Decode(&l); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if s, ok := l.Attributes["dpl.core.data_subject_id"].(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

// dataHolds reports a file of a node's data folder that holds s, leaving
// out the node's own source fixture (every test node has one).
func dataHolds(_ *testing.T, dir, s string) string {
	found := ""
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasPrefix(d.Name(), "source.db") {
			if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, []byte(s)) {
				found = p
			}
		}
		return nil
	})
	return found
}

// region starts a kennispunt, a school and a zorgaanbieder; the zorg asks
// the school n times in two kinds, so the school's log has a large and a
// small cell.
type region struct {
	f                *testnode.Federation
	kp, school, zorg *testnode.Node
	large, small     int
}

func startRegion(t *testing.T) *region {
	f := testnode.New(t)
	kp := f.Start(testnode.Kennispunt, []testnode.Org{testnode.School, testnode.Zorg}, nil)
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg, testnode.Kennispunt}, nil)
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.School, testnode.Kennispunt}, nil)
	bas := testnode.Child(t, "Bas")
	ctx := context.Background()
	ask := func(relation bool) {
		if _, err := zorg.Local.RequestRecord(ctx, &localv1.RequestRecordRequest{
			HolderOin: school.Org.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: bas.BSN, Categories: []string{"verzuim"},
			Role: "jeugdhulpverlener", Relation: relation,
		}); err != nil {
			t.Fatalf("RequestRecord: %v", err)
		}
	}
	r := &region{f: f, kp: kp, school: school, zorg: zorg, large: 12, small: 3}
	for range r.large {
		ask(true)
	}
	for range r.small {
		ask(false)
	}
	return r
}

// exported reads the exports the kennispunt kept.
func kept(t *testing.T, kp *testnode.Node) []monitor.Export {
	t.Helper()
	st, err := monitor.OpenStoreReadOnly(monitor.DBPath(kp.Config.DataDir))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	all, err := st.All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []monitor.Export
	for _, k := range all {
		e, err := monitor.Parse(k.Body, []string{"G1", "G2", "G3", "G4"}, 10)
		if err != nil {
			t.Fatalf("a kept export does not parse: %v", err)
		}
		out = append(out, e)
	}
	return out
}

// TestExportSuppressesSmallCellsAndNamesNoChild: the school's export holds
// its 15 holder-side decisions as one cell of 12 and one suppressed cell of
// 3, every row exactly the pack's seven dimensions and a count, no count
// below 10 as a number, no G flow, and no file of the kennispunt (its
// source fixture aside) holds the child's BSN or any pseudonym of the
// school's log.
func TestExportSuppressesSmallCellsAndNamesNoChild(t *testing.T) {
	r := startRegion(t)
	ctx := context.Background()
	resp, err := r.school.Monitoring.ExportMonitoring(ctx, &localv1.ExportMonitoringRequest{})
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	if !resp.GetDecision().GetAllow() || resp.GetExportId() == "" || resp.GetRows() != 2 || resp.GetSuppressed() != 1 {
		t.Fatalf("export response %v", resp)
	}
	exps := kept(t, r.kp)
	if len(exps) != 1 {
		t.Fatalf("kennispunt kept %d exports", len(exps))
	}
	e := exps[0]
	if e.NodeOIN != testnode.School.OIN {
		t.Errorf("export of %s", e.NodeOIN)
	}
	want := []string{"count", "counterpart_org_type", "flow", "month", "outcome", "purpose", "reason", "school_oin"}
	var counts []any
	for _, row := range e.Rows {
		var keys []string
		for k := range row {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, want) {
			t.Errorf("row keys %v, want %v", keys, want)
		}
		if strings.HasPrefix(row["flow"].(string), "G") {
			t.Errorf("a G flow was exported: %v", row)
		}
		if n, ok := row["count"].(int64); ok && n < 10 {
			t.Errorf("a cell below 10 left as a number: %v", row)
		}
		if row["school_oin"] != testnode.School.OIN || row["counterpart_org_type"] != "zorgaanbieder" || row["month"] != time.Now().UTC().Format("2006-01") {
			t.Errorf("row %v", row)
		}
		counts = append(counts, row["count"])
	}
	if !slices.ContainsFunc(counts, func(c any) bool { return c == int64(r.large) }) || !slices.Contains(counts, any(monitor.Suppressed)) {
		t.Errorf("counts %v, want %d and %q", counts, r.large, monitor.Suppressed)
	}
	bas := testnode.Child(t, "Bas")
	if p := dataHolds(t, r.kp.Config.DataDir, bas.BSN); p != "" {
		t.Errorf("%s holds the child's BSN", p)
	}
	subs := ldvSubjects(t, r.school.Config)
	if len(subs) == 0 {
		t.Fatal("the school's log has no pseudonyms to look for")
	}
	for _, s := range subs {
		if p := dataHolds(t, r.kp.Config.DataDir, s); p != "" {
			t.Fatalf("%s holds a pseudonym of the school's log", p)
		}
	}
}

// TestKennispuntRefusesAlteredExports: an export whose bytes changed after
// signing, one signed by another key than the sender's certificate, one
// naming another node, one with an unsuppressed small cell and one with a
// G flow are all refused (EXPORT_REFUSED) and not kept; an export signed
// with the sender's own key is kept.
func TestKennispuntRefusesAlteredExports(t *testing.T) {
	f := testnode.New(t)
	kp := f.Start(testnode.Kennispunt, []testnode.Org{testnode.School, testnode.Zorg}, nil)
	school := f.Start(testnode.School, []testnode.Org{testnode.Kennispunt}, nil)
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.Kennispunt}, nil)
	ctx := context.Background()
	row := func(flow string, count any) map[string]any {
		return map[string]any{"flow": flow, "purpose": "afstemming_hulp_onderwijs", "outcome": "allow", "reason": "",
			"counterpart_org_type": "zorgaanbieder", "school_oin": testnode.School.OIN, "month": "2026-11", "count": count}
	}
	body := func(node string, rows ...map[string]any) []byte {
		b, err := json.Marshal(monitor.Export{Version: 1, NodeOIN: node, CreatedAt: time.Now().UTC(), PolicyRevision: "sha256:x",
			Dimensions: []string{"flow", "purpose", "outcome", "reason", "counterpart_org_type", "school_oin", "month"}, Rows: rows})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	sign := func(n *testnode.Node, b []byte) []byte {
		sig, err := monitor.Sign(n.Cert.TLS.PrivateKey.(crypto.Signer), b)
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	fromSchool := f.RawPeerClient(kp, school.Cert.TLS)
	good := body(testnode.School.OIN, row("A1", 14), row("A1", monitor.Suppressed))
	altered := bytes.Replace(good, []byte(`"count":14`), []byte(`"count":41`), 1)
	if bytes.Equal(altered, good) {
		t.Fatal("the alteration did not apply")
	}
	small := body(testnode.School.OIN, row("A1", 3))
	gflow := body(testnode.School.OIN, row("G1", 12))
	other := body(testnode.Zorg.OIN, row("A1", 12))
	for _, tc := range []struct {
		name      string
		client    exchangev1.ExchangeServiceClient
		body, sig []byte
	}{
		{"altered after signing", fromSchool, altered, sign(school, good)},
		{"signed by another organisation", fromSchool, good, sign(zorg, good)},
		{"naming another node", fromSchool, other, sign(school, other)},
		{"the zorg sends the school's export", f.RawPeerClient(kp, zorg.Cert.TLS), good, sign(school, good)},
		{"an unsuppressed small cell", fromSchool, small, sign(school, small)},
		{"a G flow", fromSchool, gflow, sign(school, gflow)},
	} {
		_, err := tc.client.SubmitMonitoringExport(ctx, &exchangev1.SubmitMonitoringExportRequest{Export: tc.body, Signature: tc.sig})
		if server.Reason(err) != "EXPORT_REFUSED" {
			t.Errorf("%s: %v, want EXPORT_REFUSED", tc.name, err)
		}
	}
	if n := len(kept(t, kp)); n != 0 {
		t.Fatalf("kennispunt kept %d refused exports", n)
	}
	if _, err := fromSchool.SubmitMonitoringExport(ctx, &exchangev1.SubmitMonitoringExportRequest{Export: good, Signature: sign(school, good)}); err != nil {
		t.Fatalf("a well-signed export: %v", err)
	}
	if n := len(kept(t, kp)); n != 1 {
		t.Fatalf("kennispunt kept %d exports, want 1", n)
	}
	// Only a kennispunt keeps exports.
	if _, err := f.RawPeerClient(school, zorg.Cert.TLS).SubmitMonitoringExport(ctx, &exchangev1.SubmitMonitoringExportRequest{Export: good, Signature: sign(zorg, good)}); server.Reason(err) != "NOT_A_KENNISPUNT" && server.Reason(err) != "UNKNOWN_PEER" {
		t.Errorf("a school kept an export: %v", err)
	}
}
