package node

import (
	"context"
	"crypto/rand"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/server"
)

// localAccess is the permission table of local.clients.
func localAccess(cfg *config.Config) *identity.LocalAccess {
	rules := make([]identity.LocalRule, 0, len(cfg.Local.Clients))
	for _, c := range cfg.Local.Clients {
		rules = append(rules, identity.LocalRule{Subject: c.Subject, SAN: c.SAN, Permissions: c.Permissions})
	}
	return identity.NewLocalAccess(rules)
}

// auditLocal writes a local client's consent change, consent listing or
// inzage to the audit log, with the client's identity as foreign entity.
func (n *Node) auditLocal(ctx context.Context, ev server.LocalEvent) error {
	r := &audit.Record{
		Name: ev.Action, StatusCode: 1, StartTime: ev.Start, EndTime: time.Now(),
		ForeignEntity: audit.LocalEntity(ev.Client),
		Side:          "holder", Allow: ev.OK,
		Purpose: ev.Purpose, HolderOIN: n.self.OIN, RecipientOIN: ev.RecipientOIN,
		Subject:       audit.Pseudonym(n.secret, ev.BSN),
		RetentionDays: audit.FallbackRetentionDays,
	}
	if !ev.OK {
		r.StatusCode = 2
	}
	if ev.ConsentID != "" {
		r.ConsentsUsed = []string{ev.ConsentID}
	}
	_, _ = rand.Read(r.TraceID[:])
	_, _ = rand.Read(r.SpanID[:])
	_, err := n.audit.Append(ctx, r)
	return err
}
