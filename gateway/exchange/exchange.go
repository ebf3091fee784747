// Package exchange is the peer side of a request between two nodes. On the
// holder's node, Holder.Serve takes a peer's request from identity to
// response: validate, refuse replays, and hand the release to
// gateway/release, which decides, fetches only what is released, audits
// durably and proves. On the recipient's node, Requester.Ask sends a request
// to a peer and verifies and records what comes back.
package exchange

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/schakel/schakel/gateway/bsn"
	"github.com/schakel/schakel/gateway/release"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
)

// Vocabulary knows the purposes and categories of the active pack.
type Vocabulary interface {
	KnownPurpose(string) bool
	KnownCategory(string) bool
}

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._:-]{16,64}$`)

// ValidateRequest checks a peer request and reports every problem at once.
// Unknown categories are refused here (a malformed request), while an unknown
// purpose is left to the policy, which answers with UNKNOWN_PURPOSE.
func ValidateRequest(r *exchangev1.RequestRecordRequest, vocab Vocabulary) error {
	var errs []error
	if !requestIDRE.MatchString(r.GetRequestId()) {
		errs = append(errs, errors.New("request_id: must be 16 to 64 characters [A-Za-z0-9._:-]"))
	}
	errs = append(errs, release.ValidateClaims(release.Claims{
		Purpose: r.GetPurpose(), Flow: r.GetFlow(), Roles: map[string]string{"recipient_role": r.GetRecipientRole()},
		CaseReference: r.GetCaseReference(), Justification: r.GetJustification(),
	})...)
	if err := bsn.Valid(r.GetBsn()); err != nil {
		errs = append(errs, fmt.Errorf("bsn: %w", err))
	}
	errs = append(errs, validateCategories(r.GetCategories(), vocab)...)
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", release.ErrInvalidRequest, errors.Join(errs...))
	}
	return nil
}

func validateCategories(cats []string, vocab Vocabulary) []error {
	var errs []error
	if len(cats) == 0 {
		errs = append(errs, errors.New("categories: at least one category is required"))
	}
	seen := map[string]bool{}
	for i, c := range cats {
		switch {
		case !vocab.KnownCategory(c):
			errs = append(errs, fmt.Errorf("categories[%d]: unknown category %q", i, c))
		case seen[c]:
			errs = append(errs, fmt.Errorf("categories[%d]: duplicate category %q", i, c))
		}
		seen[c] = true
	}
	return errs
}
