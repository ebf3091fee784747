package node_test

import (
	"context"
	"crypto"
	"database/sql"
	"errors"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	_ "modernc.org/sqlite"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/gateway/server"
	"github.com/schakel/schakel/internal/testnode"
	"github.com/schakel/schakel/policy"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// faultyAudit is the node's real audit store with injectable Append failures.
type faultyAudit struct {
	audit.Store
	fail    atomic.Pointer[error]
	appends atomic.Int64 // successful appends
	// onAppend, when set, sees every record after it is durable.
	onAppend func(*audit.Record)
}

func (a *faultyAudit) Append(ctx context.Context, r *audit.Record) (audit.Commit, error) {
	return a.AppendWith(ctx, r, audit.With{})
}

func (a *faultyAudit) AppendWith(ctx context.Context, r *audit.Record, w audit.With) (audit.Commit, error) {
	if p := a.fail.Load(); p != nil {
		return audit.Commit{}, *p
	}
	c, err := a.Store.AppendWith(ctx, r, w)
	if err == nil {
		a.appends.Add(1)
		if a.onAppend != nil {
			a.onAppend(r)
		}
	}
	return c, err
}

func (a *faultyAudit) set(err error) {
	if err == nil {
		a.fail.Store(nil)
		return
	}
	a.fail.Store(&err)
}

// withFaultyAudit opens the holder's real audit store (from its configuration)
// behind a faultyAudit.
func withFaultyAudit(t *testing.T, fa *faultyAudit) func(*config.Config, *node.Options) {
	return func(cfg *config.Config, o *node.Options) {
		kp, err := identity.LoadKeyPair(cfg.Identity.Cert, cfg.Identity.Key)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			t.Fatal(err)
		}
		st, err := node.OpenAudit(context.Background(), cfg, kp.PrivateKey.(crypto.Signer), nil)
		if err != nil {
			t.Fatal(err)
		}
		fa.Store = st
		o.Audit = fa
	}
}

// TestAuditStoreFaultsReleaseNothing: when the holder's audit store fails,
// is full, or is stuck behind another writer's lock, the recipient's system
// gets Unavailable with reason AUDIT_UNAVAILABLE and no record; nothing is
// recorded as received, no obligation arises. (The holder does fetch the
// released categories before the append, since the audit record commits to
// the payload digest; nothing of it leaves.) Once the store recovers, the
// same request is released: the setup itself does release.
func TestAuditStoreFaultsReleaseNothing(t *testing.T) {
	cases := []struct {
		name string
		// commitsLate: the append may still commit after the caller gave up
		// (a record without a release, never the reverse).
		commitsLate bool
		// inject starts the fault and returns a function that ends it.
		inject func(t *testing.T, fa *faultyAudit, school *testnode.Node) func()
	}{
		{"failing store", false, func(_ *testing.T, fa *faultyAudit, _ *testnode.Node) func() {
			fa.set(errors.New("sqlite: disk I/O error (SQLITE_IOERR_FSYNC)"))
			return func() { fa.set(nil) }
		}},
		{"full disk", false, func(_ *testing.T, fa *faultyAudit, school *testnode.Node) func() {
			fa.set(&os.PathError{Op: "write", Path: school.Config.Audit.Store + "-wal", Err: syscall.ENOSPC})
			return func() { fa.set(nil) }
		}},
		{"slow store (another writer holds the lock past the deadline)", true, func(t *testing.T, _ *faultyAudit, school *testnode.Node) func() {
			// A real lock on the real SQLite file: the store's writer waits
			// for it (busy_timeout) longer than the request may take.
			db, err := sql.Open("sqlite", school.Config.Audit.Store)
			if err != nil {
				t.Fatal(err)
			}
			db.SetMaxOpenConns(1)
			tx, err := db.Begin()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec("INSERT INTO checkpoints(size, note) VALUES (-1, x'00')"); err != nil {
				t.Fatalf("take the write lock: %v", err)
			}
			return func() { tx.Rollback(); db.Close() }
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := fixtureSource(t)
			fa := &faultyAudit{}
			f := testnode.New(t)
			school := f.Start(testnode.School, []testnode.Org{testnode.Zorg}, func(c *config.Config, o *node.Options) {
				withFaultyAudit(t, fa)(c, o)
				o.Decider = allowDecider{}
				o.Source = src
			})
			zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.School}, func(c *config.Config, _ *node.Options) {
				c.Limits.RequestTimeout = config.Duration(4 * time.Second)
			})
			bas := testnode.Child(t, "Bas")
			req := &localv1.RequestRecordRequest{
				HolderOin: school.Org.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: bas.BSN,
				Categories: []string{"verzuim", "opp"}, Role: "jeugdhulpverlener", Relation: true,
			}
			end := tc.inject(t, fa, school)
			resp, err := zorg.Local.RequestRecord(context.Background(), req)
			if status.Code(err) != codes.Unavailable || server.Reason(err) != "AUDIT_UNAVAILABLE" {
				end()
				t.Fatalf("err = %v (reason %q), want Unavailable AUDIT_UNAVAILABLE; response %v", err, server.Reason(err), resp)
			}
			if resp.GetRecord() != nil {
				t.Errorf("a record was released: %v", resp.GetRecord())
			}
			if recs, _ := zorg.Node.AuditRecords(context.Background(), bas.BSN); len(recs) != 0 {
				t.Errorf("the recipient recorded %d receipts of a release that did not happen", len(recs))
			}
			obs, err := school.Local.ListObligations(context.Background(), &localv1.ListObligationsRequest{})
			if err != nil || len(obs.GetObligations()) != 0 {
				t.Errorf("obligations after an unaudited request: %v, %v", obs.GetObligations(), err)
			}
			for _, r := range holderRecords(t, school, bas.BSN) {
				if r.Allow && !tc.commitsLate {
					t.Errorf("holder audit holds a release record %s for a failed append", r.DecisionID)
				}
			}

			end()
			resp, err = zorg.Local.RequestRecord(context.Background(), req)
			if err != nil || resp.GetRecord() == nil {
				t.Fatalf("after recovery: %v, %v", resp, err)
			}
			if recs := auditRecords(t, school, bas.BSN, resp.GetDecision().GetDecisionId()); len(recs) != 1 || !recs[0].Allow {
				t.Errorf("after recovery: holder records for the release = %+v", recs)
			}
		})
	}
}

// holderRecords lists the holder's audit records about a child.
func holderRecords(t *testing.T, n *testnode.Node, bsn string) []audit.Record {
	t.Helper()
	stored, err := n.Node.AuditRecords(context.Background(), bsn)
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Record
	for _, s := range stored {
		out = append(out, s.Record)
	}
	return out
}

// brokenDecider is a policy engine that fails, and returns an allow next to
// its error: the holder must not trust a decision that came with an error.
type brokenDecider struct{}

func (brokenDecider) Decide(_ context.Context, in policy.Input) (policy.Decision, error) {
	flow := "A1"
	return policy.Decision{Allow: true, Flow: &flow, Categories: in.Categories, DecisionID: randomID()},
		errors.New("opa: eval_conflict_error: complete rules must not produce multiple outputs")
}

// TestPolicyEngineErrorDenies: an engine failure is a denial with reason
// POLICY_UNAVAILABLE, audited as a failed decision; the source is not asked
// for the child's record and nothing is released.
func TestPolicyEngineErrorDenies(t *testing.T) {
	src := fixtureSource(t)
	_, school, zorg := twoNodes(t, func(_ *config.Config, o *node.Options) {
		o.Decider = brokenDecider{}
		o.Source = src
	})
	bas := testnode.Child(t, "Bas")
	resp, err := zorg.Local.RequestRecord(context.Background(), &localv1.RequestRecordRequest{
		HolderOin: school.Org.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: bas.BSN,
		Categories: []string{"verzuim"}, Role: "jeugdhulpverlener", Relation: true,
	})
	if err != nil {
		t.Fatalf("RequestRecord: %v (an engine failure is a denial, not an error)", err)
	}
	d := resp.GetDecision()
	if d.GetAllow() || resp.GetRecord() != nil {
		t.Fatalf("released on an engine failure: %v", resp)
	}
	if len(d.GetReasons()) != 1 || d.GetReasons()[0].GetCode() != "POLICY_UNAVAILABLE" {
		t.Errorf("reasons = %v, want POLICY_UNAVAILABLE", d.GetReasons())
	}
	if n := src.records.Load(); n != 0 {
		t.Errorf("the source was asked for the record %d times", n)
	}
	recs := holderRecords(t, school, bas.BSN)
	if len(recs) != 1 || recs[0].Allow || recs[0].StatusCode != 2 || len(recs[0].ReasonCodes) != 1 || recs[0].ReasonCodes[0] != "POLICY_UNAVAILABLE" {
		t.Errorf("holder audit records = %+v, want one failed denial with POLICY_UNAVAILABLE", recs)
	}
}

// TestDenialWithoutFlowIsAudited: a denial that matched no flow carries no
// retention from the pack; it is still audited on both sides (with the
// fallback retention) and answered as a denial, not as an audit failure.
func TestDenialWithoutFlowIsAudited(t *testing.T) {
	_, school, zorg := twoNodes(t, nil)
	bas := testnode.Child(t, "Bas")
	resp, err := zorg.Local.RequestRecord(context.Background(), &localv1.RequestRecordRequest{
		HolderOin: school.Org.OIN, Purpose: "nieuwsgierigheid", Bsn: bas.BSN,
		Categories: []string{"verzuim"}, Role: "jeugdhulpverlener",
	})
	if err != nil {
		t.Fatalf("RequestRecord: %v", err)
	}
	if resp.GetDecision().GetAllow() || resp.GetDecision().GetFlow() != "" {
		t.Fatalf("decision = %v, want a denial without a flow", resp.GetDecision())
	}
	for _, n := range []*testnode.Node{school, zorg} {
		recs := auditRecords(t, n, bas.BSN, resp.GetDecision().GetDecisionId())
		if len(recs) != 1 || recs[0].Allow || recs[0].RetentionDays != audit.FallbackRetentionDays {
			t.Errorf("%s: audit records = %+v, want one denial kept %d days", n.Org.Key, recs, audit.FallbackRetentionDays)
		}
	}
}
