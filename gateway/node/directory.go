package node

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/directory"
	"github.com/schakel/schakel/gateway/identity"
)

// staticPeers are the peers: of node.yaml.
func staticPeers(cfg *config.Config) []identity.Peer {
	peers := make([]identity.Peer, 0, len(cfg.Peers))
	for _, p := range cfg.Peers {
		peers = append(peers, identity.Peer{OIN: p.OIN, Name: p.Name, OrgType: p.OrgType, Address: p.Address, Gemeente: p.Gemeente,
			DesignatedGemeente: p.DesignatedGemeente})
	}
	return peers
}

// loadDirectory verifies the signed peer directory and keeps dir in step
// with it: peers: of node.yaml first (they win for an OIN in both), then
// every organisation of the directory except this node.
func (n *Node) loadDirectory(cfg *config.Config, dir *identity.Directory, log *slog.Logger) (*directory.Loader, error) {
	check := func(f *directory.File) error {
		known := map[string]bool{}
		for _, o := range n.policy.active.Load().pack.Data().OrgTypes {
			known[o.ID] = true
		}
		var errs []error
		for i, p := range f.Peers {
			if !known[p.OrgType] {
				errs = append(errs, fmt.Errorf("peers[%d].org_type: %q (OIN %s) is not an org type of the policy pack", i, p.OrgType, p.OIN))
			}
		}
		return errors.Join(errs...)
	}
	apply := func(v *directory.Verified) {
		peers := staticPeers(cfg)
		for _, e := range v.File.Peers {
			if e.OIN != cfg.Node.OIN {
				p := identity.Peer{OIN: e.OIN, Name: e.Name, OrgType: e.OrgType, Address: e.Address}
				if e.GemeenteCode != "" {
					p.Gemeente = "GM" + e.GemeenteCode // the directory keeps the four digits
				}
				if e.DesignatedGemeenteCode != "" {
					p.DesignatedGemeente = "GM" + e.DesignatedGemeenteCode
				}
				peers = append(peers, p)
			}
		}
		dir.Replace(peers)
	}
	l, err := directory.NewLoader(directory.Source{
		Path: cfg.Directory.File, Signatures: cfg.Directory.Signatures, Trusted: cfg.Directory.Trusted, Threshold: cfg.Directory.Threshold,
	}, check, apply, log.With("component", "directory"))
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	return l, nil
}
