package bsn

import (
	"errors"
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr string // empty means valid
	}{
		{"valid test-range number", "999996708", ""},
		{"valid with leading zero", "012345672", ""},
		{"valid another", "111222333", ""},
		{"fails 11-proef", "999996709", "fails the 11-proef"},
		{"too short", "99999670", "must be 9 digits"},
		{"too long", "9999967080", "must be 9 digits"},
		{"empty", "", "must be 9 digits"},
		{"letter", "99999670a", "must be 9 digits"},
		{"space", " 99999670", "must be 9 digits"},
		{"unicode digit", "99999670\u0661", "must be 9 digits"},
		{"all zeros", "000000000", "all zeros"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Valid(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Valid(%q) = %v, want nil", tt.in, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Valid(%q) = nil, want error containing %q", tt.in, tt.wantErr)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("Valid(%q) error %v does not wrap ErrInvalid", tt.in, err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Valid(%q) = %q, want it to contain %q", tt.in, err, tt.wantErr)
			}
			if len(tt.in) >= 8 && strings.Contains(err.Error(), tt.in) {
				t.Errorf("error %q repeats the input; a BSN must not end up in logs", err)
			}
		})
	}
}
