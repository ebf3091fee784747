package audit

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"regexp"
)

// PostgresStore is an audit log in PostgreSQL shared by several replicas of one
// organisation. Every batch locks the single-row tree head (SELECT ... FOR UPDATE), so
// all replicas append to one sequence with one Merkle tree; each replica signs the
// checkpoint of its own batches with the shared organisation key.
type PostgresStore struct{ *logStore }

var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// OpenPostgres connects to url and creates the tables in cfg.Schema if needed. With a nil
// signer the store is read-only and creates nothing: a schema without an audit log is an
// error (ErrNoLog), so that a mistyped schema is not verified as an empty log.
func OpenPostgres(ctx context.Context, url string, cfg Config, signer crypto.Signer, logger *slog.Logger) (*PostgresStore, error) {
	cfg.defaults()
	if signer != nil && cfg.Origin == "" {
		return nil, fmt.Errorf("audit: Config.Origin is required")
	}
	if !schemaName.MatchString(cfg.Schema) {
		return nil, fmt.Errorf("audit: invalid schema name %q", cfg.Schema)
	}
	db, err := newPgPool(ctx, url, 8)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if signer == nil {
		err = postgresLogExists(ctx, db, cfg.Schema)
	} else {
		err = createPostgresSchema(ctx, db, cfg.Schema)
	}
	if err != nil {
		db.close()
		return nil, err
	}
	sc := `"` + cfg.Schema + `".`
	t := tableNames{head: sc + "head", records: sc + "records", checkpoints: sc + "checkpoints", receipts: sc + "receipts", obligations: sc + "obligations", statements: sc + "statements", consentHeads: sc + "consent_heads"}
	ls, err := newLogStore(db, dialectPostgres, cfg, signer, logger, t)
	if err != nil {
		db.close()
		return nil, err
	}
	return &PostgresStore{ls}, nil
}

// ErrNoLog means a read-only open found no audit log where it looked.
var ErrNoLog = errors.New("audit: no audit log")

// postgresLogExists reports ErrNoLog when schema holds no audit tables.
func postgresLogExists(ctx context.Context, db *pgPool, schema string) error {
	conn, err := db.p.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("audit: connect: %w", err)
	}
	defer conn.Release()
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", `"`+schema+`".head`).Scan(&ok); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if !ok {
		return fmt.Errorf("%w in PostgreSQL schema %q (check audit.schema or --schema)", ErrNoLog, schema)
	}
	return nil
}

func createPostgresSchema(ctx context.Context, db *pgPool, schema string) error {
	conn, err := db.p.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("audit: connect: %w", err)
	}
	defer conn.Release()
	h := fnv.New64a()
	h.Write([]byte("schakel-audit-schema:" + schema))
	key := int64(h.Sum64())
	// Replicas starting together must not race on CREATE ... IF NOT EXISTS.
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return fmt.Errorf("audit: lock: %w", err)
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", key) //nolint:errcheck
	s := `"` + schema + `"`
	stmts := []string{
		`CREATE SCHEMA IF NOT EXISTS ` + s,
		`CREATE TABLE IF NOT EXISTS ` + s + `.head (id int PRIMARY KEY CHECK (id = 1), size bigint NOT NULL)`,
		`INSERT INTO ` + s + `.head (id, size) VALUES (1, 0) ON CONFLICT DO NOTHING`,
		`CREATE TABLE IF NOT EXISTS ` + s + `.records (
			idx bigint PRIMARY KEY, entry bytea NOT NULL, body bytea, subject text,
			expires_ms bigint NOT NULL, hashes bytea NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS records_subject ON ` + s + `.records (subject) WHERE subject IS NOT NULL`,
		`CREATE INDEX IF NOT EXISTS records_expires ON ` + s + `.records (expires_ms) WHERE body IS NOT NULL`,
		`CREATE TABLE IF NOT EXISTS ` + s + `.checkpoints (size bigint PRIMARY KEY, note bytea NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS ` + s + `.receipts (
			id bigserial PRIMARY KEY, decision_id text NOT NULL, payload_digest text NOT NULL,
			holder_origin text NOT NULL, holder_key bytea NOT NULL, holder_index bigint NOT NULL,
			leaf_hash bytea NOT NULL, proof bytea NOT NULL, checkpoint bytea NOT NULL,
			signature bytea NOT NULL, local_index bigint NOT NULL, received_ms bigint NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS receipts_decision ON ` + s + `.receipts (decision_id)`,
		`CREATE TABLE IF NOT EXISTS ` + s + `.obligations (
			id text PRIMARY KEY, kind text NOT NULL, decision_id text NOT NULL, flow text NOT NULL,
			recipient_oin text NOT NULL, created_ms bigint NOT NULL, done_ms bigint)`,
		`CREATE TABLE IF NOT EXISTS ` + s + `.consent_heads (consent_id text PRIMARY KEY, idx bigint NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS ` + s + `.statements (
			idx bigint PRIMARY KEY, statement bytea NOT NULL, signature bytea NOT NULL, signer_key bytea NOT NULL)`,
	}
	for _, st := range stmts {
		if _, err := conn.Exec(ctx, st); err != nil {
			return fmt.Errorf("audit: create schema: %w", err)
		}
	}
	return nil
}
