package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/protobuf/proto"

	"github.com/schakel/schakel/gateway/identity"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// The baseline is a bare two-hop mutual-TLS gRPC forward: client → proxy →
// backend. Both hops speak the local API's RequestRecord with the same
// message as the gateway (the response is one the gateway returned), the same
// TLS 1.3 mutual-TLS configuration and the same gRPC server and client
// options as a node. It does no policy, audit, fetch or signing: it is the
// cost of the transport alone.

const maxMsg = 4 << 20 // the node's default limits.max_message_bytes

// serverOptions are the node's common gRPC server options.
func serverOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.MaxRecvMsgSize(maxMsg),
		grpc.MaxSendMsgSize(maxMsg),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
	}
}

// clientOptions are the options of the node's outbound pool.
func clientOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMsg), grpc.MaxCallSendMsgSize(maxMsg)),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 30 * time.Second, Timeout: 10 * time.Second}),
	}
}

type backendServer struct {
	localv1.UnimplementedLocalServiceServer
	resp *localv1.RequestRecordResponse
}

func (b *backendServer) RequestRecord(context.Context, *localv1.RequestRecordRequest) (*localv1.RequestRecordResponse, error) {
	return b.resp, nil
}

type proxyServer struct {
	localv1.UnimplementedLocalServiceServer
	next localv1.LocalServiceClient
}

func (p *proxyServer) RequestRecord(ctx context.Context, req *localv1.RequestRecordRequest) (*localv1.RequestRecordResponse, error) {
	return p.next.RequestRecord(ctx, req)
}

// runRole runs the harness as a baseline process: "backend" or "proxy".
func runRole(role string, args []string) error {
	fs := flag.NewFlagSet(role, flag.ContinueOnError)
	listen := fs.String("listen", "", "listen address")
	cert := fs.String("cert", "", "certificate")
	key := fs.String("key", "", "key")
	clientCA := fs.String("client-ca", "", "CA of accepted client certificates")
	anchors := fs.String("anchors", "", "federation trust anchors (proxy: to verify the backend)")
	next := fs.String("next", "", "proxy: backend address")
	nextOIN := fs.String("next-oin", "", "proxy: the backend's OIN")
	respFile := fs.String("response", "", "backend: the response to return (binary protobuf)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	kp, err := identity.LoadKeyPair(*cert, *key)
	if err != nil {
		return err
	}
	cas, err := identity.LoadPool(*clientCA)
	if err != nil {
		return err
	}
	srv := grpc.NewServer(append(serverOptions(), grpc.Creds(credentials.NewTLS(identity.ServerTLS(kp, cas, nil))))...)
	switch role {
	case "backend":
		b, err := os.ReadFile(*respFile)
		if err != nil {
			return err
		}
		resp := &localv1.RequestRecordResponse{}
		if err := proto.Unmarshal(b, resp); err != nil {
			return err
		}
		localv1.RegisterLocalServiceServer(srv, &backendServer{resp: resp})
	case "proxy":
		roots, err := identity.LoadPool(*anchors)
		if err != nil {
			return err
		}
		conn, err := grpc.NewClient(*next, append(clientOptions(),
			grpc.WithTransportCredentials(credentials.NewTLS(identity.ClientTLS(kp, roots, *nextOIN, nil))))...)
		if err != nil {
			return err
		}
		defer conn.Close()
		localv1.RegisterLocalServiceServer(srv, &proxyServer{next: localv1.NewLocalServiceClient(conn)})
	default:
		return fmt.Errorf("unknown role %q", role)
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	go func() { <-sig; srv.Stop() }()
	if err := srv.Serve(l); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return err
	}
	return nil
}
