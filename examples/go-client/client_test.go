// Package goclient holds a Go client of the local API generated from
// docs/openapi.yaml by oapi-codegen (localapi/), as a dossier vendor would
// generate one, and the test that runs it against real nodes.
package goclient

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/schakel/schakel/examples/go-client/localapi"
	"github.com/schakel/schakel/internal/testnode"
)

func ptr[T any](v T) *T { return &v }

func client(t *testing.T, f *testnode.Federation, n *testnode.Node) *localapi.ClientWithResponses {
	t.Helper()
	hc := f.HTTPClient(n.Client.TLS)
	c, err := localapi.NewClientWithResponses("https://"+n.Node.LocalAddr, localapi.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// reason is the ErrorInfo reason and metadata.field of an error body, as a
// client of the generated types reads them.
func reason(st *localapi.GoogleRpcStatus) (string, string) {
	if st == nil || st.Details == nil {
		return "", ""
	}
	for _, d := range *st.Details {
		if d.Type != nil && *d.Type == "type.googleapis.com/google.rpc.ErrorInfo" {
			r, _ := d.AdditionalProperties["reason"].(string)
			md, _ := d.AdditionalProperties["metadata"].(map[string]any)
			f, _ := md["field"].(string)
			return r, f
		}
	}
	return "", ""
}

// TestGeneratedClient: the client that oapi-codegen generates from the
// committed docs/openapi.yaml talks to real nodes (mutual TLS, the JSON
// gateway): Jeugdzorg asks the school for flow A1 with a consent it attests
// and gets the released record; the school registers a parent's consent,
// Jeugdzorg's A1 request is released on it, the school withdraws it and the
// same request is refused (200, allow false); the inzage lists those
// decisions; a request without holder_oin is a 400 that names the field.
func TestGeneratedClient(t *testing.T) {
	f := testnode.New(t)
	// OBS De Esch, the basisschool of Sara and Bas; both children's parents
	// have gezag, so A1 needs both parents' consent.
	school := f.Start(testnode.Basisschool, []testnode.Org{testnode.Zorg}, nil)
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.Basisschool}, nil)
	sc, zc := client(t, f, school), client(t, f, zorg)
	ctx := context.Background()
	sara, bas := testnode.Child(t, "Sara"), testnode.Child(t, "Bas")
	hourAgo := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)

	a1 := func(bsn string, cats []string, attested ...localapi.SchakelLocalV1Consent) *localapi.SchakelLocalV1RequestRecordResponse {
		t.Helper()
		body := localapi.LocalServiceRequestRecordJSONRequestBody{
			HolderOin: testnode.Basisschool.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: bsn, Categories: cats,
			Role: ptr("jeugdhulpverlener"), Relation: ptr(true), Professional: ptr("medewerker-4711"),
		}
		if len(attested) > 0 {
			body.AttestedConsents = &attested
		}
		resp, err := zc.LocalServiceRequestRecordWithResponse(ctx, body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode() != http.StatusOK || resp.JSON200 == nil || resp.JSON200.Decision == nil {
			t.Fatalf("A1: HTTP %d %s", resp.StatusCode(), resp.Body)
		}
		return resp.JSON200
	}
	allowed := func(r *localapi.SchakelLocalV1RequestRecordResponse) bool {
		return r.Decision.Allow != nil && *r.Decision.Allow
	}

	// A1 on the consents Jeugdzorg attests (the school holds none for Sara):
	// both parents', each naming the school asked (holder_oin).
	if r := a1(sara.BSN, []string{"identificatie"}); allowed(r) {
		t.Fatalf("A1 without any consent was released: %s", *r.Decision.DecisionId)
	}
	attested := func(giver string) localapi.SchakelLocalV1Consent {
		return localapi.SchakelLocalV1Consent{
			Bsn: sara.BSN, GivenBy: "ouder", Giver: ptr(giver), RecipientOin: testnode.Zorg.OIN, HolderOin: ptr(testnode.Basisschool.OIN),
			Purpose: "afstemming_hulp_onderwijs", Categories: []string{"identificatie"}, GivenAt: &hourAgo,
		}
	}
	r := a1(sara.BSN, []string{"identificatie"}, attested("ouder-sara-1"), attested("ouder-sara-2"))
	if !allowed(r) || r.Record == nil || r.Record.Identificatie == nil || r.ReceiptIndex == nil {
		t.Fatalf("A1 on the attested consent: allow %v, record %+v", r.Decision.Allow, r.Record)
	}
	if r.Decision.ConsentsUsed == nil || len(*r.Decision.ConsentsUsed) == 0 {
		t.Fatal("A1 released without naming the attested consent it used")
	}

	// The school registers both parents' consents; A1 is released on them.
	var id string
	for _, giver := range []string{"ouder-bas-2", "ouder-bas-1"} {
		reg, err := sc.ConsentServiceRegisterConsentWithResponse(ctx, localapi.ConsentServiceRegisterConsentJSONRequestBody{
			Consent: localapi.SchakelLocalV1Consent{Bsn: bas.BSN, GivenBy: "ouder", Giver: ptr(giver), RecipientOin: testnode.Zorg.OIN,
				Purpose: "afstemming_hulp_onderwijs", Categories: []string{"identificatie", "verzuim"}, GivenAt: &hourAgo},
		})
		if err != nil {
			t.Fatal(err)
		}
		if reg.JSON200 == nil || reg.JSON200.Consent == nil || reg.JSON200.Consent.Id == nil || *reg.JSON200.Consent.Id == "" {
			t.Fatalf("RegisterConsent: HTTP %d %s", reg.StatusCode(), reg.Body)
		}
		id = *reg.JSON200.Consent.Id
	}
	if r := a1(bas.BSN, []string{"identificatie", "verzuim"}); !allowed(r) || r.Record == nil || r.Record.Verzuim == nil {
		t.Fatalf("A1 on the school's consent: %s", *r.Decision.DecisionId)
	}

	// One parent withdraws: the same request is refused, as a 200 with reasons.
	wd, err := sc.ConsentServiceWithdrawConsentWithResponse(ctx, id, localapi.ConsentServiceWithdrawConsentJSONRequestBody{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	if wd.JSON200 == nil || wd.JSON200.Consent == nil || wd.JSON200.Consent.WithdrawnAt == nil {
		t.Fatalf("WithdrawConsent: HTTP %d %s", wd.StatusCode(), wd.Body)
	}
	refused := a1(bas.BSN, []string{"identificatie", "verzuim"})
	if allowed(refused) || refused.Record != nil || refused.Decision.Reasons == nil || len(*refused.Decision.Reasons) == 0 {
		t.Fatalf("A1 after the withdrawal: allow %v, reasons %v", refused.Decision.Allow, refused.Decision.Reasons)
	}
	// Withdrawing it again: 400 CONSENT_ALREADY_WITHDRAWN, as documented.
	again, err := sc.ConsentServiceWithdrawConsentWithResponse(ctx, id, localapi.ConsentServiceWithdrawConsentJSONRequestBody{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	if why, _ := reason(again.JSON400); again.StatusCode() != http.StatusBadRequest || why != "CONSENT_ALREADY_WITHDRAWN" {
		t.Fatalf("second withdrawal: HTTP %d %s", again.StatusCode(), again.Body)
	}

	// The school's inzage for Bas: the released and the refused decision.
	inz, err := sc.LocalServiceInzageWithResponse(ctx, localapi.LocalServiceInzageJSONRequestBody{Bsn: bas.BSN, Requester: "ouder"})
	if err != nil {
		t.Fatal(err)
	}
	if inz.JSON200 == nil || inz.JSON200.Records == nil {
		t.Fatalf("Inzage: HTTP %d %s", inz.StatusCode(), inz.Body)
	}
	var decided []bool
	for _, rec := range *inz.JSON200.Records {
		if rec.Flow != nil && *rec.Flow == "A1" && rec.Side != nil && *rec.Side == "holder" && rec.RecipientOin != nil && *rec.RecipientOin == testnode.Zorg.OIN {
			decided = append(decided, rec.Allowed != nil && *rec.Allowed)
			if rec.Professional == nil || *rec.Professional != "medewerker-4711" {
				t.Errorf("inzage record without the professional: %+v", rec)
			}
		}
	}
	if !slices.Equal(decided, []bool{true, false}) {
		t.Fatalf("inzage A1 decisions for Bas (allowed?): %v, want [true false]\n%s", decided, inz.Body)
	}

	// A request without holder_oin: 400 INVALID_REQUEST naming the field
	// (not 403 UNKNOWN_PEER).
	bad, err := zc.LocalServiceRequestRecordWithResponse(ctx, localapi.LocalServiceRequestRecordJSONRequestBody{
		Purpose: "afstemming_hulp_onderwijs", Bsn: bas.BSN, Categories: []string{"verzuim"}})
	if err != nil {
		t.Fatal(err)
	}
	if why, field := reason(bad.JSON400); bad.StatusCode() != http.StatusBadRequest || why != "INVALID_REQUEST" || field != "holder_oin" {
		t.Fatalf("without holder_oin: HTTP %d reason %q field %q: %s", bad.StatusCode(), why, field, bad.Body)
	}
}
