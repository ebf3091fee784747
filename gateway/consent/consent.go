// Package consent is the holder's register of consents: who (a parent or
// the young person) allowed which recipient organisation to receive which
// categories of a child's data, for which purpose, from when, until when, and
// whether it was withdrawn. The policy reads the register on every request;
// a withdrawal counts from the moment it is recorded.
package consent

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/schakel/schakel/gateway/bsn"
	"github.com/schakel/schakel/gateway/oin"
)

var (
	// ErrInvalid is wrapped by every validation problem.
	ErrInvalid = errors.New("consent: invalid")
	// ErrNotFound means no consent has the given id.
	ErrNotFound = errors.New("consent: not found")
	// ErrAlreadyWithdrawn means the consent was withdrawn before.
	ErrAlreadyWithdrawn = errors.New("consent: already withdrawn")
)

// Who may give consent.
const (
	GivenByOuder    = "ouder"    // a parent with gezag, or a guardian
	GivenByJeugdige = "jeugdige" // the young person
)

// Consent is one consent for one child, as the holder records it.
type Consent struct {
	ID      string // "c-" + 32 hex digits, assigned by Register
	BSN     string
	GivenBy string // GivenByOuder or GivenByJeugdige
	// Giver is a stable pseudonymous reference to the person who gave it
	// (the organisation's own id of that parent or young person, never a
	// name or BSN). Two ouder consents count as two parents only with two
	// different, non-empty givers.
	Giver        string
	RecipientOIN string
	// HolderOIN is the organisation the consent lets RecipientOIN obtain
	// data from ("" for any): a consent to fetch data says from whom.
	HolderOIN   string
	Purpose     string
	Categories  []string
	GivenAt     time.Time
	ValidUntil  *time.Time // nil: until withdrawn
	WithdrawnAt *time.Time // nil: not withdrawn
	// AuditIndex is the index of the consent's latest audit record (its
	// register record, after a withdrawal its withdraw record), set by
	// Store.Bind once that record is durable; nil: not bound, so the
	// consent does not count (see Digest and Match).
	AuditIndex *uint64
}

// Vocabulary says which purposes and categories exist; the policy pack
// provides it.
type Vocabulary interface {
	KnownPurpose(string) bool
	KnownCategory(string) bool
}

// Store is the consent register.
type Store interface {
	// Register validates c and stores it with a new ID; errors wrap ErrInvalid.
	Register(ctx context.Context, c Consent) (Consent, error)
	// Withdraw records the withdrawal of consent id at the given time;
	// ErrNotFound or ErrAlreadyWithdrawn.
	Withdraw(ctx context.Context, id string, at time.Time) (Consent, error)
	// List returns all of a child's consents, including withdrawn and
	// expired ones, ordered by GivenAt.
	List(ctx context.Context, bsn string) ([]Consent, error)
	// Get returns one consent; ErrNotFound.
	Get(ctx context.Context, id string) (Consent, error)
	// Bind records that the consent's latest audit record (register or
	// withdraw, carrying its Digest) is at index; ErrNotFound.
	Bind(ctx context.Context, id string, index uint64) error
}

// problem is one validation problem: its text names it, and it wraps
// ErrInvalid and, where there is one, the cause (e.g. bsn.ErrInvalid).
type problem struct {
	msg   string
	cause error
}

func (p *problem) Error() string { return p.msg }
func (p *problem) Unwrap() []error {
	if p.cause == nil {
		return []error{ErrInvalid}
	}
	return []error{ErrInvalid, p.cause}
}

func invalid(cause error, format string, args ...any) error {
	return &problem{msg: "consent: " + fmt.Sprintf(format, args...), cause: cause}
}

// Validate reports every problem with c at once (errors.Join), each wrapping
// ErrInvalid: the BSN (11-proef), given_by, the recipient OIN, the purpose,
// the categories (at least one, each known, none twice), given_at, and
// valid_until after given_at. With a nil vocab, purposes and categories are
// only checked for being present: pass the policy's vocabulary wherever a
// consent is accepted.
func Validate(c Consent, vocab Vocabulary) error {
	var errs []error
	if err := bsn.Valid(c.BSN); err != nil {
		errs = append(errs, invalid(err, "%v", err))
	}
	if c.GivenBy != GivenByOuder && c.GivenBy != GivenByJeugdige {
		errs = append(errs, invalid(nil, "given_by must be %q or %q, got %q", GivenByOuder, GivenByJeugdige, c.GivenBy))
	}
	if err := oin.Valid(c.RecipientOIN); err != nil {
		errs = append(errs, invalid(nil, "recipient_oin must be 20 digits"))
	}
	if c.HolderOIN != "" {
		if err := oin.Valid(c.HolderOIN); err != nil {
			errs = append(errs, invalid(nil, "holder_oin must be 20 digits (or empty for any holder)"))
		}
	}
	switch {
	case c.Purpose == "":
		errs = append(errs, invalid(nil, "purpose is required"))
	case vocab != nil && !vocab.KnownPurpose(c.Purpose):
		errs = append(errs, invalid(nil, "unknown purpose %q", c.Purpose))
	}
	if len(c.Categories) == 0 {
		errs = append(errs, invalid(nil, "at least one category is required"))
	}
	seen := map[string]bool{}
	for _, cat := range c.Categories {
		switch {
		case cat == "":
			errs = append(errs, invalid(nil, "empty category"))
		case seen[cat]:
			errs = append(errs, invalid(nil, "category %q listed twice", cat))
		case vocab != nil && !vocab.KnownCategory(cat):
			errs = append(errs, invalid(nil, "unknown category %q", cat))
		}
		seen[cat] = true
	}
	if c.GivenAt.IsZero() {
		errs = append(errs, invalid(nil, "given_at is required"))
	} else if c.ValidUntil != nil && !c.ValidUntil.After(c.GivenAt) {
		errs = append(errs, invalid(nil, "valid_until must be after given_at"))
	}
	if len(c.Giver) > 64 || !giverRE.MatchString(c.Giver) {
		errs = append(errs, invalid(nil, "giver must be a pseudonymous reference of at most 64 characters [A-Za-z0-9._:-]"))
	}
	return errors.Join(errs...)
}

var giverRE = regexp.MustCompile(`^[A-Za-z0-9._:-]*$`)

// Bounds of given_at when a consent is registered: a consent is evidence of
// something that happened, so it cannot be dated in the future (beyond a
// small clock difference), nor further back than MaxAge.
const (
	ClockSkew = 5 * time.Minute
	// DefaultMaxAge is how far back given_at may lie by default.
	DefaultMaxAge = 2 * 365 * 24 * time.Hour
)

// CheckGivenAt refuses a given_at in the future or older than maxAge (zero:
// DefaultMaxAge) at now.
func CheckGivenAt(givenAt, now time.Time, maxAge time.Duration) error {
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	switch {
	case givenAt.After(now.Add(ClockSkew)):
		return invalid(nil, "given_at lies in the future")
	case givenAt.Before(now.Add(-maxAge)):
		return invalid(nil, "given_at lies further back than %s", maxAge)
	}
	return nil
}

// ActiveAt reports whether c is in force at t: given at or before t, not
// expired, and not withdrawn at or before t.
func (c Consent) ActiveAt(t time.Time) bool {
	if t.Before(c.GivenAt) {
		return false
	}
	if c.ValidUntil != nil && !t.Before(*c.ValidUntil) {
		return false
	}
	return c.WithdrawnAt == nil || t.Before(*c.WithdrawnAt)
}
