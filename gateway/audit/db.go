package audit

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
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

// pgPool is pgx's own connection pool (pgxpool) behind the database
// interface.
type pgPool struct{ p *pgxpool.Pool }

func newPgPool(ctx context.Context, url string, maxConns int) (*pgPool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = int32(maxConns)
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &pgPool{p: p}, nil
}

func (p *pgPool) close() error {
	p.p.Close()
	return nil
}

// pgQuerier runs statements on a pool or a transaction.
type pgQuerier struct {
	c interface {
		Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
		Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
		QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	}
}

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
	return pgQuerier{p.p}.exec(ctx, s, args...)
}

func (p *pgPool) query(ctx context.Context, s string, args ...any) (rows, error) {
	return pgQuerier{p.p}.query(ctx, s, args...)
}

func (p *pgPool) queryRow(ctx context.Context, s string, args ...any) row {
	return p.p.QueryRow(ctx, s, args...)
}

func (p *pgPool) begin(ctx context.Context) (tx, error) {
	t, err := p.p.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &pgTx{pgQuerier: pgQuerier{t}, t: t}, nil
}

type pgTx struct {
	pgQuerier
	t pgx.Tx
}

func (t *pgTx) commit(ctx context.Context) error { return t.t.Commit(ctx) }

func (t *pgTx) rollback() { _ = t.t.Rollback(context.Background()) }
