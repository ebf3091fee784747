package node_test

// Local API permissions (issue 15): local.clients maps client certificates
// to permissions; a call outside them is PermissionDenied; consent changes,
// consent listings and inzage are audited with the client's identity.

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/internal/testnode"
	"github.com/schakel/schakel/internal/testpki"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

func TestLocalClientPermissions(t *testing.T) {
	f := testnode.New(t)
	f.LocalCA = testpki.New(t)
	magister := f.LocalCA.Issue(t, "", "Magister koppeling")
	dossier := f.LocalCA.Issue(t, "", "Zorgdossier", testpki.DNSNames("zorgdossier.school.test"))
	stranger := f.LocalCA.Issue(t, "", "Onbekend systeem")
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg}, func(c *config.Config, _ *node.Options) {
		c.Local.Clients = []config.LocalClient{
			{Subject: "Magister koppeling", Permissions: []string{identity.PermRequest, identity.PermConsentsRead}},
			{SAN: "zorgdossier.school.test", Permissions: []string{identity.PermConsentsWrite, identity.PermConsentsRead, identity.PermInzage}},
		}
	})
	consents := func(c *testpki.Cert) localv1.ConsentServiceClient {
		return localv1.NewConsentServiceClient(f.Dial(school.Node.LocalAddr, c.TLS))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bas := testnode.Child(t, "Bas")
	consent := &localv1.Consent{
		Bsn: bas.BSN, GivenBy: "ouder", RecipientOin: testnode.Zorg.OIN, Purpose: "afstemming_hulp_onderwijs",
		Categories: []string{"verzuim"}, GivenAt: timestamppb.New(time.Now().Add(-time.Hour)),
	}

	// Without consents.write a consent cannot be registered, nor withdrawn.
	_, err := consents(magister).RegisterConsent(ctx, &localv1.RegisterConsentRequest{Consent: consent})
	if status.Code(err) != codes.PermissionDenied || !strings.Contains(err.Error(), "consents.write") {
		t.Fatalf("RegisterConsent without consents.write = %v, want PermissionDenied naming it", err)
	}
	list, err := consents(magister).ListConsents(ctx, &localv1.ListConsentsRequest{Bsn: bas.BSN})
	if err != nil || len(list.GetConsents()) != 0 {
		t.Fatalf("ListConsents with consents.read = %v, %v; want none registered", list, err)
	}
	if _, err := localv1.NewLocalServiceClient(f.Dial(school.Node.LocalAddr, magister.TLS)).Inzage(ctx, &localv1.InzageRequest{Bsn: bas.BSN, Requester: "ouder"}); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("Inzage without inzage = %v, want PermissionDenied", err)
	}
	// A certificate of the local CA that no rule names may do nothing.
	if _, err := localv1.NewPolicyServiceClient(f.Dial(school.Node.LocalAddr, stranger.TLS)).GetPolicyStatus(ctx, &localv1.GetPolicyStatusRequest{}); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("unconfigured local client = %v, want PermissionDenied", err)
	}

	// The dossier system (matched by SAN) registers, and reads the inzage.
	reg, err := consents(dossier).RegisterConsent(ctx, &localv1.RegisterConsentRequest{Consent: consent})
	if err != nil {
		t.Fatalf("RegisterConsent with consents.write: %v", err)
	}
	if _, err := consents(dossier).WithdrawConsent(ctx, &localv1.WithdrawConsentRequest{Id: reg.GetConsent().GetId()}); err != nil {
		t.Fatalf("WithdrawConsent: %v", err)
	}
	if _, err := localv1.NewLocalServiceClient(f.Dial(school.Node.LocalAddr, dossier.TLS)).Inzage(ctx, &localv1.InzageRequest{Bsn: bas.BSN, Requester: "ouder"}); err != nil {
		t.Fatalf("Inzage with inzage: %v", err)
	}

	// The audit log shows who did what about Bas.
	recs, err := school.Node.AuditRecords(ctx, bas.BSN)
	if err != nil {
		t.Fatal(err)
	}
	who := map[audit.Action][]string{}
	for _, r := range recs {
		who[r.Record.Name] = append(who[r.Record.Name], r.Record.ForeignEntity)
	}
	for action, client := range map[audit.Action]string{
		audit.ActionConsentList:     "local:subject=Magister koppeling serial=",
		audit.ActionConsentRegister: "local:san=zorgdossier.school.test serial=",
		audit.ActionConsentWithdraw: "local:san=zorgdossier.school.test serial=",
		audit.ActionInzageRead:      "local:san=zorgdossier.school.test serial=",
	} {
		if len(who[action]) != 1 || !strings.HasPrefix(who[action][0], client) {
			t.Errorf("audit log for %s: %v, want one record by %s…", action, who[action], client)
		}
	}
	// The refused registration changed nothing, so it left no record by Magister.
	for _, r := range recs {
		if r.Record.Name == audit.ActionConsentRegister && strings.Contains(r.Record.ForeignEntity, "Magister") {
			t.Errorf("refused call audited as a registration: %+v", r.Record)
		}
	}
}
