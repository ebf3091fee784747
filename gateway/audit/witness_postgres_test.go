package audit

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestPostgresWitness: the witness state lives in the PostgreSQL schema too,
// moves only forward, and keeps its alarms across a reopen.
func TestPostgresWitness(t *testing.T) {
	ctx := context.Background()
	url := pgURL(t)
	schema := pgSchema(t, url)
	open := func() (*PostgresStore, *Witness) {
		st, err := OpenPostgres(ctx, url, Config{Origin: "schakel.audit/00000001000000000002", Schema: schema}, newKey(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		w, err := OpenWitness(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		return st, w
	}
	key := newKey(t)
	holder := openTest(t, key)
	appendRange(t, holder, 0, 6, "")
	st, w := open()
	if err := witnessAsk(t, w, holder, key); err != nil {
		t.Fatal(err)
	}
	replica, other := open() // a second replica of the recipient, same schema
	defer replica.Close()
	appendRange(t, holder, 6, 9, "")
	if err := witnessAsk(t, w, holder, key); err != nil {
		t.Fatal(err)
	}
	if c, err := ParseCheckpoint(other.Last(peerOIN)); err != nil || c.Size != 9 {
		t.Fatalf("the other replica names %+v (%v), want size 9 (what the first one verified)", c, err)
	}
	short := openTest(t, key)
	appendRange(t, short, 0, 4, "")
	if err := witnessAsk(t, w, short, key); !errors.Is(err, ErrPeerRolledBack) {
		t.Fatalf("shorter log: %v", err)
	}
	st.Close()
	st, w = open()
	defer st.Close()
	s := w.Status()
	if len(s) != 1 || s[0].Size != 9 || s[0].Alarm != AlarmRolledBack || s[0].Alarms != 1 {
		t.Fatalf("status after reopen: %+v", s)
	}
	list, err := ReadWitness(ctx, st)
	if err != nil || len(list) != 1 || list[0].Size != 9 {
		t.Fatalf("ReadWitness: %+v %v", list, err)
	}
}

// TestPostgresMarkCatchesTailDeletion: the high-water mark check on a
// PostgreSQL store.
func TestPostgresMarkCatchesTailDeletion(t *testing.T) {
	ctx := context.Background()
	url := pgURL(t)
	schema := pgSchema(t, url)
	key := newKey(t)
	st, err := OpenPostgres(ctx, url, Config{Origin: testOrigin, Schema: schema}, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mk := &Marker{Path: filepath.Join(t.TempDir(), MarkFile), Store: st, Origin: testOrigin, Keys: SingleKey(&key.PublicKey)}
	appendRange(t, st, 0, 5, "")
	if err := mk.Start(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for _, q := range []string{`DELETE FROM "` + schema + `".records WHERE idx >= 3`, `DELETE FROM "` + schema + `".checkpoints WHERE size > 3`,
		`UPDATE "` + schema + `".head SET size = 3`} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	mark, _ := ReadMark(mk.Path)
	if _, err := CheckMark(ctx, st, mk.Keys, testOrigin, mark); !errors.Is(err, ErrBelowMark) || !strings.Contains(err.Error(), "holds 3 records") {
		t.Fatalf("CheckMark after tail deletion: %v", err)
	}
}
