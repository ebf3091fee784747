package notify_test

import (
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/gateway/release"
	"github.com/schakel/schakel/gateway/traceparent"
	"github.com/schakel/schakel/internal/testnode"
	"github.com/schakel/schakel/policy"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
)

// Tina (13) is enrolled at the VO school of the fixture.
const tina = "999990299"

// fast makes retries quick enough for tests.
func fast(maxAge time.Duration) func(*config.Config, *node.Options) {
	return func(c *config.Config, _ *node.Options) {
		c.Notify.RetryInitial = config.Duration(20 * time.Millisecond)
		c.Notify.RetryMax = config.Duration(300 * time.Millisecond)
		c.Notify.MaxAge = config.Duration(maxAge)
	}
}

// running is a node (re)started by these tests on a given data dir and port.
type running struct {
	Node  *node.Node
	Local localv1.LocalServiceClient
	stop  func()
}

// restart starts tn's organisation again on its data dir, its peer port
// peerAddr and its certificate, after stopping tn (and prev, if any).
func restart(t *testing.T, f *testnode.Federation, tn *testnode.Node, peerAddr string, mutate func(*config.Config, *node.Options)) *running {
	t.Helper()
	tn.Stop()
	cfg := *tn.Config
	cfg.Listen.Peer = peerAddr
	var opt node.Options
	if mutate != nil {
		mutate(&cfg, &opt)
	}
	log := slog.New(slog.NewJSONHandler(f.Logs, &slog.HandlerOptions{Level: slog.LevelDebug})).With("node", tn.Org.Key)
	var n *node.Node
	var err error
	for i := 0; i < 50; i++ { // the port may take a moment to be free
		if n, err = node.New(&cfg, log, opt); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("restart %s: %v", tn.Org.Key, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	r := &running{Node: n, Local: localv1.NewLocalServiceClient(f.Dial(n.LocalAddr, tn.Client.TLS))}
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(15 * time.Second):
				t.Errorf("%s did not stop", tn.Org.Key)
			}
		})
	}
	t.Cleanup(r.stop)
	return r
}

func c1(key string) *localv1.SendNotificationRequest {
	return &localv1.SendNotificationRequest{
		RecipientOin: testnode.Gemeente.OIN, Purpose: "handhaving_leerplicht", Flow: "C1", Bsn: tina,
		Role: "administratie", RecipientRole: "leerplichtambtenaar", IdempotencyKey: key,
		Record: &recordv1.Record{
			Identificatie: &recordv1.Identificatie{GivenName: "Tina", FamilyName: "de Vries", BirthDate: "2013-01-30"},
			Verzuim:       &recordv1.Verzuim{UnauthorisedHours_4W: 18, Actions: "melding leerplicht"},
			// Not in C1: must be withheld, never delivered.
			Ziekteverzuim: &recordv1.Ziekteverzuim{SuspectedUnauthorised: true},
		},
	}
}

func b1(key string) *localv1.SendNotificationRequest {
	return &localv1.SendNotificationRequest{
		RecipientOin: testnode.Gemeente.OIN, Purpose: "afstemming_ondersteuning", Flow: "B1", Bsn: tina,
		Role: "zorgcoordinator", RecipientRole: "wijkcoach", IdempotencyKey: key,
		Record: &recordv1.Record{
			Identificatie: &recordv1.Identificatie{GivenName: "Tina", FamilyName: "de Vries", BirthDate: "2013-01-30"},
			Arrangement:   &recordv1.Arrangement{Kind: "mentoraat plus", StartedAt: "2026-11-10"},
		},
	}
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func outgoing(t *testing.T, c localv1.LocalServiceClient, id string) *localv1.OutgoingNotification {
	t.Helper()
	resp, err := c.ListNotifications(context.Background(), &localv1.ListNotificationsRequest{NotificationId: id})
	if err != nil || len(resp.GetNotifications()) != 1 {
		t.Fatalf("ListNotifications(%s) = %v, %v", id, resp, err)
	}
	return resp.GetNotifications()[0]
}

func waitState(t *testing.T, c localv1.LocalServiceClient, id string, want localv1.NotificationState, d time.Duration) *localv1.OutgoingNotification {
	t.Helper()
	var last *localv1.OutgoingNotification
	waitFor(t, d, fmt.Sprintf("%s to be %s", id, want), func() bool {
		last = outgoing(t, c, id)
		return last.GetState() == want
	})
	return last
}

func pullAll(t *testing.T, c localv1.LocalServiceClient) []*localv1.ReceivedNotification {
	t.Helper()
	resp, err := c.PullNotifications(context.Background(), &localv1.PullNotificationsRequest{Max: 1000})
	if err != nil {
		t.Fatalf("PullNotifications: %v", err)
	}
	return resp.GetNotifications()
}

// ldv is one exported audit record.
type ldv struct {
	Name       string         `json:"name"`
	StatusCode int            `json:"status_code"`
	Attributes map[string]any `json:"attributes"`
}

// auditRecords reads a node's audit log (read-only; the node may run).
func auditRecords(t *testing.T, cfg *config.Config, prefix string) []ldv {
	t.Helper()
	st, err := audit.OpenSQLite(cfg.Audit.Store, audit.Config{}, nil, nil)
	if err != nil {
		t.Fatalf("open audit: %v", err)
	}
	defer st.Close()
	var buf bytes.Buffer
	if err := st.Export(context.Background(), &buf); err != nil {
		t.Fatalf("export audit: %v", err)
	}
	var out []ldv
	dec := json.NewDecoder(&buf)
	for {
		var l ldv
		if err := dec.Decode(&l); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(l.Name, prefix) {
			out = append(out, l)
		}
	}
	return out
}

func names(ls []ldv) map[string]int {
	out := map[string]int{}
	for _, l := range ls {
		out[l.Name]++
	}
	return out
}

func counter(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			match := label == ""
			for _, lp := range m.GetLabel() {
				if lp.GetValue() == label {
					match = true
				}
			}
			if match {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

func present(rec *recordv1.Record) string {
	var out []string
	if rec.GetIdentificatie() != nil {
		out = append(out, "identificatie")
	}
	if rec.GetVerzuim() != nil {
		out = append(out, "verzuim")
	}
	if rec.GetZiekteverzuim() != nil {
		out = append(out, "ziekteverzuim")
	}
	if rec.GetArrangement() != nil {
		out = append(out, "arrangement")
	}
	return strings.Join(out, ",")
}

// TestReceiverDownThenUp: a notification to a peer that is down stays queued
// and is delivered once when the peer is back, with only the released
// categories, and audited on both sides with the same payload digest.
func TestReceiverDownThenUp(t *testing.T) {
	f := testnode.New(t)
	gem := f.Start(testnode.Gemeente, []testnode.Org{testnode.School}, nil)
	gemAddr := gem.Node.PeerAddr
	gem.Stop()
	school := f.Start(testnode.School, []testnode.Org{testnode.Gemeente}, fast(time.Minute))
	ctx := context.Background()

	resp, err := school.Local.SendNotification(ctx, c1("down-then-up-1"))
	if err != nil {
		t.Fatalf("SendNotification: %v", err)
	}
	if resp.GetState() != localv1.NotificationState_NOTIFICATION_STATE_QUEUED || resp.GetNotificationId() == "" {
		t.Fatalf("send = %v", resp)
	}
	if got := strings.Join(resp.GetDecision().GetCategories(), ","); got != "identificatie,verzuim" {
		t.Errorf("released categories = %s", got)
	}
	id := resp.GetNotificationId()
	waitFor(t, 10*time.Second, "failed attempts while the peer is down", func() bool {
		o := outgoing(t, school.Local, id)
		return o.GetAttempts() >= 2 && o.GetLastError() != ""
	})
	if o := outgoing(t, school.Local, id); o.GetState() != localv1.NotificationState_NOTIFICATION_STATE_QUEUED {
		t.Fatalf("while down: %v", o)
	}

	gem2 := restart(t, f, gem, gemAddr, nil)
	o := waitState(t, school.Local, id, localv1.NotificationState_NOTIFICATION_STATE_DELIVERED, 20*time.Second)
	if o.GetLastError() != "" {
		t.Errorf("delivered with last_error %q", o.GetLastError())
	}
	got := pullAll(t, gem2.Local)
	if len(got) != 1 {
		t.Fatalf("received %d notifications, want 1", len(got))
	}
	if got[0].GetBsn() != tina || got[0].GetSenderOin() != testnode.School.OIN || got[0].GetFlow() != "C1" {
		t.Errorf("received %v", got[0])
	}
	if p := present(got[0].GetRecord()); p != "identificatie,verzuim" {
		t.Errorf("received categories %s, want identificatie,verzuim (ziekteverzuim withheld)", p)
	}
	// Audit: the sender decided once and audited one delivery (nothing was
	// audited as delivered while the peer was down); the recipient audited
	// one receipt of the same payload.
	sent := auditRecords(t, school.Config, "schakel.notify.")
	if n := names(sent); n[string(audit.ActionNotifyDecide)] != 1 || n[string(audit.ActionNotifyDeliver)] != 1 {
		t.Errorf("sender audit = %v, want 1 decide and 1 deliver", n)
	}
	recv := auditRecords(t, gem.Config, "schakel.notify.")
	if n := names(recv); n[string(audit.ActionNotifyReceive)] != 1 || len(recv) != 1 {
		t.Fatalf("recipient audit = %v, want 1 receive", n)
	}
	var deliverDigest any
	for _, l := range sent {
		if l.Name == string(audit.ActionNotifyDeliver) {
			deliverDigest = l.Attributes["schakel.payload_digest"]
		}
	}
	if deliverDigest == nil || recv[0].Attributes["schakel.payload_digest"] != deliverDigest {
		t.Errorf("payload digests differ: sender %v, recipient %v", deliverDigest, recv[0].Attributes["schakel.payload_digest"])
	}
	// Ack removes it from the pull set, durably.
	if _, err := gem2.Local.AckNotification(ctx, &localv1.AckNotificationRequest{NotificationId: got[0].GetNotificationId()}); err != nil {
		t.Fatal(err)
	}
	gem2.stop()
	gem3 := restart(t, f, gem, gemAddr, nil)
	if left := pullAll(t, gem3.Local); len(left) != 0 {
		t.Errorf("after ack and restart: %d to pull, want 0", len(left))
	}
}

// TestSameKeyTwice: the same idempotency key sent twice (also concurrently)
// is one notification and one delivery; a key reused for different content is
// refused.
func TestSameKeyTwice(t *testing.T) {
	f := testnode.New(t)
	gem := f.Start(testnode.Gemeente, []testnode.Org{testnode.School}, nil)
	school := f.Start(testnode.School, []testnode.Org{testnode.Gemeente}, fast(time.Minute))
	ctx := context.Background()

	ids := make([]string, 4)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := school.Local.SendNotification(ctx, c1("same-key-0001"))
			if err != nil {
				t.Errorf("send %d: %v", i, err)
				return
			}
			ids[i] = resp.GetNotificationId()
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id == "" || id != ids[0] {
			t.Fatalf("ids = %v, want one id", ids)
		}
	}
	waitState(t, school.Local, ids[0], localv1.NotificationState_NOTIFICATION_STATE_DELIVERED, 20*time.Second)
	again, err := school.Local.SendNotification(ctx, c1("same-key-0001"))
	if err != nil || again.GetNotificationId() != ids[0] || again.GetState() != localv1.NotificationState_NOTIFICATION_STATE_DELIVERED {
		t.Fatalf("send after delivery = %v, %v; want the same id, delivered", again, err)
	}
	other := c1("same-key-0001")
	other.RecipientRole = "wijkcoach"
	if _, err := school.Local.SendNotification(ctx, other); status.Code(err) != codes.InvalidArgument {
		t.Errorf("key reused for another notification: %v, want InvalidArgument", err)
	}
	time.Sleep(300 * time.Millisecond)
	if got := pullAll(t, gem.Local); len(got) != 1 {
		t.Errorf("received %d, want 1", len(got))
	}
	list, err := school.Local.ListNotifications(ctx, &localv1.ListNotificationsRequest{})
	if err != nil || len(list.GetNotifications()) != 1 {
		t.Errorf("outbox = %v, %v; want 1 notification", list, err)
	}
	if n := names(auditRecords(t, school.Config, "schakel.notify.")); n[string(audit.ActionNotifyDeliver)] != 1 {
		t.Errorf("sender audit = %v, want 1 deliver", n)
	}
	if n := names(auditRecords(t, gem.Config, "schakel.notify.")); n[string(audit.ActionNotifyReceive)] != 1 {
		t.Errorf("recipient audit = %v, want 1 receive", n)
	}
}

// TestDenialReturnedAtOnce: a notification the policy refuses is not queued;
// the reasons come back and the decision is audited.
func TestDenialReturnedAtOnce(t *testing.T) {
	f := testnode.New(t)
	gem := f.Start(testnode.Gemeente, []testnode.Org{testnode.School}, nil)
	school := f.Start(testnode.School, []testnode.Org{testnode.Gemeente}, fast(time.Minute))
	resp, err := school.Local.SendNotification(context.Background(), b1("no-consent-0001")) // no consent registered
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetDecision().GetAllow() || resp.GetState() != localv1.NotificationState_NOTIFICATION_STATE_REFUSED ||
		resp.GetNotificationId() != "" || len(resp.GetDecision().GetReasons()) == 0 {
		t.Fatalf("send without consent = %v; want refused with reasons", resp)
	}
	if resp.GetDecision().GetReasons()[0].GetCode() != "CONSENT_MISSING" {
		t.Errorf("reasons = %v", resp.GetDecision().GetReasons())
	}
	recs := auditRecords(t, school.Config, "schakel.notify.")
	if len(recs) != 1 || recs[0].Name != string(audit.ActionNotifyDecide) || recs[0].Attributes["schakel.allow"] != false {
		t.Errorf("sender audit = %v, want one denied decide", recs)
	}
	time.Sleep(200 * time.Millisecond)
	if got := pullAll(t, gem.Local); len(got) != 0 {
		t.Errorf("received %d, want 0", len(got))
	}
}

// TestConsentWithdrawnWhileQueued: B1 needs the parents' consent; withdrawn
// while the notification waits for its peer, it is cancelled with the reason,
// audited, and never delivered.
func TestConsentWithdrawnWhileQueued(t *testing.T) {
	f := testnode.New(t)
	gem := f.Start(testnode.Gemeente, []testnode.Org{testnode.School}, nil)
	gemAddr := gem.Node.PeerAddr
	gem.Stop()
	school := f.Start(testnode.School, []testnode.Org{testnode.Gemeente}, fast(time.Minute))
	ctx := context.Background()

	c, err := school.Consent.RegisterConsent(ctx, &localv1.RegisterConsentRequest{Consent: &localv1.Consent{
		Bsn: tina, GivenBy: "ouder", RecipientOin: testnode.Gemeente.OIN, Purpose: "afstemming_ondersteuning",
		Categories: []string{"identificatie", "arrangement"}, GivenAt: timestamppb.New(time.Now().Add(-time.Hour)),
	}})
	if err != nil {
		t.Fatalf("RegisterConsent: %v", err)
	}
	resp, err := school.Local.SendNotification(ctx, b1("withdrawn-0001"))
	if err != nil || !resp.GetDecision().GetAllow() {
		t.Fatalf("send with consent = %v, %v", resp, err)
	}
	id := resp.GetNotificationId()
	waitFor(t, 10*time.Second, "a failed attempt", func() bool { return outgoing(t, school.Local, id).GetAttempts() >= 1 })
	if _, err := school.Consent.WithdrawConsent(ctx, &localv1.WithdrawConsentRequest{Id: c.GetConsent().GetId()}); err != nil {
		t.Fatal(err)
	}
	o := waitState(t, school.Local, id, localv1.NotificationState_NOTIFICATION_STATE_CANCELLED, 20*time.Second)
	if !strings.Contains(o.GetLastError(), "CONSENT_") {
		t.Errorf("cancelled with %q, want the consent reason", o.GetLastError())
	}
	gem2 := restart(t, f, gem, gemAddr, nil)
	time.Sleep(time.Second)
	if got := pullAll(t, gem2.Local); len(got) != 0 {
		t.Errorf("received %d, want 0", len(got))
	}
	if o := outgoing(t, school.Local, id); o.GetState() != localv1.NotificationState_NOTIFICATION_STATE_CANCELLED {
		t.Errorf("state after the peer came back = %v", o.GetState())
	}
	if n := names(auditRecords(t, school.Config, "schakel.notify.")); n[string(audit.ActionNotifyCancel)] != 1 || n[string(audit.ActionNotifyDeliver)] != 0 {
		t.Errorf("sender audit = %v, want 1 cancel and no deliver", n)
	}
	if n := names(auditRecords(t, gem.Config, "schakel.notify.")); len(n) != 0 {
		t.Errorf("recipient audit = %v, want nothing", n)
	}
}

// TestDeadLetter: a notification past its maximum age is dead-lettered,
// visible in the list, counted in the metric, logged as an error.
func TestDeadLetter(t *testing.T) {
	f := testnode.New(t)
	gem := f.Start(testnode.Gemeente, []testnode.Org{testnode.School}, nil)
	gem.Stop()
	school := f.Start(testnode.School, []testnode.Org{testnode.Gemeente}, fast(time.Second))
	resp, err := school.Local.SendNotification(context.Background(), c1("dead-letter-0001"))
	if err != nil {
		t.Fatal(err)
	}
	o := waitState(t, school.Local, resp.GetNotificationId(), localv1.NotificationState_NOTIFICATION_STATE_DEAD_LETTER, 15*time.Second)
	if o.GetAttempts() < 1 || !strings.Contains(o.GetLastError(), "not delivered within") {
		t.Errorf("dead letter = %v", o)
	}
	if v := counter(t, school.Node.Metrics.Registry, "schakel_notify_dead_letters_total", ""); v != 1 {
		t.Errorf("schakel_notify_dead_letters_total = %v, want 1", v)
	}
	if !strings.Contains(f.Logs.String(), `"level":"ERROR","msg":"notification dead-lettered"`) {
		t.Errorf("no error log line for the dead letter")
	}
	if n := names(auditRecords(t, school.Config, "schakel.notify.")); n[string(audit.ActionNotifyDeadLetter)] != 1 || n[string(audit.ActionNotifyDeliver)] != 0 {
		t.Errorf("sender audit = %v, want 1 dead_letter and no deliver", n)
	}
}

// TestSenderRestartedMidway: the sender stops with notifications queued (its
// peer is down) and starts again on the same data directory: every
// notification, from before and after the restart, is delivered exactly once.
func TestSenderRestartedMidway(t *testing.T) {
	const total = 40
	f := testnode.New(t)
	gem := f.Start(testnode.Gemeente, []testnode.Org{testnode.School}, nil)
	gemAddr := gem.Node.PeerAddr
	gem.Stop()
	school := f.Start(testnode.School, []testnode.Org{testnode.Gemeente}, fast(time.Minute))
	schoolAddr := school.Node.PeerAddr
	ctx := context.Background()
	ids := map[string]bool{}
	send := func(c localv1.LocalServiceClient, i int) {
		resp, err := c.SendNotification(ctx, c1(fmt.Sprintf("restart-%04d", i)))
		if err != nil {
			t.Fatal(err)
		}
		ids[resp.GetNotificationId()] = true
	}
	for i := range total / 2 {
		send(school.Local, i)
	}
	time.Sleep(300 * time.Millisecond) // a few failed attempts
	school2 := restart(t, f, school, schoolAddr, fast(time.Minute))
	send(school2.Local, 0) // sent before the restart: the same notification
	for i := total / 2; i < total; i++ {
		send(school2.Local, i)
	}
	if len(ids) != total {
		t.Fatalf("%d ids for %d notifications", len(ids), total)
	}
	gem2 := restart(t, f, gem, gemAddr, nil)
	waitFor(t, 30*time.Second, "every notification delivered", func() bool {
		list, err := school2.Local.ListNotifications(ctx, &localv1.ListNotificationsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		done := 0
		for _, o := range list.GetNotifications() {
			if o.GetState() == localv1.NotificationState_NOTIFICATION_STATE_DELIVERED {
				done++
			}
		}
		return done == total
	})
	got := pullAll(t, gem2.Local)
	if len(got) != total {
		t.Errorf("received %d notifications, want %d", len(got), total)
	}
	if n := names(auditRecords(t, gem.Config, "schakel.notify.")); n[string(audit.ActionNotifyReceive)] != total {
		t.Errorf("recipient audit = %v, want %d receive", n, total)
	}
	// Every attempt that sends data is audited before it leaves; an attempt
	// whose call failed after that (a slow restart of the receiver) is
	// retried and audited again, so there may be more deliver records than
	// notifications, never fewer.
	if n := names(auditRecords(t, school.Config, "schakel.notify.")); n[string(audit.ActionNotifyDecide)] != total || n[string(audit.ActionNotifyDeliver)] < total {
		t.Errorf("sender audit = %v, want %d decide and at least %d deliver", n, total, total)
	}
}

// TestReceiverDeduplicatesAndVerifies plays the sender by hand: a delivery
// whose acknowledgement was lost is sent again and gets duplicate=true, the
// same id and the same signed receipt; a delivery whose record does not match
// the sender's audit proof is refused and stored nowhere.
func TestReceiverDeduplicatesAndVerifies(t *testing.T) {
	f := testnode.New(t)
	gem := f.Start(testnode.Gemeente, []testnode.Org{testnode.School}, nil)
	ctx := context.Background()
	cert := f.CA.Issue(t, testnode.School.OIN, testnode.School.Name)
	signer := cert.TLS.PrivateKey.(crypto.Signer)
	log, err := audit.OpenSQLite(filepath.Join(t.TempDir(), "audit.db"), audit.Config{Origin: audit.OriginFor(testnode.School.OIN)}, signer, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	deliver := func(key string, tamper bool) *exchangev1.DeliverNotificationRequest {
		rec := proto.Clone(c1(key).GetRecord()).(*recordv1.Record)
		rec.Ziekteverzuim = nil
		digest, err := release.PayloadDigest(rec)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		dec := &exchangev1.Decision{DecisionId: release.NewID(), Allow: true, Flow: "C1", Basis: "wettelijke_plicht",
			Categories: []string{"identificatie", "verzuim"}, RetentionDays: 1825, PolicyRevision: "sha256:test"}
		ar := &audit.Record{Name: audit.ActionNotifyDeliver, StatusCode: 1, StartTime: now, EndTime: now, Side: "holder",
			DecisionID: dec.GetDecisionId(), Allow: true, Flow: "C1", Purpose: "handhaving_leerplicht", Basis: "wettelijke_plicht",
			HolderOIN: testnode.School.OIN, RecipientOIN: testnode.Gemeente.OIN, RecipientRole: "leerplichtambtenaar",
			Subject: audit.Pseudonym([]byte("sender-secret"), tina), CategoriesReleased: dec.GetCategories(),
			PolicyRevision: "sha256:test", RetentionDays: 1825, PayloadDigest: digest}
		ar.TraceID = traceparent.New().TraceID
		ar.SpanID = traceparent.NewSpanID()
		commit, err := log.Append(ctx, ar)
		if err != nil {
			t.Fatal(err)
		}
		ap, err := release.NewAuditProof(signer, ar, commit, digest)
		if err != nil {
			t.Fatal(err)
		}
		if tamper {
			rec.Verzuim.UnauthorisedHours_4W = 2
		}
		dr := &exchangev1.DeliverNotificationRequest{RequestId: release.NewID(), SentAt: timestamppb.Now(),
			IdempotencyKey: key, Purpose: "handhaving_leerplicht", Flow: "C1", Bsn: tina, HolderRole: "administratie",
			RecipientRole: "leerplichtambtenaar", Decision: dec, Record: rec, Audit: ap,
			Witness: &exchangev1.LogWitness{Checkpoint: commit.Checkpoint}} // the recipient has seen none of this log
		// The sender's signed statement, as a sending node makes it.
		if dr.Statement, err = release.SignStatement(signer, &exchangev1.Statement{
			RequestId: dr.GetRequestId(), HolderOin: testnode.School.OIN, RecipientOin: testnode.Gemeente.OIN,
			Purpose: dr.GetPurpose(), Flow: "C1", Mode: policy.ModeNotification, SubjectDigest: release.SubjectDigest(dr.GetRequestId(), tina),
			Categories: []string{"identificatie", "verzuim"}, Role: "administratie", IssuedAt: timestamppb.Now(),
		}); err != nil {
			t.Fatal(err)
		}
		return dr
	}
	pc := f.PeerClient(gem, cert.TLS)
	req := deliver("direct-0001", false)
	first, err := pc.DeliverNotification(ctx, req)
	if err != nil {
		t.Fatalf("deliver: %v", err)
	}
	again, err := pc.DeliverNotification(ctx, req) // the first acknowledgement was lost
	if err != nil {
		t.Fatalf("deliver again: %v", err)
	}
	if first.GetDuplicate() || !again.GetDuplicate() || again.GetNotificationId() != first.GetNotificationId() ||
		!bytes.Equal(again.GetReceiptSignature(), first.GetReceiptSignature()) {
		t.Fatalf("first = %v, again = %v; want the same id and receipt, the second a duplicate", first, again)
	}
	if err := audit.VerifyNotificationReceipt(gem.Cert.X509.PublicKey, testnode.School.OIN, "direct-0001",
		req.GetAudit().GetPayloadDigest(), first.GetReceiptSignature()); err != nil || first.GetPayloadDigest() != req.GetAudit().GetPayloadDigest() {
		t.Errorf("receipt does not verify against the recipient's certificate: %v", err)
	}
	if _, err := pc.DeliverNotification(ctx, deliver("direct-0002", true)); status.Code(err) != codes.DataLoss {
		t.Errorf("tampered delivery: %v, want DataLoss (verification failed)", err)
	}
	// Without the sender's statement, or with one that does not match
	// (another sending role), nothing is accepted.
	unstated := deliver("direct-0003", false)
	unstated.Statement = nil
	if _, err := pc.DeliverNotification(ctx, unstated); status.Code(err) != codes.DataLoss {
		t.Errorf("delivery without a statement: %v, want DataLoss (verification failed)", err)
	}
	misstated := deliver("direct-0004", false)
	misstated.HolderRole = "mentor"
	if _, err := pc.DeliverNotification(ctx, misstated); status.Code(err) != codes.DataLoss {
		t.Errorf("delivery whose statement names another role: %v, want DataLoss", err)
	}
	if got := pullAll(t, gem.Local); len(got) != 1 || got[0].GetNotificationId() != first.GetNotificationId() {
		t.Errorf("pull = %v, want only the first notification", got)
	}
	recs := auditRecords(t, gem.Config, "schakel.notify.")
	if len(recs) != 4 || recs[0].StatusCode != 1 || recs[1].StatusCode != 2 || recs[2].StatusCode != 2 || recs[3].StatusCode != 2 {
		t.Errorf("recipient audit = %v, want one receive and three failed verifications", recs)
	}
	for _, r := range recs[2:] {
		if codes, _ := r.Attributes["schakel.reason_codes"].([]any); !slices.Contains(codes, any(release.CodeStatementInvalid)) {
			t.Errorf("refused delivery audited without STATEMENT_INVALID: %v", r.Attributes)
		}
	}
}
