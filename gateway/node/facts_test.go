package node_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/directory"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/gateway/release"
	"github.com/schakel/schakel/internal/testnode"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// Decisions on facts (issue 13), with the real default pack on real nodes
// over mutual TLS.

func reasonCodesOf(d *exchangev1.Decision) []string {
	var out []string
	for _, r := range d.GetReasons() {
		out = append(out, r.GetCode())
	}
	return out
}

// TestNotificationFlowCannotBePulled: B1 is a notification the school sends
// on its own initiative; the gemeente asking for it is refused
// (MODE_NOT_ALLOWED) and gets nothing, although the consent is there.
func TestNotificationFlowCannotBePulled(t *testing.T) {
	src := fixtureSource(t)
	f := testnode.New(t)
	school := f.Start(testnode.School, []testnode.Org{testnode.Gemeente}, func(_ *config.Config, o *node.Options) { o.Source = src })
	gemeente := f.Start(testnode.Gemeente, []testnode.Org{testnode.School}, nil)
	bas := testnode.Child(t, "Bas")
	registerConsent(t, school, bas.BSN, "ouder", testnode.Gemeente.OIN, "afstemming_ondersteuning", "identificatie", "arrangement")
	resp, err := gemeente.Local.RequestRecord(context.Background(), &localv1.RequestRecordRequest{
		HolderOin: school.Org.OIN, Purpose: "afstemming_ondersteuning", Flow: "B1", Bsn: bas.BSN,
		Categories: []string{"identificatie", "arrangement"}, Role: "wijkcoach",
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetDecision().GetAllow() || resp.GetRecord() != nil || !slices.Contains(reasonCodesOf(resp.GetDecision()), "MODE_NOT_ALLOWED") {
		t.Fatalf("pulling B1: %v", resp.GetDecision())
	}
	if n := src.records.Load(); n != 0 {
		t.Fatalf("the school's records were read %d times for a refused pull", n)
	}
}

// TestResidence: only the leerplichtambtenaar of the child's woongemeente
// gets C1 data; the gemeente's code comes from the directory, never from
// the request. (Contract version 3: a C1 request names an open verzuim
// melding of the school; Tina's and Sem's are in the fixture.)
func TestResidence(t *testing.T) {
	f := testnode.New(t)
	school := f.Start(testnode.School, []testnode.Org{testnode.Gemeente, testnode.Hengelo}, nil)
	enschede := f.Start(testnode.Gemeente, []testnode.Org{testnode.School}, nil)
	hengelo := f.Start(testnode.Hengelo, []testnode.Org{testnode.School}, nil)
	ask := func(from *testnode.Node, child string) *exchangev1.Decision {
		t.Helper()
		resp, err := from.Local.RequestRecord(context.Background(), &localv1.RequestRecordRequest{
			HolderOin: school.Org.OIN, Purpose: "handhaving_leerplicht", Bsn: testnode.Child(t, child).BSN,
			Categories: []string{"identificatie", "onderwijs", "verzuim"}, Role: "leerplichtambtenaar",
			CaseReference: openMelding[child],
		})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetDecision()
	}
	if d := ask(enschede, "Tina"); !d.GetAllow() { // Tina lives in Enschede
		t.Fatalf("Enschede about Tina: %v", d)
	}
	if d := ask(enschede, "Sem"); d.GetAllow() || !slices.Contains(reasonCodesOf(d), "NOT_RESIDENT") { // Sem lives in Hengelo
		t.Fatalf("Enschede about Sem: %v", d)
	}
	if d := ask(hengelo, "Sem"); !d.GetAllow() {
		t.Fatalf("Hengelo about Sem: %v", d)
	}
	if d := ask(hengelo, "Tina"); d.GetAllow() || !slices.Contains(reasonCodesOf(d), "NOT_RESIDENT") {
		t.Fatalf("Hengelo about Tina: %v", d)
	}
	// The refusal's message says nothing of the school's records.
	for _, r := range ask(hengelo, "Tina").GetReasons() {
		if strings.Contains(r.GetMessage(), "GM0153") || strings.Contains(r.GetMessage(), "Enschede") {
			t.Fatalf("the refusal tells the peer where the child lives: %q", r.GetMessage())
		}
	}
}

// openMelding is the open verzuim melding the VO school made for a child in
// the fixture: a C1 request names it as its case reference.
var openMelding = map[string]string{"Tina": "M-2026-0042", "Sem": "M-2026-0051"}

// TestResidenceFromSignedDirectory: the gemeente's code comes only from the
// signed peer directory's gemeente_code (four digits; the node makes it
// GM0164): the school has no peers: entry for Gemeente Hengelo. Its
// leerplichtambtenaar gets C1 data about Sem, who lives in Hengelo, and is
// refused NOT_RESIDENT about Tina, who lives in Enschede (each asked within
// the school's open verzuim melding about them).
func TestResidenceFromSignedDirectory(t *testing.T) {
	entry := func(o testnode.Org, code string) directory.Entry {
		return directory.Entry{OIN: o.OIN, Name: o.Name, OrgType: o.OrgType, GemeenteCode: code, Address: "127.0.0.1:1"}
	}
	dir := signedDirectory(t, &directory.File{Federation: "Twente", Version: 1, Peers: []directory.Entry{
		entry(testnode.School, ""), entry(testnode.Hengelo, "0164"), entry(testnode.Gemeente, "0153"),
	}})
	f := testnode.New(t)
	school := f.Start(testnode.School, nil, func(c *config.Config, _ *node.Options) {
		if len(c.Peers) != 0 {
			t.Fatalf("the school has peers: %v; the gemeente code must come from the directory alone", c.Peers)
		}
		c.Directory = dir
	})
	hengelo := f.Start(testnode.Hengelo, []testnode.Org{testnode.School}, nil)
	ask := func(child string) *exchangev1.Decision {
		t.Helper()
		resp, err := hengelo.Local.RequestRecord(context.Background(), &localv1.RequestRecordRequest{
			HolderOin: school.Org.OIN, Purpose: "handhaving_leerplicht", Flow: "C1", Bsn: testnode.Child(t, child).BSN,
			Categories: []string{"identificatie", "onderwijs", "verzuim"}, Role: "leerplichtambtenaar", CaseReference: openMelding[child],
		})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetDecision()
	}
	if d := ask("Sem"); !d.GetAllow() {
		t.Fatalf("Hengelo about Sem, who lives there: %v, want released", d)
	}
	if d := ask("Tina"); d.GetAllow() || !slices.Contains(reasonCodesOf(d), "NOT_RESIDENT") {
		t.Fatalf("Hengelo about Tina, who lives in Enschede: %v, want NOT_RESIDENT", d)
	}
}

// TestUnknownChild: a request that fails on the request alone gets the same
// answer whether the school knows the child or not, without a look-up; a
// well-formed request about a child the school does not know is refused
// with SUBJECT_UNKNOWN, audited, and in that node's inzage for the BSN.
func TestUnknownChild(t *testing.T) {
	src := fixtureSource(t)
	_, school, zorg := twoNodes(t, func(_ *config.Config, o *node.Options) { o.Source = src })
	const unknown = "999991000" // valid, not in the fixture
	bas := testnode.Child(t, "Bas")
	ask := func(bsn, purpose string) *exchangev1.Decision {
		t.Helper()
		resp, err := zorg.Local.RequestRecord(context.Background(), &localv1.RequestRecordRequest{
			HolderOin: school.Org.OIN, Purpose: purpose, Bsn: bsn,
			Categories: []string{"verzuim"}, Role: "jeugdhulpverlener", Relation: true,
		})
		if err != nil {
			t.Fatalf("RequestRecord about %s: %v", bsn, err)
		}
		return resp.GetDecision()
	}
	strip := func(d *exchangev1.Decision) string {
		d.DecisionId = ""
		return d.String()
	}
	known, unknownAns := ask(bas.BSN, "nieuwsgierigheid"), ask(unknown, "nieuwsgierigheid")
	if strip(known) != strip(unknownAns) || !slices.Contains(reasonCodesOf(known), "UNKNOWN_PURPOSE") {
		t.Fatalf("a nonsense purpose tells known from unknown children:\n known:   %v\n unknown: %v", known, unknownAns)
	}
	if n := src.facts.Load(); n != 0 {
		t.Fatalf("the school looked the child up %d times for requests refused on their own", n)
	}
	d := ask(unknown, "afstemming_hulp_onderwijs")
	if d.GetAllow() || !slices.Equal(reasonCodesOf(d), []string{release.CodeSubjectUnknown}) {
		t.Fatalf("well-formed request about an unknown child: %v", d)
	}
	recs, err := school.Local.Inzage(context.Background(), &localv1.InzageRequest{Bsn: unknown, Requester: "ouder", BirthDate: "2012-03-01"})
	if err != nil {
		t.Fatal(err)
	}
	// Both requests about the unknown BSN are there: the nonsense purpose
	// kept as a digest only, then the SUBJECT_UNKNOWN refusal.
	rs := recs.GetRecords()
	if len(rs) != 2 || !strings.HasPrefix(rs[0].GetPurpose(), "unknown:sha256:") ||
		!slices.Contains(rs[1].GetReasonCodes(), release.CodeSubjectUnknown) || rs[1].GetAllowed() {
		t.Fatalf("the school's inzage for the unknown child: %v", rs)
	}
}

// TestHugeClaimsRefusedAndNotStored: a peer stating a 3 MB purpose (or a
// long role) is refused as malformed, and nothing of it reaches the
// holder's audit log.
func TestHugeClaimsRefusedAndNotStored(t *testing.T) {
	f, school, _ := twoNodes(t, nil)
	peer := f.PeerClient(school, f.CA.Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name).TLS)
	marker := strings.Repeat("grotepurpose", 3<<20/12)
	before := auditCommits(t, school)
	for name, mutate := range map[string]func(*exchangev1.RequestRecordRequest){
		"3 MB purpose": func(r *exchangev1.RequestRecordRequest) { r.Purpose = marker },
		"long purpose": func(r *exchangev1.RequestRecordRequest) { r.Purpose = strings.Repeat("a", 65) },
		"role":         func(r *exchangev1.RequestRecordRequest) { r.RecipientRole = strings.Repeat("rol", 100) },
		"case ref":     func(r *exchangev1.RequestRecordRequest) { r.CaseReference = strings.Repeat("x", 300) },
	} {
		req := &exchangev1.RequestRecordRequest{
			RequestId: release.NewID(), SentAt: timestamppb.Now(), Purpose: "afstemming_hulp_onderwijs",
			Bsn: testnode.Child(t, "Bas").BSN, Categories: []string{"verzuim"}, RecipientRole: "jeugdhulpverlener", Relation: true,
		}
		mutate(req)
		_, err := peer.RequestRecord(context.Background(), req)
		if c := status.Code(err); c != codes.InvalidArgument && c != codes.ResourceExhausted {
			t.Errorf("%s: %v, want InvalidArgument or ResourceExhausted", name, err)
		}
	}
	if after := auditCommits(t, school); after != before {
		t.Fatalf("malformed requests were audited as decisions (%v -> %v commits)", before, after)
	}
	files, _ := filepath.Glob(filepath.Join(school.Config.DataDir, "*"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, []byte("grotepurposegrotepurpose")) {
			t.Fatalf("%s holds the peer's 3 MB purpose", filepath.Base(p))
		}
	}
}

// registerConsent registers a consent at holder through its local API.
func registerConsent(t *testing.T, holder *testnode.Node, bsn, givenBy, to, purpose string, cats ...string) {
	t.Helper()
	registerConsentOf(t, holder, bsn, givenBy, "", to, purpose, cats...)
}

// registerConsentOf registers a consent of one person (giver, a stable
// pseudonymous reference; two parents are two givers).
func registerConsentOf(t *testing.T, holder *testnode.Node, bsn, givenBy, giver, to, purpose string, cats ...string) {
	t.Helper()
	now := timestamppb.Now()
	if _, err := holder.Consent.RegisterConsent(context.Background(), &localv1.RegisterConsentRequest{Consent: &localv1.Consent{
		Bsn: bsn, GivenBy: givenBy, Giver: giver, RecipientOin: to, Purpose: purpose, Categories: cats,
		GivenAt: timestamppb.New(now.AsTime().Add(-60e9)), ValidUntil: timestamppb.New(now.AsTime().AddDate(1, 0, 0)),
	}}); err != nil {
		t.Fatal(err)
	}
}

// TestStatementRequired: the holder refuses (STATEMENT_INVALID, audited) a
// request whose statement is missing, signed by another organisation's key,
// or does not match the request in any field; a request through the real
// requesting node carries its statement, and both sides keep it (the
// professional and case reference show in the holder's inzage).
func TestStatementRequired(t *testing.T) {
	src := fixtureSource(t)
	f, school, zorg := twoNodes(t, func(_ *config.Config, o *node.Options) {
		o.Decider = allowDecider{}
		o.Source = src
	})
	ctx := context.Background()
	bas := testnode.Child(t, "Bas")
	zorgCert := f.CA.Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name).TLS
	otherCert := f.CA.Issue(t, testnode.Gemeente.OIN, testnode.Gemeente.Name).TLS
	raw := f.RawPeerClient(school, zorgCert)
	refused := func(name string, req *exchangev1.RequestRecordRequest) {
		t.Helper()
		resp, err := raw.RequestRecord(ctx, req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if resp.GetDecision().GetAllow() || resp.GetRecord() != nil ||
			!slices.Equal(reasonCodesOf(resp.GetDecision()), []string{release.CodeStatementInvalid}) {
			t.Fatalf("%s: %v", name, resp.GetDecision())
		}
	}
	refused("missing", peerRequest(bas.BSN, time.Now()))
	other := peerRequest(bas.BSN, time.Now())
	other.Statement = testnode.StatementFor(t, otherCert, school.Org.OIN, other)
	refused("signed by another organisation", other)
	for field, alter := range map[string]func(*exchangev1.RequestRecordRequest){
		"purpose":        func(r *exchangev1.RequestRecordRequest) { r.Purpose = "handhaving_leerplicht" },
		"flow":           func(r *exchangev1.RequestRecordRequest) { r.Flow = "C1" },
		"bsn":            func(r *exchangev1.RequestRecordRequest) { r.Bsn = testnode.Child(t, "Tina").BSN },
		"categories":     func(r *exchangev1.RequestRecordRequest) { r.Categories = append(r.Categories, "opp") },
		"role":           func(r *exchangev1.RequestRecordRequest) { r.RecipientRole = "wijkcoach" },
		"relation":       func(r *exchangev1.RequestRecordRequest) { r.Relation = false },
		"case reference": func(r *exchangev1.RequestRecordRequest) { r.CaseReference = "ander-dossier" },
		"justification":  func(r *exchangev1.RequestRecordRequest) { r.Justification = "iets anders" },
		"request id":     func(r *exchangev1.RequestRecordRequest) { r.RequestId = release.NewID() },
	} {
		req := peerRequest(bas.BSN, time.Now())
		req.Statement = testnode.StatementFor(t, zorgCert, school.Org.OIN, req)
		alter(req)
		refused("altered "+field, req)
	}
	tampered := peerRequest(bas.BSN, time.Now())
	tampered.Statement = testnode.StatementFor(t, zorgCert, school.Org.OIN, tampered)
	tampered.Statement.Statement[len(tampered.Statement.Statement)-1] ^= 1
	refused("statement bytes changed after signing", tampered)
	if n := src.records.Load(); n != 0 {
		t.Fatalf("refused statements read the school's records %d times", n)
	}
	// Through the real requesting node: released, and kept on both sides.
	resp, err := zorg.Local.RequestRecord(ctx, &localv1.RequestRecordRequest{
		HolderOin: school.Org.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: bas.BSN, Categories: []string{"verzuim"},
		Role: "jeugdhulpverlener", Relation: true, CaseReference: "JZ-2026-0042", Professional: "prof-7f3a",
	})
	if err != nil || !resp.GetDecision().GetAllow() {
		t.Fatalf("request through the node: %v, %v", resp, err)
	}
	inz, err := school.Local.Inzage(ctx, &localv1.InzageRequest{Bsn: bas.BSN, Requester: "ouder"})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, r := range inz.GetRecords() {
		if r.GetAllowed() && r.GetProfessional() == "prof-7f3a" && r.GetCaseReference() == "JZ-2026-0042" {
			found = true
		}
	}
	refusals := 0
	for _, r := range inz.GetRecords() {
		if slices.Contains(r.GetReasonCodes(), release.CodeStatementInvalid) {
			refusals++
		}
	}
	// 12 refusals, one of them (the altered BSN) about Tina.
	if !found || refusals != 11 {
		t.Fatalf("holder's inzage: release with the stated professional %v, %d statement refusals (want 11): %v", found, refusals, inz.GetRecords())
	}
}

// TestConsentsAsEvidence: the local API refuses a consent dated in the
// future or too far back, keeps its giver and the holder it names, and the
// requesting node refuses to attest a consent given to another organisation
// or not naming the school asked; a consent the zorgaanbieder attests
// (Lotte's own, she is 17) releases A1 data the school holds no consent
// for. (Contract version 3: an attested consent counts only when it names
// the holder, and a special category waits for the school's notice, see
// TestAttestedOppWaitsForNotice; so the release is Lotte's verzuim, not
// Sara's observaties, and Sara is not the VO school's pupil.)
func TestConsentsAsEvidence(t *testing.T) {
	_, school, zorg := twoNodes(t, nil)
	ctx := context.Background()
	sara := testnode.Child(t, "Sara")
	now := time.Now()
	reg := func(givenAt time.Time, giver string) (*localv1.RegisterConsentResponse, error) {
		return school.Consent.RegisterConsent(ctx, &localv1.RegisterConsentRequest{Consent: &localv1.Consent{
			Bsn: sara.BSN, GivenBy: "ouder", Giver: giver, RecipientOin: testnode.Zorg.OIN, Purpose: "afstemming_ondersteuning",
			Categories: []string{"identificatie"}, GivenAt: timestamppb.New(givenAt),
		}})
	}
	for name, at := range map[string]time.Time{"tomorrow": now.AddDate(0, 0, 1), "three years ago": now.AddDate(-3, 0, 0)} {
		if _, err := reg(at, ""); status.Code(err) != codes.InvalidArgument {
			t.Errorf("consent given %s: %v, want InvalidArgument", name, err)
		}
	}
	if _, err := reg(now.Add(-time.Hour), "ouder-sara-1"); err != nil {
		t.Fatal(err)
	}
	list, err := school.Consent.ListConsents(ctx, &localv1.ListConsentsRequest{Bsn: sara.BSN})
	if err != nil || len(list.GetConsents()) != 1 || list.GetConsents()[0].GetGiver() != "ouder-sara-1" {
		t.Fatalf("consents kept: %v, %v", list.GetConsents(), err)
	}
	named, err := school.Consent.RegisterConsent(ctx, &localv1.RegisterConsentRequest{Consent: &localv1.Consent{
		Bsn: sara.BSN, GivenBy: "ouder", Giver: "ouder-sara-2", RecipientOin: testnode.Zorg.OIN, HolderOin: school.Org.OIN,
		Purpose: "afstemming_ondersteuning", Categories: []string{"identificatie"}, GivenAt: timestamppb.New(now.Add(-time.Hour)),
	}})
	if err != nil || named.GetConsent().GetHolderOin() != school.Org.OIN {
		t.Fatalf("consent naming its holder: %v, %v", named.GetConsent(), err)
	}
	lotte := testnode.Child(t, "Lotte")
	ask := func(attested ...*localv1.Consent) (*localv1.RequestRecordResponse, error) {
		return zorg.Local.RequestRecord(ctx, &localv1.RequestRecordRequest{
			HolderOin: school.Org.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: lotte.BSN, Categories: []string{"verzuim"},
			Role: "jeugdhulpverlener", Relation: true, AttestedConsents: attested,
		})
	}
	consentFor := func(oin, holder string) *localv1.Consent {
		return &localv1.Consent{Bsn: lotte.BSN, GivenBy: "jeugdige", Giver: "lotte", RecipientOin: oin, HolderOin: holder,
			Purpose: "afstemming_hulp_onderwijs", Categories: []string{"verzuim"}, GivenAt: timestamppb.New(now.Add(-time.Hour))}
	}
	if _, err := ask(consentFor(testnode.Gemeente.OIN, school.Org.OIN)); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("attesting a consent given to another organisation: %v, want InvalidArgument", err)
	}
	for _, holder := range []string{"", testnode.Basisschool.OIN} {
		if _, err := ask(consentFor(testnode.Zorg.OIN, holder)); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "holder_oin") {
			t.Fatalf("attesting a consent naming holder %q: %v, want InvalidArgument naming holder_oin", holder, err)
		}
	}
	without, err := ask()
	if err != nil || without.GetDecision().GetAllow() {
		t.Fatalf("A1 without any consent: %v, %v", without.GetDecision(), err)
	}
	with, err := ask(consentFor(testnode.Zorg.OIN, school.Org.OIN))
	if err != nil || !with.GetDecision().GetAllow() || with.GetRecord().GetVerzuim() == nil {
		t.Fatalf("A1 on the consent the zorgaanbieder attests: %v, %v", with.GetDecision(), err)
	}
}

// TestAttestedOppWaitsForNotice (RULES.md "Consents the recipient holds"):
// Lotte (17) gave the zorgaanbieder her consent to obtain her observaties
// from her school. The school withholds them (ATTESTED_CONSENT_PENDING) and
// gets the obligation to tell her first (inform_before_release); ticking
// that obligation off is the notice (announced_at), and the observaties
// leave only once the notice is 7 days old.
func TestAttestedOppWaitsForNotice(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	f := testnode.New(t)
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg}, func(_ *config.Config, o *node.Options) { o.Now = now })
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.School}, func(_ *config.Config, o *node.Options) { o.Now = now })
	ctx := context.Background()
	lotte := testnode.Child(t, "Lotte")
	attested := &localv1.Consent{Id: "c-lotte-1", Bsn: lotte.BSN, GivenBy: "jeugdige", Giver: "lotte", RecipientOin: testnode.Zorg.OIN,
		HolderOin: school.Org.OIN, Purpose: "afstemming_hulp_onderwijs", Categories: []string{"verzuim", "observaties"},
		GivenAt: timestamppb.New(now().Add(-time.Hour))}
	ask := func() *exchangev1.Decision {
		t.Helper()
		resp, err := zorg.Local.RequestRecord(ctx, &localv1.RequestRecordRequest{
			HolderOin: school.Org.OIN, Purpose: "afstemming_hulp_onderwijs", Flow: "A1", Bsn: lotte.BSN,
			Categories: []string{"verzuim", "observaties"}, Role: "jeugdhulpverlener", Relation: true,
			AttestedConsents: []*localv1.Consent{attested},
		})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetDecision()
	}
	pending := func(d *exchangev1.Decision) bool {
		for _, w := range d.GetWithheld() {
			if w.GetCategory() == "observaties" && w.GetCode() == "ATTESTED_CONSENT_PENDING" {
				return true
			}
		}
		return false
	}
	d := ask()
	if !d.GetAllow() || !slices.Equal(d.GetCategories(), []string{"verzuim"}) || !pending(d) || !slices.Contains(d.GetObligations(), "inform_before_release") {
		t.Fatalf("first request: %v", d)
	}
	obs, err := school.Local.ListObligations(ctx, &localv1.ListObligationsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var notice string
	for _, o := range obs.GetObligations() {
		if o.GetKind() == "inform_before_release" {
			notice = o.GetId()
		}
	}
	if notice == "" {
		t.Fatalf("no inform_before_release obligation at the school: %v", obs.GetObligations())
	}
	clock.Add(int64(24 * time.Hour))
	if d := ask(); !pending(d) {
		t.Fatalf("observaties released before the school told Lotte: %v", d)
	}
	if _, err := school.Local.CompleteObligation(ctx, &localv1.CompleteObligationRequest{Id: notice}); err != nil {
		t.Fatal(err)
	}
	clock.Add(int64(6 * 24 * time.Hour))
	if d := ask(); !pending(d) || slices.Contains(d.GetObligations(), "inform_before_release") {
		t.Fatalf("six days after the notice: %v (want still pending, no new notice)", d)
	}
	clock.Add(int64(25 * time.Hour))
	if d := ask(); !d.GetAllow() || !slices.Equal(d.GetCategories(), []string{"observaties", "verzuim"}) {
		t.Fatalf("seven days after the notice: %v", d)
	}
}

// TestVerzuimLeavesWithoutReasons (RULES.md "Verzuim"): Bas's basisschool
// holds a tandarts visit (authorised) and a reason for each absence; A1 to
// the zorgaanbieder, with both parents' consent and the real pack, releases
// his verzuim with only the unauthorised periods, their kind and what the
// school did, and no reason.
func TestVerzuimLeavesWithoutReasons(t *testing.T) {
	f := testnode.New(t)
	school := f.Start(testnode.Basisschool, []testnode.Org{testnode.Zorg}, nil)
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.Basisschool}, nil)
	bas := testnode.Child(t, "Bas")
	registerConsentOf(t, school, bas.BSN, "ouder", "ouder-moeder", testnode.Zorg.OIN, "afstemming_hulp_onderwijs", "verzuim")
	registerConsentOf(t, school, bas.BSN, "ouder", "ouder-vader", testnode.Zorg.OIN, "afstemming_hulp_onderwijs", "verzuim")
	resp, err := zorg.Local.RequestRecord(context.Background(), &localv1.RequestRecordRequest{
		HolderOin: school.Org.OIN, Purpose: "afstemming_hulp_onderwijs", Flow: "A1", Bsn: bas.BSN,
		Categories: []string{"verzuim"}, Role: "jeugdhulpverlener", Relation: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.GetDecision().GetAllow() {
		t.Fatalf("A1 verzuim for Bas refused: %v", resp.GetDecision())
	}
	v := resp.GetRecord().GetVerzuim()
	var got []string
	for _, p := range v.GetPeriods() {
		got = append(got, fmt.Sprintf("%s %dh %s", p.GetDate(), p.GetHours(), p.GetKind()))
		if p.GetAuthorised() || p.GetReason() != "" {
			t.Errorf("released period %v is authorised or carries a reason", p)
		}
	}
	if !slices.Equal(got, []string{"2026-10-27 2h te_laat", "2026-11-09 3h vermoedelijk_ongeoorloofd"}) || v.GetActions() == "" || v.GetUnauthorisedHours_4W() != 5 {
		t.Errorf("released verzuim = %v", v)
	}
	if b, _ := protojson.Marshal(resp.GetRecord()); bytes.Contains(b, []byte("tandarts")) || bytes.Contains(b, []byte("2026-11-02")) {
		t.Errorf("the tandarts visit left the school: %s", b)
	}
}
