package exchange

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	grpcpeer "google.golang.org/grpc/peer"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/bsn"
	"github.com/schakel/schakel/gateway/identity"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
)

// Conns gives a (reused) client connection to a peer.
type Conns interface {
	Conn(p identity.Peer) (grpc.ClientConnInterface, error)
}

// ReceiptStore keeps what a holder proved to us: its checkpoint, the
// inclusion proof of its record and its signed receipt.
type ReceiptStore interface {
	AddReceipt(ctx context.Context, r audit.Receipt) error
}

// RequesterConfig wires a Requester. Every field is required.
type RequesterConfig struct {
	Self       identity.Peer
	Directory  *identity.Directory
	Conns      Conns
	Audit      AuditLog
	Receipts   ReceiptStore
	Vocabulary Vocabulary
	Secret     []byte
	Timeout    time.Duration
	Now        func() time.Time
	// Witness checks the holder's log against what this node saw of it
	// (witness.go); nil: not checked.
	Witness *Witnessing
	// FlowRetention is this node's own retention for a flow (0: unknown);
	// nil: none. The receipt is kept at least that long (audit.RecipientRetention).
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

// NewRequestID returns a random request id.
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Ask sends the request to the holder named by OIN, verifies the response
// (only released categories, the holder's audit proof and receipt) and audits
// the receipt on this node. An unverifiable response is not passed on.
func (r *Requester) Ask(ctx context.Context, req *localv1.RequestRecordRequest) (*localv1.RequestRecordResponse, error) {
	start := r.cfg.Now()
	holder, ok := r.cfg.Directory.Lookup(req.GetHolderOin())
	if !ok {
		return nil, fmt.Errorf("%w: holder_oin %q", identity.ErrUnknownPeer, req.GetHolderOin())
	}
	var errs []error
	if req.GetPurpose() == "" {
		errs = append(errs, errors.New("purpose: required"))
	}
	if err := bsn.Valid(req.GetBsn()); err != nil {
		errs = append(errs, fmt.Errorf("bsn: %w", err))
	}
	errs = append(errs, validateCategories(req.GetCategories(), r.cfg.Vocabulary)...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRequest, errors.Join(errs...))
	}
	conn, err := r.cfg.Conns.Conn(holder)
	if err != nil {
		return nil, err
	}
	tc := NewTrace()
	ereq := &exchangev1.RequestRecordRequest{
		RequestId: NewRequestID(), SentAt: timestamppb.New(start),
		Purpose: req.GetPurpose(), Flow: req.GetFlow(), Bsn: req.GetBsn(), Categories: req.GetCategories(),
		RecipientRole: req.GetRole(), Relation: req.GetRelation(), CaseReference: req.GetCaseReference(),
		Justification: req.GetJustification(),
	}
	witnessed := r.cfg.Witness.Last(holder.OIN)
	ereq.WitnessedCheckpoint = witnessed
	cctx, cancel := context.WithTimeout(OutgoingTrace(ctx, tc), r.cfg.Timeout)
	defer cancel()
	var p grpcpeer.Peer
	resp, err := exchangev1.NewExchangeServiceClient(conn).RequestRecord(cctx, ereq, grpc.Peer(&p))
	if err != nil {
		return nil, err
	}
	dec := resp.GetDecision()
	rcpt, verr := r.verify(&p, holder, dec, resp)
	if verr == nil && dec != nil {
		verr = r.checkWitness(ctx, &p, holder, witnessed, dec.GetAllow(), resp.GetWitness())
	}
	// The receipt record on this node: what we asked and what we received.
	ar := &audit.Record{
		TraceID: tc.TraceID, SpanID: tc.SpanID,
		Name: "schakel.request.receive", StatusCode: 1,
		StartTime: ms(start), EndTime: ms(r.cfg.Now()),
		ForeignEntity: "urn:oin:" + holder.OIN,
		Side:          "recipient",
		DecisionID:    dec.GetDecisionId(), Allow: dec.GetAllow() && verr == nil,
		Flow: dec.GetFlow(), Purpose: req.GetPurpose(), Basis: dec.GetBasis(),
		HolderOIN: holder.OIN, RecipientOIN: r.cfg.Self.OIN, RecipientRole: req.GetRole(),
		Subject:            audit.Pseudonym(r.cfg.Secret, req.GetBsn()),
		CategoriesReleased: presentCategories(resp.GetRecord()), // what actually arrived
		CategoriesWithheld: withheldStrings(dec.GetWithheld()),
		ReasonCodes:        reasonCodes(dec.GetReasons()),
		Obligations:        dec.GetObligations(),
		ConsentsUsed:       dec.GetConsentsUsed(),
		PolicyRevision:     dec.GetPolicyRevision(),
		RetentionDays:      audit.RecipientRetention(r.flowRetention(dec.GetFlow()), int(dec.GetRetentionDays())),
		PayloadDigest:      resp.GetAudit().GetPayloadDigest(),
	}
	if verr != nil {
		ar.StatusCode = 2
		ar.CategoriesReleased = nil
		ar.ReasonCodes = WitnessReasons(append(ar.ReasonCodes, "VERIFICATION_FAILED"), verr)
	}
	commit, err := r.cfg.Audit.Append(ctx, ar)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrAuditUnavailable, err)
	}
	if verr != nil {
		r.log.ErrorContext(ctx, "holder response failed verification", "peer_oin", holder.OIN, "decision_id", dec.GetDecisionId(), "err", verr)
		return nil, fmt.Errorf("%w: %v", ErrVerification, verr)
	}
	if rcpt != nil {
		rcpt.LocalIndex = commit.Index
		rcpt.ReceivedAt = r.cfg.Now().UTC()
		if err := r.cfg.Receipts.AddReceipt(ctx, *rcpt); err != nil {
			return nil, fmt.Errorf("%w: receipt: %v", ErrAuditUnavailable, err)
		}
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
		if resp.GetRecord() != nil && len(presentCategories(resp.GetRecord())) > 0 {
			return nil, errors.New("data returned with a denial")
		}
		return nil, nil
	}
	cert, err := peerCert(p)
	if err != nil {
		return nil, err
	}
	ap := resp.GetAudit()
	ar, err := VerifyAuditProof(cert.PublicKey, holder.OIN, dec, resp.GetRecord(), ap)
	if err != nil {
		return nil, err
	}
	key, err := x509.MarshalPKIXPublicKey(cert.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("holder key: %w", err)
	}
	return &audit.Receipt{
		DecisionID:    dec.GetDecisionId(),
		PayloadDigest: ap.GetPayloadDigest(),
		HolderOrigin:  audit.OriginFor(holder.OIN),
		HolderKey:     key,
		Commit: audit.Commit{
			Index:      ap.GetLeafIndex(),
			Checkpoint: ap.GetCheckpoint(),
			Proof:      ap.GetInclusionProof(),
			LeafHash:   audit.LeafHash(ar),
		},
		Signature: ap.GetReceiptSignature(),
	}, nil
}

func peerCert(p *grpcpeer.Peer) (*x509.Certificate, error) {
	ti, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(ti.State.VerifiedChains) == 0 {
		return nil, identity.ErrNoPeerIdentity
	}
	return ti.State.VerifiedChains[0][0], nil
}

// presentCategories lists the categories present in a record (its set fields;
// field names are category names).
func presentCategories(rec *recordv1.Record) []string {
	var out []string
	if rec == nil {
		return nil
	}
	rec.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		out = append(out, string(fd.Name()))
		return true
	})
	return out
}
