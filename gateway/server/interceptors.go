package server

import (
	"context"
	"log/slog"
	"regexp"
	"runtime/debug"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/schakel/schakel/gateway/release"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
)

// Metrics are the node's Prometheus metrics. They carry no personal data:
// labels are methods, codes, flows and outcomes only.
type Metrics struct {
	Registry  *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	decisions *prometheus.CounterVec
}

// NewMetrics registers the node's metrics on a fresh registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "schakel_grpc_requests_total", Help: "gRPC requests by listener, method and status code.",
		}, []string{"listener", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "schakel_grpc_request_duration_seconds", Help: "gRPC request latency.",
			Buckets: []float64{.0002, .0005, .001, .002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"listener", "method"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "schakel_decisions_total", Help: "Policy decisions made as holder, by flow and outcome.",
		}, []string{"flow", "outcome"}),
	}
	m.Registry.MustRegister(m.requests, m.latency, m.decisions)
	return m
}

func (m *Metrics) decision(d *exchangev1.Decision) {
	if m == nil || d == nil {
		return
	}
	outcome := "deny"
	if d.GetAllow() {
		outcome = "allow"
	}
	flow := d.GetFlow()
	if flow == "" {
		flow = "none"
	}
	m.decisions.WithLabelValues(flow, outcome).Inc()
}

// requestIDRE is what a caller's x-request-id may look like; anything else
// (control characters, quotes, long strings) is replaced, never logged.
var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// callerRequestID returns the caller's x-request-id when it is one
// well-formed value, else a new id (refused reports that one was sent but
// not taken).
func callerRequestID(ctx context.Context) (id string, refused bool) {
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		v := md.Get("x-request-id")
		if len(v) == 1 && requestIDRE.MatchString(v[0]) {
			return v[0], false
		}
		refused = len(v) > 0
	}
	return release.NewID(), refused
}

type logFieldsKey struct{}

type logFields struct {
	mu     sync.Mutex
	fields []any
}

// setLogField adds a field to the call's single log line.
func setLogField(ctx context.Context, key string, value any) {
	if lf, ok := ctx.Value(logFieldsKey{}).(*logFields); ok {
		lf.mu.Lock()
		lf.fields = append(lf.fields, key, value)
		lf.mu.Unlock()
	}
}

// UnaryInterceptor recovers panics (as Internal, nothing released), assigns
// or carries a request id, records metrics and logs one line per call: never
// a BSN or a record value, only ids, OINs and codes.
func UnaryInterceptor(listener string, m *Metrics, log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		start := time.Now()
		reqID, refused := callerRequestID(ctx)
		lf := &logFields{}
		if refused {
			// The caller's id is never logged as sent: only that it was refused.
			lf.fields = append(lf.fields, "caller_request_id", "refused")
		}
		ctx = context.WithValue(ctx, logFieldsKey{}, lf)
		defer func() {
			if r := recover(); r != nil {
				log.Error("panic in handler", "method", info.FullMethod, "request_id", reqID, "panic", r, "stack", string(debug.Stack()))
				resp, err = nil, status.Error(codes.Internal, "internal error")
			}
			code := status.Code(err)
			if m != nil {
				m.requests.WithLabelValues(listener, info.FullMethod, code.String()).Inc()
				m.latency.WithLabelValues(listener, info.FullMethod).Observe(time.Since(start).Seconds())
			}
			lf.mu.Lock()
			attrs := append([]any{"listener", listener, "method", info.FullMethod, "request_id", reqID, "code", code.String(),
				"duration_ms", float64(time.Since(start).Microseconds()) / 1000}, lf.fields...)
			lf.mu.Unlock()
			if reason := Reason(err); reason != "" {
				attrs = append(attrs, "reason", reason)
			}
			level := slog.LevelInfo
			if code == codes.Internal || code == codes.Unavailable || code == codes.DataLoss {
				level = slog.LevelWarn
			}
			log.Log(ctx, level, "rpc", attrs...)
		}()
		return handler(ctx, req)
	}
}
