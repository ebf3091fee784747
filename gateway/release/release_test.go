package release

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/consent"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/source"
	"github.com/schakel/schakel/policy"
	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
)

// Hand-written fakes, one concern each. The fake audit log is one
// "transaction" per call: a failing call stores nothing, neither the record
// nor what depends on it.

type fakeAudit struct {
	records     []*audit.Record
	obligations []string
	receipts    []*audit.Receipt
	commits     int
	fail        error // every append fails
	failWith    error // an append with obligations fails (the obligation write)
}

func (a *fakeAudit) Append(ctx context.Context, r *audit.Record) (audit.Commit, error) {
	return a.AppendWith(ctx, r, audit.With{})
}

func (a *fakeAudit) AppendWith(_ context.Context, r *audit.Record, w audit.With) (audit.Commit, error) {
	if a.fail != nil {
		return audit.Commit{}, a.fail
	}
	if a.failWith != nil && len(w.Obligations) > 0 {
		return audit.Commit{}, a.failWith
	}
	a.commits++
	a.records = append(a.records, r)
	a.obligations = append(a.obligations, w.Obligations...)
	if w.Receipt != nil {
		a.receipts = append(a.receipts, w.Receipt)
	}
	return audit.Commit{Index: uint64(len(a.records) - 1), Checkpoint: []byte("test-checkpoint\n")}, nil
}

type fakeSource struct {
	recordCalls [][]string
	recordErr   error
	facts       *source.Facts // nil: a pupil of 14 on the holder's roll
	askedHolder string        // the holder OIN of the last Facts call
}

func (s *fakeSource) Facts(_ context.Context, _, holder, _ string) (source.Facts, error) {
	s.askedHolder = holder
	if s.facts != nil {
		return *s.facts, nil
	}
	return source.Facts{Found: true, BirthDate: time.Date(2012, 5, 1, 0, 0, 0, 0, time.UTC), EnrolledAtHolder: true}, nil
}

func (s *fakeSource) Record(_ context.Context, _ string, cats []string) (*recordv1.Record, error) {
	s.recordCalls = append(s.recordCalls, cats)
	if s.recordErr != nil {
		return nil, s.recordErr
	}
	// More than was asked: the release must project it away.
	return &recordv1.Record{
		Identificatie: &recordv1.Identificatie{GivenName: "Bas", FamilyName: "Jansen", BirthDate: "2012-05-01"},
		Verzuim:       &recordv1.Verzuim{UnauthorisedHours_4W: 18},
		Gezondheid:    &recordv1.Gezondheid{},
	}, nil
}

type noConsents struct{}

func (noConsents) List(context.Context, string) ([]consent.Consent, error) { return nil, nil }

type fakeDecider struct {
	d      policy.Decision
	err    error
	inputs []policy.Input
}

func (f *fakeDecider) Decide(_ context.Context, in policy.Input) (policy.Decision, error) {
	f.inputs = append(f.inputs, in)
	return f.d, f.err
}

func str(s string) *string { return &s }

var allowC1 = policy.Decision{Allow: true, Flow: str("C1"), Basis: str("wettelijke_plicht"),
	Categories: []string{"identificatie", "verzuim"}, Obligations: []string{"inform_subject", "inform_parents"},
	RetentionDays: 1825, PolicyRevision: "sha256:pack", DecisionID: "d-allow"}

var denyC1 = policy.Decision{Allow: false, Flow: str("C1"), Basis: str("wettelijke_plicht"),
	Withheld:       []policy.Withheld{{Category: "verzuim", Code: "ROLE_NOT_ALLOWED"}},
	Reasons:        []policy.Reason{{Code: "ROLE_NOT_ALLOWED", Message: "De rol mag deze gegevens niet ontvangen."}},
	PolicyRevision: "sha256:pack", DecisionID: "d-deny"}

func setup(t *testing.T, d *fakeDecider) (*Releaser, *fakeAudit, *fakeSource) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	a, s := &fakeAudit{}, &fakeSource{}
	r := New(Config{
		Self:   identity.Peer{OIN: "00000001000000000001", OrgType: "school_vo"},
		Signer: key, Decider: d, Audit: a, Source: s, Consents: noConsents{},
		Secret: []byte("node-secret-for-tests-only-32byt"),
		Now:    func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) },
	}, nil)
	return r, a, s
}

func exchangeC1() Exchange {
	return Exchange{
		Action: audit.ActionRequestDecide,
		Peer:   identity.Peer{OIN: "00000001000000000003", OrgType: "gemeente"},
		BSN:    "111222333", Purpose: "handhaving_leerplicht", RecipientRole: "leerplichtambtenaar",
		Categories: []string{"identificatie", "verzuim", "gezondheid"},
	}
}

func TestAllowReleasesOnlyTheReleasedCategoriesWithOneCommit(t *testing.T) {
	d := &fakeDecider{d: allowC1}
	r, a, s := setup(t, d)
	out, err := r.Release(context.Background(), exchangeC1())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.recordCalls) != 1 || !slices.Equal(s.recordCalls[0], allowC1.Categories) {
		t.Fatalf("source asked for %v, want only the released %v", s.recordCalls, allowC1.Categories)
	}
	if got := PresentCategories(out.Record); !slices.Equal(got, []string{"identificatie", "verzuim"}) {
		t.Fatalf("released %v", got)
	}
	if a.commits != 1 || len(a.records) != 1 {
		t.Fatalf("%d commits, %d records; want one transaction with one record", a.commits, len(a.records))
	}
	ar := a.records[0]
	if !ar.Released() || ar.Name != audit.ActionRequestDecide || ar.PayloadDigest == "" || ar.PolicyRevision != "sha256:pack" {
		t.Fatalf("audit record %+v", ar)
	}
	if !slices.Equal(a.obligations, allowC1.Obligations) {
		t.Fatalf("obligations %v written with the record, want %v", a.obligations, allowC1.Obligations)
	}
	if out.Proof == nil || out.Proof.GetPayloadDigest() != ar.PayloadDigest {
		t.Fatalf("proof %+v", out.Proof)
	}
	if in := d.inputs[0]; in.Subject.Age != 14 || in.Holder.OIN != "00000001000000000001" || in.Recipient.OrgType != "gemeente" {
		t.Fatalf("decision input %+v", in)
	}
}

func TestDenialIsOneAuditRecordAndNoFetch(t *testing.T) {
	r, a, s := setup(t, &fakeDecider{d: denyC1})
	out, err := r.Release(context.Background(), exchangeC1())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.recordCalls) != 0 {
		t.Fatalf("a denial fetched the child's data: %v", s.recordCalls)
	}
	if len(a.records) != 1 || a.records[0].Released() || a.records[0].Allow || len(a.obligations) != 0 {
		t.Fatalf("records %+v, obligations %v", a.records, a.obligations)
	}
	if out.Record != nil || out.Proof != nil || out.Wire.GetAllow() {
		t.Fatalf("denial outcome %+v", out)
	}
	if got := a.records[0].ReasonCodes; !slices.Equal(got, []string{"ROLE_NOT_ALLOWED"}) {
		t.Fatalf("reason codes %v", got)
	}
}

func TestEngineErrorIsAnAuditedDenialWithoutSourceCall(t *testing.T) {
	r, a, s := setup(t, &fakeDecider{d: policy.Decision{PolicyRevision: "sha256:pack"}, err: errors.New("rego: eval_conflict_error")})
	out, err := r.Release(context.Background(), exchangeC1())
	if err != nil {
		t.Fatal(err)
	}
	if !out.EngineFailed || out.Decision.Allow || out.Wire.GetReasons()[0].GetCode() != "POLICY_UNAVAILABLE" {
		t.Fatalf("outcome %+v", out)
	}
	if len(s.recordCalls) != 0 {
		t.Fatal("the source was asked after an engine failure")
	}
	if len(a.records) != 1 {
		t.Fatalf("%d records", len(a.records))
	}
	ar := a.records[0]
	if ar.StatusCode != audit.StatusError || ar.Allow || ar.PolicyRevision != "sha256:pack" || ar.DecisionID == "" ||
		!slices.Contains(ar.ReasonCodes, "POLICY_UNAVAILABLE") {
		t.Fatalf("audit record of the failed decision %+v", ar)
	}
}

func TestSourceErrorAfterAllowIsAuditedAndReleasesNothing(t *testing.T) {
	r, a, s := setup(t, &fakeDecider{d: allowC1})
	s.recordErr = errors.New("source down")
	out, err := r.Release(context.Background(), exchangeC1())
	if err == nil || out != nil {
		t.Fatalf("release with a failing source: %+v, %v", out, err)
	}
	if len(a.records) != 1 {
		t.Fatalf("%d records", len(a.records))
	}
	ar := a.records[0]
	if ar.Released() || ar.Allow || ar.StatusCode != audit.StatusError || len(ar.CategoriesReleased) != 0 || len(a.obligations) != 0 {
		t.Fatalf("audit record %+v, obligations %v", ar, a.obligations)
	}
}

func TestAuditFailureReleasesNothing(t *testing.T) {
	r, a, _ := setup(t, &fakeDecider{d: allowC1})
	a.fail = errors.New("disk full")
	out, err := r.Release(context.Background(), exchangeC1())
	if !errors.Is(err, ErrAuditUnavailable) || out != nil {
		t.Fatalf("release with a failing audit log: %+v, %v", out, err)
	}
}

func TestObligationWriteFailureReleasesAndRecordsNothing(t *testing.T) {
	r, a, _ := setup(t, &fakeDecider{d: allowC1})
	a.failWith = errors.New("obligations: constraint failed")
	out, err := r.Release(context.Background(), exchangeC1())
	if !errors.Is(err, ErrAuditUnavailable) || out != nil {
		t.Fatalf("release with failing obligations: %+v, %v", out, err)
	}
	if len(a.records) != 0 {
		t.Fatalf("a record says released although nothing left: %+v", a.records)
	}
}

func TestDecideOnlyRecordsTheDecisionAndReleasesNothing(t *testing.T) {
	r, a, s := setup(t, &fakeDecider{d: allowC1})
	x := exchangeC1()
	x.Action, x.DecideOnly = audit.ActionNotifyDecide, true
	x.Payload = &recordv1.Record{Verzuim: &recordv1.Verzuim{UnauthorisedHours_4W: 18}}
	out, err := r.Release(context.Background(), x)
	if err != nil {
		t.Fatal(err)
	}
	if out.Record != nil || out.Proof != nil || len(s.recordCalls) != 0 || len(a.obligations) != 0 {
		t.Fatalf("decide-only released: %+v", out)
	}
	if ar := a.records[0]; ar.Name != audit.ActionNotifyDecide || !ar.Allow || ar.Released() {
		t.Fatalf("record %+v", ar)
	}
}

func TestDenialAtDeliveryIsACancellationAndBeforeReleaseGuards(t *testing.T) {
	r, a, _ := setup(t, &fakeDecider{d: denyC1})
	x := exchangeC1()
	x.Action, x.DenyAction = audit.ActionNotifyDeliver, audit.ActionNotifyCancel
	x.Payload = &recordv1.Record{Verzuim: &recordv1.Verzuim{UnauthorisedHours_4W: 18}}
	called := false
	x.BeforeRelease = func(context.Context) error { called = true; return nil }
	if _, err := r.Release(context.Background(), x); err != nil {
		t.Fatal(err)
	}
	if called || a.records[0].Name != audit.ActionNotifyCancel {
		t.Fatalf("denial at delivery: before-release called %v, record %s", called, a.records[0].Name)
	}
	// An allow whose peer is unreachable records nothing.
	r, a, _ = setup(t, &fakeDecider{d: allowC1})
	x.BeforeRelease = func(context.Context) error { return errors.New("peer down") }
	if _, err := r.Release(context.Background(), x); err == nil || len(a.records) != 0 {
		t.Fatalf("unreachable peer: err %v, %d records", err, len(a.records))
	}
}

// The decision input carries the version-3 facts of the holder's records
// (asked about this holder) and the designated gemeente of a school side.
func TestInputCarriesVersion3Facts(t *testing.T) {
	d := &fakeDecider{d: allowC1}
	r, _, s := setup(t, d)
	r.cfg.Self.DesignatedGemeente = "GM0153"
	s.facts = &source.Facts{Found: true, BirthDate: time.Date(2012, 5, 1, 0, 0, 0, 0, time.UTC), Gemeente: "GM0164",
		EnrolledAtHolder: true, ParentsWithGezag: 1, UnauthorisedAbsenceHours4w: 17.5, OpenVerzuimMeldingen: []string{"M-2026-0042"}}
	x := exchangeC1()
	x.Peer.DesignatedGemeente = "GM0164"
	if _, err := r.Release(context.Background(), x); err != nil {
		t.Fatal(err)
	}
	in := d.inputs[0]
	sub := in.Subject
	if s.askedHolder != "00000001000000000001" || !sub.EnrolledAtHolder || sub.ParentsWithGezag != 1 || sub.UnauthorisedAbsenceHours4w != 17.5 ||
		!slices.Equal(sub.OpenVerzuimMeldingen, []string{"M-2026-0042"}) || sub.Gemeente != "GM0164" || sub.Age != 14 {
		t.Errorf("asked about holder %q; subject = %+v", s.askedHolder, sub)
	}
	if in.Holder.DesignatedGemeente != "GM0153" || in.Recipient.DesignatedGemeente != "GM0164" {
		t.Errorf("designated gemeente: holder %q recipient %q", in.Holder.DesignatedGemeente, in.Recipient.DesignatedGemeente)
	}
	// A source that does not know the number of persons with gezag: 2.
	s.facts = &source.Facts{Found: true, BirthDate: time.Date(2012, 5, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := r.Release(context.Background(), exchangeC1()); err != nil {
		t.Fatal(err)
	}
	if sub := d.inputs[1].Subject; sub.ParentsWithGezag != 2 || sub.EnrolledAtHolder || sub.OpenVerzuimMeldingen == nil {
		t.Errorf("subject without gezag = %+v, want 2 persons with gezag, not enrolled, no meldingen (empty, not null)", sub)
	}
}

type fakeAnnouncements struct {
	announced, objected map[string]*time.Time // by recipient OIN + " " + consent id
	planned             []string              // recipient consent obligation
}

func (f *fakeAnnouncements) Announced(_ context.Context, recipient, id string) (*time.Time, *time.Time, error) {
	return f.announced[recipient+" "+id], f.objected[recipient+" "+id], nil
}

func (f *fakeAnnouncements) PlanAnnouncement(_ context.Context, recipient, id, obligation string, _ time.Time) error {
	f.planned = append(f.planned, recipient+" "+id+" "+obligation)
	return nil
}

// An attested consent's announced_at comes from the holder's own store,
// never from the request, and a giver's objection there is a withdrawal.
func TestAttestedConsentAnnouncedFromOwnStore(t *testing.T) {
	d := &fakeDecider{d: denyC1}
	r, _, _ := setup(t, d)
	at := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
	objected := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	zorg := "00000001000000000003"
	ann := &fakeAnnouncements{announced: map[string]*time.Time{zorg + " c-known": &at}, objected: map[string]*time.Time{zorg + " c-known": &objected}}
	r.cfg.Announcements = ann
	forged := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	x := exchangeC1()
	x.Attested = []policy.Consent{
		{ID: "c-known", HeldBy: policy.HeldByRecipient, HolderOIN: "00000001000000000001"},
		{ID: "c-new", HeldBy: policy.HeldByRecipient, AnnouncedAt: &forged},
	}
	if _, err := r.Release(context.Background(), x); err != nil {
		t.Fatal(err)
	}
	cs := d.inputs[0].Consents
	if len(cs) != 2 || cs[0].AnnouncedAt == nil || !cs[0].AnnouncedAt.Equal(at) || cs[0].WithdrawnAt == nil || !cs[0].WithdrawnAt.Equal(objected) ||
		cs[0].HolderOIN != "00000001000000000001" {
		t.Errorf("known attested consent = %+v", cs[0])
	}
	if cs[1].AnnouncedAt != nil {
		t.Errorf("announced_at taken from the request: %v", cs[1].AnnouncedAt)
	}
}

// inform_before_release comes with a denial too: the holder's node records
// the notice as an obligation and which attested consents it announces.
func TestInformBeforeReleaseRecordedOnDenial(t *testing.T) {
	pending := policy.Decision{Allow: false, Flow: str("A1"), Basis: str("toestemming"),
		Withheld:    []policy.Withheld{{Category: "opp", Code: "ATTESTED_CONSENT_PENDING"}},
		Reasons:     []policy.Reason{{Code: "ATTESTED_CONSENT_PENDING", Message: "…"}},
		Obligations: []string{"inform_before_release"}, PolicyRevision: "sha256:pack", DecisionID: "d-pending"}
	d := &fakeDecider{d: pending}
	r, a, s := setup(t, d)
	ann := &fakeAnnouncements{}
	r.cfg.Announcements = ann
	x := exchangeC1()
	x.Categories = []string{"opp"}
	x.Attested = []policy.Consent{
		{ID: "c-opp", HeldBy: policy.HeldByRecipient, Categories: []string{"opp", "verzuim"}},
		{ID: "c-verzuim", HeldBy: policy.HeldByRecipient, Categories: []string{"verzuim"}},
	}
	out, err := r.Release(context.Background(), x)
	if err != nil {
		t.Fatal(err)
	}
	if out.Record != nil || len(s.recordCalls) != 0 {
		t.Fatalf("a denial fetched or released data")
	}
	if !slices.Equal(a.obligations, []string{"inform_before_release"}) {
		t.Errorf("obligations recorded = %v, want only inform_before_release", a.obligations)
	}
	want := "00000001000000000003 c-opp " + audit.ObligationID("d-pending", "inform_before_release")
	if !slices.Equal(ann.planned, []string{want}) {
		t.Errorf("planned = %v, want %v", ann.planned, want)
	}
}
