package main

import (
	"context"
	"crypto"
	"fmt"
	"github.com/schakel/schakel/gateway/identity"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// scaling compares two holder replicas of one organisation, sharing one
// PostgreSQL audit store, behind a client-side round robin, with one replica
// alone, at concurrency 64 (interleaved rounds).
type scaling struct {
	Store     string       `json:"store,omitempty"`
	Schema    string       `json:"schema,omitempty"`
	One       loadResult   `json:"one_replica"`
	Two       loadResult   `json:"two_replicas"`
	Ratio     float64      `json:"qps_two_over_one"`
	Runs      []loadResult `json:"runs,omitempty"`
	RSSMiB    []float64    `json:"replica_vmhwm_mib,omitempty"`
	Error     string       `json:"error,omitempty"`
	Transport string       `json:"transport,omitempty"`
}

func runScaling(ctx context.Context, o options, bin, _, anchors, bsn string) (*scaling, error) {
	pc, err := pgx.Connect(ctx, o.pg)
	if err != nil {
		return nil, fmt.Errorf("postgres %s: %w", o.pg, err)
	}
	defer pc.Close(context.Background())
	schema := fmt.Sprintf("bench_%d", time.Now().UnixNano())
	defer func() {
		_, _ = pc.Exec(context.Background(), `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`)
	}()
	sc := &scaling{Store: o.pg, Schema: schema,
		Transport: "load generator → holder peer API directly (mutual TLS as the recipient organisation), one connection per replica"}
	fmt.Printf("scaling: holder replicas on PostgreSQL (schema %s), c64, one replica vs two (round robin)\n", schema)
	// The recipient only needs to be in the holders' directory.
	peerDir := &nodeSpec{org: zorg, peer: freePort()}
	var reps []*nodeSpec
	defer func() {
		for _, r := range reps {
			r.proc.stop()
		}
	}()
	for i := range 2 {
		n := newNode(school, fmt.Sprintf("replica%d", i+1))
		n.auditStore, n.auditSchema = o.pg, schema
		n.peers = []*nodeSpec{peerDir}
		if err := startNode(ctx, bin, n, anchors); err != nil {
			return nil, err
		}
		reps = append(reps, n)
		// Consents live in each replica's own SQLite file; register on both.
		if err := registerConsent(ctx, n, anchors, bsn); err != nil {
			return nil, err
		}
	}
	zorgKey, err := identity.LoadKeyPair(filepath.Join(zorg.dir, zorg.oin+".pem"), filepath.Join(zorg.dir, zorg.oin+".key"))
	if err != nil {
		return nil, err
	}
	var calls []func(context.Context) error
	for _, n := range reps {
		c, err := n.dialPeer(zorg, anchors)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		call := peerCall(c, bsn, zorgKey.PrivateKey.(crypto.Signer))
		if err := waitFor(func() error { return call(ctx) }); err != nil {
			return nil, fmt.Errorf("replica %s: %w (log %s)", n.instance, err, filepath.Join(n.dir(), "node.log"))
		}
		calls = append(calls, call)
	}
	var next atomic.Uint64
	roundRobin := func(ctx context.Context) error { return calls[next.Add(1)%uint64(len(calls))](ctx) }
	var one, two []loadResult
	for round := range o.rounds {
		order := []string{"one", "two"}
		if round%2 == 1 {
			order = []string{"two", "one"}
		}
		for _, t := range order {
			var r loadResult
			if t == "one" {
				r = drive("1 replica", 64, o.warm, o.dur, calls[0])
				one = append(one, r)
			} else {
				r = drive("2 replica", 64, o.warm, o.dur, roundRobin)
				two = append(two, r)
			}
			fmt.Println("  " + r.String())
			sc.Runs = append(sc.Runs, r)
		}
	}
	sc.One, sc.Two = merge(one), merge(two)
	sc.Ratio = sc.Two.QPS / sc.One.QPS
	for _, n := range reps {
		if v, err := vmHWM(n.proc.pid()); err == nil {
			sc.RSSMiB = append(sc.RSSMiB, float64(v)/1024)
		}
	}
	fmt.Printf("  two replicas / one: %.2f× throughput\n", sc.Ratio)
	return sc, nil
}
