package node_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/internal/testnode"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
)

// veiligThuis receives meldingen (flow G1).
var veiligThuis = testnode.Org{Key: "veiligthuis", OIN: "00000001000000000007", Name: "Veilig Thuis Twente", OrgType: "veilig_thuis"}

// TestInzageAsThePackDecides: on a real school node, the local API's inzage
// (the path the console and the CLI share) shows each requester only what
// the pack's inzage question allows: the parents of 14-year-old Jesse see
// the zorg and onderwijs records but not the school's melding bij Veilig
// Thuis (counted, not described); Jesse sees the zorg record only; a parent
// without gezag and the parents of 17-year-old Lotte see nothing. A
// professional's mark releases the melding for inzage, audited.
func TestInzageAsThePackDecides(t *testing.T) {
	f := testnode.New(t)
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg, testnode.Gemeente, veiligThuis}, nil)
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.School}, nil)
	gemeente := f.Start(testnode.Gemeente, []testnode.Org{testnode.School}, nil)
	jesse, lotte := testnode.Child(t, "Jesse"), testnode.Child(t, "Lotte")
	ctx := context.Background()

	// A zorg record (A1, refused: no relation declared), an onderwijs record
	// (C1, refused: no open melding) and a veiligheid record (G1, the
	// school's melding) about Jesse; a zorg record about Lotte.
	for _, c := range []struct {
		n   *testnode.Node
		req *localv1.RequestRecordRequest
	}{
		{zorg, &localv1.RequestRecordRequest{HolderOin: testnode.School.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: jesse.BSN, Categories: []string{"verzuim"}, Role: "jeugdhulpverlener"}},
		{gemeente, &localv1.RequestRecordRequest{HolderOin: testnode.School.OIN, Purpose: "handhaving_leerplicht", Bsn: jesse.BSN, Categories: []string{"verzuim"}, Role: "leerplichtambtenaar"}},
		{zorg, &localv1.RequestRecordRequest{HolderOin: testnode.School.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: lotte.BSN, Categories: []string{"verzuim"}, Role: "jeugdhulpverlener"}},
	} {
		if _, err := c.n.Local.RequestRecord(ctx, c.req); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := school.Local.SendNotification(ctx, &localv1.SendNotificationRequest{
		RecipientOin: veiligThuis.OIN, Purpose: "melding_huiselijk_geweld", Flow: "G1", Bsn: jesse.BSN, Role: "zorgcoordinator",
		IdempotencyKey: "inzage-g1-0001", Justification: "afweging meldcode: stap 5, melden",
		Record: &recordv1.Record{Identificatie: &recordv1.Identificatie{GivenName: "Jesse", FamilyName: "Smit"}},
	}); err != nil {
		t.Fatal(err)
	}

	ask := func(bsn, who string) *localv1.InzageResponse {
		t.Helper()
		resp, err := school.Local.Inzage(ctx, &localv1.InzageRequest{Bsn: bsn, Requester: who})
		if err != nil {
			t.Fatalf("inzage by %s: %v", who, err)
		}
		return resp
	}
	flows := func(r *localv1.InzageResponse) []string {
		var out []string
		for _, rec := range r.GetRecords() {
			out = append(out, rec.GetFlow())
		}
		slices.Sort(out)
		return out
	}
	check := func(name string, r *localv1.InzageResponse, allowed bool, want []string, heldBack uint32) {
		t.Helper()
		if r.GetAllowed() != allowed || !slices.Equal(flows(r), want) || r.GetHeldBack() != heldBack {
			t.Errorf("%s: allowed %v, flows %v, held back %d; want %v, %v, %d", name, r.GetAllowed(), flows(r), r.GetHeldBack(), allowed, want, heldBack)
		}
		if !allowed && r.GetRefusal() == "" {
			t.Errorf("%s: refused without a reason", name)
		}
	}
	check("parent of 14-year-old Jesse", ask(jesse.BSN, "ouder"), true, []string{"A1", "C1"}, 1)
	check("Jesse himself (14)", ask(jesse.BSN, "jeugdige"), true, []string{"A1"}, 2)
	check("a parent without gezag", ask(jesse.BSN, "ouder_zonder_gezag"), false, nil, 3)
	check("a parent of 17-year-old Lotte", ask(lotte.BSN, "ouder"), false, nil, 1)
	check("Lotte herself (17)", ask(lotte.BSN, "jeugdige"), true, []string{"A1"}, 0)

	// Who asks is required, and must be one of the three.
	for _, who := range []string{"", "buurman"} {
		if _, err := school.Local.Inzage(ctx, &localv1.InzageRequest{Bsn: jesse.BSN, Requester: who}); status.Code(err) != codes.InvalidArgument {
			t.Errorf("inzage with requester %q: %v, want InvalidArgument", who, err)
		}
	}

	// The school's professional marks the melding releasable once informing
	// is safe: the parents now see it, and the mark is on record.
	recs, err := school.Node.AuditRecords(ctx, jesse.BSN)
	if err != nil {
		t.Fatal(err)
	}
	var g1 uint64
	for _, r := range recs {
		if r.Record.Flow == "G1" {
			g1 = r.Index
		}
	}
	if _, err := school.Local.MarkInzageRecord(ctx, &localv1.MarkInzageRecordRequest{Bsn: lotte.BSN, Index: g1, Mark: audit.MarkReleasedForInzage}); status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("a mark naming another child's record: %v, want FailedPrecondition", err)
	}
	if _, err := school.Local.MarkInzageRecord(ctx, &localv1.MarkInzageRecordRequest{Bsn: jesse.BSN, Index: g1, Mark: "wissen"}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("an unknown mark: %v, want InvalidArgument", err)
	}
	if _, err := school.Local.MarkInzageRecord(ctx, &localv1.MarkInzageRecordRequest{Bsn: jesse.BSN, Index: g1, Mark: audit.MarkReleasedForInzage}); err != nil {
		t.Fatal(err)
	}
	check("parent of Jesse after the melding was released for inzage", ask(jesse.BSN, "ouder"), true, []string{"A1", "C1", "G1"}, 0)
	recs, err = school.Node.AuditRecords(ctx, jesse.BSN)
	if err != nil {
		t.Fatal(err)
	}
	var marks int
	for _, r := range recs {
		if r.Record.Name == audit.ActionInzageMark && strings.HasPrefix(r.Record.ForeignEntity, "local:") && r.Record.InzageMark == audit.FormatInzageMark(audit.MarkReleasedForInzage, g1) {
			marks++
		}
	}
	if marks != 1 {
		t.Errorf("%d mark records by the local client in the log, want 1", marks)
	}
}
