package audit

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// dbConsistencyProof is the consistency proof read from the database only.
func dbConsistencyProof(t testing.TB, s *logStore, oldSize, newSize int64) [][]byte {
	t.Helper()
	p, err := tlog.ProveTree(newSize, oldSize, dbReader{context.Background(), s})
	if err != nil {
		t.Fatal(err)
	}
	return fromHashes(p)
}

// TestConsistencyProofFromMemory: between committed sizes the writer holds,
// the proof comes from memory, has the bytes of the database's proof and
// verifies against the signed checkpoints; also after the memory forgot
// old records (a small window), where older sizes fall back to the database.
func TestConsistencyProofFromMemory(t *testing.T) {
	ctx := context.Background()
	key := newKey(t)
	st := openTest(t, key)
	st.hot.window = 8 // the writer has not started a batch yet
	cps := map[int64][]byte{}
	var cpMu sync.Mutex
	// Single appends and group commits of several records.
	for i := 0; i < 60; {
		n := 1 + i%5
		var wg sync.WaitGroup
		for j := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := st.Append(ctx, sample(i+j, "999990196"))
				if err != nil {
					t.Error(err)
					return
				}
				cp, _ := ParseCheckpoint(c.Checkpoint)
				cpMu.Lock()
				cps[int64(cp.Size)] = c.Checkpoint
				cpMu.Unlock()
			}()
		}
		wg.Wait()
		i += n
	}
	size := int64(60)
	st.hot.mu.RLock()
	lo, hsize := st.hot.lo, st.hot.size
	st.hot.mu.RUnlock()
	if hsize != size || lo == 0 || size-lo > 16 {
		t.Fatalf("memory reaches %d from %d, want %d from within 16", hsize, lo, size)
	}
	fromMemory := 0
	for old := range cps {
		for nw := range cps {
			if old >= nw {
				continue
			}
			want := dbConsistencyProof(t, st.logStore, old, nw)
			mp, merr := st.hot.consistencyProof(old, nw)
			if old >= lo && merr != nil {
				t.Fatalf("%d→%d not from memory (memory from %d): %v", old, nw, lo, merr)
			}
			if merr == nil {
				fromMemory++
				if !equalProofs(fromHashes(mp), want) {
					t.Fatalf("%d→%d: the memory's proof differs from the database's", old, nw)
				}
			}
			got, err := st.ConsistencyProof(ctx, uint64(old), uint64(nw))
			if err != nil {
				t.Fatal(err)
			}
			if !equalProofs(got, want) {
				t.Fatalf("%d→%d: proof differs from the database's", old, nw)
			}
			if err := VerifyConsistency(&key.PublicKey, testOrigin, cps[old], cps[nw], got); err != nil {
				t.Fatalf("%d→%d: %v", old, nw, err)
			}
		}
	}
	if fromMemory == 0 {
		t.Fatal("no proof came from memory")
	}
	// Beyond what is committed: refused as before.
	if _, err := st.ConsistencyProof(ctx, 3, uint64(size+1)); err == nil {
		t.Fatal("a proof to a size beyond the log")
	}
	if _, err := st.hot.consistencyProof(3, size+1); err == nil {
		t.Fatal("memory proved to a size beyond what it holds")
	}
}

// TestConsistencyProofWhileAppending proves and verifies from many
// goroutines while others append (group commits); run under -race.
func TestConsistencyProofWhileAppending(t *testing.T) {
	ctx := context.Background()
	key := newKey(t)
	st := openTest(t, key)
	first, err := st.Append(ctx, sample(0, "999990196"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			prev := first.Checkpoint
			for i := range 25 {
				c, err := st.Append(ctx, sample(1+g*25+i, "999990196"))
				if err != nil {
					t.Error(err)
					return
				}
				pc, _ := ParseCheckpoint(prev)
				nc, _ := ParseCheckpoint(c.Checkpoint)
				p, err := st.ConsistencyProof(ctx, pc.Size, nc.Size)
				if err == nil {
					err = VerifyConsistency(&key.PublicKey, testOrigin, prev, c.Checkpoint, p)
				}
				if err != nil {
					t.Error(fmt.Errorf("%d→%d: %w", pc.Size, nc.Size, err))
					return
				}
				prev = c.Checkpoint
			}
		}()
	}
	wg.Wait()
}

func equalProofs(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// BenchmarkConsistencyProof is the proof a holder sends with a response,
// from a checkpoint a few batches old to the latest, in a log of 2,000
// records: from memory (ConsistencyProof now) and from the database (the
// tree size read and the stored hashes read, as before).
func BenchmarkConsistencyProof(b *testing.B) {
	ctx := context.Background()
	st := openTest(b, newKey(b))
	const size = 2000
	for i := range size {
		if _, err := st.Append(ctx, sample(i, "999990196")); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("memory", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := st.ConsistencyProof(ctx, size-7, size); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("database", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := st.treeSize(ctx); err != nil {
				b.Fatal(err)
			}
			dbConsistencyProof(b, st.logStore, size-7, size)
		}
	})
}
