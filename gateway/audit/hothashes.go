package audit

import (
	"errors"
	"sync"

	"golang.org/x/mod/sumdb/tlog"
)

// hotWindow is how many of the latest records' stored hashes the writer
// keeps in memory for consistency proofs (about two hashes per record).
const hotWindow = 4096

// hotHashes are tlog stored hashes of this log that are committed, kept by
// the writer so that a consistency proof between recent tree sizes (the one
// a holder sends with every response) needs no database read. It holds
// the stored hashes of the records from lo to size and the frontier of lo
// (the maximal complete subtrees of the tree of size lo): every hash a
// consistency proof from a size at or above lo to one at or below size
// reads. Only hashes of committed batches are added: a stored hash of an
// append-only log never changes once committed, so a proof from memory has
// the bytes of the proof from the database. A read that misses (a proof
// from an older size; hashes another replica wrote) falls back to the
// database.
type hotHashes struct {
	mu   sync.RWMutex
	m    map[int64]tlog.Hash
	lo   int64
	size int64 // the tree size m reaches; 0: nothing kept
	// window overrides hotWindow (tests).
	window int64
}

// errHotMiss is a hash the memory does not hold: read the database.
var errHotMiss = errors.New("audit: stored hash not in memory")

// add records a committed batch: the tree grew from start to newSize with
// the stored hashes added. frontier is the frontier of start (committed),
// used when the memory does not reach start (the first batch, or another
// replica appended in between).
func (h *hotHashes) add(start, newSize int64, frontier map[int64]tlog.Hash, added map[int64]tlog.Hash) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil || h.size != start {
		h.m = make(map[int64]tlog.Hash, 3*hotWindow)
		for k, v := range frontier {
			h.m[k] = v
		}
		h.lo = start
	}
	for k, v := range added {
		h.m[k] = v
	}
	h.size = newSize
	window := int64(hotWindow)
	if h.window > 0 {
		window = h.window
	}
	if newSize-h.lo <= 2*window {
		return
	}
	// Forget the records below lo, keeping the frontier of the new lo.
	lo := newSize - window
	keep := make(map[int64]bool)
	for _, x := range frontierIndexes(lo) {
		keep[x] = true
	}
	for x := range h.m {
		if hashRecord(x) < lo && !keep[x] {
			delete(h.m, x)
		}
	}
	h.lo = lo
}

// consistencyProof is the proof from oldSize to newSize from memory, or
// errHotMiss. The caller has checked 0 < oldSize < newSize.
func (h *hotHashes) consistencyProof(oldSize, newSize int64) (tlog.TreeProof, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.m == nil || newSize > h.size || oldSize < h.lo {
		return nil, errHotMiss
	}
	return tlog.ProveTree(newSize, oldSize, hotReader(h.m))
}

// hotReader reads stored hashes from the memory; a miss is errHotMiss.
type hotReader map[int64]tlog.Hash

func (r hotReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		v, ok := r[x]
		if !ok {
			return nil, errHotMiss
		}
		out[i] = v
	}
	return out, nil
}

// hashRecord is the record whose row stores the stored hash x.
func hashRecord(x int64) int64 {
	level, k := tlog.SplitStoredHashIndex(x)
	return ((k + 1) << level) - 1
}
