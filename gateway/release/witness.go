package release

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/schakel/schakel/gateway/audit"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
)

// ReasonPeerLogInconsistent is the audit reason code of an exchange refused
// because the peer's audit log was rolled back or forked.
const ReasonPeerLogInconsistent = "PEER_LOG_INCONSISTENT"

// Witnessing connects an exchange to the audit witness (the peers' logs, as
// recipient) and to the node's own log (consistency proofs and the
// high-water mark, as holder or sender). A nil *Witnessing does nothing (unit
// tests that do not exercise it).
type Witnessing struct {
	// Witness keeps the latest verified checkpoint of each peer's log.
	Witness *audit.Witness
	// Log is this node's own audit log (consistency proofs).
	Log audit.Store
	// Marker is this node's high-water mark; checkpoints of its own log that
	// peers hand back raise it. Nil: not kept.
	Marker *audit.Marker
	// OnOwnBehind, if set, is called when a peer holds a checkpoint of this
	// node's own log that the log does not reach or contain (metrics).
	OnOwnBehind func(peerOIN string)
	Logger      *slog.Logger

	mu sync.Mutex
	// keys are the peers' organisation keys, as learned from the
	// certificates of verified exchanges with them (split-view detection
	// verifies gossiped checkpoints with them; lost on restart).
	keys map[string]crypto.PublicKey
	// sent is, per recipient, the last checkpoint of this node's log that the
	// recipient verified, as far as this node knows (notifications).
	sent map[string][]byte
}

// Last is the checkpoint of peerOIN's log to name in a request.
func (w *Witnessing) Last(peerOIN string) []byte {
	if w == nil || w.Witness == nil {
		return nil
	}
	return w.Witness.Last(peerOIN)
}

// ownBehind handles a checkpoint of this node's own log handed back by a peer.
func (w *Witnessing) ownBehind(ctx context.Context, peerOIN string, cp []byte) {
	if w.Marker == nil || len(cp) == 0 {
		return
	}
	if err := w.Marker.Raise(ctx, cp); err != nil {
		if w.OnOwnBehind != nil {
			w.OnOwnBehind(peerOIN)
		}
		if w.Logger != nil {
			w.Logger.ErrorContext(ctx, "a peer holds a checkpoint this node's audit log does not reach: the log was rolled back or forked", "peer_oin", peerOIN, "err", err)
		}
	}
}

// Prove is the holder's side: the checkpoint it answers with and a
// consistency proof from the checkpoint the requester named. A requester
// naming a checkpoint beyond this log (this node's log was rolled back) gets
// the checkpoint without a proof, which it refuses; any other failure to
// prove is an error (nothing must leave that the requester would refuse for a
// fault of ours).
func (w *Witnessing) Prove(ctx context.Context, peerOIN string, witnessed, checkpoint []byte) (*exchangev1.LogWitness, error) {
	if w == nil || w.Log == nil || len(checkpoint) == 0 {
		return nil, nil
	}
	c, err := audit.ParseCheckpoint(checkpoint)
	if err != nil {
		return nil, err
	}
	from, proof, err := audit.ProveConsistency(ctx, w.Log, witnessed, c.Size)
	if err != nil {
		if from > c.Size {
			w.ownBehind(ctx, peerOIN, witnessed) // the peer saw more of this log than it has
			return &exchangev1.LogWitness{Checkpoint: checkpoint, FromSize: from}, nil
		}
		if witnessed != nil {
			if _, perr := audit.ParseCheckpoint(witnessed); perr != nil {
				// Not a checkpoint at all: prove nothing; the requester's witness refuses.
				return &exchangev1.LogWitness{Checkpoint: checkpoint}, nil
			}
		}
		return nil, fmt.Errorf("%w: consistency proof: %v", ErrAuditUnavailable, err)
	}
	// The proof is checked here too, with no extra read: if the peer's
	// checkpoint is not a prefix of this log (this log was forked), the
	// high-water mark learns of it (Marker.Raise checks it is ours).
	if f, perr := audit.ParseCheckpoint(witnessed); perr == nil && audit.CheckConsistency(f, c, proof) != nil {
		w.ownBehind(ctx, peerOIN, witnessed)
	}
	return &exchangev1.LogWitness{Checkpoint: checkpoint, FromSize: from, ConsistencyProof: proof}, nil
}

// Check is the recipient's side for a response: lw must extend from (what
// this node named in its request). required says whether a missing witness is
// an error (a release always carries one). It returns the newer state of the
// peer's log to store with this node's record of the exchange (nil when the
// state does not move); see [Witnessing.Advanced].
func (w *Witnessing) Check(ctx context.Context, peerOIN string, pub crypto.PublicKey, from []byte, lw *exchangev1.LogWitness, required bool) (*audit.PeerLog, error) {
	if w == nil || w.Witness == nil {
		return nil, nil
	}
	if lw == nil || len(lw.GetCheckpoint()) == 0 {
		if required {
			return nil, errors.New("the peer sent no checkpoint of its audit log to witness")
		}
		return nil, nil
	}
	w.learnKey(peerOIN, pub)
	return w.Witness.CheckDeferred(ctx, peerOIN, pub, from, lw.GetCheckpoint(), lw.GetConsistencyProof())
}

// Advanced records in memory a state from Check or CheckDelivery once the
// record it was stored with is durable.
func (w *Witnessing) Advanced(p *audit.PeerLog) {
	if w == nil || w.Witness == nil || p == nil {
		return
	}
	w.Witness.Advanced(*p)
}

// ProveDelivery is the sender's side of a notification: this node's latest
// checkpoint and a proof from the checkpoint it believes the recipient
// verified last.
func (w *Witnessing) ProveDelivery(ctx context.Context, peerOIN string) (*exchangev1.LogWitness, error) {
	if w == nil || w.Log == nil {
		return nil, nil
	}
	// What the recipient verified first, then this log's latest checkpoint:
	// every checkpoint the recipient can have verified was read before, so
	// the latest is at least as large (concurrent deliveries move both).
	w.mu.Lock()
	from := w.sent[peerOIN]
	w.mu.Unlock()
	cp, err := w.Log.LatestCheckpoint(ctx)
	if err != nil || cp == nil {
		return nil, err
	}
	return w.Prove(ctx, peerOIN, from, cp)
}

// Delivered notes that the recipient accepted lw's checkpoint.
func (w *Witnessing) Delivered(peerOIN string, lw *exchangev1.LogWitness) {
	if w == nil || lw == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sent == nil {
		w.sent = map[string][]byte{}
	}
	if old, ok := w.sent[peerOIN]; ok {
		oc, err1 := audit.ParseCheckpoint(old)
		nc, err2 := audit.ParseCheckpoint(lw.GetCheckpoint())
		if err1 == nil && err2 == nil && oc.Size >= nc.Size {
			return
		}
	}
	w.sent[peerOIN] = lw.GetCheckpoint()
}

// Refreshed reads the recipient's checkpoint from a FAILED_PRECONDITION
// refusal of a delivery (the recipient verified another checkpoint of this
// log than the proof started from) and remembers it for the next proof. It
// reports whether err was such a refusal.
func (w *Witnessing) Refreshed(ctx context.Context, peerOIN string, err error) bool {
	if w == nil || w.Log == nil {
		return false
	}
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.FailedPrecondition {
		return false
	}
	for _, d := range st.Details() {
		lw, ok := d.(*exchangev1.LogWitness)
		if !ok {
			continue
		}
		w.ownBehind(ctx, peerOIN, lw.GetCheckpoint())
		w.mu.Lock()
		if w.sent == nil {
			w.sent = map[string][]byte{}
		}
		w.sent[peerOIN] = lw.GetCheckpoint() // empty: the recipient verified none
		w.mu.Unlock()
		return true
	}
	return false
}

// CheckDelivery is the recipient's side of a notification. When the sender
// proved from another size than this node verified last, it returns a bare
// FAILED_PRECONDITION status carrying this node's checkpoint (nothing is
// audited: nothing was accepted, and the sender retries with a proof from
// it). Otherwise it is [Witnessing.Check].
func (w *Witnessing) CheckDelivery(ctx context.Context, peerOIN string, pub crypto.PublicKey, lw *exchangev1.LogWitness) (stale error, state *audit.PeerLog, err error) {
	if w == nil || w.Witness == nil {
		return nil, nil, nil
	}
	if lw == nil || len(lw.GetCheckpoint()) == 0 {
		return nil, nil, errors.New("the sender sent no checkpoint of its audit log to witness")
	}
	// One read of the state: its checkpoint and size must belong together,
	// also while concurrent deliveries advance it.
	last := w.Witness.Last(peerOIN)
	var lastSize uint64
	if len(last) > 0 {
		c, err := audit.ParseCheckpoint(last)
		if err != nil {
			return nil, nil, err
		}
		lastSize = c.Size
	}
	if lw.GetFromSize() != lastSize {
		st := status.New(codes.FailedPrecondition, fmt.Sprintf("witness: prove consistency from size %d of your audit log", lastSize))
		if d, derr := st.WithDetails(&exchangev1.LogWitness{Checkpoint: last, FromSize: lastSize}); derr == nil {
			st = d
		}
		return st.Err(), nil, nil
	}
	w.learnKey(peerOIN, pub)
	state, err = w.Witness.CheckDeferred(ctx, peerOIN, pub, last, lw.GetCheckpoint(), lw.GetConsistencyProof())
	return nil, state, err
}

// WitnessReasons adds the reason code of a peer log inconsistency to codes.
func WitnessReasons(codes []string, err error) []string {
	if errors.Is(err, audit.ErrPeerLog) {
		return append(codes, ReasonPeerLogInconsistent)
	}
	return codes
}

// MaxGossip is how many third-party checkpoints one exchange carries.
const MaxGossip = 16

func (w *Witnessing) learnKey(peerOIN string, pub crypto.PublicKey) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.keys == nil {
		w.keys = map[string]crypto.PublicKey{}
	}
	w.keys[peerOIN] = pub
}

// Gossip is what this node hands another node (to) for split-view
// detection: the latest checkpoint it verified of each other peer's log,
// at most MaxGossip.
func (w *Witnessing) Gossip(to string) []*exchangev1.ThirdPartyCheckpoint {
	if w == nil || w.Witness == nil {
		return nil
	}
	var out []*exchangev1.ThirdPartyCheckpoint
	for _, p := range w.Witness.Status() {
		if p.PeerOIN == to || len(p.Checkpoint) == 0 || len(out) == MaxGossip {
			continue
		}
		out = append(out, &exchangev1.ThirdPartyCheckpoint{LogOin: p.PeerOIN, Checkpoint: p.Checkpoint})
	}
	return out
}

// CompareGossip compares the third-party checkpoints a peer (from) handed
// over with what this node verified of the same logs, each verified with
// that organisation's own key (audit.Witness.CompareGossip). A split view
// raises the witness alarm of that log and is kept as evidence; it never
// refuses the exchange with from (the inconsistency is the third party's).
// Checkpoints of this node's own log or of from's log, of logs whose key
// this node has not learned since it started, beyond MaxGossip or over
// 4 KB are ignored.
func (w *Witnessing) CompareGossip(ctx context.Context, from, self string, gossip []*exchangev1.ThirdPartyCheckpoint) {
	if w == nil || w.Witness == nil {
		return
	}
	for i, g := range gossip {
		if i == MaxGossip {
			break
		}
		log := g.GetLogOin()
		if log == from || log == self || len(g.GetCheckpoint()) > 4096 {
			continue
		}
		w.mu.Lock()
		pub := w.keys[log]
		w.mu.Unlock()
		if pub == nil {
			continue
		}
		if err := w.Witness.CompareGossip(ctx, log, from, pub, g.GetCheckpoint()); err != nil && w.Logger != nil {
			w.Logger.ErrorContext(ctx, "split view of a peer's audit log", "log_oin", log, "from_oin", from, "err", err)
		}
	}
}
