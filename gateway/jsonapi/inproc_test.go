package jsonapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// A call through inproc reaches the gRPC server's interceptors with the
// JSON caller's TLS state as the peer's AuthInfo (what an identity or
// permission interceptor reads), its address, and the forwarded metadata;
// statuses come back unchanged; without the caller's TLS state nothing is
// called.
func TestInprocRunsThroughGRPCServer(t *testing.T) {
	leaf := &x509.Certificate{Raw: []byte("client")}
	var seen struct {
		calls  int
		method string
		auth   credentials.AuthInfo
		addr   string
		reqID  []string
	}
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		seen.calls++
		seen.method = info.FullMethod
		if p, ok := peer.FromContext(ctx); ok {
			seen.auth, seen.addr = p.AuthInfo, p.Addr.String()
		}
		md, _ := metadata.FromIncomingContext(ctx)
		seen.reqID = md.Get("x-request-id")
		return h(ctx, req)
	}))
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	conn := &inproc{srv: srv, max: 1 << 20}
	client := healthpb.NewHealthClient(conn)

	// No caller: refused before the server is reached.
	if _, err := client.Check(context.Background(), &healthpb.HealthCheckRequest{}); status.Code(err) != codes.Unauthenticated || seen.calls != 0 {
		t.Fatalf("without caller TLS: %v, %d calls", err, seen.calls)
	}

	r, _ := http.NewRequest(http.MethodGet, "https://node/", nil)
	r.RemoteAddr = "192.0.2.7:5555"
	r.TLS = &tls.ConnectionState{HandshakeComplete: true, PeerCertificates: []*x509.Certificate{leaf}, VerifiedChains: [][]*x509.Certificate{{leaf}}}
	ctx := withCaller(r).Context()
	ctx = metadata.AppendToOutgoingContext(ctx, "x-request-id", "req-42")
	resp, err := client.Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("Check: %v %v", resp, err)
	}
	ti, ok := seen.auth.(credentials.TLSInfo)
	if !ok || len(ti.State.PeerCertificates) != 1 || ti.State.PeerCertificates[0] != leaf || ti.SecurityLevel != credentials.PrivacyAndIntegrity {
		t.Fatalf("peer AuthInfo %#v", seen.auth)
	}
	if seen.method != "/grpc.health.v1.Health/Check" || seen.addr != "192.0.2.7:5555" || len(seen.reqID) != 1 || seen.reqID[0] != "req-42" {
		t.Fatalf("seen %+v", seen)
	}

	// A status error passes unchanged.
	_, err = client.Check(ctx, &healthpb.HealthCheckRequest{Service: "nope"})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("unknown service: %v, want NotFound", err)
	}
	// Streaming is not offered.
	if _, err := client.Watch(ctx, &healthpb.HealthCheckRequest{}); status.Code(err) != codes.Unimplemented {
		t.Fatalf("Watch: %v", err)
	}
}
