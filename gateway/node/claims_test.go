package node_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/tls"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/gateway/release"
	"github.com/schakel/schakel/internal/testnode"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
)

// Claims each side checks for itself (issue: attested consents bound to
// the child, every field a peer sends bounded where it is received).

// signedStatement is the statement a (possibly hostile) requesting node
// signs with cert for req, changed by alter before signing.
func signedStatement(t *testing.T, cert tls.Certificate, holderOIN, fromOIN string, req *exchangev1.RequestRecordRequest,
	consents []*exchangev1.AttestedConsent, alter func(*exchangev1.Statement)) *exchangev1.SignedStatement {
	t.Helper()
	st := release.RequestStatement(req, holderOIN, fromOIN, "", consents)
	if alter != nil {
		alter(st)
	}
	ss, err := release.SignStatement(cert.PrivateKey.(crypto.Signer), st)
	if err != nil {
		t.Fatal(err)
	}
	return ss
}

// a1Request is the zorgaanbieder's A1 request for observaties of the child.
func a1Request(childBSN string) *exchangev1.RequestRecordRequest {
	return &exchangev1.RequestRecordRequest{
		RequestId: randomID(), SentAt: timestamppb.Now(), Purpose: "afstemming_hulp_onderwijs",
		Bsn: childBSN, Categories: []string{"observaties"}, RecipientRole: "jeugdhulpverlener", Relation: true,
	}
}

func attestedFor(subjectDigest string, givenAt time.Time) *exchangev1.AttestedConsent {
	return &exchangev1.AttestedConsent{Id: "attested-0001", GivenBy: "ouder", Giver: "ouder-sara-1", RecipientOin: testnode.Zorg.OIN,
		Purpose: "afstemming_hulp_onderwijs", Categories: []string{"observaties"}, GivenAt: timestamppb.New(givenAt),
		SubjectDigest: subjectDigest}
}

// TestAttestedConsentBoundToChild: a consent of Lotte (17) does not
// release her sister Tina's data, and a consent given ten years ago does not count: the
// requesting node refuses to sign either (InvalidArgument), and a hostile
// requester that signs them anyway is refused by the school
// (STATEMENT_INVALID, audited, no source call, the field named). The same
// consent for the right child, given an hour ago, releases: the refusals
// are about the binding, not the consent.
func TestAttestedConsentBoundToChild(t *testing.T) {
	src := fixtureSource(t)
	f, school, zorg := twoNodes(t, func(_ *config.Config, o *node.Options) { o.Source = src })
	ctx := context.Background()
	lotte, tina := testnode.Child(t, "Lotte"), testnode.Child(t, "Tina")
	now := time.Now()

	// The requesting node checks before it signs.
	ask := func(child string, c *localv1.Consent) error {
		_, err := zorg.Local.RequestRecord(ctx, &localv1.RequestRecordRequest{
			HolderOin: school.Org.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: child, Categories: []string{"verzuim"},
			Role: "jeugdhulpverlener", Relation: true, AttestedConsents: []*localv1.Consent{c},
		})
		return err
	}
	local := func(bsn string, givenAt time.Time) *localv1.Consent {
		return &localv1.Consent{Bsn: bsn, GivenBy: "jeugdige", Giver: "lotte", RecipientOin: testnode.Zorg.OIN, HolderOin: school.Org.OIN,
			Purpose: "afstemming_hulp_onderwijs", Categories: []string{"verzuim"}, GivenAt: timestamppb.New(givenAt)}
	}
	if err := ask(tina.BSN, local(lotte.BSN, now.Add(-time.Hour))); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "another child") {
		t.Fatalf("requester attesting Lotte's consent for Tina: %v, want InvalidArgument naming the child", err)
	}
	if err := ask(lotte.BSN, local(lotte.BSN, now.AddDate(-10, 0, 0))); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "given_at") {
		t.Fatalf("requester attesting a consent given ten years ago: %v, want InvalidArgument naming given_at", err)
	}
	if n := src.records.Load(); n != 0 {
		t.Fatalf("requests refused by the requester read the school's records %d times", n)
	}

	// A hostile requester signs them anyway: the school checks again.
	zorgCert := f.CA.Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name).TLS
	raw := f.RawPeerClient(school, zorgCert)
	send := func(child string, c func(req *exchangev1.RequestRecordRequest) *exchangev1.AttestedConsent) *exchangev1.Decision {
		t.Helper()
		req := a1Request(child)
		req.Categories = []string{"verzuim"}
		req.Statement = signedStatement(t, zorgCert, school.Org.OIN, testnode.Zorg.OIN, req, []*exchangev1.AttestedConsent{c(req)}, nil)
		resp, err := raw.RequestRecord(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetDecision()
	}
	refused := func(name, field string, d *exchangev1.Decision) {
		t.Helper()
		if d.GetAllow() || !slices.Equal(reasonCodesOf(d), []string{release.CodeStatementInvalid}) ||
			!strings.Contains(d.GetReasons()[0].GetMessage(), field) {
			t.Fatalf("%s: %v, want STATEMENT_INVALID naming %s", name, d, field)
		}
	}
	refused("Lotte's consent for Tina", "statement.consents[0].subject_digest", send(tina.BSN, func(r *exchangev1.RequestRecordRequest) *exchangev1.AttestedConsent {
		return lotteAttests(release.SubjectDigest(r.GetRequestId(), lotte.BSN), now.Add(-time.Hour))
	}))
	refused("consent without a child", "statement.consents[0].subject_digest", send(tina.BSN, func(_ *exchangev1.RequestRecordRequest) *exchangev1.AttestedConsent {
		return lotteAttests("", now.Add(-time.Hour))
	}))
	refused("consent given ten years ago", "statement.consents[0].given_at", send(lotte.BSN, func(r *exchangev1.RequestRecordRequest) *exchangev1.AttestedConsent {
		return lotteAttests(release.SubjectDigest(r.GetRequestId(), lotte.BSN), now.AddDate(-10, 0, 0))
	}))
	refused("consent given tomorrow", "statement.consents[0].given_at", send(lotte.BSN, func(r *exchangev1.RequestRecordRequest) *exchangev1.AttestedConsent {
		return lotteAttests(release.SubjectDigest(r.GetRequestId(), lotte.BSN), now.AddDate(0, 0, 1))
	}))
	if n := src.records.Load(); n != 0 {
		t.Fatalf("refused statements read the school's records %d times", n)
	}
	inz, err := school.Local.Inzage(ctx, &localv1.InzageRequest{Bsn: tina.BSN, Requester: "ouder"})
	if err != nil {
		t.Fatal(err)
	}
	audited := 0
	for _, r := range inz.GetRecords() {
		if slices.Contains(r.GetReasonCodes(), release.CodeStatementInvalid) {
			audited++
		}
	}
	if audited != 2 {
		t.Fatalf("Tina's inzage at the school shows %d statement refusals, want 2: %v", audited, inz.GetRecords())
	}
	// The control: the right child, given an hour ago, releases.
	if d := send(lotte.BSN, func(r *exchangev1.RequestRecordRequest) *exchangev1.AttestedConsent {
		return lotteAttests(release.SubjectDigest(r.GetRequestId(), lotte.BSN), now.Add(-time.Hour))
	}); !d.GetAllow() {
		t.Fatalf("Lotte's own consent for Lotte: %v, want a release", d)
	}
	if err := ask(lotte.BSN, local(lotte.BSN, now.Add(-time.Hour))); err != nil {
		t.Fatalf("through the requesting node, Lotte's own consent: %v", err)
	}
}

// lotteAttests is Lotte's own consent (17: hers alone counts) for the
// school's verzuim, as the zorgaanbieder attests it.
func lotteAttests(subjectDigest string, givenAt time.Time) *exchangev1.AttestedConsent {
	return &exchangev1.AttestedConsent{Id: "attested-0001", GivenBy: "jeugdige", Giver: "lotte", RecipientOin: testnode.Zorg.OIN,
		HolderOin: testnode.School.OIN, Purpose: "afstemming_hulp_onderwijs", Categories: []string{"verzuim"}, GivenAt: timestamppb.New(givenAt),
		SubjectDigest: subjectDigest}
}

// TestPeerClaimsBoundedAtHolder: every field of a statement is bounded by
// the school itself. A statement whose professional holds 256 KB (or whose
// attested consent has a 64 KB id, ...) is refused STATEMENT_INVALID with
// the field named, audited without the text, and none of the text reaches
// any file of the school's data folder.
func TestPeerClaimsBoundedAtHolder(t *testing.T) {
	src := fixtureSource(t)
	f, school, _ := twoNodes(t, func(_ *config.Config, o *node.Options) {
		o.Decider = allowDecider{}
		o.Source = src
	})
	ctx := context.Background()
	sara := testnode.Child(t, "Sara")
	zorgCert := f.CA.Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name).TLS
	raw := f.RawPeerClient(school, zorgCert)
	const marker = "peertekst"
	big := func(n int) string { return strings.Repeat(marker, n/len(marker)+1)[:n] }
	ok := func(r *exchangev1.RequestRecordRequest) *exchangev1.AttestedConsent {
		return attestedFor(release.SubjectDigest(r.GetRequestId(), sara.BSN), time.Now().Add(-time.Hour))
	}
	cases := []struct {
		name, field string
		alter       func(st *exchangev1.Statement)
	}{
		{"256 KB professional", "statement.professional", func(st *exchangev1.Statement) { st.Professional = big(256 << 10) }},
		{"65-character professional", "statement.professional", func(st *exchangev1.Statement) { st.Professional = big(65) }},
		{"professional with spaces", "statement.professional", func(st *exchangev1.Statement) { st.Professional = "Jan de Vries" }},
		{"64 KB consent id", "statement.consents[0].id", func(st *exchangev1.Statement) { st.Consents[0].Id = big(64 << 10) }},
		{"long giver", "statement.consents[0].giver", func(st *exchangev1.Statement) { st.Consents[0].Giver = big(100) }},
		{"consent given_by", "statement.consents[0].given_by", func(st *exchangev1.Statement) { st.Consents[0].GivenBy = big(30) }},
		{"consent purpose", "statement.consents[0].purpose", func(st *exchangev1.Statement) { st.Consents[0].Purpose = big(1000) }},
		{"consent recipient", "statement.consents[0].recipient_oin", func(st *exchangev1.Statement) { st.Consents[0].RecipientOin = big(40) }},
		{"consent category", "statement.consents[0].categories[0]", func(st *exchangev1.Statement) { st.Consents[0].Categories[0] = big(200) }},
		{"consent category count", "statement.consents[0].categories", func(st *exchangev1.Statement) {
			for i := range 40 {
				st.Consents[0].Categories = append(st.Consents[0].Categories, "c"+strings.Repeat("x", i))
			}
		}},
		{"consent valid_until", "statement.consents[0].valid_until", func(st *exchangev1.Statement) {
			st.Consents[0].ValidUntil = timestamppb.New(st.Consents[0].GetGivenAt().AsTime().Add(-time.Hour))
		}},
		{"consent count", "statement.consents", func(st *exchangev1.Statement) {
			for range 9 {
				st.Consents = append(st.Consents, st.Consents[0])
			}
		}},
		{"statement category count", "statement.categories", func(st *exchangev1.Statement) {
			for i := range 40 {
				st.Categories = append(st.Categories, "c"+strings.Repeat("x", i))
			}
		}},
		{"statement case_reference", "statement.case_reference", func(st *exchangev1.Statement) { st.CaseReference = big(300) }},
		{"statement role", "statement.role", func(st *exchangev1.Statement) { st.Role = big(100) }},
		{"statement justification_digest", "statement.justification_digest", func(st *exchangev1.Statement) { st.JustificationDigest = big(5000) }},
		{"statement request_id", "statement.request_id", func(st *exchangev1.Statement) { st.RequestId = big(2000) }},
		{"statement subject_digest", "statement.subject_digest", func(st *exchangev1.Statement) { st.SubjectDigest = big(2000) }},
		{"statement mode", "statement.mode", func(st *exchangev1.Statement) { st.Mode = big(100) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := a1Request(sara.BSN)
			req.Statement = signedStatement(t, zorgCert, school.Org.OIN, testnode.Zorg.OIN, req, []*exchangev1.AttestedConsent{ok(req)}, c.alter)
			resp, err := raw.RequestRecord(ctx, req)
			if status.Code(err) == codes.ResourceExhausted {
				t.Skipf("refused by the message size limit before the holder: %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			d := resp.GetDecision()
			if d.GetAllow() || resp.GetRecord() != nil || !slices.Equal(reasonCodesOf(d), []string{release.CodeStatementInvalid}) {
				t.Fatalf("decision %v, want a STATEMENT_INVALID denial", d)
			}
			if msg := d.GetReasons()[0].GetMessage(); !strings.Contains(msg, c.field) || strings.Contains(msg, marker) {
				t.Fatalf("reason %q: want it to name %s and not to repeat the value", msg, c.field)
			}
		})
	}
	if n := src.records.Load(); n != 0 {
		t.Fatalf("refused statements read the school's records %d times", n)
	}
	// The control: the same statement, unaltered, is decided (and released).
	req := a1Request(sara.BSN)
	req.Statement = signedStatement(t, zorgCert, school.Org.OIN, testnode.Zorg.OIN, req, []*exchangev1.AttestedConsent{ok(req)},
		func(st *exchangev1.Statement) { st.Professional = "prof-7f3a" })
	if resp, err := raw.RequestRecord(ctx, req); err != nil || !resp.GetDecision().GetAllow() {
		t.Fatalf("the unaltered statement: %v, %v; want a release", resp.GetDecision(), err)
	}
	inz, err := school.Local.Inzage(ctx, &localv1.InzageRequest{Bsn: sara.BSN, Requester: "ouder"})
	if err != nil {
		t.Fatal(err)
	}
	refusals := 0
	for _, r := range inz.GetRecords() {
		if slices.Contains(r.GetReasonCodes(), release.CodeStatementInvalid) {
			refusals++
		}
		if len(r.GetProfessional()) > release.MaxReference || strings.Contains(r.String(), marker) {
			t.Fatalf("the school's inzage shows the peer's text: %.200s", r.String())
		}
	}
	if refusals != len(cases) {
		t.Fatalf("%d statement refusals in Sara's inzage, want %d (each refusal audited)", refusals, len(cases))
	}
	files, _ := filepath.Glob(filepath.Join(school.Config.DataDir, "*"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, []byte(marker+marker)) {
			t.Fatalf("%s holds the peer's text", filepath.Base(p))
		}
	}
}

// TestNotificationFieldsBoundedAtReceiver: the school bounds every field of
// an arriving notification that it would keep (the claims and the sender's
// decision) before it verifies or stores anything: each over-long field is
// refused InvalidArgument naming the field, and nothing of it reaches the
// audit log or any file. Control: the same notification within bounds gets
// as far as the proof check (and fails there: its proof is made up).
func TestNotificationFieldsBoundedAtReceiver(t *testing.T) {
	f := testnode.New(t)
	school := f.Start(testnode.School, []testnode.Org{testnode.Gemeente}, nil)
	peer := f.RawPeerClient(school, f.CA.Issue(t, testnode.Gemeente.OIN, testnode.Gemeente.Name).TLS)
	ctx := context.Background()
	const marker = "meldtekst"
	big := func(n int) string { return strings.Repeat(marker, n/len(marker)+1)[:n] }
	base := func() *exchangev1.DeliverNotificationRequest {
		return &exchangev1.DeliverNotificationRequest{
			RequestId: randomID(), SentAt: timestamppb.Now(), IdempotencyKey: "melding-" + randomID()[:12],
			Purpose: "afstemming_ondersteuning", Flow: "B2", Bsn: testnode.Child(t, "Lotte").BSN,
			HolderRole: "wijkcoach", RecipientRole: "zorgcoordinator",
			Decision: &exchangev1.Decision{DecisionId: randomID(), Allow: true, Flow: "B2", Basis: "toestemming",
				Categories: []string{"identificatie"}, RetentionDays: 1825, PolicyRevision: "sha256:test"},
			Record: &recordv1.Record{Identificatie: &recordv1.Identificatie{GivenName: "Lotte"}},
			Audit:  &exchangev1.AuditProof{PayloadDigest: "sha256:00"},
		}
	}
	cases := []struct {
		name, field string
		alter       func(r *exchangev1.DeliverNotificationRequest)
	}{
		{"case reference", "case_reference", func(r *exchangev1.DeliverNotificationRequest) { r.CaseReference = big(300) }},
		{"holder role", "holder_role", func(r *exchangev1.DeliverNotificationRequest) { r.HolderRole = big(100) }},
		{"64 KB decision id", "decision.decision_id", func(r *exchangev1.DeliverNotificationRequest) { r.Decision.DecisionId = big(64 << 10) }},
		{"decision basis", "decision.basis", func(r *exchangev1.DeliverNotificationRequest) { r.Decision.Basis = big(200) }},
		{"64 KB consent used", "decision.consents_used[0]", func(r *exchangev1.DeliverNotificationRequest) {
			r.Decision.ConsentsUsed = []string{big(64 << 10)}
		}},
		{"reason message", "decision.reasons[0].message", func(r *exchangev1.DeliverNotificationRequest) {
			r.Decision.Reasons = []*exchangev1.Reason{{Code: "X", Message: big(5000)}}
		}},
		{"reason code", "decision.reasons[0].code", func(r *exchangev1.DeliverNotificationRequest) {
			r.Decision.Reasons = []*exchangev1.Reason{{Code: big(100)}}
		}},
		{"withheld count", "decision.withheld", func(r *exchangev1.DeliverNotificationRequest) {
			for range 40 {
				r.Decision.Withheld = append(r.Decision.Withheld, &exchangev1.Withheld{Category: "diagnose", Code: "X"})
			}
		}},
		{"obligation", "decision.obligations[0]", func(r *exchangev1.DeliverNotificationRequest) { r.Decision.Obligations = []string{big(300)} }},
		{"policy revision", "decision.policy_revision", func(r *exchangev1.DeliverNotificationRequest) { r.Decision.PolicyRevision = big(4000) }},
		{"retention", "decision.retention_days", func(r *exchangev1.DeliverNotificationRequest) { r.Decision.RetentionDays = -1 }},
	}
	before := auditCommits(t, school)
	for _, c := range cases {
		req := base()
		c.alter(req)
		_, err := peer.DeliverNotification(ctx, req)
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), c.field) || strings.Contains(err.Error(), marker) {
			t.Errorf("%s: %v, want InvalidArgument naming %s (not repeating the value)", c.name, err, c.field)
		}
	}
	if after := auditCommits(t, school); after != before {
		t.Fatalf("out-of-bounds notifications were recorded (%v -> %v commits)", before, after)
	}
	files, _ := filepath.Glob(filepath.Join(school.Config.DataDir, "*"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, []byte(marker+marker)) {
			t.Fatalf("%s holds the peer's text", filepath.Base(p))
		}
	}
	// The control: within bounds it passes validation and fails at the proof.
	if _, err := peer.DeliverNotification(ctx, base()); status.Code(err) == codes.InvalidArgument || err == nil {
		t.Fatalf("notification within bounds: %v, want it refused only by the proof check", err)
	}
}
