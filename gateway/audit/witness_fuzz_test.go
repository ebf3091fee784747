package audit_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"path/filepath"
	"testing"

	"github.com/schakel/schakel/gateway/audit"
)

// FuzzWitnessConsistency offers a peer's bytes to the witness: a fuzzed signed
// checkpoint and consistency proof against a checkpoint of size 3 it verified
// before, and a fuzzed tree size, root and proof to the consistency check
// itself. Only a checkpoint the peer really signed, of size 3 or more, may
// pass the witness; the consistency check accepts nothing below size 3 and no
// other root at size 3.
func FuzzWitnessConsistency(f *testing.F) {
	ctx := context.Background()
	l := newFuzzLog(f, 7)
	own, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	st, err := audit.OpenSQLite(filepath.Join(f.TempDir(), "witness.db"), audit.Config{Origin: "schakel.audit/00000001000000000002"}, own, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	w, err := audit.OpenWitness(ctx, st)
	if err != nil {
		f.Fatal(err)
	}
	const peer = "00000001000000000001"
	cp3, cp7 := l.commits[2].Checkpoint, l.commits[6].Checkpoint
	if err := w.Check(ctx, peer, &l.key.PublicKey, nil, cp7, nil); err != nil {
		f.Fatal(err)
	}
	logSt, err := audit.OpenSQLite(l.path, audit.Config{}, nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	proof, err := logSt.ConsistencyProof(ctx, 3, 7)
	logSt.Close()
	if err != nil {
		f.Fatal(err)
	}
	old, err := audit.OpenCheckpoint(&l.key.PublicKey, fuzzOrigin, cp3)
	if err != nil {
		f.Fatal(err)
	}
	// Seed: the genuine proof must pass (the check is not vacuous).
	if err := w.Check(ctx, peer, &l.key.PublicKey, cp3, cp7, proof); err != nil {
		f.Fatalf("genuine proof refused: %v", err)
	}
	f.Add(cp7, bytes.Join(proof, nil), uint64(7), l.roots[7])
	f.Add(l.commits[1].Checkpoint, []byte{}, uint64(2), l.roots[2])
	f.Add(cp3, []byte{}, uint64(3), l.roots[3])
	f.Add(bytes.Replace(cp7, []byte("\n7\n"), []byte("\n8\n"), 1), bytes.Join(proof, nil), uint64(1<<62), make([]byte, 32))
	f.Fuzz(func(t *testing.T, signed, proofBytes []byte, size uint64, root []byte) {
		p := splitProof(proofBytes)
		if err := w.Check(ctx, peer, &l.key.PublicKey, cp3, signed, p); err == nil {
			c, err := audit.OpenCheckpoint(&l.key.PublicKey, fuzzOrigin, signed)
			if err != nil || !l.genuine(c) || c.Size < 3 {
				t.Fatalf("witness accepted %q (%+v, %v)", signed, c, err)
			}
		}
		nc := audit.Checkpoint{Origin: fuzzOrigin, Size: size, Root: root}
		if err := audit.CheckConsistency(old, nc, p); err == nil {
			if size < 3 {
				t.Fatalf("size %d accepted as extending size 3", size)
			}
			// A consistency proof shows that the new tree extends the old one,
			// not which leaves were appended: another root for size 5 built on
			// the first 3 leaves is a valid extension (the fuzzer finds one). The
			// witness catches that fork when the peer presents the genuine
			// checkpoint of that size, or one that extends it. Of the old size
			// itself only the old root is consistent.
			if size == 3 && !bytes.Equal(root, l.roots[3]) {
				t.Fatalf("size 3 with a forged root accepted")
			}
		}
	})
}
