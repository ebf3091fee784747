package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/schakel/schakel/gateway/consent"
	"github.com/schakel/schakel/internal/sqlitedb"
	"github.com/schakel/schakel/internal/testnode"
)

// TestVersionStoreSchemas: `schakel version` names each SQLite store with
// a digest of its tables and columns (the stores carry no version number),
// and with --config says per store whether the node's file is the same,
// older (an upgrade: this binary adds the missing columns when it opens
// it, after which it is the same), made by a newer release ("other", exit
// 1, the unknown column named) or absent.
func TestVersionStoreSchemas(t *testing.T) {
	version := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(append([]string{"version"}, args...), stdio{in: strings.NewReader(""), out: &out, err: &errb})
		return code, out.String(), errb.String()
	}
	code, out, errs := version()
	if code != 0 {
		t.Fatalf("version: exit %d: %s", code, errs)
	}
	for _, store := range []string{"audit", "consents", "notify"} {
		if !regexp.MustCompile(`(?m)^  ` + store + ` +\S+\.db +[0-9a-f]{12}  \d+ tables$`).MatchString(out) {
			t.Errorf("version output lacks the %s store's schema line:\n%s", store, out)
		}
	}
	code, out, _ = version("--json")
	var v versionInfo
	if err := json.Unmarshal([]byte(out), &v); code != 0 || err != nil {
		t.Fatalf("version --json: exit %d, %v", code, err)
	}
	tables := map[string]string{}
	for _, s := range v.StoreSchemas {
		tables[s.Store] = strings.Join(s.Tables, "\n")
	}
	for store, want := range map[string]string{"audit": "witness(", "consents": "audit_idx integer", "notify": "outbox("} {
		if !strings.Contains(tables[store], want) {
			t.Errorf("the %s store's schema lacks %q:\n%s", store, want, tables[store])
		}
	}

	f := testnode.New(t)
	prep := f.Prepare(testnode.School, "", nil, testnode.PrepareOptions{})
	data := filepath.Join(prep.Dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	consents := filepath.Join(data, "consents.db")
	st, err := consent.OpenSQLite(consents, anyVocabulary{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	alter := func(stmt string) {
		t.Helper()
		db, err := sqlitedb.Open(consents, sqlitedb.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	// A consents.db of the release before consents were bound to the audit log.
	alter(`ALTER TABLE consents DROP COLUMN audit_idx`)
	code, out, errs = version("--config", prep.ConfigPath)
	if code != 0 || !strings.Contains(out, "consents.db") || !regexp.MustCompile(`consents +consents\.db +[0-9a-f]{12}  \d+ tables  node: older\n    added at start: consents\.audit_idx integer\n`).MatchString(out) {
		t.Errorf("an older consents.db: exit %d, want 0 and older with audit_idx named:\n%s%s", code, out, errs)
	}
	if !regexp.MustCompile(`audit +audit\.db .* node: absent`).MatchString(out) {
		t.Errorf("no audit.db yet: want absent:\n%s", out)
	}
	// Opening it as the node does adds the column: the same schema.
	st, err = consent.OpenSQLite(consents, anyVocabulary{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if code, out, _ = version("--config", prep.ConfigPath); code != 0 || !regexp.MustCompile(`consents +consents\.db .* node: same\n`).MatchString(out) {
		t.Errorf("after the node opened it: exit %d, want same:\n%s", code, out)
	}
	// A consents.db a newer release made: refused for this binary.
	alter(`ALTER TABLE consents ADD COLUMN toekomst TEXT`)
	code, out, errs = version("--config", prep.ConfigPath)
	if code != 1 || !strings.Contains(out, "node: other") || !strings.Contains(out, "unknown to this binary: consents.toekomst text") || !strings.Contains(errs, "newer release") {
		t.Errorf("a newer consents.db: exit %d, want 1 naming the unknown column:\n%s%s", code, out, errs)
	}
}
