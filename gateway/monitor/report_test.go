package monitor_test

import (
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/schakel/schakel/gateway/monitor"
	"github.com/schakel/schakel/internal/browsertest"
	"github.com/schakel/schakel/internal/testnode"
	"github.com/schakel/schakel/policy"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

var artifacts = filepath.Join("..", "..", "test-artifacts", "monitor")

// checkReport holds a report to the two rules: every number it shows is the
// sum of the unsuppressed cells under its filter, and every figure whose
// filter takes in a suppressed cell (or no cell: a zero) shows no number.
// It then tries to
// recompute each suppressed cell from any shown figure that holds it,
// minus the known cells beside it; there must be none.
func checkReport(t *testing.T, r monitor.Report, cells []monitor.Cell) {
	t.Helper()
	nSupp, shown := 0, 0
	for _, tb := range r.Tables {
		for _, row := range tb.Rows {
			for i, v := range row.Values {
				if v.Orgs {
					continue
				}
				var sum int64
				hasSupp, matched := false, 0
				for _, c := range cells {
					if !monitor.Matches(c, v.Filter) {
						continue
					}
					matched++
					if c.Suppressed {
						hasSupp = true
					} else {
						sum += c.N
					}
				}
				// A figure over no cell is a zero: a small count, suppressed too.
				if want := hasSupp || matched == 0; want != v.Suppressed {
					t.Errorf("%s / %s / %s: suppressed %v, want %v (a suppressed cell under it: %v, cells: %d)", tb.Title, row.Label, tb.Columns[i], v.Suppressed, want, hasSupp, matched)
				}
				if !v.Suppressed {
					shown++
					if v.N != sum {
						t.Errorf("%s / %s / %s shows %d, the unsuppressed cells sum to %d", tb.Title, row.Label, tb.Columns[i], v.N, sum)
					}
				}
			}
		}
	}
	for _, c := range cells {
		if !c.Suppressed {
			continue
		}
		nSupp++
		for _, tb := range r.Tables {
			for _, row := range tb.Rows {
				for i, v := range row.Values {
					if v.Orgs || v.Suppressed || !monitor.Matches(c, v.Filter) {
						continue
					}
					// A number that holds the cell: the cell would be that
					// number minus the known cells beside it.
					var known int64
					for _, o := range cells {
						if !o.Suppressed && monitor.Matches(o, v.Filter) {
							known += o.N
						}
					}
					t.Errorf("suppressed cell %v recomputed as %d from %s / %s / %s", c.Dims, v.N-known, tb.Title, row.Label, tb.Columns[i])
				}
			}
		}
	}
	if nSupp == 0 || shown == 0 {
		t.Fatalf("the data hold %d suppressed cells and the report %d numbers: nothing checked", nSupp, shown)
	}
}

// TestReportKeepsSuppressedCellsSuppressed: over a region of three nodes,
// two months and two schools, the report's numbers equal the sums of the
// unsuppressed cells and no suppressed cell can be recomputed; the totals a
// naive report would show (treating "<10" as 0) are not in it.
func TestReportKeepsSuppressedCellsSuppressed(t *testing.T) {
	pack, err := policy.LoadPack(policy.DefaultPack())
	if err != nil {
		t.Fatal(err)
	}
	const s1, s2, z, g = "00000001000000000001", "00000001000000000011", "00000001000000000002", "00000001000000000003"
	cell := func(node, flow, outcome, reason, other, school, month string, n int64) monitor.Cell {
		return monitor.Cell{NodeOIN: node, N: n, Suppressed: n < 10, Dims: map[string]string{"flow": flow, "purpose": "afstemming_hulp_onderwijs",
			"outcome": outcome, "reason": reason, "counterpart_org_type": other, "school_oin": school, "month": month}}
	}
	cells := []monitor.Cell{
		cell(s1, "A1", "allow", "", "zorgaanbieder", s1, "2026-10", 40),
		cell(s1, "A1", "deny", "CONSENT_MISSING", "zorgaanbieder", s1, "2026-10", 12),
		cell(s1, "A1", "deny", "NO_RELATION", "zorgaanbieder", s1, "2026-10", 4),
		cell(s1, "A1", "allow", "", "zorgaanbieder", s1, "2026-11", 25),
		cell(s2, "A1", "allow", "", "zorgaanbieder", s2, "2026-11", 11),
		cell(s2, "C1", "allow", "", "gemeente", s2, "2026-11", 7),
		cell(z, "B2", "allow", "", "gemeente", "", "2026-11", 30),
		cell(g, "C2", "deny", "CONSENT_MISSING", "school_vo", s1, "2026-11", 15),
	}
	names := map[string][2]string{s1: {"Het Twentse College", "school_vo"}, s2: {"Basisschool De Esch", "school_po"},
		z: {"Jeugdzorg Twente", "zorgaanbieder"}, g: {"Gemeente Enschede", "gemeente"}}
	r := monitor.Build(cells, monitor.Names{Pack: pack, Org: func(o string) string { return names[o][0] }}, func(o string) string { return names[o][1] })
	checkReport(t, r, cells)
	var sb strings.Builder
	if err := monitor.WriteHTML(&sb, r); err != nil {
		t.Fatal(err)
	}
	html := sb.String()
	// Naive totals: October with the 4 as 0 (52) or counted (56); all
	// refusals of October (12+0, 16).
	for _, naive := range []string{">52<", ">56<", ">16<"} {
		if strings.Contains(html, naive) {
			t.Errorf("the page shows %s, a total that takes in a suppressed cell", naive)
		}
	}
	if strings.Contains(html, "<script") || strings.Contains(html, "00000001") || strings.Contains(html, "CONSENT_MISSING") {
		t.Error("the page holds a script, an OIN or a reason code")
	}
}

// TestReportFromRealExports: a school and a zorgaanbieder export to the
// kennispunt; the report built from what it kept holds the school's large
// cell as a number, the small one suppressed in every figure, its CSV the
// same figures as its page, and the page renders in Chromium.
func TestReportFromRealExports(t *testing.T) {
	r := startRegion(t)
	ctx := context.Background()
	for _, n := range []*testnode.Node{r.school, r.zorg} {
		if resp, err := n.Monitoring.ExportMonitoring(ctx, &localv1.ExportMonitoringRequest{}); err != nil || !resp.GetDecision().GetAllow() {
			t.Fatalf("export of %s: %v, %v", n.Org.Key, resp, err)
		}
	}
	st, err := monitor.OpenStoreReadOnly(monitor.DBPath(r.kp.Config.DataDir))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	keptExports, err := st.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cells, err := monitor.CellsOf(keptExports, true)
	if err != nil {
		t.Fatal(err)
	}
	pack, err := policy.LoadPack(policy.DefaultPack())
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	rep, err := monitor.WriteReport(ctx, st, pack, nil, out)
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, rep, cells)
	// The month row: 12 plus a suppressed 3 is "onderdrukt", never 12 or 15.
	month := rep.Tables[0]
	if len(month.Rows) != 1 || month.Rows[0].Values[0].Text() != "onderdrukt" {
		t.Errorf("month table %+v", month.Rows)
	}
	f, err := os.Open(filepath.Join(out, "monitoring.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	i := 1
	for _, tb := range rep.Tables {
		for _, row := range tb.Rows {
			for c, v := range row.Values {
				if i >= len(recs) || recs[i][0] != tb.Title || recs[i][1] != row.Label || recs[i][2] != tb.Columns[c] || recs[i][3] != v.Text() {
					t.Fatalf("CSV line %d: %v, want %s / %s / %s / %s", i, recs[min(i, len(recs)-1)], tb.Title, row.Label, tb.Columns[c], v.Text())
				}
				i++
			}
		}
	}

	if _, err := exec.LookPath("chromium"); err != nil && os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed, and CI is set: the report must be seen rendered")
	}
	bctx := browsertest.New(t, 2*time.Minute)
	if code := browsertest.Open(bctx, t, "file://"+filepath.Join(out, "monitoring.html")); code != 0 && code != 200 {
		t.Fatalf("open report: %d", code)
	}
	if h := browsertest.Text(bctx, t, "h1"); h != "Regionale monitoring van de samenwerking" {
		t.Errorf("h1 %q", h)
	}
	if s := browsertest.Text(bctx, t, "section:first-of-type td.onderdrukt"); s != "onderdrukt" {
		t.Errorf("the month total shows %q", s)
	}
	browsertest.Screenshot(bctx, t, artifacts, "report")
}
