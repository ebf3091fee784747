package audit

import (
	"context"
	"errors"
	"testing"
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
