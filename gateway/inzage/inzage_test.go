package inzage_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/inzage"
	"github.com/schakel/schakel/policy"
)

func engine(t *testing.T) *policy.Engine {
	t.Helper()
	p, err := policy.LoadPack(policy.DefaultPack())
	if err != nil {
		t.Fatal(err)
	}
	e, err := policy.NewEngine(p)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// log is one node's records about a child: a school's A1 release (zorg), a
// C1 notification to leerplicht (onderwijs), a G1 melding bij Veilig Thuis
// (veiligheid), and a consent registration by the school's own system
// (access, never part of an inzage).
func log() []audit.Stored {
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	rec := func(idx uint64, name audit.Action, flow string) audit.Stored {
		return audit.Stored{Index: idx, Record: audit.Record{Name: name, Flow: flow, Allow: true, StartTime: at.Add(time.Duration(idx) * time.Hour),
			CategoriesReleased: []string{"identificatie"}}}
	}
	return []audit.Stored{
		rec(3, audit.ActionConsentRegister, ""),
		rec(4, audit.ActionRequestDecide, "A1"),
		rec(7, audit.ActionNotifyDecide, "C1"),
		rec(9, audit.ActionNotifyDecide, "G1"),
	}
}

func mark(idx uint64, m string, target uint64) audit.Stored {
	return audit.Stored{Index: idx, Record: audit.Record{Name: audit.ActionInzageMark, Allow: true, InzageMark: audit.FormatInzageMark(m, target)}}
}

func flows(v inzage.View) []string {
	var out []string
	for _, r := range v.Shown {
		out = append(out, r.Record.Flow)
	}
	return out
}

var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func TestDecideAsTheLawSays(t *testing.T) {
	e := engine(t)
	for _, tc := range []struct {
		name     string
		who      inzage.Requester
		age      int
		recs     []audit.Stored
		allow    bool
		shown    []string
		heldBack int
	}{
		{"parent of a 17-year-old sees nothing", inzage.OuderMetGezag, 17, log(), false, nil, 3},
		{"parent without gezag sees nothing", inzage.OuderZonderGezag, 10, log(), false, nil, 3},
		{"parent of a 14-year-old: the G1 melding is held back", inzage.OuderMetGezag, 14, log(), true, []string{"A1", "C1"}, 1},
		{"the 14-year-old sees the zorg records only", inzage.Jeugdige, 14, log(), true, []string{"A1"}, 2},
		{"a child under 12 sees nothing", inzage.Jeugdige, 11, log(), false, nil, 3},
		{"the 17-year-old sees everything but the unreleased melding", inzage.Jeugdige, 17, log(), true, []string{"A1", "C1"}, 1},
		{"a G1 record marked releasable is shown to the parent", inzage.OuderMetGezag, 9,
			append(log(), mark(10, audit.MarkReleasedForInzage, 9)), true, []string{"A1", "C1", "G1"}, 0},
		{"a zorg record the professional withholds is not shown to the parent", inzage.OuderMetGezag, 9,
			append(log(), mark(10, audit.MarkWithholdFromParents, 4)), true, []string{"C1"}, 2},
		{"... but to the young person of 16", inzage.Jeugdige, 16,
			append(log(), mark(10, audit.MarkWithholdFromParents, 4)), true, []string{"A1", "C1"}, 1},
		{"a later mark shows it to the parent again", inzage.OuderMetGezag, 9,
			append(log(), mark(10, audit.MarkWithholdFromParents, 4), mark(11, audit.MarkShowToParents, 4)), true, []string{"A1", "C1"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := inzage.Decide(context.Background(), e, tc.who, tc.age, tc.recs, now)
			if err != nil {
				t.Fatal(err)
			}
			if v.Allow != tc.allow || !slices.Equal(flows(v), tc.shown) || v.HeldBack != tc.heldBack {
				t.Fatalf("allow %v, shown %v, held back %d; want %v, %v, %d", v.Allow, flows(v), v.HeldBack, tc.allow, tc.shown, tc.heldBack)
			}
			sc := v.Scope()
			if !tc.allow && (sc.Refusal == "" || strings.Contains(sc.Refusal, "INZAGE_")) {
				t.Errorf("refusal %q: want a Dutch sentence without a code", sc.Refusal)
			}
			if tc.allow && sc.Refusal != "" {
				t.Errorf("refusal %q on an allowed inzage", sc.Refusal)
			}
		})
	}
}

// TestReportCountsWithoutDetail: the parent's report says how many records
// are not shown and nothing about them.
func TestReportCountsWithoutDetail(t *testing.T) {
	v, err := inzage.Decide(context.Background(), engine(t), inzage.OuderMetGezag, 14, log(), now)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	audit.WriteInzageReportText(&b, v.Shown, audit.InzageTexts{}, v.Scope())
	out := b.String()
	for _, want := range []string{"Deze inzage is gevraagd door een ouder met gezag.", "1 gegevensverwerking wordt niet getoond.", "afspraak A1", "afspraak C1"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	for _, not := range []string{"G1", "melding_huiselijk_geweld", "veilig"} {
		if strings.Contains(out, not) {
			t.Errorf("report betrays the held-back record (%q):\n%s", not, out)
		}
	}
	v, err = inzage.Decide(context.Background(), engine(t), inzage.OuderMetGezag, 17, log(), now)
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	audit.WriteInzageReportText(&b, v.Shown, audit.InzageTexts{}, v.Scope())
	if out := b.String(); !strings.Contains(out, "geen inzage") || strings.Contains(out, "afspraak") {
		t.Errorf("report for the parent of a 17-year-old:\n%s", out)
	}
}

// TestMarkRecord: a mark must name one of the child's own records.
func TestMarkRecord(t *testing.T) {
	recs := log()
	if _, err := inzage.MarkRecord(recs, 9, audit.MarkReleasedForInzage); err != nil {
		t.Fatalf("mark on the G1 record: %v", err)
	}
	if _, err := inzage.MarkRecord(recs, 5, audit.MarkReleasedForInzage); err == nil {
		t.Fatal("a mark on a record of another child (or none) was accepted")
	}
	if _, err := inzage.MarkRecord(recs, 3, audit.MarkWithholdFromParents); err == nil {
		t.Fatal("a mark on an access record was accepted")
	}
	if _, err := inzage.MarkRecord(recs, 4, "delete"); err == nil {
		t.Fatal("an unknown mark was accepted")
	}
}

func TestParseRequester(t *testing.T) {
	for _, v := range inzage.RequesterValues {
		if _, err := inzage.ParseRequester(v); err != nil {
			t.Errorf("%s: %v", v, err)
		}
	}
	if _, err := inzage.ParseRequester("buurman"); err == nil {
		t.Error("an unknown requester was accepted")
	}
}
