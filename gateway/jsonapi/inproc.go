package jsonapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// inproc is a grpc.ClientConnInterface that runs each call through the
// node's own local gRPC server (grpc.Server.ServeHTTP) in process: the JSON
// gateway's calls pass the same interceptors, handlers and error mapping as
// a gRPC client's, with the JSON caller's TLS state (its client certificate)
// and address as the call's peer.
type inproc struct {
	srv http.Handler
	// max bounds a response message, as the server's MaxSendMsgSize does.
	max int
}

type callerKey struct{}

// caller is the JSON request's TLS connection and address.
type caller struct {
	r *http.Request
}

func withCaller(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), callerKey{}, caller{r: r}))
}

func (c *inproc) Invoke(ctx context.Context, method string, args, reply any, _ ...grpc.CallOption) error {
	in, ok := args.(proto.Message)
	if !ok {
		return status.Errorf(codes.Internal, "jsonapi: %T is not a protobuf message", args)
	}
	out, ok := reply.(proto.Message)
	if !ok {
		return status.Errorf(codes.Internal, "jsonapi: %T is not a protobuf message", reply)
	}
	cl, ok := ctx.Value(callerKey{}).(caller)
	if !ok || cl.r.TLS == nil {
		// Fail closed: without the caller's verified TLS state the call
		// would run without a client identity.
		return status.Error(codes.Unauthenticated, "a verified client certificate is required")
	}
	msg, err := proto.Marshal(in)
	if err != nil {
		return status.Errorf(codes.Internal, "jsonapi: marshal request: %v", err)
	}
	body := make([]byte, 5+len(msg))
	binary.BigEndian.PutUint32(body[1:5], uint32(len(msg)))
	copy(body[5:], msg)

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://local"+method, bytes.NewReader(body))
	if err != nil {
		return status.Errorf(codes.Internal, "jsonapi: %v", err)
	}
	req.Proto, req.ProtoMajor, req.ProtoMinor = "HTTP/2.0", 2, 0
	req.Host = cl.r.Host
	req.RemoteAddr = cl.r.RemoteAddr
	req.TLS = cl.r.TLS
	req.Header.Set("Content-Type", "application/grpc+proto")
	req.Header.Set("Te", "trailers")
	if md, ok := metadata.FromOutgoingContext(ctx); ok {
		for k, vs := range md {
			for _, v := range vs {
				if strings.HasSuffix(k, "-bin") {
					v = base64.RawStdEncoding.EncodeToString([]byte(v))
				}
				req.Header.Add(k, v)
			}
		}
	}
	rec := &recorder{header: http.Header{}, max: c.max}
	c.srv.ServeHTTP(rec, req)
	if err := rec.status(); err != nil {
		return err
	}
	data, err := rec.message()
	if err != nil {
		return status.Errorf(codes.Internal, "jsonapi: %v", err)
	}
	if err := proto.Unmarshal(data, out); err != nil {
		return status.Errorf(codes.Internal, "jsonapi: unmarshal response: %v", err)
	}
	return nil
}

func (c *inproc) NewStream(context.Context, *grpc.StreamDesc, string, ...grpc.CallOption) (grpc.ClientStream, error) {
	return nil, status.Error(codes.Unimplemented, "streaming methods are not offered over JSON")
}

// recorder is the http.ResponseWriter the gRPC server writes its answer to.
type recorder struct {
	header   http.Header
	code     int
	body     bytes.Buffer
	max      int
	overflow bool
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	if r.max > 0 && r.body.Len()+len(p) > r.max+5 {
		r.overflow = true
		return 0, errors.New("response too large")
	}
	return r.body.Write(p)
}

func (r *recorder) Flush() {
	if r.code == 0 {
		r.code = http.StatusOK
	}
}

// status reads the gRPC status the server wrote as trailers (the
// recorder's header map holds headers and trailers alike).
func (r *recorder) status() error {
	if r.overflow {
		return status.Error(codes.ResourceExhausted, "response larger than the node's message limit")
	}
	if r.code != 0 && r.code != http.StatusOK {
		return status.Errorf(codes.Internal, "jsonapi: local server answered HTTP %d", r.code)
	}
	raw := r.header.Get("Grpc-Status")
	if raw == "" {
		return status.Error(codes.Internal, "jsonapi: local server sent no status")
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		return status.Errorf(codes.Internal, "jsonapi: bad grpc-status %q", raw)
	}
	if codes.Code(n) == codes.OK {
		return nil
	}
	if bin := r.header.Get("Grpc-Status-Details-Bin"); bin != "" {
		b, err := decodeBin(bin)
		if err == nil {
			p := &spb.Status{}
			if err := proto.Unmarshal(b, p); err == nil && int(p.GetCode()) == n {
				return status.FromProto(p).Err()
			}
		}
	}
	m, _ := url.PathUnescape(r.header.Get("Grpc-Message"))
	return status.Error(codes.Code(n), m)
}

// message returns the one length-prefixed, uncompressed message of a unary
// response.
func (r *recorder) message() ([]byte, error) {
	b := r.body.Bytes()
	if len(b) < 5 {
		return nil, io.ErrUnexpectedEOF
	}
	if b[0] != 0 {
		return nil, fmt.Errorf("compressed response (flag %d)", b[0])
	}
	n := binary.BigEndian.Uint32(b[1:5])
	if uint64(len(b)-5) != uint64(n) {
		return nil, fmt.Errorf("response frame of %d bytes, %d present", n, len(b)-5)
	}
	return b[5:], nil
}

func decodeBin(v string) ([]byte, error) {
	if len(v)%4 == 0 {
		return base64.StdEncoding.DecodeString(v)
	}
	return base64.RawStdEncoding.DecodeString(v)
}
