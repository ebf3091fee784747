package node_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/internal/testnode"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// TestConsentWithoutRecordNotUsed: a registration whose audit record could
// not be written (the store fails after the row is stored, as a crash
// between the two writes would leave it) is reported AUDIT_UNAVAILABLE, and
// the row it left in consents.db does not count: A1 is refused. The same
// registration with the log working releases.
func TestConsentWithoutRecordNotUsed(t *testing.T) {
	fa := &faultyAudit{}
	f := testnode.New(t)
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg}, withFaultyAudit(t, fa))
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.School}, nil)
	ctx := context.Background()
	lotte := testnode.Child(t, "Lotte") // 17 and the school's pupil: her own consent suffices
	register := func() error {
		now := time.Now()
		_, err := school.Consent.RegisterConsent(ctx, &localv1.RegisterConsentRequest{Consent: &localv1.Consent{
			Bsn: lotte.BSN, GivenBy: "jeugdige", Giver: "lotte", RecipientOin: testnode.Zorg.OIN, Purpose: "afstemming_hulp_onderwijs",
			Categories: []string{"verzuim"}, GivenAt: timestamppb.New(now.Add(-time.Hour)), ValidUntil: timestamppb.New(now.AddDate(1, 0, 0)),
		}})
		return err
	}
	ask := func() bool {
		t.Helper()
		resp, err := zorg.Local.RequestRecord(ctx, &localv1.RequestRecordRequest{
			HolderOin: school.Org.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: lotte.BSN, Categories: []string{"verzuim"},
			Role: "jeugdhulpverlener", Relation: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetDecision().GetAllow()
	}
	fa.set(errors.New("sqlite: disk I/O error"))
	if err := register(); status.Code(err) != codes.Unavailable {
		t.Fatalf("registration with the audit log failing: %v, want Unavailable", err)
	}
	fa.set(nil)
	list, err := school.Consent.ListConsents(ctx, &localv1.ListConsentsRequest{Bsn: lotte.BSN})
	if err != nil || len(list.GetConsents()) != 1 {
		t.Fatalf("the row the failed registration left: %v, %v", list.GetConsents(), err)
	}
	if ask() {
		t.Fatal("A1 on a consent whose register record was never written: released, want refused")
	}
	if err := register(); err != nil {
		t.Fatal(err)
	}
	if !ask() {
		t.Fatal("A1 on a consent registered with the log working: refused, want released")
	}
}
