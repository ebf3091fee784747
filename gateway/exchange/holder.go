package exchange

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/release"
	"github.com/schakel/schakel/gateway/traceparent"
	"github.com/schakel/schakel/policy"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
)

// HolderConfig wires a Holder. Every field but Now is required.
type HolderConfig struct {
	Release    *release.Releaser
	Vocabulary Vocabulary
	// Replay refuses repeated request ids and stale timestamps.
	Replay *ReplayGuard
	// Witness proves this log's consistency to requesters; nil: no proofs.
	Witness *release.Witnessing
	// Skew is how far a statement's time may differ from this node's clock.
	Skew time.Duration
	// ConsentMaxAge bounds how long ago an attested consent may have been
	// given (zero: consent.DefaultMaxAge), as for a registered one.
	ConsentMaxAge time.Duration
	Now           func() time.Time
}

// Holder serves peers' requests for records this organisation holds.
type Holder struct {
	cfg HolderConfig
	log *slog.Logger
}

// NewHolder returns a Holder.
func NewHolder(cfg HolderConfig, log *slog.Logger) *Holder {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Holder{cfg: cfg, log: log}
}

// Serve answers one request from an authenticated peer (step 1, the peer's
// identity from its certificate, happened in the server). It returns an
// error only when nothing was released. A denial yields exactly one audit
// record and no call for the child's data.
func (h *Holder) Serve(ctx context.Context, from identity.Peer, tc traceparent.Context, req *exchangev1.RequestRecordRequest) (*exchangev1.RequestRecordResponse, error) {
	start := h.cfg.Now()
	// 2. Parse and validate the request; refuse a replayed one (audited).
	if err := ValidateRequest(req, h.cfg.Vocabulary); err != nil {
		return nil, err
	}
	x := release.Exchange{
		Action: audit.ActionRequestDecide, Mode: policy.ModeRequest, // the call says so, never the body
		Peer: from, Trace: traceparent.Context{TraceID: tc.TraceID, SpanID: traceparent.NewSpanID()}, Foreign: tc,
		BSN: req.GetBsn(), Purpose: req.GetPurpose(), Flow: req.GetFlow(), RecipientRole: req.GetRecipientRole(),
		Relation: req.GetRelation(), Justification: req.GetJustification(), CaseReference: req.GetCaseReference(),
		Categories: req.GetCategories(),
		Start:      start,
	}
	if err := h.cfg.Replay.Check(from.OIN, req.GetRequestId(), req.GetSentAt().AsTime(), start); err != nil {
		code := "CLOCK_SKEW"
		if errors.Is(err, ErrReplay) {
			code = "REPLAYED_REQUEST"
		}
		if aerr := h.cfg.Release.Note(ctx, x, audit.ActionRequestRefuse, audit.StatusOK, code, nil); aerr != nil {
			return nil, aerr
		}
		h.log.WarnContext(ctx, "request refused before decision", "peer_oin", from.OIN, "reason", code)
		return nil, err
	}
	// The requester's signed statement of this request, verified against
	// the key of the certificate of this connection before anything is
	// decided: a request whose claims nobody answers for is refused
	// (STATEMENT_INVALID), and that refusal is audited.
	st, serr := h.statement(ctx, from, req, start)
	if serr != nil {
		h.log.WarnContext(ctx, "request statement refused", "peer_oin", from.OIN, "err", serr)
		msg := "De verklaring van de vragende organisatie ontbreekt, is niet geldig ondertekend of past niet bij het verzoek; er is niets gedeeld."
		if fs := release.Fields(serr); len(fs) > 0 {
			msg += " Onjuiste velden: " + strings.Join(fs, ", ") + "."
		}
		out, err := h.cfg.Release.Deny(ctx, x, release.CodeStatementInvalid, msg)
		if err != nil {
			return nil, err
		}
		return &exchangev1.RequestRecordResponse{Decision: out.Wire}, nil
	}
	x.Statement, x.Professional, x.Attested = st.stored, st.st.GetProfessional(), release.AttestedConsents(st.st)
	// Split-view detection: the requester's checkpoints of third parties'
	// logs against this node's (alarm and evidence only, never a refusal).
	h.cfg.Witness.CompareGossip(ctx, from.OIN, h.cfg.Release.Self().OIN, req.GetGossip())
	// 3. Decision input, 4. decision, 5. fetch of only the released
	// categories, 6. one durable audit transaction with the obligations,
	// 7. proof: gateway/release, the same code for every path.
	out, err := h.cfg.Release.Release(ctx, x)
	if err != nil {
		return nil, err
	}
	h.log.InfoContext(ctx, "decision", "decision_id", out.Decision.DecisionID, "peer_oin", from.OIN, "flow", out.Wire.GetFlow(),
		"allow", out.Decision.Allow, "audit_index", out.Commit.Index)
	// The checkpoint of this answer, proven consistent with the one the
	// requester saw last (issue 14: peers witness each other's logs).
	lw, err := h.cfg.Witness.Prove(ctx, from.OIN, req.GetWitnessedCheckpoint(), out.Commit.Checkpoint)
	if err != nil {
		return nil, err
	}
	// 8. Respond: on a denial the reasons only; on an allow the released
	// record with its proof.
	return &exchangev1.RequestRecordResponse{Decision: out.Wire, Record: out.Record, Audit: out.Proof, Witness: lw}, nil
}

type verifiedStatement struct {
	st     *exchangev1.Statement
	stored *audit.Statement
}

// statement opens and checks the requester's signed statement of req.
func (h *Holder) statement(ctx context.Context, from identity.Peer, req *exchangev1.RequestRecordRequest, now time.Time) (verifiedStatement, error) {
	cert, err := identity.PeerCert(ctx)
	if err != nil {
		return verifiedStatement{}, err
	}
	skew := h.cfg.Skew
	if skew <= 0 {
		skew = 2 * time.Minute
	}
	st, stored, err := release.VerifyStatement(cert.PublicKey, req.GetStatement(), release.Stated{
		RequestID: req.GetRequestId(), HolderOIN: h.cfg.Release.Self().OIN, RecipientOIN: from.OIN,
		Purpose: req.GetPurpose(), Flow: req.GetFlow(), Mode: policy.ModeRequest, BSN: req.GetBsn(),
		Categories: req.GetCategories(), Role: req.GetRecipientRole(), Relation: req.GetRelation(),
		CaseReference: req.GetCaseReference(), Justification: req.GetJustification(),
		ConsentMaxAge: h.cfg.ConsentMaxAge,
	}, now, skew)
	if err != nil {
		return verifiedStatement{}, err
	}
	return verifiedStatement{st: st, stored: stored}, nil
}
