package node

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/source"
)

// OpenAudit opens the configured audit store: SQLite in the data directory by
// default, PostgreSQL for several replicas of one organisation.
func OpenAudit(ctx context.Context, cfg *config.Config, signer crypto.Signer, log *slog.Logger) (audit.Store, error) {
	acfg := audit.Config{Origin: audit.OriginFor(cfg.Node.OIN), MaxBatch: cfg.Audit.MaxBatch, BatchWindow: cfg.Audit.Window.D(), Schema: cfg.Audit.Schema}
	s := cfg.Audit.Store
	if strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") {
		return audit.OpenPostgres(ctx, s, acfg, signer, log)
	}
	return audit.OpenSQLite(s, acfg, signer, log)
}

func openSource(cfg *config.Config, n *Node) (source.Source, error) {
	if cfg.Source.GRPC.Address != "" {
		kp, err := identity.LoadKeyPair(cfg.Source.GRPC.Cert, cfg.Source.GRPC.Key)
		if err != nil {
			return nil, err
		}
		pool, err := identity.LoadPool(cfg.Source.GRPC.CA)
		if err != nil {
			return nil, err
		}
		conn, err := grpc.NewClient(cfg.Source.GRPC.Address, grpc.WithTransportCredentials(credentials.NewTLS(
			identityTLS(kp, pool))))
		if err != nil {
			return nil, err
		}
		n.closers = append(n.closers, conn.Close)
		return source.NewGRPC(conn, cfg.Source.Timeout.D()), nil
	}
	if cfg.Source.Export.Dir != "" {
		e, err := source.OpenExport(source.ExportOptions{Dir: cfg.Source.Export.Dir, Format: cfg.Source.Export.Format, SchoolOIN: cfg.Node.OIN, SchoolName: cfg.Node.Name,
			Poll: cfg.Source.Export.Poll.D(), Log: n.log})
		if err != nil {
			return nil, err
		}
		n.closers = append(n.closers, e.Close)
		return e, nil
	}
	fixture := source.DefaultFixture
	if cfg.Source.Fixture != "" {
		b, err := os.ReadFile(cfg.Source.Fixture)
		if err != nil {
			return nil, fmt.Errorf("source.fixture: %w", err)
		}
		fixture = b
	}
	s, err := source.OpenSQLite(cfg.Source.SQLite, fixture, n.log)
	if err != nil {
		return nil, err
	}
	n.closers = append(n.closers, s.Close)
	return s, nil
}

func identityTLS(kp tls.Certificate, roots *x509.CertPool) *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{kp}, RootCAs: roots}
}
