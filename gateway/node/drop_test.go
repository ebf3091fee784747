package node_test

import (
	"context"
	"io"
	"net"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/gateway/server"
	"github.com/schakel/schakel/internal/testnode"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// dropProxy forwards TCP to a target; once armed, it closes the connection
// instead of forwarding the next bytes from the target (the holder's
// response), then disarms.
type dropProxy struct {
	l      net.Listener
	target string
	armed  atomic.Bool
	drops  atomic.Int64
}

func newDropProxy(t *testing.T, target string) *dropProxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dropProxy{l: l, target: target}
	go p.accept()
	t.Cleanup(func() { l.Close() })
	return p
}

func (p *dropProxy) Addr() string { return p.l.Addr().String() }

func (p *dropProxy) accept() {
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		go func() { _, _ = io.Copy(s, c); s.Close() }()
		go func() {
			defer c.Close()
			defer s.Close()
			buf := make([]byte, 32<<10)
			for {
				n, err := s.Read(buf)
				if n > 0 {
					if p.armed.CompareAndSwap(true, false) {
						p.drops.Add(1)
						return // the response is lost with the connection
					}
					if _, werr := c.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}()
	}
}

// TestPeerDropsConnectionMidResponse: the connection breaks after the holder
// audited and answered a release, before the answer arrives.
//
// What happens, precisely: the holder holds one allow record for the lost
// answer (a record without a delivered release, which is the safe side); the
// recipient gets Unavailable, holds no record and no data. A retry of the
// same peer request (same request id) is refused by the holder's replay
// guard with AlreadyExists REPLAYED_REQUEST and audited as a refusal, so it
// creates no second release record and the source is not asked again. A retry
// by the recipient's system through its node is a new request (new request
// id, new decision): one more release, with its own record on both sides.
func TestPeerDropsConnectionMidResponse(t *testing.T) {
	src := fixtureSource(t)
	var proxy atomic.Pointer[dropProxy]
	var armNext atomic.Bool
	fa := &faultyAudit{onAppend: func(r *audit.Record) {
		// Arm the proxy once the release is durable: the next bytes from
		// the holder are its answer.
		if r.Allow && armNext.CompareAndSwap(true, false) {
			proxy.Load().armed.Store(true)
		}
	}}
	f := testnode.New(t)
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg}, func(c *config.Config, o *node.Options) {
		withFaultyAudit(t, fa)(c, o)
		o.Decider = allowDecider{}
		o.Source = src
	})
	proxy.Store(newDropProxy(t, school.Node.PeerAddr))
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.School}, func(c *config.Config, _ *node.Options) {
		c.Peers[0].Address = proxy.Load().Addr()
	})
	bas := testnode.Child(t, "Bas")
	ctx := context.Background()

	// 1. Straight to the holder's peer listener through the proxy, as a
	// transport that retries with the same request id would.
	peer := exchangev1.NewExchangeServiceClient(f.Dial(proxy.Load().Addr(), zorg.Cert.TLS))
	req := &exchangev1.RequestRecordRequest{
		RequestId: randomID(), SentAt: timestamppb.Now(), Purpose: "afstemming_hulp_onderwijs",
		Bsn: bas.BSN, Categories: []string{"verzuim"}, RecipientRole: "jeugdhulpverlener", Relation: true,
	}
	req.Statement = testnode.StatementFor(t, zorg.Cert.TLS, school.Org.OIN, req)
	armNext.Store(true)
	resp, err := peer.RequestRecord(ctx, req)
	if status.Code(err) != codes.Unavailable || resp != nil {
		t.Fatalf("through the dropping proxy: %v, %v; want Unavailable and nothing", resp, err)
	}
	if n := proxy.Load().drops.Load(); n != 1 {
		t.Fatalf("the proxy dropped %d responses, want 1", n)
	}
	resp, err = peer.RequestRecord(ctx, req)
	if status.Code(err) != codes.AlreadyExists || server.Reason(err) != "REPLAYED_REQUEST" || resp != nil {
		t.Fatalf("retry with the same request id: decision %v, %v; want AlreadyExists REPLAYED_REQUEST", resp.GetDecision(), err)
	}
	allows, refusals := countRecords(t, school, bas.BSN)
	if allows != 1 || refusals != 1 {
		t.Errorf("holder records: %d releases, %d refusals; want 1 release (the lost answer) and 1 refusal (the replay)", allows, refusals)
	}
	if n := src.records.Load(); n != 1 {
		t.Errorf("the source was asked %d times, want once", n)
	}

	// 2. Through the recipient's node: the answer is lost, the recipient
	// records nothing; its system's retry is a new, separately audited request.
	armNext.Store(true)
	lresp, err := zorg.Local.RequestRecord(ctx, &localv1.RequestRecordRequest{
		HolderOin: school.Org.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: bas.BSN,
		Categories: []string{"verzuim"}, Role: "jeugdhulpverlener", Relation: true,
	})
	if status.Code(err) != codes.Unavailable || lresp.GetRecord() != nil {
		t.Fatalf("local request through the dropping proxy: %v, %v; want Unavailable", lresp, err)
	}
	if recs, _ := zorg.Node.AuditRecords(ctx, bas.BSN); len(recs) != 0 {
		t.Errorf("the recipient recorded %d receipts for an answer it never got", len(recs))
	}
	lresp, err = zorg.Local.RequestRecord(ctx, &localv1.RequestRecordRequest{
		HolderOin: school.Org.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: bas.BSN,
		Categories: []string{"verzuim"}, Role: "jeugdhulpverlener", Relation: true,
	})
	if err != nil || lresp.GetRecord() == nil {
		t.Fatalf("retry by the recipient's system: %v, %v", lresp, err)
	}
	if allows, _ := countRecords(t, school, bas.BSN); allows != 3 {
		t.Errorf("holder release records = %d, want 3 (two lost answers, one delivered)", allows)
	}
	if recs := auditRecords(t, zorg, bas.BSN, lresp.GetDecision().GetDecisionId()); len(recs) != 1 {
		t.Errorf("recipient records for the delivered release = %d, want 1", len(recs))
	}
}

// countRecords counts a holder's release and refusal records about a child.
func countRecords(t *testing.T, n *testnode.Node, bsn string) (allows, refusals int) {
	for _, r := range holderRecords(t, n, bsn) {
		switch {
		case r.Allow:
			allows++
		case r.Name == audit.ActionRequestRefuse:
			refusals++
		}
	}
	return allows, refusals
}
