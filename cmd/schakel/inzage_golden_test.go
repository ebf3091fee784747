package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/internal/testnode"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

var (
	dutchDate = regexp.MustCompile(`\d{1,2} (januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december) \d{4} om \d\d:\d\d \((Nederlandse tijd|UTC)\)`)
	hexID     = regexp.MustCompile(`\b[0-9a-f]{32}\b`)
)

func normalizeReport(s string) string {
	return hexID.ReplaceAllString(dutchDate.ReplaceAllString(s, "DATUM"), "ID")
}

// TestInzageGolden: a parent's inzage at the school, printed from the
// school node's real audit log with --config, names the organisations from
// the peer directory and speaks the pack's Dutch (purposes, flow titles,
// categories, reason texts) in text and in printable HTML. Golden files in
// testdata/ (go test -run TestInzageGolden -update rewrites them).
func TestInzageGolden(t *testing.T) {
	f := testnode.New(t)
	// Bas's basisschool, OBS De Esch; both his parents have gezag and both
	// consented.
	school := f.Start(testnode.Basisschool, []testnode.Org{testnode.Zorg, testnode.Gemeente}, nil)
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.Basisschool}, nil)
	ctx := context.Background()
	bas := testnode.Child(t, "Bas")
	for _, giver := range []string{"moeder-bas", "vader-bas"} {
		if _, err := school.Consent.RegisterConsent(ctx, &localv1.RegisterConsentRequest{Consent: &localv1.Consent{
			Bsn: bas.BSN, GivenBy: "ouder", Giver: giver, RecipientOin: testnode.Zorg.OIN, Purpose: "afstemming_hulp_onderwijs",
			Categories: []string{"identificatie", "verzuim"}, GivenAt: timestamppb.New(time.Now().Add(-time.Hour)),
		}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []*localv1.RequestRecordRequest{
		// Released, gezondheid withheld (not in flow A1), opp withheld (no consent).
		{HolderOin: testnode.Basisschool.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: bas.BSN,
			Categories: []string{"identificatie", "verzuim", "opp", "gezondheid"}, Role: "jeugdhulpverlener", Relation: true},
		// Refused: no direct relation with the child declared.
		{HolderOin: testnode.Basisschool.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: bas.BSN,
			Categories: []string{"verzuim"}, Role: "jeugdhulpverlener"},
	} {
		if _, err := zorg.Local.RequestRecord(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, format := range []string{"text", "html"} {
		t.Run(format, func(t *testing.T) {
			code, out, errOut := runAuditCmd("inzage", "--config", school.Config.Path, "--bsn", bas.BSN, "--requester", "ouder", "--birth-date", bas.BirthDate.Format(time.DateOnly), "--format", format)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, want := range []string{"Deze inzage is gevraagd door een ouder met gezag.", "Jeugdzorg Twente", "OBS De Esch", "Afstemming tussen hulp en onderwijs",
				"ongeoorloofd verzuim", "De ontvanger heeft geen directe hulprelatie met het kind verklaard."} {
				if !strings.Contains(out, want) {
					t.Errorf("report lacks %q", want)
				}
			}
			// No codes or ids where the pack has Dutch: a parent reads sentences.
			for _, code := range []string{"RELATION_REQUIRED", "CATEGORY_NOT_IN_FLOW", "CATEGORY_NOT_CONSENTED", "afstemming_hulp_onderwijs", testnode.Zorg.OIN + " vroeg"} {
				if strings.Contains(out, code) {
					t.Errorf("report shows %q", code)
				}
			}
			if strings.Contains(out, bas.BSN) {
				t.Fatal("the report shows the BSN")
			}
			got := normalizeReport(out)
			golden := filepath.Join("testdata", "inzage.golden."+format)
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from %s:\n%s", format, golden, got)
			}
		})
	}
	t.Run("html escapes", func(t *testing.T) {
		_, out, _ := runAuditCmd("inzage", "--config", school.Config.Path, "--bsn", bas.BSN, "--requester", "ouder", "--birth-date", bas.BirthDate.Format(time.DateOnly), "--format", "html")
		if !strings.HasPrefix(out, "<!DOCTYPE html>") || !strings.Contains(out, `<html lang="nl">`) || !strings.Contains(out, "@media print") {
			t.Fatalf("not a printable HTML page:\n%.300s", out)
		}
	})
	t.Run("bad format", func(t *testing.T) {
		code, _, errOut := runAuditCmd("inzage", "--config", school.Config.Path, "--bsn", bas.BSN, "--requester", "ouder", "--birth-date", bas.BirthDate.Format(time.DateOnly), "--format", "pdf")
		if code != 2 || !strings.Contains(errOut, "text, html or json") {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	})
}
