package notify_test

import (
	"context"
	"fmt"
	"github.com/schakel/schakel/gateway/audit"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/internal/testnode"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// TestLoad sends many notifications (10,000, or SCHAKEL_NOTIFY_LOAD) while
// the receiving node is restarted several times, and checks that each one
// arrived exactly once. It is skipped with -short; run it alone with
//
//	go test -run TestLoad -v -timeout 20m ./gateway/notify/
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test; run without -short")
	}
	total := 10000
	if v, err := strconv.Atoi(os.Getenv("SCHAKEL_NOTIFY_LOAD")); err == nil && v > 0 {
		total = v
	}
	const restarts = 4
	f := testnode.New(t)
	quiet := func(c *config.Config, _ *node.Options) { c.LogLevel = "warn" }
	gem := f.Start(testnode.Gemeente, []testnode.Org{testnode.School}, quiet)
	gemAddr := gem.Node.PeerAddr
	school := f.Start(testnode.School, []testnode.Org{testnode.Gemeente}, func(c *config.Config, o *node.Options) {
		fast(30*time.Minute)(c, o)
		c.Notify.PerPeer = 16
	})
	ctx := context.Background()
	start := time.Now()

	// Senders.
	var sent atomic.Int64
	var wg sync.WaitGroup
	next := make(chan int)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				resp, err := school.Local.SendNotification(ctx, c1(fmt.Sprintf("load-%07d", i)))
				if err != nil || resp.GetNotificationId() == "" {
					t.Errorf("send %d: %v %v", i, resp, err)
					return
				}
				sent.Add(1)
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range total {
			next <- i
		}
	}()

	// The receiver goes down and comes back, several times, while the
	// notifications are sent and delivered.
	receivers := []*prometheus.Registry{gem.Node.Metrics.Registry}
	stopCurrent := gem.Stop
	var current *running
	for r := range restarts {
		time.Sleep(time.Duration(1500+500*r) * time.Millisecond)
		stopCurrent()
		time.Sleep(500 * time.Millisecond)
		current = restart(t, f, gem, gemAddr, quiet)
		stopCurrent = current.stop
		receivers = append(receivers, current.Node.Metrics.Registry)
		t.Logf("receiver restarted (%d/%d) at %s, %d sent", r+1, restarts, time.Since(start).Round(time.Millisecond), sent.Load())
	}
	wg.Wait()
	t.Logf("all %d sent after %s", sent.Load(), time.Since(start).Round(time.Millisecond))

	deadline := time.Now().Add(15 * time.Minute)
	for {
		delivered := counter(t, school.Node.Metrics.Registry, "schakel_notify_outgoing_total", "delivered") +
			counter(t, school.Node.Metrics.Registry, "schakel_notify_outgoing_total", "delivered_duplicate")
		if int(delivered) >= total {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %v of %d delivered", delivered, total)
		}
		time.Sleep(250 * time.Millisecond)
	}
	elapsed := time.Since(start)

	// Exactly once: the receiver holds each notification once.
	seen := map[string]bool{}
	for {
		resp, err := current.Local.PullNotifications(ctx, &localv1.PullNotificationsRequest{Max: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.GetNotifications()) == 0 {
			break
		}
		for _, n := range resp.GetNotifications() {
			if seen[n.GetNotificationId()] {
				t.Fatalf("notification %s pulled twice", n.GetNotificationId())
			}
			seen[n.GetNotificationId()] = true
			if _, err := current.Local.AckNotification(ctx, &localv1.AckNotificationRequest{NotificationId: n.GetNotificationId()}); err != nil {
				t.Fatal(err)
			}
		}
	}
	var recvNew, recvDup float64
	for _, r := range receivers {
		recvNew += counter(t, r, "schakel_notify_received_total", "false")
		recvDup += counter(t, r, "schakel_notify_received_total", "true")
	}
	reg := school.Node.Metrics.Registry
	fmt.Printf("notify load: %d notifications, receiver restarted %d times, all delivered in %s (%.0f/s)\n",
		total, restarts, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds())
	fmt.Printf("notify load: sender: delivered=%v delivered_duplicate=%v retries=%v dead_letters=%v; receiver: new=%v duplicate=%v; pulled=%d\n",
		counter(t, reg, "schakel_notify_outgoing_total", "delivered"), counter(t, reg, "schakel_notify_outgoing_total", "delivered_duplicate"),
		counter(t, reg, "schakel_notify_outgoing_total", "retry"), counter(t, reg, "schakel_notify_dead_letters_total", ""),
		recvNew, recvDup, len(seen))
	if len(seen) != total {
		t.Errorf("receiver holds %d notifications, want %d", len(seen), total)
	}
	if int(recvNew) != total {
		t.Errorf("receiver accepted %v new notifications, want %d", recvNew, total)
	}
	recs := auditRecords(t, gem.Config, string(audit.ActionNotifyReceive))
	ok := 0
	for _, l := range recs {
		if l.StatusCode == int(audit.StatusOK) {
			ok++
		} else {
			t.Logf("receive record with status %d: %v", l.StatusCode, l.Attributes)
		}
	}
	if ok != total || len(recs) != total {
		t.Errorf("receiver audit holds %d receive records (%d ok), want %d", len(recs), ok, total)
		if st, err := audit.OpenSQLite(gem.Config.Audit.Store, audit.Config{}, nil, nil); err == nil {
			if ws, err := audit.ReadWitness(context.Background(), st); err == nil {
				for _, w := range ws {
					t.Logf("receiver's witness of %s: size %d, alarm %q %q", w.PeerOIN, w.Size, w.Alarm, w.AlarmText)
				}
			}
			st.Close()
		}
	}
}
