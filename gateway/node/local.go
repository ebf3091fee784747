package node

import (
	"context"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/server"
	"github.com/schakel/schakel/gateway/traceparent"
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
	tc := traceparent.New()
	r := audit.NewRecord(audit.Event{
		Action: ev.Action, Side: audit.SideHolder, HolderOIN: n.self.OIN, RecipientOIN: ev.RecipientOIN,
		Subject: audit.Pseudonym(n.secret, ev.BSN), TraceID: tc.TraceID, SpanID: tc.SpanID,
		Start: ev.Start, End: time.Now(),
	})
	r.ForeignEntity = audit.LocalEntity(ev.Client)
	r.Allow, r.Purpose = ev.OK, ev.Purpose
	if !ev.OK {
		r.StatusCode = audit.StatusError
	}
	if ev.ConsentID != "" {
		r.ConsentsUsed = []string{ev.ConsentID}
	}
	_, err := n.audit.Append(ctx, r)
	return err
}
