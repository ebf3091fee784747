package audit

import (
	"fmt"
	"time"
)

// Action names what a record is about. The names are the LDV "processing
// activity" of a record and part of its canonical body; they are defined here
// only, so the rest of the node (and the inzage text) switches on these
// constants instead of on strings.
type Action string

// The actions a node records.
const (
	// ActionRequestDecide: the holder decided a peer's request (allow or deny).
	ActionRequestDecide Action = "schakel.request.decide"
	// ActionRequestRefuse: the holder refused a request before any decision
	// (a replayed request id, a timestamp outside the allowed clock skew).
	ActionRequestRefuse Action = "schakel.request.refuse"
	// ActionRequestReceive: the recipient's record of what it asked and received.
	ActionRequestReceive Action = "schakel.request.receive"
	// ActionNotifyDecide: the sender decided a notification when it was sent;
	// nothing left yet (what leaves is recorded per delivery attempt).
	ActionNotifyDecide Action = "schakel.notify.decide"
	// ActionNotifyDeliver: the sender released a notification to a peer.
	ActionNotifyDeliver Action = "schakel.notify.deliver"
	// ActionNotifyCancel: the policy no longer allowed a queued notification.
	ActionNotifyCancel Action = "schakel.notify.cancel"
	// ActionNotifyDeadLetter: a notification was given up undelivered.
	ActionNotifyDeadLetter Action = "schakel.notify.dead_letter"
	// ActionNotifyReceive: the recipient's record of a notification it received.
	ActionNotifyReceive Action = "schakel.notify.receive"

	// Actions of the local API that the log records with the local client's
	// identity: the record's ForeignEntity is LocalEntity(client), HolderOIN
	// this node, Subject the child's pseudonym (local.go).
	ActionConsentRegister Action = "schakel.consent.register"
	ActionConsentWithdraw Action = "schakel.consent.withdraw"
	ActionConsentList     Action = "schakel.consent.list"
	ActionInzageRead      Action = "schakel.inzage.read"
	// ActionObligationComplete: a console user ticked an obligation off; the
	// record's DecisionID is the release's decision, its Subject a
	// pseudonym of the obligation id (never a child's).
	ActionObligationComplete Action = "schakel.obligation.complete"
	// ActionVersionDowngrade: the node put in force a policy pack or peer
	// directory older than one it accepted before, because an operator
	// allowed it (`schakel node allow-downgrade`); ReasonCodes name the
	// kind (POLICY_DOWNGRADE, DIRECTORY_DOWNGRADE), CaseReference the
	// versions and the operator's reason. No child: Subject is empty.
	ActionVersionDowngrade Action = "schakel.version.downgrade"
	// ActionInzageMark: a professional of this node marked one of its
	// records about a child for the inzage (released for inzage, held back
	// from the parents, or shown to them again); Subject is the child's
	// pseudonym and InzageMark the mark (see package inzage).
	ActionInzageMark Action = "schakel.inzage.mark"

	// Anonymous consults (N1): records without a Subject (no child is named).
	// ActionConsultSend: the asker's node decided a consult (allow: sent).
	ActionConsultSend Action = "schakel.consult.send"
	// ActionConsultReceive: the consultee's node decided a consult that
	// arrived (allow: kept for an answer).
	ActionConsultReceive Action = "schakel.consult.receive"
	// ActionConsultAnswer: the consultee gave its answer.
	ActionConsultAnswer Action = "schakel.consult.answer"
	// ActionConsultAnswerRead: the asker's node fetched the answer (the
	// consultee's node records that it handed it over with the same action).
	ActionConsultAnswerRead Action = "schakel.consult.answer_read"
	// ActionMonitoringExport: the node sent (or the pack refused) a
	// monitoring export (M1); ActionMonitoringReceive: the kennispunt kept
	// or refused one.
	ActionMonitoringExport  Action = "schakel.monitoring.export"
	ActionMonitoringReceive Action = "schakel.monitoring.receive"
)

// Status is the LDV status code of a record.
type Status int

// The status codes (OpenTelemetry's: unset, ok, error).
const (
	StatusUnset Status = 0
	StatusOK    Status = 1
	StatusError Status = 2
)

// Side says which side of an exchange wrote a record.
type Side string

// The two sides of an exchange.
const (
	SideHolder    Side = "holder"
	SideRecipient Side = "recipient"
)

// ForeignEntity is the LDV identifier of another organisation: "urn:oin:" and
// its OIN.
func ForeignEntity(oin string) string { return "urn:oin:" + oin }

// Event is what every record starts from: the action, this node's side, the
// two organisations and the trace.
type Event struct {
	Action Action
	Side   Side
	// HolderOIN releases the data; RecipientOIN receives them. The other
	// organisation (the ForeignEntity) follows from Side.
	HolderOIN, RecipientOIN string
	// Subject is Pseudonym(secret, bsn).
	Subject string
	// Trace is this record's trace and span id; Foreign* the other node's,
	// when its trace context arrived with the call.
	TraceID        [16]byte
	SpanID         [8]byte
	ForeignTraceID [16]byte
	ForeignSpanID  [8]byte
	Start, End     time.Time
}

// NewRecord is the one constructor of audit records: it fills the LDV fields
// from e (times at millisecond precision, the foreign entity from the side),
// status OK and the fallback retention. Callers add the decision.
func NewRecord(e Event) *Record {
	other := e.RecipientOIN
	if e.Side == SideRecipient {
		other = e.HolderOIN
	}
	return &Record{
		TraceID: e.TraceID, SpanID: e.SpanID,
		ForeignTraceID: e.ForeignTraceID, ForeignSpanID: e.ForeignSpanID,
		Name: e.Action, StatusCode: StatusOK, Side: e.Side,
		StartTime: e.Start.Truncate(time.Millisecond), EndTime: e.End.Truncate(time.Millisecond),
		ForeignEntity: ForeignEntity(other),
		HolderOIN:     e.HolderOIN, RecipientOIN: e.RecipientOIN,
		Subject:       e.Subject,
		RetentionDays: FallbackRetentionDays,
	}
}

// Released reports whether the record says that data left (or, on the
// recipient, arrived): an allowed, successful action with at least one
// category.
func (r *Record) Released() bool {
	return r.Allow && r.StatusCode != StatusError && len(r.CategoriesReleased) > 0
}

// Fail marks the record as failed: nothing was released, with reason code.
func (r *Record) Fail(code string) {
	r.StatusCode = StatusError
	r.Allow = false
	r.CategoriesReleased = nil
	r.ReasonCodes = append(r.ReasonCodes, code)
}

func (a Action) valid() error {
	switch a {
	case ActionRequestDecide, ActionRequestRefuse, ActionRequestReceive, ActionNotifyDecide,
		ActionNotifyDeliver, ActionNotifyCancel, ActionNotifyDeadLetter, ActionNotifyReceive,
		ActionConsentRegister, ActionConsentWithdraw, ActionConsentList, ActionInzageRead,
		ActionObligationComplete, ActionVersionDowngrade, ActionInzageMark, ActionConsultSend, ActionConsultReceive, ActionConsultAnswer,
		ActionConsultAnswerRead, ActionMonitoringExport, ActionMonitoringReceive:
		return nil
	case "":
		return fmt.Errorf("name is empty")
	}
	return fmt.Errorf("name %q is not an audit action", string(a))
}
