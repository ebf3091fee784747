package source

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

const exportSchool = "00000001000000000001"

// copyExport copies testdata/export to a temporary directory.
func copyExport(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ents, err := os.ReadDir("testdata/export")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("testdata/export", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func openTestExport(t *testing.T, dir string, log *slog.Logger) *Export {
	t.Helper()
	e, err := OpenExport(ExportOptions{Dir: dir, SchoolOIN: exportSchool, SchoolName: "Het Twentse College", Poll: -1,
		Log: log, Now: func() time.Time { return demoDate }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func TestExportFacts(t *testing.T) {
	e := openTestExport(t, "testdata/export", nil)
	ctx := context.Background()
	f, err := e.Facts(ctx, "999990299", exportSchool, oinJGZ)
	if err != nil {
		t.Fatal(err)
	}
	want := Facts{Found: true, BirthDate: date("2013-05-14"), ParentsHadInzage: true, Gemeente: "GM0153",
		EnrolledAtHolder: true, ParentsWithGezag: 2,
		// 4 + 6 + 0,5 in the 28 days up to 2026-11-23; not the authorised
		// 3 hours, not September's 8.
		UnauthorisedAbsenceHours4w: 10.5,
		OpenVerzuimMeldingen:       []string{"DUO-2026-114"}}
	if !factsEqual(f, want) {
		t.Errorf("Tina's facts = %+v, want %+v", f, want)
	}

	// Bas: woongemeente "0153" is GM0153; no gezag rows: two presumed.
	f, err = e.Facts(ctx, "999990196", exportSchool, oinJGZ)
	if err != nil {
		t.Fatal(err)
	}
	if f.Gemeente != "GM0153" || f.ParentsWithGezag != 2 || f.UnauthorisedAbsenceHours4w != 2 || len(f.OpenVerzuimMeldingen) != 0 {
		t.Errorf("Bas's facts = %+v", f)
	}

	// Jesse left in July: not enrolled; his mother alone has gezag.
	f, err = e.Facts(ctx, "999990688", exportSchool, oinJGZ)
	if err != nil {
		t.Fatal(err)
	}
	if f.EnrolledAtHolder || f.ParentsWithGezag != 1 {
		t.Errorf("Jesse's facts = %+v, want not enrolled, one person with gezag", f)
	}

	// Sem left on 1 October, within 90 days: still this school's own
	// pupil (for the onderwijskundig rapport), no longer on the roll as a
	// recipient.
	f, err = e.Facts(ctx, "999990779", exportSchool, exportSchool)
	if err != nil {
		t.Fatal(err)
	}
	if !f.EnrolledAtHolder || f.EnrolledAtRecipient {
		t.Errorf("Sem's facts = %+v, want enrolled at holder (left within 90 days) and not at recipient", f)
	}
	// ... and enrolled at his vervolgschool (the onderwijskundig rapport),
	// at no other.
	if f, _ := e.Facts(ctx, "999990779", exportSchool, oinPO); !f.EnrolledAtRecipient {
		t.Errorf("Sem at his vervolgschool: %+v, want enrolled at recipient", f)
	}
	if f, _ := e.Facts(ctx, "999990779", exportSchool, oinJGZ); f.EnrolledAtRecipient {
		t.Errorf("Sem at the JGZ: %+v, want not enrolled at recipient", f)
	}

	// Another holder: the export is this school's only.
	f, err = e.Facts(ctx, "999990299", oinPO, exportSchool)
	if err != nil {
		t.Fatal(err)
	}
	if f.EnrolledAtHolder || !f.EnrolledAtRecipient || len(f.OpenVerzuimMeldingen) != 0 {
		t.Errorf("facts for another holder = %+v, want not enrolled at holder, enrolled at recipient, no meldingen", f)
	}

	if _, err := e.Facts(ctx, "999990007", exportSchool, oinJGZ); !errors.Is(err, ErrNotFound) {
		t.Errorf("a child not in the export: %v, want ErrNotFound", err)
	}
	if _, err := e.Record(ctx, "123456789", []string{"identificatie"}); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("an invalid BSN: %v, want an invalid-BSN error", err)
	}
}

func factsEqual(a, b Facts) bool {
	return a.Found == b.Found && a.BirthDate.Equal(b.BirthDate) && a.EnrolledAtRecipient == b.EnrolledAtRecipient &&
		a.ParentsHadInzage == b.ParentsHadInzage && a.Gemeente == b.Gemeente && a.EnrolledAtHolder == b.EnrolledAtHolder &&
		a.ParentsWithGezag == b.ParentsWithGezag && a.UnauthorisedAbsenceHours4w == b.UnauthorisedAbsenceHours4w &&
		slices.Equal(a.OpenVerzuimMeldingen, b.OpenVerzuimMeldingen)
}

func TestExportRecord(t *testing.T) {
	e := openTestExport(t, "testdata/export", nil)
	rec, err := e.Record(context.Background(), "999990299", Categories())
	if err != nil {
		t.Fatal(err)
	}
	want := &recordv1.Record{
		Identificatie: &recordv1.Identificatie{GivenName: "Tina", FamilyName: "de Vries", BirthDate: "2013-05-14"},
		Bsn:           &recordv1.Bsn{Bsn: "999990299"},
		Onderwijs: &recordv1.Onderwijs{SchoolName: "Het Twentse College", SchoolOin: exportSchool, EnrolledSince: "2025-08-25",
			Grade: "klas 2", Career: []string{"2025-2026 klas 1", "2026- klas 2"}},
		Verzuim: &recordv1.Verzuim{
			Periods: []*recordv1.AbsencePeriod{
				{Date: "2026-09-01", Hours: 8, Kind: "langdurig"},
				{Date: "2026-11-02", Hours: 4, Kind: "spijbelen"},
				{Date: "2026-11-09", Hours: 6, Kind: "spijbelen"},
				{Date: "2026-11-16", Hours: 1, Kind: "te_laat"},
			},
			UnauthorisedHours_4W: 11,
			Actions:              "Gesprek met Tina en moeder op 2026-11-05; melding leerplicht 2026-11-12",
		},
		Opp: &recordv1.Opp{Summary: "Uitstroomprofiel vmbo-kader; extra begeleiding bij plannen",
			Goals: []string{"Zelfstandig huiswerk plannen", "Aanwezig bij alle lessen"}},
		Observaties: &recordv1.Observaties{Items: []*recordv1.Observation{{Date: "2026-11-03", AuthorRole: "mentor",
			Text: "Komt vaak te laat in het eerste uur, oogt moe."}}},
	}
	if !proto.Equal(rec, want) {
		t.Errorf("record:\n got %v\nwant %v", rec, want)
	}
	// Neither the authorised period nor any reason, nor the names of the
	// persons with gezag, is anywhere in what the source serves.
	b, _ := protojson.Marshal(rec)
	for _, s := range []string{"tandarts", "ziek", "bus gemist", "2026-11-10", "M. de Vries", "moeder\""} {
		if bytes.Contains(b, []byte(s)) {
			t.Errorf("record holds %q: %s", s, b)
		}
	}

	// Only the asked categories.
	rec, err = e.Record(context.Background(), "999990196", []string{"verzuim", "schoenmaat"})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Identificatie != nil || rec.GetVerzuim().GetUnauthorisedHours_4W() != 2 || len(rec.GetVerzuim().GetPeriods()) != 1 {
		t.Errorf("Bas, verzuim only: %v", rec)
	}
}

// problems loads the export in dir and returns its problems as text.
func problems(t *testing.T, dir string) []string {
	t.Helper()
	_, err := CheckExport(dir, FormatCSV)
	var ee *ExportError
	if !errors.As(err, &ee) {
		t.Fatalf("CheckExport = %v, want an *ExportError", err)
	}
	var out []string
	for _, p := range ee.Problems {
		out = append(out, p.String())
	}
	return out
}

func TestExportProblems(t *testing.T) {
	tests := []struct {
		name, file, content string
		want                []string
	}{
		{"impossible date", FileLeerlingen, "bsn;voornaam;achternaam;geboortedatum;inschrijfdatum\n999990299;Tina;Vries;2013-05-14;2025-08-25\n999990196;Bas;Vries;31-02-2014;2023-08-28\n",
			[]string{"leerlingen.csv regel 3, kolom geboortedatum: '31-02-2014' is geen datum (JJJJ-MM-DD of DD-MM-JJJJ)"}},
		{"11-proef", FileLeerlingen, "bsn;voornaam;achternaam;geboortedatum;inschrijfdatum\n999990298;Tina;Vries;2013-05-14;2025-08-25\n99999029;Bas;Vries;2019-06-21;2023-08-28\n",
			[]string{"leerlingen.csv regel 2, kolom bsn: '999990298' voldoet niet aan de 11-proef",
				"leerlingen.csv regel 3, kolom bsn: '99999029' voldoet niet aan de 11-proef"}},
		{"missing and unknown column", FileLeerlingen, "bsn;voornaam;achternaam;geboortdatum;inschrijfdatum\n999990299;Tina;Vries;2013-05-14;2025-08-25\n",
			[]string{"leerlingen.csv regel 1, kolom geboortdatum: onbekende kolom (bekende kolommen: bsn, voornaam, achternaam, geboortedatum, inschrijfdatum, tussenvoegsel, uitschrijfdatum, woongemeente, groep, inzage_ouders, loopbaan, verzuim_acties, vervolgschool_oin)",
				"leerlingen.csv regel 1, kolom geboortedatum: verplichte kolom ontbreekt"}},
		{"empty required and duplicate", FileLeerlingen, "bsn;voornaam;achternaam;geboortedatum;inschrijfdatum;woongemeente\n999990299;;Vries;2013-05-14;2025-08-25;Enschede\n999990299;Tina;Vries;2013-05-14;2025-08-25;GM0153\n",
			[]string{"leerlingen.csv regel 2, kolom voornaam: is leeg (verplicht)",
				"leerlingen.csv regel 2, kolom woongemeente: 'Enschede' is geen CBS-gemeentecode (GM en vier cijfers, bijvoorbeeld GM0153)",
				"leerlingen.csv regel 3, kolom bsn: 999990299 staat ook op regel 2 (één regel per leerling)"}},
		{"line numbers count a quoted line break", FileLeerlingen, "bsn;voornaam;achternaam;geboortedatum;inschrijfdatum;verzuim_acties\n999990299;Tina;Vries;2013-05-14;2025-08-25;\"Gesprek;\nmelding\"\n999990196;Bas;Vries;2019-06-32;2023-08-28;\n",
			[]string{"leerlingen.csv regel 4, kolom geboortedatum: '2019-06-32' is geen datum (JJJJ-MM-DD of DD-MM-JJJJ)"}},
		{"brin is no oin", FileLeerlingen, "bsn;voornaam;achternaam;geboortedatum;inschrijfdatum;vervolgschool_oin\n999990299;Tina;Vries;2013-05-14;2025-08-25;12AB\n",
			[]string{"leerlingen.csv regel 2, kolom vervolgschool_oin: '12AB' is geen OIN (20 cijfers; een BRIN-nummer is geen OIN)"}},
		{"field count", FileLeerlingen, "bsn;voornaam;achternaam;geboortedatum;inschrijfdatum\n999990299;Tina;de;Vries;2013-05-14;2025-08-25\n",
			[]string{"leerlingen.csv regel 2: 6 velden, de kopregel heeft er 5 (een scheidingsteken te veel of te weinig?)"}},
		{"not UTF-8", FileLeerlingen, "bsn;voornaam;achternaam;geboortedatum;inschrijfdatum\n999990299;Tina;Vries;2013-05-14;2025-08-25\n999990196;Ren\xe9;Vries;2019-06-21;2023-08-28\n",
			[]string{"leerlingen.csv regel 3: is geen UTF-8 (sla het bestand op als UTF-8; een export in Windows-1252 of Latin-1 wordt niet geraden)"}},
		{"verzuim", FileVerzuim, "bsn;datum;uren;geoorloofd;soort;reden\n999990299;2026-11-02;4;nee;ziek;griep\n999990299;2026-11-03;twee;nee;spijbelen;\n999990299;2026-11-04;2;misschien;spijbelen;\n999990007;2026-11-04;2;nee;spijbelen;\n999990299;2026-11-05;2;nee;;\n",
			[]string{"verzuim.csv regel 2, kolom soort: 'ziek' is geen soort verzuim (spijbelen, te_laat, luxe, langdurig, vermoedelijk_ongeoorloofd)",
				"verzuim.csv regel 3, kolom uren: 'twee' is geen aantal uren (meer dan 0, hoogstens 24; bijvoorbeeld 2 of 0,5)",
				"verzuim.csv regel 4, kolom geoorloofd: 'misschien' is geen ja of nee",
				"verzuim.csv regel 5, kolom bsn: 999990007 staat niet in leerlingen.csv",
				"verzuim.csv regel 6, kolom soort: is leeg; ongeoorloofd verzuim heeft een soort (spijbelen, te_laat, luxe, langdurig, vermoedelijk_ongeoorloofd)"}},
		{"three with gezag", FileGezag, "bsn;gezag\n999990299;ja\n999990299;ja\n999990299;ja\n",
			[]string{"gezag.csv regel 4, kolom gezag: derde persoon met gezag voor 999990299 (hoogstens twee; zie regel 3)"}},
		{"quote", FileOpp, "bsn;samenvatting\n999990299;Zegt \"nee\" tegen hulp\n",
			[]string{"opp.csv regel 2: aanhalingsteken op een onverwachte plek (een tekst met \" moet tussen aanhalingstekens staan en \" verdubbelen)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyExport(t)
			if err := os.WriteFile(filepath.Join(dir, tt.file), []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if got := problems(t, dir); !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.want)
			}
		})
	}

	t.Run("no leerlingen.csv", func(t *testing.T) {
		dir := t.TempDir()
		got := problems(t, dir)
		if len(got) != 1 || !strings.HasPrefix(got[0], "leerlingen.csv: bestand ontbreekt in ") {
			t.Errorf("problems = %q", got)
		}
	})
}

func TestExportCommaAndBOM(t *testing.T) {
	dir := t.TempDir()
	csv := "\xef\xbb\xbfBSN,Voornaam,Achternaam,Geboortedatum,Inschrijfdatum\r\n999990196,Bas,de Vries,21-6-2019,2023-08-28\r\n"
	if err := os.WriteFile(filepath.Join(dir, FileLeerlingen), []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	sum, err := CheckExport(dir, FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Files[FileLeerlingen] != 1 {
		t.Errorf("summary = %v", sum)
	}
	e := openTestExport(t, dir, nil)
	if f, err := e.Facts(context.Background(), "999990196", exportSchool, oinJGZ); err != nil || !f.BirthDate.Equal(date("2019-06-21")) {
		t.Errorf("21-6-2019 read as %v (%v)", f.BirthDate, err)
	}
}

func TestExportReload(t *testing.T) {
	dir := copyExport(t)
	var logs bytes.Buffer
	e := openTestExport(t, dir, slog.New(slog.NewTextHandler(&logs, nil)))
	ctx := context.Background()
	name := func() string {
		t.Helper()
		rec, err := e.Record(ctx, "999990196", []string{"identificatie"})
		if err != nil {
			t.Fatal(err)
		}
		return rec.GetIdentificatie().GetGivenName()
	}
	if changed, err := e.Reload(); changed || err != nil {
		t.Fatalf("Reload of unchanged files = %v, %v", changed, err)
	}
	leerlingen := filepath.Join(dir, FileLeerlingen)
	b, _ := os.ReadFile(leerlingen)
	if err := os.WriteFile(leerlingen, bytes.Replace(b, []byte(";Bas;"), []byte(";Bastiaan;"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	if changed, err := e.Reload(); !changed || err != nil {
		t.Fatalf("Reload of a changed export = %v, %v", changed, err)
	}
	if got := name(); got != "Bastiaan" {
		t.Fatalf("after a good new export the name is %q, want Bastiaan", got)
	}
	// A broken export: refused, logged, the previous one keeps serving.
	if err := os.WriteFile(leerlingen, bytes.Replace(b, []byte("2019-06-21"), []byte("31-02-2019"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	changed, err := e.Reload()
	if changed || !IsExportError(err) || !strings.Contains(err.Error(), "leerlingen.csv regel 3, kolom geboortedatum: '31-02-2019' is geen datum") {
		t.Fatalf("Reload of a broken export = %v, %v", changed, err)
	}
	if got := name(); got != "Bastiaan" {
		t.Errorf("after a broken export the name is %q, want the previous export's Bastiaan", got)
	}
	if !strings.Contains(logs.String(), "source export refused") || !strings.Contains(logs.String(), "31-02-2019") {
		t.Errorf("log does not name the refused export: %s", logs.String())
	}
	// Removing the required file is refused as well.
	os.Remove(leerlingen)
	if _, err := e.Reload(); !IsExportError(err) {
		t.Errorf("Reload without leerlingen.csv = %v", err)
	}
	if got := name(); got != "Bastiaan" {
		t.Errorf("without leerlingen.csv the name is %q, want Bastiaan", got)
	}
	// ... and logged once, not on every poll.
	before := strings.Count(logs.String(), "source export refused")
	e.Reload()
	e.Reload()
	if after := strings.Count(logs.String(), "source export refused"); after != before {
		t.Errorf("the missing file was logged %d more times", after-before)
	}
}

func TestExportWatch(t *testing.T) {
	dir := copyExport(t)
	e, err := OpenExport(ExportOptions{Dir: dir, SchoolOIN: exportSchool, Poll: 20 * time.Millisecond, Now: func() time.Time { return demoDate }})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	leerlingen := filepath.Join(dir, FileLeerlingen)
	b, _ := os.ReadFile(leerlingen)
	if err := os.WriteFile(leerlingen, bytes.Replace(b, []byte(";Bas;"), []byte(";Bastiaan;"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		rec, err := e.Record(context.Background(), "999990196", []string{"identificatie"})
		if err != nil {
			t.Fatal(err)
		}
		if rec.GetIdentificatie().GetGivenName() == "Bastiaan" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the changed export was not picked up without a restart")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestExportErrorNamesNoBSN: the error that reaches the node's log blanks
// the BSNs the problems name; the problems themselves keep them for the
// administrator.
func TestExportErrorNamesNoBSN(t *testing.T) {
	dir := copyExport(t)
	if err := os.WriteFile(filepath.Join(dir, FileVerzuim), []byte("bsn;datum;uren;geoorloofd\n999990007;2026-11-02;4;nee\n999990298;2026-11-02;4;nee\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := CheckExport(dir, FormatCSV)
	if err == nil || strings.Contains(err.Error(), "99999") || !strings.Contains(err.Error(), "verzuim.csv regel 2, kolom bsn: [bsn] staat niet in leerlingen.csv") ||
		!strings.Contains(err.Error(), "verzuim.csv regel 3, kolom bsn: '[bsn]' voldoet niet aan de 11-proef") {
		t.Errorf("error = %v", err)
	}
	if got := problems(t, dir); len(got) == 0 || !strings.Contains(got[0], "999990007 staat niet in leerlingen.csv") {
		t.Errorf("problems = %q, want the BSN for the administrator", got)
	}
}

// TestExportXMLSameAsCSV: the XML form of the test export serves exactly
// the facts and records of the CSV form, for every pupil and category.
func TestExportXMLSameAsCSV(t *testing.T) {
	csvSrc := openTestExport(t, "testdata/export", nil)
	xmlSrc, err := OpenExport(ExportOptions{Dir: "testdata/export-xml", Format: FormatXML, SchoolOIN: exportSchool, SchoolName: "Het Twentse College",
		Poll: -1, Now: func() time.Time { return demoDate }})
	if err != nil {
		t.Fatal(err)
	}
	defer xmlSrc.Close()
	ctx := context.Background()
	for _, id := range []string{"999990299", "999990196", "999990688", "999990779"} {
		fc, err1 := csvSrc.Facts(ctx, id, exportSchool, oinJGZ)
		fx, err2 := xmlSrc.Facts(ctx, id, exportSchool, oinJGZ)
		if err1 != nil || err2 != nil || !factsEqual(fc, fx) {
			t.Errorf("%s: facts csv %+v (%v), xml %+v (%v)", id, fc, err1, fx, err2)
		}
		rc, err1 := csvSrc.Record(ctx, id, Categories())
		rx, err2 := xmlSrc.Record(ctx, id, Categories())
		if err1 != nil || err2 != nil || !proto.Equal(rc, rx) {
			t.Errorf("%s: record csv %v (%v), xml %v (%v)", id, rc, err1, rx, err2)
		}
	}
	sum, err := CheckExport("testdata/export-xml", FormatXML)
	if err != nil || sum.Files["export.xml <leerling>"] != 4 || sum.Files["export.xml <verzuim>"] != 6 {
		t.Errorf("summary = %v, %v", sum, err)
	}
}

func TestExportXMLProblems(t *testing.T) {
	head := "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<export>\n"
	leerling := "  <leerling><bsn>999990196</bsn><voornaam>Bas</voornaam><achternaam>Vries</achternaam><geboortedatum>2019-06-21</geboortedatum><inschrijfdatum>2023-08-28</inschrijfdatum></leerling>\n"
	tests := []struct {
		name, content string
		want          []string
	}{
		{"impossible date", head + leerling + "  <leerling>\n    <bsn>999990299</bsn><voornaam>Tina</voornaam><achternaam>Vries</achternaam>\n    <geboortedatum>31-02-2014</geboortedatum><inschrijfdatum>2023-08-28</inschrijfdatum>\n  </leerling>\n</export>\n",
			[]string{"export.xml regel 4, kolom geboortedatum: '31-02-2014' is geen datum (JJJJ-MM-DD of DD-MM-JJJJ)"}},
		{"unknown elements and an empty required one", head + leerling + "  <leerlingen/>\n  <verzuim><bsn>999990196</bsn><datum>2026-11-02</datum><uren>2</uren><geoorloofd>nee</geoorloofd><soort>spijbelen</soort><uur>2</uur></verzuim>\n  <melding><bsn>999990196</bsn><meldingsnummer> </meldingsnummer></melding>\n</export>\n",
			[]string{"export.xml regel 4: onbekend element <leerlingen> (bekend: leerling, verzuim, gezag, melding, opp, observatie)",
				"export.xml regel 5, kolom uur: onbekend element in <verzuim> (bekend: bsn, datum, uren, geoorloofd, soort, reden)",
				"export.xml regel 6, kolom meldingsnummer: is leeg (verplicht)"}},
		{"syntax", head + leerling + "  <leerling><bsn>999990299</bsn>\n</export>\n",
			[]string{"export.xml regel 5: geen geldige XML: element <leerling> closed by </export>"}},
		{"declared Windows-1252", "<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n<export>\n" + leerling + "</export>\n",
			[]string{"export.xml regel 1: de XML-declaratie noemt codering 'windows-1252'; alleen UTF-8 wordt gelezen (sla het bestand op als UTF-8)"}},
		{"another root", "<leerlingen>\n" + leerling + "</leerlingen>\n",
			[]string{"export.xml regel 1: het hoofdelement is <leerlingen>, verwacht <export>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, FileXML), []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := CheckExport(dir, FormatXML)
			var ee *ExportError
			if !errors.As(err, &ee) {
				t.Fatalf("CheckExport = %v", err)
			}
			var got []string
			for _, p := range ee.Problems {
				got = append(got, p.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}
