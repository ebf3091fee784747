package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/schakel/schakel/certs"
	"github.com/schakel/schakel/gateway/identity"
)

// org is one organisation of the benchmark: its identity, local CA and
// local client certificate.
type org struct {
	key, name, oin, orgType string
	dir                     string
}

var (
	school = &org{key: "school", name: "Bench School", oin: "00000001000000000001", orgType: "school_vo"}
	zorg   = &org{key: "zorg", name: "Bench Jeugdzorg", oin: "00000001000000000002", orgType: "zorgaanbieder"}
)

// pki creates the federation CA, each organisation's certificate, its local
// CA and one local client certificate under dir.
func pki(dir string, orgs ...*org) error {
	caDir := filepath.Join(dir, "federation-ca")
	if err := certs.InitCA(caDir, "Schakel Bench Federatie CA", 48*time.Hour); err != nil {
		return err
	}
	for _, o := range orgs {
		o.dir = filepath.Join(dir, o.key)
		if err := os.MkdirAll(o.dir, 0o700); err != nil {
			return err
		}
		if _, _, err := certs.Issue(caDir, certs.IssueOptions{OIN: o.oin, Name: o.name, Validity: 24 * time.Hour, OutDir: o.dir}); err != nil {
			return err
		}
		localCA := filepath.Join(o.dir, "local-ca")
		if err := certs.InitCA(localCA, o.name+" lokale CA", 48*time.Hour); err != nil {
			return err
		}
		if _, _, err := certs.Issue(localCA, certs.IssueOptions{OIN: o.oin, Name: o.name + " systeem", Validity: 24 * time.Hour, OutDir: filepath.Join(o.dir, "client")}); err != nil {
			return err
		}
	}
	return nil
}

func (o *org) keyPair() (tls.Certificate, error) {
	return identity.LoadKeyPair(filepath.Join(o.dir, o.oin+".pem"), filepath.Join(o.dir, o.oin+".key"))
}

func (o *org) clientKeyPair() (tls.Certificate, error) {
	return identity.LoadKeyPair(filepath.Join(o.dir, "client", o.oin+".pem"), filepath.Join(o.dir, "client", o.oin+".key"))
}

// signedPack builds the default pack folder (policy/pack) into an archive
// with `schakel policy build`, makes two signing keys and signs it with both
// (`schakel policy keygen|sign`), and returns the node configuration lines
// under policy: for it (threshold 2, as the privacy-officer guide does it).
func signedPack(bin, work string) (string, error) {
	dir := filepath.Join(work, "policy")
	trusted := filepath.Join(dir, "trusted")
	if err := os.MkdirAll(trusted, 0o700); err != nil {
		return "", err
	}
	run := func(args ...string) error {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "SCHAKEL_KEY_PASSWORD=bench-only-passphrase")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("schakel %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	archive := filepath.Join(dir, "pack.tar.gz")
	if err := run("policy", "build", "-bundle", filepath.Join("policy", "pack"), "-out", archive); err != nil {
		return "", err
	}
	var sigs []string
	for _, name := range []string{"fg-een", "fg-twee"} {
		if err := run("policy", "keygen", "-out", filepath.Join(dir, name)); err != nil {
			return "", err
		}
		if err := os.Rename(filepath.Join(dir, name+".pub"), filepath.Join(trusted, name+".pub")); err != nil {
			return "", err
		}
		sig := filepath.Join(dir, "pack."+name+".sig")
		if err := run("policy", "sign", "-bundle", archive, "-key", filepath.Join(dir, name+".key"), "-out", sig); err != nil {
			return "", err
		}
		sigs = append(sigs, fmt.Sprintf("%q", sig))
	}
	return fmt.Sprintf("  bundle: %q\n  signatures: [%s]\n  trusted_keys: %q\n  threshold: 2\n", archive, strings.Join(sigs, ", "), trusted), nil
}

// freePort returns a loopback address with a port that was free a moment ago.
func freePort() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// nodeSpec is one `schakel serve` process.
type nodeSpec struct {
	org                     *org
	instance                string // folder name under the org (replicas)
	peer, local, metrics    string
	auditStore, auditSchema string
	// fixture is the source fixture of the holder (default: the built-in one).
	fixture string
	peers   []*nodeSpec
	policy  string // extra YAML under policy: (signed pack), "" = embedded default
	proc    *proc
}

func newNode(o *org, instance string) *nodeSpec {
	return &nodeSpec{org: o, instance: instance, peer: freePort(), local: freePort(), metrics: freePort()}
}

func (n *nodeSpec) dir() string { return filepath.Join(n.org.dir, n.instance) }

// config writes the node's configuration: the embedded defaults (SQLite
// source, consents, durable SQLite audit unless a PostgreSQL store is given),
// the peer rate limit raised above the offered load (the limiter still runs on
// every call), pprof on the loopback metrics listener.
func (n *nodeSpec) config() (string, error) {
	if err := os.MkdirAll(n.dir(), 0o700); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, `node:
  oin: "%s"
  name: "%s"
  org_type: %s
listen:
  peer: %s
  local: %s
  metrics: %s
  pprof: true
identity:
  cert: ../%s.pem
  key: ../%s.key
trust:
  anchors: [../../federation-ca/ca.pem]
local:
  client_ca: ../local-ca/ca.pem
data_dir: data
limits:
  peer_rate: 1000000
  peer_burst: 1000000
  peer_denial_rate: 1000000
  peer_denial_burst: 1000000
`, n.org.oin, n.org.name, n.org.orgType, n.peer, n.local, n.metrics, n.org.oin, n.org.oin)
	if n.policy != "" {
		b.WriteString("policy:\n" + n.policy)
	} else {
		b.WriteString("policy: {builtin: true}\n")
	}
	if n.fixture != "" {
		fmt.Fprintf(&b, "source: {fixture: %q}\n", n.fixture)
	}
	if n.auditStore != "" {
		fmt.Fprintf(&b, "audit:\n  store: %q\n", n.auditStore)
		if n.auditSchema != "" {
			fmt.Fprintf(&b, "  schema: %s\n", n.auditSchema)
		}
		// Replicas share the audit store, not the pseudonym secret file: use one.
		fmt.Fprintf(&b, "  secret_file: ../pseudonym.secret\n")
	}
	if len(n.peers) > 0 {
		b.WriteString("peers:\n")
		for _, p := range n.peers {
			fmt.Fprintf(&b, "  - {oin: \"%s\", name: \"%s\", org_type: %s, address: \"%s\"}\n", p.org.oin, p.org.name, p.org.orgType, p.peer)
		}
	}
	path := filepath.Join(n.dir(), "node.yaml")
	return path, os.WriteFile(path, []byte(b.String()), 0o600)
}

// proc is a child process of the harness.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan error
	log  string
}

func startProc(name, logPath string, argv ...string) (*proc, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan error, 1), log: logPath}
	go func() { p.done <- cmd.Wait(); logf.Close() }()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// stop sends SIGTERM to this process (by its pid) and waits.
func (p *proc) stop() {
	if p == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func (p *proc) exited() error {
	select {
	case err := <-p.done:
		return fmt.Errorf("%s exited: %v (log %s)", p.name, err, p.log)
	default:
		return nil
	}
}

// startNode starts `schakel serve` for n and waits until its local listener
// reports SERVING.
func startNode(ctx context.Context, bin string, n *nodeSpec, anchors string) error {
	cfg, err := n.config()
	if err != nil {
		return err
	}
	p, err := startProc(n.org.key+"/"+n.instance, filepath.Join(n.dir(), "node.log"), bin, "serve", "--config", cfg)
	if err != nil {
		return err
	}
	n.proc = p
	conn, err := n.dialLocal(anchors)
	if err != nil {
		return err
	}
	defer conn.Close()
	h := healthpb.NewHealthClient(conn)
	deadline := time.Now().Add(60 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		if err := p.exited(); err != nil {
			return err
		}
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		resp, err := h.Check(cctx, &healthpb.HealthCheckRequest{})
		cancel()
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return nil
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s did not become healthy (log %s): %v", p.name, p.log, last)
}

// dialLocal connects to the node's local API with the organisation's client
// certificate, as the organisation's own system does.
func (n *nodeSpec) dialLocal(anchors string) (*grpc.ClientConn, error) {
	kp, err := n.org.clientKeyPair()
	if err != nil {
		return nil, err
	}
	roots, err := identity.LoadPool(anchors)
	if err != nil {
		return nil, err
	}
	return grpc.NewClient(n.local, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{
		MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{kp}, RootCAs: roots,
	})))
}

// dialPeer connects to the node's peer listener as organisation from would.
func (n *nodeSpec) dialPeer(from *org, anchors string) (*grpc.ClientConn, error) {
	kp, err := from.keyPair()
	if err != nil {
		return nil, err
	}
	roots, err := identity.LoadPool(anchors)
	if err != nil {
		return nil, err
	}
	return grpc.NewClient(n.peer, grpc.WithTransportCredentials(credentials.NewTLS(identity.ClientTLS(kp, roots, n.org.oin, nil))))
}

// vmHWM reads the peak resident set size of a process in KiB.
func vmHWM(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if len(f) < 1 {
				break
			}
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

// fetchProfile saves a CPU profile of seconds from a node's pprof endpoint.
func fetchProfile(metricsAddr string, seconds int, out string) error {
	return fetchURL(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", metricsAddr, seconds), out)
}

func fetchURL(url, out string) error {
	c := &http.Client{Timeout: time.Minute}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pprof: %s", resp.Status)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.ReadFrom(resp.Body)
	return err
}
