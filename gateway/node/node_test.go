package node_test

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/gateway/server"
	"github.com/schakel/schakel/gateway/source"
	"github.com/schakel/schakel/internal/testnode"
	"github.com/schakel/schakel/internal/testpki"
	"github.com/schakel/schakel/policy"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
)

// allowDecider is a test-only decider that releases every requested category
// except those in withhold. The shipped binary never uses it.
type allowDecider struct{ withhold map[string]bool }

func (d allowDecider) Decide(_ context.Context, in policy.Input) (policy.Decision, error) {
	flow, basis := "A1", "toestemming"
	out := policy.Decision{Allow: true, Flow: &flow, Basis: &basis, DecisionID: randomID(), PolicyRevision: "sha256:test", RetentionDays: 30,
		Obligations: []string{"inform_subject"}}
	for _, c := range in.Categories {
		if d.withhold[c] {
			out.Withheld = append(out.Withheld, policy.Withheld{Category: c, Code: "CATEGORY_NOT_IN_FLOW"})
		} else {
			out.Categories = append(out.Categories, c)
		}
	}
	sort.Strings(out.Categories)
	return out, nil
}

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// countingSource wraps a source and counts record fetches.
type countingSource struct {
	source.Source
	records atomic.Int64
	facts   atomic.Int64 // look-ups of the child
	down    bool
}

func (s *countingSource) Record(ctx context.Context, bsn string, cats []string) (*recordv1.Record, error) {
	s.records.Add(1)
	if s.down {
		return nil, source.ErrUnavailable
	}
	return s.Source.Record(ctx, bsn, cats)
}

func (s *countingSource) Facts(ctx context.Context, bsn, holder, oin string) (source.Facts, error) {
	s.facts.Add(1)
	if s.down {
		return source.Facts{}, source.ErrUnavailable
	}
	return s.Source.Facts(ctx, bsn, holder, oin)
}

func fixtureSource(t *testing.T) *countingSource {
	t.Helper()
	s, err := source.OpenSQLite(t.TempDir()+"/source.db", source.DefaultFixture, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &countingSource{Source: s}
}

func present(rec *recordv1.Record) []string {
	var out []string
	if rec == nil {
		return nil
	}
	rec.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		out = append(out, string(fd.Name()))
		return true
	})
	sort.Strings(out)
	return out
}

// twoNodes starts a school (holder) and a zorgaanbieder (recipient).
func twoNodes(t *testing.T, holderOpt func(*config.Config, *node.Options)) (*testnode.Federation, *testnode.Node, *testnode.Node) {
	f := testnode.New(t)
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg}, holderOpt)
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.School}, nil)
	return f, school, zorg
}

func TestReleaseThroughTwoNodes(t *testing.T) {
	src := fixtureSource(t)
	f, school, zorg := twoNodes(t, func(_ *config.Config, o *node.Options) {
		o.Decider = allowDecider{withhold: map[string]bool{"gezondheid": true}}
		o.Source = src
	})
	bas := testnode.Child(t, "Bas")
	resp, err := zorg.Local.RequestRecord(context.Background(), &localv1.RequestRecordRequest{
		HolderOin: school.Org.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: bas.BSN,
		Categories: []string{"verzuim", "opp", "gezondheid"}, Role: "jeugdhulpverlener", Relation: true,
	})
	if err != nil {
		t.Fatalf("RequestRecord: %v", err)
	}
	if got, want := present(resp.GetRecord()), []string{"opp", "verzuim"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("record categories = %v, want %v", got, want)
	}
	if w := resp.GetDecision().GetWithheld(); len(w) != 1 || w[0].GetCategory() != "gezondheid" {
		t.Errorf("withheld = %v", w)
	}
	if resp.GetRecord().GetVerzuim() == nil || len(resp.GetRecord().GetVerzuim().GetPeriods()) == 0 && resp.GetRecord().GetVerzuim().GetUnauthorisedHours_4W() == 0 {
		t.Errorf("verzuim data missing from the release: %v", resp.GetRecord().GetVerzuim())
	}
	// Both sides hold an audit record of this decision.
	for _, n := range []*testnode.Node{school, zorg} {
		recs := auditRecords(t, n, bas.BSN, resp.GetDecision().GetDecisionId())
		if len(recs) != 1 {
			t.Errorf("%s: %d audit records for the decision, want 1", n.Org.Key, len(recs))
		}
	}
	// Obligations were recorded at the holder.
	obs, err := school.Local.ListObligations(context.Background(), &localv1.ListObligationsRequest{})
	if err != nil || len(obs.GetObligations()) != 1 || obs.GetObligations()[0].GetKind() != "inform_subject" {
		t.Errorf("obligations = %v, %v", obs.GetObligations(), err)
	}
	if strings.Contains(f.Logs.String(), bas.BSN) {
		t.Error("a BSN appears in the node logs")
	}
}

func TestDenialMakesNoSourceCall(t *testing.T) {
	src := fixtureSource(t)
	_, school, zorg := twoNodes(t, func(_ *config.Config, o *node.Options) { o.Source = src })
	lotte := testnode.Child(t, "Lotte")
	resp, err := zorg.Local.RequestRecord(context.Background(), &localv1.RequestRecordRequest{
		HolderOin: school.Org.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: lotte.BSN,
		Categories: []string{"verzuim"}, Role: "jeugdhulpverlener", Relation: true,
	})
	if err != nil {
		t.Fatalf("RequestRecord: %v", err)
	}
	if resp.GetDecision().GetAllow() || resp.GetRecord() != nil {
		t.Fatalf("released without consent: %v", resp)
	}
	if len(resp.GetDecision().GetReasons()) == 0 || resp.GetDecision().GetReasons()[0].GetCode() != "CONSENT_MISSING" {
		t.Errorf("reasons = %v", resp.GetDecision().GetReasons())
	}
	if n := src.records.Load(); n != 0 {
		t.Errorf("denial fetched the record %d times", n)
	}
	if recs := auditRecords(t, school, lotte.BSN, resp.GetDecision().GetDecisionId()); len(recs) != 1 || recs[0].Allow {
		t.Errorf("holder audit records for the denial = %+v", recs)
	}
}

func TestSourceDownReleasesNothing(t *testing.T) {
	src := fixtureSource(t)
	_, school, zorg := twoNodes(t, func(_ *config.Config, o *node.Options) {
		o.Decider = allowDecider{}
		o.Source = src
	})
	src.down = true
	_, err := zorg.Local.RequestRecord(context.Background(), &localv1.RequestRecordRequest{
		HolderOin: school.Org.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: testnode.Child(t, "Bas").BSN,
		Categories: []string{"verzuim"}, Role: "jeugdhulpverlener", Relation: true,
	})
	if status.Code(err) != codes.Unavailable || server.Reason(err) != "SOURCE_UNAVAILABLE" {
		t.Fatalf("err = %v (reason %q), want Unavailable SOURCE_UNAVAILABLE", err, server.Reason(err))
	}
}

func TestMalformedRequestRefused(t *testing.T) {
	f, school, zorg := twoNodes(t, nil)
	cases := []struct {
		name, bsn, want string
		cats            []string
		purpose         string
	}{
		{"bsn fails 11-proef", "123456789", "bsn", []string{"verzuim"}, "afstemming_hulp_onderwijs"},
		{"unknown category", testnode.Child(t, "Bas").BSN, "schoenmaat", []string{"schoenmaat"}, "afstemming_hulp_onderwijs"},
		{"missing purpose", testnode.Child(t, "Bas").BSN, "purpose", []string{"verzuim"}, ""},
	}
	peer := f.PeerClient(school, zorg.Cert.TLS)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Through the local API of the recipient ...
			_, err := zorg.Local.RequestRecord(context.Background(), &localv1.RequestRecordRequest{
				HolderOin: school.Org.OIN, Purpose: tc.purpose, Bsn: tc.bsn, Categories: tc.cats, Role: "jeugdhulpverlener",
			})
			checkInvalid(t, err, tc.want)
			// ... and straight to the holder's peer listener.
			_, err = peer.RequestRecord(context.Background(), &exchangev1.RequestRecordRequest{
				RequestId: randomID(), SentAt: timestamppb.Now(), Purpose: tc.purpose, Bsn: tc.bsn, Categories: tc.cats,
			})
			checkInvalid(t, err, tc.want)
		})
	}
}

func checkInvalid(t *testing.T, err error, want string) {
	t.Helper()
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("code = %v (%v), want InvalidArgument", status.Code(err), err)
	}
	if r := server.Reason(err); r != "INVALID_REQUEST" {
		t.Errorf("reason = %q", r)
	}
	if !strings.Contains(status.Convert(err).Message(), want) {
		t.Errorf("message %q does not name %q", status.Convert(err).Message(), want)
	}
}

func TestPeerListenerRefusesStrangers(t *testing.T) {
	f, school, _ := twoNodes(t, nil)
	otherCA := testpki.New(t)
	stranger := f.CA.Issue(t, "00000001000000000099", "Onbekende organisatie")
	cases := []struct {
		name string
		cert *testpki.Cert
		code codes.Code
	}{
		{"no client certificate", nil, codes.Unavailable},
		{"certificate from another CA", otherCA.Issue(t, testnode.Zorg.OIN, "Nep Zorg"), codes.Unavailable},
		{"expired certificate", f.CA.Issue(t, testnode.Zorg.OIN, "Jeugdzorg Twente", testpki.Expired()), codes.Unavailable},
		{"OIN not in directory", stranger, codes.PermissionDenied},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c = f.PeerClient(school, emptyOr(tc.cert))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err := c.RequestRecord(ctx, &exchangev1.RequestRecordRequest{
				RequestId: randomID(), SentAt: timestamppb.Now(), Purpose: "afstemming_hulp_onderwijs",
				Bsn: testnode.Child(t, "Bas").BSN, Categories: []string{"verzuim"},
			})
			if status.Code(err) != tc.code {
				t.Fatalf("code = %v (%v), want %v", status.Code(err), err, tc.code)
			}
		})
	}
}

func TestLocalAPIRequiresOrganisationClientCert(t *testing.T) {
	f, school, zorg := twoNodes(t, nil)
	cases := []struct {
		name string
		cert *testpki.Cert
	}{
		{"no client certificate", nil},
		{"federation certificate of another organisation", zorg.Cert},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := localv1.NewLocalServiceClient(f.Dial(school.Node.LocalAddr, emptyOr(tc.cert)))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err := c.ListObligations(ctx, &localv1.ListObligationsRequest{})
			if status.Code(err) != codes.Unavailable {
				t.Fatalf("code = %v (%v), want a refused handshake", status.Code(err), err)
			}
		})
	}
	// The organisation's own client certificate is accepted.
	if _, err := school.Local.ListObligations(context.Background(), &localv1.ListObligationsRequest{}); err != nil {
		t.Fatalf("own client refused: %v", err)
	}
}

var _ = errors.New

// auditRecords returns a node's audit records about a child for one decision.
func auditRecords(t *testing.T, n *testnode.Node, bsn, decisionID string) []audit.Record {
	t.Helper()
	stored, err := n.Node.AuditRecords(context.Background(), bsn)
	if err != nil {
		t.Fatalf("%s: audit records: %v", n.Org.Key, err)
	}
	var out []audit.Record
	for _, s := range stored {
		if s.Record.DecisionID == decisionID {
			out = append(out, s.Record)
		}
	}
	return out
}

// emptyOr returns the certificate to present, or none.
func emptyOr(c *testpki.Cert) tls.Certificate {
	if c == nil {
		return tls.Certificate{}
	}
	return c.TLS
}
