package crashtest

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/source"
	"github.com/schakel/schakel/internal/testnode"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
)

// pair prepares a school and a gemeente as processes on fixed loopback ports.
type pair struct {
	f                     *testnode.Federation
	school, gemeente      *testnode.Prepared
	schoolLocal, gemLocal string
}

func preparePair(t *testing.T, extra string) *pair {
	f := testnode.New(t)
	sPeer, sLocal, gPeer, gLocal := freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t)
	school := f.Prepare(testnode.School, "", []testnode.PeerAt{{Org: testnode.Gemeente, Address: gPeer}},
		testnode.PrepareOptions{PeerAddr: sPeer, LocalAddr: sLocal, Extra: extra})
	gem := f.Prepare(testnode.Gemeente, "", []testnode.PeerAt{{Org: testnode.School, Address: sPeer}},
		testnode.PrepareOptions{PeerAddr: gPeer, LocalAddr: gLocal, Extra: extra})
	return &pair{f: f, school: school, gemeente: gem, schoolLocal: sLocal, gemLocal: gLocal}
}

type release struct{ decisionID, bsn string }

// TestKillHolderMidExchange: the gemeente's system asks the school (flow C1)
// from many goroutines at once; the school's node is killed with SIGKILL in
// the middle of that load and restarted, and then the gemeente's node is
// killed and restarted. Afterwards `schakel audit verify` passes on both
// nodes (on the gemeente it checks that every stored receipt is the one its
// record names, and that no record misses the receipt it names), every
// release the gemeente received has the school's audit record of that
// decision, as an allow, and the school's obligations belong exactly to its
// allow records: no obligation without its record and no released record
// without its obligations. Records without a release may exist (a decision
// audited but never answered); a release without its record may not.
func TestKillHolderMidExchange(t *testing.T) {
	bin := schakelBin(t)
	p := preparePair(t, "limits: {request_timeout: 5s}\n")
	logs := &testnode.SyncBuffer{}
	school := serve(t, bin, "school", p.school.ConfigPath, logs)
	gem := serve(t, bin, "gemeente", p.gemeente.ConfigPath, logs)
	gemConn := p.f.Dial(p.gemLocal, p.gemeente.Client.TLS)
	waitServing(t, gem, gemConn)
	waitServing(t, school, p.f.Dial(p.schoolLocal, p.school.Client.TLS))
	gemLocal := localv1.NewLocalServiceClient(gemConn)

	// Leerplicht asks within Tina's open verzuim melding (C1 needs one).
	kids := []source.Child{testnode.Child(t, "Tina")}
	var (
		mu       sync.Mutex
		released []release
		failed   atomic.Int64
		stop     atomic.Bool
		wg       sync.WaitGroup
	)
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(released) }
	for w := 0; w < 12; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				c := kids[(w+i)%len(kids)]
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				resp, err := gemLocal.RequestRecord(ctx, &localv1.RequestRecordRequest{
					HolderOin: testnode.School.OIN, Purpose: "handhaving_leerplicht", Bsn: c.BSN,
					Categories: []string{"identificatie", "onderwijs", "verzuim"}, Role: "leerplichtambtenaar",
					CaseReference: "M-2026-0042",
				})
				cancel()
				if err != nil {
					failed.Add(1)
					time.Sleep(20 * time.Millisecond)
					continue
				}
				if resp.GetDecision().GetAllow() && resp.GetRecord() != nil {
					mu.Lock()
					released = append(released, release{resp.GetDecision().GetDecisionId(), c.BSN})
					mu.Unlock()
				}
			}
		}(w)
	}
	waitFor(t, "40 releases before the kill", func() bool { return count() >= 40 })
	school.kill(t)
	before := count()
	t.Logf("SIGKILL of the school's node after %d releases (%d failed requests so far)", before, failed.Load())
	waitFor(t, "requests failing while the holder is down", func() bool { return failed.Load() > 0 })

	school = serve(t, bin, "school (restarted)", p.school.ConfigPath, logs)
	waitServing(t, school, p.f.Dial(p.schoolLocal, p.school.Client.TLS))
	waitFor(t, "40 releases after the restart", func() bool { return count() >= before+40 })
	gem.kill(t)
	before = count()
	t.Logf("SIGKILL of the gemeente's node after %d releases", before)
	gem = serve(t, bin, "gemeente (restarted)", p.gemeente.ConfigPath, logs)
	waitServing(t, gem, gemConn)
	waitFor(t, "20 releases after the gemeente's restart", func() bool { return count() >= before+20 })
	stop.Store(true)
	wg.Wait()
	school.stop(t)
	gem.stop(t)
	t.Logf("%d releases received, %d requests failed", count(), failed.Load())

	for _, n := range []*testnode.Prepared{p.school, p.gemeente} {
		code, out, errOut := schakel(t, bin, "audit", "verify", "--config", n.ConfigPath)
		if code != 0 {
			t.Fatalf("schakel audit verify --config %s: exit %d\n%s%s", n.Org.Key, code, out, errOut)
		}
		t.Logf("%s: %s", n.Org.Key, strings.SplitN(out, "\n", 2)[0])
	}
	// Every release has the holder's record of its decision, as an allow.
	holderAllows := map[string]bool{}
	for _, c := range kids {
		for _, it := range inzage(t, bin, p.school.ConfigPath, c.BSN) {
			if it.Side == "holder" && it.Allowed && len(it.CategoriesReleased) > 0 {
				holderAllows[it.DecisionID] = true
			}
		}
	}
	// The school's obligations (C1: inform_subject and inform_parents) are
	// exactly those of its allow records.
	st, err := audit.OpenSQLite(filepath.Join(p.school.Dir, "data", "audit.db"), audit.Config{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	obs, err := st.Obligations(context.Background(), true)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	perDecision := map[string]int{}
	for _, o := range obs {
		perDecision[o.DecisionID]++
		if !holderAllows[o.DecisionID] {
			t.Errorf("obligation %s (%s) exists without its release record %s", o.ID, o.Kind, o.DecisionID)
		}
	}
	for id := range holderAllows {
		if perDecision[id] != 2 {
			t.Errorf("release record %s has %d obligations, want 2", id, perDecision[id])
		}
	}
	missing := 0
	for _, r := range released {
		if !holderAllows[r.decisionID] {
			missing++
			t.Errorf("release %s was received but the holder has no allow record of it", r.decisionID)
		}
	}
	if missing == 0 && len(released) < 80 {
		t.Fatalf("only %d releases checked", len(released))
	}
}

func inzage(t *testing.T, bin, cfg, bsn string) []audit.InzageItem {
	t.Helper()
	// A parent with gezag of a young child sees every record of these flows.
	code, out, errOut := schakel(t, bin, "audit", "inzage", "--config", cfg, "--bsn", bsn, "--format", "json",
		"--requester", "ouder", "--birth-date", time.Now().AddDate(-10, 0, 0).Format(time.DateOnly))
	if code != 0 {
		t.Fatalf("schakel audit inzage: exit %d: %s", code, errOut)
	}
	var rep struct{ Records []audit.InzageItem }
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	return rep.Records
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestKillSenderMidDelivery: the school queues notifications to the gemeente
// (flow B1) while the gemeente's node is down; the gemeente starts, and the
// school's node is killed with SIGKILL while its outbox is being delivered,
// then restarted. Every notification arrives at the gemeente
// exactly once (the receiver deduplicates on sender and idempotency key when
// the sender retries a delivery whose acknowledgement it lost), and both
// audit logs verify.
func TestKillSenderMidDelivery(t *testing.T) {
	bin := schakelBin(t)
	p := preparePair(t, "notify: {retry_initial: 100ms, retry_max: 1s}\n")
	logs := &testnode.SyncBuffer{}
	// The gemeente starts late, so the outbox fills first and is then
	// delivered in one burst, during which the sender is killed.
	school := serve(t, bin, "school", p.school.ConfigPath, logs)
	schoolConn := p.f.Dial(p.schoolLocal, p.school.Client.TLS)
	gemConn := p.f.Dial(p.gemLocal, p.gemeente.Client.TLS)
	waitServing(t, school, schoolConn)
	schoolLocal := localv1.NewLocalServiceClient(schoolConn)
	ctx := context.Background()

	// Tina (13) is the VO school's pupil; under the school regime one
	// parent's consent suffices for B1.
	tina := testnode.Child(t, "Tina")
	now := time.Now()
	if _, err := localv1.NewConsentServiceClient(schoolConn).RegisterConsent(ctx, &localv1.RegisterConsentRequest{Consent: &localv1.Consent{
		Bsn: tina.BSN, GivenBy: "ouder", RecipientOin: testnode.Gemeente.OIN, Purpose: "afstemming_ondersteuning",
		Categories: []string{"identificatie", "arrangement"},
		GivenAt:    timestamppb.New(now.Add(-time.Minute)), ValidUntil: timestamppb.New(now.AddDate(1, 0, 0)),
	}}); err != nil {
		t.Fatal(err)
	}
	const n = 250
	sent := map[string]bool{}
	var smu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				marker := fmt.Sprintf("melding-%04d", i)
				resp, err := schoolLocal.SendNotification(ctx, &localv1.SendNotificationRequest{
					RecipientOin: testnode.Gemeente.OIN, Purpose: "afstemming_ondersteuning", Bsn: tina.BSN,
					Role: "zorgcoordinator", RecipientRole: "wijkcoach", IdempotencyKey: "crashtest-" + marker,
					Record: &recordv1.Record{Arrangement: &recordv1.Arrangement{Kind: "extra begeleiding", StartedAt: now.Format("2006-01-02"), Description: marker}},
				})
				if err != nil || resp.GetState() != localv1.NotificationState_NOTIFICATION_STATE_QUEUED && resp.GetState() != localv1.NotificationState_NOTIFICATION_STATE_DELIVERED {
					t.Errorf("SendNotification %s: %v, %v", marker, resp, err)
					return
				}
				smu.Lock()
				sent[marker] = true
				smu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	gem := serve(t, bin, "gemeente", p.gemeente.ConfigPath, logs)
	waitServing(t, gem, gemConn)
	// Kill the sender as soon as deliveries have begun.
	gemLocal := localv1.NewLocalServiceClient(gemConn)
	received := func() map[string]int {
		resp, err := gemLocal.PullNotifications(ctx, &localv1.PullNotificationsRequest{Max: 1000})
		if err != nil {
			t.Fatalf("PullNotifications: %v", err)
		}
		m := map[string]int{}
		for _, r := range resp.GetNotifications() {
			m[r.GetRecord().GetArrangement().GetDescription()]++
		}
		return m
	}
	waitFor(t, "first deliveries", func() bool { return len(received()) > 0 })
	school.kill(t)
	atKill := len(received())
	smu.Lock()
	nSent := len(sent)
	smu.Unlock()
	t.Logf("SIGKILL of the sender with %d notifications queued, %d delivered", nSent, atKill)
	if atKill >= nSent {
		t.Fatalf("all %d notifications were delivered before the kill; the test did not kill mid-delivery", nSent)
	}

	school = serve(t, bin, "school (restarted)", p.school.ConfigPath, logs)
	waitServing(t, school, p.f.Dial(p.schoolLocal, p.school.Client.TLS))
	waitFor(t, "every accepted notification delivered", func() bool { return len(received()) >= nSent })
	// Give late duplicates (a retry of a delivery whose acknowledgement was
	// lost) the chance to show: wait until the sender's outbox is empty.
	waitFor(t, "the sender's outbox drained", func() bool {
		resp, err := localv1.NewLocalServiceClient(p.f.Dial(p.schoolLocal, p.school.Client.TLS)).ListNotifications(ctx, &localv1.ListNotificationsRequest{})
		if err != nil {
			return false
		}
		for _, o := range resp.GetNotifications() {
			if o.GetState() == localv1.NotificationState_NOTIFICATION_STATE_QUEUED {
				return false
			}
		}
		return true
	})
	got := received()
	// How many retries the receiver answered as duplicates: those are the
	// deliveries whose acknowledgement the kill lost.
	t.Logf("at least %d deliveries answered as duplicates by the gemeente", strings.Count(logs.String(), `"duplicate":true`))
	for m := range sent {
		if got[m] != 1 {
			t.Errorf("%s delivered %d times, want once", m, got[m])
		}
	}
	for m, c := range got {
		if !sent[m] {
			t.Errorf("%s delivered %d times but was never accepted", m, c)
		}
	}
	school.stop(t)
	gem.stop(t)
	for _, n := range []*testnode.Prepared{p.school, p.gemeente} {
		if code, out, errOut := schakel(t, bin, "audit", "verify", "--config", n.ConfigPath); code != 0 {
			t.Fatalf("schakel audit verify --config %s: exit %d\n%s%s", n.Org.Key, code, out, errOut)
		}
	}
}
