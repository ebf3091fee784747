package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgURL returns the test server's URL, skipping the test only when the server is
// unreachable and CI is unset (in CI the PostgreSQL tests must run).
func pgURL(t testing.TB) string {
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
			t.Skipf("PostgreSQL unreachable (%v) and CI unset", err)
		}
		t.Fatalf("PostgreSQL unreachable in CI: %v", err)
	}
	c.Close()
	return url
}

// pgSchema returns a fresh schema name, dropped when the test ends, so tests can run
// in parallel and repeatedly.
func pgSchema(t testing.TB, url string) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	schema := "audit_test_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, url)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		c.Exec(ctx, `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`)
	})
	return schema
}

func TestPostgresAppendVerifyTamper(t *testing.T) {
	t.Parallel()
	url := pgURL(t)
	schema := pgSchema(t, url)
	ctx := context.Background()
	key := newKey(t)
	st, err := OpenPostgres(ctx, url, Config{Origin: testOrigin, Schema: schema}, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := 0; i < 10; i++ {
		r := sample(i, "111222333")
		c, err := st.Append(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if c.Index != uint64(i) {
			t.Fatalf("index %d", c.Index)
		}
		if err := VerifyCommit(&key.PublicKey, testOrigin, r, c); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.BySubject(ctx, Pseudonym(testSecret, "111222333"))
	if err != nil || len(got) != 10 {
		t.Fatalf("inzage: %d, %v", len(got), err)
	}
	p, err := st.ConsistencyProof(ctx, 3, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(p) == 0 {
		t.Fatal("empty consistency proof")
	}
	if _, err := Verify(ctx, st, &key.PublicKey); err != nil {
		t.Fatal(err)
	}
	if _, err := st.db.exec(ctx, `UPDATE "`+schema+`".records SET body = convert_to(replace(convert_from(body, 'UTF8'), 'zorgcoordinatie', 'zorgcoordinatiX'), 'UTF8') WHERE idx = 6`); err != nil {
		t.Fatal(err)
	}
	var ve *VerifyError
	if _, err := Verify(ctx, st, &key.PublicKey); !errors.As(err, &ve) || ve.Index != 6 {
		t.Fatalf("tampering: %v", err)
	}
}

// TestPostgresTwoStoresConcurrently simulates two replicas of one organisation (two
// stores, each with its own writer) appending to one log at the same time.
func TestPostgresTwoStoresConcurrently(t *testing.T) {
	t.Parallel()
	url := pgURL(t)
	schema := pgSchema(t, url)
	ctx := context.Background()
	key := newKey(t)
	cfg := Config{Origin: testOrigin, Schema: schema}
	var stores [2]*PostgresStore
	var openWG sync.WaitGroup
	var openErr [2]error
	for i := range stores {
		openWG.Add(1)
		go func() { // replicas start together: schema creation must not race
			defer openWG.Done()
			stores[i], openErr[i] = OpenPostgres(ctx, url, cfg, key, nil)
		}()
	}
	openWG.Wait()
	for i, err := range openErr {
		if err != nil {
			t.Fatal(err)
		}
		defer stores[i].Close()
	}
	const workers, per = 16, 25
	var mu sync.Mutex
	seen := map[uint64]bool{}
	checkpoints := map[uint64][]byte{} // size -> signed checkpoint, of either replica
	var wg sync.WaitGroup
	errs := make(chan error, 2*workers)
	for s := range stores {
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < per; i++ {
					r := sample((s*workers+w)*per+i, "111222333")
					c, err := stores[s].Append(ctx, r)
					if err != nil {
						errs <- err
						return
					}
					if err := VerifyCommit(&key.PublicKey, testOrigin, r, c); err != nil {
						errs <- err
						return
					}
					cp, err := ParseCheckpoint(c.Checkpoint)
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					if seen[c.Index] {
						errs <- fmt.Errorf("index %d twice", c.Index)
					}
					seen[c.Index] = true
					checkpoints[cp.Size] = c.Checkpoint
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	const total = 2 * workers * per
	for i := uint64(0); i < total; i++ {
		if !seen[i] {
			t.Fatalf("index %d missing", i)
		}
	}
	t.Logf("batches: %d + %d for %d records", stores[0].batches.Load(), stores[1].batches.Load(), total)
	// Each replica proves its log consistent between checkpoints either of
	// them signed: from its memory where it holds the hashes (it wrote the
	// batches in between), from the database where the other replica did.
	var sizes []uint64
	for sz := range checkpoints {
		sizes = append(sizes, sz)
	}
	slices.Sort(sizes)
	for _, st := range stores {
		for i := 1; i < len(sizes); i++ {
			for _, old := range []uint64{sizes[i-1], sizes[0]} {
				proof, err := st.ConsistencyProof(ctx, old, sizes[i])
				if err != nil {
					t.Fatalf("proof %d→%d: %v", old, sizes[i], err)
				}
				if err := VerifyConsistency(&key.PublicKey, testOrigin, checkpoints[old], checkpoints[sizes[i]], proof); err != nil {
					t.Fatalf("proof %d→%d does not verify: %v", old, sizes[i], err)
				}
			}
		}
	}
	for _, st := range stores {
		rep, err := Verify(ctx, st, &key.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Size != total || rep.Checkpoints != uint64(stores[0].batches.Load()+stores[1].batches.Load()) {
			t.Fatalf("report %+v", rep)
		}
	}
}

func TestPostgresFailClosed(t *testing.T) {
	t.Parallel()
	url := pgURL(t)
	schema := pgSchema(t, url)
	ctx := context.Background()
	st, err := OpenPostgres(ctx, url, Config{Origin: testOrigin, Schema: schema}, newKey(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Append(ctx, sample(0, "111222333")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.db.exec(ctx, `DROP TABLE "`+schema+`".records`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Append(ctx, sample(1, "111222333")); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("got %v, want ErrUnavailable", err)
	}
}

// TestPostgresReadOnlyNeedsALog: a read-only open (schakel audit verify, inzage)
// of a schema without an audit log fails with ErrNoLog and creates nothing, so
// a wrong schema is not reported as an empty log that verifies.
func TestPostgresReadOnlyNeedsALog(t *testing.T) {
	t.Parallel()
	url := pgURL(t)
	schema := pgSchema(t, url)
	ctx := context.Background()
	if st, err := OpenPostgres(ctx, url, Config{Schema: schema}, nil, nil); !errors.Is(err, ErrNoLog) {
		if st != nil {
			st.Close()
		}
		t.Fatalf("read-only open of an empty schema: %v, want ErrNoLog", err)
	}
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var n int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM pg_namespace WHERE nspname = $1", schema).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the read-only open created schema %s (%d, %v)", schema, n, err)
	}
	// Once a node created the log, the read-only open works.
	w, err := OpenPostgres(ctx, url, Config{Origin: testOrigin, Schema: schema}, newKey(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	r, err := OpenPostgres(ctx, url, Config{Schema: schema}, nil, nil)
	if err != nil {
		t.Fatalf("read-only open of an existing log: %v", err)
	}
	r.Close()
}

// TestRecordAtAndEachRecord: RecordAt reads one record by index (with its
// consent digest), ErrNoRecord past the end and once pruned; EachRecord
// lists the records with details in log order; on both backends.
func TestRecordAtAndEachRecord(t *testing.T) {
	ctx := context.Background()
	key := newKey(t)
	for name, open := range map[string]func(t *testing.T) Store{
		"sqlite": func(t *testing.T) Store { return openTest(t, key) },
		"postgres": func(t *testing.T) Store {
			url := pgURL(t)
			st, err := OpenPostgres(ctx, url, Config{Origin: testOrigin, Schema: pgSchema(t, url)}, key, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
	} {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			for i := 0; i < 3; i++ {
				r := sample(i, "111222333")
				r.Name, r.ConsentsUsed = ActionConsentRegister, []string{fmt.Sprintf("c-%d", i)}
				r.ConsentDigest = fmt.Sprintf("sha256:%064d", i)
				r.StartTime = time.Now()
				if i == 0 { // expired: Prune removes its details
					r.StartTime = r.StartTime.AddDate(0, 0, -2*r.RetentionDays)
				}
				r.EndTime = r.StartTime
				if _, err := st.Append(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			// A withdrawal of c-1 (index 3) becomes its head; a change
			// without a digest does not.
			w := sample(3, "111222333")
			w.Name, w.ConsentsUsed, w.ConsentDigest = ActionConsentWithdraw, []string{"c-1"}, "sha256:"+strings.Repeat("f", 64)
			w.StartTime, w.EndTime = time.Now(), time.Now()
			u := sample(4, "111222333")
			u.Name, u.ConsentsUsed = ActionConsentWithdraw, []string{"c-2"}
			u.StartTime, u.EndTime = time.Now(), time.Now()
			for _, r := range []*Record{w, u} {
				if _, err := st.Append(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			for id, want := range map[string]uint64{"c-0": 0, "c-1": 3, "c-2": 2} {
				if got, err := st.ConsentHead(ctx, id); err != nil || got != want {
					t.Errorf("ConsentHead(%s) = %d, %v; want %d", id, got, err, want)
				}
			}
			if _, err := st.ConsentHead(ctx, "c-9"); !errors.Is(err, ErrNoRecord) {
				t.Errorf("ConsentHead of an unknown consent: %v, want ErrNoRecord", err)
			}
			got, err := st.RecordAt(ctx, 1)
			if err != nil || got.Index != 1 || got.Record.ConsentDigest != fmt.Sprintf("sha256:%064d", 1) || got.Record.ConsentsUsed[0] != "c-1" {
				t.Fatalf("RecordAt(1) = %+v, %v", got, err)
			}
			if _, err := st.RecordAt(ctx, 5); !errors.Is(err, ErrNoRecord) {
				t.Fatalf("RecordAt past the end: %v, want ErrNoRecord", err)
			}
			if n, err := st.Prune(ctx, time.Now()); err != nil || n != 1 {
				t.Fatalf("prune: %d, %v", n, err)
			}
			if _, err := st.RecordAt(ctx, 0); !errors.Is(err, ErrNoRecord) {
				t.Fatalf("RecordAt of a pruned record: %v, want ErrNoRecord", err)
			}
			var idx []uint64
			if err := st.EachRecord(ctx, func(s Stored) error { idx = append(idx, s.Index); return nil }); err != nil || fmt.Sprint(idx) != "[1 2 3 4]" {
				t.Fatalf("EachRecord: %v, %v", idx, err)
			}
		})
	}
}
