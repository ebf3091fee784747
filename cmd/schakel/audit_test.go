package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	_ "modernc.org/sqlite"
)

const auditTestBSN = "111222333"

// auditFixture writes a small audit log, the organisation's public key and the
// pseudonym secret into a temporary directory.
func auditFixture(t *testing.T) (dir, db, pub, secretFile string) {
	t.Helper()
	dir = t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pub = filepath.Join(dir, "org.pub.pem")
	os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644)
	secret := []byte("0123456789abcdef0123456789abcdef")
	secretFile = filepath.Join(dir, "secret")
	os.WriteFile(secretFile, append(secret, '\n'), 0o600)
	db = filepath.Join(dir, "audit.db")
	st, err := audit.OpenSQLite(db, audit.Config{Origin: "schakel.audit/00000001000000000001"}, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := time.Now().Add(-72 * time.Hour)
	for i, allow := range []bool{true, false, true} {
		r := &audit.Record{Name: audit.ActionRequestDecide, StatusCode: 1, StartTime: start.Add(time.Duration(i) * time.Hour),
			EndTime: start.Add(time.Duration(i) * time.Hour), Side: "holder", DecisionID: "dec-" + string(rune('a'+i)), Allow: allow,
			Flow: "A1", Purpose: "zorgcoordinatie", Basis: "Jeugdwet 7.1.1.1", HolderOIN: "00000001000000000001",
			RecipientOIN: "00000001000000000002", RecipientRole: "jeugdhulpverlener",
			Subject: audit.Pseudonym(secret, auditTestBSN), CategoriesWithheld: []string{"category:ZORG"},
			PolicyRevision: "sha256:ab", RetentionDays: 365}
		if allow {
			r.CategoriesReleased, r.PayloadDigest = []string{"verzuim"}, "sha256:00"
		} else {
			r.ReasonCodes = []string{"consent.missing"}
		}
		if i == 2 {
			r.RetentionDays = 1 // expired: pruned below
			r.Subject = audit.Pseudonym(secret, "123456782")
		}
		if _, err := st.Append(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	return dir, db, pub, secretFile
}

func runAuditCmd(args ...string) (code int, out, errOut string) {
	var o, e bytes.Buffer
	code = runAudit(args, stdio{in: strings.NewReader(""), out: &o, err: &e})
	return code, o.String(), e.String()
}

func TestAuditCommand(t *testing.T) {
	dir, db, pub, secret := auditFixture(t)

	code, out, errOut := runAuditCmd("verify", "--store", db, "--pub", pub)
	if code != 0 || !strings.Contains(out, "ok: 3 records") {
		t.Fatalf("verify: %d %q %q", code, out, errOut)
	}

	code, out, errOut = runAuditCmd("inzage", "--store", db, "--bsn", auditTestBSN, "--secret-file", secret, "--requester", "ouder", "--birth-date", "2014-02-03")
	if code != 0 || !strings.Contains(out, "2 vastgelegde") || !strings.Contains(out, "toegestaan") ||
		!strings.Contains(out, "geweigerd") || !strings.Contains(out, "Niet gedeeld:      ZORG") || strings.Contains(out, auditTestBSN) {
		t.Fatalf("inzage text: %d %q %q", code, out, errOut)
	}
	code, out, _ = runAuditCmd("inzage", "--store", db, "--bsn", auditTestBSN, "--secret-file", secret, "--format", "json", "--requester", "ouder", "--birth-date", "2014-02-03")
	var rep struct{ Records []audit.InzageItem }
	items := &rep.Records
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || len(*items) != 2 || !(*items)[0].Allowed || (*items)[1].Allowed {
		t.Fatalf("inzage json: %d %q", code, out)
	}
	if code, _, _ := runAuditCmd("inzage", "--store", db, "--bsn", "111222334", "--secret-file", secret, "--requester", "ouder", "--birth-date", "2014-02-03"); code != 1 {
		t.Fatalf("invalid BSN accepted: %d", code)
	}

	exp := filepath.Join(dir, "export.jsonl")
	if code, _, errOut := runAuditCmd("export", "--store", db, "--out", exp); code != 0 {
		t.Fatalf("export: %s", errOut)
	}
	b, _ := os.ReadFile(exp)
	if n := bytes.Count(b, []byte("\n")); n != 3 || !bytes.Contains(b, []byte(`"dpl.core.data_subject_id_type":"BSN"`)) {
		t.Fatalf("export: %d lines\n%s", n, b)
	}

	if code, out, _ := runAuditCmd("receipts", "--store", db, "--format", "json"); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("receipts: %d %q", code, out)
	}

	if code, out, errOut := runAuditCmd("prune", "--store", db); code != 0 || !strings.Contains(out, "of 1 records") {
		t.Fatalf("prune: %d %q %q", code, out, errOut)
	}
	if code, out, errOut := runAuditCmd("verify", "--store", db, "--pub", pub); code != 0 || !strings.Contains(out, "(1 pruned)") {
		t.Fatalf("verify after prune: %d %q %q", code, out, errOut)
	}

	if code, _, _ := runAuditCmd("verify", "--store", filepath.Join(dir, "missing.db"), "--pub", pub); code != 1 {
		t.Fatal("verify of a missing store succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); err == nil {
		t.Fatal("verify created a store")
	}
	if code, _, _ := runAuditCmd("nonsense"); code != 2 {
		t.Fatal("unknown subcommand accepted")
	}
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	_, db, pub, _ := auditFixture(t)
	// Edit the file as an attacker with SQLite access would.
	st, err := audit.OpenSQLite(db, audit.Config{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if err := tamperSQLite(db, `UPDATE records SET body = replace(body, 'zorgcoordinatie', 'onderwijs') WHERE idx = 1`); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runAuditCmd("verify", "--store", db, "--pub", pub)
	if code != 1 || !strings.Contains(errOut, "record 1") {
		t.Fatalf("tampered log: %d %q", code, errOut)
	}
}

func tamperSQLite(path, query string) error {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(query)
	return err
}
