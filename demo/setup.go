package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/schakel/schakel/certs"
	"github.com/schakel/schakel/gateway/identity"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// demoNode is one organisation in the demo.
type demoNode struct {
	key, name, oin, orgType string
	gemeente                string // CBS code of a gemeente
	peerAddr, localAddr     string
	metricsAddr             string
	consoleAddr             string
	dir, config             string
	late                    bool // started later in the script
	proc                    *process
	conn                    *grpc.ClientConn
	local                   localv1.LocalServiceClient
	consents                localv1.ConsentServiceClient
	policy                  localv1.PolicyServiceClient
	health                  healthpb.HealthClient
}

type world struct {
	bin, dir                     string
	nodes                        []*demoNode
	byKey                        map[string]*demoNode
	exchanges, released, refused int
	unknownBSN                   string             // a child the school does not know, asked about
	attest                       []*localv1.Consent // consents the asking node attests in its next request
	noCaseReference              bool               // the next request states no case reference
	caseRef                      string             // the case reference the next request states ("": the default)
	inzageBSN, inzageName        string
	lotteBSN, lotteName          string // 17: her parents get no inzage, she does
	cancelledBSN, cancelledName  string // the child whose notification was cancelled
	revision, release            string // the signed pack's revision and archive
	showRevision                 bool   // print the policy revision of each decision
}

func (w *world) node(key string) *demoNode { return w.byKey[key] }

// portBase is where the nodes' loopback ports start (ten per node): peer
// +1, local +2, metrics +3, console +4. The demo's test moves it.
var portBase = 18100

// setup creates the development PKI, each node's identity, local client
// certificate and configuration, and the policy pack signed by two keys.
func setup(bin, dir, packDir string) (*world, error) {
	w := &world{bin: bin, dir: dir, byKey: map[string]*demoNode{}}
	nodes := []*demoNode{
		{key: "school", name: "Het Twentse College", oin: "00000001000000000001", orgType: "school_vo"},
		{key: "zorg", name: "Jeugdzorg Twente", oin: "00000001000000000002", orgType: "zorgaanbieder"},
		// The gemeente's node starts late: the school's notification waits in
		// the outbox until it is up.
		{key: "gemeente", name: "Gemeente Enschede", oin: "00000001000000000003", orgType: "gemeente", gemeente: "GM0153", late: true},
		// A gecertificeerde instelling (jeugdbescherming), for flow G4.
		{key: "gi", name: "Jeugdbescherming Overijssel", oin: "00000001000000000007", orgType: "gecertificeerde_instelling"},
		// Sara's and Bas's basisschool.
		{key: "basis", name: "OBS De Esch", oin: "00000001000000000004", orgType: "school_po"},
		// The JGZ (anonymous consults, N1) and the kennispunt (monitoring, M1):
		// see consult.go.
		{key: "jgz", name: "GGD Twente JGZ", oin: "00000001000000000010", orgType: "jgz"},
		{key: "kennispunt", name: "Kennispunt Twente", oin: "00000001000000000011", orgType: "kennispunt"},
	}
	for i, n := range nodes {
		base := portBase + 10*i
		n.peerAddr = fmt.Sprintf("127.0.0.1:%d", base+1)
		n.localAddr = fmt.Sprintf("127.0.0.1:%d", base+2)
		n.metricsAddr = fmt.Sprintf("127.0.0.1:%d", base+3)
		n.consoleAddr = fmt.Sprintf("127.0.0.1:%d", base+4)
		n.dir = filepath.Join(dir, n.key)
		n.config = filepath.Join(n.dir, "node.yaml")
		w.nodes = append(w.nodes, n)
		w.byKey[n.key] = n
	}
	caDir := filepath.Join(dir, "federation-ca")
	if err := certs.InitCA(caDir, "Schakel Demo Federatie CA", 48*time.Hour); err != nil {
		return nil, err
	}
	for _, n := range w.nodes {
		if err := os.MkdirAll(n.dir, 0o700); err != nil {
			return nil, err
		}
		if _, _, err := certs.Issue(caDir, certs.IssueOptions{OIN: n.oin, Name: n.name, Validity: 24 * time.Hour, OutDir: n.dir}); err != nil {
			return nil, fmt.Errorf("%s: %w", n.key, err)
		}
		// The organisation's own CA for its local systems, and one client.
		localCA := filepath.Join(n.dir, "local-ca")
		if err := certs.InitCA(localCA, n.name+" lokale CA", 48*time.Hour); err != nil {
			return nil, err
		}
		if _, _, err := certs.Issue(localCA, certs.IssueOptions{OIN: n.oin, Name: n.name + " systeem", Validity: 24 * time.Hour, OutDir: filepath.Join(n.dir, "client")}); err != nil {
			return nil, err
		}
		if err := os.WriteFile(n.config, []byte(w.configFor(n)), 0o600); err != nil {
			return nil, err
		}
	}
	if err := w.setupPolicy(packDir); err != nil {
		return nil, fmt.Errorf("policy pack: %w", err)
	}
	return w, nil
}

// gemeenteYAML is the gemeente key of the node's peer entry ("" for others).
func (n *demoNode) gemeenteYAML() string {
	if n.gemeente == "" {
		return ""
	}
	return ", gemeente: " + n.gemeente
}

// nodeGemeenteYAML is the gemeente key under node: ("" for others).
func (n *demoNode) nodeGemeenteYAML() string {
	if n.gemeente == "" {
		return ""
	}
	return "\n  gemeente: " + n.gemeente
}

func (w *world) configFor(n *demoNode) string {
	cfg := fmt.Sprintf(`# Demo node %[1]s: %[2]s. Start by hand with: schakel serve --config %[3]s
node:
  oin: "%[4]s"
  name: "%[2]s"
  org_type: %[5]s%[9]s
listen:
  peer: %[6]s
  local: %[7]s
  metrics: %[8]s
identity:
  cert: %[4]s.pem
  key: %[4]s.key
trust:
  anchors: [../federation-ca/ca.pem]
local:
  client_ca: local-ca/ca.pem
data_dir: data
# The pack signed by the privacy officer and the FG; the node refuses to
# start without two valid signatures by these trusted keys, and reloads when
# the files change (or on SIGHUP), keeping the last good pack.
policy:
  bundle: policy/pack.tar.gz
  trusted_keys: ../trusted
  threshold: 2
  # The demo puts a tampered pack in place and shows its refusal: wait
  # 3 s (not the default 60 s) for a signature copy that never comes.
  reload_wait: 3s
# Quick retries, so that the demo's queued notification is delivered soon
# after the late node starts.
notify:
  retry_initial: 200ms
  retry_max: 1s
# The web console on loopback: the node logs "console: URL", a one-time
# login link (10 minutes) for the console user with every permission.
console:
  listen: %[10]s
peers:
`, n.key, n.name, n.config, n.oin, n.orgType, n.peerAddr, n.localAddr, n.metricsAddr, n.nodeGemeenteYAML(), n.consoleAddr)
	for _, p := range w.nodes {
		if p == n {
			continue
		}
		cfg += fmt.Sprintf("  - {oin: \"%s\", name: \"%s\", org_type: %s%s, address: \"%s\"}\n", p.oin, p.name, p.orgType, p.gemeenteYAML(), p.peerAddr)
	}
	return cfg
}

// dial connects to a node's local API with the organisation's client certificate.
func (w *world) dial(n *demoNode) error {
	if n.conn != nil {
		return nil
	}
	kp, err := identity.LoadKeyPair(filepath.Join(n.dir, "client", n.oin+".pem"), filepath.Join(n.dir, "client", n.oin+".key"))
	if err != nil {
		return err
	}
	roots, err := identity.LoadPool(filepath.Join(w.dir, "federation-ca", "ca.pem"))
	if err != nil {
		return err
	}
	conn, err := grpc.NewClient(n.localAddr, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{
		MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{kp}, RootCAs: roots,
	})))
	if err != nil {
		return err
	}
	n.conn = conn
	n.local = localv1.NewLocalServiceClient(conn)
	n.consents = localv1.NewConsentServiceClient(conn)
	n.policy = localv1.NewPolicyServiceClient(conn)
	n.health = healthpb.NewHealthClient(conn)
	return nil
}

func (w *world) waitHealthy(ctx context.Context, n *demoNode) error {
	if err := w.dial(n); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		select {
		case err := <-n.proc.done:
			return fmt.Errorf("exited: %v", err)
		default:
		}
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		resp, err := n.health.Check(cctx, &healthpb.HealthCheckRequest{})
		cancel()
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return nil
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("timeout: %v", last)
}
