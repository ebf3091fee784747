package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/consent"
	"github.com/schakel/schakel/gateway/notify"
	"github.com/schakel/schakel/internal/sqlitedb"
)

// The node's SQLite stores carry no schema version number: each creates
// its tables if missing and adds the columns a newer release introduced
// (ALTER TABLE … ADD COLUMN) when it opens. What a release's stores look
// like is therefore stated as their tables and columns, and a short digest
// of them: `schakel version` prints the digest this binary creates, and with
// --config compares the node's existing stores to it.

// storeSchema is one store's tables and columns.
type storeSchema struct {
	Store  string   `json:"store"`           // "audit", "consents", "notify"
	File   string   `json:"file"`            // file name in data_dir
	Digest string   `json:"digest"`          // first 12 hex digits of SHA-256 over Tables
	Tables []string `json:"tables"`          // "name(col type, …)", sorted
	State  string   `json:"state,omitempty"` // with --config: same, older, absent, other
	Extra  []string `json:"differences,omitempty"`
}

// readSchema describes the tables of an SQLite database.
func readSchema(db *sql.DB) ([]string, error) {
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []string
	for _, n := range names {
		cr, err := db.Query(`SELECT name, type FROM pragma_table_info(?) ORDER BY cid`, n)
		if err != nil {
			return nil, err
		}
		var cols []string
		for cr.Next() {
			var c, typ string
			if err := cr.Scan(&c, &typ); err != nil {
				cr.Close()
				return nil, err
			}
			cols = append(cols, strings.TrimSpace(c+" "+strings.ToLower(typ)))
		}
		cr.Close()
		if err := cr.Err(); err != nil {
			return nil, err
		}
		sort.Strings(cols) // a column added by a migration lands last; the order does not matter
		out = append(out, n+"("+strings.Join(cols, ", ")+")")
	}
	return out, nil
}

func schemaDigest(tables []string) string {
	h := sha256.Sum256([]byte(strings.Join(tables, "\n")))
	return hex.EncodeToString(h[:6])
}

// readStoreSchema opens an existing store read-only and describes it.
func readStoreSchema(path string) ([]string, error) {
	db, err := sqlitedb.Open(path, sqlitedb.Options{ReadOnly: true, MaxConns: 1})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return readSchema(db)
}

type anyVocabulary struct{}

func (anyVocabulary) KnownPurpose(string) bool  { return true }
func (anyVocabulary) KnownCategory(string) bool { return true }

// binarySchemas creates each store as this binary does, in a temporary
// folder, and describes it.
func binarySchemas() ([]storeSchema, error) {
	dir, err := os.MkdirTemp("", "schakel-schema-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	stores := []struct {
		name, file string
		create     func(path string) error
	}{
		{"audit", "audit.db", func(p string) error {
			st, err := audit.OpenSQLite(p, audit.Config{}, nil, log)
			if err != nil {
				return err
			}
			defer st.Close()
			_, err = audit.OpenWitness(context.Background(), st)
			return err
		}},
		{"consents", "consents.db", func(p string) error {
			st, err := consent.OpenSQLite(p, anyVocabulary{}, log)
			if err != nil {
				return err
			}
			return st.Close()
		}},
		{"notify", filepath.Base(notify.DBPath(dir)), func(p string) error {
			st, err := notify.OpenSQLite(p, log)
			if err != nil {
				return err
			}
			return st.Close()
		}},
	}
	var out []storeSchema
	for _, s := range stores {
		p := filepath.Join(dir, s.file)
		if err := s.create(p); err != nil {
			return nil, fmt.Errorf("%s store: %w", s.name, err)
		}
		tables, err := readStoreSchema(p)
		if err != nil {
			return nil, fmt.Errorf("%s store: %w", s.name, err)
		}
		out = append(out, storeSchema{Store: s.name, File: s.file, Digest: schemaDigest(tables), Tables: tables})
	}
	return out, nil
}

// compareSchemas sets State on each of want from the node's stores: same,
// older (the node lacks tables or columns this binary adds when it opens
// the store: an upgrade), other (the store has tables or columns this
// binary does not know: made by a newer release, a downgrade), absent (no
// file yet), or not_sqlite (the audit log on PostgreSQL).
func compareSchemas(cfg *config.Config, want []storeSchema) error {
	paths := map[string]string{
		"audit":    cfg.Audit.Store,
		"consents": filepath.Join(cfg.DataDir, "consents.db"),
		"notify":   notify.DBPath(cfg.DataDir),
	}
	for i := range want {
		s := &want[i]
		p := paths[s.Store]
		if strings.HasPrefix(p, "postgres://") || strings.HasPrefix(p, "postgresql://") {
			s.State = "not_sqlite"
			continue
		}
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			s.State = "absent"
			continue
		}
		have, err := readStoreSchema(p)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		s.State = "same"
		if schemaDigest(have) == s.Digest {
			continue
		}
		wantCols, haveCols := columns(s.Tables), columns(have)
		s.State = "older"
		for c := range haveCols {
			if !wantCols[c] {
				s.State = "other"
				s.Extra = append(s.Extra, "unknown to this binary: "+c)
			}
		}
		for c := range wantCols {
			if !haveCols[c] {
				s.Extra = append(s.Extra, "added at start: "+c)
			}
		}
		sort.Strings(s.Extra)
	}
	return nil
}

// columns flattens "t(a x, b y)" into {"t.a x", "t.b y"} ("t" for a table
// without columns).
func columns(tables []string) map[string]bool {
	out := map[string]bool{}
	for _, t := range tables {
		name, cols, _ := strings.Cut(strings.TrimSuffix(t, ")"), "(")
		out[name] = true
		for _, c := range strings.Split(cols, ", ") {
			if c != "" {
				out[name+"."+c] = true
			}
		}
	}
	return out
}
