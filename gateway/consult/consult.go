// Package consult serves anonymous consults (flow N1, RULES.md
// "Consultation without a name"): a professional asks another
// organisation's professional for advice without naming the child. The
// asker's node decides with its own policy pack before anything leaves; the
// consultee's node decides again on arrival with its pack; the consultee
// answers with advice and, if asked, a role (never a person). Every step is
// audited on both sides without a pseudonym: a consult record has no
// Subject. The content of a refused consult is stored nowhere.
package consult

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/bsn"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/release"
	"github.com/schakel/schakel/gateway/traceparent"
	"github.com/schakel/schakel/policy"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// The flow and purpose of a consult.
const (
	Flow    = "N1"
	Purpose = "anoniem_consult"
	// CodeIdentifying is the pack's refusal code for identifying data; the
	// node uses it too for advice that holds a BSN-like number.
	CodeIdentifying = "CONSULT_IDENTIFYING"
	// AskRole is the question after which an answer may name a role.
	AskRole = "wie_kan_een_rol_nemen"
	// MaxAdvice is the longest advice, in characters.
	MaxAdvice = 4000
)

// Errors; gateway/server maps them to status codes.
var (
	// ErrInvalid: the call is malformed (a missing field, an unknown peer).
	ErrInvalid = errors.New("consult: invalid request")
	// ErrDuplicate: the sender used this consult id before.
	ErrDuplicate = errors.New("consult: this consult id was received before")
	// ErrIdentifying: identifying data in an answer (CONSULT_IDENTIFYING).
	ErrIdentifying = errors.New("consult: identifying data refused (CONSULT_IDENTIFYING)")
)

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Engines gives the active policy engine.
type Engines interface{ Engine() *policy.Engine }

// Conns dials peers over the mutual-TLS peer channel.
type Conns interface {
	Conn(p identity.Peer) (grpc.ClientConnInterface, error)
}

// Config wires a Service.
type Config struct {
	Self      identity.Peer
	Policy    Engines
	Directory *identity.Directory
	Conns     Conns
	Audit     audit.Store
	Store     *Store
	Timeout   time.Duration
	// Skew is the allowed clock difference of a consult's sent_at.
	Skew time.Duration
	Now  func() time.Time
}

// Service is both sides of a consult.
type Service struct {
	cfg Config
	log *slog.Logger
}

// New returns a Service.
func New(cfg Config, log *slog.Logger) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Skew <= 0 {
		cfg.Skew = 5 * time.Minute
	}
	return &Service{cfg: cfg, log: log}
}

func party(p identity.Peer, role string) policy.Party {
	return policy.Party{OIN: p.OIN, OrgType: p.OrgType, Role: role, Gemeente: p.Gemeente}
}

// knownRole reports whether role is empty or a role of the pack.
func (s *Service) knownRole(role string) bool {
	return role == "" || slices.ContainsFunc(s.cfg.Policy.Engine().Pack().Data().Roles, func(r policy.Role) bool { return r.ID == role })
}

// identifying is the node's own refusal of a consult with identifying
// data outside what the pack sees (a role that is no role of the pack, so
// perhaps a name): the same code as the pack's.
func (s *Service) identifying() policy.Decision {
	flow, basis := Flow, "geen_persoonsgegevens"
	return policy.Decision{Flow: &flow, Basis: &basis, Categories: []string{}, PolicyRevision: s.cfg.Policy.Engine().Revision(),
		DecisionID: release.NewID(), Reasons: []policy.Reason{{Code: CodeIdentifying, Message: "Het consult noemt een rol die niet in de lijst van rollen staat."}}}
}

// decide asks the pack's consult question. A role that is not in the
// pack's roles is refused here, so that the string is never audited or
// stored (the audit record then carries no role).
func (s *Service) decide(ctx context.Context, asker, consultee identity.Peer, askerRole, consulteeRole string, content map[string]any) (policy.Decision, error) {
	if !s.knownRole(askerRole) || !s.knownRole(consulteeRole) {
		return s.identifying(), nil
	}
	if content == nil {
		content = map[string]any{}
	}
	return s.cfg.Policy.Engine().Consult(ctx, policy.ConsultInput{
		Purpose: Purpose, Flow: Flow, Mode: policy.ModeNotification,
		Holder: party(asker, askerRole), Recipient: party(consultee, consulteeRole),
		Consult: content, Now: s.cfg.Now().UTC(),
	})
}

// record appends an audit record of a consult step: no Subject, no content.
func (s *Service) record(ctx context.Context, action audit.Action, side audit.Side, asker, consultee, consulteeRole string,
	d *policy.Decision, failCode string, start time.Time, foreign traceparent.Context) error {
	tc := traceparent.New()
	r := audit.NewRecord(audit.Event{Action: action, Side: side, HolderOIN: asker, RecipientOIN: consultee,
		TraceID: tc.TraceID, SpanID: tc.SpanID, ForeignTraceID: foreign.TraceID, ForeignSpanID: foreign.SpanID,
		Start: start, End: s.cfg.Now()})
	if !s.knownRole(consulteeRole) {
		consulteeRole = ""
	}
	r.Flow, r.Purpose, r.Basis, r.RecipientRole = Flow, Purpose, "geen_persoonsgegevens", consulteeRole
	if d != nil {
		r.DecisionID, r.Allow, r.PolicyRevision = d.DecisionID, d.Allow, d.PolicyRevision
		for _, x := range d.Reasons {
			r.ReasonCodes = append(r.ReasonCodes, x.Code)
		}
		if d.RetentionDays > 0 {
			r.RetentionDays = d.RetentionDays
		}
	} else {
		r.Allow = true
	}
	if rd := s.cfg.Policy.Engine().Pack().RetentionDays(Flow); d == nil && rd > 0 {
		r.RetentionDays = rd
	}
	if failCode != "" {
		r.Fail(failCode)
	}
	if _, err := s.cfg.Audit.Append(ctx, r); err != nil {
		return fmt.Errorf("%w: %v", release.ErrAuditUnavailable, err)
	}
	return nil
}

// contentOf reads an allowed consult into its fields; anything it cannot
// read is refused (the pack should have refused it already).
func contentOf(m map[string]any) (Content, error) {
	var c Content
	str := func(k string) (string, error) {
		v, ok := m[k]
		if !ok {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("%w: consult.%s is not text", ErrIdentifying, k)
		}
		return s, nil
	}
	var err error
	if c.AgeBand, err = str("age_band"); err != nil {
		return c, err
	}
	if c.SchoolType, err = str("school_type"); err != nil {
		return c, err
	}
	if c.Question, err = str("question"); err != nil {
		return c, err
	}
	if v, ok := m["concerns"]; ok {
		l, ok := v.([]any)
		if !ok {
			return c, fmt.Errorf("%w: consult.concerns is not a list", ErrIdentifying)
		}
		for _, x := range l {
			s, ok := x.(string)
			if !ok {
				return c, fmt.Errorf("%w: consult.concerns holds a value that is not text", ErrIdentifying)
			}
			c.Concerns = append(c.Concerns, s)
		}
	}
	for k := range m {
		if !slices.Contains([]string{"age_band", "school_type", "concerns", "question"}, k) {
			return c, fmt.Errorf("%w: consult holds a key outside the closed list", ErrIdentifying)
		}
	}
	return c, nil
}

func newConsultID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

var consultIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// Send decides a consult with this node's pack and, when allowed, hands it
// to the consultee's node. A refusal (here or there) is the response's
// decision; nothing of a refused consult is stored.
func (s *Service) Send(ctx context.Context, req *localv1.SendConsultRequest) (*localv1.SendConsultResponse, error) {
	start := s.cfg.Now()
	if req.GetRecipientOin() == "" {
		return nil, invalidf("recipient_oin is required")
	}
	if req.GetRecipientRole() == "" {
		return nil, invalidf("recipient_role is required")
	}
	peer, ok := s.cfg.Directory.Lookup(req.GetRecipientOin())
	if !ok {
		return nil, invalidf("recipient_oin is not in the peer directory")
	}
	content := req.GetConsult().AsMap()
	d, err := s.decide(ctx, s.cfg.Self, peer, req.GetHolderRole(), req.GetRecipientRole(), content)
	if err != nil {
		return nil, err
	}
	var c Content
	if d.Allow {
		if c, err = contentOf(content); err != nil {
			// The pack allowed what the node cannot read: fail closed.
			d.Allow = false
			d.Reasons = []policy.Reason{{Code: CodeIdentifying, Message: "Het consult bevat gegevens buiten de vaste keuzelijsten."}}
		}
	}
	if err := s.record(ctx, audit.ActionConsultSend, audit.SideHolder, s.cfg.Self.OIN, peer.OIN, req.GetRecipientRole(), &d, "", start, traceparent.Context{}); err != nil {
		return nil, err
	}
	if !d.Allow {
		return &localv1.SendConsultResponse{Decision: release.DecisionToProto(d)}, nil
	}
	st, err := structpb.NewStruct(contentMap(c))
	if err != nil {
		return nil, err
	}
	conn, err := s.cfg.Conns.Conn(peer)
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	id := newConsultID()
	resp, err := exchangev1.NewExchangeServiceClient(conn).SendConsult(cctx, &exchangev1.SendConsultRequest{
		ConsultId: id, SentAt: timestamppb.New(s.cfg.Now()), HolderRole: req.GetHolderRole(),
		RecipientRole: req.GetRecipientRole(), Consult: st,
	})
	if err != nil {
		return nil, err
	}
	if !resp.GetDecision().GetAllow() {
		return &localv1.SendConsultResponse{Decision: resp.GetDecision()}, nil
	}
	if err := s.cfg.Store.putSent(ctx, id, peer.OIN, req.GetRecipientRole(), c, start); err != nil {
		return nil, err
	}
	return &localv1.SendConsultResponse{ConsultId: id, Decision: resp.GetDecision()}, nil
}

// contentMap is a consult's wire form: only the keys that are set.
func contentMap(c Content) map[string]any {
	m := map[string]any{}
	if c.AgeBand != "" {
		m["age_band"] = c.AgeBand
	}
	if c.SchoolType != "" {
		m["school_type"] = c.SchoolType
	}
	if c.Concerns != nil {
		l := make([]any, len(c.Concerns))
		for i, x := range c.Concerns {
			l[i] = x
		}
		m["concerns"] = l
	}
	if c.Question != "" {
		m["question"] = c.Question
	}
	return m
}

// Receive decides a consult from the authenticated peer from with this
// node's pack and keeps an allowed one for an answer.
func (s *Service) Receive(ctx context.Context, from identity.Peer, req *exchangev1.SendConsultRequest) (*exchangev1.SendConsultResponse, error) {
	start := s.cfg.Now()
	if !consultIDPattern.MatchString(req.GetConsultId()) {
		return nil, invalidf("consult_id must be 16 to 64 letters, digits, '-' or '_'")
	}
	if req.GetRecipientRole() == "" {
		return nil, invalidf("recipient_role is required")
	}
	if sent := req.GetSentAt().AsTime(); req.GetSentAt() == nil || sent.Sub(start).Abs() > s.cfg.Skew {
		return nil, invalidf("sent_at is missing or outside the allowed clock difference")
	}
	if _, err := s.cfg.Store.received(ctx, from.OIN, req.GetConsultId()); err == nil {
		return nil, ErrDuplicate
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	foreign, _ := traceparent.Incoming(ctx)
	content := req.GetConsult().AsMap()
	d, err := s.decide(ctx, from, s.cfg.Self, req.GetHolderRole(), req.GetRecipientRole(), content)
	if err != nil {
		return nil, err
	}
	var c Content
	if d.Allow {
		if c, err = contentOf(content); err != nil {
			d.Allow = false
			d.Reasons = []policy.Reason{{Code: CodeIdentifying, Message: "Het consult bevat gegevens buiten de vaste keuzelijsten."}}
		}
	}
	if err := s.record(ctx, audit.ActionConsultReceive, audit.SideRecipient, from.OIN, s.cfg.Self.OIN, req.GetRecipientRole(), &d, "", start, foreign); err != nil {
		return nil, err
	}
	if d.Allow {
		if err := s.cfg.Store.putReceived(ctx, Received{ID: req.GetConsultId(), SenderOIN: from.OIN, HolderRole: req.GetHolderRole(),
			RecipientRole: req.GetRecipientRole(), Content: c, ReceivedAt: start}); err != nil {
			return nil, err
		}
	}
	return &exchangev1.SendConsultResponse{Decision: release.DecisionToProto(d)}, nil
}

// List lists the open received consults.
func (s *Service) List(ctx context.Context, _ *localv1.ListConsultsRequest) (*localv1.ListConsultsResponse, error) {
	open, err := s.cfg.Store.Open(ctx)
	if err != nil {
		return nil, err
	}
	out := &localv1.ListConsultsResponse{}
	for _, r := range open {
		name := ""
		if p, ok := s.cfg.Directory.Lookup(r.SenderOIN); ok {
			name = p.Name
		}
		out.Consults = append(out.Consults, &localv1.ReceivedConsult{
			ConsultId: r.ID, SenderOin: r.SenderOIN, SenderName: name, HolderRole: r.HolderRole, RecipientRole: r.RecipientRole,
			AgeBand: r.Content.AgeBand, SchoolType: r.Content.SchoolType, Concerns: r.Content.Concerns, Question: r.Content.Question,
			ReceivedAt: timestamppb.New(r.ReceivedAt),
		})
	}
	return out, nil
}

// digitRun is a run of digits, possibly with the separators people write
// a BSN with ("1234.56.782", "123 456 782").
var digitRun = regexp.MustCompile(`[0-9][0-9. \-]*[0-9]`)

// CheckAdvice refuses advice that is empty, too long, not UTF-8, or holds a
// number with nine digits in a row (separators aside) that pass the BSN
// 11-proef (ErrIdentifying; fail closed, so a longer number such as a phone
// number may be refused too). A name cannot be
// recognised in free text: the consultee answers for its advice.
func CheckAdvice(advice string) error {
	if strings.TrimSpace(advice) == "" {
		return invalidf("advice is required")
	}
	if !utf8.ValidString(advice) {
		return invalidf("advice is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(advice); n > MaxAdvice {
		return invalidf("advice is %d characters, at most %d", n, MaxAdvice)
	}
	for _, run := range digitRun.FindAllString(advice, -1) {
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, run)
		for i := 0; i+9 <= len(digits); i++ {
			if bsn.Valid(digits[i:i+9]) == nil {
				return fmt.Errorf("%w: the advice holds a number that could be a BSN", ErrIdentifying)
			}
		}
	}
	return nil
}

func (s *Service) checkRole(role string, c Content) error {
	if role == "" {
		return nil
	}
	if c.Question != AskRole {
		return invalidf("role: the consult did not ask who could take a role (question %q)", c.Question)
	}
	for _, r := range s.cfg.Policy.Engine().Pack().Data().Roles {
		if r.ID == role {
			return nil
		}
	}
	return invalidf("role %q is not a role of the policy pack", role)
}

// Answer stores the consultee's answer to an open received consult.
func (s *Service) Answer(ctx context.Context, req *localv1.AnswerConsultRequest) (*localv1.AnswerConsultResponse, error) {
	start := s.cfg.Now()
	r, err := s.cfg.Store.receivedByID(ctx, req.GetConsultId())
	if err != nil {
		return nil, err
	}
	if r.AnsweredAt != nil {
		return nil, ErrAnswered
	}
	checkErr := CheckAdvice(req.GetAdvice())
	if checkErr == nil {
		checkErr = s.checkRole(req.GetRole(), r.Content)
	}
	code := ""
	if errors.Is(checkErr, ErrIdentifying) {
		code = CodeIdentifying
	} else if checkErr != nil {
		return nil, checkErr
	}
	if err := s.record(ctx, audit.ActionConsultAnswer, audit.SideRecipient, r.SenderOIN, s.cfg.Self.OIN, r.RecipientRole, nil, code, start, traceparent.Context{}); err != nil {
		return nil, err
	}
	if checkErr != nil {
		return nil, checkErr
	}
	if err := s.cfg.Store.answer(ctx, r.SenderOIN, r.ID, req.GetAdvice(), req.GetRole(), s.cfg.Now()); err != nil {
		return nil, err
	}
	return &localv1.AnswerConsultResponse{}, nil
}

// GetAnswer fetches the answer to a consult this node sent from the
// consultee's node.
func (s *Service) GetAnswer(ctx context.Context, req *localv1.GetConsultAnswerRequest) (*localv1.GetConsultAnswerResponse, error) {
	start := s.cfg.Now()
	oin, err := s.cfg.Store.sentTo(ctx, req.GetConsultId())
	if err != nil {
		return nil, err
	}
	peer, ok := s.cfg.Directory.Lookup(oin)
	if !ok {
		return nil, invalidf("the consultee %s is no longer in the peer directory", oin)
	}
	conn, err := s.cfg.Conns.Conn(peer)
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	resp, err := exchangev1.NewExchangeServiceClient(conn).GetConsultAnswer(cctx, &exchangev1.GetConsultAnswerRequest{ConsultId: req.GetConsultId()})
	if err != nil {
		return nil, err
	}
	if !resp.GetAnswered() {
		return &localv1.GetConsultAnswerResponse{}, nil
	}
	// The answer is checked again here: identifying data is refused at
	// either side, and a role must be one of this node's pack.
	code := ""
	checkErr := CheckAdvice(resp.GetAdvice())
	if checkErr == nil && resp.GetRole() != "" {
		if !slices.ContainsFunc(s.cfg.Policy.Engine().Pack().Data().Roles, func(r policy.Role) bool { return r.ID == resp.GetRole() }) {
			checkErr = fmt.Errorf("%w: the answer names a role that is not in the policy pack", ErrIdentifying)
		}
	}
	if checkErr != nil {
		code = CodeIdentifying
	}
	if err := s.record(ctx, audit.ActionConsultAnswerRead, audit.SideHolder, s.cfg.Self.OIN, peer.OIN, "", nil, code, start, traceparent.Context{}); err != nil {
		return nil, err
	}
	if checkErr != nil {
		return nil, fmt.Errorf("%w: the consultee's answer was discarded", ErrIdentifying)
	}
	return &localv1.GetConsultAnswerResponse{Answered: true, Advice: resp.GetAdvice(), Role: resp.GetRole(), AnsweredAt: resp.GetAnsweredAt()}, nil
}

// ServeAnswer hands the answer to a consult to the peer that sent it (by
// its certificate): another organisation's consult is not found.
func (s *Service) ServeAnswer(ctx context.Context, from identity.Peer, req *exchangev1.GetConsultAnswerRequest) (*exchangev1.GetConsultAnswerResponse, error) {
	start := s.cfg.Now()
	r, err := s.cfg.Store.received(ctx, from.OIN, req.GetConsultId())
	if err != nil {
		return nil, err
	}
	if r.AnsweredAt == nil {
		return &exchangev1.GetConsultAnswerResponse{}, nil
	}
	foreign, _ := traceparent.Incoming(ctx)
	if err := s.record(ctx, audit.ActionConsultAnswerRead, audit.SideRecipient, from.OIN, s.cfg.Self.OIN, r.RecipientRole, nil, "", start, foreign); err != nil {
		return nil, err
	}
	return &exchangev1.GetConsultAnswerResponse{Answered: true, Advice: r.Advice, Role: r.Role, AnsweredAt: timestamppb.New(*r.AnsweredAt)}, nil
}
