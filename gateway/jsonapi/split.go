package jsonapi

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"slices"
	"sync"
	"time"

	"google.golang.org/grpc/credentials"
)

// HandshakeTimeout bounds a client's TLS handshake on the local listener.
const HandshakeTimeout = 10 * time.Second

// Split serves gRPC and JSON over HTTPS on one port with one TLS
// configuration (the same client CA, the same client certificates). It
// completes the TLS handshake itself and routes by ALPN: a client that
// offers only "h2" (every gRPC client: grpc-go, grpc-js, grpc-java,
// grpcurl) gets HTTP/2 and the gRPC server, with the gRPC server's native
// transport; a client that offers "http/1.1" (curl, Node's https and fetch,
// browsers, most HTTP libraries) gets HTTP/1.1 and the JSON gateway. The
// JSON API is HTTP/1.1 only.
type Split struct {
	raw  net.Listener
	tls  *tls.Config
	log  *slog.Logger
	grpc *chanListener
	http *chanListener
	once sync.Once
}

// NewSplit wraps l. cfg is the listener's TLS configuration (client
// certificates required and verified); its NextProtos are replaced.
func NewSplit(l net.Listener, cfg *tls.Config, log *slog.Logger) *Split {
	base := cfg.Clone()
	h2 := base.Clone()
	h2.NextProtos = []string{"h2"}
	h1 := base.Clone()
	h1.NextProtos = []string{"http/1.1"}
	base.NextProtos = []string{"h2", "http/1.1"}
	base.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		if slices.Contains(hello.SupportedProtos, "http/1.1") || !slices.Contains(hello.SupportedProtos, "h2") {
			return h1, nil
		}
		return h2, nil
	}
	s := &Split{raw: l, tls: base, log: log}
	s.grpc = newChanListener(l.Addr())
	s.http = newChanListener(l.Addr())
	return s
}

// GRPC is the listener of the gRPC server: its connections have completed
// the TLS handshake (serve them with Credentials).
func (s *Split) GRPC() net.Listener { s.start(); return s.grpc }

// HTTP is the listener of the JSON gateway's http.Server: TLS connections
// that negotiated HTTP/1.1, handshake done.
func (s *Split) HTTP() net.Listener { s.start(); return s.http }

func (s *Split) start() { s.once.Do(func() { go s.accept() }) }

func (s *Split) accept() {
	for {
		c, err := s.raw.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			s.grpc.fail(err)
			s.http.fail(err)
			return
		}
		go s.handshake(c)
	}
}

func (s *Split) handshake(c net.Conn) {
	tc := tls.Server(c, s.tls)
	ctx, cancel := context.WithTimeout(context.Background(), HandshakeTimeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		s.log.Debug("local listener: TLS handshake failed", "remote", c.RemoteAddr().String(), "err", err)
		_ = c.Close()
		return
	}
	if tc.ConnectionState().NegotiatedProtocol == "h2" {
		s.grpc.deliver(tc)
	} else {
		s.http.deliver(tc)
	}
}

// chanListener hands over connections that Split accepted.
type chanListener struct {
	addr   net.Addr
	conns  chan net.Conn
	done   chan struct{}
	close  sync.Once
	mu     sync.Mutex
	failed error
}

func newChanListener(addr net.Addr) *chanListener {
	return &chanListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *chanListener) deliver(c net.Conn) {
	select {
	case l.conns <- c:
	case <-l.done:
		_ = c.Close()
	}
}

func (l *chanListener) fail(err error) {
	l.mu.Lock()
	l.failed = err
	l.mu.Unlock()
	_ = l.Close()
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.failed != nil && !errors.Is(l.failed, net.ErrClosed) {
			return nil, l.failed
		}
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	l.close.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }

// Credentials are the gRPC server's transport credentials for connections
// from Split.GRPC: the handshake is done, so they only report its state as
// the call's AuthInfo, exactly as grpc's own TLS credentials do.
func Credentials() credentials.TransportCredentials { return handshaken{} }

type handshaken struct{}

var errNotTLS = errors.New("jsonapi: connection did not come through Split")

func (handshaken) ServerHandshake(c net.Conn) (net.Conn, credentials.AuthInfo, error) {
	tc, ok := c.(*tls.Conn)
	if !ok {
		return nil, nil, errNotTLS
	}
	st := tc.ConnectionState()
	if !st.HandshakeComplete || st.NegotiatedProtocol != "h2" {
		return nil, nil, errors.New("jsonapi: TLS connection without a completed h2 handshake")
	}
	return c, credentials.TLSInfo{State: st, CommonAuthInfo: credentials.CommonAuthInfo{SecurityLevel: credentials.PrivacyAndIntegrity}}, nil
}

func (handshaken) ClientHandshake(context.Context, string, net.Conn) (net.Conn, credentials.AuthInfo, error) {
	return nil, nil, errors.New("jsonapi: server-side credentials only")
}

func (handshaken) Info() credentials.ProtocolInfo {
	return credentials.ProtocolInfo{SecurityProtocol: "tls"}
}

func (h handshaken) Clone() credentials.TransportCredentials { return h }

func (handshaken) OverrideServerName(string) error { return nil }
