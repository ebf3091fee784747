package node_test

// Hardening tests (issue 8): replay protection, limits, deadlines,
// revocation and secrets, each through running nodes over real mutual TLS.

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/bsn"
	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/gateway/server"
	"github.com/schakel/schakel/gateway/source"
	"github.com/schakel/schakel/internal/testnode"
	"github.com/schakel/schakel/internal/testpki"
	"github.com/schakel/schakel/policy"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
	sourcev1 "github.com/schakel/schakel/proto/schakel/source/v1"
)

// peerRequest is a well-formed peer request for one child, sent at sentAt.
func peerRequest(childBSN string, sentAt time.Time) *exchangev1.RequestRecordRequest {
	return &exchangev1.RequestRecordRequest{
		RequestId: randomID(), SentAt: timestamppb.New(sentAt), Purpose: "afstemming_hulp_onderwijs",
		Bsn: childBSN, Categories: []string{"verzuim"}, RecipientRole: "jeugdhulpverlener", Relation: true,
	}
}

func wantRefusal(t *testing.T, err error, code codes.Code, reason string) {
	t.Helper()
	if status.Code(err) != code || server.Reason(err) != reason {
		t.Fatalf("err = %v (reason %q), want %v %s", err, server.Reason(err), code, reason)
	}
}

// TestReplayAndClockSkewRefusedAndAudited: the holder refuses a request id it
// has seen and a timestamp outside its configured clock skew, releases
// nothing for either, and writes an audit record of each refusal.
func TestReplayAndClockSkewRefusedAndAudited(t *testing.T) {
	src := fixtureSource(t)
	var offset atomic.Int64 // the holder's clock runs ahead of real time by offset
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	f, school, _ := twoNodes(t, func(c *config.Config, o *node.Options) {
		o.Decider = allowDecider{}
		o.Source = src
		o.Now = clock
		c.Limits.ClockSkew = config.Duration(30 * time.Second)
	})
	// Well after start, so only the configured skew decides (not the
	// "sent before this node started" rule).
	offset.Store(int64(5 * time.Minute))
	zorgCert := f.CA.Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name)
	peer := f.PeerClient(school, zorgCert.TLS)
	bas := testnode.Child(t, "Bas")
	ctx := context.Background()

	first := peerRequest(bas.BSN, clock().Add(-10*time.Second))
	resp, err := peer.RequestRecord(ctx, first)
	if err != nil || !resp.GetDecision().GetAllow() || resp.GetRecord() == nil {
		t.Fatalf("first request: %v, %v", resp, err)
	}
	fetches := src.records.Load()

	_, err = peer.RequestRecord(ctx, first)
	wantRefusal(t, err, codes.AlreadyExists, "REPLAYED_REQUEST")

	// 45 s old: inside the default skew of 2 minutes, outside the configured 30 s.
	_, err = peer.RequestRecord(ctx, peerRequest(bas.BSN, clock().Add(-45*time.Second)))
	wantRefusal(t, err, codes.FailedPrecondition, "CLOCK_SKEW")
	_, err = peer.RequestRecord(ctx, peerRequest(bas.BSN, clock().Add(45*time.Second)))
	wantRefusal(t, err, codes.FailedPrecondition, "CLOCK_SKEW")

	if n := src.records.Load(); n != fetches {
		t.Errorf("refused requests fetched the record %d times", n-fetches)
	}
	stored, err := school.Node.AuditRecords(ctx, bas.BSN)
	if err != nil {
		t.Fatal(err)
	}
	refusals := map[string]int{}
	for _, s := range stored {
		if s.Record.Name != audit.ActionRequestRefuse {
			continue
		}
		if s.Record.Allow || len(s.Record.CategoriesReleased) > 0 || s.Record.RecipientOIN != testnode.Zorg.OIN {
			t.Errorf("refusal record %+v", s.Record)
		}
		for _, c := range s.Record.ReasonCodes {
			refusals[c]++
		}
	}
	if refusals["REPLAYED_REQUEST"] != 1 || refusals["CLOCK_SKEW"] != 2 {
		t.Errorf("audited refusals = %v, want 1 REPLAYED_REQUEST and 2 CLOCK_SKEW", refusals)
	}
}

// TestMaxMessageSize: a request larger than limits.max_message_bytes is
// refused with ResourceExhausted before it reaches the pipeline.
func TestMaxMessageSize(t *testing.T) {
	src := fixtureSource(t)
	f, school, _ := twoNodes(t, func(c *config.Config, o *node.Options) {
		o.Decider = allowDecider{}
		o.Source = src
		c.Limits.MaxMessageBytes = 2048
	})
	peer := f.PeerClient(school, f.CA.Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name).TLS)
	big := peerRequest(testnode.Child(t, "Bas").BSN, time.Now())
	big.Justification = strings.Repeat("x", 3000) // valid (at most 4000), but over the limit
	_, err := peer.RequestRecord(context.Background(), big)
	if status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("oversized request: %v, want ResourceExhausted", err)
	}
	if n := src.records.Load(); n != 0 {
		t.Errorf("oversized request fetched the record %d times", n)
	}
	if _, err := peer.RequestRecord(context.Background(), peerRequest(testnode.Child(t, "Bas").BSN, time.Now())); err != nil {
		t.Fatalf("request under the limit: %v", err)
	}
}

// TestPeerRateLimitIsPerPeer: a flood from one organisation runs out of its
// own tokens (ResourceExhausted, RATE_LIMITED); another organisation's
// requests still succeed.
func TestPeerRateLimitIsPerPeer(t *testing.T) {
	f := testnode.New(t)
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg, testnode.Gemeente}, func(c *config.Config, o *node.Options) {
		o.Decider = allowDecider{}
		o.Source = fixtureSource(t)
		c.Limits.PeerRate = 0.001 // one token per 1000 s: the burst is all a peer gets here
		c.Limits.PeerBurst = 3
	})
	zorg := f.PeerClient(school, f.CA.Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name).TLS)
	gemeente := f.PeerClient(school, f.CA.Issue(t, testnode.Gemeente.OIN, testnode.Gemeente.Name).TLS)
	bas := testnode.Child(t, "Bas")
	ok, limited := 0, 0
	for i := 0; i < 10; i++ {
		_, err := zorg.RequestRecord(context.Background(), peerRequest(bas.BSN, time.Now()))
		switch {
		case err == nil:
			ok++
		case status.Code(err) == codes.ResourceExhausted && server.Reason(err) == "RATE_LIMITED":
			limited++
		default:
			t.Fatalf("flood request %d: %v", i, err)
		}
	}
	if ok != 3 || limited != 7 {
		t.Errorf("flood: %d served, %d rate limited; want 3 and 7", ok, limited)
	}
	for i := 0; i < 3; i++ {
		if _, err := gemeente.RequestRecord(context.Background(), peerRequest(bas.BSN, time.Now())); err != nil {
			t.Fatalf("other peer's request %d during the flood: %v", i, err)
		}
	}
}

// blockingSource holds Facts for one BSN until release is closed.
type blockingSource struct {
	source.Source
	bsn     string
	entered chan struct{}
	release chan struct{}
}

func (s *blockingSource) Facts(ctx context.Context, b, holder, oin string) (source.Facts, error) {
	if b == s.bsn {
		s.entered <- struct{}{}
		select {
		case <-s.release:
		case <-ctx.Done():
			return source.Facts{}, ctx.Err()
		}
	}
	return s.Source.Facts(ctx, b, holder, oin)
}

// TestPeerConcurrencyLimitIsPerPeer: while one organisation has its one
// allowed call in flight, its next call gets ResourceExhausted
// (TOO_MANY_CONCURRENT), and another organisation is served meanwhile.
func TestPeerConcurrencyLimitIsPerPeer(t *testing.T) {
	bas, tina := testnode.Child(t, "Bas"), testnode.Child(t, "Tina")
	src := &blockingSource{Source: fixtureSource(t), bsn: bas.BSN, entered: make(chan struct{}, 1), release: make(chan struct{})}
	f := testnode.New(t)
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg, testnode.Gemeente}, func(c *config.Config, o *node.Options) {
		o.Decider = allowDecider{}
		o.Source = src
		c.Limits.PeerConcurrency = 1
	})
	zorgCert := f.CA.Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name)
	slow := make(chan error, 1)
	go func() {
		_, err := f.PeerClient(school, zorgCert.TLS).RequestRecord(context.Background(), peerRequest(bas.BSN, time.Now()))
		slow <- err
	}()
	select {
	case <-src.entered:
	case err := <-slow:
		t.Fatalf("first call ended before reaching the source: %v", err)
	}
	// A second connection of the same organisation: over its limit.
	_, err := f.PeerClient(school, zorgCert.TLS).RequestRecord(context.Background(), peerRequest(tina.BSN, time.Now()))
	wantRefusal(t, err, codes.ResourceExhausted, "TOO_MANY_CONCURRENT")
	// Another organisation is not held up by zorg's call.
	gemeente := f.PeerClient(school, f.CA.Issue(t, testnode.Gemeente.OIN, testnode.Gemeente.Name).TLS)
	if _, err := gemeente.RequestRecord(context.Background(), peerRequest(tina.BSN, time.Now())); err != nil {
		t.Fatalf("other peer while zorg's call is in flight: %v", err)
	}
	close(src.release)
	if err := <-slow; err != nil {
		t.Fatalf("the held call: %v", err)
	}
}

// hangingSource is an organisation's gRPC source system that answers facts
// but never answers a record request until its caller gives up.
type hangingSource struct {
	sourcev1.UnimplementedSourceServiceServer
	calls, cancelled atomic.Int64
}

func (h *hangingSource) GetFacts(context.Context, *sourcev1.GetFactsRequest) (*sourcev1.GetFactsResponse, error) {
	return &sourcev1.GetFactsResponse{Found: true, BirthDate: "2019-05-01"}, nil
}

func (h *hangingSource) GetRecord(ctx context.Context, _ *sourcev1.GetRecordRequest) (*sourcev1.GetRecordResponse, error) {
	h.calls.Add(1)
	<-ctx.Done()
	h.cancelled.Add(1)
	return nil, ctx.Err()
}

// serveTLS serves a gRPC server with cert on 127.0.0.1:0, requiring client
// certificates from clientCAs, and returns its address.
func serveTLS(t *testing.T, cfg *tls.Config, register func(*grpc.Server)) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.Creds(credentials.NewTLS(cfg)))
	register(srv)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

// TestSourceDeadline: a gRPC source that hangs is cut off after
// source.timeout; the requester gets Unavailable (SOURCE_UNAVAILABLE, the
// holder's answer, not its own deadline) and nothing is released.
func TestSourceDeadline(t *testing.T) {
	srcCA := testpki.New(t)
	dir := t.TempDir()
	srvCert := srcCA.Issue(t, "", "leerlingadministratie")
	nodeCert := srcCA.Issue(t, testnode.School.OIN, "Het Twentse College bron-client")
	certPath, keyPath := nodeCert.WriteFiles(t, dir)
	caPath := srcCA.WriteCertFile(t, dir)
	hang := &hangingSource{}
	addr := serveTLS(t, &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{srvCert.TLS},
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: srcCA.Pool()},
		func(s *grpc.Server) { sourcev1.RegisterSourceServiceServer(s, hang) })

	_, school, zorg := twoNodes(t, func(c *config.Config, o *node.Options) {
		o.Decider = allowDecider{}
		c.Source.SQLite = ""
		c.Source.GRPC = config.SourceGRPC{Address: addr, CA: caPath, Cert: certPath, Key: keyPath}
		c.Source.Timeout = config.Duration(300 * time.Millisecond)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bas := testnode.Child(t, "Bas")
	resp, err := zorg.Local.RequestRecord(ctx, &localv1.RequestRecordRequest{
		HolderOin: school.Org.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: bas.BSN,
		Categories: []string{"verzuim"}, Role: "jeugdhulpverlener", Relation: true,
	})
	wantRefusal(t, err, codes.Unavailable, "SOURCE_UNAVAILABLE")
	if resp != nil {
		t.Errorf("response despite the error: %v", resp)
	}
	if hang.calls.Load() != 1 || hang.cancelled.Load() != 1 {
		t.Errorf("source record calls %d, cut off %d; want 1 and 1", hang.calls.Load(), hang.cancelled.Load())
	}
	stored, err := school.Node.AuditRecords(ctx, bas.BSN)
	if err != nil || len(stored) != 1 {
		t.Fatalf("holder audit records = %d, %v; want the one decision", len(stored), err)
	}
	if r := stored[0].Record; r.Allow || len(r.CategoriesReleased) != 0 {
		t.Errorf("holder audited a release although the source never answered: %+v", r)
	}
}

// hangingPeer is a peer node that accepts a request and never answers.
type hangingPeer struct {
	exchangev1.UnimplementedExchangeServiceServer
	calls atomic.Int64
	stop  chan struct{}
}

func (h *hangingPeer) RequestRecord(context.Context, *exchangev1.RequestRecordRequest) (*exchangev1.RequestRecordResponse, error) {
	h.calls.Add(1)
	<-h.stop // ignores the caller's deadline on purpose
	return nil, errors.New("stopped")
}

// TestOutboundDeadline: when the holder's node hangs, the requesting node
// ends the call after limits.request_timeout with DeadlineExceeded, long
// before the caller's own deadline, and nothing is recorded as received.
func TestOutboundDeadline(t *testing.T) {
	f := testnode.New(t)
	peer := &hangingPeer{stop: make(chan struct{})}
	t.Cleanup(func() { close(peer.stop) })
	schoolCert := f.CA.Issue(t, testnode.School.OIN, testnode.School.Name)
	addr := serveTLS(t, identity.ServerTLS(schoolCert.TLS, f.CA.Pool(), nil),
		func(s *grpc.Server) { exchangev1.RegisterExchangeServiceServer(s, peer) })
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.School}, func(c *config.Config, _ *node.Options) {
		c.Peers[0].Address = addr
		c.Limits.RequestTimeout = config.Duration(500 * time.Millisecond)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	bas := testnode.Child(t, "Bas")
	_, err := zorg.Local.RequestRecord(ctx, &localv1.RequestRecordRequest{
		HolderOin: testnode.School.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: bas.BSN,
		Categories: []string{"verzuim"}, Role: "jeugdhulpverlener", Relation: true,
	})
	if status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the call ended by the caller's deadline, not the node's request_timeout")
	}
	if peer.calls.Load() != 1 {
		t.Fatalf("hanging peer saw %d calls, want 1", peer.calls.Load())
	}
	stored, err := zorg.Node.AuditRecords(ctx, bas.BSN)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stored {
		if s.Record.Allow || len(s.Record.CategoriesReleased) > 0 {
			t.Errorf("recipient recorded a release from a peer that never answered: %+v", s.Record)
		}
	}
}

// writeCRL writes the CA's current revocation list and moves its mtime
// forward, so a refresh sees a change even within one mtime tick.
func writeCRL(t *testing.T, ca *testpki.CA, path string, mtime time.Time) {
	t.Helper()
	if err := os.WriteFile(path, ca.CRL(t), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

// TestRevokedCertificateRefusedAtHandshake: a running node refuses an
// organisation certificate on its CRL at the TLS handshake, and picks up a
// CRL file changed on disk without a restart.
func TestRevokedCertificateRefusedAtHandshake(t *testing.T) {
	f := testnode.New(t)
	revoked := f.CA.Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name, testpki.Revoked())
	good := f.CA.Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name)
	crlPath := filepath.Join(f.Dir, "federation.crl")
	writeCRL(t, f.CA, crlPath, time.Now().Add(-time.Minute))
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg}, func(c *config.Config, o *node.Options) {
		o.Decider = allowDecider{}
		o.Source = fixtureSource(t)
		c.Trust.CRLs = []string{crlPath}
	})
	bas := testnode.Child(t, "Bas")
	ask := func(cert *testpki.Cert) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := f.PeerClient(school, cert.TLS).RequestRecord(ctx, peerRequest(bas.BSN, time.Now()))
		return err
	}
	if err := ask(revoked); status.Code(err) != codes.Unavailable {
		t.Fatalf("revoked certificate: %v, want a refused handshake (Unavailable)", err)
	}
	if err := ask(good); err != nil {
		t.Fatalf("valid certificate of the same organisation refused: %v", err)
	}

	// The federation revokes the second certificate; the node reads the new
	// CRL from disk on its own.
	f.CA.Revoke(good)
	writeCRL(t, f.CA, crlPath, time.Now().Add(time.Minute))
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := ask(good)
		if status.Code(err) == codes.Unavailable {
			break
		}
		if err != nil {
			t.Fatalf("while waiting for the CRL reload: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatal("a certificate revoked in the changed CRL file is still accepted after 30 s")
		}
		time.Sleep(250 * time.Millisecond)
	}
	if !strings.Contains(f.Logs.String(), "crl reloaded") {
		t.Error("the node did not log the CRL reload")
	}
}

// TestNodeRefusesReadablePrivateKey: node.New refuses an organisation key (and
// a pseudonym secret) readable by group or others, and starts once the mode
// is 0600 again.
func TestNodeRefusesReadablePrivateKey(t *testing.T) {
	f := testnode.New(t)
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg}, nil)
	school.Stop()
	cfg := school.Config
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, file := range []struct{ key, path string }{{"identity.key", cfg.Identity.Key}, {"audit.secret_file", cfg.Audit.SecretFile}} {
		for _, mode := range []os.FileMode{0o640, 0o604} {
			if err := os.Chmod(file.path, mode); err != nil {
				t.Fatal(err)
			}
			n, err := node.New(cfg, log, node.Options{})
			if err == nil {
				runToStop(t, n)
				t.Fatalf("%s with mode %04o accepted", file.key, mode)
			}
			if !strings.Contains(err.Error(), file.path) || !strings.Contains(err.Error(), "group or others") {
				t.Errorf("%s mode %04o: error %q does not name the key and the problem", file.key, mode, err)
			}
		}
		if err := os.Chmod(file.path, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	n, err := node.New(cfg, log, node.Options{})
	if err != nil {
		t.Fatalf("mode 0600 refused: %v", err)
	}
	runToStop(t, n)
}

func runToStop(t *testing.T, n *node.Node) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := n.Run(ctx); err != nil {
		t.Errorf("run: %v", err)
	}
}

// bsnLike returns the standalone nine-digit numbers in s that pass the
// 11-proef: digits not part of a longer run, a hex id, a decimal fraction or
// a bare JSON number (slog writes durations as bare nanoseconds: "x":975595453).
func bsnLike(s string) []string {
	alnum := func(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	var out []string
	for _, m := range digitsRE.FindAllStringIndex(s, -1) {
		start, end := m[0], m[1]
		if end-start != 9 || start > 0 && (alnum(s[start-1]) || s[start-1] == '.' || s[start-1] == ':') || end < len(s) && alnum(s[end]) {
			continue
		}
		if bsn.Valid(s[start:end]) == nil {
			out = append(out, s[start:end])
		}
	}
	return out
}

var digitsRE = regexp.MustCompile(`[0-9]+`)

// labelValues returns the label values of Prometheus text output.
func labelValues(metrics string) string {
	var b strings.Builder
	for _, m := range labelRE.FindAllStringSubmatch(metrics, -1) {
		b.WriteString(" " + m[1] + " ")
	}
	return b.String()
}

var labelRE = regexp.MustCompile(`="([^"]*)"`)

// TestNoSecretsOrChildDataInLogsAndMetrics runs releases, denials and errors
// (invalid BSN, source down, replay, unknown holder, consent registration)
// through two nodes, then searches every log line and the /metrics and
// /healthz output of both nodes: no BSN (valid or not), no pseudonym, no
// child's name or birth date, no private key and no pseudonym secret.
func TestNoSecretsOrChildDataInLogsAndMetrics(t *testing.T) {
	src := fixtureSource(t)
	f := testnode.New(t)
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg}, func(c *config.Config, o *node.Options) {
		o.Source = src
		c.Listen.Metrics = "127.0.0.1:0"
	})
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.School}, func(c *config.Config, _ *node.Options) {
		c.Listen.Metrics = "127.0.0.1:0"
	})
	ctx := context.Background()
	kids, err := source.Children(source.DefaultFixture)
	if err != nil {
		t.Fatal(err)
	}
	bas, lotte, tina := testnode.Child(t, "Bas"), testnode.Child(t, "Lotte"), testnode.Child(t, "Tina")
	ask := func(b string, cats ...string) error {
		_, err := zorg.Local.RequestRecord(ctx, &localv1.RequestRecordRequest{
			HolderOin: school.Org.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: b,
			Categories: cats, Role: "jeugdhulpverlener", Relation: true, CaseReference: "zaak-1",
		})
		return err
	}
	// A consent (carries the BSN) and a release on it.
	_, err = school.Consent.RegisterConsent(ctx, &localv1.RegisterConsentRequest{Consent: &localv1.Consent{
		Bsn: bas.BSN, GivenBy: "ouder", RecipientOin: testnode.Zorg.OIN, Purpose: "afstemming_hulp_onderwijs",
		Categories: []string{"verzuim"}, GivenAt: timestamppb.New(time.Now().Add(-time.Hour)),
	}})
	if err != nil {
		t.Fatalf("register consent: %v", err)
	}
	_ = ask(bas.BSN, "verzuim")
	if err := ask(lotte.BSN, "verzuim"); err != nil { // a denial (no consent)
		t.Fatalf("denial: %v", err)
	}
	if err := ask("999990197", "verzuim"); status.Code(err) != codes.InvalidArgument { // fails the 11-proef
		t.Fatalf("invalid BSN: %v", err)
	}
	if err := ask(tina.BSN, "schoenmaat"); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("unknown category: %v", err)
	}
	_, err = zorg.Local.RequestRecord(ctx, &localv1.RequestRecordRequest{HolderOin: "00000001000000000099", Purpose: "afstemming_hulp_onderwijs",
		Bsn: tina.BSN, Categories: []string{"verzuim"}, Role: "jeugdhulpverlener"})
	if status.Code(err) == codes.OK {
		t.Fatal("unknown holder accepted")
	}
	src.down = true
	if err := ask(tina.BSN, "verzuim"); status.Code(err) != codes.Unavailable {
		t.Fatalf("source down: %v", err)
	}
	src.down = false
	peer := f.PeerClient(school, f.CA.Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name).TLS)
	replayed := peerRequest(tina.BSN, time.Now())
	_, _ = peer.RequestRecord(ctx, replayed)
	if _, err := peer.RequestRecord(ctx, replayed); status.Code(err) != codes.AlreadyExists {
		t.Fatalf("replay: %v", err)
	}

	var scraped strings.Builder
	for _, n := range []*testnode.Node{school, zorg} {
		for _, p := range []string{"/metrics", "/healthz"} {
			resp, err := http.Get("http://" + n.Node.MetricsAddr + p)
			if err != nil {
				t.Fatalf("%s %s: %v", n.Org.Key, p, err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || len(b) == 0 {
				t.Fatalf("%s %s: %s", n.Org.Key, p, resp.Status)
			}
			scraped.Write(b)
		}
	}
	metrics := scraped.String()
	if !strings.Contains(metrics, "schakel_") {
		t.Fatalf("metrics output has no schakel metrics:\n%.500s", metrics)
	}
	logs := f.Logs.String()
	if !strings.Contains(logs, "request refused before decision") || !strings.Contains(logs, "decision") {
		t.Fatalf("the run left no decision and refusal log lines; the search below would prove nothing")
	}

	type secret struct{ what, value string }
	var secrets []secret
	for _, k := range kids {
		secrets = append(secrets, secret{"BSN of " + k.GivenName, k.BSN}, secret{"name of " + k.GivenName, k.Name},
			secret{"birth date of " + k.GivenName, k.BirthDate.Format("2006-01-02")})
	}
	secrets = append(secrets, secret{"invalid BSN", "999990197"}, secret{"PEM key", "PRIVATE KEY"})
	for _, n := range []*testnode.Node{school, zorg} {
		key, err := os.ReadFile(n.Config.Identity.Key)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(key)), "\n")
		secrets = append(secrets, secret{n.Org.Key + " key material", lines[1][48:64]})
		s, err := audit.LoadSecret(n.Config.Audit.SecretFile)
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, secret{n.Org.Key + " pseudonym secret", string(s)[:16]})
		for _, k := range kids {
			secrets = append(secrets, secret{n.Org.Key + " pseudonym of " + k.Name, audit.Pseudonym(s, k.BSN)})
		}
	}
	for _, s := range secrets {
		if strings.Contains(logs, s.value) {
			t.Errorf("logs contain %s", s.what)
		}
		if strings.Contains(metrics, s.value) {
			t.Errorf("metrics contain %s", s.what)
		}
	}
	if found := bsnLike(logs); len(found) > 0 {
		t.Errorf("logs contain BSN-like numbers %v", found)
	}
	if found := bsnLike(labelValues(metrics)); len(found) > 0 {
		t.Errorf("metrics contain BSN-like numbers %v", found)
	}
}

// TestDenialWithoutFlowIsAudited: a request that matches no flow (unknown
// purpose) is a denial with its reason, audited at the holder, not an
// audit failure: the decision carries no retention, the audit record still
// needs one.
func TestDenialWithoutFlowIsAuditedOverPeer(t *testing.T) {
	src := fixtureSource(t)
	_, school, zorg := twoNodes(t, func(_ *config.Config, o *node.Options) { o.Source = src })
	bas := testnode.Child(t, "Bas")
	resp, err := zorg.Local.RequestRecord(context.Background(), &localv1.RequestRecordRequest{
		HolderOin: school.Org.OIN, Purpose: "onbekend_doel", Bsn: bas.BSN,
		Categories: []string{"verzuim"}, Role: "jeugdhulpverlener", Relation: true,
	})
	if err != nil {
		t.Fatalf("RequestRecord: %v (reason %q)", err, server.Reason(err))
	}
	if d := resp.GetDecision(); d.GetAllow() || len(d.GetReasons()) == 0 || d.GetReasons()[0].GetCode() != "UNKNOWN_PURPOSE" {
		t.Fatalf("decision = %v", d)
	}
	if recs := auditRecords(t, school, bas.BSN, resp.GetDecision().GetDecisionId()); len(recs) != 1 || recs[0].Allow || recs[0].RetentionDays <= 0 {
		t.Errorf("holder audit records for the denial = %+v", recs)
	}
	if n := src.records.Load(); n != 0 {
		t.Errorf("denial fetched the record %d times", n)
	}
}

// failingDecider is a policy engine that always fails.
type failingDecider struct{}

func (failingDecider) Decide(context.Context, policy.Input) (policy.Decision, error) {
	return policy.Decision{}, fmt.Errorf("%w: engine down", policy.ErrEvaluation)
}

// TestPolicyEngineErrorDenies: when the policy engine fails, the holder
// denies with POLICY_UNAVAILABLE, fetches nothing and audits the denial.
func TestPolicyEngineErrorDeniesOverPeer(t *testing.T) {
	src := fixtureSource(t)
	_, school, zorg := twoNodes(t, func(_ *config.Config, o *node.Options) {
		o.Decider = failingDecider{}
		o.Source = src
	})
	bas := testnode.Child(t, "Bas")
	resp, err := zorg.Local.RequestRecord(context.Background(), &localv1.RequestRecordRequest{
		HolderOin: school.Org.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: bas.BSN,
		Categories: []string{"verzuim"}, Role: "jeugdhulpverlener", Relation: true,
	})
	if err != nil {
		t.Fatalf("RequestRecord: %v (reason %q)", err, server.Reason(err))
	}
	if d := resp.GetDecision(); d.GetAllow() || resp.GetRecord() != nil || len(d.GetReasons()) == 0 || d.GetReasons()[0].GetCode() != "POLICY_UNAVAILABLE" {
		t.Fatalf("response = %v", resp)
	}
	if n := src.records.Load(); n != 0 {
		t.Errorf("engine failure fetched the record %d times", n)
	}
	stored, err := school.Node.AuditRecords(context.Background(), bas.BSN)
	if err != nil || len(stored) != 1 || stored[0].Record.Allow {
		t.Fatalf("holder audit records = %+v, %v; want one denial", stored, err)
	}
}

// failingAudit is an audit store whose appends fail (disk full, database down).
type failingAudit struct{ audit.Store }

func (failingAudit) Append(context.Context, *audit.Record) (audit.Commit, error) {
	return audit.Commit{}, errors.New("disk full")
}
func (failingAudit) AppendWith(context.Context, *audit.Record, audit.With) (audit.Commit, error) {
	return audit.Commit{}, errors.New("disk full")
}
func (failingAudit) Close() error { return nil }

// TestAuditFailureReleasesNothing: with an audit log that cannot write, an
// allowed request gets Unavailable (AUDIT_UNAVAILABLE) and no record leaves.
func TestAuditFailureReleasesNothing(t *testing.T) {
	f, school, _ := twoNodes(t, func(_ *config.Config, o *node.Options) {
		o.Decider = allowDecider{}
		o.Source = fixtureSource(t)
		o.Audit = failingAudit{}
	})
	peer := f.PeerClient(school, f.CA.Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name).TLS)
	resp, err := peer.RequestRecord(context.Background(), peerRequest(testnode.Child(t, "Bas").BSN, time.Now()))
	wantRefusal(t, err, codes.Unavailable, "AUDIT_UNAVAILABLE")
	if resp.GetRecord() != nil {
		t.Fatalf("record released without an audit record: %v", resp)
	}
	if strings.Contains(status.Convert(err).Message(), "disk full") {
		t.Error("internal error text reached the peer")
	}
}
