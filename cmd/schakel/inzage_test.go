package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/internal/testnode"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// TestInzageLocalAPIMatchesCLI: the local API's Inzage (through the real gRPC
// client over mutual TLS) returns the same records as
// `schakel audit inzage --config F --format json`, on the holder and on the
// recipient, and only the named child's records.
func TestInzageLocalAPIMatchesCLI(t *testing.T) {
	f := testnode.New(t)
	school := f.Start(testnode.School, []testnode.Org{testnode.Gemeente}, nil)
	gemeente := f.Start(testnode.Gemeente, []testnode.Org{testnode.School}, nil)
	tina, lotte := testnode.Child(t, "Tina"), testnode.Child(t, "Lotte")
	ctx := context.Background()

	// One release (flow C1, a legal duty) and one denial (no consent) about Tina,
	// one release about Lotte.
	var tinaDecisions []string
	for _, r := range []*localv1.RequestRecordRequest{
		// Leerplicht asks within the onderzoek of the school's open melding.
		{HolderOin: school.Org.OIN, Purpose: "handhaving_leerplicht", Bsn: tina.BSN, Categories: []string{"identificatie", "verzuim"}, Role: "leerplichtambtenaar",
			CaseReference: "M-2026-0042"},
		{HolderOin: school.Org.OIN, Purpose: "afstemming_ondersteuning", Bsn: tina.BSN, Categories: []string{"observaties"}, Role: "wijkcoach"},
		{HolderOin: school.Org.OIN, Purpose: "handhaving_leerplicht", Bsn: lotte.BSN, Categories: []string{"verzuim"}, Role: "leerplichtambtenaar"},
	} {
		resp, err := gemeente.Local.RequestRecord(ctx, r)
		if err != nil {
			t.Fatalf("RequestRecord %s: %v", r.GetPurpose(), err)
		}
		if r.GetBsn() == tina.BSN {
			tinaDecisions = append(tinaDecisions, resp.GetDecision().GetDecisionId())
		}
	}

	for _, n := range []*testnode.Node{school, gemeente} {
		got, err := n.Local.Inzage(ctx, &localv1.InzageRequest{Bsn: tina.BSN, Requester: "ouder"})
		if err != nil {
			t.Fatalf("%s: Inzage: %v", n.Org.Key, err)
		}
		code, out, errOut := runAuditCmd("inzage", "--config", n.Config.Path, "--bsn", tina.BSN, "--format", "json",
			"--requester", "ouder", "--birth-date", tina.BirthDate.Format(time.DateOnly))
		if code != 0 {
			t.Fatalf("%s: schakel audit inzage: exit %d: %s", n.Org.Key, code, errOut)
		}
		var rep struct{ Records []audit.InzageItem }
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%s: inzage json: %v", n.Org.Key, err)
		}
		want := rep.Records
		if len(want) != len(tinaDecisions) {
			t.Fatalf("%s: CLI lists %d records about Tina, want %d (one per decision)", n.Org.Key, len(want), len(tinaDecisions))
		}
		if len(got.GetRecords()) != len(want) {
			t.Fatalf("%s: Inzage returned %d records, CLI %d", n.Org.Key, len(got.GetRecords()), len(want))
		}
		for i, w := range want {
			g := got.GetRecords()[i]
			gi := audit.InzageItem{Index: g.GetIndex(), Time: g.GetTime().AsTime(), Action: g.GetAction(), Side: g.GetSide(),
				HolderOIN: g.GetHolderOin(), RecipientOIN: g.GetRecipientOin(), RecipientRole: g.GetRecipientRole(),
				Flow: g.GetFlow(), Purpose: g.GetPurpose(), Basis: g.GetBasis(), Allowed: g.GetAllowed(),
				CategoriesReleased: g.GetCategoriesReleased(), CategoriesWithheld: g.GetCategoriesWithheld(),
				ReasonCodes: g.GetReasonCodes(), ConsentsUsed: g.GetConsentsUsed(), DecisionID: g.GetDecisionId(),
				CaseReference: g.GetCaseReference(), Professional: g.GetProfessional()}
			gj, _ := json.Marshal(normalize(gi))
			wj, _ := json.Marshal(normalize(w))
			if string(gj) != string(wj) {
				t.Errorf("%s: record %d differs:\n Inzage %s\n CLI    %s", n.Org.Key, i, gj, wj)
			}
			if g.GetDecisionId() != tinaDecisions[i] {
				t.Errorf("%s: record %d has decision %s, want %s", n.Org.Key, i, g.GetDecisionId(), tinaDecisions[i])
			}
		}
		if r := got.GetRecords(); len(r) == 2 && (!r[0].GetAllowed() || r[1].GetAllowed() || len(r[0].GetCategoriesReleased()) == 0) {
			t.Errorf("%s: want a release then a denial: %v", n.Org.Key, r)
		}
	}

	// A child without records gets an empty list; a malformed BSN is refused.
	empty, err := school.Local.Inzage(ctx, &localv1.InzageRequest{Bsn: testnode.Child(t, "Sara").BSN, Requester: "ouder"})
	if err != nil || len(empty.GetRecords()) != 0 {
		t.Errorf("Inzage for a child without records = %v, %v", empty.GetRecords(), err)
	}
	if _, err := school.Local.Inzage(ctx, &localv1.InzageRequest{Bsn: "123456789"}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("Inzage with a BSN failing the 11-proef: %v, want InvalidArgument", err)
	}
}

// normalize makes times and empty lists comparable across JSON and protobuf
// (protobuf has no nil/empty distinction).
func normalize(it audit.InzageItem) audit.InzageItem {
	it.Time = it.Time.UTC()
	for _, l := range []*[]string{&it.CategoriesReleased, &it.CategoriesWithheld, &it.ReasonCodes, &it.ConsentsUsed} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	return it
}
