package crashtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/internal/testnode"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
)

// pgURL returns the test server's URL; the test is skipped only when the
// server is unreachable and CI is unset (CI runs PostgreSQL).
func pgURL(t *testing.T) string {
	t.Helper()
	url := os.Getenv("SCHAKEL_TEST_POSTGRES")
	if url == "" {
		url = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port)), 2*time.Second)
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("PostgreSQL at %s:%d unreachable (%v) and CI unset", cfg.Host, cfg.Port, err)
		}
		t.Fatalf("PostgreSQL unreachable in CI: %v", err)
	}
	c.Close()
	return url
}

// freshSchema returns a new schema name, dropped when the test ends.
func freshSchema(t *testing.T, url string) string {
	var b [6]byte
	rand.Read(b[:])
	schema := "crashtest_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, url); err == nil {
			c.Exec(ctx, `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`)
			c.Close(ctx)
		}
	})
	return schema
}

// TestPostgresTwoReplicaProcesses: two `schakel serve` processes of the same
// organisation (one certificate and key, separate data folders) share one
// PostgreSQL audit log named in their configuration (audit.store and a fresh
// audit.schema). The gemeente's node asks both at once; afterwards the leaf
// indexes the two replicas handed out form one gap-free sequence and
// `schakel audit verify --config` passes for either replica.
func TestPostgresTwoReplicaProcesses(t *testing.T) {
	bin := schakelBin(t)
	url := pgURL(t)
	schema := freshSchema(t, url)
	f := testnode.New(t)
	extra := fmt.Sprintf("audit: {store: %q, schema: %q}\n", url, schema)
	var replicas []*testnode.Prepared
	var procs []*proc
	var cert = f.CA.Issue(t, testnode.School.OIN, testnode.School.Name)
	logs := &testnode.SyncBuffer{}
	for _, name := range []string{"school-a", "school-b"} {
		r := f.Prepare(testnode.School, name, []testnode.PeerAt{{Org: testnode.Gemeente, Address: "127.0.0.1:1"}},
			testnode.PrepareOptions{PeerAddr: freeAddr(t), LocalAddr: freeAddr(t), Cert: cert, Extra: extra})
		replicas = append(replicas, r)
	}
	peerAddrs := []string{}
	for _, r := range replicas {
		p := serve(t, bin, r.Dir, r.ConfigPath, logs)
		procs = append(procs, p)
		waitServing(t, p, f.Dial(r.LocalAddr, r.Client.TLS))
		peerAddrs = append(peerAddrs, r.PeerAddr)
	}
	gemeente := f.CA.Issue(t, testnode.Gemeente.OIN, testnode.Gemeente.Name)
	tina := testnode.Child(t, "Tina")

	const workers, perWorker = 6, 25
	var mu sync.Mutex
	indexes := map[uint64]int{} // leaf index -> replica
	var wg sync.WaitGroup
	for ri, addr := range peerAddrs {
		client := exchangev1.NewExchangeServiceClient(f.Dial(addr, gemeente.TLS))
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < perWorker; i++ {
					var id [16]byte
					rand.Read(id[:])
					req := &exchangev1.RequestRecordRequest{
						RequestId: hex.EncodeToString(id[:]), SentAt: timestamppb.Now(), Purpose: "handhaving_leerplicht",
						Bsn: tina.BSN, Categories: []string{"verzuim"}, RecipientRole: "leerplichtambtenaar", CaseReference: "M-2026-0042",
					}
					req.Statement = testnode.StatementFor(t, gemeente.TLS, testnode.School.OIN, req)
					resp, err := client.RequestRecord(context.Background(), req)
					if err != nil || !resp.GetDecision().GetAllow() || resp.GetAudit() == nil {
						t.Errorf("replica %d: %v, %v", ri, resp.GetDecision(), err)
						return
					}
					mu.Lock()
					if prev, dup := indexes[resp.GetAudit().GetLeafIndex()]; dup {
						t.Errorf("leaf index %d handed out by replica %d and replica %d", resp.GetAudit().GetLeafIndex(), prev, ri)
					}
					indexes[resp.GetAudit().GetLeafIndex()] = ri
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	for _, p := range procs {
		p.stop(t)
	}
	total := 2 * workers * perWorker
	if len(indexes) != total {
		t.Fatalf("%d distinct leaf indexes, want %d", len(indexes), total)
	}
	keys := make([]uint64, 0, total)
	perReplica := [2]int{}
	for k, r := range indexes {
		keys = append(keys, k)
		perReplica[r]++
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	if keys[0] != 0 || keys[len(keys)-1] != uint64(total-1) {
		t.Errorf("leaf indexes run from %d to %d, want 0 to %d (one gap-free sequence)", keys[0], keys[len(keys)-1], total-1)
	}
	t.Logf("%d records from replica a, %d from replica b, in one sequence", perReplica[0], perReplica[1])
	for _, r := range replicas {
		code, out, errOut := schakel(t, bin, "audit", "verify", "--config", r.ConfigPath)
		if code != 0 {
			t.Fatalf("schakel audit verify --config %s: exit %d\n%s%s", r.Dir, code, out, errOut)
		}
		if want := fmt.Sprintf("ok: %d records", total); !strings.HasPrefix(out, want) {
			t.Errorf("verify says %q, want %q", strings.SplitN(out, "\n", 2)[0], want)
		}
	}
}
