// Package traceparent carries the W3C trace context ("traceparent") between
// nodes in gRPC metadata, so that both nodes' audit records of one exchange
// share a trace id (Logboek Dataverwerkingen).
package traceparent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"google.golang.org/grpc/metadata"
)

// Context is the W3C trace context carried from the recipient's node to
// the holder's in the "traceparent" gRPC metadata.
type Context struct {
	TraceID [16]byte
	SpanID  [8]byte
}

const traceparentKey = "traceparent"

// New starts a new trace with a random trace and span id.
func New() Context {
	var t Context
	_, _ = rand.Read(t.TraceID[:])
	_, _ = rand.Read(t.SpanID[:])
	return t
}

// NewSpanID returns a random span id.
func NewSpanID() [8]byte {
	var s [8]byte
	_, _ = rand.Read(s[:])
	return s
}

// String formats the trace context as a traceparent header value.
func (t Context) String() string {
	return "00-" + hex.EncodeToString(t.TraceID[:]) + "-" + hex.EncodeToString(t.SpanID[:]) + "-01"
}

// Parse parses a traceparent header value.
func Parse(s string) (Context, error) {
	var t Context
	parts := strings.Split(s, "-")
	if len(parts) != 4 || parts[0] != "00" || len(parts[1]) != 32 || len(parts[2]) != 16 {
		return t, fmt.Errorf("traceparent: malformed %q", s)
	}
	if _, err := hex.Decode(t.TraceID[:], []byte(parts[1])); err != nil {
		return t, fmt.Errorf("traceparent: trace id: %w", err)
	}
	if _, err := hex.Decode(t.SpanID[:], []byte(parts[2])); err != nil {
		return t, fmt.Errorf("traceparent: span id: %w", err)
	}
	if t.TraceID == ([16]byte{}) || t.SpanID == ([8]byte{}) {
		return t, fmt.Errorf("traceparent: zero id")
	}
	return t, nil
}

// Outgoing attaches t to an outgoing gRPC context.
func Outgoing(ctx context.Context, t Context) context.Context {
	return metadata.AppendToOutgoingContext(ctx, traceparentKey, t.String())
}

// Incoming reads the caller's trace context; ok is false when absent or
// malformed (the holder then starts its own trace).
func Incoming(ctx context.Context) (Context, bool) {
	md, _ := metadata.FromIncomingContext(ctx)
	v := md.Get(traceparentKey)
	if len(v) != 1 {
		return Context{}, false
	}
	t, err := Parse(v[0])
	return t, err == nil
}
