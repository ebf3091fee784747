package audit

import (
	"bytes"
	"context"
	"crypto"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Config configures a store.
type Config struct {
	// Origin is the checkpoint origin line and the note key name, e.g.
	// "schakel.audit/<OIN>". Required for a store that appends.
	Origin string
	// MaxBatch is the largest number of records in one group-commit transaction
	// (default 256, at most 1000).
	MaxBatch int
	// BatchWindow is how long the writer waits for more records after the first one of a
	// batch (default 0: a batch is whatever queued while the previous one was written,
	// which already batches well under load).
	BatchWindow time.Duration
	// CheckpointEvery is the interval of the background WAL checkpointer (SQLite only;
	// default 1s).
	CheckpointEvery time.Duration
	// Schema is the PostgreSQL schema holding the tables (default "schakel_audit").
	Schema string
	// OIN and ServiceVersion fill the resource attributes of [Store.Export].
	OIN, ServiceVersion string
}

func (c *Config) defaults() {
	if c.MaxBatch <= 0 {
		c.MaxBatch = 256
	}
	c.MaxBatch = min(c.MaxBatch, 1000)
	if c.CheckpointEvery <= 0 {
		c.CheckpointEvery = time.Second
	}
	if c.Schema == "" {
		c.Schema = "schakel_audit"
	}
}

// Commit is what Append returns once its record is durable: the record's leaf index,
// the signed checkpoint of the batch that committed it, the inclusion proof of the record
// in that checkpoint's tree (RFC 6962 audit path, leaf to root), and its leaf hash.
type Commit struct {
	Index      uint64
	Checkpoint []byte // signed note text
	Proof      [][]byte
	LeafHash   []byte
}

// Receipt is a holder's signed statement as stored by the recipient, next to the
// recipient's own record of the exchange.
type Receipt struct {
	DecisionID    string
	PayloadDigest string
	HolderOrigin  string // the holder's checkpoint origin
	HolderKey     []byte // the holder's public key, DER SubjectPublicKeyInfo
	Commit        Commit // the holder's record: index, checkpoint, proof, leaf hash
	Signature     []byte // SignReceipt over (DecisionID, PayloadDigest, Commit.Checkpoint)
	LocalIndex    uint64 // index of the recipient's own record in its log
	ReceivedAt    time.Time
}

// Store is the audit log. *SQLiteStore and *PostgresStore implement it.
type Store interface {
	// Append writes r durably and returns after its batch is committed (fsynced) and
	// its checkpoint signed. Concurrent callers are group-committed. On any error the
	// caller must not release data (fail closed).
	Append(ctx context.Context, r *Record) (Commit, error)
	// BySubject lists every record about a pseudonym (as holder and as recipient),
	// oldest first. Pruned records are not listed.
	BySubject(ctx context.Context, subject string) ([]Stored, error)
	// RecordAt reads the record at index (one primary-key read); ErrNoRecord
	// when the log has no such index or its details were pruned.
	RecordAt(ctx context.Context, index uint64) (Stored, error)
	// ConsentHead is the index of the latest register or withdraw record of
	// a consent (one primary-key read of a table written in the record's
	// own transaction); ErrNoRecord when the log has none for it.
	ConsentHead(ctx context.Context, consentID string) (uint64, error)
	// EachRecord calls fn with every record that still has its details, in
	// log order, and stops at fn's first error.
	EachRecord(ctx context.Context, fn func(Stored) error) error
	// Prune deletes the details of records whose retention expired at or before now,
	// keeping their leaf entries so the log still verifies. It returns the number pruned.
	Prune(ctx context.Context, now time.Time) (int64, error)
	// Export writes the records in the Logboek Dataverwerkingen shape, one JSON object
	// per line, in log order. Pruned records are skipped.
	Export(ctx context.Context, w io.Writer) error
	// AppendWith is Append with what depends on the record written in the same
	// transaction: the obligations of a release, or the holder's receipt the
	// recipient keeps (verified first: signature, checkpoint, inclusion proof).
	// Both or neither are written.
	AppendWith(ctx context.Context, r *Record, w With) (Commit, error)
	// Obligations lists the obligations releases created, oldest first; open
	// ones only unless includeDone.
	Obligations(ctx context.Context, includeDone bool) ([]Obligation, error)
	// CompleteObligation ticks an open obligation off.
	CompleteObligation(ctx context.Context, id string, at time.Time) error
	// Receipts lists the stored receipts, oldest first.
	Receipts(ctx context.Context) ([]Receipt, error)
	// LatestCheckpoint returns the newest signed checkpoint (nil for an empty log).
	LatestCheckpoint(ctx context.Context) ([]byte, error)
	// InclusionProof proves record index in the tree of the given size.
	InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error)
	// ConsistencyProof proves the tree of newSize extends the tree of oldSize.
	ConsistencyProof(ctx context.Context, oldSize, newSize uint64) ([][]byte, error)
	Close() error
}

type dialect int

const (
	dialectSQLite dialect = iota
	dialectPostgres
)

// logStore is the store shared by both databases; only SQL and opening differ.
type logStore struct {
	cfg     Config
	db      database
	dialect dialect
	signer  note.Signer // nil: read-only
	logger  *slog.Logger
	tables  tableNames

	reqs      chan *appendReq
	quit      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	bg        sync.WaitGroup

	// Writer goroutine state.
	size     int64
	frontier map[int64]tlog.Hash
	stale    bool

	// fallbackReads counts hash reads that missed the in-memory batch reader (tests
	// expect none on the append path).
	fallbackReads atomic.Int64
	// batches counts committed batches (one checkpoint each).
	batches atomic.Int64
	// hot are the committed stored hashes of the latest records, for
	// consistency proofs without a database read.
	hot hotHashes
}

type tableNames struct {
	head, records, checkpoints, receipts, obligations, statements, consentHeads string
}

type appendReq struct {
	ctx     context.Context
	entry   []byte
	body    []byte
	subject string
	expires int64
	res     chan appendRes

	// with is written in the same transaction; the record's decision id,
	// flow, recipient and start fill its obligations.
	with                           With
	decisionID, flow, recipientOIN string
	startMS                        int64
	// consentID is set for a consent change bound to its content (a
	// register or withdraw record with a ConsentDigest): the record becomes
	// the consent's head (consent_heads) in the same transaction.
	consentID string
}

// dependents reports whether rows depending on the record are written with it.
func (r *appendReq) dependents() bool { return !r.with.empty() || r.consentID != "" }

// consentHeadOf is the consent whose head the record becomes, "" for none.
func consentHeadOf(r *Record) string {
	if (r.Name == ActionConsentRegister || r.Name == ActionConsentWithdraw) && r.ConsentDigest != "" && len(r.ConsentsUsed) == 1 {
		return r.ConsentsUsed[0]
	}
	return ""
}

type appendRes struct {
	index int64
	leaf  tlog.Hash
	batch *batchResult
	err   error
}

type batchResult struct {
	size       int64
	checkpoint []byte
	hashes     *memReader
}

// q rewrites ? placeholders to $n for PostgreSQL.
func (s *logStore) q(query string) string {
	if s.dialect != dialectPostgres {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

func newLogStore(db database, d dialect, cfg Config, signer crypto.Signer, logger *slog.Logger, t tableNames) (*logStore, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &logStore{cfg: cfg, db: db, dialect: d, logger: logger, tables: t,
		reqs: make(chan *appendReq, 4*cfg.MaxBatch), quit: make(chan struct{}), done: make(chan struct{}),
		stale: true}
	if signer != nil {
		ns, err := NewNoteSigner(cfg.Origin, signer)
		if err != nil {
			return nil, err
		}
		s.signer = ns
		go s.run()
	} else {
		close(s.done)
	}
	return s, nil
}

func (s *logStore) base() *logStore { return s }

// Append implements [Store.Append].
func (s *logStore) Append(ctx context.Context, r *Record) (Commit, error) {
	return s.AppendWith(ctx, r, With{})
}

// AppendWith implements [Store.AppendWith].
func (s *logStore) AppendWith(ctx context.Context, r *Record, w With) (Commit, error) {
	if s.signer == nil {
		return Commit{}, ErrReadOnly
	}
	if w.Statement != nil {
		r.StatementDigest = StatementDigest(*w.Statement)
	}
	if w.Receipt != nil {
		if err := checkReceipt(*w.Receipt); err != nil {
			return Commit{}, err
		}
		rc := *w.Receipt
		if rc.ReceivedAt.IsZero() {
			rc.ReceivedAt = r.EndTime
		}
		w.Receipt = &rc
		r.ReceiptDigest = ReceiptDigest(rc)
	}
	if err := validate(r); err != nil {
		return Commit{}, err
	}
	ctx, cancel := withMargin(ctx)
	defer cancel()
	body := CanonicalBody(r)
	exp := Expiry(r).UnixMilli()
	req := &appendReq{ctx: ctx, entry: makeEntry(exp, body), body: body, subject: r.Subject, expires: exp,
		res: make(chan appendRes, 1), with: w, decisionID: r.DecisionID, flow: r.Flow, recipientOIN: r.RecipientOIN,
		startMS: r.StartTime.UnixMilli(), consentID: consentHeadOf(r)}
	select {
	case s.reqs <- req:
	case <-s.quit:
		return Commit{}, ErrClosed
	case <-ctx.Done():
		return Commit{}, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
	}
	var res appendRes
	select {
	case res = <-req.res:
	case <-s.done:
		select {
		case res = <-req.res:
		default:
			return Commit{}, ErrClosed
		}
	case <-ctx.Done():
		// The record may still be committed; the caller must not release data anyway.
		return Commit{}, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
	}
	if res.err != nil {
		return Commit{}, res.err
	}
	proof, err := tlog.ProveRecord(res.batch.size, res.index, res.batch.hashes)
	if err != nil {
		return Commit{}, fmt.Errorf("%w: inclusion proof: %v", ErrUnavailable, err)
	}
	return Commit{Index: uint64(res.index), Checkpoint: res.batch.checkpoint, Proof: fromHashes(proof),
		LeafHash: append([]byte(nil), res.leaf[:]...)}, nil
}

// Commits is the number of write transactions the store's writer has
// committed (each one fsynced, with one signed checkpoint) since it was
// opened. The node exports it as the metric schakel_audit_commits_total.
func (s *logStore) Commits() int64 { return s.batches.Load() }

// withMargin gives up a little before the caller's deadline (a quarter of the
// time left, at most a second), so that a stuck or slow store answers
// ErrUnavailable while the caller can still tell its peer that nothing was
// released, instead of both sides running into the deadline.
func withMargin(ctx context.Context) (context.Context, context.CancelFunc) {
	dl, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	margin := min(time.Until(dl)/4, time.Second)
	return context.WithDeadline(ctx, dl.Add(-margin))
}

// run is the single writer: it takes whatever is queued (up to MaxBatch, waiting at most
// BatchWindow for more) and commits it as one transaction with one signed checkpoint.
func (s *logStore) run() {
	defer close(s.done)
	var timer *time.Timer
	for {
		var first *appendReq
		select {
		case first = <-s.reqs:
		case <-s.quit:
			for {
				select {
				case r := <-s.reqs:
					r.res <- appendRes{err: ErrClosed}
				default:
					return
				}
			}
		}
		batch := []*appendReq{first}
	collect:
		for len(batch) < s.cfg.MaxBatch {
			select {
			case r := <-s.reqs:
				batch = append(batch, r)
				continue
			default:
			}
			if s.cfg.BatchWindow <= 0 {
				break
			}
			if timer == nil {
				timer = time.NewTimer(s.cfg.BatchWindow)
			} else {
				timer.Reset(s.cfg.BatchWindow)
			}
			select {
			case r := <-s.reqs:
				batch = append(batch, r)
				timer.Stop()
			case <-timer.C:
				break collect
			}
		}
		// Drop requests whose callers already gave up before being written.
		live := batch[:0]
		for _, r := range batch {
			if r.ctx.Err() != nil {
				r.res <- appendRes{err: fmt.Errorf("%w: %w", ErrUnavailable, r.ctx.Err())}
				continue
			}
			live = append(live, r)
		}
		if len(live) == 0 {
			continue
		}
		start, br, leaves, written, err := s.writeBatch(live)
		if err != nil {
			s.stale = true
			s.logger.Error("audit batch failed; records not written", "records", len(live), "err", err)
			for _, r := range live {
				r.res <- appendRes{err: fmt.Errorf("%w: %v", ErrUnavailable, err)}
			}
			continue
		}
		if len(written) > 0 {
			s.batches.Add(1)
		}
		for i, r := range written {
			r.res <- appendRes{index: start + int64(i), leaf: leaves[i], batch: br}
		}
	}
}

// writeBatch commits the records of batch, and what each depends on (With),
// in one transaction with one signed checkpoint. A request whose dependent
// rows fail is answered with that error and left out of the batch (its
// savepoint is rolled back); the others are written. It returns the requests
// written, in index order from start.
func (s *logStore) writeBatch(batch []*appendReq) (start int64, br *batchResult, leaves []tlog.Hash, written []*appendReq, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tx, err := s.db.begin(ctx) // SQLite: BEGIN IMMEDIATE (_txlock=immediate)
	if err != nil {
		return 0, nil, nil, nil, err
	}
	defer func() {
		if err != nil {
			tx.rollback()
		}
	}()
	lock := ""
	if s.dialect == dialectPostgres {
		lock = " FOR UPDATE" // one sequence across replicas: the head row is the lock
	}
	var size int64
	if err := tx.queryRow(ctx, "SELECT size FROM "+s.tables.head+" WHERE id = 1"+lock).Scan(&size); err != nil {
		return 0, nil, nil, nil, fmt.Errorf("read tree head: %w", err)
	}
	if s.stale || size != s.size {
		// Another replica appended, or a previous batch failed: reload the frontier.
		fr, err := s.loadFrontier(ctx, tx, size)
		if err != nil {
			return 0, nil, nil, nil, err
		}
		s.size, s.frontier, s.stale = size, fr, false
	}
	batch, err = s.writeDependents(ctx, tx, size, batch)
	if err != nil {
		return 0, nil, nil, nil, err
	}
	if len(batch) == 0 {
		if err := tx.commit(ctx); err != nil {
			return 0, nil, nil, nil, fmt.Errorf("commit: %w", err)
		}
		return size, nil, nil, nil, nil
	}
	mem := &memReader{m: make(map[int64]tlog.Hash, len(s.frontier)+3*len(batch)), s: s}
	for k, v := range s.frontier {
		mem.m[k] = v
	}

	var ins strings.Builder
	ins.WriteString("INSERT INTO " + s.tables.records + " (idx, entry, body, subject, expires_ms, hashes) VALUES ")
	args := make([]any, 0, 6*len(batch))
	added := make(map[int64]tlog.Hash, 3*len(batch))
	leaves = make([]tlog.Hash, len(batch))
	for i, r := range batch {
		n := size + int64(i)
		hs, err := tlog.StoredHashes(n, r.entry, mem)
		if err != nil {
			return 0, nil, nil, nil, err
		}
		base := tlog.StoredHashIndex(0, n)
		blob := make([]byte, 0, len(hs)*tlog.HashSize)
		for j, h := range hs {
			mem.m[base+int64(j)] = h
			added[base+int64(j)] = h
			blob = append(blob, h[:]...)
		}
		leaves[i] = hs[0]
		if i > 0 {
			ins.WriteString(", ")
		}
		ins.WriteString("(?, ?, ?, ?, ?, ?)")
		var subj any
		if r.subject != "" {
			subj = r.subject
		}
		args = append(args, n, r.entry, r.body, subj, r.expires, blob)
	}
	if _, err := tx.exec(ctx, s.q(ins.String()), args...); err != nil {
		return 0, nil, nil, nil, fmt.Errorf("insert records: %w", err)
	}
	newSize := size + int64(len(batch))
	root, err := tlog.TreeHash(newSize, mem)
	if err != nil {
		return 0, nil, nil, nil, err
	}
	cp, err := signCheckpoint(s.signer, Checkpoint{Origin: s.cfg.Origin, Size: uint64(newSize), Root: root[:]})
	if err != nil {
		return 0, nil, nil, nil, fmt.Errorf("sign checkpoint: %w", err)
	}
	if _, err := tx.exec(ctx, s.q("INSERT INTO "+s.tables.checkpoints+" (size, note) VALUES (?, ?)"), newSize, cp); err != nil {
		return 0, nil, nil, nil, fmt.Errorf("insert checkpoint: %w", err)
	}
	if _, err := tx.exec(ctx, s.q("UPDATE "+s.tables.head+" SET size = ? WHERE id = 1"), newSize); err != nil {
		return 0, nil, nil, nil, fmt.Errorf("update tree head: %w", err)
	}
	if err := tx.commit(ctx); err != nil {
		return 0, nil, nil, nil, fmt.Errorf("commit: %w", err)
	}
	fr := make(map[int64]tlog.Hash, 64)
	for _, idx := range frontierIndexes(newSize) {
		h, ok := mem.m[idx]
		if !ok {
			s.stale = true // cannot happen; reload next time rather than guess
			break
		}
		fr[idx] = h
	}
	s.hot.add(size, newSize, s.frontier, added)
	s.size, s.frontier = newSize, fr
	return size, &batchResult{size: newSize, checkpoint: cp, hashes: mem}, leaves, batch, nil
}

// writeDependents writes the dependent rows of each request that has any, in
// a savepoint of its own, and returns the requests that remain. A request
// whose rows fail is answered here and dropped: its record is not written.
func (s *logStore) writeDependents(ctx context.Context, t tx, size int64, batch []*appendReq) ([]*appendReq, error) {
	has := false
	for _, r := range batch {
		has = has || r.dependents()
	}
	if !has {
		return batch, nil
	}
	kept := batch[:0:0]
	for _, r := range batch {
		idx := size + int64(len(kept))
		if !r.dependents() {
			kept = append(kept, r)
			continue
		}
		if _, err := t.exec(ctx, "SAVEPOINT dep"); err != nil {
			return nil, fmt.Errorf("savepoint: %w", err)
		}
		if err := s.writeWith(ctx, t, idx, r); err != nil {
			if _, rerr := t.exec(ctx, "ROLLBACK TO SAVEPOINT dep"); rerr != nil {
				return nil, fmt.Errorf("rollback to savepoint: %w (after %v)", rerr, err)
			}
			r.res <- appendRes{err: fmt.Errorf("%w: %v", ErrUnavailable, err)}
			continue
		}
		if _, err := t.exec(ctx, "RELEASE SAVEPOINT dep"); err != nil {
			return nil, fmt.Errorf("release savepoint: %w", err)
		}
		kept = append(kept, r)
	}
	return kept, nil
}

// frontierIndexes returns the stored-hash indexes of the maximal complete subtrees that
// make up a tree of size n, largest first. Together with a batch's new hashes they are
// all the append path needs to compute hashes, the root and inclusion proofs.
func frontierIndexes(n int64) []int64 {
	var out []int64
	var start int64
	for l := 62; l >= 0; l-- {
		if n&(1<<l) != 0 {
			out = append(out, tlog.StoredHashIndex(l, start>>l))
			start += 1 << l
		}
	}
	return out
}

func (s *logStore) loadFrontier(ctx context.Context, q querier, size int64) (map[int64]tlog.Hash, error) {
	idx := frontierIndexes(size)
	hs, err := s.readStoredHashes(ctx, q, idx)
	if err != nil {
		return nil, err
	}
	m := make(map[int64]tlog.Hash, len(idx))
	for i, x := range idx {
		m[x] = hs[i]
	}
	return m, nil
}

// readStoredHashes reads tlog stored hashes from the records table: the hashes stored
// with record n are the concatenation of levels 0.. of the subtrees completed by n.
func (s *logStore) readStoredHashes(ctx context.Context, q querier, indexes []int64) ([]tlog.Hash, error) {
	if len(indexes) == 0 {
		return nil, nil
	}
	type loc struct {
		row   int64
		level int
	}
	locs := make([]loc, len(indexes))
	rows := make([]int64, 0, len(indexes))
	for i, x := range indexes {
		level, k := tlog.SplitStoredHashIndex(x)
		locs[i] = loc{row: ((k + 1) << level) - 1, level: level}
		rows = append(rows, locs[i].row)
	}
	slices.Sort(rows)
	rows = slices.Compact(rows)
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(rows)), ", ")
	args := make([]any, len(rows))
	for i, r := range rows {
		args[i] = r
	}
	rs, err := q.query(ctx, s.q("SELECT idx, hashes FROM "+s.tables.records+" WHERE idx IN ("+ph+")"), args...)
	if err != nil {
		return nil, fmt.Errorf("read hashes: %w", err)
	}
	defer rs.Close()
	blobs := make(map[int64][]byte, len(rows))
	for rs.Next() {
		var i int64
		var b []byte
		if err := rs.Scan(&i, &b); err != nil {
			return nil, err
		}
		blobs[i] = b
	}
	if err := rs.Err(); err != nil {
		return nil, err
	}
	out := make([]tlog.Hash, len(indexes))
	for i, l := range locs {
		b := blobs[l.row]
		if len(b) < (l.level+1)*tlog.HashSize {
			return nil, fmt.Errorf("stored hash of record %d level %d missing", l.row, l.level)
		}
		copy(out[i][:], b[l.level*tlog.HashSize:])
	}
	return out, nil
}

// memReader serves tlog hash reads from memory (the frontier plus a batch's new hashes),
// falling back to the database. It is read-only once its batch is committed.
type memReader struct {
	m map[int64]tlog.Hash
	s *logStore
}

func (r *memReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	var miss []int64
	for i, x := range indexes {
		h, ok := r.m[x]
		if !ok {
			miss = append(miss, x)
			continue
		}
		out[i] = h
	}
	if len(miss) == 0 {
		return out, nil
	}
	r.s.fallbackReads.Add(int64(len(miss)))
	hs, err := r.s.readStoredHashes(context.Background(), r.s.db, miss)
	if err != nil {
		return nil, err
	}
	j := 0
	for i, x := range indexes {
		if _, ok := r.m[x]; !ok {
			out[i] = hs[j]
			j++
		}
	}
	return out, nil
}

type dbReader struct {
	ctx context.Context
	s   *logStore
}

func (r dbReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	return r.s.readStoredHashes(r.ctx, r.s.db, indexes)
}

func (s *logStore) treeSize(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.queryRow(ctx, "SELECT size FROM "+s.tables.head+" WHERE id = 1").Scan(&n)
	return n, err
}

// InclusionProof implements [Store.InclusionProof].
func (s *logStore) InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error) {
	n, err := s.treeSize(ctx)
	if err != nil {
		return nil, err
	}
	if index >= size || size > uint64(n) {
		return nil, fmt.Errorf("audit: no record %d in a tree of size %d (log has %d)", index, size, n)
	}
	p, err := tlog.ProveRecord(int64(size), int64(index), dbReader{ctx, s})
	if err != nil {
		return nil, err
	}
	return fromHashes(p), nil
}

// ConsistencyProof implements [Store.ConsistencyProof].
func (s *logStore) ConsistencyProof(ctx context.Context, oldSize, newSize uint64) ([][]byte, error) {
	// Between two committed sizes the writer still holds in memory (the
	// proof a holder sends with each response): no database read.
	if 0 < oldSize && oldSize < newSize && newSize <= math.MaxInt64 {
		if p, err := s.hot.consistencyProof(int64(oldSize), int64(newSize)); err == nil {
			return fromHashes(p), nil
		}
	}
	n, err := s.treeSize(ctx)
	if err != nil {
		return nil, err
	}
	if oldSize > newSize || newSize > uint64(n) {
		return nil, fmt.Errorf("audit: no consistency proof from %d to %d (log has %d)", oldSize, newSize, n)
	}
	if oldSize == 0 || oldSize == newSize {
		return [][]byte{}, nil
	}
	p, err := tlog.ProveTree(int64(newSize), int64(oldSize), dbReader{ctx, s})
	if err != nil {
		return nil, err
	}
	return fromHashes(p), nil
}

// LatestCheckpoint implements [Store.LatestCheckpoint].
func (s *logStore) LatestCheckpoint(ctx context.Context) ([]byte, error) {
	var cp []byte
	err := s.db.queryRow(ctx, "SELECT note FROM "+s.tables.checkpoints+" ORDER BY size DESC LIMIT 1").Scan(&cp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return cp, err
}

// BySubject implements [Store.BySubject].
func (s *logStore) BySubject(ctx context.Context, subject string) ([]Stored, error) {
	if !isPseudonym(subject) {
		return nil, fmt.Errorf("%w: subject is not a pseudonym", ErrInvalidRecord)
	}
	rows, err := s.db.query(ctx, s.q("SELECT idx, entry, body FROM "+s.tables.records+
		" WHERE subject = ? AND body IS NOT NULL ORDER BY idx"), subject)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Stored
	for rows.Next() {
		var idx int64
		var entry, body []byte
		if err := rows.Scan(&idx, &entry, &body); err != nil {
			return nil, err
		}
		st, err := decodeStored(idx, entry, body)
		if err != nil {
			return nil, err
		}
		if st.Record.Subject != subject {
			return nil, fmt.Errorf("%w: record %d: subject column differs from body", ErrTampered, idx)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b Stored) int { return a.Record.StartTime.Compare(b.Record.StartTime) })
	return out, nil
}

// RecordAt implements [Store.RecordAt].
func (s *logStore) RecordAt(ctx context.Context, index uint64) (Stored, error) {
	if index > math.MaxInt64 {
		return Stored{}, fmt.Errorf("%w: index %d", ErrNoRecord, index)
	}
	var entry, body []byte
	err := s.db.queryRow(ctx, s.q("SELECT entry, body FROM "+s.tables.records+" WHERE idx = ?"), int64(index)).Scan(&entry, &body)
	switch {
	case errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows):
		return Stored{}, fmt.Errorf("%w: index %d", ErrNoRecord, index)
	case err != nil:
		return Stored{}, err
	case body == nil:
		return Stored{}, fmt.Errorf("%w: record %d was pruned", ErrNoRecord, index)
	}
	return decodeStored(int64(index), entry, body)
}

// ConsentHead implements [Store.ConsentHead].
func (s *logStore) ConsentHead(ctx context.Context, consentID string) (uint64, error) {
	var idx int64
	err := s.db.queryRow(ctx, s.q("SELECT idx FROM "+s.tables.consentHeads+" WHERE consent_id = ?"), consentID).Scan(&idx)
	if errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("%w: no record of consent %s", ErrNoRecord, consentID)
	}
	if err != nil {
		return 0, err
	}
	return uint64(idx), nil
}

// EachRecord implements [Store.EachRecord].
func (s *logStore) EachRecord(ctx context.Context, fn func(Stored) error) error {
	rows, err := s.db.query(ctx, "SELECT idx, entry, body FROM "+s.tables.records+" WHERE body IS NOT NULL ORDER BY idx")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var idx int64
		var entry, body []byte
		if err := rows.Scan(&idx, &entry, &body); err != nil {
			return err
		}
		st, err := decodeStored(idx, entry, body)
		if err != nil {
			return err
		}
		if err := fn(st); err != nil {
			return err
		}
	}
	return rows.Err()
}

func decodeStored(idx int64, entry, body []byte) (Stored, error) {
	exp, digest, ok := parseEntry(entry)
	if !ok {
		return Stored{}, fmt.Errorf("%w: record %d: malformed entry", ErrTampered, idx)
	}
	if !bytes.Equal(makeEntry(exp, body)[9:], digest) {
		return Stored{}, fmt.Errorf("%w: record %d: body does not match its entry", ErrTampered, idx)
	}
	r, err := decodeBody(body)
	if err != nil {
		return Stored{}, fmt.Errorf("%w: record %d: %v", ErrTampered, idx, err)
	}
	lh := tlog.RecordHash(entry)
	return Stored{Index: uint64(idx), LeafHash: lh[:], Record: r}, nil
}

// Prune implements [Store.Prune].
func (s *logStore) Prune(ctx context.Context, now time.Time) (int64, error) {
	return s.db.exec(ctx, s.q("UPDATE "+s.tables.records+
		" SET body = NULL, subject = NULL WHERE expires_ms <= ? AND body IS NOT NULL"), now.UnixMilli())
}

// StatementOf returns the signed statement stored with the record at idx
// (ok false when none is stored).
func (s *logStore) StatementOf(ctx context.Context, idx uint64) (st Statement, ok bool, err error) {
	err = s.db.queryRow(ctx, s.q("SELECT statement, signature, signer_key FROM "+s.tables.statements+" WHERE idx = ?"), int64(idx)).
		Scan(&st.Bytes, &st.Signature, &st.SignerKey)
	if errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows) {
		return Statement{}, false, nil
	}
	return st, err == nil, err
}

// Receipts implements [Store.Receipts].
func (s *logStore) Receipts(ctx context.Context) ([]Receipt, error) {
	rows, err := s.db.query(ctx, "SELECT decision_id, payload_digest, holder_origin, holder_key, holder_index, leaf_hash, proof, checkpoint, signature, local_index, received_ms FROM "+
		s.tables.receipts+" ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Receipt
	for rows.Next() {
		var rc Receipt
		var hi, li, ms int64
		var proof []byte
		if err := rows.Scan(&rc.DecisionID, &rc.PayloadDigest, &rc.HolderOrigin, &rc.HolderKey, &hi, &rc.Commit.LeafHash,
			&proof, &rc.Commit.Checkpoint, &rc.Signature, &li, &ms); err != nil {
			return nil, err
		}
		rc.Commit.Index, rc.LocalIndex, rc.ReceivedAt = uint64(hi), uint64(li), time.UnixMilli(ms).UTC()
		rc.Commit.Proof = [][]byte{}
		for len(proof) >= tlog.HashSize {
			rc.Commit.Proof = append(rc.Commit.Proof, proof[:tlog.HashSize])
			proof = proof[tlog.HashSize:]
		}
		if len(proof) != 0 {
			rc.Commit.Proof = append(rc.Commit.Proof, proof) // fails verification
		}
		out = append(out, rc)
	}
	return out, rows.Err()
}

// Close stops the writer (pending appends fail with ErrClosed) and closes the database.
func (s *logStore) Close() error {
	s.closeOnce.Do(func() { close(s.quit) })
	<-s.done
	s.bg.Wait()
	return s.db.close()
}
