package audit_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/schakel/schakel/gateway/audit"
)

const fuzzOrigin = "schakel.audit/00000001000000000001"

var fuzzSecret = []byte("fuzz-secret-for-tests-only-32byt")

// fuzzLog is a small signed audit log on disk (closed, so the SQLite file
// holds everything) and what was committed to it.
type fuzzLog struct {
	key      *ecdsa.PrivateKey
	path     string
	file     []byte
	records  []*audit.Record
	commits  []audit.Commit
	roots    map[uint64][]byte // tree size → genuine signed root
	subjects []string
}

func fuzzRecord(i int, subject string) *audit.Record {
	var r audit.Record
	r.TraceID[0], r.TraceID[15] = 0xab, byte(i)
	r.SpanID[0], r.SpanID[7] = 0x01, byte(i)
	r.ForeignTraceID = r.TraceID
	r.ForeignEntity = "urn:oin:00000001000000000002"
	r.Name = audit.ActionRequestDecide
	r.StatusCode = 1
	r.StartTime = time.Date(2026, 3, 2, 9, 30+i, 0, 0, time.UTC)
	r.EndTime = r.StartTime.Add(3 * time.Millisecond)
	r.Side = "holder"
	r.DecisionID = fmt.Sprintf("dec-%04d", i)
	r.Allow = i%2 == 0
	r.Flow, r.Purpose, r.Basis = "A1", "afstemming_hulp_onderwijs", "toestemming"
	r.HolderOIN, r.RecipientOIN, r.RecipientRole = "00000001000000000001", "00000001000000000002", "jeugdhulpverlener"
	r.Subject = subject
	if r.Allow {
		r.CategoriesReleased = []string{"verzuim"}
		r.PayloadDigest = fmt.Sprintf("sha256:%064x", i)
	} else {
		r.ReasonCodes = []string{"CONSENT_MISSING"}
	}
	r.PolicyRevision = "sha256:0123abcd"
	r.RetentionDays = 3650
	return &r
}

func newFuzzLog(tb testing.TB, n int) *fuzzLog {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	l := &fuzzLog{key: key, path: filepath.Join(tb.TempDir(), "audit.db"), roots: map[uint64][]byte{},
		subjects: []string{audit.Pseudonym(fuzzSecret, "999990196"), audit.Pseudonym(fuzzSecret, "999990299")}}
	st, err := audit.OpenSQLite(l.path, audit.Config{Origin: fuzzOrigin}, key, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < n; i++ {
		r := fuzzRecord(i, l.subjects[i%2])
		c, err := st.Append(context.Background(), r)
		if err != nil {
			tb.Fatal(err)
		}
		cp, err := audit.OpenCheckpoint(&key.PublicKey, fuzzOrigin, c.Checkpoint)
		if err != nil {
			tb.Fatal(err)
		}
		l.roots[cp.Size] = cp.Root
		l.records = append(l.records, r)
		l.commits = append(l.commits, c)
	}
	if err := st.Close(); err != nil {
		tb.Fatal(err)
	}
	if l.file, err = os.ReadFile(l.path); err != nil {
		tb.Fatal(err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if fi, err := os.Stat(l.path + suffix); err == nil && fi.Size() > 0 {
			tb.Fatalf("audit store left a non-empty %s after close", suffix)
		}
	}
	return l
}

// genuine reports whether c is a checkpoint the log really signed.
func (l *fuzzLog) genuine(c audit.Checkpoint) bool {
	root, ok := l.roots[c.Size]
	return ok && bytes.Equal(root, c.Root) && c.Origin == fuzzOrigin
}

// FuzzOpenCheckpoint offers fuzzed signed notes: only a checkpoint the key
// really signed may open, and only with its true size and root.
func FuzzOpenCheckpoint(f *testing.F) {
	l := newFuzzLog(f, 3)
	for _, c := range l.commits {
		f.Add(c.Checkpoint)
	}
	last := l.commits[len(l.commits)-1].Checkpoint
	f.Add(bytes.Replace(last, []byte("\n3\n"), []byte("\n4\n"), 1))
	f.Add(bytes.Replace(last, []byte(fuzzOrigin), []byte("schakel.audit/00000001000000000002"), 1))
	f.Fuzz(func(t *testing.T, signed []byte) {
		c, err := audit.OpenCheckpoint(&l.key.PublicKey, fuzzOrigin, signed)
		if err == nil && !l.genuine(c) {
			t.Fatalf("forged checkpoint opened: %+v", c)
		}
		// Parsing without verification must not panic either.
		_, _ = audit.ParseCheckpoint(signed)
	})
}

// splitProof cuts fuzz bytes into 32-byte hashes (the last may be short).
func splitProof(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		n := min(32, len(b))
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

// FuzzVerifyCommit offers a fuzzed checkpoint, leaf index and inclusion
// proof for record 1 of a four-record log (as a recipient verifies a
// holder's audit proof): it may only verify at the record's true index under
// a genuine checkpoint.
func FuzzVerifyCommit(f *testing.F) {
	l := newFuzzLog(f, 4)
	const k = 1
	for _, c := range l.commits[k:] {
		proof, err := inclusion(l, k, c)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(c.Checkpoint, uint64(k), bytes.Join(proof, nil))
	}
	c := l.commits[3]
	proof, _ := inclusion(l, k, c)
	f.Add(c.Checkpoint, uint64(k+1), bytes.Join(proof, nil))
	f.Add(c.Checkpoint, uint64(k)+1<<63, bytes.Join(proof, nil))
	f.Add(c.Checkpoint, uint64(k), bytes.Join(proof, nil)[1:])
	f.Fuzz(func(t *testing.T, checkpoint []byte, index uint64, proof []byte) {
		err := audit.VerifyCommit(&l.key.PublicKey, fuzzOrigin, l.records[k], audit.Commit{Checkpoint: checkpoint, Index: index, Proof: splitProof(proof)})
		if err != nil {
			return
		}
		cp, err := audit.OpenCheckpoint(&l.key.PublicKey, fuzzOrigin, checkpoint)
		if err != nil || !l.genuine(cp) {
			t.Fatalf("commit verified under a checkpoint that was not signed: %v", err)
		}
		if index != k {
			t.Fatalf("record %d verified at index %d", k, index)
		}
	})
}

// inclusion returns the proof of record k in the tree of commit c, taken from
// a reopened read-only copy of the store.
func inclusion(l *fuzzLog, k int, c audit.Commit) ([][]byte, error) {
	cp, err := audit.ParseCheckpoint(c.Checkpoint)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "audit-fuzz")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "audit.db")
	if err := os.WriteFile(p, l.file, 0o600); err != nil {
		return nil, err
	}
	st, err := audit.OpenSQLite(p, audit.Config{}, nil, nil)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return st.InclusionProof(context.Background(), uint64(k), cp.Size)
}

// FuzzVerifyCorruptedStore flips bytes of a closed SQLite audit store (each
// 5 fuzz bytes: a big-endian file offset and an XOR mask) and runs
// audit.Verify on the result. Verify must never panic and must return an
// error or a report; when it reports success, the tree it vouches for must be
// a tree the node really signed and every record it would show in an inzage
// must be byte for byte what was written.
func FuzzVerifyCorruptedStore(f *testing.F) {
	l := newFuzzLog(f, 6)
	mut := func(off int, mask byte) []byte {
		var b [5]byte
		binary.BigEndian.PutUint32(b[:4], uint32(off))
		b[4] = mask
		return b[:]
	}
	f.Add([]byte{})
	f.Add(mut(0, 0xff)) // the SQLite header
	for _, needle := range []string{"dec-0002", "CONSENT_MISSING", `"allow":true`, l.subjects[1][:16]} {
		if i := bytes.Index(l.file, []byte(needle)); i >= 0 {
			f.Add(mut(i+len(needle)-1, 0x01))
		}
	}
	if i := bytes.Index(l.file, []byte(fuzzOrigin+"\n")); i >= 0 {
		f.Add(mut(i+len(fuzzOrigin)+1, 0x01)) // a checkpoint's size line
	}
	f.Fuzz(func(t *testing.T, mutations []byte) {
		file := bytes.Clone(l.file)
		for len(mutations) >= 5 {
			off := int(binary.BigEndian.Uint32(mutations[:4]) % uint32(len(file)))
			file[off] ^= mutations[4]
			mutations = mutations[5:]
		}
		p := filepath.Join(t.TempDir(), "audit.db")
		if err := os.WriteFile(p, file, 0o600); err != nil {
			t.Fatal(err)
		}
		st, err := audit.OpenSQLite(p, audit.Config{}, nil, nil)
		if err != nil {
			return // refused to open: not a claim that anything is fine
		}
		defer st.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		rep, err := audit.Verify(ctx, st, &l.key.PublicKey)
		if err != nil {
			return
		}
		if root, ok := l.roots[rep.Size]; !ok || !bytes.Equal(root, rep.Root) {
			t.Fatalf("verify vouched for a tree of %d records with a root the node never signed", rep.Size)
		}
		// What verify vouched for is what was written: every stored row, read
		// straight from the database, as inzage, export or prune would see it.
		db, err := sql.Open("sqlite", p)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		rows, err := db.QueryContext(ctx, "SELECT idx, entry, body, subject FROM records ORDER BY idx")
		if err != nil {
			t.Fatalf("verified store cannot be read: %v", err)
		}
		defer rows.Close()
		for rows.Next() {
			var idx int64
			var entry, body []byte
			var subject sql.NullString
			if err := rows.Scan(&idx, &entry, &body, &subject); err != nil {
				t.Fatalf("verified store cannot be read: %v", err)
			}
			if idx < 0 || idx >= int64(rep.Size) || idx >= int64(len(l.records)) {
				t.Fatalf("verified store holds record %d beyond the %d it vouched for", idx, rep.Size)
			}
			want := l.records[idx]
			if !bytes.Equal(entry, audit.LeafEntry(want)) {
				t.Fatalf("verified store shows a changed leaf entry for record %d", idx)
			}
			if body != nil && !bytes.Equal(body, audit.CanonicalBody(want)) {
				t.Fatalf("verified store shows a changed record %d:\n%s\nwant\n%s", idx, body, audit.CanonicalBody(want))
			}
			if body != nil && subject.String != want.Subject {
				t.Fatalf("verified store shows record %d under subject %q", idx, subject.String)
			}
		}
		// Inzage reads by subject; it may refuse, but never show a changed record.
		for _, subj := range l.subjects {
			stored, err := st.BySubject(ctx, subj)
			if err != nil {
				continue
			}
			for _, s := range stored {
				if s.Index >= uint64(len(l.records)) || !bytes.Equal(audit.CanonicalBody(&s.Record), audit.CanonicalBody(l.records[s.Index])) {
					t.Fatalf("inzage of a verified store shows a changed record %d", s.Index)
				}
			}
		}
	})
}
