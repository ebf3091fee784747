package audit

import (
	"context"
	"crypto/ecdsa"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const peerOIN = "00000001000000000001" // the holder; testOrigin is its log

// witnessedSize is the size of the checkpoint of the holder's log that w
// names to it (Witness.Last), 0 when it names none.
func witnessedSize(t *testing.T, w *Witness) uint64 {
	t.Helper()
	cp := w.Last(peerOIN)
	if cp == nil {
		return 0
	}
	c, err := ParseCheckpoint(cp)
	if err != nil {
		t.Fatalf("the witness names an unreadable checkpoint: %v", err)
	}
	return c.Size
}

// peerLog is a holder's log for witness tests: records i from..to-1 (sample
// records, so two logs with the same records have the same tree).
func appendRange(t *testing.T, st Store, from, to int, variant string) []byte {
	t.Helper()
	var cp []byte
	for i := from; i < to; i++ {
		r := sample(i, "999990196")
		r.DecisionID += variant
		c, err := st.Append(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		cp = c.Checkpoint
	}
	return cp
}

// witnessAsk plays one exchange: the requester names w.Last, the holder
// proves from it to its latest checkpoint, the requester checks.
func witnessAsk(t *testing.T, w *Witness, holder Store, key *ecdsa.PrivateKey) error {
	t.Helper()
	ctx := context.Background()
	from := w.Last(peerOIN)
	cp, err := holder.LatestCheckpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := ParseCheckpoint(cp)
	_, proof, perr := ProveConsistency(ctx, holder, from, c.Size)
	if perr != nil {
		proof = nil // a rolled-back holder cannot prove; it answers without a proof
	}
	return w.Check(ctx, peerOIN, &key.PublicKey, from, cp, proof)
}

func openWitnessStore(t *testing.T, path string) (*SQLiteStore, *Witness) {
	t.Helper()
	st, err := OpenSQLite(path, Config{Origin: "schakel.audit/00000001000000000002"}, newKey(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	w, err := OpenWitness(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	return st, w
}

// TestWitnessFollowsGrowingLog: a holder whose log only grows is accepted at
// every step and the witness state moves forward, durably.
func TestWitnessFollowsGrowingLog(t *testing.T) {
	key := newKey(t)
	holder := openTest(t, key)
	path := filepath.Join(t.TempDir(), "recipient.db")
	rst, w := openWitnessStore(t, path)
	for step, n := range []int{1, 2, 5, 8, 8, 13} {
		if got := witnessedSize(t, w); step > 0 && got == 0 {
			t.Fatalf("step %d: no state kept", step)
		}
		appendRange(t, holder, int(witnessedSize(t, w)), n, "")
		if err := witnessAsk(t, w, holder, key); err != nil {
			t.Fatalf("step %d (size %d): %v", step, n, err)
		}
		if witnessedSize(t, w) != uint64(n) {
			t.Fatalf("step %d: witnessed size %d, want %d", step, witnessedSize(t, w), n)
		}
	}
	rst.Close()
	rst, w = openWitnessStore(t, path)
	defer rst.Close()
	if witnessedSize(t, w) != 13 {
		t.Fatalf("after reopen: witnessed size %d, want 13", witnessedSize(t, w))
	}
	// Another key than the holder's is not the holder's log.
	other := newKey(t)
	if err := witnessAsk(t, w, holder, other); !errors.Is(err, ErrBadSignature) || errors.Is(err, ErrPeerLog) {
		t.Fatalf("checkpoint under another key: %v, want a signature error", err)
	}
}

// TestWitnessRefusesRollbackAndFork: a holder restored from an older copy is
// refused while it is shorter (rolled back) and once it has grown past the
// witnessed size on other records (forked); a log of the same size with
// another root is refused as forked. The alarms are durable and counted.
func TestWitnessRefusesRollbackAndFork(t *testing.T) {
	key := newKey(t)
	holder := openTest(t, key)
	appendRange(t, holder, 0, 10, "")
	path := filepath.Join(t.TempDir(), "recipient.db")
	rst, w := openWitnessStore(t, path)
	var alarms atomic.Int64
	w.OnAlarm = func(string, string) { alarms.Add(1) }
	if err := witnessAsk(t, w, holder, key); err != nil {
		t.Fatal(err)
	}
	// The restored copy: the same first 6 records, then other ones.
	restored := openTest(t, key)
	appendRange(t, restored, 0, 6, "")
	appendRange(t, restored, 6, 8, "-after-restore")
	err := witnessAsk(t, w, restored, key)
	if !errors.Is(err, ErrPeerRolledBack) || !strings.Contains(err.Error(), "size 8") || !strings.Contains(err.Error(), "10") {
		t.Fatalf("restored log of 8 after 10 seen: %v, want rolled back naming both sizes", err)
	}
	appendRange(t, restored, 8, 14, "-after-restore")
	if err := witnessAsk(t, w, restored, key); !errors.Is(err, ErrPeerForked) {
		t.Fatalf("restored log grown to 14: %v, want forked", err)
	}
	// Same size, another root.
	same := openTest(t, key)
	appendRange(t, same, 0, 9, "")
	appendRange(t, same, 9, 10, "-other")
	if err := witnessAsk(t, w, same, key); !errors.Is(err, ErrPeerForked) || !strings.Contains(err.Error(), "another root") {
		t.Fatalf("same size, other root: %v, want forked (another root)", err)
	}
	if alarms.Load() != 3 {
		t.Errorf("OnAlarm called %d times, want 3", alarms.Load())
	}
	if witnessedSize(t, w) != 10 {
		t.Errorf("witnessed size moved to %d on a refused log, want 10", witnessedSize(t, w))
	}
	// The genuine log is still accepted once it grows.
	appendRange(t, holder, 10, 12, "")
	if err := witnessAsk(t, w, holder, key); err != nil {
		t.Fatalf("genuine log: %v", err)
	}
	rst.Close()
	rst, w = openWitnessStore(t, path)
	defer rst.Close()
	st := w.Status()
	if len(st) != 1 || st[0].Alarm != AlarmForked || st[0].Alarms != 3 || st[0].Size != 12 || st[0].AlarmAt.IsZero() {
		t.Fatalf("status after reopen = %+v, want size 12 with 3 alarms, the last forked", st)
	}
	// A restored holder that does not prove anything is still refused.
	if err := w.Check(context.Background(), peerOIN, &key.PublicKey, w.Last(peerOIN), mustLatest(t, restored), nil); !errors.Is(err, ErrPeerLog) {
		t.Fatalf("after reopen, restored log: %v", err)
	}
}

func mustLatest(t *testing.T, st Store) []byte {
	t.Helper()
	cp, err := st.LatestCheckpoint(context.Background())
	if err != nil || cp == nil {
		t.Fatalf("latest checkpoint: %v", err)
	}
	return cp
}

// TestWitnessConcurrentAnswers: an answer to a request that named an older
// checkpoint may arrive after a newer one; it is accepted (it extends what
// its request named) without moving the state back, while the same answer
// proven from the current state (which a rolled-back log would give) is
// refused.
func TestWitnessConcurrentAnswers(t *testing.T) {
	ctx := context.Background()
	key := newKey(t)
	holder := openTest(t, key)
	cp4 := appendRange(t, holder, 0, 4, "")
	_, w := openWitnessStore(t, filepath.Join(t.TempDir(), "r.db"))
	if err := w.Check(ctx, peerOIN, &key.PublicKey, nil, cp4, nil); err != nil {
		t.Fatal(err)
	}
	base := w.Last(peerOIN)
	cp6 := appendRange(t, holder, 4, 6, "")
	cp9 := appendRange(t, holder, 6, 9, "")
	p9, _ := holder.ConsistencyProof(ctx, 4, 9)
	p6, _ := holder.ConsistencyProof(ctx, 4, 6)
	if err := w.Check(ctx, peerOIN, &key.PublicKey, base, cp9, p9); err != nil {
		t.Fatal(err)
	}
	if err := w.Check(ctx, peerOIN, &key.PublicKey, base, cp6, p6); err != nil {
		t.Fatalf("older answer to a concurrent request: %v", err)
	}
	if witnessedSize(t, w) != 9 {
		t.Fatalf("state %d, want 9", witnessedSize(t, w))
	}
	if err := w.Check(ctx, peerOIN, &key.PublicKey, w.Last(peerOIN), cp6, nil); !errors.Is(err, ErrPeerRolledBack) {
		t.Fatalf("size 6 proven from 9: %v, want rolled back", err)
	}
	// A wrong proof from the base is a fork.
	if err := w.Check(ctx, peerOIN, &key.PublicKey, base, cp9, p6); !errors.Is(err, ErrPeerForked) {
		t.Fatalf("bad proof: %v, want forked", err)
	}
}

// TestMarkCatchesTailDeletion: deleting the last records and their
// checkpoints and lowering the tree head leaves Verify passing (nothing in
// the database says otherwise), but not CheckMark, and Marker.Start refuses.
func TestMarkCatchesTailDeletion(t *testing.T) {
	ctx := context.Background()
	key := newKey(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.db")
	st, err := OpenSQLite(path, Config{Origin: testOrigin}, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	mk := &Marker{Path: filepath.Join(dir, MarkFile), Store: st, Origin: testOrigin, Keys: SingleKey(&key.PublicKey)}
	if err := mk.Start(ctx); err != nil {
		t.Fatal(err)
	}
	appendRange(t, st, 0, 10, "")
	if err := mk.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if fi, err := os.Stat(mk.Path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mark file: %v %v", fi, err)
	}
	// The auditor's edit, with the node stopped.
	raw := openRaw(t, path)
	for _, q := range []string{"DELETE FROM records WHERE idx >= 8", "DELETE FROM checkpoints WHERE size > 8", "UPDATE head SET size = 8"} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	ro, err := OpenSQLite(path, Config{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := Verify(ctx, ro, &key.PublicKey); err != nil {
		t.Fatalf("control: the truncated log verifies on its own: %v", err)
	}
	mark, err := ReadMark(mk.Path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = CheckMark(ctx, ro, SingleKey(&key.PublicKey), testOrigin, mark)
	if !errors.Is(err, ErrBelowMark) || !strings.Contains(err.Error(), "holds 8 records") || !strings.Contains(err.Error(), "checkpoint 10") {
		t.Fatalf("CheckMark on the truncated log: %v, want ErrBelowMark naming 8 and 10", err)
	}
	rw, err := OpenSQLite(path, Config{Origin: testOrigin}, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	mk2 := &Marker{Path: mk.Path, Store: rw, Origin: testOrigin, Keys: SingleKey(&key.PublicKey)}
	if err := mk2.Start(ctx); !errors.Is(err, ErrBelowMark) {
		t.Fatalf("Marker.Start on the truncated log: %v, want ErrBelowMark", err)
	}
	// A rewritten tail of the same length is caught by the root.
	appendRange(t, rw, 8, 10, "-rewritten")
	if err := mk2.Start(ctx); !errors.Is(err, ErrBelowMark) || !strings.Contains(err.Error(), "root") {
		t.Fatalf("Marker.Start on a rewritten tail: %v, want ErrBelowMark naming the root", err)
	}
	// A mark signed by another key is not this node's mark.
	if _, err := CheckMark(ctx, ro, SingleKey(&newKey(t).PublicKey), testOrigin, mark); err == nil || errors.Is(err, ErrBelowMark) {
		t.Fatalf("mark under another key: %v", err)
	}
}

// TestMarkerRaise: a checkpoint of this node's own log that a peer hands
// back and that the log does not reach raises the mark, so the node refuses
// to start on that log; one it does contain changes nothing.
func TestMarkerRaise(t *testing.T) {
	ctx := context.Background()
	key := newKey(t)
	dir := t.TempDir()
	old := openTest(t, key)
	cp12 := appendRange(t, old, 0, 12, "")
	st := openTest(t, key) // "restored": only the first 5
	cp5 := appendRange(t, st, 0, 5, "")
	mk := &Marker{Path: filepath.Join(dir, MarkFile), Store: st, Origin: testOrigin, Keys: SingleKey(&key.PublicKey)}
	if err := mk.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := mk.Raise(ctx, cp5); err != nil {
		t.Fatalf("own checkpoint the log contains: %v", err)
	}
	if err := mk.Raise(ctx, []byte("not a checkpoint")); err != nil {
		t.Fatalf("garbage: %v", err)
	}
	if err := mk.Raise(ctx, cp12); !errors.Is(err, ErrBelowMark) {
		t.Fatalf("checkpoint 12 on a log of 5: %v, want ErrBelowMark", err)
	}
	if m, _ := ReadMark(mk.Path); string(m) != string(cp12) {
		t.Fatal("mark not raised to the peer's checkpoint")
	}
	if err := mk.Start(ctx); !errors.Is(err, ErrBelowMark) {
		t.Fatalf("restart after raise: %v, want ErrBelowMark", err)
	}
}

// TestVerifyAcrossKeyRenewal: checkpoints signed before a renewal verify
// against the previous key within its window; without it, or with a window
// that ends before its records, verification fails naming the checkpoint.
func TestVerifyAcrossKeyRenewal(t *testing.T) {
	ctx := context.Background()
	k1, k2 := newKey(t), newKey(t)
	path := filepath.Join(t.TempDir(), "audit.db")
	st, err := OpenSQLite(path, Config{Origin: testOrigin}, k1, nil)
	if err != nil {
		t.Fatal(err)
	}
	appendRange(t, st, 0, 5, "") // records at base + 0..4 minutes
	st.Close()
	st, err = OpenSQLite(path, Config{Origin: testOrigin}, k2, nil) // renewed certificate, new key
	if err != nil {
		t.Fatal(err)
	}
	appendRange(t, st, 5, 9, "")
	st.Close()
	ro, err := OpenSQLite(path, Config{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	var ve *VerifyError
	if _, err := Verify(ctx, ro, &k2.PublicKey); !errors.As(err, &ve) || ve.Checkpoint != 1 {
		t.Fatalf("new key only: %v, want a failure at checkpoint 1", err)
	}
	ring := KeyRing{{Public: &k2.PublicKey, Label: "new"},
		{Public: &k1.PublicKey, NotBefore: base.Add(-time.Hour), NotAfter: base.Add(4*time.Minute + time.Second), Label: "old.pem"}}
	rep, err := VerifyKeys(ctx, ro, ring)
	if err != nil || rep.Size != 9 || rep.Checkpoints != 9 {
		t.Fatalf("across the renewal: %+v %v", rep, err)
	}
	// The old key's window ends before record 4: checkpoint 5 is outside it.
	ring[1].NotAfter = base.Add(3*time.Minute + time.Second)
	_, err = VerifyKeys(ctx, ro, ring)
	if !errors.As(err, &ve) || ve.Checkpoint != 5 || !strings.Contains(err.Error(), "old.pem") || !strings.Contains(err.Error(), "valid") {
		t.Fatalf("checkpoint outside the old key's window: %v, want checkpoint 5 naming old.pem and its window", err)
	}
}

func openRaw(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// TestKeyRingWindows: a key listed twice is tried with each of its windows;
// a key that matches only outside its window is named in the error.
func TestKeyRingWindows(t *testing.T) {
	k := newKey(t)
	st := openTest(t, k)
	cp := appendRange(t, st, 0, 1, "")
	at := base.Add(time.Hour)
	narrow := SigningKey{Public: &k.PublicKey, NotAfter: base, Label: "narrow.pem"}
	wide := SigningKey{Public: &k.PublicKey, NotAfter: base.Add(2 * time.Hour), Label: "wide.pem"}
	if _, err := (KeyRing{narrow, wide}).Open(testOrigin, cp, at); err != nil {
		t.Fatalf("second window of the same key: %v", err)
	}
	_, err := (KeyRing{narrow}).Open(testOrigin, cp, at)
	if !errors.Is(err, ErrBadSignature) || !strings.Contains(err.Error(), "narrow.pem") {
		t.Fatalf("outside the window: %v", err)
	}
	if _, err := (KeyRing{narrow}).Open(testOrigin, cp, time.Time{}); err != nil {
		t.Fatalf("unknown record time (all pruned): %v", err)
	}
	if _, err := (KeyRing{{Public: &newKey(t).PublicKey}}).Open(testOrigin, cp, at); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("another key: %v", err)
	}
}

// TestWitnessCheckDeferred: the state CheckDeferred returns is stored by the
// caller's own transaction (as an append path would, with its audit record)
// and survives a reopen; nothing moves before Advanced.
func TestWitnessCheckDeferred(t *testing.T) {
	ctx := context.Background()
	key := newKey(t)
	holder := openTest(t, key)
	cp := appendRange(t, holder, 0, 3, "")
	path := filepath.Join(t.TempDir(), "r.db")
	rst, w := openWitnessStore(t, path)
	p, err := w.CheckDeferred(ctx, peerOIN, &key.PublicKey, nil, cp, nil)
	if err != nil || p == nil || p.Size != 3 {
		t.Fatalf("CheckDeferred = %+v, %v", p, err)
	}
	if witnessedSize(t, w) != 0 {
		t.Fatal("state moved before the caller stored it")
	}
	tx, err := rst.db.begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := rst.saveWitnessTx(ctx, tx, []PeerLog{*p}); err != nil {
		t.Fatal(err)
	}
	if err := tx.commit(ctx); err != nil {
		t.Fatal(err)
	}
	w.Advanced(*p)
	if witnessedSize(t, w) != 3 {
		t.Fatalf("after Advanced: %d", witnessedSize(t, w))
	}
	// The same checkpoint again does not move anything.
	if p2, err := w.CheckDeferred(ctx, peerOIN, &key.PublicKey, w.Last(peerOIN), cp, nil); err != nil || p2 != nil {
		t.Fatalf("same checkpoint again = %+v, %v", p2, err)
	}
	rst.Close()
	rst, w = openWitnessStore(t, path)
	defer rst.Close()
	if witnessedSize(t, w) != 3 {
		t.Fatalf("after reopen: %d", witnessedSize(t, w))
	}
}
