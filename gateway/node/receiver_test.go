package node_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/internal/testnode"
	"github.com/schakel/schakel/policy"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
)

// permissiveDecider is a sender whose pack lets flow carry every category
// asked for (a certified gemeente running a pack where B2 carries
// diagnose).
type permissiveDecider struct{ flow string }

func (d permissiveDecider) Decide(_ context.Context, in policy.Input) (policy.Decision, error) {
	flow, basis := d.flow, "toestemming"
	out := policy.Decision{Allow: true, Flow: &flow, Basis: &basis, DecisionID: randomID(), PolicyRevision: "sha256:ruim", RetentionDays: 30,
		Categories: slices.Clone(in.Categories)}
	sort.Strings(out.Categories)
	return out, nil
}

// TestReceiverAppliesItsOwnPack: a gemeente whose pack lets B2 carry
// diagnose sends the school a B2 notification with a diagnosis. The
// school decides with its own pack (B2 never carries diagnose): refused
// CATEGORY_NOT_IN_FLOW, audited at the school with the category withheld,
// counted, not stored, not handed to the school's systems; the diagnosis
// is in no file of the school's data folder. The same notification
// without the diagnosis is received (control).
func TestReceiverAppliesItsOwnPack(t *testing.T) {
	f := testnode.New(t)
	school := f.Start(testnode.School, []testnode.Org{testnode.Gemeente}, nil) // the real default pack
	gemeente := f.Start(testnode.Gemeente, []testnode.Org{testnode.School}, func(_ *config.Config, o *node.Options) {
		o.Decider = permissiveDecider{flow: "B2"}
	})
	ctx := context.Background()
	lotte := testnode.Child(t, "Lotte")
	const diagnosis = "ADHD-diagnose gesteld door de kinderpsychiater"
	send := func(key string, withDiagnosis bool) {
		t.Helper()
		rec := &recordv1.Record{
			Identificatie:        &recordv1.Identificatie{GivenName: "Lotte", FamilyName: "de Vries"},
			JeugdhulpBeschikking: &recordv1.JeugdhulpBeschikking{Exists: true, Provider: "Jeugdzorg Twente"},
		}
		if withDiagnosis {
			rec.Diagnose = &recordv1.Diagnose{Description: diagnosis}
		}
		if _, err := gemeente.Local.SendNotification(ctx, &localv1.SendNotificationRequest{
			RecipientOin: school.Org.OIN, Purpose: "afstemming_ondersteuning", Flow: "B2", Bsn: lotte.BSN,
			Role: "wijkcoach", RecipientRole: "zorgcoordinator", IdempotencyKey: key, Record: rec,
		}); err != nil {
			t.Fatal(err)
		}
	}
	schoolRecords := func() []*localv1.InzageRecord {
		inz, err := school.Local.Inzage(ctx, &localv1.InzageRequest{Bsn: lotte.BSN, Requester: "jeugdige"})
		if err != nil {
			t.Fatal(err)
		}
		return inz.GetRecords()
	}
	send("b2-met-diagnose-0001", true)
	var refused *localv1.InzageRecord
	for deadline := time.Now().Add(20 * time.Second); refused == nil; {
		for _, r := range schoolRecords() {
			if slices.Contains(r.GetReasonCodes(), "CATEGORY_NOT_IN_FLOW") {
				refused = r
			}
		}
		if refused == nil && time.Now().After(deadline) {
			t.Fatal("the school has no audit record refusing the B2 notification with a diagnosis")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if refused.GetAllowed() || len(refused.GetCategoriesReleased()) != 0 || !slices.Contains(refused.GetCategoriesWithheld(), "diagnose:CATEGORY_NOT_IN_FLOW") {
		t.Fatalf("the school's record of the refused notification: %v", refused)
	}
	pulled, err := school.Local.PullNotifications(ctx, &localv1.PullNotificationsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pulled.GetNotifications()) != 0 {
		t.Fatalf("the refused notification was handed to the school's systems: %v", pulled.GetNotifications())
	}
	if got := counterValue(t, school.Node, "schakel_notify_refused_by_own_policy_total", nil); got != 1 {
		t.Fatalf("schakel_notify_refused_by_own_policy_total = %v, want 1", got)
	}
	files, _ := filepath.Glob(filepath.Join(school.Config.DataDir, "*"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, []byte(diagnosis)) {
			t.Fatalf("%s at the school holds the diagnosis", filepath.Base(p))
		}
	}

	// The control: without the diagnosis, B2 is one the school's pack lets
	// the flow carry, and it arrives.
	send("b2-zonder-diagnose-0001", false)
	for deadline := time.Now().Add(20 * time.Second); ; {
		pulled, err := school.Local.PullNotifications(ctx, &localv1.PullNotificationsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if n := pulled.GetNotifications(); len(n) == 1 {
			if n[0].GetRecord().GetDiagnose() != nil || n[0].GetFlow() != "B2" {
				t.Fatalf("received: %v", n[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the B2 notification without a diagnosis did not arrive")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
