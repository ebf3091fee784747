package main

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/internal/testnode"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// TestAuditVerifyConsentChanges: a consent registered and withdrawn through
// the local API is in the tamper-evident log with the local client's
// identity, and `audit verify` passes; once the stored registration record
// is edited (another client named as the one who registered it), verify
// fails naming that record.
func TestAuditVerifyConsentChanges(t *testing.T) {
	ctx := context.Background()
	f := testnode.New(t)
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg}, nil)
	bas := testnode.Child(t, "Bas")
	// A listing about another child first, so that the registration is not
	// the log's first record.
	if _, err := school.Consent.ListConsents(ctx, &localv1.ListConsentsRequest{Bsn: testnode.Child(t, "Tina").BSN}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	reg, err := school.Consent.RegisterConsent(ctx, &localv1.RegisterConsentRequest{Consent: &localv1.Consent{
		Bsn: bas.BSN, GivenBy: "ouder", Giver: "ouder-bas-1", RecipientOin: testnode.Zorg.OIN, Purpose: "afstemming_hulp_onderwijs",
		Categories: []string{"verzuim"}, GivenAt: timestamppb.New(now.Add(-time.Hour)), ValidUntil: timestamppb.New(now.AddDate(1, 0, 0)),
	}})
	if err != nil {
		t.Fatal(err)
	}
	id := reg.GetConsent().GetId()
	if _, err := school.Consent.WithdrawConsent(ctx, &localv1.WithdrawConsentRequest{Id: id}); err != nil {
		t.Fatal(err)
	}
	school.Stop()
	cfgPath := filepath.Join(f.Dir, "school", "node.yaml")
	code, out, errOut := runAuditCmd("verify", "--config", cfgPath)
	if code != 0 || !strings.Contains(out, "ok: ") {
		t.Fatalf("verify after a consent change: %d %q %q", code, out, errOut)
	}

	// The records of the child: the registration and the withdrawal, each
	// naming the consent, its purpose and recipient, and the client.
	client := audit.LocalEntity(fmt.Sprintf("subject=%s serial=%x", school.Client.X509.Subject.CommonName, school.Client.X509.SerialNumber))
	consentRecords := func() map[audit.Action]audit.Stored {
		t.Helper()
		secret, err := audit.LoadSecret(school.Config.Audit.SecretFile)
		if err != nil {
			t.Fatal(err)
		}
		st, err := audit.OpenSQLite(school.Config.Audit.Store, audit.Config{}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		recs, err := st.BySubject(ctx, audit.Pseudonym(secret, bas.BSN))
		if err != nil {
			t.Fatal(err)
		}
		got := map[audit.Action]audit.Stored{}
		for _, r := range recs {
			got[r.Record.Name] = r
		}
		return got
	}
	recs := consentRecords()
	for _, action := range []audit.Action{audit.ActionConsentRegister, audit.ActionConsentWithdraw} {
		r, ok := recs[action]
		if !ok {
			t.Fatalf("no %s record about Bas: %+v", action, recs)
		}
		if r.Record.ForeignEntity != client || !r.Record.Allow || r.Record.Purpose != "afstemming_hulp_onderwijs" ||
			r.Record.RecipientOIN != testnode.Zorg.OIN || len(r.Record.ConsentsUsed) != 1 || r.Record.ConsentsUsed[0] != id {
			t.Errorf("%s record: %+v, want client %q, consent %s, purpose and recipient", action, r.Record, client, id)
		}
	}

	// Someone with write access to the database names another client as
	// the one who registered the consent.
	idx := recs[audit.ActionConsentRegister].Index
	if idx == 0 {
		t.Fatal("the registration is the log's first record; the test wants another one before it")
	}
	db, err := sql.Open("sqlite", school.Config.Audit.Store)
	if err != nil {
		t.Fatal(err)
	}
	const forged = "local:subject=Onbekend systeem serial=01"
	res, err := db.Exec(`UPDATE records SET body = replace(body, ?, ?) WHERE idx = ?`, client, forged, idx)
	if err != nil {
		t.Fatal(err)
	}
	var took bool
	if err := db.QueryRow(`SELECT instr(CAST(body AS TEXT), ?) > 0 FROM records WHERE idx = ?`, forged, idx).Scan(&took); err != nil || !took {
		t.Fatalf("the edit did not take (%v): %v", res, err)
	}
	db.Close()
	code, out, errOut = runAuditCmd("verify", "--config", cfgPath)
	if code != 1 || strings.Contains(out, "ok:") || !strings.Contains(errOut, fmt.Sprintf("record %d:", idx)) {
		t.Fatalf("verify after editing the registration record %d: %d %q %q, want a failure naming it", idx, code, out, errOut)
	}
}
