// Package identity establishes who a peer is: its OIN from its verified
// certificate (subject serialNumber, as PKIoverheid and FSC carry it) and its
// organisation type from the node's peer directory. It also builds the TLS
// configurations: TLS 1.3 only, client certificates required and verified
// against the federation trust anchors.
package identity

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"sort"
	"sync/atomic"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"

	"github.com/schakel/schakel/gateway/oin"
)

var (
	// ErrNoPeerIdentity means the connection carries no verified client certificate.
	ErrNoPeerIdentity = errors.New("no verified peer certificate")
	// ErrUnknownPeer means the peer's OIN is not in this node's directory.
	ErrUnknownPeer = errors.New("peer organisation not in directory")
)

// Peer is an organisation in the directory.
type Peer struct {
	OIN     string
	Name    string
	OrgType string
	Address string
	// Gemeente is the CBS municipality code ("GM0153") of a gemeente, from
	// the node's configuration or peer directory (never from a request); ""
	// for other org types.
	Gemeente string
	// DesignatedGemeente is, for a school, the CBS code of the gemeente the
	// configuration or peer directory designates for it ("per school één
	// gemeente"); "" for none and for other org types.
	DesignatedGemeente string
}

// Directory is the node's list of peer organisations. Replace swaps the
// whole list at once (a newly verified signed directory); readers see the
// old or the new list, never a mix.
type Directory struct {
	byOIN atomic.Pointer[map[string]Peer]
}

// NewDirectory builds a directory; later entries do not override earlier ones.
func NewDirectory(peers []Peer) *Directory {
	d := &Directory{}
	d.Replace(peers)
	return d
}

// Replace swaps in a new list of peers; later entries do not override earlier ones.
func (d *Directory) Replace(peers []Peer) {
	m := make(map[string]Peer, len(peers))
	for _, p := range peers {
		if _, dup := m[p.OIN]; !dup {
			m[p.OIN] = p
		}
	}
	d.byOIN.Store(&m)
}

// Lookup returns the peer with this OIN.
func (d *Directory) Lookup(id string) (Peer, bool) {
	p, ok := (*d.byOIN.Load())[id]
	return p, ok
}

// All returns the peers sorted by OIN.
func (d *Directory) All() []Peer {
	m := *d.byOIN.Load()
	out := make([]Peer, 0, len(m))
	for _, p := range m {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OIN < out[j].OIN })
	return out
}

// PeerCert returns the verified leaf certificate of the gRPC caller in ctx.
// It only trusts certificates that crypto/tls verified against the anchors.
func PeerCert(ctx context.Context) (*x509.Certificate, error) {
	p, ok := peer.FromContext(ctx)
	if !ok || p.AuthInfo == nil {
		return nil, ErrNoPeerIdentity
	}
	ti, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(ti.State.VerifiedChains) == 0 || len(ti.State.VerifiedChains[0]) == 0 {
		return nil, ErrNoPeerIdentity
	}
	return ti.State.VerifiedChains[0][0], nil
}

// Authenticate returns the directory entry of the gRPC caller in ctx. The OIN
// comes from the verified certificate only; an OIN missing from the directory
// is refused.
func (d *Directory) Authenticate(ctx context.Context) (Peer, *x509.Certificate, error) {
	cert, err := PeerCert(ctx)
	if err != nil {
		return Peer{}, nil, err
	}
	id, err := oin.FromCert(cert)
	if err != nil {
		return Peer{}, nil, fmt.Errorf("%w: %v", ErrNoPeerIdentity, err)
	}
	p, ok := d.Lookup(id)
	if !ok {
		return Peer{}, nil, fmt.Errorf("%w: %s", ErrUnknownPeer, id)
	}
	return p, cert, nil
}

// ChainCheck checks a verified chain (leaf first, anchor last), for example
// Revocation.CheckChain; an error refuses the connection.
type ChainCheck func(chain []*x509.Certificate) error

// checkAll runs check on every verified chain.
func checkAll(check ChainCheck, chains [][]*x509.Certificate) error {
	if check == nil {
		return nil
	}
	for _, chain := range chains {
		if err := check(chain); err != nil {
			return err
		}
	}
	return nil
}

// ServerTLS is the peer listener's TLS: TLS 1.3 only, client certificate
// required and verified against anchors. check, when not nil, runs on every
// verified chain of every connection (revocation) and refuses it on error.
func ServerTLS(cert tls.Certificate, anchors *x509.CertPool, check ChainCheck) *tls.Config {
	c := &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    anchors,
	}
	if check != nil {
		c.VerifyConnection = func(cs tls.ConnectionState) error { return checkAll(check, cs.VerifiedChains) }
	}
	return c
}

// ClientTLS is the outbound TLS to a peer: TLS 1.3, our certificate presented,
// the server verified against anchors and required to carry wantOIN.
func ClientTLS(cert tls.Certificate, anchors *x509.CertPool, wantOIN string, check ChainCheck) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		RootCAs:      anchors,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.VerifiedChains) == 0 || len(cs.VerifiedChains[0]) == 0 {
				return ErrNoPeerIdentity
			}
			got, err := oin.FromCert(cs.VerifiedChains[0][0])
			if err != nil {
				return err
			}
			if got != wantOIN {
				return fmt.Errorf("peer presented OIN %s, directory expects %s", got, wantOIN)
			}
			return checkAll(check, cs.VerifiedChains)
		},
	}
}
