package audit

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5"
)

// database is the little of a SQL database the log needs. SQLite goes through
// database/sql; PostgreSQL through pgx directly with a small connection pool (pgx's
// database/sql adapter would pull in its pool package, which this module does not carry).
type database interface {
	querier
	begin(ctx context.Context) (tx, error)
	close() error
}

type querier interface {
	exec(ctx context.Context, q string, args ...any) (int64, error)
	query(ctx context.Context, q string, args ...any) (rows, error)
	queryRow(ctx context.Context, q string, args ...any) row
}

type tx interface {
	querier
	commit(ctx context.Context) error
	rollback()
}

type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

type row interface{ Scan(dest ...any) error }

// ---- database/sql (SQLite) ----

type stdDB struct{ db *sql.DB }

type stdQ interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

type stdQuerier struct{ q stdQ }

func (s stdQuerier) exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := s.q.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (s stdQuerier) query(ctx context.Context, q string, args ...any) (rows, error) {
	r, err := s.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return stdRows{r}, nil
}

func (s stdQuerier) queryRow(ctx context.Context, q string, args ...any) row {
	return s.q.QueryRowContext(ctx, q, args...)
}

type stdRows struct{ *sql.Rows }

func (r stdRows) Close() { _ = r.Rows.Close() }

func (d stdDB) exec(ctx context.Context, q string, args ...any) (int64, error) {
	return stdQuerier{d.db}.exec(ctx, q, args...)
}
func (d stdDB) query(ctx context.Context, q string, args ...any) (rows, error) {
	return stdQuerier{d.db}.query(ctx, q, args...)
}
func (d stdDB) queryRow(ctx context.Context, q string, args ...any) row {
	return stdQuerier{d.db}.queryRow(ctx, q, args...)
}
func (d stdDB) close() error { return d.db.Close() }

func (d stdDB) begin(ctx context.Context) (tx, error) {
	t, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return stdTx{stdQuerier{t}, t}, nil
}

type stdTx struct {
	stdQuerier
	t *sql.Tx
}

func (t stdTx) commit(context.Context) error { return t.t.Commit() }
func (t stdTx) rollback()                    { _ = t.t.Rollback() }

// ---- pgx (PostgreSQL) ----

type pgPool struct {
	cfg  *pgx.ConnConfig
	idle chan *pgx.Conn
	sem  chan struct{} // one token per open connection
	done chan struct{}
}

func newPgPool(url string, max int) (*pgPool, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	return &pgPool{cfg: cfg, idle: make(chan *pgx.Conn, max), sem: make(chan struct{}, max), done: make(chan struct{})}, nil
}

var errPoolClosed = errors.New("audit: postgres pool closed")

func (p *pgPool) acquire(ctx context.Context) (*pgx.Conn, error) {
	select {
	case c := <-p.idle:
		return c, nil
	default:
	}
	select {
	case c := <-p.idle:
		return c, nil
	case p.sem <- struct{}{}:
		c, err := pgx.ConnectConfig(ctx, p.cfg)
		if err != nil {
			<-p.sem
			return nil, err
		}
		return c, nil
	case <-p.done:
		return nil, errPoolClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *pgPool) release(c *pgx.Conn) {
	select {
	case <-p.done:
		_ = c.Close(context.Background())
		<-p.sem
		return
	default:
	}
	if c.IsClosed() || c.PgConn().TxStatus() != 'I' {
		_ = c.Close(context.Background())
		<-p.sem
		return
	}
	p.idle <- c
}

func (p *pgPool) close() error {
	close(p.done)
	for {
		select {
		case c := <-p.idle:
			_ = c.Close(context.Background())
			<-p.sem
		default:
			return nil
		}
	}
}

type pgQuerier struct{ c *pgx.Conn }

func (q pgQuerier) exec(ctx context.Context, s string, args ...any) (int64, error) {
	tag, err := q.c.Exec(ctx, s, args...)
	return tag.RowsAffected(), err
}
func (q pgQuerier) query(ctx context.Context, s string, args ...any) (rows, error) {
	r, err := q.c.Query(ctx, s, args...)
	if err != nil {
		return nil, err
	}
	return r, nil
}
func (q pgQuerier) queryRow(ctx context.Context, s string, args ...any) row {
	return q.c.QueryRow(ctx, s, args...)
}

func (p *pgPool) exec(ctx context.Context, s string, args ...any) (int64, error) {
	c, err := p.acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer p.release(c)
	return pgQuerier{c}.exec(ctx, s, args...)
}

type pgRows struct {
	pgx.Rows
	release func()
}

func (r *pgRows) Close() {
	r.Rows.Close()
	if r.release != nil {
		r.release()
		r.release = nil
	}
}

func (p *pgPool) query(ctx context.Context, s string, args ...any) (rows, error) {
	c, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	r, err := c.Query(ctx, s, args...)
	if err != nil {
		p.release(c)
		return nil, err
	}
	return &pgRows{Rows: r, release: func() { p.release(c) }}, nil
}

type rowFunc func(dest ...any) error

func (f rowFunc) Scan(dest ...any) error { return f(dest...) }

func (p *pgPool) queryRow(ctx context.Context, s string, args ...any) row {
	return rowFunc(func(dest ...any) error {
		c, err := p.acquire(ctx)
		if err != nil {
			return err
		}
		defer p.release(c)
		return c.QueryRow(ctx, s, args...).Scan(dest...)
	})
}

func (p *pgPool) begin(ctx context.Context) (tx, error) {
	c, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	t, err := c.Begin(ctx)
	if err != nil {
		p.release(c)
		return nil, err
	}
	return &pgTx{pgQuerier: pgQuerier{c}, t: t, release: func() { p.release(c) }}, nil
}

type pgTx struct {
	pgQuerier
	t       pgx.Tx
	release func()
}

func (t *pgTx) commit(ctx context.Context) error {
	err := t.t.Commit(ctx)
	if t.release != nil {
		t.release()
		t.release = nil
	}
	return err
}

func (t *pgTx) rollback() {
	if t.release == nil {
		return
	}
	_ = t.t.Rollback(context.Background())
	t.release()
	t.release = nil
}
