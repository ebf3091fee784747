package tracing

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/schakel/schakel/gateway/traceparent"
)

// TracerName names the tracer of the spans that Schakel starts itself.
const TracerName = "github.com/schakel/schakel/gateway"

// ClientSpan starts the span of one call to a peer's node, as a child of
// the span in ctx (the local API call's server span when tracing is on),
// with that span's tracer provider. Its trace and span id become the
// call's traceparent and the audit record's trace context, so that the
// holder's spans and audit record join the same trace. With tracing off
// (no span in ctx) the span records nothing and the trace context is a
// fresh random one.
func ClientSpan(ctx context.Context, name, peerOIN string) (context.Context, traceparent.Context, trace.Span) {
	tp := trace.SpanFromContext(ctx).TracerProvider()
	ctx, span := tp.Tracer(TracerName).Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("schakel.peer_oin", peerOIN)))
	sc := span.SpanContext()
	if !sc.IsValid() {
		return ctx, traceparent.New(), span
	}
	return ctx, traceparent.Context{TraceID: sc.TraceID(), SpanID: sc.SpanID()}, span
}
