package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/schakel/schakel/gateway/monitor"
	"github.com/schakel/schakel/internal/testnode"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

func runMonitorCmd(args ...string) (code int, out, errOut string) {
	var o, e bytes.Buffer
	code = run(args, stdio{in: strings.NewReader(""), out: &o, err: &e})
	return code, o.String(), e.String()
}

// TestMonitorExportAndReport: `schakel monitor export` makes the running
// school node send its counts (twelve refusals of one kind: one cell of
// 12), `schakel monitor report` on the kennispunt writes a page and a CSV
// with that 12, and after one byte of the kept export changes the report
// refuses to build, naming the export's node.
func TestMonitorExportAndReport(t *testing.T) {
	ctx := context.Background()
	f := testnode.New(t)
	kp := f.Start(testnode.Kennispunt, []testnode.Org{testnode.School}, nil)
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg, testnode.Kennispunt}, nil)
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.School}, nil)
	bas := testnode.Child(t, "Bas")
	for range 12 {
		if _, err := zorg.Local.RequestRecord(ctx, &localv1.RequestRecordRequest{
			HolderOin: testnode.School.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: bas.BSN,
			Categories: []string{"verzuim"}, Role: "jeugdhulpverlener", Relation: true,
		}); err != nil {
			t.Fatal(err)
		}
	}
	certPath, keyPath := school.Client.WriteFiles(t, t.TempDir())
	// The written configuration listens on port 0; the command needs the
	// address the node bound.
	yb, err := os.ReadFile(filepath.Join(f.Dir, "school", "node.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	schoolCfg := filepath.Join(f.Dir, "school", "node-cli.yaml")
	y := strings.Replace(string(yb), `local: "127.0.0.1:0"`, `local: "`+school.Node.LocalAddr+`"`, 1)
	if y == string(yb) {
		t.Fatal("no local listen address to replace")
	}
	if err := os.WriteFile(schoolCfg, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runMonitorCmd("monitor", "export", "--config", schoolCfg, "--cert", certPath, "--key", keyPath)
	if code != 0 || !strings.Contains(out, "1 rows, 0 suppressed") {
		t.Fatalf("monitor export: %d %q %q", code, out, errOut)
	}
	kpCfg := filepath.Join(f.Dir, "kennispunt", "node.yaml")
	dir := t.TempDir()
	code, out, errOut = runMonitorCmd("monitor", "report", "--config", kpCfg, "--out", dir)
	if code != 0 {
		t.Fatalf("monitor report: %d %q %q", code, out, errOut)
	}
	csvb, err := os.ReadFile(filepath.Join(dir, "monitoring.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(csvb), "Beslissingen per maand") || !strings.Contains(string(csvb), ",totaal,12\n") {
		t.Errorf("CSV:\n%s", csvb)
	}
	if html, err := os.ReadFile(filepath.Join(dir, "monitoring.html")); err != nil || !strings.Contains(string(html), "Het Twentse College") {
		t.Errorf("page: %v", err)
	}
	// The school's node is no kennispunt: no report there.
	if code, _, errOut := runMonitorCmd("monitor", "report", "--config", filepath.Join(f.Dir, "school", "node.yaml"), "--out", dir); code == 0 || !strings.Contains(errOut, "kennispunt") {
		t.Errorf("report on a school: %d %q", code, errOut)
	}

	kp.Stop()
	db, err := sql.Open("sqlite", monitor.DBPath(kp.Config.DataDir))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE export SET body = CAST(replace(CAST(body AS TEXT), '"count":12', '"count":21') AS BLOB)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, _, errOut = runMonitorCmd("monitor", "report", "--config", kpCfg, "--out", t.TempDir())
	if code == 0 || !strings.Contains(errOut, testnode.School.OIN) || !strings.Contains(errOut, "signature") {
		t.Fatalf("report over an altered export: %d %q", code, errOut)
	}
}
