package exchange

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"google.golang.org/grpc"
	grpcpeer "google.golang.org/grpc/peer"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/bsn"
	"github.com/schakel/schakel/gateway/consent"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/release"
	"github.com/schakel/schakel/gateway/traceparent"
	"github.com/schakel/schakel/gateway/tracing"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// Conns gives a (reused) client connection to a peer.
type Conns interface {
	Conn(p identity.Peer) (grpc.ClientConnInterface, error)
}

// RequesterConfig wires a Requester. Every field but Now and Timeout is required.
type RequesterConfig struct {
	Self identity.Peer
	// Signer is the organisation key: it signs the request statement.
	Signer     crypto.Signer
	Directory  *identity.Directory
	Conns      Conns
	Audit      release.AuditLog
	Vocabulary Vocabulary
	Secret     []byte
	Timeout    time.Duration
	Now        func() time.Time
	// Witness checks the holder's log against what this node saw of it;
	// nil: not checked.
	Witness *release.Witnessing
	// FlowRetention is this node's own retention for a flow (0: unknown);
	// nil: none. The record is kept at least that long.
	FlowRetention func(flow string) int
}

// Requester asks peers for records on behalf of the organisation's systems.
type Requester struct {
	cfg RequesterConfig
	log *slog.Logger
}

// NewRequester returns a Requester.
func NewRequester(cfg RequesterConfig, log *slog.Logger) *Requester {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	return &Requester{cfg: cfg, log: log}
}

// Ask sends the request to the holder named by OIN, verifies the response
// (only released categories, the holder's audit proof and receipt) and
// records it on this node together with the holder's receipt, in one
// transaction. An unverifiable response is recorded and not passed on.
func (r *Requester) Ask(ctx context.Context, req *localv1.RequestRecordRequest) (*localv1.RequestRecordResponse, error) {
	start := r.cfg.Now()
	holder, ok := r.cfg.Directory.Lookup(req.GetHolderOin())
	if !ok {
		return nil, fmt.Errorf("%w: holder_oin %q", identity.ErrUnknownPeer, req.GetHolderOin())
	}
	errs := release.ValidateClaims(release.Claims{
		Purpose: req.GetPurpose(), Flow: req.GetFlow(), Roles: map[string]string{"role": req.GetRole()},
		CaseReference: req.GetCaseReference(), Justification: req.GetJustification(),
	})
	if err := bsn.Valid(req.GetBsn()); err != nil {
		errs = append(errs, fmt.Errorf("bsn: %w", err))
	}
	errs = append(errs, validateCategories(req.GetCategories(), r.cfg.Vocabulary)...)
	if p := req.GetProfessional(); len(p) > 64 || !professionalRE.MatchString(p) {
		errs = append(errs, errors.New("professional: a pseudonymous reference of at most 64 characters [A-Za-z0-9._:-]"))
	}
	attested, aerrs := attestedConsents(req.GetAttestedConsents(), r.cfg.Self.OIN, req.GetHolderOin())
	errs = append(errs, aerrs...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", release.ErrInvalidRequest, errors.Join(errs...))
	}
	conn, err := r.cfg.Conns.Conn(holder)
	if err != nil {
		return nil, err
	}
	ctx, tc, span := tracing.ClientSpan(ctx, "schakel.exchange.v1.ExchangeService/RequestRecord", holder.OIN)
	defer span.End()
	ereq := &exchangev1.RequestRecordRequest{
		RequestId: release.NewID(), SentAt: timestamppb.New(start),
		Purpose: req.GetPurpose(), Flow: req.GetFlow(), Bsn: req.GetBsn(), Categories: req.GetCategories(),
		RecipientRole: req.GetRole(), Relation: req.GetRelation(), CaseReference: req.GetCaseReference(),
		Justification: req.GetJustification(),
	}
	// What this organisation claims and answers for, signed per request.
	if ereq.Statement, err = release.SignStatement(r.cfg.Signer,
		release.RequestStatement(ereq, holder.OIN, r.cfg.Self.OIN, req.GetProfessional(), attested)); err != nil {
		return nil, err
	}
	own, err := release.StoredStatement(r.cfg.Signer.Public(), ereq.GetStatement())
	if err != nil {
		return nil, err
	}
	witnessed := r.cfg.Witness.Last(holder.OIN)
	ereq.WitnessedCheckpoint = witnessed
	cctx, cancel := context.WithTimeout(traceparent.Outgoing(ctx, tc), r.cfg.Timeout)
	defer cancel()
	var p grpcpeer.Peer
	resp, err := exchangev1.NewExchangeServiceClient(conn).RequestRecord(cctx, ereq, grpc.Peer(&p))
	if err != nil {
		return nil, err
	}
	dec := resp.GetDecision()
	rcpt, verr := r.verify(&p, holder, dec, resp)
	var state *audit.PeerLog
	if verr == nil && dec != nil {
		state, verr = r.checkWitness(ctx, &p, holder, witnessed, dec.GetAllow(), resp.GetWitness())
	}
	// This node's record of what it asked and received, with the receipt.
	commit, err := release.RecordReceived(ctx, r.cfg.Audit, r.cfg.Secret, r.cfg.Self, release.Received{
		Action: audit.ActionRequestReceive, Holder: holder, Trace: tc,
		BSN: req.GetBsn(), Purpose: req.GetPurpose(), RecipientRole: req.GetRole(),
		Decision: dec, Record: resp.GetRecord(), Proof: resp.GetAudit(), Receipt: rcpt, VerifyErr: verr,
		Witness: state, Witnessing: r.cfg.Witness, RetentionDays: r.flowRetention(dec.GetFlow()), Start: start,
		Relation: req.GetRelation(), CaseReference: req.GetCaseReference(), Professional: req.GetProfessional(), Statement: own,
	}, r.cfg.Now())
	if err != nil {
		return nil, err
	}
	if verr != nil {
		r.log.ErrorContext(ctx, "holder response failed verification", "peer_oin", holder.OIN, "decision_id", dec.GetDecisionId(), "err", verr)
		return nil, fmt.Errorf("%w: %v", release.ErrVerification, verr)
	}
	return &localv1.RequestRecordResponse{Decision: dec, Record: resp.GetRecord(), ReceiptIndex: commit.Index}, nil
}

// verify checks a holder's response: on a release, the record holds no
// category beyond the decision, its digest matches the receipt, the holder's
// audit record is in its signed checkpoint, and the receipt is signed by the
// holder's organisation key (the key of the certificate we just verified).
func (r *Requester) verify(p *grpcpeer.Peer, holder identity.Peer, dec *exchangev1.Decision, resp *exchangev1.RequestRecordResponse) (*audit.Receipt, error) {
	if dec == nil {
		return nil, errors.New("no decision")
	}
	if !dec.GetAllow() {
		if len(release.PresentCategories(resp.GetRecord())) > 0 {
			return nil, errors.New("data returned with a denial")
		}
		return nil, nil
	}
	cert, err := release.ServerCert(p)
	if err != nil {
		return nil, err
	}
	_, rcpt, err := release.VerifyAuditProof(cert.PublicKey, holder.OIN, dec, resp.GetRecord(), resp.GetAudit())
	return rcpt, err
}

var professionalRE = regexp.MustCompile(`^[A-Za-z0-9._:-]*$`)

// attestedConsents checks the consents the organisation's system attests and
// converts them for the statement. Each must be this organisation's
// (recipient_oin), name the holder asked (holder_oin: a consent to fetch
// data says from whom), and be well formed. A consent without an id gets
// one derived from its content, so that the holder recognises it in the
// next request (its notice to the givers is kept per consent id).
func attestedConsents(cs []*localv1.Consent, self, holder string) ([]*exchangev1.AttestedConsent, []error) {
	var out []*exchangev1.AttestedConsent
	var errs []error
	for i, c := range cs {
		key := fmt.Sprintf("attested_consents[%d]", i)
		in := consent.Consent{BSN: c.GetBsn(), GivenBy: c.GetGivenBy(), Giver: c.GetGiver(), RecipientOIN: c.GetRecipientOin(),
			HolderOIN: c.GetHolderOin(), Purpose: c.GetPurpose(), Categories: c.GetCategories(), GivenAt: c.GetGivenAt().AsTime()}
		if c.GetGivenAt() == nil {
			in.GivenAt = time.Time{}
		}
		if err := consent.Validate(in, nil); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", key, err))
			continue
		}
		if c.GetRecipientOin() != self {
			errs = append(errs, fmt.Errorf("%s: recipient_oin must be this organisation's OIN", key))
			continue
		}
		if c.GetHolderOin() != holder {
			errs = append(errs, fmt.Errorf("%s: holder_oin must be the OIN of the organisation asked (%s), got %q", key, holder, c.GetHolderOin()))
			continue
		}
		id := c.GetId()
		if id == "" {
			id = "attested-" + release.Digest(c.GetBsn() + "\n" + c.GetGivenBy() + "\n" + c.GetGiver() + "\n" + c.GetRecipientOin() + "\n" +
				c.GetHolderOin() + "\n" + c.GetPurpose() + "\n" + strings.Join(c.GetCategories(), ",") + "\n" + c.GetGivenAt().AsTime().String())[len("sha256:"):][:16]
		}
		out = append(out, &exchangev1.AttestedConsent{Id: id, GivenBy: c.GetGivenBy(), Giver: c.GetGiver(),
			RecipientOin: c.GetRecipientOin(), HolderOin: c.GetHolderOin(), Purpose: c.GetPurpose(), Categories: c.GetCategories(),
			GivenAt: c.GetGivenAt(), ValidUntil: c.GetValidUntil()})
	}
	return out, errs
}
