// Package tracing sets up a node's OpenTelemetry traces: an OTLP/gRPC
// exporter (off unless configured), and the gRPC stats handler that opens a
// server span per call, following the caller's W3C traceparent. The
// requesting node's client span (ClientSpan) and the holder's
// server span share one trace, so an operator sees one trace per exchange.
// Spans carry methods, status codes and OINs; never a BSN or a record
// value (message contents are not recorded).
package tracing

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc/filters"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/schakel/schakel/gateway/config"
)

// Propagator is the W3C trace context (traceparent, tracestate), the one
// propagation format nodes speak.
var Propagator = propagation.TraceContext{}

// Identity names the node in its spans' resource.
type Identity struct {
	OIN, Name, OrgType, Version string
}

// New builds the node's tracer provider from cfg: nil (and a no-op
// shutdown) when tracing is off.
func New(ctx context.Context, cfg config.Tracing, id Identity) (trace.TracerProvider, func(context.Context) error, error) {
	if !cfg.Enabled() {
		return nil, func(context.Context) error { return nil }, nil
	}
	opts := []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(cfg.OTLPEndpoint)}
	switch {
	case cfg.Insecure:
		opts = append(opts, otlptracegrpc.WithInsecure())
	case cfg.CA != "":
		pem, err := os.ReadFile(cfg.CA)
		if err != nil {
			return nil, nil, fmt.Errorf("tracing.ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, nil, errors.New("tracing.ca: no PEM certificate")
		}
		opts = append(opts, otlptracegrpc.WithTLSCredentials(credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool})))
	}
	// The exporter connects lazily: an unreachable collector never stops
	// the node; spans are dropped (and counted by the SDK) instead.
	exp, err := otlptracegrpc.New(ctx, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("tracing: %w", err)
	}
	ratio := 1.0
	if cfg.SampleRatio != nil {
		ratio = *cfg.SampleRatio
	}
	tp := NewProvider(sdktrace.NewBatchSpanProcessor(exp), sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio)), id)
	return tp, tp.Shutdown, nil
}

// NewProvider is a tracer provider for one node with the given span
// processor and sampler (tests pass an in-memory exporter's processor).
func NewProvider(sp sdktrace.SpanProcessor, sampler sdktrace.Sampler, id Identity) *sdktrace.TracerProvider {
	res := resource.NewSchemaless(
		attribute.String("service.name", "schakel"),
		attribute.String("service.version", id.Version),
		attribute.String("service.instance.id", id.OIN),
		attribute.String("schakel.oin", id.OIN),
		attribute.String("schakel.org_name", id.Name),
		attribute.String("schakel.org_type", id.OrgType),
	)
	return sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sp), sdktrace.WithSampler(sampler), sdktrace.WithResource(res))
}

// ServerOption is the gRPC server option that opens a span per call (health
// checks excluded), following the caller's traceparent; nil tp: none.
func ServerOption(tp trace.TracerProvider) []grpc.ServerOption {
	if tp == nil {
		return nil
	}
	return []grpc.ServerOption{grpc.StatsHandler(otelgrpc.NewServerHandler(
		otelgrpc.WithTracerProvider(tp),
		otelgrpc.WithPropagators(Propagator),
		otelgrpc.WithFilter(filters.Not(filters.HealthCheck())),
	))}
}
