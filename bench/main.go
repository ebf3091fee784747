// Command bench is Schakel's end-to-end benchmark (`make bench`).
//
// It runs the Go micro-benchmarks, times a default-pack decision embedded
// against the same decision asked of `opa run --server` over HTTP, starts a
// recipient node and a holder node (`schakel serve`, embedded defaults:
// SQLite source and consents, durable SQLite audit with group commit, the
// default pack) beside a bare two-hop mutual-TLS gRPC forward, drives both
// with the same closed-loop load generator at several concurrencies,
// interleaving gateway and baseline runs, records the holder's peak RSS,
// optionally compares two holder replicas on one PostgreSQL store with one,
// writes bench/results/latest.json, updates BENCHMARKS.md and prints the
// summary line last.
package main

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/release"
	"github.com/schakel/schakel/gateway/source"
	"github.com/schakel/schakel/gateway/traceparent"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "backend" || os.Args[1] == "proxy") {
		if err := runRole(os.Args[1], os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "bench "+os.Args[1]+":", err)
			os.Exit(1)
		}
		return
	}
	var o options
	flag.StringVar(&o.bin, "bin", "bin/schakel", "the schakel binary")
	flag.StringVar(&o.dir, "dir", "", "work folder (default: a temporary folder, removed afterwards)")
	flag.DurationVar(&o.dur, "dur", 4*time.Second, "measured time of one load run")
	flag.DurationVar(&o.warm, "warm", time.Second, "warm-up before each load run")
	flag.IntVar(&o.rounds, "rounds", 2, "interleaved rounds (gateway, baseline) per concurrency")
	flag.StringVar(&o.conc, "conc", "1,8,64", "concurrencies")
	flag.StringVar(&o.benchtime, "benchtime", "1s", "go test -benchtime of the micro-benchmarks (\"\" skips them)")
	flag.IntVar(&o.decisions, "decisions", 2000, "decisions timed embedded and over HTTP")
	flag.IntVar(&o.children, "children", 1000, "generated children in the holder's source (varied ages, consents, categories)")
	flag.StringVar(&o.pg, "pg", "postgres://127.0.0.1:5432/test?sslmode=disable", "PostgreSQL for the replica scaling run (\"\" skips it)")
	flag.StringVar(&o.profile, "profile", "bench/results/profiles", "folder: also take 10 s CPU profiles of both nodes under c64, in an extra run (\"\" skips it)")
	flag.StringVar(&o.out, "out", "bench/results/latest.json", "results file")
	flag.StringVar(&o.md, "md", "BENCHMARKS.md", "markdown file whose tables are updated (\"\" skips it)")
	flag.StringVar(&o.note, "note", "", "what changed, for the History row")
	flag.Parse()
	res, err := run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	fmt.Println(res.summaryLine())
}

type options struct {
	bin, dir, conc, benchtime, pg, profile, out, md, note string
	packCfg                                               string // set by run
	dur, warm                                             time.Duration
	rounds, decisions, children                           int
}

// Results is bench/results/latest.json.
type Results struct {
	Time       time.Time       `json:"time"`
	Commit     string          `json:"commit"`
	Machine    machine         `json:"machine"`
	Note       string          `json:"note,omitempty"`
	Settings   map[string]any  `json:"settings"`
	Micro      []microResult   `json:"micro,omitempty"`
	Decision   decisionResult  `json:"decision"`
	Gateway    []loadResult    `json:"gateway"`
	Baseline   []loadResult    `json:"baseline"`
	Runs       []loadResult    `json:"runs"` // every run in the order taken
	Ratios     []ratio         `json:"ratios"`
	PayloadB   int             `json:"payload_bytes"`
	Fsync      fsyncResult     `json:"fsync"`
	RSS        rss             `json:"rss"`
	Scaling    *scaling        `json:"scaling,omitempty"`
	Summary    summary         `json:"summary"`
	ProfileDir string          `json:"profile_dir,omitempty"`
	Profile    []profileShares `json:"profile,omitempty"`
}

type machine struct {
	NProc     int    `json:"nproc"`
	Model     string `json:"model"`
	GoVersion string `json:"go_version"`
	Load1     string `json:"loadavg_at_start"`
}

type ratio struct {
	Concurrency int     `json:"concurrency"`
	QPS         float64 `json:"qps_gateway_over_baseline"`
	P50         float64 `json:"p50_gateway_over_baseline"`
	P99         float64 `json:"p99_gateway_over_baseline"`
}

type rss struct {
	HolderMiB    float64 `json:"holder_vmhwm_mib"`
	RecipientMiB float64 `json:"recipient_vmhwm_mib"`
	ProxyMiB     float64 `json:"baseline_proxy_vmhwm_mib"`
}

type summary struct {
	RatioQPSC64 float64 `json:"ratio_qps_c64"`
	RatioP50C1  float64 `json:"ratio_p50_c1"`
	// AddedP50C1us is the gateway's p50 at concurrency 1 minus the bare
	// forward's; the target is at most 2 × FsyncP50us + 250 µs (one durable
	// commit per side is the floor).
	AddedP50C1us  float64 `json:"added_p50_c1_us"`
	FsyncP50us    float64 `json:"fsync_p50_us"`
	DecisionP50us float64 `json:"decision_p50_us"`
	OPAOverEmb    float64 `json:"opa_http_over_embedded"`
	RSSMiB        float64 `json:"rss_mib"`
}

func (r *Results) summaryLine() string {
	s := r.Summary
	return fmt.Sprintf("bench: ratio_qps_c64=%.2f ratio_p50_c1=%.2f added_p50_c1_us=%.0f fsync_p50_us=%.0f decision_p50_us=%.0f opa_http_over_embedded=%.1f rss_mib=%.0f",
		s.RatioQPSC64, s.RatioP50C1, s.AddedP50C1us, s.FsyncP50us, s.DecisionP50us, s.OPAOverEmb, s.RSSMiB)
}

func run(o options) (*Results, error) {
	ctx := context.Background()
	concs, err := parseConc(o.conc)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(o.bin); err != nil {
		return nil, fmt.Errorf("%s: %w (run make build)", o.bin, err)
	}
	bin, _ := filepath.Abs(o.bin)
	work := o.dir
	if work == "" {
		if work, err = os.MkdirTemp("", "schakel-bench-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(work)
	} else if err := os.MkdirAll(work, 0o700); err != nil {
		return nil, err
	}
	res := &Results{Time: time.Now().UTC(), Commit: gitCommit(), Machine: describeMachine(), Note: o.note,
		Settings: map[string]any{"dur_s": o.dur.Seconds(), "warm_s": o.warm.Seconds(), "rounds": o.rounds,
			"concurrency": concs, "pack": "nodes: the default pack (policy/pack) built, signed by two keys and verified (threshold 2) at start; decision micro-benchmarks: the embedded default pack",
			"audit": "SQLite WAL, synchronous=FULL, group commit (node defaults)", "tls": "TLS 1.3 mutual TLS on every hop",
			"peer_rate_limit": "1e6/s (limiter on, above the offered load)", "log_level": "info (node default)"}}
	fmt.Printf("bench: %s, %d CPUs (%s), %s, load %s\n", res.Commit, res.Machine.NProc, res.Machine.Model, res.Machine.GoVersion, res.Machine.Load1)

	// 1. Micro-benchmarks, before any process competes for the CPUs.
	if o.benchtime != "" {
		fmt.Println("micro-benchmarks (go test -bench, -benchtime " + o.benchtime + "):")
		if res.Micro, err = runMicro(o.benchtime); err != nil {
			return nil, err
		}
	}

	// 2. One decision: embedded against OPA over HTTP.
	fmt.Println("decision: embedded engine vs opa run --server over HTTP (loopback):")
	if res.Decision, err = measureDecisions(ctx, work, o.decisions); err != nil {
		return nil, fmt.Errorf("decision: %w", err)
	}
	d := res.Decision
	fmt.Printf("  embedded p50 %.0f µs p99 %.0f µs; opa http p50 %.0f µs p99 %.0f µs; ratio %.1f\n",
		d.EmbeddedP50us, d.EmbeddedP99us, d.OPAHTTPP50us, d.OPAHTTPP99us, d.OPAHTTPOverEmb)

	// 3. The floor of one durable commit on the disk the nodes write to.
	if res.Fsync, err = measureFsync(work, 500); err != nil {
		return nil, fmt.Errorf("fsync: %w", err)
	}
	fmt.Printf("fsync: 4 KiB write + fdatasync in the data folder: p50 %.0f µs p99 %.0f µs (%d samples)\n",
		res.Fsync.P50us, res.Fsync.P99us, res.Fsync.Samples)

	// 4. Gateway and baseline.
	if err := pki(work, school, zorg); err != nil {
		return nil, err
	}
	anchors := filepath.Join(work, "federation-ca", "ca.pem")
	packCfg, err := signedPack(bin, work)
	if err != nil {
		return nil, fmt.Errorf("signed pack: %w", err)
	}
	holder, recipient := newNode(school, "node"), newNode(zorg, "node")
	holder.peers, recipient.peers = []*nodeSpec{recipient}, []*nodeSpec{holder}
	// The holder's source: the built-in fixture's children plus o.children
	// generated ones with varied ages, consents and requested categories.
	kids, err := writeChildren(filepath.Join(work, "children.yaml"), o.children, time.Now())
	if err != nil {
		return nil, err
	}
	if err := appendDefaultChildren(filepath.Join(work, "children.yaml")); err != nil {
		return nil, err
	}
	holder.fixture = filepath.Join(work, "children.yaml")
	res.Settings["children"] = len(kids)
	holder.policy, recipient.policy = packCfg, packCfg
	var procs []*proc
	defer func() {
		for i := len(procs) - 1; i >= 0; i-- {
			procs[i].stop()
		}
	}()
	for _, n := range []*nodeSpec{holder, recipient} {
		if err := startNode(ctx, bin, n, anchors); err != nil {
			return nil, err
		}
		procs = append(procs, n.proc)
	}
	for _, n := range []*nodeSpec{holder, recipient} {
		st, err := policyStatus(n)
		if err != nil {
			return nil, err
		}
		if len(st.Policy.Signers) != 2 {
			return nil, fmt.Errorf("%s runs pack %s signed by %v, want the bench's two signers", n.org.key, st.Policy.Revision, st.Policy.Signers)
		}
		res.Settings["pack_revision"] = st.Policy.Revision
		var names []string
		for _, sg := range st.Policy.Signers {
			names = append(names, sg.Name)
		}
		res.Settings["pack_signers"] = names
	}
	fmt.Printf("nodes run the signed pack %v (signers %v)\n", res.Settings["pack_revision"], res.Settings["pack_signers"])
	if err := registerChildConsents(ctx, holder, anchors, kids); err != nil {
		return nil, err
	}
	fmt.Printf("holder source: %d generated children (ages 4-17) with their consents, %d category sets\n", len(kids), len(categorySets))
	gwConn, err := recipient.dialLocal(anchors)
	if err != nil {
		return nil, err
	}
	defer gwConn.Close()
	gw := localv1.NewLocalServiceClient(gwConn)
	req := &localv1.RequestRecordRequest{HolderOin: school.oin, Purpose: "afstemming_hulp_onderwijs", Bsn: kids[0].BSN,
		Categories: []string{"identificatie", "verzuim", "opp"}, Role: "jeugdhulpverlener", Relation: true, CaseReference: "bench"}
	first, err := gw.RequestRecord(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("first gateway request: %w", err)
	}
	if !first.GetDecision().GetAllow() || first.GetRecord() == nil {
		return nil, fmt.Errorf("first gateway request was not released: %v", first.GetDecision())
	}
	payload, err := proto.Marshal(first)
	if err != nil {
		return nil, err
	}
	res.PayloadB = len(payload)
	respFile := filepath.Join(work, "baseline-response.pb")
	if err := os.WriteFile(respFile, payload, 0o600); err != nil {
		return nil, err
	}
	fmt.Printf("gateway: holder %s, recipient %s; a released response is %d bytes\n", holder.peer, recipient.local, len(payload))

	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	backAddr, proxyAddr := freePort(), freePort()
	back, err := startProc("baseline backend", filepath.Join(work, "backend.log"), self, "backend", "-listen", backAddr,
		"-cert", filepath.Join(school.dir, school.oin+".pem"), "-key", filepath.Join(school.dir, school.oin+".key"),
		"-client-ca", anchors, "-response", respFile)
	if err != nil {
		return nil, err
	}
	procs = append(procs, back)
	proxy, err := startProc("baseline proxy", filepath.Join(work, "proxy.log"), self, "proxy", "-listen", proxyAddr,
		"-cert", filepath.Join(zorg.dir, zorg.oin+".pem"), "-key", filepath.Join(zorg.dir, zorg.oin+".key"),
		"-client-ca", filepath.Join(zorg.dir, "local-ca", "ca.pem"), "-anchors", anchors, "-next", backAddr, "-next-oin", school.oin)
	if err != nil {
		return nil, err
	}
	procs = append(procs, proxy)
	baseConn, err := (&nodeSpec{org: zorg, local: proxyAddr}).dialLocal(anchors)
	if err != nil {
		return nil, err
	}
	defer baseConn.Close()
	base := localv1.NewLocalServiceClient(baseConn)
	if err := waitFor(func() error {
		if err := back.exited(); err != nil {
			return err
		}
		if err := proxy.exited(); err != nil {
			return err
		}
		r, err := base.RequestRecord(ctx, req)
		if err == nil && proto.Size(r) != len(payload) {
			return fmt.Errorf("baseline response is %d bytes, want %d", proto.Size(r), len(payload))
		}
		return err
	}); err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}

	nextReq := mixedRequests(kids)
	callGW := func(ctx context.Context) error {
		r, err := gw.RequestRecord(ctx, nextReq())
		if err == nil && !r.GetDecision().GetAllow() {
			return errors.New("not released")
		}
		return err
	}
	callBase := func(ctx context.Context) error { _, err := base.RequestRecord(ctx, req); return err }
	byKey := map[string][]loadResult{}
	for round := range o.rounds {
		for _, c := range concs {
			order := []string{"gateway", "baseline"}
			if round%2 == 1 {
				order = []string{"baseline", "gateway"}
			}
			for _, t := range order {
				call := callGW
				if t == "baseline" {
					call = callBase
				}
				r := drive(t, c, o.warm, o.dur, call)
				fmt.Println("  " + r.String())
				res.Runs = append(res.Runs, r)
				byKey[fmt.Sprint(t, c)] = append(byKey[fmt.Sprint(t, c)], r)
			}
		}
	}
	for _, c := range concs {
		g, b := merge(byKey[fmt.Sprint("gateway", c)]), merge(byKey[fmt.Sprint("baseline", c)])
		res.Gateway = append(res.Gateway, g)
		res.Baseline = append(res.Baseline, b)
		res.Ratios = append(res.Ratios, ratio{Concurrency: c, QPS: g.QPS / b.QPS, P50: g.P50us / b.P50us, P99: g.P99us / b.P99us})
	}
	kib := func(p *proc) float64 {
		v, err := vmHWM(p.pid())
		if err != nil {
			return 0
		}
		return float64(v) / 1024
	}
	res.RSS = rss{HolderMiB: kib(holder.proc), RecipientMiB: kib(recipient.proc), ProxyMiB: kib(proxy)}
	fmt.Printf("peak RSS (VmHWM): holder %.0f MiB, recipient %.0f MiB, baseline proxy %.0f MiB\n", res.RSS.HolderMiB, res.RSS.RecipientMiB, res.RSS.ProxyMiB)

	if o.profile != "" {
		if res.Profile, err = profileRun(o, bin, holder, recipient, callGW); err != nil {
			return nil, err
		}
		res.ProfileDir = o.profile
	}
	for i := len(procs) - 1; i >= 0; i-- {
		procs[i].stop()
	}
	procs = nil

	// 5. Scaling one organisation over PostgreSQL.
	o.packCfg = packCfg
	if o.pg != "" {
		lotte, err := fixtureChild("Lotte")
		if err != nil {
			return nil, err
		}
		sc, err := runScaling(ctx, o, bin, work, anchors, lotte.BSN)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: scaling run skipped:", err)
			res.Scaling = &scaling{Error: err.Error()}
		} else {
			res.Scaling = sc
		}
	}

	res.Summary = summary{DecisionP50us: res.Decision.EmbeddedP50us, OPAOverEmb: res.Decision.OPAHTTPOverEmb, RSSMiB: res.RSS.HolderMiB,
		FsyncP50us: res.Fsync.P50us}
	for i, g := range res.Gateway {
		if g.Concurrency == 1 {
			res.Summary.AddedP50C1us = g.P50us - res.Baseline[i].P50us
		}
	}
	for _, r := range res.Ratios {
		if r.Concurrency == 64 {
			res.Summary.RatioQPSC64 = r.QPS
		}
		if r.Concurrency == 1 {
			res.Summary.RatioP50C1 = r.P50
		}
	}
	if err := writeResults(o, res); err != nil {
		return nil, err
	}
	return res, nil
}

func profileRun(o options, bin string, holder, recipient *nodeSpec, call func(context.Context) error) ([]profileShares, error) {
	if err := os.MkdirAll(o.profile, 0o755); err != nil {
		return nil, err
	}
	errc := make(chan error, 2)
	for _, n := range []*nodeSpec{holder, recipient} {
		go func() { errc <- fetchProfile(n.metrics, 10, filepath.Join(o.profile, n.org.key+".cpu.pprof")) }()
	}
	go func() {
		// Where the requests wait: goroutine stacks halfway through.
		time.Sleep(5 * time.Second)
		for _, n := range []*nodeSpec{holder, recipient} {
			_ = fetchURL(fmt.Sprintf("http://%s/debug/pprof/goroutine?debug=1", n.metrics), filepath.Join(o.profile, n.org.key+".goroutines.txt"))
		}
	}()
	r := drive("gateway", 64, 500*time.Millisecond, 11*time.Second, call)
	fmt.Println("  profiled " + r.String())
	for range 2 {
		if err := <-errc; err != nil {
			return nil, fmt.Errorf("profile: %w", err)
		}
	}
	fmt.Printf("  CPU profiles in %s (go tool pprof -top bin/schakel %s/school.cpu.pprof)\n", o.profile, o.profile)
	// The profiles cover 10 s of the 11 s run.
	calls := int(float64(r.Calls) * 10 / r.Seconds)
	var out []profileShares
	for _, n := range []*nodeSpec{holder, recipient} {
		s, err := shares(bin, filepath.Join(o.profile, n.org.key+".cpu.pprof"), n.org.key, calls)
		if err != nil {
			return nil, err
		}
		fmt.Printf("  %s: %.2f s CPU, ~%.0f µs per call\n", n.org.key, s.CPUSeconds, s.CPUPerCall)
		for _, c := range costCategories {
			fmt.Printf("    %-62s %5.1f%%\n", c.name, s.Percent[c.name])
		}
		out = append(out, s)
	}
	return out, nil
}

type healthz struct {
	Policy struct {
		Revision string `json:"revision"`
		Signers  []struct {
			Name string `json:"name"`
		} `json:"signers"`
	} `json:"policy"`
}

// policyStatus reads the node's /healthz: the active pack and its signers.
func policyStatus(n *nodeSpec) (healthz, error) {
	var h healthz
	resp, err := http.Get("http://" + n.metrics + "/healthz")
	if err != nil {
		return h, err
	}
	defer resp.Body.Close()
	return h, json.NewDecoder(resp.Body).Decode(&h)
}

func waitFor(f func() error) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := f()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func fixtureChild(name string) (source.Child, error) {
	kids, err := source.Children(source.DefaultFixture)
	if err != nil {
		return source.Child{}, err
	}
	for _, k := range kids {
		if k.GivenName == name || strings.HasPrefix(k.Name, name+" ") {
			return k, nil
		}
	}
	return source.Child{}, fmt.Errorf("no fixture child %s", name)
}

// registerConsent records the young person's own consent (Lotte is 17 and
// the school's pupil: hers alone counts) at the holder for the recipient,
// so every benchmark request is released (the full path: decide, fetch,
// minimise, audit, sign, verify, audit).
func registerConsent(ctx context.Context, holder *nodeSpec, anchors, bsn string) error {
	conn, err := holder.dialLocal(anchors)
	if err != nil {
		return err
	}
	defer conn.Close()
	now := time.Now()
	_, err = localv1.NewConsentServiceClient(conn).RegisterConsent(ctx, &localv1.RegisterConsentRequest{Consent: &localv1.Consent{
		Bsn: bsn, GivenBy: "jeugdige", Giver: "jeugdige-0", RecipientOin: zorg.oin, Purpose: "afstemming_hulp_onderwijs",
		Categories: []string{"identificatie", "verzuim", "opp"},
		GivenAt:    timestamppb.New(now.Add(-time.Minute)), ValidUntil: timestamppb.New(now.AddDate(1, 0, 0)),
	}})
	if err != nil {
		return fmt.Errorf("register consent at %s: %w", holder.local, err)
	}
	return nil
}

// peerCall is one exchange request straight to a holder's peer listener, as
// the recipient's node sends it.
func peerCall(conn *grpc.ClientConn, bsn string, signer crypto.Signer) func(ctx context.Context) error {
	c := exchangev1.NewExchangeServiceClient(conn)
	return func(ctx context.Context) error {
		tc := traceparent.New()
		req := &exchangev1.RequestRecordRequest{
			RequestId: release.NewID(), SentAt: timestamppb.Now(), Purpose: "afstemming_hulp_onderwijs", Bsn: bsn,
			Categories: []string{"identificatie", "verzuim", "opp"}, RecipientRole: "jeugdhulpverlener", Relation: true,
			CaseReference: "bench"}
		// Signed as the requesting node signs it: the holder refuses a
		// request without its statement.
		var err error
		if req.Statement, err = release.SignStatement(signer, release.RequestStatement(req, school.oin, zorg.oin, "", nil)); err != nil {
			return err
		}
		r, err := c.RequestRecord(traceparent.Outgoing(ctx, tc), req)
		if err == nil && !r.GetDecision().GetAllow() {
			return errors.New("not released")
		}
		return err
	}
}

func parseConc(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-conc: %q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func describeMachine() machine {
	m := machine{NProc: runtime.NumCPU(), GoVersion: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				m.Model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		m.Load1 = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	return m
}

func writeJSON(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
