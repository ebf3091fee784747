package tracing

import (
	"context"
	"testing"
	"time"

	"github.com/schakel/schakel/gateway/config"
)

func TestNew(t *testing.T) {
	tp, shutdown, err := New(context.Background(), config.Tracing{}, Identity{OIN: "1"})
	if err != nil || tp != nil || shutdown(context.Background()) != nil || ServerOption(tp) != nil {
		t.Fatalf("tracing off: tp %v, err %v", tp, err)
	}
	// On: the exporter connects lazily, so an absent collector does not
	// stop the node, and shutdown returns.
	tp, shutdown, err = New(context.Background(), config.Tracing{OTLPEndpoint: "127.0.0.1:1", Insecure: true}, Identity{OIN: "1"})
	if err != nil || tp == nil || len(ServerOption(tp)) != 1 {
		t.Fatalf("tracing on: tp %v, err %v", tp, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = shutdown(ctx)
	if _, _, err := New(context.Background(), config.Tracing{OTLPEndpoint: "c:4317", CA: "/nonexistent.pem"}, Identity{}); err == nil {
		t.Fatal("missing CA file accepted")
	}
}
