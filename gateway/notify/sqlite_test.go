package notify

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestSQLiteStoreSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "notify.db")
	s, err := OpenSQLite(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.UnixMilli(time.Now().UnixMilli()).UTC()
	o := Outgoing{ID: "n1", IdempotencyKey: "key-0001", RequestDigest: "sha256:x", RecipientOIN: "00000001000000000003",
		Purpose: "p", BSN: "111222333", Record: []byte{1}, Decision: []byte{2}, TraceID: "00", State: StateQueued,
		CreatedAt: now, UpdatedAt: now, NextAttempt: now}
	if _, created, err := s.Enqueue(ctx, o); err != nil || !created {
		t.Fatalf("Enqueue: created=%v err=%v", created, err)
	}
	o2 := o
	o2.ID = "n2"
	got, created, err := s.Enqueue(ctx, o2)
	if err != nil || created || got.ID != "n1" {
		t.Fatalf("Enqueue same key: id=%s created=%v err=%v; want n1, false", got.ID, created, err)
	}
	in := Incoming{ID: "r1", SenderOIN: "00000001000000000001", IdempotencyKey: "key-0001", Record: []byte{3},
		Decision: []byte{4}, Proof: []byte{5}, PayloadDigest: "sha256:y", ReceiptSignature: []byte{6}, ReceivedAt: now}
	if _, dup, err := s.Receive(ctx, in); err != nil || dup {
		t.Fatalf("Receive: dup=%v err=%v", dup, err)
	}
	s.Close()

	s, err = OpenSQLite(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	due, err := s.Due(ctx, o.RecipientOIN, now, 10)
	if err != nil || len(due) != 1 || due[0].ID != "n1" || due[0].BSN != o.BSN {
		t.Fatalf("Due after reopen = %+v, %v", due, err)
	}
	in2 := in
	in2.ID = "r2"
	got2, dup, err := s.Receive(ctx, in2)
	if err != nil || !dup || got2.ID != "r1" {
		t.Fatalf("Receive same key after reopen: id=%s dup=%v err=%v; want r1, true", got2.ID, dup, err)
	}
	pulled, err := s.Pull(ctx, 10)
	if err != nil || len(pulled) != 1 {
		t.Fatalf("Pull = %d, %v", len(pulled), err)
	}
	if err := s.Ack(ctx, "r1", now); err != nil {
		t.Fatal(err)
	}
	if err := s.Ack(ctx, "r1", now); err != nil {
		t.Errorf("second Ack: %v", err)
	}
	if err := s.Ack(ctx, "nope", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("Ack unknown: %v, want ErrNotFound", err)
	}
	if pulled, _ := s.Pull(ctx, 10); len(pulled) != 0 {
		t.Errorf("Pull after Ack = %d, want 0", len(pulled))
	}
	// Delivered: final, payload cleared, no longer due.
	o.State, o.RemoteID = StateDelivered, "r1"
	if err := s.Update(ctx, o); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, o); !errors.Is(err, ErrNotFound) {
		t.Errorf("Update of a final notification: %v, want ErrNotFound", err)
	}
	final, err := s.Outgoing(ctx, "n1")
	if err != nil || final.State != StateDelivered || final.BSN != "" || final.Record != nil {
		t.Errorf("delivered row = %+v, %v; want state delivered and payload cleared", final, err)
	}
	if due, _ := s.Due(ctx, o.RecipientOIN, now.Add(time.Hour), 10); len(due) != 0 {
		t.Errorf("Due after delivery = %d, want 0", len(due))
	}
}
