package node_test

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/internal/testnode"
)

// TestNodeRefusesOrgTypeUnknownToPack: a typo in an org type would make
// every decision a denial without anyone noticing; the node refuses to start
// and names the key.
func TestNodeRefusesOrgTypeUnknownToPack(t *testing.T) {
	f := testnode.New(t)
	typo := testnode.Zorg
	typo.OrgType = "zorgaanbeider"
	prep := f.Prepare(testnode.School, "", []testnode.PeerAt{{Org: typo, Address: "127.0.0.1:1"}}, testnode.PrepareOptions{})
	cfg, err := config.Load(prep.ConfigPath)
	if err != nil {
		t.Fatalf("the configuration itself is valid: %v", err)
	}
	if _, err = node.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), node.Options{}); err == nil {
		t.Fatal("node started with a peer org type the pack does not know")
	}
	if !strings.Contains(err.Error(), "peers[0].org_type") || !strings.Contains(err.Error(), "zorgaanbeider") {
		t.Errorf("error %q does not name peers[0].org_type and the value", err)
	}
}

// TestNodeRefusesToRunWithoutSignedPack: without a signed bundle a node runs
// nothing, unless the configuration explicitly asks for the unsigned
// built-in pack (development); config.Validate refuses it too, this checks
// the node itself.
func TestNodeRefusesToRunWithoutSignedPack(t *testing.T) {
	f := testnode.New(t)
	prep := f.Prepare(testnode.School, "", nil, testnode.PrepareOptions{})
	cfg, err := config.Load(prep.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Policy = config.Policy{}
	_, err = node.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), node.Options{})
	if err == nil || !strings.Contains(err.Error(), "unsigned") || !strings.Contains(err.Error(), "policy.bundle") {
		t.Fatalf("node.New without a pack: %v; want a refusal naming the unsigned case and policy.bundle", err)
	}
}
