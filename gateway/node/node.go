// Package node builds a gateway node from its configuration and runs its
// listeners: the peer listener (mutual TLS with other organisations), the
// local listener (mutual TLS with the organisation's own systems, client
// certificates from its local CA) and the metrics listener. Every listener
// serves grpc.health.v1.
package node

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/consent"
	"github.com/schakel/schakel/gateway/consult"
	"github.com/schakel/schakel/gateway/directory"
	"github.com/schakel/schakel/gateway/exchange"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/jsonapi"
	"github.com/schakel/schakel/gateway/monitor"
	"github.com/schakel/schakel/gateway/notify"
	"github.com/schakel/schakel/gateway/oin"
	"github.com/schakel/schakel/gateway/outbound"
	"github.com/schakel/schakel/gateway/release"
	"github.com/schakel/schakel/gateway/server"
	"github.com/schakel/schakel/gateway/source"
	"github.com/schakel/schakel/gateway/tracing"
	"github.com/schakel/schakel/policy"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// Node is a running gateway node.
type Node struct {
	cfg    *config.Config
	log    *slog.Logger
	self   identity.Peer
	policy *Policy
	// versions is the highest pack and directory version accepted.
	versions *versionFloor
	audit    audit.Store
	// consents is the register; decisions read it through boundConsents.
	consents *consent.SQLiteStore
	closers  []func() error

	peerSrv, localSrv *grpc.Server
	metricsSrv        *http.Server
	jsonSrv           *http.Server
	localTLS          *tls.Config
	localSplit        *jsonapi.Split
	health            *health.Server
	pool              *outbound.Pool
	trust             *trust
	directory         *directory.Loader
	notifier          *notify.Notifier
	witness           *witnessState
	secret            []byte
	source            source.Source // the organisation's own records (ages for an inzage)
	policyPoll        time.Duration
	Metrics           *server.Metrics
	console           *consoleState // the web console, when configured (console.go)

	// Addresses actually bound (useful with port 0 in tests).
	PeerAddr, LocalAddr, MetricsAddr string
	listeners                        []net.Listener
}

// Options are test seams; production leaves them zero.
type Options struct {
	// Decider replaces the policy engine (tests only).
	Decider release.Decider
	// Source replaces the configured source.
	Source source.Source
	// Audit replaces the configured audit store.
	Audit audit.Store
	Now   func() time.Time
	// PolicyPoll is how often the pack, its signatures and the trusted keys
	// are checked for changes; zero means DefaultPolicyPoll.
	PolicyPoll time.Duration
	// TracerProvider replaces the configured tracing (tests: an in-memory
	// exporter).
	TracerProvider trace.TracerProvider
}

// New builds a node: it loads keys, the signed policy pack, opens the stores
// and binds the listeners. It does not serve until Run.
func New(cfg *config.Config, log *slog.Logger, opt Options) (_ *Node, err error) {
	// n is not the named result: "return nil, err" must not hide it from
	// the deferred clean-up.
	n := &Node{cfg: cfg, log: log, self: identity.Peer{OIN: cfg.Node.OIN, Name: cfg.Node.Name, OrgType: cfg.Node.OrgType, Gemeente: cfg.Node.Gemeente,
		DesignatedGemeente: cfg.Node.DesignatedGemeente}}
	defer func() {
		if err != nil {
			n.closeAll()
		}
	}()
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	if err := prepareDataDir(cfg.DataDir); err != nil {
		return nil, err
	}
	keyPair, err := identity.LoadKeyPair(cfg.Identity.Cert, cfg.Identity.Key)
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	if err := checkOwnOIN(keyPair, cfg.Node.OIN); err != nil {
		return nil, err
	}
	signer, ok := keyPair.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, errors.New("identity.key: not a signing key")
	}
	n.trust, err = loadTrust(cfg, keyPair, log)
	if err != nil {
		return nil, err
	}
	secret, err := loadOrCreateSecret(cfg.Audit.SecretFile)
	if err != nil {
		return nil, fmt.Errorf("audit.secret_file: %w", err)
	}
	n.secret = secret

	// The highest pack and directory versions accepted before: nothing
	// older is put in force, at start or later.
	if n.versions, err = openVersionFloor(cfg.DataDir, log); err != nil {
		return nil, fmt.Errorf("accepted versions: %w", err)
	}
	n.policy, err = LoadPolicy(cfg.Policy, log, PolicyOptions{StateFile: filepath.Join(cfg.DataDir, StatusFile), Now: opt.Now, floor: n.versions})
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	if err := checkOrgTypes(cfg, n.policy.active.Load().pack.Data()); err != nil {
		return nil, err
	}
	var decider release.Decider = n.policy
	if opt.Decider != nil {
		decider = opt.Decider
	}
	// Decisions run on long-lived goroutines that keep their grown stacks
	// (see release.DecisionPool).
	pool := release.NewDecisionPool(decider, 2*runtime.GOMAXPROCS(0))
	n.closers = append(n.closers, pool.Close)
	decider = pool

	src := opt.Source
	if src == nil {
		if src, err = openSource(cfg, n); err != nil {
			return nil, fmt.Errorf("source: %w", err)
		}
	}
	n.source = src
	consents, err := consent.OpenSQLite(filepath.Join(cfg.DataDir, "consents.db"), n.policy, log)
	if err != nil {
		return nil, fmt.Errorf("consents: %w", err)
	}
	n.closers = append(n.closers, consents.Close)

	n.audit = opt.Audit
	if n.audit == nil {
		if n.audit, err = OpenAudit(context.Background(), cfg, signer, log); err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
	}
	n.closers = append(n.closers, n.audit.Close)
	if err := n.auditDowngrades(context.Background()); err != nil {
		return nil, err
	}
	n.Metrics = server.NewMetrics()
	if err := n.startWitness(context.Background(), cfg, log, n.Metrics.Registry); err != nil {
		return nil, err
	}

	bound, err := newBoundConsents(consents, n.audit, secret, log, n.Metrics.Registry)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	n.consents = consents

	check := n.trust.peer.CheckChain
	n.pool = outbound.New(outbound.Config{Cert: keyPair, Anchors: n.trust.anchors.Pool, Check: check, MaxMessageBytes: cfg.Limits.MaxMessageBytes,
		MaxAge: cfg.Trust.MaxConnectionAge.D(), MaxAgeGrace: cfg.Trust.MaxConnectionAgeGrace.D()})
	n.closers = append(n.closers, n.pool.Close)

	dir := identity.NewDirectory(staticPeers(cfg))
	if cfg.Directory.File != "" {
		if n.directory, err = n.loadDirectory(cfg, dir, log); err != nil {
			return nil, err
		}
	}

	// The one release core: the holder's answers, notifications when sent
	// and every delivery attempt decide and record through it.
	releaser := release.New(release.Config{
		Self: n.self, Signer: signer, Decider: decider, Audit: n.audit, Source: src, Consents: bound, Announcements: consents,
		Secret: secret, Purposes: n.policy, Now: now,
	}, log)
	holder := exchange.NewHolder(exchange.HolderConfig{
		Release: releaser, Vocabulary: n.policy, Now: now,
		Replay: exchange.NewReplayGuard(cfg.Limits.ClockSkew.D(), now()), Witness: n.Witnessing(), Skew: cfg.Limits.ClockSkew.D(),
		ConsentMaxAge: cfg.Consents.MaxAge.D(),
	}, log)
	requester := exchange.NewRequester(exchange.RequesterConfig{
		Self: n.self, Signer: signer, Directory: dir, Conns: n.pool, Audit: n.audit, Vocabulary: n.policy,
		Secret: secret, Timeout: cfg.Limits.RequestTimeout.D(), Now: now,
		Witness: n.Witnessing(), FlowRetention: n.policy.RetentionDays, ConsentMaxAge: cfg.Consents.MaxAge.D(),
	}, log)

	if err := n.policy.register(n.Metrics.Registry); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if err := n.versions.register(n.Metrics.Registry); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if c, ok := n.audit.(interface{ Commits() int64 }); ok {
		if err := n.Metrics.Registry.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "schakel_audit_commits_total",
			Help: "Durable write transactions of the audit log (each fsynced, with one signed checkpoint).",
		}, func() float64 { return float64(c.Commits()) })); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	if err := n.trust.register(n.Metrics.Registry); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	notAfter := float64(keyPair.Leaf.NotAfter.Unix())
	if err := n.Metrics.Registry.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "schakel_certificate_expiry_timestamp_seconds",
		Help: "NotAfter of the node's organisation certificate (identity.cert), Unix seconds; peers refuse the node after it.",
	}, func() float64 { return notAfter })); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	n.policyPoll = opt.PolicyPoll
	notifyStore, err := notify.OpenSQLite(notify.DBPath(cfg.DataDir), log)
	if err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	n.closers = append(n.closers, notifyStore.Close)
	n.notifier, err = notify.New(notify.Config{
		Self: n.self, Signer: signer, Release: releaser, Directory: dir, Conns: n.pool, Audit: n.audit,
		Vocabulary: n.policy, Store: notifyStore, Secret: secret,
		MaxAge: cfg.Notify.MaxAge.D(), RetryInitial: cfg.Notify.RetryInitial.D(), RetryMax: cfg.Notify.RetryMax.D(),
		PerPeer: cfg.Notify.PerPeer, Timeout: cfg.Limits.RequestTimeout.D(), Registry: n.Metrics.Registry, Now: now,
		Witness: n.Witnessing(), FlowRetention: n.policy.RetentionDays, StatementSkew: cfg.Limits.ClockSkew.D(),
		ConsentMaxAge: cfg.Consents.MaxAge.D(), Flows: n.policy,
	}, log)
	if err != nil {
		return nil, err
	}
	tp := opt.TracerProvider
	if tp == nil {
		var shutdown func(context.Context) error
		tp, shutdown, err = tracing.New(context.Background(), cfg.Tracing, tracing.Identity{OIN: cfg.Node.OIN, Name: cfg.Node.Name, OrgType: cfg.Node.OrgType})
		if err != nil {
			return nil, err
		}
		n.closers = append(n.closers, func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return shutdown(ctx)
		})
	}
	n.health = health.NewServer()
	common := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(cfg.Limits.MaxMessageBytes),
		grpc.MaxSendMsgSize(cfg.Limits.MaxMessageBytes),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
		// Connections end after max_connection_age, so every certificate is
		// verified again (expiry, CRL, OCSP) at least that often.
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionAge: cfg.Trust.MaxConnectionAge.D(), MaxConnectionAgeGrace: cfg.Trust.MaxConnectionAgeGrace.D()}),
	}
	common = append(common, tracing.ServerOption(tp)...)
	n.peerSrv = grpc.NewServer(append(common,
		grpc.Creds(credentials.NewTLS(identity.ServerTLS(keyPair, n.trust.anchors.Pool, check))),
		grpc.ChainUnaryInterceptor(server.UnaryInterceptor("peer", n.Metrics, log),
			server.NewPeerLimits(cfg.Limits.PeerRate, cfg.Limits.PeerBurst, cfg.Limits.PeerConcurrency).
				WithDenials(cfg.Limits.PeerDenialRate, cfg.Limits.PeerDenialBurst).Interceptor()),
		grpc.MaxConcurrentStreams(uint32(cfg.Limits.PeerConcurrency)),
	)...)
	consultStore, err := consult.OpenStore(consult.DBPath(cfg.DataDir), log)
	if err != nil {
		return nil, err
	}
	n.closers = append(n.closers, consultStore.Close)
	consults := consult.New(consult.Config{Self: n.self, Policy: n.policy, Directory: dir, Conns: n.pool, Audit: n.audit,
		Store: consultStore, Timeout: cfg.Limits.RequestTimeout.D(), Skew: cfg.Limits.ClockSkew.D(), Now: now}, log)
	exchangeSrv := &server.Exchange{Directory: dir, Holder: holder, Metrics: n.Metrics, Notifications: n.notifier, Consults: consults}
	if cfg.Node.OrgType == monitor.KennispuntOrgType {
		ms, err := monitor.OpenStore(monitor.DBPath(cfg.DataDir), log)
		if err != nil {
			return nil, err
		}
		n.closers = append(n.closers, ms.Close)
		exchangeSrv.Monitoring = &monitor.Receiver{Self: n.self, Policy: n.policy, Audit: n.audit, Store: ms, Now: now}
	}
	exchangev1.RegisterExchangeServiceServer(n.peerSrv, exchangeSrv)
	healthpb.RegisterHealthServer(n.peerSrv, n.health)

	access := localAccess(cfg)
	if access.Open() {
		log.Warn("local.clients is empty: every certificate of the local client CA may call every local method")
	}
	// The local listener serves gRPC and JSON over HTTPS on one port
	// (gateway/jsonapi.Split completes the TLS handshake and routes by ALPN);
	// both go through the same interceptors, permissions included.
	n.localTLS = identity.ServerTLS(keyPair, n.trust.localCAs.Pool, n.trust.local.CheckChain)
	n.localSrv = grpc.NewServer(append(common,
		grpc.Creds(jsonapi.Credentials()),
		grpc.ChainUnaryInterceptor(server.UnaryInterceptor("local", n.Metrics, log), server.LocalAccessInterceptor(access, n.auditLocal, log)),
		grpc.ChainStreamInterceptor(server.LocalStreamInterceptor(access)),
	)...)
	localv1.RegisterLocalServiceServer(n.localSrv, &server.Local{Requester: requester, Obligations: n.audit, Notifier: n.notifier,
		InzageView: n.Inzage, MarkInzage: n.MarkInzage, Announcer: consents, Now: now})
	localv1.RegisterConsultServiceServer(n.localSrv, &server.Consults{Service: consults})
	localv1.RegisterMonitoringServiceServer(n.localSrv, &server.Monitoring{Exporter: monitor.NewExporter(monitor.ExporterConfig{
		Self: n.self, Signer: signer, Policy: n.policy, Directory: dir, Conns: n.pool, Audit: n.audit,
		Timeout: cfg.Limits.RequestTimeout.D(), Now: now}, log)})
	localv1.RegisterConsentServiceServer(n.localSrv, &server.Consents{Store: consents, MaxAge: cfg.Consents.MaxAge.D(), Now: now})
	localv1.RegisterPolicyServiceServer(n.localSrv, &server.Policy{
		Status:     func() *localv1.GetPolicyStatusResponse { return StatusProto(n.policy.Status()) },
		Vocabulary: n.policy.Vocabulary,
	})
	consoleAPI := &server.Console{DefaultUser: config.ConsoleAdmin, Log: log}
	localv1.RegisterConsoleServiceServer(n.localSrv, consoleAPI)
	healthpb.RegisterHealthServer(n.localSrv, n.health)
	if cfg.Local.ReflectionEnabled() {
		// Server reflection on the local listener only, never on the peer port.
		reflection.Register(n.localSrv)
	}
	jsonHandler, err := jsonapi.Handler(n.localSrv, cfg.Limits.MaxMessageBytes)
	if err != nil {
		return nil, fmt.Errorf("local JSON API: %w", err)
	}
	n.jsonSrv = jsonapi.Server(jsonHandler)

	if err := n.listen(); err != nil {
		return nil, err
	}
	if err := n.setupConsole(keyPair, signer.Public(), consoleAPI); err != nil {
		return nil, err
	}
	return n, nil
}

func (n *Node) listen() error {
	pl, err := net.Listen("tcp", n.cfg.Listen.Peer)
	if err != nil {
		return fmt.Errorf("listen.peer: %w", err)
	}
	n.listeners = append(n.listeners, pl)
	ll, err := net.Listen("tcp", n.cfg.Listen.Local)
	if err != nil {
		return fmt.Errorf("listen.local: %w", err)
	}
	n.listeners = append(n.listeners, ll)
	n.PeerAddr, n.LocalAddr = pl.Addr().String(), ll.Addr().String()
	n.localSplit = jsonapi.NewSplit(ll, n.localTLS, n.log)
	if n.cfg.Listen.Metrics != "" {
		ml, err := net.Listen("tcp", n.cfg.Listen.Metrics)
		if err != nil {
			return fmt.Errorf("listen.metrics: %w", err)
		}
		n.listeners = append(n.listeners, ml)
		n.MetricsAddr = ml.Addr().String()
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(n.Metrics.Registry, promhttp.HandlerOpts{}))
		mux.HandleFunc("/healthz", n.healthz)
		if n.cfg.Listen.Pprof {
			mux.HandleFunc("/debug/pprof/", pprof.Index)
			mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
			mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
			mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
			mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		}
		n.metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	}
	return nil
}

// healthz reports liveness and the active policy pack (and the last refused one).
func (n *Node) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(withDirectory(withRevocation(n.healthJSON(), n.trust), n.directory))
}

// Run serves until ctx is done, then shuts down gracefully: in-flight calls
// finish, new ones are refused.
func (n *Node) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	errc := make(chan error, 5)
	serve := func(f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, grpc.ErrServerStopped) {
				errc <- err
			}
		}()
	}
	serve(func() error { return n.peerSrv.Serve(n.listeners[0]) })
	serve(func() error { return n.localSrv.Serve(n.localSplit.GRPC()) })
	serve(func() error { return n.jsonSrv.Serve(n.localSplit.HTTP()) })
	if n.metricsSrv != nil {
		serve(func() error { return n.metricsSrv.Serve(n.listeners[2]) })
	}
	n.serveConsole(serve)
	go n.refreshLoop(ctx)
	n.runMarker()
	go n.policy.Watch(ctx, n.policyPoll)
	notifyCtx, stopNotify := context.WithCancel(ctx)
	notifyDone := make(chan struct{})
	go func() { defer close(notifyDone); _ = n.notifier.Run(notifyCtx) }()
	n.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	n.log.Info("node serving", "oin", n.self.OIN, "org_type", n.self.OrgType, "peer", n.PeerAddr, "local", n.LocalAddr,
		"metrics", n.MetricsAddr, "policy_revision", n.policy.Revision())
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	n.health.Shutdown()
	stopNotify()
	<-notifyDone
	n.shutdown()
	wg.Wait()
	n.stopWitness()
	n.closeAll()
	n.log.Info("node stopped", "oin", n.self.OIN)
	return runErr
}

func (n *Node) shutdown() {
	done := make(chan struct{})
	go func() {
		// JSON calls run through the local gRPC server: drain them first.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = n.jsonSrv.Shutdown(ctx)
		n.peerSrv.GracefulStop()
		n.localSrv.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = n.jsonSrv.Close()
		n.peerSrv.Stop()
		n.localSrv.Stop()
	}
	if n.metricsSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = n.metricsSrv.Shutdown(ctx)
	}
	n.stopConsole()
}

func (n *Node) closeAll() {
	for _, l := range n.listeners {
		_ = l.Close()
	}
	n.listeners = nil
	for i := len(n.closers) - 1; i >= 0; i-- {
		if err := n.closers[i](); err != nil {
			n.log.Warn("close", "err", err)
		}
	}
	n.closers = nil
}

func checkOwnOIN(kp tls.Certificate, want string) error {
	if kp.Leaf == nil {
		return errors.New("identity.cert: no certificate")
	}
	got, err := oin.FromCert(kp.Leaf)
	if err != nil {
		return fmt.Errorf("identity.cert: %w", err)
	}
	if got != want {
		return fmt.Errorf("identity.cert: certificate carries OIN %s, node.oin is %s", got, want)
	}
	return nil
}

// checkOrgTypes refuses a configuration whose own or peers' org types the
// policy pack does not know: a typo there would make every decision a
// denial (no flow matches an unknown org type), silently.
func checkOrgTypes(cfg *config.Config, d *policy.Data) error {
	known := map[string]bool{}
	for _, o := range d.OrgTypes {
		known[o.ID] = true
	}
	var errs []error
	if !known[cfg.Node.OrgType] {
		errs = append(errs, fmt.Errorf("node.org_type: %q is not an org type of the policy pack", cfg.Node.OrgType))
	}
	for i, p := range cfg.Peers {
		if !known[p.OrgType] {
			errs = append(errs, fmt.Errorf("peers[%d].org_type: %q (OIN %s) is not an org type of the policy pack", i, p.OrgType, p.OIN))
		}
	}
	return errors.Join(errs...)
}

// loadOrCreateSecret reads the pseudonym secret (as audit.LoadSecret does, so
// that `schakel audit inzage` finds the same pseudonyms), creating 32 random
// bytes, hex-encoded, mode 0600, on first start. A secret readable by group or
// others is refused.
func loadOrCreateSecret(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(hex.EncodeToString(b)+"\n"), 0o600); err != nil {
			return nil, err
		}
		return audit.LoadSecret(path)
	}
	if err != nil {
		return nil, err
	}
	if err := checkSecretMode(path, fi); err != nil {
		return nil, err
	}
	return audit.LoadSecret(path)
}

// AuditRecords lists the node's audit records about a child (as holder and
// as recipient), oldest first: the basis of an inzage report.
func (n *Node) AuditRecords(ctx context.Context, bsn string) ([]audit.Stored, error) {
	return n.audit.BySubject(ctx, audit.Pseudonym(n.secret, bsn))
}

// ReloadPolicy re-verifies and swaps in the configured policy pack; the last
// good pack stays active when the new one is refused.
func (n *Node) ReloadPolicy() error { return n.policy.Reload() }

// PolicyStatus reports the active and last refused pack.
func (n *Node) PolicyStatus() Status { return n.policy.Status() }

// refreshLoop re-reads changed CRLs (and fetches due ones) every 5 s and
// checks the signed peer directory every second, until ctx is done.
func (n *Node) refreshLoop(ctx context.Context) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	d := time.NewTicker(time.Second)
	defer d.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n.trust.refresh()
		case <-d.C:
			if n.directory != nil {
				n.directory.Poll()
			}
		}
	}
}
