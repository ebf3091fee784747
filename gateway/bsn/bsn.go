// Package bsn validates Dutch citizen service numbers (burgerservicenummers).
package bsn

import (
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by every error Valid returns; test with errors.Is.
var ErrInvalid = errors.New("bsn: invalid")

// invalidError names the problem in its text and unwraps to ErrInvalid, so the
// message reads "bsn: fails the 11-proef" rather than repeating the sentinel.
type invalidError string

func (e invalidError) Error() string { return string(e) }
func (e invalidError) Unwrap() error { return ErrInvalid }

func invalidf(format string, args ...any) error {
	return invalidError(fmt.Sprintf(format, args...))
}

// Valid reports whether s is a well-formed BSN: exactly nine ASCII digits, not
// all zeros, passing the 11-proef (weights 9 down to 2 and -1 on the last
// digit; the weighted sum is divisible by 11). It checks the form only: a
// valid BSN need not be issued to anyone.
func Valid(s string) error {
	if len(s) != 9 {
		return invalidf("bsn: must be 9 digits, got %d characters", len(s))
	}
	sum, zeros := 0, true
	for i := 0; i < 9; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return invalidf("bsn: must be 9 digits, found a non-digit at position %d", i+1)
		}
		d := int(c - '0')
		if d != 0 {
			zeros = false
		}
		if i == 8 {
			sum -= d
		} else {
			sum += d * (9 - i)
		}
	}
	if zeros {
		return invalidf("bsn: must not be all zeros")
	}
	if sum%11 != 0 {
		return invalidf("bsn: fails the 11-proef")
	}
	return nil
}
