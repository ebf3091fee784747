package monitor

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/release"
	"github.com/schakel/schakel/gateway/traceparent"
	"github.com/schakel/schakel/internal/sqlitedb"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
)

// Store is the kennispunt's store of received exports: each as the bytes
// the node signed, with the signature and the node's certificate.
type Store struct {
	db *sql.DB
}

const schema = `
CREATE TABLE IF NOT EXISTS export (
	id          TEXT PRIMARY KEY,
	node_oin    TEXT NOT NULL,
	node_name   TEXT NOT NULL,
	node_type   TEXT NOT NULL,
	received_ms INTEGER NOT NULL,
	body        BLOB NOT NULL,
	signature   BLOB NOT NULL,
	cert        BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS export_node ON export (node_oin, received_ms);
`

// DBPath is where a kennispunt keeps its exports.
func DBPath(dataDir string) string { return filepath.Join(dataDir, "monitoring.db") }

// OpenStore opens (creating) the store.
func OpenStore(path string, log *slog.Logger) (*Store, error) { return open(path, false, log) }

// OpenStoreReadOnly opens an existing store for reading (the report).
func OpenStoreReadOnly(path string) (*Store, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("monitor: %w", err)
	}
	return open(path, true, nil)
}

func open(path string, ro bool, log *slog.Logger) (*Store, error) {
	db, err := sqlitedb.Open(path, sqlitedb.Options{ReadOnly: ro, MaxConns: 4, Log: log})
	if err != nil {
		return nil, fmt.Errorf("monitor: %w", err)
	}
	if !ro {
		if _, err := db.Exec(schema); err != nil {
			db.Close()
			return nil, fmt.Errorf("monitor: create schema: %w", err)
		}
	}
	return &Store{db: db}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Kept is one kept export.
type Kept struct {
	ID, NodeOIN, NodeName string
	NodeOrgType           string
	ReceivedAt            time.Time
	Body, Signature, Cert []byte
}

// All lists the kept exports, oldest first.
func (s *Store) All(ctx context.Context) ([]Kept, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, node_oin, node_name, node_type, received_ms, body, signature, cert FROM export ORDER BY received_ms, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Kept
	for rows.Next() {
		var k Kept
		var ms int64
		if err := rows.Scan(&k.ID, &k.NodeOIN, &k.NodeName, &k.NodeOrgType, &ms, &k.Body, &k.Signature, &k.Cert); err != nil {
			return nil, err
		}
		k.ReceivedAt = time.UnixMilli(ms).UTC()
		out = append(out, k)
	}
	return out, rows.Err()
}

// Receiver is the kennispunt side: it verifies and keeps exports.
type Receiver struct {
	Self   identity.Peer
	Policy Engines
	Audit  audit.Store
	Store  *Store
	Now    func() time.Time
}

// Receive verifies an export against the certificate of the node that
// sent it (from the mutual-TLS handshake, never from the export), checks
// its rows and keeps it. Every receipt, kept or refused, is audited.
func (r *Receiver) Receive(ctx context.Context, from identity.Peer, cert *x509.Certificate, req *exchangev1.SubmitMonitoringExportRequest) (*exchangev1.SubmitMonitoringExportResponse, error) {
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	start := now()
	mon := r.Policy.Engine().Pack().Data().Monitoring
	err := Verify(cert, req.GetExport(), req.GetSignature())
	var e Export
	if err == nil {
		e, err = Parse(req.GetExport(), mon.ExcludedFlows, mon.SmallCell)
	}
	if err == nil && e.NodeOIN != from.OIN {
		err = refusedf("the export names node %s, but %s sent it", e.NodeOIN, from.OIN)
	}
	tc := traceparent.New()
	foreign, _ := traceparent.Incoming(ctx)
	rec := audit.NewRecord(audit.Event{Action: audit.ActionMonitoringReceive, Side: audit.SideRecipient, HolderOIN: from.OIN, RecipientOIN: r.Self.OIN,
		TraceID: tc.TraceID, SpanID: tc.SpanID, ForeignTraceID: foreign.TraceID, ForeignSpanID: foreign.SpanID, Start: start, End: now()})
	rec.Flow, rec.Purpose, rec.Basis, rec.RecipientRole, rec.Allow = Flow, Purpose, "geen_persoonsgegevens", KennispuntRole, true
	if rd := r.Policy.Engine().Pack().RetentionDays(Flow); rd > 0 {
		rec.RetentionDays = rd
	}
	if err != nil {
		rec.Fail("EXPORT_REFUSED")
	}
	if _, aerr := r.Audit.Append(ctx, rec); aerr != nil {
		return nil, fmt.Errorf("%w: %v", release.ErrAuditUnavailable, aerr)
	}
	if err != nil {
		return nil, err
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	if _, err := r.Store.db.ExecContext(ctx, `INSERT INTO export (id, node_oin, node_name, node_type, received_ms, body, signature, cert) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		id, from.OIN, from.Name, from.OrgType, start.UnixMilli(), req.GetExport(), req.GetSignature(), cert.Raw); err != nil {
		return nil, err
	}
	return &exchangev1.SubmitMonitoringExportResponse{ExportId: id}, nil
}
