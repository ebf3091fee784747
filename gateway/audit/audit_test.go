package audit

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

const testOrigin = "schakel.audit/00000001000000000001"

var testSecret = []byte("node-secret-for-tests-only-32byt")

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func openTest(t testing.TB, key *ecdsa.PrivateKey) *SQLiteStore {
	t.Helper()
	st, err := OpenSQLite(filepath.Join(t.TempDir(), "audit.db"), Config{Origin: testOrigin}, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

var base = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// sample returns a deterministic record number i about the child with the given BSN.
func sample(i int, bsn string) *Record {
	var r Record
	r.TraceID[0], r.TraceID[15] = 0xab, byte(i)
	r.SpanID[0], r.SpanID[7] = 0x01, byte(i)
	r.ForeignTraceID = r.TraceID
	r.ForeignSpanID[0] = 0x02
	r.ForeignEntity = "urn:oin:00000001000000000002"
	r.Name = ActionRequestDecide
	r.StatusCode = 1
	r.StartTime = base.Add(time.Duration(i) * time.Minute)
	r.EndTime = r.StartTime.Add(3 * time.Millisecond)
	r.Side = "holder"
	r.DecisionID = fmt.Sprintf("dec-%04d", i)
	r.Allow = i%3 != 0
	r.Flow, r.Purpose, r.Basis = "A1", "zorgcoordinatie", "wjz-7.1.1.1"
	r.HolderOIN, r.RecipientOIN, r.RecipientRole = "00000001000000000001", "00000001000000000002", "jeugdhulpverlener"
	r.Subject = Pseudonym(testSecret, bsn)
	if r.Allow {
		r.CategoriesReleased = []string{"school.verzuim", "school.aanwezigheid"}
		r.PayloadDigest = fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(r.DecisionID)))
	} else {
		r.ReasonCodes = []string{"consent.missing"}
	}
	r.CategoriesWithheld = []string{"category:ZORG"}
	r.Obligations = []string{"log.recipient"}
	r.PolicyRevision = "sha256:0123abcd"
	r.RetentionDays = 365
	return &r
}

func TestPseudonym(t *testing.T) {
	bsn := "111222333"
	p := Pseudonym(testSecret, bsn)
	if p == bsn || strings.Contains(p, bsn) {
		t.Fatal("pseudonym contains the BSN")
	}
	if p != Pseudonym(testSecret, bsn) || p != Pseudonym(testSecret, " 111222333\n") {
		t.Fatal("pseudonym not stable")
	}
	if p == Pseudonym([]byte("other secret"), bsn) || p == Pseudonym(testSecret, "111222334") {
		t.Fatal("pseudonym does not depend on secret and BSN")
	}
	if !isPseudonym(p) {
		t.Fatalf("pseudonym %q has the wrong shape", p)
	}
}

func TestAppendCommitsAndProofs(t *testing.T) {
	key := newKey(t)
	st := openTest(t, key)
	ctx := context.Background()
	var commits []Commit
	for i := 0; i < 13; i++ {
		r := sample(i, "111222333")
		c, err := st.Append(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if c.Index != uint64(i) {
			t.Fatalf("index %d, want %d", c.Index, i)
		}
		if err := VerifyCommit(&key.PublicKey, testOrigin, r, c); err != nil {
			t.Fatalf("commit %d: %v", i, err)
		}
		// A changed record, another key or another origin must not verify.
		r2 := *r
		r2.Allow = !r2.Allow
		if err := VerifyCommit(&key.PublicKey, testOrigin, &r2, c); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("changed record verified: %v", err)
		}
		if err := VerifyCommit(&newKey(t).PublicKey, testOrigin, r, c); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("other key verified: %v", err)
		}
		if err := VerifyCommit(&key.PublicKey, "schakel.audit/other", r, c); err == nil {
			t.Fatal("other origin verified")
		}
		commits = append(commits, c)
	}
	latest, err := st.LatestCheckpoint(ctx)
	if err != nil || !bytes.Equal(latest, commits[12].Checkpoint) {
		t.Fatalf("latest checkpoint: %v", err)
	}
	// Old records are provable against the newest checkpoint; successive checkpoints
	// are consistent.
	for i, c := range commits {
		p, err := st.InclusionProof(ctx, c.Index, 13)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyCommit(&key.PublicKey, testOrigin, sample(i, "111222333"), Commit{Index: c.Index, Checkpoint: latest, Proof: p}); err != nil {
			t.Fatalf("record %d against latest: %v", i, err)
		}
		for j := i; j < len(commits); j++ {
			p, err := st.ConsistencyProof(ctx, uint64(i+1), uint64(j+1))
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyConsistency(&key.PublicKey, testOrigin, c.Checkpoint, commits[j].Checkpoint, p); err != nil {
				t.Fatalf("consistency %d→%d: %v", i+1, j+1, err)
			}
			if j > i && len(p) > 0 {
				p[0][0] ^= 1
				if err := VerifyConsistency(&key.PublicKey, testOrigin, c.Checkpoint, commits[j].Checkpoint, p); err == nil {
					t.Fatalf("bad consistency proof %d→%d verified", i+1, j+1)
				}
			}
		}
	}
	if n := st.fallbackReads.Load(); n != 0 {
		t.Errorf("append path read %d hashes from the database", n)
	}
	rep, err := Verify(ctx, st, &key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Size != 13 || rep.Checkpoints != 13 {
		t.Fatalf("report %+v", rep)
	}
}

func TestInvalidRecordsRefused(t *testing.T) {
	st := openTest(t, newKey(t))
	tests := map[string]func(r *Record){
		"bsn as subject":   func(r *Record) { r.Subject = "111222333" },
		"upper-case hex":   func(r *Record) { r.Subject = strings.ToUpper(r.Subject) },
		"no retention":     func(r *Record) { r.RetentionDays = 0 },
		"no side":          func(r *Record) { r.Side = "" },
		"no time":          func(r *Record) { r.StartTime = time.Time{} },
		"bad digest":       func(r *Record) { r.PayloadDigest = "md5:00" },
		"invalid utf8":     func(r *Record) { r.Purpose = "\xff" },
		"bad status code":  func(r *Record) { r.StatusCode = 7 },
		"empty event name": func(r *Record) { r.Name = "" },
		// Bounds: the most a record (a denial included) stores.
		"256 KB professional": func(r *Record) { r.Professional = strings.Repeat("p", 256<<10) },
		"4097-byte case ref":  func(r *Record) { r.CaseReference = strings.Repeat("c", MaxFieldBytes+1) },
		"65 consents used":    func(r *Record) { r.ConsentsUsed = make([]string, MaxListEntries+1) },
		"64 KB consent id":    func(r *Record) { r.ConsentsUsed = []string{strings.Repeat("i", 64<<10)} },
		"65 withheld":         func(r *Record) { r.CategoriesWithheld = make([]string, MaxListEntries+1) },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			r := sample(1, "111222333")
			mutate(r)
			if _, err := st.Append(context.Background(), r); !errors.Is(err, ErrInvalidRecord) {
				t.Fatalf("got %v, want ErrInvalidRecord", err)
			}
		})
	}
}

func TestGroupCommitConcurrent(t *testing.T) {
	key := newKey(t)
	st := openTest(t, key)
	ctx := context.Background()
	const workers, per = 64, 20
	var mu sync.Mutex
	seen := map[uint64]bool{}
	cps := map[string]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < per; i++ {
				r := sample(w*per+i, fmt.Sprintf("1%08d", w))
				c, err := st.Append(ctx, r)
				if err != nil {
					errs <- err
					return
				}
				if err := VerifyCommit(&key.PublicKey, testOrigin, r, c); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if seen[c.Index] {
					errs <- fmt.Errorf("index %d twice", c.Index)
				}
				seen[c.Index] = true
				cps[string(c.Checkpoint)] = true
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i := uint64(0); i < workers*per; i++ {
		if !seen[i] {
			t.Fatalf("index %d missing", i)
		}
	}
	var rows int64
	if err := st.db.queryRow(ctx, "SELECT COUNT(*) FROM checkpoints").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	batches := st.batches.Load()
	if rows != batches || int64(len(cps)) != batches {
		t.Fatalf("checkpoints: %d rows, %d returned, %d batches", rows, len(cps), batches)
	}
	if batches >= workers*per {
		t.Errorf("no batching: %d batches for %d records", batches, workers*per)
	}
	t.Logf("%d records in %d batches", workers*per, batches)
	if n := st.fallbackReads.Load(); n != 0 {
		t.Errorf("append path read %d hashes from the database", n)
	}
	if _, err := Verify(ctx, st, &key.PublicKey); err != nil {
		t.Fatal(err)
	}
}

func TestReopenContinuesTree(t *testing.T) {
	key := newKey(t)
	path := filepath.Join(t.TempDir(), "audit.db")
	ctx := context.Background()
	for round := 0; round < 3; round++ {
		st, err := OpenSQLite(path, Config{Origin: testOrigin}, key, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 5; i++ {
			r := sample(round*5+i, "111222333")
			c, err := st.Append(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			if c.Index != uint64(round*5+i) {
				t.Fatalf("index %d after reopen", c.Index)
			}
			if err := VerifyCommit(&key.PublicKey, testOrigin, r, c); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := Verify(ctx, st, &key.PublicKey); err != nil {
			t.Fatal(err)
		}
		st.Close()
	}
	// Read-only open (no signer) verifies and refuses appends.
	ro, err := OpenSQLite(path, Config{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if rep, err := Verify(ctx, ro, &key.PublicKey); err != nil || rep.Origin != testOrigin || rep.Size != 15 {
		t.Fatalf("read-only verify: %+v %v", rep, err)
	}
	if _, err := ro.Append(ctx, sample(99, "111222333")); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("read-only append: %v", err)
	}
}

func TestFailClosed(t *testing.T) {
	ctx := context.Background()
	t.Run("broken database", func(t *testing.T) {
		st := openTest(t, newKey(t))
		if _, err := st.Append(ctx, sample(0, "111222333")); err != nil {
			t.Fatal(err)
		}
		if _, err := st.db.exec(ctx, "DROP TABLE records"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Append(ctx, sample(1, "111222333")); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("got %v, want ErrUnavailable", err)
		}
	})
	t.Run("closed", func(t *testing.T) {
		st := openTest(t, newKey(t))
		st.Close()
		if _, err := st.Append(ctx, sample(1, "111222333")); !errors.Is(err, ErrClosed) {
			t.Fatalf("got %v, want ErrClosed", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		st := openTest(t, newKey(t))
		c, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := st.Append(c, sample(1, "111222333")); err == nil {
			t.Fatal("append with a cancelled context succeeded")
		}
	})
}

// tamperable builds a log of n records appended one at a time (one batch each).
func tamperable(t *testing.T, n int) (*SQLiteStore, *ecdsa.PrivateKey) {
	key := newKey(t)
	st := openTest(t, key)
	for i := 0; i < n; i++ {
		if _, err := st.Append(context.Background(), sample(i, "111222333")); err != nil {
			t.Fatal(err)
		}
	}
	return st, key
}

func TestVerifyDetectsTampering(t *testing.T) {
	ctx := context.Background()
	other := Pseudonym(testSecret, "999888777")
	tests := []struct {
		name      string
		sql       []string
		wantIndex uint64
	}{
		{"change details", []string{`UPDATE records SET body = replace(body, 'zorgcoordinatie', 'zorgcoordinatiX') WHERE idx = 5`}, 5},
		{"change subject column", []string{`UPDATE records SET subject = '` + other + `' WHERE idx = 4`}, 4},
		{"change expiry", []string{`UPDATE records SET expires_ms = expires_ms + 1 WHERE idx = 6`}, 6},
		{"delete row", []string{`DELETE FROM records WHERE idx = 3`}, 3},
		{"delete last row", []string{`DELETE FROM records WHERE idx = 9`}, 9},
		{"prune before expiry", []string{`UPDATE records SET body = NULL, subject = NULL WHERE idx = 7`}, 7},
		{"insert row", []string{
			`UPDATE records SET idx = idx + 1000 WHERE idx >= 4`,
			`UPDATE records SET idx = idx - 999 WHERE idx >= 1000`,
			`INSERT INTO records (idx, entry, body, subject, expires_ms, hashes) SELECT 4, entry, body, subject, expires_ms, substr(hashes, 1, 32) FROM records WHERE idx = 2`,
		}, 4},
		{"insert row with fresh content", []string{
			`UPDATE records SET idx = idx + 1000 WHERE idx >= 6`,
			`UPDATE records SET idx = idx - 999 WHERE idx >= 1000`,
			`INSERT INTO records (idx, entry, body, subject, expires_ms, hashes) SELECT 6, entry, body, subject, expires_ms, hashes FROM records WHERE idx = 1`,
		}, 6},
		{"append row beyond head", []string{
			`INSERT INTO records (idx, entry, body, subject, expires_ms, hashes) SELECT 10, entry, body, subject, expires_ms, hashes FROM records WHERE idx = 1`,
		}, 10},
		{"reorder rows", []string{
			`UPDATE records SET idx = 100 WHERE idx = 2`,
			`UPDATE records SET idx = 2 WHERE idx = 7`,
			`UPDATE records SET idx = 7 WHERE idx = 100`,
		}, 2},
		{"change checkpoint", []string{`UPDATE checkpoints SET note = replace(note, X'0A380A', X'0A390A') WHERE size = 8`}, 7},
		{"delete checkpoint", []string{`DELETE FROM checkpoints WHERE size = 10`}, 9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, key := tamperable(t, 10)
			if _, err := Verify(ctx, st, &key.PublicKey); err != nil {
				t.Fatalf("before tampering: %v", err)
			}
			for _, q := range tc.sql {
				n, err := st.db.exec(ctx, q)
				if err != nil || n == 0 {
					t.Fatalf("%s: %d rows, %v", q, n, err)
				}
			}
			_, err := Verify(ctx, st, &key.PublicKey)
			var ve *VerifyError
			if !errors.As(err, &ve) || !errors.Is(err, ErrTampered) {
				t.Fatalf("got %v, want a VerifyError", err)
			}
			if ve.Index != tc.wantIndex {
				t.Fatalf("first bad index %d, want %d (%v)", ve.Index, tc.wantIndex, err)
			}
			t.Log(err)
		})
	}
}

func TestPrune(t *testing.T) {
	key := newKey(t)
	st := openTest(t, key)
	ctx := context.Background()
	subj := Pseudonym(testSecret, "111222333")
	now := time.Now().UTC()
	for i := 0; i < 6; i++ {
		r := sample(i, "111222333")
		r.StartTime = now.Add(-48 * time.Hour)
		r.EndTime = r.StartTime
		if i%2 == 0 {
			r.RetentionDays = 1 // expired yesterday
		}
		if _, err := st.Append(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	n, err := st.Prune(ctx, now)
	if err != nil || n != 3 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	got, err := st.BySubject(ctx, subj)
	if err != nil || len(got) != 3 {
		t.Fatalf("after prune: %d records, %v", len(got), err)
	}
	var left int64
	if err := st.db.queryRow(ctx, "SELECT COUNT(*) FROM records WHERE body IS NOT NULL OR subject IS NOT NULL").Scan(&left); err != nil || left != 3 {
		t.Fatalf("details left in %d rows, %v", left, err)
	}
	rep, err := Verify(ctx, st, &key.PublicKey)
	if err != nil || rep.Pruned != 3 || rep.Size != 6 {
		t.Fatalf("verify after prune: %+v, %v", rep, err)
	}
	// The log keeps growing after a prune.
	if _, err := st.Append(ctx, sample(7, "111222333")); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(ctx, st, &key.PublicKey); err != nil {
		t.Fatal(err)
	}
}

func TestBySubjectOldestFirst(t *testing.T) {
	st := openTest(t, newKey(t))
	ctx := context.Background()
	order := []int{5, 1, 3}
	for _, i := range order {
		r := sample(i, "111222333")
		if i == 3 {
			r.Side, r.Name = "recipient", ActionRequestReceive
		}
		if _, err := st.Append(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Append(ctx, sample(2, "999888777")); err != nil {
		t.Fatal(err)
	}
	got, err := st.BySubject(ctx, Pseudonym(testSecret, "111222333"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range got {
		ids = append(ids, s.Record.DecisionID+"/"+string(s.Record.Side))
	}
	want := "dec-0001/holder dec-0003/recipient dec-0005/holder"
	if strings.Join(ids, " ") != want {
		t.Fatalf("got %v, want %s", ids, want)
	}
	if !sort.SliceIsSorted(got, func(i, j int) bool { return got[i].Record.StartTime.Before(got[j].Record.StartTime) }) {
		t.Fatal("not oldest first")
	}
	// A stored record reads back as the record that was written.
	if !bytes.Equal(LeafHash(&got[0].Record), LeafHash(sample(1, "111222333"))) {
		t.Fatal("record does not round-trip")
	}
	if _, err := st.BySubject(ctx, "111222333"); !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("BSN lookup: %v", err)
	}
}

func TestNoBSNInDatabaseFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.db")
	st, err := OpenSQLite(path, Config{Origin: testOrigin}, newKey(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	bsns := []string{"111222333", "123456782", "999888777"}
	for i, bsn := range bsns {
		for j := 0; j < 20; j++ {
			if _, err := st.Append(context.Background(), sample(i*20+j, bsn)); err != nil {
				t.Fatal(err)
			}
		}
	}
	check := func() {
		files, _ := filepath.Glob(path + "*")
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, bsn := range bsns {
				if bytes.Contains(b, []byte(bsn)) {
					t.Fatalf("%s contains BSN %s", filepath.Base(f), bsn)
				}
			}
			if fi, _ := os.Stat(f); fi.Mode().Perm()&0o077 != 0 && f == path {
				t.Errorf("%s is readable by others: %v", f, fi.Mode())
			}
		}
	}
	check() // database and WAL while open
	st.Close()
	check()
}

// holderReceipt appends a holder record to holder and returns the receipt a
// recipient would store for it.
func holderReceipt(t *testing.T, holder *SQLiteStore, key *ecdsa.PrivateKey, i int) (Receipt, *Record) {
	t.Helper()
	ctx := context.Background()
	holderRec := sample(i, "111222333")
	hc, err := holder.Append(ctx, holderRec)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := SignReceipt(key, holderRec.DecisionID, holderRec.PayloadDigest, hc.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	spki, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	return Receipt{DecisionID: holderRec.DecisionID, PayloadDigest: holderRec.PayloadDigest,
		HolderOrigin: testOrigin, HolderKey: spki, Commit: hc, Signature: sig}, holderRec
}

func recipientRecord(i int) *Record {
	r := sample(i, "111222333")
	r.Side, r.Name = SideRecipient, ActionRequestReceive
	return r
}

func TestReceipts(t *testing.T) {
	ctx := context.Background()
	holderKey, recipKey := newKey(t), newKey(t)
	holder, recip := openTest(t, holderKey), openTest(t, recipKey)
	receipt, holderRec := holderReceipt(t, holder, holderKey, 1)
	if err := VerifyReceipt(&holderKey.PublicKey, holderRec.DecisionID, holderRec.PayloadDigest, receipt.Commit.Checkpoint, receipt.Signature); err != nil {
		t.Fatal(err)
	}
	if err := VerifyReceipt(&holderKey.PublicKey, holderRec.DecisionID, "sha256:00", receipt.Commit.Checkpoint, receipt.Signature); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("receipt for another payload verified: %v", err)
	}
	bad := receipt
	bad.PayloadDigest = "sha256:ff"
	if _, err := recip.AppendWith(ctx, recipientRecord(1), With{Receipt: &bad}); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("bad receipt stored: %v", err)
	}
	if size, _ := recip.treeSize(ctx); size != 0 {
		t.Fatalf("a refused receipt left %d records", size)
	}
	rc, err := recip.AppendWith(ctx, recipientRecord(1), With{Receipt: &receipt})
	if err != nil {
		t.Fatal(err)
	}
	list, err := recip.Receipts(ctx)
	if err != nil || len(list) != 1 || list[0].DecisionID != holderRec.DecisionID || len(list[0].Commit.Proof) != len(receipt.Commit.Proof) ||
		list[0].LocalIndex != rc.Index {
		t.Fatalf("receipts: %+v, %v", list, err)
	}
	rep, err := Verify(ctx, recip, &recipKey.PublicKey)
	if err != nil || rep.Receipts != 1 {
		t.Fatalf("verify: %+v, %v", rep, err)
	}
	if _, err := recip.db.exec(ctx, "UPDATE receipts SET payload_digest = 'sha256:ee'"); err != nil {
		t.Fatal(err)
	}
	var ve *VerifyError
	if _, err := Verify(ctx, recip, &recipKey.PublicKey); !errors.As(err, &ve) || ve.Receipt != 1 {
		t.Fatalf("tampered receipt: %v", err)
	}
}

// TestStoredReceiptIsBoundToItsRecord: a receipt deleted, or replaced by
// another valid receipt of the same holder, fails verification.
func TestStoredReceiptIsBoundToItsRecord(t *testing.T) {
	ctx := context.Background()
	holderKey, recipKey := newKey(t), newKey(t)
	holder := openTest(t, holderKey)
	r1, _ := holderReceipt(t, holder, holderKey, 1)
	r2, _ := holderReceipt(t, holder, holderKey, 2)
	setup := func(t *testing.T) *SQLiteStore {
		recip := openTest(t, recipKey)
		if _, err := recip.AppendWith(ctx, recipientRecord(1), With{Receipt: &r1}); err != nil {
			t.Fatal(err)
		}
		if _, err := recip.Append(ctx, recipientRecord(3)); err != nil {
			t.Fatal(err)
		}
		if _, err := Verify(ctx, recip, &recipKey.PublicKey); err != nil {
			t.Fatalf("untouched log: %v", err)
		}
		return recip
	}
	t.Run("deleted", func(t *testing.T) {
		recip := setup(t)
		if _, err := recip.db.exec(ctx, "DELETE FROM receipts"); err != nil {
			t.Fatal(err)
		}
		_, err := Verify(ctx, recip, &recipKey.PublicKey)
		var ve *VerifyError
		if !errors.As(err, &ve) || ve.Index != 0 || !strings.Contains(err.Error(), "receipt this record names is missing") {
			t.Fatalf("deleted receipt: %v", err)
		}
	})
	t.Run("replaced", func(t *testing.T) {
		recip := setup(t)
		// r2 is a genuine receipt of the same holder, for another record.
		if _, err := recip.db.exec(ctx, "UPDATE receipts SET decision_id = ?, payload_digest = ?, holder_index = ?, leaf_hash = ?, proof = ?, checkpoint = ?, signature = ?",
			r2.DecisionID, r2.PayloadDigest, int64(r2.Commit.Index), r2.Commit.LeafHash, bytes.Join(r2.Commit.Proof, nil), r2.Commit.Checkpoint, r2.Signature); err != nil {
			t.Fatal(err)
		}
		_, err := Verify(ctx, recip, &recipKey.PublicKey)
		var ve *VerifyError
		if !errors.As(err, &ve) || ve.Receipt != 1 || !strings.Contains(err.Error(), "not the receipt that record 0 names") {
			t.Fatalf("replaced receipt: %v", err)
		}
	})
	t.Run("moved", func(t *testing.T) {
		recip := setup(t)
		if _, err := recip.db.exec(ctx, "UPDATE receipts SET local_index = 1"); err != nil {
			t.Fatal(err)
		}
		if _, err := Verify(ctx, recip, &recipKey.PublicKey); err == nil {
			t.Fatal("a receipt moved to another record verified")
		}
	})
}

// TestObligationsCommitWithTheirRecord: obligations are written in the
// record's transaction; when they cannot be written the record is not
// written either, while other records of the same batch are.
func TestObligationsCommitWithTheirRecord(t *testing.T) {
	ctx := context.Background()
	key := newKey(t)
	st := openTest(t, key)
	r := sample(1, "111222333")
	if _, err := st.AppendWith(ctx, r, With{Obligations: []string{"inform_subject", "record_in_pupil_file"}}); err != nil {
		t.Fatal(err)
	}
	obs, err := st.Obligations(ctx, false)
	if err != nil || len(obs) != 2 || obs[0].DecisionID != r.DecisionID || obs[0].Flow != r.Flow || obs[0].RecipientOIN != r.RecipientOIN {
		t.Fatalf("obligations: %+v, %v", obs, err)
	}
	// The same key again (a notification delivered twice) adds nothing.
	r2 := sample(2, "111222333")
	if _, err := st.AppendWith(ctx, r2, With{Obligations: []string{"inform_subject"}, ObligationKey: r.DecisionID}); err != nil {
		t.Fatal(err)
	}
	if obs, _ := st.Obligations(ctx, false); len(obs) != 2 {
		t.Fatalf("idempotent key gave %d obligations", len(obs))
	}
	if err := st.CompleteObligation(ctx, obs[0].ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := st.CompleteObligation(ctx, obs[0].ID, time.Now()); !errors.Is(err, ErrObligationNotFound) {
		t.Fatalf("second completion: %v", err)
	}
	if open, _ := st.Obligations(ctx, false); len(open) != 1 {
		t.Fatalf("open after completion: %d", len(open))
	}
	// Make obligation writes fail: the record with obligations is not
	// written, a record without them is.
	if _, err := st.db.exec(ctx, "CREATE TRIGGER no_obligations BEFORE INSERT ON obligations BEGIN SELECT RAISE(FAIL, 'disk says no'); END"); err != nil {
		t.Fatal(err)
	}
	before, _ := st.treeSize(ctx)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := sample(10+i, "111222333")
			w := With{}
			if i == 0 {
				w.Obligations = []string{"inform_subject"}
			}
			_, errs[i] = st.AppendWith(ctx, rec, w)
		}()
	}
	wg.Wait()
	if !errors.Is(errs[0], ErrUnavailable) || errs[1] != nil {
		t.Fatalf("append with failing obligations: %v; without: %v", errs[0], errs[1])
	}
	after, _ := st.treeSize(ctx)
	if after != before+1 {
		t.Fatalf("log grew by %d, want 1 (only the record without obligations)", after-before)
	}
	if _, err := Verify(ctx, st, &key.PublicKey); err != nil {
		t.Fatalf("verify after a refused dependent: %v", err)
	}
}

func TestExportGolden(t *testing.T) {
	key := newKey(t)
	st, err := OpenSQLite(filepath.Join(t.TempDir(), "audit.db"),
		Config{Origin: testOrigin, OIN: "00000001000000000001", ServiceVersion: "test"}, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	for i := 0; i < 4; i++ {
		r := sample(i, "111222333")
		if i == 2 {
			r.ParentSpanID[7] = 9
			r.Side, r.Name = "recipient", ActionRequestReceive
			r.ForeignTraceID, r.ForeignSpanID, r.ForeignEntity = [16]byte{}, [8]byte{}, ""
		}
		if _, err := st.Append(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := st.Export(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "export.golden.jsonl")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("export differs from %s (run with -update):\n%s", golden, buf.String())
	}
	if bytes.Contains(buf.Bytes(), []byte("111222333")) {
		t.Fatal("export contains a BSN")
	}
}

func TestCanonicalBodyIgnoresListOrder(t *testing.T) {
	a := sample(1, "111222333")
	b := *a
	b.CategoriesReleased = []string{a.CategoriesReleased[1], a.CategoriesReleased[0]}
	if !bytes.Equal(LeafHash(a), LeafHash(&b)) {
		t.Fatal("list order changes the leaf hash")
	}
	b.StartTime = b.StartTime.Add(time.Millisecond)
	if bytes.Equal(LeafHash(a), LeafHash(&b)) {
		t.Fatal("start time does not change the leaf hash")
	}
	if hex.EncodeToString(LeafHash(a)) == "" || len(LeafEntry(a)) != entrySize {
		t.Fatal("bad entry")
	}
}

func benchAppend(b *testing.B, callers int) {
	key := newKey(b)
	st, err := OpenSQLite(filepath.Join(b.TempDir(), "audit.db"), Config{Origin: testOrigin}, key, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	r := sample(1, "111222333")
	b.ReportAllocs()
	b.ResetTimer()
	if callers > 1 {
		b.SetParallelism(max(1, callers/runtime.GOMAXPROCS(0)))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := st.Append(ctx, r); err != nil {
					b.Error(err)
					return
				}
			}
		})
	} else {
		for i := 0; i < b.N; i++ {
			if _, err := st.Append(ctx, r); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/float64(max(st.batches.Load(), 1)), "records/batch")
}

// BenchmarkAppendGroupCommit: concurrent appends, SQLite WAL with synchronous=FULL,
// one transaction and one signed checkpoint per batch.
func BenchmarkAppendGroupCommit(b *testing.B) {
	for _, callers := range []int{16, 64, 256} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) { benchAppend(b, callers) })
	}
}

// BenchmarkAppendSingle: one caller at a time, so one record per transaction (baseline).
func BenchmarkAppendSingle(b *testing.B) { benchAppend(b, 1) }

func TestSQLiteDurabilitySettings(t *testing.T) {
	st := openTest(t, newKey(t))
	ctx := context.Background()
	var mode string
	var sync, autockpt, secure int64
	if err := st.db.queryRow(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q, %v", mode, err)
	}
	if err := st.db.queryRow(ctx, "PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
		t.Fatalf("synchronous %d (want 2 = FULL), %v", sync, err)
	}
	if err := st.db.queryRow(ctx, "PRAGMA wal_autocheckpoint").Scan(&autockpt); err != nil || autockpt != 0 {
		t.Fatalf("wal_autocheckpoint %d, %v", autockpt, err)
	}
	if err := st.db.queryRow(ctx, "PRAGMA secure_delete").Scan(&secure); err != nil || secure != 1 {
		t.Fatalf("secure_delete %d, %v", secure, err)
	}
}

// Concurrent appends with obligations (group-committed) each return after
// their record and obligations are stored; a reopened store lists every one.
// (Moved from the former obligation store's test.)
func TestConcurrentObligationsAreAllStored(t *testing.T) {
	key := newKey(t)
	path := filepath.Join(t.TempDir(), "audit.db")
	st, err := OpenSQLite(path, Config{Origin: testOrigin}, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := st.AppendWith(ctx, sample(i, "111222333"), With{Obligations: []string{"inform_subject", "record_in_pupil_file"}})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err = OpenSQLite(path, Config{Origin: testOrigin}, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.Obligations(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 100 {
		t.Fatalf("%d obligations stored, want 100", len(got))
	}
	perDecision := map[string]int{}
	for _, o := range got {
		perDecision[o.DecisionID]++
		if o.Flow != "A1" || o.RecipientOIN != "00000001000000000002" {
			t.Errorf("obligation %+v", o)
		}
	}
	for i := range 50 {
		if n := perDecision[fmt.Sprintf("dec-%04d", i)]; n != 2 {
			t.Errorf("decision %d has %d obligations, want 2", i, n)
		}
	}
	if _, err := Verify(ctx, st, &key.PublicKey); err != nil {
		t.Fatal(err)
	}
}
