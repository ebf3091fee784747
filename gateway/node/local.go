package node

import (
	"context"
	"fmt"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/consent"
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
// A successful registration or withdrawal carries the digest of the
// consent as stored (consent.Digest), and once the record is durable the
// row is bound to it (consent.Store.Bind): only then does the consent count
// (see boundConsents). A crash or failure in between leaves the row
// unbound, so it does not count.
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
	change := ev.OK && ev.ConsentID != "" && (ev.Action == audit.ActionConsentRegister || ev.Action == audit.ActionConsentWithdraw)
	if change && n.consents != nil {
		c, err := n.consents.Get(ctx, ev.ConsentID)
		if err != nil {
			return fmt.Errorf("consent %s: %w", ev.ConsentID, err)
		}
		r.ConsentDigest = consent.Digest(c, r.Subject)
	}
	cm, err := n.audit.Append(ctx, r)
	if err != nil || !change || n.consents == nil {
		return err
	}
	if err := n.consents.Bind(ctx, ev.ConsentID, cm.Index); err != nil {
		return fmt.Errorf("consent %s: bind to audit record %d: %w", ev.ConsentID, cm.Index, err)
	}
	return nil
}
