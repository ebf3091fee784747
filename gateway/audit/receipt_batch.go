package audit

import (
	"bytes"
	"context"
	"time"

	"github.com/schakel/schakel/internal/groupcommit"
)

// storeReceipts writes verified receipts in one transaction. AddReceipt
// callers are group-committed through s.receiptBatch: under load the
// receipts of many exchanges share one commit (one fsync) instead of taking
// the database's write lock one at a time. Each caller still returns only
// after its receipt is committed.
func (s *logStore) storeReceipts(ctx context.Context, rcs []Receipt) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	t, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer t.rollback()
	q := s.q("INSERT INTO " + s.tables.receipts +
		" (decision_id, payload_digest, holder_origin, holder_key, holder_index, leaf_hash, proof, checkpoint, signature, local_index, received_ms)" +
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	for _, rc := range rcs {
		if _, err := t.exec(ctx, q, rc.DecisionID, rc.PayloadDigest, rc.HolderOrigin, rc.HolderKey, int64(rc.Commit.Index), rc.Commit.LeafHash,
			bytes.Join(rc.Commit.Proof, nil), rc.Commit.Checkpoint, rc.Signature, int64(rc.LocalIndex), rc.ReceivedAt.UnixMilli()); err != nil {
			return err
		}
	}
	return t.commit(ctx)
}

func (s *logStore) receiptBatch() *groupcommit.Batcher[Receipt] {
	s.receiptsOnce.Do(func() {
		s.receipts = &groupcommit.Batcher[Receipt]{Commit: s.storeReceipts, Max: s.cfg.MaxBatch}
	})
	return s.receipts
}
