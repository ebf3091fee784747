package exchange_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/schakel/schakel/gateway/exchange"
	"github.com/schakel/schakel/gateway/release"
	"github.com/schakel/schakel/policy"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
)

// packVocabulary is the vocabulary of the default policy pack.
type packVocabulary struct{ p *policy.Pack }

func (v packVocabulary) KnownPurpose(s string) bool  { return v.p.HasPurpose(s) }
func (v packVocabulary) KnownCategory(s string) bool { return v.p.HasCategory(s) }

func defaultVocabulary(tb testing.TB) packVocabulary {
	tb.Helper()
	p, err := policy.LoadPack(policy.DefaultPack())
	if err != nil {
		tb.Fatal(err)
	}
	return packVocabulary{p}
}

// elfProef is an independent statement of the BSN rule: nine ASCII digits,
// not all zero, weights 9..2 and -1, sum divisible by 11.
func elfProef(s string) bool {
	if len(s) != 9 || s == "000000000" {
		return false
	}
	sum := 0
	for i := 0; i < 9; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		w := 9 - i
		if i == 8 {
			w = -1
		}
		sum += w * int(s[i]-'0')
	}
	return sum%11 == 0
}

var fuzzRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{16,64}$`)

// FuzzValidateRequest feeds arbitrary field values to ValidateRequest. It
// must never panic; every refusal wraps ErrInvalidRequest; and whatever it
// accepts satisfies the request rules stated independently here: a
// well-formed request id, a purpose, a BSN that passes the 11-proef, at least
// one category, only known and no duplicate categories, and a justification
// of at most 4000 characters. The same fields are also sent through the
// protobuf wire format and back, as a peer would send them.
func FuzzValidateRequest(f *testing.F) {
	vocab := defaultVocabulary(f)
	f.Add("0123456789abcdef0123", "afstemming_hulp_onderwijs", "999990196", "verzuim,opp", "")
	f.Add("0123456789abcdef0123", "", "123456789", "schoenmaat", "")
	f.Add("short", "x", "99999019", "verzuim,verzuim", strings.Repeat("j", 4001))
	f.Add("0123456789abcdef0123", "zorgcoordinatie", "000000000", "", "")
	f.Fuzz(func(t *testing.T, id, purpose, bsnS, cats, justification string) {
		var categories []string
		if cats != "" {
			categories = strings.Split(cats, ",")
		}
		req := &exchangev1.RequestRecordRequest{RequestId: id, Purpose: purpose, Bsn: bsnS, Categories: categories, Justification: justification}
		err := exchange.ValidateRequest(req, vocab)
		// The same request after a trip over the wire gets the same verdict.
		if b, merr := proto.Marshal(req); merr == nil {
			var back exchangev1.RequestRecordRequest
			if uerr := proto.Unmarshal(b, &back); uerr == nil {
				if err2 := exchange.ValidateRequest(&back, vocab); (err == nil) != (err2 == nil) {
					t.Fatalf("verdict changed over the wire: %v vs %v", err, err2)
				}
			}
		}
		if err != nil {
			if !errors.Is(err, release.ErrInvalidRequest) {
				t.Fatalf("refusal does not wrap ErrInvalidRequest: %v", err)
			}
			return
		}
		if !fuzzRequestID.MatchString(id) {
			t.Fatalf("accepted request id %q", id)
		}
		if purpose == "" {
			t.Fatal("accepted an empty purpose")
		}
		if !elfProef(bsnS) {
			t.Fatalf("accepted BSN %q that fails the 11-proef", bsnS)
		}
		if len(categories) == 0 {
			t.Fatal("accepted a request without categories")
		}
		seen := map[string]bool{}
		for _, c := range categories {
			if !vocab.p.HasCategory(c) || seen[c] {
				t.Fatalf("accepted category list %q", categories)
			}
			seen[c] = true
		}
		if len(justification) > 4000 {
			t.Fatalf("accepted a justification of %d bytes", len(justification))
		}
	})
}

// FuzzValidateWire feeds arbitrary bytes as a peer's protobuf request: the
// decoder and ValidateRequest must never panic, and an accepted request
// carries a BSN that passes the 11-proef.
func FuzzValidateWire(f *testing.F) {
	vocab := defaultVocabulary(f)
	good, err := proto.Marshal(&exchangev1.RequestRecordRequest{RequestId: "0123456789abcdef0123", Purpose: "afstemming_hulp_onderwijs",
		Bsn: "999990196", Categories: []string{"verzuim"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var req exchangev1.RequestRecordRequest
		if proto.Unmarshal(b, &req) != nil {
			return
		}
		if err := exchange.ValidateRequest(&req, vocab); err == nil && !elfProef(req.GetBsn()) {
			t.Fatalf("accepted BSN %q", req.GetBsn())
		}
	})
}
