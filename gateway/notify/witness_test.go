package notify_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/gateway/release"
	"github.com/schakel/schakel/internal/testnode"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

func witnessOf(n *node.Node, oin string) audit.PeerLog {
	for _, p := range n.WitnessStatus() {
		if p.PeerOIN == oin {
			return p
		}
	}
	return audit.PeerLog{}
}

// TestRestoredSenderRefused: notifications carry the sender's checkpoint and
// a consistency proof from the checkpoint the recipient verified last. After
// a restart (the sender no longer knows what the recipient saw) the
// recipient names its checkpoint and the sender proves from it; after the
// sender's data folder is put back to an older backup, the recipient refuses
// its deliveries as rolled back, audits the refusal, and the notification
// stays queued.
func TestRestoredSenderRefused(t *testing.T) {
	ctx := context.Background()
	f := testnode.New(t)
	gem := f.Start(testnode.Gemeente, []testnode.Org{testnode.School}, nil)
	school := f.Start(testnode.School, []testnode.Org{testnode.Gemeente}, fast(time.Minute))
	send := func(c localv1.LocalServiceClient, key string) string {
		t.Helper()
		resp, err := c.SendNotification(ctx, c1(key))
		if err != nil {
			t.Fatalf("send %s: %v", key, err)
		}
		return resp.GetNotificationId()
	}
	for _, k := range []string{"witness-0001", "witness-0002"} {
		waitState(t, school.Local, send(school.Local, k), localv1.NotificationState_NOTIFICATION_STATE_DELIVERED, 20*time.Second)
	}
	seen := witnessOf(gem.Node, testnode.School.OIN)
	if seen.Size == 0 || seen.Alarm != "" {
		t.Fatalf("gemeente witnessed %+v of the school's log", seen)
	}
	peerAddr := school.Node.PeerAddr
	school.Stop()
	backup := filepath.Join(t.TempDir(), "backup")
	testnode.CopyDataDir(t, school.Config.DataDir, backup)

	// Restarted: the first delivery proves from nothing, is told the
	// gemeente's checkpoint, and proves again from it.
	r := restart(t, f, school, peerAddr, fast(time.Minute))
	for _, k := range []string{"witness-0003", "witness-0004"} {
		waitState(t, r.Local, send(r.Local, k), localv1.NotificationState_NOTIFICATION_STATE_DELIVERED, 20*time.Second)
	}
	later := witnessOf(gem.Node, testnode.School.OIN)
	if later.Size <= seen.Size || later.Alarm != "" {
		t.Fatalf("after the restart the gemeente witnessed %+v, want beyond size %d without alarm", later, seen.Size)
	}
	r.stop()

	testnode.CopyDataDir(t, backup, school.Config.DataDir)
	r2 := restart(t, f, school, peerAddr, fast(time.Minute))
	id := send(r2.Local, "witness-0005")
	waitFor(t, 20*time.Second, "the gemeente to refuse the restored school", func() bool {
		return witnessOf(gem.Node, testnode.School.OIN).Alarm != ""
	})
	w := witnessOf(gem.Node, testnode.School.OIN)
	if w.Alarm != audit.AlarmRolledBack && w.Alarm != audit.AlarmForked || w.Size != later.Size {
		t.Fatalf("gemeente witness after the restore = %+v, want an alarm at size %d", w, later.Size)
	}
	if o := outgoing(t, r2.Local, id); o.GetState() != localv1.NotificationState_NOTIFICATION_STATE_QUEUED {
		t.Fatalf("notification from the restored school: %v, want still queued", o.GetState())
	}
	gem.Stop()
	r2.stop()
	if !strings.Contains(f.Logs.String(), `"code":"FailedPrecondition"`) {
		t.Error("no delivery was asked to prove from the recipient's checkpoint")
	}
	var refused int
	for _, l := range auditRecords(t, gem.Config, string(audit.ActionNotifyReceive)) {
		codes, _ := l.Attributes["schakel.reason_codes"].([]any)
		if slices.Contains(codes, any(release.ReasonPeerLogInconsistent)) && l.StatusCode == 2 {
			refused++
		}
	}
	if refused == 0 {
		t.Error("the gemeente did not audit the refused delivery")
	}
	if !strings.Contains(f.Logs.String(), "peer audit log inconsistent") {
		t.Error("the gemeente did not log the inconsistency")
	}
}
