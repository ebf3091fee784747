package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/consent"
)

// boundConsents is the consent register as the release core reads it: a
// row counts only when it matches its audit record (consent.Match), so a
// row inserted into consents.db, widened, or with its withdrawal undone is
// not evidence. One primary-key read of the audit log per consent of the
// child.
type boundConsents struct {
	store   *consent.SQLiteStore
	audit   audit.Store
	secret  []byte
	log     *slog.Logger
	refused prometheus.Counter
}

func newBoundConsents(store *consent.SQLiteStore, st audit.Store, secret []byte, log *slog.Logger, reg prometheus.Registerer) (*boundConsents, error) {
	b := &boundConsents{store: store, audit: st, secret: secret, log: log,
		refused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "schakel_consents_unverified_total",
			Help: "Consents in consents.db not used for a decision because they do not match their audit record (or have none).",
		})}
	if err := reg.Register(b.refused); err != nil {
		return nil, err
	}
	return b, nil
}

// List returns the child's consents that match their audit records; the
// others are left out (so the policy sees no consent: CONSENT_MISSING),
// each logged as an error with its id, never the BSN, and counted.
func (b *boundConsents) List(ctx context.Context, bsn string) ([]consent.Consent, error) {
	cs, err := b.store.List(ctx, bsn)
	if err != nil || len(cs) == 0 {
		return cs, err
	}
	subject := audit.Pseudonym(b.secret, bsn)
	out := cs[:0]
	for _, c := range cs {
		err := b.check(ctx, c, subject)
		if err == nil {
			out = append(out, c)
			continue
		}
		if ctx.Err() != nil || !errors.Is(err, errUnverified) && !errors.Is(err, audit.ErrNoRecord) && !errors.Is(err, audit.ErrTampered) {
			// The log could not be read: no decision on a partial register.
			return nil, err
		}
		b.refused.Inc()
		b.log.Error("consent not used: consents.db does not match the audit log", "consent_id", c.ID, "err", err)
	}
	return out, nil
}

var errUnverified = errors.New("consent does not match its audit record")

func (b *boundConsents) check(ctx context.Context, c consent.Consent, subject string) error {
	if c.AuditIndex == nil {
		return errors.Join(errUnverified, errors.New("not bound to an audit record (never registered through the local API, or its registration was interrupted)"))
	}
	// The row must be bound to the consent's latest record: a consents.db
	// restored from an older backup has a withdrawn consent bound to its
	// register record, which it matches.
	head, err := b.audit.ConsentHead(ctx, c.ID)
	if err != nil {
		return err
	}
	if head != *c.AuditIndex {
		return errors.Join(errUnverified, fmt.Errorf("bound to audit record %d, but the consent's latest record is %d (consents.db older than the audit log: restored from a backup?)", *c.AuditIndex, head))
	}
	st, err := b.audit.RecordAt(ctx, head)
	if err != nil {
		return err
	}
	if err := consent.Match(c, subject, st); err != nil {
		return errors.Join(errUnverified, err)
	}
	return nil
}
