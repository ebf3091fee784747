package source

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/schakel/schakel/gateway/bsn"
	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

const (
	oinVO  = "00000001000000000001"
	oinPO  = "00000001000000000004"
	oinJGZ = "00000001000000000005"
)

var demoDate = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func date(s string) time.Time {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestAgeAt(t *testing.T) {
	tests := []struct {
		birth, now string
		want       int
	}{
		{"2014-11-23", "2026-11-22", 11},
		{"2014-11-23", "2026-11-23", 12},
		{"2014-11-23", "2026-11-24", 12},
		{"2010-12-31", "2026-01-01", 15},
		{"2010-01-01", "2026-12-31", 16},
		{"2012-02-29", "2026-02-28", 13}, // common year: not yet
		{"2012-02-29", "2026-03-01", 14},
		{"2012-02-29", "2028-02-28", 15}, // leap year: not yet
		{"2012-02-29", "2028-02-29", 16},
		{"2020-06-01", "2020-06-01", 0},
	}
	for _, tt := range tests {
		t.Run(tt.birth+" on "+tt.now, func(t *testing.T) {
			if got := AgeAt(date(tt.birth), date(tt.now).Add(13*time.Hour)); got != tt.want {
				t.Errorf("AgeAt = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestProject(t *testing.T) {
	full := &recordv1.Record{
		Identificatie: &recordv1.Identificatie{GivenName: "Bas"},
		Verzuim:       &recordv1.Verzuim{UnauthorisedHours_4W: 5},
		Diagnose:      &recordv1.Diagnose{Description: "ADHD"},
		Opp:           &recordv1.Opp{Goals: []string{"lezen"}},
	}
	tests := []struct {
		name       string
		rec        *recordv1.Record
		categories []string
		want       *recordv1.Record
	}{
		{"subset", full, []string{"identificatie", "verzuim"}, &recordv1.Record{Identificatie: full.Identificatie, Verzuim: full.Verzuim}},
		{"asked but absent", full, []string{"gezondheid", "opp"}, &recordv1.Record{Opp: full.Opp}},
		{"unknown names ignored", full, []string{"schoenmaat", "Diagnose", "diagnose"}, &recordv1.Record{Diagnose: full.Diagnose}},
		{"none", full, nil, &recordv1.Record{}},
		{"nil record", nil, []string{"verzuim"}, &recordv1.Record{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Project(tt.rec, tt.categories)
			if !proto.Equal(got, tt.want) {
				t.Fatalf("Project = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("deep copy", func(t *testing.T) {
		got := Project(full, []string{"opp"})
		got.Opp.Goals[0] = "changed"
		if full.Opp.Goals[0] != "lezen" {
			t.Fatal("Project shares memory with its input")
		}
	})
}

func TestDefaultFixtureChildren(t *testing.T) {
	kids, err := Children(DefaultFixture)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{
		"Sara de Vries": 4, "Bas de Vries": 7, "Tina de Vries": 13, "Lotte de Vries": 17,
		"Daan Jansen": 11, "Noor Bakker": 12, "Jesse Smit": 14, "Sem Mulder": 15, "Fleur Visser": 16,
	}
	if len(kids) != len(want) {
		t.Errorf("%d children, want %d", len(kids), len(want))
	}
	for _, k := range kids {
		age, ok := want[k.Name]
		if !ok {
			t.Errorf("unexpected child %q", k.Name)
			continue
		}
		if got := AgeAt(k.BirthDate, demoDate); got != age {
			t.Errorf("%s is %d on %s, want %d", k.Name, got, demoDate.Format(dateLayout), age)
		}
		if err := bsn.Valid(k.BSN); err != nil || !strings.HasPrefix(k.BSN, "99999") {
			t.Errorf("%s: BSN %s: %v (want a valid test-range BSN)", k.Name, k.BSN, err)
		}
	}
}

func TestFixtureRefused(t *testing.T) {
	const ok = "children:\n  - {given_name: Ada, family_name: Test, bsn: \"999990007\", birth_date: 2015-01-01, enrolled_at: [\"00000001000000000001\"]}\n"
	tests := []struct {
		name, fixture, want string
	}{
		{"invalid bsn", "children:\n  - {given_name: Ada, family_name: Test, bsn: \"999990008\", birth_date: 2015-01-01}\n", `"Ada Test": bsn: fails the 11-proef`},
		{"short bsn", "children:\n  - {given_name: Ada, family_name: Test, bsn: \"12345\", birth_date: 2015-01-01}\n", `"Ada Test": bsn: must be 9 digits`},
		{"bad date", "children:\n  - {given_name: Ada, family_name: Test, bsn: \"999990007\", birth_date: 1-1-2015}\n", "not YYYY-MM-DD"},
		{"bad oin", "children:\n  - {given_name: Ada, family_name: Test, bsn: \"999990007\", birth_date: 2015-01-01, enrolled_at: [\"123\"]}\n", "20 digits"},
		{"unknown key", "children:\n  - {given_name: Ada, family_name: Test, bsn: \"999990007\", birth_date: 2015-01-01, shoe: 31}\n", "shoe"},
		{"unknown category", ok[:len(ok)-2] + ", record: {schoenmaat: {}}}\n", `unknown category "schoenmaat"`},
		{"unknown field", ok[:len(ok)-2] + ", record: {verzuim: {uren: 3}}}\n", "record.verzuim"},
		{"derived category", ok[:len(ok)-2] + ", record: {bsn: {bsn: \"999990007\"}}}\n", "derived"},
		{"duplicate bsn", ok + "  - {given_name: Bea, family_name: Test, bsn: \"999990007\", birth_date: 2015-01-01}\n", `"Bea Test": bsn already used by "Ada Test"`},
		{"empty", "children: []\n", "no children"},
		{"gezag 3", ok[:len(ok)-2] + ", parents_with_gezag: 3}\n", `"Ada Test": parents_with_gezag must be 1 or 2, got 3`},
		{"gezag 0", ok[:len(ok)-2] + ", parents_with_gezag: 0}\n", "parents_with_gezag must be 1 or 2, got 0"},
		{"melding without ref", ok[:len(ok)-2] + ", verzuim_meldingen: [{school: \"00000001000000000001\"}]}\n", "verzuim_meldingen[0].ref is required"},
		{"melding bad school", ok[:len(ok)-2] + ", verzuim_meldingen: [{ref: M-1, school: \"1\"}]}\n", "verzuim_meldingen[0].school"},
		{"melding twice", ok[:len(ok)-2] + ", verzuim_meldingen: [{ref: M-1, school: \"00000001000000000001\"}, {ref: M-1, school: \"00000001000000000001\"}]}\n", `melding "M-1" of 00000001000000000001 is listed twice`},
		{"verzuim kind", ok[:len(ok)-2] + ", record: {verzuim: {periods: [{date: 2026-11-02, hours: 3, kind: ziek}]}}}\n", `record.verzuim.periods[0].kind "ziek" is not one of spijbelen`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OpenSQLite(filepath.Join(t.TempDir(), "s.db"), []byte(tt.fixture), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("OpenSQLite = %v, want error containing %q", err, tt.want)
			}
		})
	}
	if _, err := Children([]byte(ok)); err != nil {
		t.Fatalf("the valid base fixture is refused: %v", err)
	}
}

func childBSN(t *testing.T, name string) string {
	t.Helper()
	kids, err := Children(DefaultFixture)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kids {
		if k.Name == name {
			return k.BSN
		}
	}
	t.Fatalf("no child %q", name)
	return ""
}

func openDefault(t *testing.T) *SQLite {
	t.Helper()
	s, err := OpenSQLite(filepath.Join(t.TempDir(), "source.db"), DefaultFixture, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLiteFacts(t *testing.T) {
	s := openDefault(t)
	ctx := context.Background()
	tests := []struct {
		name, child, recipient string
		wantAge                int
		wantEnrolled, inzage   bool
	}{
		{"Daan enrolled at VO", "Daan Jansen", oinVO, 11, true, true},
		{"Daan also at PO", "Daan Jansen", oinPO, 11, true, true},
		{"Tina not at PO", "Tina de Vries", oinPO, 13, false, true},
		{"Sem no inzage", "Sem Mulder", oinVO, 15, true, false},
		{"Fleur 16 today", "Fleur Visser", oinJGZ, 16, false, true},
		{"Noor 12 today", "Noor Bakker", oinVO, 12, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := s.Facts(ctx, childBSN(t, tt.child), oinVO, tt.recipient)
			if err != nil {
				t.Fatal(err)
			}
			if !f.Found || AgeAt(f.BirthDate, demoDate) != tt.wantAge || f.EnrolledAtRecipient != tt.wantEnrolled || f.ParentsHadInzage != tt.inzage {
				t.Fatalf("facts = %+v (age %d)", f, AgeAt(f.BirthDate, demoDate))
			}
		})
	}
	t.Run("unknown child", func(t *testing.T) {
		if _, err := s.Facts(ctx, "999991073", oinVO, oinVO); !errors.Is(err, ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	})
	t.Run("invalid bsn", func(t *testing.T) {
		if _, err := s.Facts(ctx, "123", oinVO, oinVO); !errors.Is(err, bsn.ErrInvalid) {
			t.Fatalf("err = %v, want bsn.ErrInvalid", err)
		}
	})
}

func presentCategories(rec *recordv1.Record) []string {
	var out []string
	m := rec.ProtoReflect()
	for _, c := range Categories() {
		if m.Has(categoryField(c)) {
			out = append(out, c)
		}
	}
	return out
}

func TestSQLiteRecord(t *testing.T) {
	s := openDefault(t)
	ctx := context.Background()
	bas := childBSN(t, "Bas de Vries")
	tests := []struct {
		name       string
		categories []string
		want       []string
	}{
		{"flow A1", []string{"identificatie", "verzuim", "opp", "observaties"}, []string{"identificatie", "verzuim", "opp", "observaties"}},
		{"flow B2 never diagnose", []string{"identificatie", "jeugdhulp_beschikking"}, []string{"identificatie", "jeugdhulp_beschikking"}},
		{"absent and unknown ignored", []string{"advies", "schoenmaat", "verzuim"}, []string{"verzuim"}},
		{"bsn derived", []string{"bsn"}, []string{"bsn"}},
		{"nothing", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := s.Record(ctx, bas, tt.categories)
			if err != nil {
				t.Fatal(err)
			}
			if got := presentCategories(rec); !slices.Equal(got, tt.want) {
				t.Fatalf("categories = %v, want %v", got, tt.want)
			}
		})
	}
	rec, err := s.Record(ctx, bas, []string{"identificatie", "verzuim", "bsn"})
	if err != nil {
		t.Fatal(err)
	}
	if id := rec.GetIdentificatie(); id.GetGivenName() != "Bas" || id.GetFamilyName() != "de Vries" || id.GetBirthDate() != "2019-06-21" {
		t.Errorf("identificatie = %v", id)
	}
	if rec.GetBsn().GetBsn() != bas || rec.GetVerzuim().GetUnauthorisedHours_4W() != 5 || len(rec.GetVerzuim().GetPeriods()) != 2 {
		t.Errorf("record = %v", rec)
	}
	if _, err := s.Record(ctx, "999991073", []string{"verzuim"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown child: %v, want ErrNotFound", err)
	}
}

func TestSQLiteReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "source.db")
	s, err := OpenSQLite(path, DefaultFixture, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	// A non-empty database is used as it is: the other fixture is not loaded.
	other := "children:\n  - {given_name: Ada, family_name: Test, bsn: \"999991073\", birth_date: 2015-01-01}\n"
	s, err = OpenSQLite(path, []byte(other), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Facts(context.Background(), "999991073", oinVO, oinVO); !errors.Is(err, ErrNotFound) {
		t.Errorf("second fixture was loaded into a filled database: %v", err)
	}
	if _, err := s.Facts(context.Background(), childBSN(t, "Lotte de Vries"), oinVO, oinVO); err != nil {
		t.Errorf("data lost on reopen: %v", err)
	}
}

// The version-3 facts come from the holder's records: enrolment at the
// holder (not at the recipient), persons with gezag, the unauthorised hours
// of the verzuim record and the holder's own open meldingen.
func TestSQLiteFactsV3(t *testing.T) {
	s := openDefault(t)
	ctx := context.Background()
	tests := []struct {
		name, child, holder string
		atHolder            bool
		gezag               int
		hours               float64
		meldingen           []string
	}{
		{"Bas at his basisschool", "Bas de Vries", oinPO, true, 2, 5, nil},
		{"Bas not on the VO school's roll", "Bas de Vries", oinVO, false, 2, 5, nil},
		{"Tina with her school's open melding", "Tina de Vries", oinVO, true, 2, 18, []string{"M-2026-0042"}},
		{"Tina: the VO school's melding is not the basisschool's", "Tina de Vries", oinPO, false, 2, 18, nil},
		{"Noor: a closed melding is no fact", "Noor Bakker", oinVO, true, 2, 4, nil},
		{"Jesse: one person with gezag", "Jesse Smit", oinVO, true, 1, 0, nil},
		{"Sara: both parents with gezag", "Sara de Vries", oinPO, true, 2, 0, nil},
		{"Lotte at the VO school", "Lotte de Vries", oinVO, true, 2, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := s.Facts(ctx, childBSN(t, tt.child), tt.holder, oinJGZ)
			if err != nil {
				t.Fatal(err)
			}
			if f.EnrolledAtHolder != tt.atHolder || f.ParentsWithGezag != tt.gezag || f.UnauthorisedAbsenceHours4w != tt.hours ||
				!slices.Equal(f.OpenVerzuimMeldingen, tt.meldingen) {
				t.Fatalf("facts = %+v", f)
			}
		})
	}
}

// RULES.md "Verzuim": the source adapter puts only unauthorised periods in
// verzuim and no absence keeps its reason. Bas's school holds a tandarts
// visit (authorised) and reasons for his unauthorised hours; Tina's sick
// reports carry what her mother said.
func TestSQLiteRecordCutsAbsence(t *testing.T) {
	s := openDefault(t)
	ctx := context.Background()
	rec, err := s.Record(ctx, childBSN(t, "Bas de Vries"), []string{"verzuim"})
	if err != nil {
		t.Fatal(err)
	}
	v := rec.GetVerzuim()
	var dates []string
	for _, p := range v.GetPeriods() {
		dates = append(dates, p.GetDate()+" "+p.GetKind())
		if p.GetAuthorised() || p.GetReason() != "" {
			t.Errorf("period %v: authorised or with a reason", p)
		}
	}
	if !slices.Equal(dates, []string{"2026-10-27 te_laat", "2026-11-09 vermoedelijk_ongeoorloofd"}) || v.GetActions() == "" {
		t.Errorf("verzuim = %v, want the two unauthorised periods with their kind and the school's actions", v)
	}
	if b, _ := protojson.Marshal(v); strings.Contains(string(b), "tandarts") || strings.Contains(string(b), "2026-11-02") {
		t.Errorf("verzuim leaks the authorised tandarts visit: %s", b)
	}
	rec, err = s.Record(ctx, childBSN(t, "Tina de Vries"), []string{"ziekteverzuim"})
	if err != nil {
		t.Fatal(err)
	}
	if ps := rec.GetZiekteverzuim().GetPeriods(); len(ps) != 2 || ps[0].GetReason() != "" || ps[1].GetReason() != "" {
		t.Errorf("ziekteverzuim = %v, want two periods without a reason", rec.GetZiekteverzuim())
	}
}

// Whatever a source sends, Project (what leaves) cuts authorised periods and
// reasons, and leaves the original untouched.
func TestProjectCutsAbsence(t *testing.T) {
	in := &recordv1.Record{Verzuim: &recordv1.Verzuim{Periods: []*recordv1.AbsencePeriod{
		{Date: "2026-11-02", Hours: 3, Authorised: true, Reason: "tandarts"},
		{Date: "2026-11-03", Hours: 2, Kind: "spijbelen", Reason: "met vrienden naar de stad"},
	}}}
	out := Project(in, []string{"verzuim"})
	ps := out.GetVerzuim().GetPeriods()
	if len(ps) != 1 || ps[0].GetDate() != "2026-11-03" || ps[0].GetKind() != "spijbelen" || ps[0].GetReason() != "" {
		t.Fatalf("projected verzuim = %v", out.GetVerzuim())
	}
	if len(in.GetVerzuim().GetPeriods()) != 2 || in.GetVerzuim().GetPeriods()[0].GetReason() != "tandarts" {
		t.Errorf("Project changed its input: %v", in.GetVerzuim())
	}
}

// A source database made before gezag existed opens, and its children have
// two persons with gezag (never one presumed).
func TestSQLiteOldDatabaseOpens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE children (bsn TEXT PRIMARY KEY, given_name TEXT NOT NULL, family_name TEXT NOT NULL, birth_date TEXT NOT NULL, parents_had_inzage INTEGER NOT NULL DEFAULT 0)`,
		`CREATE TABLE enrolments (bsn TEXT NOT NULL REFERENCES children(bsn), oin TEXT NOT NULL, PRIMARY KEY (bsn, oin))`,
		`CREATE TABLE category_data (bsn TEXT NOT NULL REFERENCES children(bsn), category TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (bsn, category))`,
		`INSERT INTO children VALUES ('999991073', 'Ada', 'Test', '2015-01-01', 1)`,
		`INSERT INTO enrolments VALUES ('999991073', '` + oinVO + `')`,
		`INSERT INTO category_data VALUES ('999991073', 'verzuim', '{"unauthorisedHours4w":7}')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s, err := OpenSQLite(path, DefaultFixture, nil)
	if err != nil {
		t.Fatalf("old database refused: %v", err)
	}
	defer s.Close()
	f, err := s.Facts(context.Background(), "999991073", oinVO, oinJGZ)
	if err != nil {
		t.Fatal(err)
	}
	if !f.EnrolledAtHolder || f.ParentsWithGezag != 2 || f.UnauthorisedAbsenceHours4w != 7 || len(f.OpenVerzuimMeldingen) != 0 || f.Gemeente != "" {
		t.Errorf("facts of an old database = %+v", f)
	}
}
