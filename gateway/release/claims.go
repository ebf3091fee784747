package release

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// Bounds of what a request or notification may state. A value outside them
// is refused before anything is decided or stored: a peer cannot write
// arbitrary text into this node's audit log (or a parent's inzage).
const (
	MaxCaseReference = 256
	MaxJustification = 4000
)

var (
	vocabWordRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`) // purpose, role
	flowIDRE    = regexp.MustCompile(`^[A-Z][A-Z0-9]{0,7}$`)
)

// Claims are what the requesting organisation (or the sender) states about
// an exchange.
type Claims struct {
	Purpose, Flow                string
	Roles                        map[string]string // field name -> role ("" allowed)
	CaseReference, Justification string
}

// ValidateClaims checks the shape of claims and reports every problem, each
// naming its field. Whether a well-formed purpose, flow or role is in the
// pack's vocabulary is the policy's to answer (UNKNOWN_PURPOSE, …).
func ValidateClaims(c Claims) []error {
	var errs []error
	switch {
	case c.Purpose == "":
		errs = append(errs, errors.New("purpose: required"))
	case !vocabWordRE.MatchString(c.Purpose):
		errs = append(errs, fmt.Errorf("purpose: must be a purpose id (lower-case letters, digits, _; at most 64), got %d characters", len(c.Purpose)))
	}
	if c.Flow != "" && !flowIDRE.MatchString(c.Flow) {
		errs = append(errs, fmt.Errorf("flow: must be a flow id such as A1 (at most 8 capitals and digits), got %d characters", len(c.Flow)))
	}
	for field, role := range c.Roles {
		if role != "" && !vocabWordRE.MatchString(role) {
			errs = append(errs, fmt.Errorf("%s: must be a role id (lower-case letters, digits, _; at most 64), got %d characters", field, len(role)))
		}
	}
	if err := boundedText("case_reference", c.CaseReference, MaxCaseReference); err != nil {
		errs = append(errs, err)
	}
	if err := boundedText("justification", c.Justification, MaxJustification); err != nil {
		errs = append(errs, err)
	}
	return errs
}

func boundedText(field, s string, limit int) error {
	if len(s) > limit {
		return fmt.Errorf("%s: longer than %d characters", field, limit)
	}
	if strings.IndexFunc(s, func(r rune) bool { return r != '\n' && r != '\t' && unicode.IsControl(r) }) >= 0 || !validUTF8(s) {
		return fmt.Errorf("%s: contains control characters or invalid UTF-8", field)
	}
	return nil
}

func validUTF8(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// Digest is how a stated free text is kept where the text itself must not
// be: "sha256:" and 64 hex digits.
func Digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}
