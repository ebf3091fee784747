package node_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/gateway/source"
	"github.com/schakel/schakel/internal/testnode"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// TestExportSourceEndToEnd: the basisschool's node serves its LVS export
// (source.export); the zorgaanbieder's node asks for Bas's verzuim under A1
// with both parents' consent (the export names no persons with gezag, so two
// are presumed) and the real pack. The release holds the export's
// unauthorised periods, never an authorised one or a reason. A new export is
// picked up without a restart; a malformed one is refused with a
// line-numbered report and the node keeps releasing the previous data.
func TestExportSourceEndToEnd(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join("..", "source", "testdata", "export")
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, content string) {
		t.Helper()
		// Written aside and renamed, as an export job should, so a poll
		// never reads half a file.
		tmp := filepath.Join(dir, "."+name+".tmp")
		if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}

	f := testnode.New(t)
	school := f.Start(testnode.Basisschool, []testnode.Org{testnode.Zorg}, func(c *config.Config, _ *node.Options) {
		c.Source = config.Source{Export: config.SourceExport{Dir: dir, Format: "csv", Poll: config.Duration(100 * time.Millisecond)}, Timeout: c.Source.Timeout}
	})
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.Basisschool}, nil)
	bas := testnode.Child(t, "Bas")
	registerConsentOf(t, school, bas.BSN, "ouder", "ouder-moeder", testnode.Zorg.OIN, "afstemming_hulp_onderwijs", "verzuim")
	registerConsentOf(t, school, bas.BSN, "ouder", "ouder-vader", testnode.Zorg.OIN, "afstemming_hulp_onderwijs", "verzuim")
	released := func() []string {
		t.Helper()
		resp, err := zorg.Local.RequestRecord(context.Background(), &localv1.RequestRecordRequest{
			HolderOin: school.Org.OIN, Purpose: "afstemming_hulp_onderwijs", Flow: "A1", Bsn: bas.BSN,
			Categories: []string{"verzuim"}, Role: "jeugdhulpverlener", Relation: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		if !resp.GetDecision().GetAllow() {
			t.Fatalf("A1 verzuim for Bas from the export refused: %v", resp.GetDecision())
		}
		b, _ := protojson.Marshal(resp.GetRecord())
		for _, s := range []string{"te laat en daarna niet gekomen", "huisarts", "ging naar de stad", "2026-11-19"} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("the release holds %q (a reason or an authorised period): %s", s, b)
			}
		}
		var got []string
		for _, p := range resp.GetRecord().GetVerzuim().GetPeriods() {
			got = append(got, fmt.Sprintf("%s %dh %s", p.GetDate(), p.GetHours(), p.GetKind()))
		}
		return got
	}
	if got := released(); !slices.Equal(got, []string{"2026-10-27 2h te_laat"}) {
		t.Fatalf("released from the export: %q", got)
	}

	// The school's next export: one more unauthorised and one authorised
	// period. Served without a restart.
	verzuim, _ := os.ReadFile(filepath.Join(dir, source.FileVerzuim))
	write(source.FileVerzuim, string(verzuim)+
		"999990196;2026-11-19;2;ja;;huisarts\n"+
		"999990196;2026-11-20;3;nee;spijbelen;ging naar de stad\n")
	next := []string{"2026-10-27 2h te_laat", "2026-11-20 3h spijbelen"}
	deadline := time.Now().Add(10 * time.Second)
	for got := released(); !slices.Equal(got, next); got = released() {
		if time.Now().After(deadline) {
			t.Fatalf("the new export was not served: %q", got)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A malformed export: an impossible birth date, and a period that must
	// not appear. Refused with the line, the node keeps the previous data.
	leerlingen, _ := os.ReadFile(filepath.Join(dir, source.FileLeerlingen))
	write(source.FileVerzuim, string(verzuim)+"999990196;2026-11-21;4;nee;spijbelen;\n")
	write(source.FileLeerlingen, strings.Replace(string(leerlingen), "2019-06-21", "31-02-2019", 1))
	_, err = source.CheckExport(dir, source.FormatCSV)
	const problem = "leerlingen.csv regel 3, kolom geboortedatum: '31-02-2019' is geen datum"
	if err == nil || !strings.Contains(err.Error(), problem) {
		t.Fatalf("the check of the malformed export = %v, want %q", err, problem)
	}
	deadline = time.Now().Add(10 * time.Second)
	for !strings.Contains(f.Logs.String(), "source export refused") {
		if time.Now().After(deadline) {
			t.Fatal("the node did not log that it refused the malformed export")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if logs := f.Logs.String(); !strings.Contains(logs, "31-02-2019") {
		t.Errorf("the refusal in the log does not name the problem")
	}
	if got := released(); !slices.Equal(got, next) {
		t.Errorf("after the malformed export the node released %q, want the previous export's %q", got, next)
	}
}
