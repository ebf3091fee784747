package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// With is what depends on an audit record and is therefore written in the
// same database transaction as the record itself: a crash or a failed write
// leaves both or neither. The holder of a release records the obligations the
// release creates; the recipient stores the holder's receipt.
type With struct {
	// Obligations are the kinds of duty a release creates (inform_subject,
	// …), one obligation each, for the record's decision, flow and recipient.
	Obligations []string
	// ObligationKey makes the obligations idempotent: the same key and kind
	// give the same obligation, so a notification delivered again after a
	// lost acknowledgement does not create a second duty. Default: the
	// record's decision id.
	ObligationKey string
	// Receipt is the holder's signed receipt that the recipient keeps with its
	// own record. It is verified before anything is written, bound to the
	// record by [ReceiptDigest] (the record's ReceiptDigest field) and stored
	// with LocalIndex set to the record's index.
	Receipt *Receipt
	// Statement is the signed statement of the exchange (the requester's or
	// the sender's), stored with the record; the record names it by
	// StatementDigest.
	Statement *Statement
	// Witness is the newer state of the holder's log that the recipient
	// verified for this exchange ([Witness.CheckDeferred]); it is stored with
	// the record, and the caller then calls [Witness.Advanced].
	Witness *PeerLog
}

func (w With) empty() bool {
	return len(w.Obligations) == 0 && w.Receipt == nil && w.Witness == nil && w.Statement == nil
}

// Statement is a signed statement as the audit log keeps it: its
// deterministic encoding (which names the child only by a digest bound to
// the request id), the signature and the signer's public key (DER).
type Statement struct {
	Bytes, Signature, SignerKey []byte
}

// StatementDigest is the digest that binds a stored statement to its record.
func StatementDigest(st Statement) string {
	return boundDigest([]byte("schakel-stored-statement/v1"), st.Bytes, st.Signature, st.SignerKey)
}

// boundDigest is the digest by which a record binds what is stored beside
// it: "sha256:" and the hex SHA-256 of the parts, each preceded by its
// length (8 bytes, big-endian), so that no two part lists share a digest.
func boundDigest(parts ...[]byte) string {
	h := sha256.New()
	for _, b := range parts {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// ErrObligationNotFound means no obligation has that id.
var ErrObligationNotFound = errors.New("obligation not found")

// Obligation is one duty a release created, e.g. inform_subject (AVG art.
// 13/14: tell the child or parents that data went out, to whom, why and on
// what basis) or inform_parents after a verzuim report.
type Obligation struct {
	ID           string
	Kind         string
	DecisionID   string
	Flow         string
	RecipientOIN string
	CreatedAt    time.Time
	DoneAt       *time.Time
}

// ReceiptDigest is the digest that binds a stored receipt to the recipient's
// audit record: SHA-256 over the receipt's fields (decision id, payload
// digest, holder origin and key, the holder's leaf index, leaf hash, proof,
// checkpoint and signature), each length-prefixed.
func ReceiptDigest(rc Receipt) string {
	return boundDigest([]byte("schakel-stored-receipt/v1"), []byte(rc.DecisionID), []byte(rc.PayloadDigest),
		[]byte(rc.HolderOrigin), rc.HolderKey, binary.BigEndian.AppendUint64(nil, rc.Commit.Index), rc.Commit.LeafHash,
		bytes.Join(rc.Commit.Proof, nil), rc.Commit.Checkpoint, rc.Signature)
}

// ObligationID is the id of the obligation of kind that a record written
// with ObligationKey key (default: its decision id) creates.
func ObligationID(key, kind string) string { return obligationID(key, kind) }

func obligationID(key, kind string) string {
	sum := sha256.Sum256([]byte(key + "\n" + kind))
	return "o-" + hex.EncodeToString(sum[:10])
}

// writeWith writes what depends on the record at index idx inside the
// batch's transaction.
func (s *logStore) writeWith(ctx context.Context, t querier, idx int64, r *appendReq) error {
	if r.consentID != "" {
		q := "INSERT INTO " + s.tables.consentHeads + " (consent_id, idx) VALUES (?, ?) ON CONFLICT (consent_id) DO UPDATE SET idx = excluded.idx"
		if _, err := t.exec(ctx, s.q(q), r.consentID, idx); err != nil {
			return fmt.Errorf("consent head: %w", err)
		}
	}
	w := r.with
	key := w.ObligationKey
	if key == "" {
		key = r.decisionID
	}
	for _, kind := range w.Obligations {
		q := "INSERT INTO " + s.tables.obligations + " (id, kind, decision_id, flow, recipient_oin, created_ms) VALUES (?, ?, ?, ?, ?, ?)"
		if s.dialect == dialectPostgres {
			q += " ON CONFLICT (id) DO NOTHING"
		} else {
			q = "INSERT OR IGNORE" + q[len("INSERT"):]
		}
		if _, err := t.exec(ctx, s.q(q), obligationID(key, kind), kind, r.decisionID, r.flow, r.recipientOIN, r.startMS); err != nil {
			return fmt.Errorf("obligations: %w", err)
		}
	}
	if st := w.Statement; st != nil {
		q := "INSERT INTO " + s.tables.statements + " (idx, statement, signature, signer_key) VALUES (?, ?, ?, ?)"
		if _, err := t.exec(ctx, s.q(q), idx, st.Bytes, st.Signature, st.SignerKey); err != nil {
			return fmt.Errorf("statement: %w", err)
		}
	}
	if w.Witness != nil {
		if err := s.saveWitnessTx(ctx, t, []PeerLog{*w.Witness}); err != nil {
			return fmt.Errorf("witness: %w", err)
		}
	}
	if rc := w.Receipt; rc != nil {
		if _, err := t.exec(ctx, s.q("INSERT INTO "+s.tables.receipts+
			" (decision_id, payload_digest, holder_origin, holder_key, holder_index, leaf_hash, proof, checkpoint, signature, local_index, received_ms)"+
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
			rc.DecisionID, rc.PayloadDigest, rc.HolderOrigin, rc.HolderKey, int64(rc.Commit.Index), rc.Commit.LeafHash,
			bytes.Join(rc.Commit.Proof, nil), rc.Commit.Checkpoint, rc.Signature, idx, rc.ReceivedAt.UnixMilli()); err != nil {
			return fmt.Errorf("receipt: %w", err)
		}
	}
	return nil
}

// Obligations lists obligations, oldest first; open ones only unless
// includeDone.
func (s *logStore) Obligations(ctx context.Context, includeDone bool) ([]Obligation, error) {
	q := "SELECT id, kind, decision_id, flow, recipient_oin, created_ms, done_ms FROM " + s.tables.obligations
	if !includeDone {
		q += " WHERE done_ms IS NULL"
	}
	rows, err := s.db.query(ctx, q+" ORDER BY created_ms, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Obligation
	for rows.Next() {
		var o Obligation
		var created int64
		var done *int64
		if err := rows.Scan(&o.ID, &o.Kind, &o.DecisionID, &o.Flow, &o.RecipientOIN, &created, &done); err != nil {
			return nil, err
		}
		o.CreatedAt = time.UnixMilli(created).UTC()
		if done != nil {
			t := time.UnixMilli(*done).UTC()
			o.DoneAt = &t
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// CompleteObligation ticks an open obligation off; an unknown or already
// completed id is ErrObligationNotFound.
func (s *logStore) CompleteObligation(ctx context.Context, id string, at time.Time) error {
	n, err := s.db.exec(ctx, s.q("UPDATE "+s.tables.obligations+" SET done_ms = ? WHERE id = ? AND done_ms IS NULL"), at.UnixMilli(), id)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w: %s", ErrObligationNotFound, id)
	}
	return nil
}
