package node

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/inzage"
	"github.com/schakel/schakel/gateway/source"
	"github.com/schakel/schakel/gateway/traceparent"
)

// Inzage decides with the active pack which of this node's records about
// the child (by BSN) the requester may see. The child's age comes from the
// organisation's own records; birth (the date of birth established at the
// desk) is used only when those do not know the child, and is then
// required (inzage.ErrBirthDateNeeded).
func (n *Node) Inzage(ctx context.Context, bsn string, who inzage.Requester, birth time.Time) (inzage.View, error) {
	now := time.Now()
	if n.source != nil {
		f, err := n.source.Facts(ctx, bsn, n.self.OIN, "")
		switch {
		case err == nil && f.Found:
			birth = f.BirthDate
		case err != nil && !errors.Is(err, source.ErrNotFound):
			return inzage.View{}, fmt.Errorf("inzage: the organisation's records: %w", err)
		}
	}
	if birth.IsZero() {
		return inzage.View{}, inzage.ErrBirthDateNeeded
	}
	if birth.After(now) {
		return inzage.View{}, fmt.Errorf("inzage: the date of birth %s is in the future", birth.Format(time.DateOnly))
	}
	recs, err := n.AuditRecords(ctx, bsn)
	if err != nil {
		return inzage.View{}, err
	}
	return inzage.Decide(ctx, n.policy, who, source.AgeAt(birth, now), recs, now)
}

// MarkInzage records a professional's mark on one of this node's records
// about the child (released for inzage, held back from the parents, shown
// to them again) as an audit record of the local client or console user.
func (n *Node) MarkInzage(ctx context.Context, user, bsn string, index uint64, mark string) error {
	recs, err := n.AuditRecords(ctx, bsn)
	if err != nil {
		return err
	}
	v, err := inzage.MarkRecord(recs, index, mark)
	if err != nil {
		return err
	}
	tc := traceparent.New()
	start := time.Now()
	r := audit.NewRecord(audit.Event{
		Action: audit.ActionInzageMark, Side: audit.SideHolder, HolderOIN: n.self.OIN, RecipientOIN: n.self.OIN,
		Subject: audit.Pseudonym(n.secret, bsn), TraceID: tc.TraceID, SpanID: tc.SpanID, Start: start, End: time.Now(),
	})
	r.ForeignEntity = audit.LocalEntity(user)
	r.Allow, r.InzageMark = true, v
	_, err = n.audit.Append(ctx, r)
	return err
}
