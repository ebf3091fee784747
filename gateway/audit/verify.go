package audit

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// Report summarises a successful (or partial) verification.
type Report struct {
	Origin      string
	Size        uint64 // records in the tree
	Root        []byte // root of the whole tree
	Pruned      uint64 // records whose details were pruned
	Checkpoints uint64 // signed checkpoints checked
	Receipts    uint64 // stored receipts checked
}

// VerifyError names where verification failed. It wraps ErrTampered.
type VerifyError struct {
	// Index is the first bad record index: the record itself when it is inconsistent
	// (changed column, missing row, details pruned before expiry), otherwise the first
	// record of the first batch whose signed checkpoint no longer matches the records
	// (insertion, reordering, consistently rewritten rows, a changed checkpoint).
	Index uint64
	// Checkpoint is the size of the checkpoint involved, 0 if none.
	Checkpoint uint64
	// Receipt is the 1-based position of a bad stored receipt, 0 if none.
	Receipt int
	Reason  string
}

func (e *VerifyError) Error() string {
	switch {
	case e.Receipt > 0:
		return fmt.Sprintf("audit: log does not verify: receipt %d: %s", e.Receipt, e.Reason)
	case e.Checkpoint > 0:
		return fmt.Sprintf("audit: log does not verify from record %d: checkpoint %d: %s", e.Index, e.Checkpoint, e.Reason)
	}
	return fmt.Sprintf("audit: log does not verify at record %d: %s", e.Index, e.Reason)
}

func (e *VerifyError) Unwrap() error { return ErrTampered }

// compactRange is the list of maximal complete subtree hashes of a growing tree.
type compactRange struct {
	hashes []tlog.Hash
	n      int64
}

// push appends a leaf and returns the hashes tlog stores with it: the leaf, then the
// subtrees it completes.
func (c *compactRange) push(leaf tlog.Hash) []tlog.Hash {
	out := []tlog.Hash{leaf}
	h := leaf
	for k := c.n; k&1 == 1; k >>= 1 {
		last := len(c.hashes) - 1
		h = tlog.NodeHash(c.hashes[last], h)
		c.hashes = c.hashes[:last]
		out = append(out, h)
	}
	c.hashes = append(c.hashes, h)
	c.n++
	return out
}

func (c *compactRange) root() tlog.Hash {
	if len(c.hashes) == 0 {
		return tlog.RecordHash(nil) // never signed: checkpoints have size >= 1
	}
	h := c.hashes[len(c.hashes)-1]
	for i := len(c.hashes) - 2; i >= 0; i-- {
		h = tlog.NodeHash(c.hashes[i], h)
	}
	return h
}

// Verify recomputes the Merkle tree from the stored records and checks every record
// against its leaf entry and stored hashes, every signed checkpoint (signature by pub
// and root), the tree head, and every stored receipt (the holder's signature, the
// holder's checkpoint and the inclusion proof). Pruned records are checked by their
// leaf entry, which must show that their retention had expired. It returns a
// *VerifyError (wrapping ErrTampered) naming the first bad index.
func Verify(ctx context.Context, st Store, pub crypto.PublicKey) (Report, error) {
	b, ok := st.(interface{ base() *logStore })
	if !ok {
		return Report{}, errors.New("audit: Verify needs a store opened by this package")
	}
	if pub == nil {
		return Report{}, errors.New("audit: Verify needs the organisation's public key")
	}
	return b.base().verify(ctx, SingleKey(pub), time.Now())
}

// VerifyKeys is [Verify] against the organisation's key history: every
// checkpoint must be signed by a key of keys, within that key's window
// (keys.go).
func VerifyKeys(ctx context.Context, st Store, keys KeyRing) (Report, error) {
	b, ok := st.(interface{ base() *logStore })
	if !ok {
		return Report{}, errors.New("audit: Verify needs a store opened by this package")
	}
	if len(keys) == 0 || keys[0].Public == nil {
		return Report{}, errors.New("audit: Verify needs the organisation's public key")
	}
	return b.base().verify(ctx, keys, time.Now())
}

func (s *logStore) verify(ctx context.Context, keys KeyRing, now time.Time) (Report, error) {
	var rep Report
	head, err := s.treeSize(ctx)
	if err != nil {
		return rep, err
	}
	rep.Origin = s.cfg.Origin
	if rep.Origin == "" {
		if cp, err := s.LatestCheckpoint(ctx); err == nil && cp != nil {
			if c, err := ParseCheckpoint(cp); err == nil {
				rep.Origin = c.Origin // authenticated below: every checkpoint must verify under it
			}
		}
	}

	cps, err := s.db.query(ctx, "SELECT size, note FROM "+s.tables.checkpoints+" ORDER BY size")
	if err != nil {
		return rep, err
	}
	defer cps.Close()
	nextCP := func() (size int64, note []byte, ok bool, err error) {
		if !cps.Next() {
			return 0, nil, false, cps.Err()
		}
		err = cps.Scan(&size, &note)
		return size, note, err == nil, err
	}
	cpSize, cpNote, haveCP, err := nextCP()
	if err != nil {
		return rep, err
	}

	recs, err := s.db.query(ctx, "SELECT idx, entry, body, subject, expires_ms, hashes FROM "+s.tables.records+" ORDER BY idx")
	if err != nil {
		return rep, err
	}
	defer recs.Close()

	var cr compactRange
	var batchStart int64      // first record after the last good checkpoint
	var batchLatest time.Time // latest record time since batchStart (zero: all pruned)
	deferred := int64(-1)     // first record whose interior stored hashes differ
	bad := func(i int64, format string, args ...any) error {
		return &VerifyError{Index: uint64(i), Reason: fmt.Sprintf(format, args...)}
	}
	next := int64(0)
	nowMS := now.UnixMilli()
	bound := map[int64]string{}  // record index -> the digest of the receipt it binds
	stated := map[int64]string{} // record index -> the digest of the statement it binds
	pruned := map[int64]bool{}
	for recs.Next() {
		var idx, expires int64
		var entry, body, hashes []byte
		var subject *string
		if err := recs.Scan(&idx, &entry, &body, &subject, &expires, &hashes); err != nil {
			return rep, err
		}
		switch {
		case idx > next:
			return rep, bad(next, "record missing")
		case idx >= head:
			return rep, bad(idx, "record beyond the tree head (size %d)", head)
		}
		exp, digest, ok := parseEntry(entry)
		if !ok {
			return rep, bad(idx, "malformed leaf entry")
		}
		if exp != expires {
			return rep, bad(idx, "expiry column differs from the leaf entry")
		}
		if body == nil {
			if subject != nil {
				return rep, bad(idx, "pruned record still has a subject")
			}
			if exp > nowMS {
				return rep, bad(idx, "details deleted before retention expired (%s)", time.UnixMilli(exp).UTC().Format(time.RFC3339))
			}
			rep.Pruned++
			pruned[idx] = true
		} else {
			if !bytes.Equal(makeEntry(exp, body)[9:], digest) {
				return rep, bad(idx, "record details do not match the leaf entry")
			}
			r, err := decodeBody(body)
			if err != nil {
				return rep, bad(idx, "record details unreadable: %v", err)
			}
			if !bytes.Equal(CanonicalBody(&r), body) {
				return rep, bad(idx, "record details not canonical")
			}
			if Expiry(&r).UnixMilli() != exp {
				return rep, bad(idx, "retention in details differs from the leaf entry")
			}
			if (subject == nil) != (r.Subject == "") || (subject != nil && *subject != r.Subject) {
				return rep, bad(idx, "subject column differs from the record details")
			}
			if r.ReceiptDigest != "" {
				bound[idx] = r.ReceiptDigest
			}
			if r.StatementDigest != "" {
				stated[idx] = r.StatementDigest
			}
			if r.EndTime.After(batchLatest) {
				batchLatest = r.EndTime
			}
		}
		want := cr.push(tlog.RecordHash(entry))
		if len(hashes) < tlog.HashSize || !bytes.Equal(hashes[:tlog.HashSize], want[0][:]) {
			return rep, bad(idx, "record does not match its stored leaf hash")
		}
		if deferred < 0 && !bytes.Equal(hashes, hashBytes(want)) {
			deferred = idx
		}
		next = idx + 1
		for haveCP && cpSize <= next {
			if cpSize < next {
				return rep, &VerifyError{Index: uint64(batchStart), Checkpoint: uint64(cpSize), Reason: "checkpoints out of order"}
			}
			c, err := keys.Open(rep.Origin, cpNote, batchLatest)
			if err != nil {
				return rep, &VerifyError{Index: uint64(batchStart), Checkpoint: uint64(cpSize), Reason: err.Error()}
			}
			root := cr.root()
			if c.Size != uint64(cpSize) || !bytes.Equal(c.Root, root[:]) {
				return rep, &VerifyError{Index: uint64(batchStart), Checkpoint: uint64(cpSize), Reason: "records do not match the signed root"}
			}
			if deferred >= 0 {
				return rep, bad(deferred, "stored tree hashes differ from the records")
			}
			rep.Checkpoints++
			batchStart, batchLatest = next, time.Time{}
			if cpSize, cpNote, haveCP, err = nextCP(); err != nil {
				return rep, err
			}
		}
	}
	if err := recs.Err(); err != nil {
		return rep, err
	}
	if next < head {
		return rep, bad(next, "record missing (tree head says %d records)", head)
	}
	if haveCP {
		return rep, &VerifyError{Index: uint64(next), Checkpoint: uint64(cpSize), Reason: "checkpoint beyond the last record"}
	}
	if batchStart != next {
		return rep, &VerifyError{Index: uint64(batchStart), Reason: "records not covered by a signed checkpoint"}
	}
	rep.Size = uint64(next)
	root := cr.root()
	rep.Root = root[:]

	rcs, err := s.Receipts(ctx)
	if err != nil {
		return rep, err
	}
	for i, rc := range rcs {
		if err := checkReceipt(rc); err != nil {
			return rep, &VerifyError{Receipt: i + 1, Reason: err.Error()}
		}
		if rc.LocalIndex >= rep.Size {
			return rep, &VerifyError{Receipt: i + 1, Reason: "refers to a record not in this log"}
		}
		li := int64(rc.LocalIndex)
		want, ok := bound[li]
		switch {
		case pruned[li]:
			// The record's details expired; its receipt may go with them.
		case !ok:
			return rep, &VerifyError{Receipt: i + 1, Reason: fmt.Sprintf("record %d does not bind a receipt", li)}
		case want != ReceiptDigest(rc):
			return rep, &VerifyError{Receipt: i + 1, Reason: fmt.Sprintf("is not the receipt that record %d names (replaced or altered)", li)}
		}
		delete(bound, li)
		rep.Receipts++
	}
	if err := s.verifyStatements(ctx, stated, pruned); err != nil {
		return rep, err
	}
	if len(bound) > 0 {
		missing := make([]int64, 0, len(bound))
		for idx := range bound {
			missing = append(missing, idx)
		}
		slices.Sort(missing)
		return rep, bad(missing[0], "the receipt this record names is missing (%d record(s) without their stored receipt)", len(missing))
	}
	return rep, nil
}

func hashBytes(hs []tlog.Hash) []byte {
	b := make([]byte, 0, len(hs)*tlog.HashSize)
	for _, h := range hs {
		b = append(b, h[:]...)
	}
	return b
}

// checkReceipt verifies a receipt as received: the holder's receipt signature, the
// holder's checkpoint signature, and the inclusion of the holder's record leaf.
func checkReceipt(rc Receipt) error {
	pub, err := x509.ParsePKIXPublicKey(rc.HolderKey)
	if err != nil {
		return fmt.Errorf("%w: holder key: %v", ErrBadSignature, err)
	}
	if err := VerifyReceipt(pub, rc.DecisionID, rc.PayloadDigest, rc.Commit.Checkpoint, rc.Signature); err != nil {
		return err
	}
	cp, err := OpenCheckpoint(pub, rc.HolderOrigin, rc.Commit.Checkpoint)
	if err != nil {
		return err
	}
	return checkInclusion(cp, rc.Commit.Index, rc.Commit.LeafHash, rc.Commit.Proof)
}

// verifyStatements checks that every stored signed statement is the one its
// record names, and that no record misses the statement it names.
func (s *logStore) verifyStatements(ctx context.Context, stated map[int64]string, pruned map[int64]bool) error {
	if s.tables.statements == "" {
		return nil
	}
	rows, err := s.db.query(ctx, "SELECT idx, statement, signature, signer_key FROM "+s.tables.statements+" ORDER BY idx")
	if err != nil {
		if isNoTable(err) {
			return nil // a log made before statements were kept
		}
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var idx int64
		var st Statement
		if err := rows.Scan(&idx, &st.Bytes, &st.Signature, &st.SignerKey); err != nil {
			return err
		}
		want, ok := stated[idx]
		switch {
		case pruned[idx]:
		case !ok:
			return &VerifyError{Index: uint64(idx), Reason: "a stored statement that no record names"}
		case want != StatementDigest(st):
			return &VerifyError{Index: uint64(idx), Reason: "the stored statement is not the one the record names (replaced or altered)"}
		}
		delete(stated, idx)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	missing := make([]int64, 0, len(stated))
	for idx := range stated {
		if !pruned[idx] {
			missing = append(missing, idx)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing) // name the first, every time
		return &VerifyError{Index: uint64(missing[0]), Reason: "the statement this record names is missing"}
	}
	return nil
}
