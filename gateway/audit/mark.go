package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// MarkFile is the name of the high-water mark file in a node's data folder.
const MarkFile = "audit.mark"

// ErrBelowMark means the audit log is shorter than, or inconsistent with, a
// checkpoint this node signed (its high-water mark): records were deleted
// from its end, or the database was put back to an older copy.
var ErrBelowMark = errors.New("audit: log is behind the node's high-water mark")

// ErrNoMark means no high-water mark file exists next to a non-empty log.
var ErrNoMark = errors.New("audit: no high-water mark")

// ReadMark reads the high-water mark at path: the latest signed checkpoint of
// this node's own log that it knows of.
func ReadMark(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s does not exist", ErrNoMark, path)
	}
	return b, err
}

// WriteMark replaces the mark at path atomically and durably (a temporary
// file, fsync, rename, fsync of the folder).
func WriteMark(path string, checkpoint []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".audit.mark-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(checkpoint); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// CheckMark checks the log in st against the mark (a checkpoint signed by a
// key of keys under origin): the log must be at least as long as the mark and
// have the mark's root at the mark's size. It returns an error wrapping
// ErrBelowMark naming the sizes when not, and the mark's checkpoint when so.
// An empty mark (nil) is no constraint.
func CheckMark(ctx context.Context, st Store, keys KeyRing, origin string, mark []byte) (Checkpoint, error) {
	if len(mark) == 0 {
		return Checkpoint{}, nil
	}
	b, ok := st.(interface{ base() *logStore })
	if !ok {
		return Checkpoint{}, ErrForeignStore
	}
	s := b.base()
	m, err := keys.Open(origin, mark, time.Time{})
	if err != nil {
		return Checkpoint{}, fmt.Errorf("audit: high-water mark: %w", err)
	}
	n, err := s.treeSize(ctx)
	if err != nil {
		return m, err
	}
	var stored int64
	if err := s.db.queryRow(ctx, s.q("SELECT COUNT(*) FROM "+s.tables.records+" WHERE idx < ?"), int64(m.Size)).Scan(&stored); err != nil {
		return m, err
	}
	if uint64(n) < m.Size || uint64(stored) < m.Size {
		return m, fmt.Errorf("%w: the log holds %d records (tree head %d), but this node signed checkpoint %d: "+
			"records were deleted from its end or the database was restored from an older copy", ErrBelowMark, stored, n, m.Size)
	}
	root, err := tlog.TreeHash(int64(m.Size), dbReader{ctx, s})
	if err != nil {
		return m, fmt.Errorf("%w: tree of size %d unreadable: %v", ErrBelowMark, m.Size, err)
	}
	if !bytes.Equal(root[:], m.Root) {
		return m, fmt.Errorf("%w: the first %d records do not have the root this node signed at that size: the log was rewritten or forked", ErrBelowMark, m.Size)
	}
	return m, nil
}

// Marker keeps a node's high-water mark file up to date with the latest
// checkpoint of its log, off the append path: Run writes it every interval
// when the log grew (one fsync per interval, not per exchange) and on stop.
// Raise moves it forward at once to a checkpoint of this log that a peer
// handed back and that this node's log does not reach (so that the node
// refuses to start on that log again).
type Marker struct {
	Path   string
	Store  Store
	Origin string
	Keys   KeyRing

	mu   sync.Mutex
	size uint64
}

// Start checks the log against the mark file (refusing a log behind it) and
// then raises the mark to the log's latest checkpoint. A missing mark file is
// created from the log.
func (mk *Marker) Start(ctx context.Context) error {
	if _, ok := mk.Store.(interface{ base() *logStore }); !ok {
		return ErrForeignStore
	}
	mark, err := ReadMark(mk.Path)
	if err != nil && !errors.Is(err, ErrNoMark) {
		return err
	}
	c, err := CheckMark(ctx, mk.Store, mk.Keys, mk.Origin, mark)
	if err != nil {
		return err
	}
	mk.mu.Lock()
	mk.size = c.Size
	mk.mu.Unlock()
	return mk.Sync(ctx)
}

// Sync writes the latest checkpoint of the log to the mark file if it is
// beyond the mark.
func (mk *Marker) Sync(ctx context.Context) error {
	cp, err := mk.Store.LatestCheckpoint(ctx)
	if err != nil || cp == nil {
		return err
	}
	c, err := ParseCheckpoint(cp)
	if err != nil {
		return err
	}
	return mk.raise(c.Size, cp)
}

func (mk *Marker) raise(size uint64, cp []byte) error {
	mk.mu.Lock()
	defer mk.mu.Unlock()
	if size <= mk.size {
		return nil
	}
	if err := WriteMark(mk.Path, cp); err != nil {
		return fmt.Errorf("audit: high-water mark: %w", err)
	}
	mk.size = size
	return nil
}

// Raise takes a checkpoint of this node's own log that a peer handed back.
// When it is signed by a key of mk.Keys and beyond the mark, the mark moves to
// it. It returns an error wrapping ErrBelowMark when this log does not reach
// or does not contain that checkpoint (a rollback or fork of this node's own
// log that the peer noticed), nil otherwise (also for a checkpoint that does
// not verify: that is the peer's problem, not evidence about this log).
func (mk *Marker) Raise(ctx context.Context, cp []byte) error {
	c, err := mk.Keys.Open(mk.Origin, cp, time.Time{})
	if err != nil {
		return nil
	}
	b, ok := mk.Store.(interface{ base() *logStore })
	if !ok {
		return nil
	}
	s := b.base()
	n, err := s.treeSize(ctx)
	if err != nil {
		return nil
	}
	var below error
	if uint64(n) < c.Size {
		below = fmt.Errorf("%w: a peer holds checkpoint %d of this log, which has only %d records", ErrBelowMark, c.Size, n)
	} else if root, err := tlog.TreeHash(int64(c.Size), dbReader{ctx, s}); err == nil && !bytes.Equal(root[:], c.Root) {
		below = fmt.Errorf("%w: a peer holds checkpoint %d of this log with another root than this log has", ErrBelowMark, c.Size)
	}
	if below != nil {
		if err := mk.raise(c.Size, cp); err != nil {
			s.logger.Error("high-water mark not raised", "err", err)
		}
		s.logger.Error("this node's own audit log is behind a checkpoint it signed (seen by a peer)", "err", below)
	}
	return below
}

// Run syncs the mark every interval until ctx is done, then once more.
func (mk *Marker) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if err := mk.Sync(ctx); err != nil && ctx.Err() == nil {
				if b, ok := mk.Store.(interface{ base() *logStore }); ok {
					b.base().logger.Warn("high-water mark not written", "err", err)
				}
			}
		case <-ctx.Done():
			_ = mk.Sync(context.Background())
			return
		}
	}
}
