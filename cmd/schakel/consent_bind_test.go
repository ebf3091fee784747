package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/internal/testnode"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// consentBindFixture starts a school (the holder) and a zorgaanbieder, and
// returns helpers to register a consent at the school and to ask for an A1
// release about a child.
func consentBindFixture(t *testing.T) (f *testnode.Federation, school *testnode.Node,
	register func(child string, cats ...string) string, ask func(child string, cats ...string) *exchangev1.Decision) {
	t.Helper()
	f = testnode.New(t)
	school = f.Start(testnode.School, []testnode.Org{testnode.Zorg}, nil)
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.School}, nil)
	ctx := context.Background()
	register = func(child string, cats ...string) string {
		t.Helper()
		now := time.Now()
		resp, err := school.Consent.RegisterConsent(ctx, &localv1.RegisterConsentRequest{Consent: &localv1.Consent{
			Bsn: testnode.Child(t, child).BSN, GivenBy: "jeugdige", Giver: strings.ToLower(child), RecipientOin: testnode.Zorg.OIN,
			Purpose: "afstemming_hulp_onderwijs", Categories: cats, GivenAt: timestamppb.New(now.Add(-time.Hour)),
			ValidUntil: timestamppb.New(now.AddDate(1, 0, 0)),
		}})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetConsent().GetId()
	}
	ask = func(child string, cats ...string) *exchangev1.Decision {
		t.Helper()
		resp, err := zorg.Local.RequestRecord(ctx, &localv1.RequestRecordRequest{
			HolderOin: school.Org.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: testnode.Child(t, child).BSN, Categories: cats,
			Role: "jeugdhulpverlener", Relation: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetDecision()
	}
	return f, school, register, ask
}

func consentsDB(t *testing.T, school *testnode.Node) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(school.Config.DataDir, "consents.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func execOne(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	res, err := db.Exec(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%s: %d rows", q, n)
	}
}

// TestConsentBindHonestPath: a consent registered through the local API
// releases A1, its withdrawal refuses it, and `audit verify --config`
// passes, checking consents.db against the log.
func TestConsentBindHonestPath(t *testing.T) {
	f, school, register, ask := consentBindFixture(t)
	id := register("Lotte", "verzuim")
	if d := ask("Lotte", "verzuim"); !d.GetAllow() {
		t.Fatalf("A1 on a registered consent: %v, want released", d)
	}
	if _, err := school.Consent.WithdrawConsent(context.Background(), &localv1.WithdrawConsentRequest{Id: id}); err != nil {
		t.Fatal(err)
	}
	if d := ask("Lotte", "verzuim"); d.GetAllow() {
		t.Fatalf("A1 after the withdrawal: %v, want refused", d)
	}
	school.Stop()
	code, out, errOut := runAuditCmd("verify", "--config", filepath.Join(f.Dir, "school", "node.yaml"))
	if code != 0 || !strings.Contains(out, "ok: ") || !strings.Contains(out, "consents: 1 in consents.db") || errOut != "" {
		t.Fatalf("verify after an honest registration and withdrawal: %d %q %q", code, out, errOut)
	}
}

// TestConsentBindTampering: someone with write access to consents.db
// inserts a consent that was never registered (pointing it at another
// consent's register record), widens a registered consent's categories,
// clears a withdrawal, and deletes a consent. None of the changed rows is
// used by the next decision (each logged by consent id and counted), and
// `audit verify --config` fails naming each consent and what is wrong.
func TestConsentBindTampering(t *testing.T) {
	f, school, register, ask := consentBindFixture(t)
	ctx := context.Background()
	db := consentsDB(t, school)

	// Lotte: registered and used, later withdrawn and the withdrawal cleared.
	lotte := register("Lotte", "verzuim")
	if d := ask("Lotte", "verzuim"); !d.GetAllow() {
		t.Fatalf("A1 on Lotte's registered consent: %v, want released", d)
	}
	var lotteIdx int64
	if err := db.QueryRow(`SELECT audit_idx FROM consents WHERE id = ?`, lotte).Scan(&lotteIdx); err != nil {
		t.Fatal(err)
	}

	// Fleur: registered for verzuim; observaties added in the table.
	// (Lotte and Fleur are 16 or older: their own consent counts alone,
	// without their parents; contract version 3 asks both parents for a younger child.)
	fleur := register("Fleur", "verzuim")
	if d := ask("Fleur", "observaties"); d.GetAllow() {
		t.Fatalf("A1 observaties on a consent for verzuim: %v, want refused", d)
	}
	execOne(t, db, `UPDATE consents SET categories = '["observaties","verzuim"]' WHERE id = ?`, fleur)
	if d := ask("Fleur", "observaties"); d.GetAllow() || slices.Contains(d.GetCategories(), "observaties") {
		t.Errorf("A1 observaties on a consent widened in consents.db: %v, want refused", d)
	}

	// Fleur again: a row inserted directly, Lotte's consent copied for Fleur and
	// observaties, pointing at Lotte's register record.
	const inserted = "c-00000000000000000000000000000bad"
	execOne(t, db, `INSERT INTO consents (id, bsn, given_by, recipient_oin, purpose, categories, given_at, valid_until, giver, audit_idx)
		SELECT ?, ?, given_by, recipient_oin, purpose, '["observaties"]', given_at, valid_until, 'ouder-fleur-1', audit_idx FROM consents WHERE id = ?`,
		inserted, testnode.Child(t, "Fleur").BSN, lotte)
	if d := ask("Fleur", "observaties"); d.GetAllow() {
		t.Errorf("A1 on a consent inserted into consents.db: %v, want refused", d)
	}

	// Lotte again: withdrawn through the API, the withdrawal cleared in the table.
	if _, err := school.Consent.WithdrawConsent(ctx, &localv1.WithdrawConsentRequest{Id: lotte}); err != nil {
		t.Fatal(err)
	}
	execOne(t, db, `UPDATE consents SET withdrawn_at = NULL WHERE id = ?`, lotte)
	if d := ask("Lotte", "verzuim"); d.GetAllow() {
		t.Errorf("A1 on a consent whose withdrawal was cleared in consents.db: %v, want refused", d)
	}

	// Tina: registered, then deleted from the table.
	tina := register("Tina", "verzuim")
	execOne(t, db, `DELETE FROM consents WHERE id = ?`, tina)

	// Each refused consent is logged by id (never the BSN) and counted.
	logs := f.Logs.String()
	for _, id := range []string{inserted, fleur, lotte} {
		if !strings.Contains(logs, `"consent_id":"`+id+`"`) {
			t.Errorf("no log line names the unused consent %s", id)
		}
	}
	if n := counter(t, school, "schakel_consents_unverified_total"); n < 3 {
		t.Errorf("schakel_consents_unverified_total = %v, want at least 3", n)
	}

	school.Stop()
	code, out, errOut := runAuditCmd("verify", "--config", filepath.Join(f.Dir, "school", "node.yaml"))
	if code != 1 || strings.Contains(out, "ok:") {
		t.Fatalf("verify after editing consents.db: %d %q %q, want a failure", code, out, errOut)
	}
	for id, want := range map[string]string{
		inserted: "in consents.db but no schakel.consent.register record",
		fleur:    "content differs from its schakel.consent.register record",
		lotte:    "withdrawn in the log",
		tina:     "not in consents.db (deleted?)",
	} {
		if !slices.ContainsFunc(strings.Split(errOut, "\n"), func(l string) bool {
			return strings.HasPrefix(l, "consent "+id+": ") && strings.Contains(l, want)
		}) {
			t.Errorf("verify does not report %q about %s:\n%s", want, id, errOut)
		}
	}

	// Clearing the withdrawal and pointing the row back at its register
	// record (what restoring an older consents.db does) fails verify too;
	// at decision time TestConsentBindRestoredBackup.
	db2 := consentsDB(t, school)
	execOne(t, db2, `UPDATE consents SET audit_idx = ? WHERE id = ?`, lotteIdx, lotte)
	if code, _, errOut := runAuditCmd("verify", "--config", filepath.Join(f.Dir, "school", "node.yaml")); code != 1 ||
		!strings.Contains(errOut, "consent "+lotte+": withdrawn in the log") {
		t.Errorf("verify after re-pointing the cleared withdrawal: %d %q", code, errOut)
	}
}

// counter reads a counter of the node's metrics registry.
func counter(t *testing.T, n *testnode.Node, name string) float64 {
	t.Helper()
	mfs, err := n.Node.Metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			var sum float64
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
			return sum
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// TestConsentBindRestoredBackup: an operator restores consents.db from a
// backup taken before a withdrawal. The restored row is the consent as it
// was registered, bound to its register record, which it matches; but the
// log has a later record of the consent (the withdrawal), so the next
// decision does not use it, and `audit verify --config` names it.
func TestConsentBindRestoredBackup(t *testing.T) {
	f, school, register, ask := consentBindFixture(t)
	db := consentsDB(t, school)
	lotte := register("Lotte", "verzuim")
	if d := ask("Lotte", "verzuim"); !d.GetAllow() {
		t.Fatalf("A1 on Lotte's registered consent: %v, want released", d)
	}
	backup := filepath.Join(t.TempDir(), "consents-backup.db")
	if _, err := db.Exec(`VACUUM INTO ?`, backup); err != nil {
		t.Fatal(err)
	}
	if _, err := school.Consent.WithdrawConsent(context.Background(), &localv1.WithdrawConsentRequest{Id: lotte}); err != nil {
		t.Fatal(err)
	}
	if d := ask("Lotte", "verzuim"); d.GetAllow() {
		t.Fatalf("A1 after the withdrawal: %v, want refused", d)
	}
	// The row as the backup has it (a whole-file restore does the same to it).
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{`ATTACH DATABASE '` + backup + `' AS backup`,
		`UPDATE consents SET withdrawn_at = b.withdrawn_at, audit_idx = b.audit_idx FROM backup.consents AS b WHERE consents.id = b.id`} {
		if _, err := conn.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var withdrawn sql.NullInt64
	if err := conn.QueryRowContext(context.Background(), `SELECT withdrawn_at FROM consents WHERE id = ?`, lotte).Scan(&withdrawn); err != nil || withdrawn.Valid {
		t.Fatalf("the restore did not undo the withdrawal (%v, %v)", withdrawn, err)
	}
	if d := ask("Lotte", "verzuim"); d.GetAllow() {
		t.Errorf("A1 on a consent whose withdrawal a restored backup undid: %v, want refused", d)
	}
	if !strings.Contains(f.Logs.String(), "latest record is") {
		t.Error("no log line says the consent's row is older than its latest record")
	}
	school.Stop()
	if code, _, errOut := runAuditCmd("verify", "--config", filepath.Join(f.Dir, "school", "node.yaml")); code != 1 ||
		!strings.Contains(errOut, "consent "+lotte+": withdrawn in the log") {
		t.Errorf("verify after restoring consents.db: %d %q", code, errOut)
	}
}
