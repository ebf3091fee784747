package node_test

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/gateway/source"
	"github.com/schakel/schakel/internal/testnode"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
)

// TestNoBSNOrRecordValueInAuditStoresOrLogs runs the demo's exchanges for
// every fixture child between three nodes with the real policy (releases,
// denials, a notification, inzage) and then searches the raw bytes of every
// node's audit store (audit.db, -wal, -shm: while running and after stop)
// and all node logs for every child's BSN and for record values that were
// demonstrably released. As a control, the same search does find the BSN in
// the consent store, which legitimately keeps it.
func TestNoBSNOrRecordValueInAuditStoresOrLogs(t *testing.T) {
	f := testnode.New(t)
	// Fixed peer addresses, so every node knows every other one.
	addrs := map[string]string{}
	orgs := []testnode.Org{testnode.School, testnode.Zorg, testnode.Gemeente}
	for _, o := range orgs {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addrs[o.OIN] = l.Addr().String()
		l.Close()
	}
	start := func(o testnode.Org) *testnode.Node {
		var peers []testnode.Org
		for _, p := range orgs {
			if p != o {
				peers = append(peers, p)
			}
		}
		return f.Start(o, peers, func(c *config.Config, _ *node.Options) {
			c.Listen.Peer = addrs[o.OIN]
			for i := range c.Peers {
				c.Peers[i].Address = addrs[c.Peers[i].OIN]
			}
		})
	}
	school, zorg, gemeente := start(testnode.School), start(testnode.Zorg), start(testnode.Gemeente)
	ctx := context.Background()
	kids, err := source.Children(source.DefaultFixture)
	if err != nil {
		t.Fatal(err)
	}
	tina := testnode.Child(t, "Tina")
	// Both parents with gezag and the child: enough for every age under
	// both regimes (contract version 3).
	consent := func(holder *testnode.Node, bsn, to, purpose string, cats ...string) {
		now := time.Now()
		for _, g := range []struct{ by, giver string }{{"ouder", "ouder-1"}, {"ouder", "ouder-2"}, {"jeugdige", "kind"}} {
			if _, err := holder.Consent.RegisterConsent(ctx, &localv1.RegisterConsentRequest{Consent: &localv1.Consent{
				Bsn: bsn, GivenBy: g.by, Giver: g.giver, RecipientOin: to, Purpose: purpose, Categories: cats,
				GivenAt: timestamppb.New(now.Add(-time.Minute)), ValidUntil: timestamppb.New(now.AddDate(1, 0, 0)),
			}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The open verzuim meldingen the school made: a C1 request names one.
	melding := map[string]string{tina.BSN: "M-2026-0042"}
	caseRef := ""
	var received bytes.Buffer // every record value that reached a recipient
	keep := func(rec *recordv1.Record) {
		if rec != nil {
			b, _ := protojson.Marshal(rec)
			received.Write(b)
		}
	}
	releases := 0
	ask := func(from, holder *testnode.Node, bsn, purpose, role string, relation bool, cats ...string) {
		resp, err := from.Local.RequestRecord(ctx, &localv1.RequestRecordRequest{
			HolderOin: holder.Org.OIN, Purpose: purpose, Bsn: bsn, Categories: cats, Role: role, Relation: relation,
			CaseReference: caseRef,
		})
		if err != nil {
			t.Fatalf("RequestRecord %s: %v", purpose, err)
		}
		if resp.GetRecord() != nil {
			releases++
		}
		keep(resp.GetRecord())
	}
	for _, k := range kids {
		consent(school, k.BSN, zorg.Org.OIN, "afstemming_hulp_onderwijs", "identificatie", "verzuim", "opp", "observaties")
		ask(zorg, school, k.BSN, "afstemming_hulp_onderwijs", "jeugdhulpverlener", true, "identificatie", "verzuim", "opp", "gezondheid")
		caseRef = melding[k.BSN]
		ask(gemeente, school, k.BSN, "handhaving_leerplicht", "leerplichtambtenaar", false, "identificatie", "onderwijs", "verzuim")
		caseRef = ""
		consent(gemeente, k.BSN, school.Org.OIN, "afstemming_ondersteuning", "identificatie", "jeugdhulp_beschikking", "diagnose")
		ask(school, gemeente, k.BSN, "afstemming_ondersteuning", "zorgcoordinator", false, "identificatie", "jeugdhulp_beschikking", "diagnose")
		for _, n := range []*testnode.Node{school, zorg, gemeente} {
			if _, err := n.Local.Inzage(ctx, &localv1.InzageRequest{Bsn: k.BSN, Requester: "ouder"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A notification (flow B1) with a distinctive text, delivered and pulled.
	const noteText = "Twee uur per week remedial teaching bij juf Okkerman"
	consent(school, tina.BSN, gemeente.Org.OIN, "afstemming_ondersteuning", "identificatie", "arrangement")
	if _, err := school.Local.SendNotification(ctx, &localv1.SendNotificationRequest{
		RecipientOin: gemeente.Org.OIN, Purpose: "afstemming_ondersteuning", Bsn: tina.BSN, Role: "zorgcoordinator",
		RecipientRole: "wijkcoach", IdempotencyKey: "secrets-test-0001",
		Record: &recordv1.Record{Arrangement: &recordv1.Arrangement{Kind: "extra begeleiding", StartedAt: "2026-11-23", Description: noteText}},
	}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := gemeente.Local.PullNotifications(ctx, &localv1.PullNotificationsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.GetNotifications()) > 0 {
			keep(resp.GetNotifications()[0].GetRecord())
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("notification not delivered")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Values that demonstrably crossed the nodes.
	values := []string{
		"Mentor sprak Tina op 4 november", // Tina's verzuim actions
		"de Vries",                        // identificatie
		"Jansen",                          // identificatie (Daan)
		noteText,
	}
	for _, v := range values {
		if !strings.Contains(received.String(), v) {
			t.Fatalf("control: %q was not released in this run; the search below would prove nothing", v)
		}
	}
	if releases < len(kids) {
		t.Fatalf("control: only %d releases", releases)
	}
	needles := values
	for _, k := range kids {
		needles = append(needles, k.BSN)
	}

	search := func(when string) {
		for _, n := range []*testnode.Node{school, zorg, gemeente} {
			files, _ := filepath.Glob(n.Config.Audit.Store + "*")
			if len(files) == 0 {
				t.Fatalf("%s: no audit store files at %s", n.Org.Key, n.Config.Audit.Store)
			}
			for _, file := range files {
				b, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range needles {
					if bytes.Contains(b, []byte(s)) {
						t.Errorf("%s: %s (%s) contains %q", when, filepath.Base(file), n.Org.Key, s)
					}
				}
			}
		}
		logs := f.Logs.String()
		for _, s := range needles {
			if strings.Contains(logs, s) {
				t.Errorf("%s: the node logs contain %q", when, s)
			}
		}
	}
	// Control: the raw-bytes search does find a BSN where it is stored.
	if b, err := os.ReadFile(filepath.Join(school.Config.DataDir, "consents.db")); err != nil || !bytes.Contains(b, []byte(tina.BSN)) {
		if wal, _ := os.ReadFile(filepath.Join(school.Config.DataDir, "consents.db-wal")); !bytes.Contains(wal, []byte(tina.BSN)) {
			t.Fatalf("control: the BSN is not found in the consent store either (%v); the search is broken", err)
		}
	}
	search("while running")
	for _, n := range []*testnode.Node{school, zorg, gemeente} {
		n.Stop()
	}
	search("after stop")
}
