package notify

import (
	"context"
	"errors"
	"time"
)

// State is the state of an outgoing notification.
type State string

// The states of an outgoing notification. Queued is the only state that
// changes; the others are final.
const (
	StateQueued     State = "queued"
	StateDelivered  State = "delivered"
	StateCancelled  State = "cancelled"
	StateDeadLetter State = "dead_letter"
)

// ErrNotFound means no notification has that id.
var ErrNotFound = errors.New("notification not found")

// Outgoing is a notification in the outbox.
type Outgoing struct {
	ID             string
	IdempotencyKey string
	// RequestDigest is the digest of the local request, to refuse a key
	// reused for a different notification.
	RequestDigest string
	RecipientOIN  string
	Purpose       string
	Flow          string // the flow of the first decision
	BSN           string // cleared once the notification is final
	Role          string
	RecipientRole string
	CaseReference string
	Justification string
	Record        []byte // recordv1.Record, deterministic encoding; cleared once delivered or cancelled
	Decision      []byte // exchangev1.Decision of the decision at send time
	TraceID       string // hex; shared by every attempt
	State         State
	Attempts      int
	LastError     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	NextAttempt   time.Time
	// Set on delivery: the recipient's id, the digest its receipt covers,
	// and its signature.
	RemoteID         string
	ReceiptDigest    string
	ReceiptSignature []byte
}

// Incoming is a notification received from a peer.
type Incoming struct {
	ID               string
	SenderOIN        string
	IdempotencyKey   string
	Flow             string
	Purpose          string
	BSN              string // cleared once acknowledged
	HolderRole       string
	RecipientRole    string
	CaseReference    string
	Record           []byte // cleared once acknowledged
	Decision         []byte // exchangev1.Decision as the sender audited it
	Proof            []byte // exchangev1.AuditProof: the sender's audit proof
	PayloadDigest    string
	ReceiptSignature []byte // this node's signed receipt
	ReceiptIndex     uint64 // this node's audit index of the receive record
	ReceivedAt       time.Time
	AckedAt          *time.Time
}

// Store keeps the outbox and the inbox durably. Every method that returns
// without error has committed (fsynced) its change. *SQLiteStore implements
// it; a PostgreSQL store for several replicas would also have to lease the
// rows it delivers (see Due).
type Store interface {
	// Enqueue adds o to the outbox. When a notification with the same
	// idempotency key exists, it returns that one and created=false.
	Enqueue(ctx context.Context, o Outgoing) (_ Outgoing, created bool, err error)
	// OutgoingByKey returns the notification with this idempotency key.
	OutgoingByKey(ctx context.Context, key string) (Outgoing, bool, error)
	// Outgoing returns one notification, or ErrNotFound.
	Outgoing(ctx context.Context, id string) (Outgoing, error)
	// ListOutgoing lists every outgoing notification, oldest first.
	ListOutgoing(ctx context.Context) ([]Outgoing, error)
	// Due lists queued notifications to recipientOIN whose next attempt is
	// at or before now, the most overdue first, at most limit.
	Due(ctx context.Context, recipientOIN string, now time.Time, limit int) ([]Outgoing, error)
	// NextDue is the earliest next attempt of any queued notification.
	NextDue(ctx context.Context) (time.Time, bool, error)
	// Update writes the mutable fields of a queued notification (state,
	// attempts, last error, next attempt, receipt). A final state clears
	// the payload (a dead letter keeps it for an operator). It fails with
	// ErrNotFound when the notification is no longer queued.
	Update(ctx context.Context, o Outgoing) error
	// Receive stores in unless a notification from the same sender with the
	// same idempotency key exists; then it returns that one and
	// duplicate=true.
	Receive(ctx context.Context, in Incoming) (_ Incoming, duplicate bool, err error)
	// IncomingByKey returns a received notification by sender and key.
	IncomingByKey(ctx context.Context, senderOIN, key string) (Incoming, bool, error)
	// Pull lists unacknowledged received notifications, oldest first.
	Pull(ctx context.Context, limit int) ([]Incoming, error)
	// Ack acknowledges a received notification and clears its payload; a
	// second Ack of the same id succeeds. Unknown ids give ErrNotFound.
	Ack(ctx context.Context, id string, at time.Time) error
	Close() error
}
