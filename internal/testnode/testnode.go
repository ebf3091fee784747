// Package testnode starts real gateway nodes for tests: real TLS with
// certificates minted in the test, real SQLite stores in t.TempDir(), real
// listeners on 127.0.0.1:0, and real gRPC clients for the local API.
package testnode

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/gateway/oin"
	"github.com/schakel/schakel/gateway/release"
	"github.com/schakel/schakel/gateway/source"
	"github.com/schakel/schakel/internal/testpki"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// Org describes an organisation in a test federation. Gemeente is the CBS
// code of an organisation of org type gemeente.
type Org struct {
	Key, OIN, Name, OrgType string
	Gemeente                string
}

// Standard organisations, matching the demo fixture's enrolment OINs and
// woongemeenten (most children live in Enschede, Daan in Hengelo).
var (
	School   = Org{"school", "00000001000000000001", "Het Twentse College", "school_vo", ""}
	Zorg     = Org{"zorg", "00000001000000000002", "Jeugdzorg Twente", "zorgaanbieder", ""}
	Gemeente = Org{"gemeente", "00000001000000000003", "Gemeente Enschede", "gemeente", "GM0153"}
	Hengelo  = Org{"hengelo", "00000001000000000006", "Gemeente Hengelo", "gemeente", "GM0164"}
	// Basisschool is Sara's and Bas's school.
	Basisschool = Org{"basisschool", "00000001000000000004", "OBS De Esch", "school_po", ""}
	// JGZ and Kennispunt serve the consult (N1) and monitoring (M1) tests.
	JGZ        = Org{"jgz", "00000001000000000007", "GGD Twente JGZ", "jgz", ""}
	Kennispunt = Org{"kennispunt", "00000001000000000008", "Kennispunt Twente", "kennispunt", ""}
)

// gemeenteYAML is the gemeente key of a node or peer entry ("" for others).
func gemeenteYAML(o Org) string {
	if o.Gemeente == "" {
		return ""
	}
	return fmt.Sprintf(", gemeente: %s", o.Gemeente)
}

// Federation is a CA and the nodes of a test.
type Federation struct {
	T     testing.TB
	CA    *testpki.CA
	Dir   string
	Nodes map[string]*Node
	// Logs collects every node's log lines (to search them for BSNs).
	Logs *SyncBuffer
	// LocalCA, when set, is every node's local client CA (tests that need
	// it before the node starts, e.g. to sign its CRL); nil mints one per node.
	LocalCA *testpki.CA
}

// Node is a running node with a local client.
type Node struct {
	Org     Org
	Config  *config.Config
	Node    *node.Node
	Local   localv1.LocalServiceClient
	Consent localv1.ConsentServiceClient
	// Consults and Monitoring are the local consult (N1) and monitoring
	// (M1) services.
	Consults   localv1.ConsultServiceClient
	Monitoring localv1.MonitoringServiceClient
	Client     *testpki.Cert // local client certificate
	Cert       *testpki.Cert // organisation certificate
	LocalCA    *testpki.CA
	cancel     context.CancelFunc
	done       chan error
}

// SyncBuffer is a goroutine-safe log sink.
type SyncBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// String returns everything written.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// New creates a federation CA.
func New(t testing.TB) *Federation {
	return &Federation{T: t, CA: testpki.New(t), Dir: t.TempDir(), Nodes: map[string]*Node{}, Logs: &SyncBuffer{}}
}

// PeerAt is a peer directory entry of a written configuration.
type PeerAt struct {
	Org     Org
	Address string
}

// Prepared is an organisation's certificates and node configuration, written
// to disk, so a test can start the node in process (Start) or as a real
// `schakel serve --config` process.
type Prepared struct {
	Org        Org
	Dir        string // the organisation's folder; data_dir is Dir/data
	ConfigPath string // Dir/node.yaml
	// PeerAddr and LocalAddr are the configured listen addresses.
	PeerAddr, LocalAddr string
	Cert                *testpki.Cert
	Client              *testpki.Cert // local client certificate
	LocalCA             *testpki.CA
}

// PrepareOptions adjust a written configuration.
type PrepareOptions struct {
	// PeerAddr, LocalAddr and MetricsAddr default to 127.0.0.1:0 (no metrics).
	PeerAddr, LocalAddr, MetricsAddr string
	// Cert reuses an organisation certificate (replicas of one organisation
	// share its key); nil issues a new one.
	Cert *testpki.Cert
	// Extra is appended to the YAML (top-level keys such as audit: or limits:).
	Extra string
}

// Prepare writes org's certificates and configuration under f.Dir/dirName
// (dirName defaults to org.Key).
func (f *Federation) Prepare(org Org, dirName string, peers []PeerAt, o PrepareOptions) *Prepared {
	t := f.T
	t.Helper()
	if dirName == "" {
		dirName = org.Key
	}
	dir := filepath.Join(f.Dir, dirName)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	cert := o.Cert
	if cert == nil {
		cert = f.CA.Issue(t, org.OIN, org.Name)
	}
	certPath, keyPath := cert.WriteFiles(t, dir)
	caPath := filepath.Join(dir, "federation-ca.pem")
	writeFile(t, caPath, f.CA.Root().CertPEM) // below an intermediate, the root is the anchor
	localCA := f.LocalCA
	if localCA == nil {
		localCA = testpki.New(t)
	}
	localCAPath := filepath.Join(dir, "local-ca.pem")
	writeFile(t, localCAPath, localCA.CertPEM)
	client := localCA.Issue(t, org.OIN, org.Name+" systeem")
	or0 := func(s string) string {
		if s == "" {
			return "127.0.0.1:0"
		}
		return s
	}
	cfgYAML := fmt.Sprintf(`node: {oin: %q, name: %q, org_type: %s%s}
listen: {peer: %q, local: %q, metrics: %q}
identity: {cert: %q, key: %q}
trust: {anchors: [%q]}
local: {client_ca: %q}
data_dir: data
%speers:
`, org.OIN, org.Name, org.OrgType, gemeenteYAML(org), or0(o.PeerAddr), or0(o.LocalAddr), o.MetricsAddr, certPath, keyPath, caPath, localCAPath, builtinPolicy(o.Extra))
	for _, p := range peers {
		cfgYAML += fmt.Sprintf("  - {oin: %q, name: %q, org_type: %s%s, address: %q}\n", p.Org.OIN, p.Org.Name, p.Org.OrgType, gemeenteYAML(p.Org), p.Address)
	}
	cfgYAML += o.Extra
	path := filepath.Join(dir, "node.yaml")
	writeFile(t, path, []byte(cfgYAML))
	return &Prepared{Org: org, Dir: dir, ConfigPath: path, PeerAddr: or0(o.PeerAddr), LocalAddr: or0(o.LocalAddr),
		Cert: cert, Client: client, LocalCA: localCA}
}

// builtinPolicy runs the built-in pack unless extra configures a policy.
func builtinPolicy(extra string) string {
	if strings.Contains(extra, "policy:") {
		return ""
	}
	return "policy: {builtin: true}\n"
}

// Start starts a node for org, knowing the given peers (already started
// nodes are reachable; others get a placeholder address). mutate may adjust
// the configuration and options before start. The configuration is also on
// disk at Config.Path (without mutate's changes).
func (f *Federation) Start(org Org, peers []Org, mutate func(*config.Config, *node.Options)) *Node {
	t := f.T
	t.Helper()
	var at []PeerAt
	for _, p := range peers {
		addr := "127.0.0.1:1"
		if n, ok := f.Nodes[p.Key]; ok {
			addr = n.Node.PeerAddr
		}
		at = append(at, PeerAt{Org: p, Address: addr})
	}
	prep := f.Prepare(org, "", at, PrepareOptions{})
	cfg, err := config.Load(prep.ConfigPath)
	if err != nil {
		t.Fatalf("config for %s: %v", org.Key, err)
	}
	var opt node.Options
	if mutate != nil {
		mutate(cfg, &opt)
	}
	log := slog.New(slog.NewJSONHandler(io.MultiWriter(f.Logs), &slog.HandlerOptions{Level: slog.LevelDebug})).With("node", org.Key)
	n, err := node.New(cfg, log, opt)
	if err != nil {
		t.Fatalf("start %s: %v", org.Key, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tn := &Node{Org: org, Config: cfg, Node: n, Client: prep.Client, Cert: prep.Cert, LocalCA: prep.LocalCA, cancel: cancel, done: make(chan error, 1)}
	go func() { tn.done <- n.Run(ctx) }()
	conn := f.Dial(n.LocalAddr, prep.Client.TLS)
	tn.Local = localv1.NewLocalServiceClient(conn)
	tn.Consent = localv1.NewConsentServiceClient(conn)
	tn.Consults = localv1.NewConsultServiceClient(conn)
	tn.Monitoring = localv1.NewMonitoringServiceClient(conn)
	f.Nodes[org.Key] = tn
	t.Cleanup(tn.Stop)
	return tn
}

// Stop stops the node and waits for it.
func (n *Node) Stop() {
	if n.cancel == nil {
		return
	}
	n.cancel()
	n.cancel = nil
	select {
	case <-n.done:
	case <-time.After(15 * time.Second):
	}
}

// Dial connects with the given client certificate (may be empty) to addr,
// trusting the federation CA for the server.
func (f *Federation) Dial(addr string, cert tls.Certificate) *grpc.ClientConn {
	cfg := &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: f.CA.Root().Pool()}
	if len(cert.Certificate) > 0 {
		cfg.Certificates = []tls.Certificate{cert}
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(cfg)))
	if err != nil {
		f.T.Fatal(err)
	}
	f.T.Cleanup(func() { conn.Close() })
	return conn
}

// HTTPClient is an HTTPS client with the given client certificate (may be
// empty) that trusts the federation CA, for the local API's JSON form.
func (f *Federation) HTTPClient(cert tls.Certificate) *http.Client {
	cfg := &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: f.CA.Pool()}
	if len(cert.Certificate) > 0 {
		cfg.Certificates = []tls.Certificate{cert}
	}
	tr := &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: false}
	f.T.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// PeerClient is an exchange client to n's peer listener with cert.
func (f *Federation) PeerClient(n *Node, cert tls.Certificate) exchangev1.ExchangeServiceClient {
	return &statingClient{ExchangeServiceClient: exchangev1.NewExchangeServiceClient(f.Dial(n.Node.PeerAddr, cert)),
		t: f.T, holder: n.Org.OIN, cert: cert}
}

// RawPeerClient is PeerClient without the signed statement: a request goes
// exactly as the test built it.
func (f *Federation) RawPeerClient(n *Node, cert tls.Certificate) exchangev1.ExchangeServiceClient {
	return exchangev1.NewExchangeServiceClient(f.Dial(n.Node.PeerAddr, cert))
}

// statingClient signs, as a requesting node does, a statement of each
// request that carries none, with the key of its client certificate.
type statingClient struct {
	exchangev1.ExchangeServiceClient
	t      testing.TB
	holder string
	cert   tls.Certificate
}

func (c *statingClient) RequestRecord(ctx context.Context, req *exchangev1.RequestRecordRequest, opts ...grpc.CallOption) (*exchangev1.RequestRecordResponse, error) {
	if req.GetStatement() == nil && len(c.cert.Certificate) > 0 {
		req.Statement = StatementFor(c.t, c.cert, c.holder, req)
	}
	return c.ExchangeServiceClient.RequestRecord(ctx, req, opts...)
}

// StatementFor is the statement a requesting node with cert signs for req to
// the holder holderOIN.
func StatementFor(t testing.TB, cert tls.Certificate, holderOIN string, req *exchangev1.RequestRecordRequest) *exchangev1.SignedStatement {
	t.Helper()
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	from, err := oin.FromCert(leaf)
	if err != nil {
		t.Fatal(err)
	}
	issued := req.GetSentAt()
	if issued == nil {
		issued = timestamppb.Now()
	}
	r := proto.Clone(req).(*exchangev1.RequestRecordRequest)
	r.SentAt = issued
	ss, err := release.SignStatement(cert.PrivateKey.(crypto.Signer), release.RequestStatement(r, holderOIN, from, "", nil))
	if err != nil {
		t.Fatal(err)
	}
	return ss
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// Child returns the fictional child of the default source fixture whose name
// is name or starts with name and a space ("Bas" is Bas de Vries).
func Child(t testing.TB, name string) source.Child {
	t.Helper()
	kids, err := source.Children(source.DefaultFixture)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kids {
		if k.Name == name || strings.HasPrefix(k.Name, name+" ") {
			return k
		}
	}
	t.Fatalf("no fixture child %s", name)
	return source.Child{}
}

// CopyDataDir replaces dst by a copy of the data folder src, as an operator
// restoring a backup would (files 0600, folders 0700, as the node keeps
// them).
func CopyDataDir(t testing.TB, src, dst string) {
	t.Helper()
	if err := os.RemoveAll(dst); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	if err := filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.Chmod(p, 0o700)
		}
		return os.Chmod(p, 0o600)
	}); err != nil {
		t.Fatal(err)
	}
}
