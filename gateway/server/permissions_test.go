package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/internal/testpki"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// TestEveryLocalMethodHasOnePermission: the table names a known permission
// for every method of the local API, so none is open by omission (a method
// missing from it is refused to everyone, which would break it instead).
func TestEveryLocalMethodHasOnePermission(t *testing.T) {
	known := map[string]bool{}
	for _, p := range identity.Permissions {
		known[p] = true
	}
	services := localv1.File_schakel_local_v1_local_proto.Services()
	if services.Len() < 3 {
		t.Fatalf("only %d local services found", services.Len())
	}
	n := 0
	for i := 0; i < services.Len(); i++ {
		s := services.Get(i)
		for j := 0; j < s.Methods().Len(); j++ {
			m := s.Methods().Get(j)
			full := "/" + string(s.FullName()) + "/" + string(m.Name())
			p, ok := LocalPermission(full)
			if !ok || !known[p] {
				t.Errorf("%s: permission %q (in table %v)", full, p, ok)
			}
			n++
		}
	}
	if n < 12 {
		t.Errorf("checked %d methods, want at least 12", n)
	}
	if _, ok := LocalPermission("/schakel.local.v1.LocalService/NotAMethod"); ok {
		t.Error("an unknown method has a permission")
	}
}

func callerCtx(t *testing.T, cn string) context.Context {
	cert := testpki.New(t).Issue(t, "", cn).X509
	return peer.NewContext(context.Background(), &peer.Peer{AuthInfo: credentials.TLSInfo{
		State: tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{cert}}}}})
}

// TestLocalReadsReturnNothingUnaudited: an inzage or consent listing whose
// audit record cannot be written returns no data (AUDIT_UNAVAILABLE); a
// call without a verified certificate, or to a method outside the table, is
// refused before the handler runs.
func TestLocalReadsReturnNothingUnaudited(t *testing.T) {
	access := identity.NewLocalAccess([]identity.LocalRule{{Subject: "Dossier", Permissions: identity.Permissions}})
	var events []LocalEvent
	failing := func(_ context.Context, ev LocalEvent) error {
		events = append(events, ev)
		return errors.New("disk full")
	}
	ic := LocalAccessInterceptor(access, failing, slog.New(slog.NewTextHandler(io.Discard, nil)))
	called := 0
	handler := func(ctx context.Context, _ any) (any, error) {
		called++
		if c, ok := identity.LocalClientFrom(ctx); !ok || !strings.HasPrefix(c.Name, "subject=Dossier") {
			t.Errorf("handler ctx carries client %+v, %v", c, ok)
		}
		return &localv1.InzageResponse{Records: []*localv1.InzageRecord{{Action: "x"}}}, nil
	}
	info := &grpc.UnaryServerInfo{FullMethod: localv1.LocalService_Inzage_FullMethodName}
	resp, err := ic(callerCtx(t, "Dossier"), &localv1.InzageRequest{Bsn: "999996708"}, info, handler)
	if resp != nil || status.Code(err) != codes.Unavailable || Reason(err) != "AUDIT_UNAVAILABLE" {
		t.Fatalf("inzage with a failing audit log = %v, %v; want nothing and AUDIT_UNAVAILABLE", resp, err)
	}
	if len(events) != 1 || events[0].Action != audit.ActionInzageRead || events[0].BSN != "999996708" || !events[0].OK {
		t.Errorf("audit event = %+v", events)
	}

	for _, tc := range []struct {
		name   string
		ctx    context.Context
		method string
		code   codes.Code
	}{
		{"no certificate", context.Background(), localv1.LocalService_Inzage_FullMethodName, codes.Unauthenticated},
		{"unknown client", callerCtx(t, "Iemand"), localv1.LocalService_Inzage_FullMethodName, codes.PermissionDenied},
		{"method not in the table", callerCtx(t, "Dossier"), "/schakel.local.v1.LocalService/Admin", codes.PermissionDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := called
			_, err := ic(tc.ctx, &localv1.InzageRequest{Bsn: "999996708"}, &grpc.UnaryServerInfo{FullMethod: tc.method}, handler)
			if status.Code(err) != tc.code || called != before {
				t.Fatalf("= %v (handler ran: %v), want %v before the handler", err, called != before, tc.code)
			}
		})
	}
}

// TestCallerRequestIDValidatedNeverLoggedRaw: a peer-chosen x-request-id is
// kept only when it is one short token; otherwise a new id is used and the
// sent value appears nowhere in the log line.
func TestCallerRequestIDValidatedNeverLoggedRaw(t *testing.T) {
	for _, tc := range []struct {
		name string
		ids  []string
		keep bool
	}{
		{"token", []string{"req-1.a:B_2"}, true},
		{"newline", []string{"abc\n{\"level\":\"ERROR\",\"msg\":\"forged\"}"}, false},
		{"quote and space", []string{`a" b`}, false},
		{"too long", []string{strings.Repeat("a", 65)}, false},
		{"two values", []string{"aaaa", "bbbb"}, false},
		{"empty", []string{""}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf strings.Builder
			log := slog.New(slog.NewJSONHandler(&buf, nil))
			md := metadata.MD{}
			for _, v := range tc.ids {
				md.Append("x-request-id", v)
			}
			ctx := metadata.NewIncomingContext(context.Background(), md)
			ic := UnaryInterceptor("peer", nil, log)
			_, _ = ic(ctx, nil, &grpc.UnaryServerInfo{FullMethod: "/m"}, func(context.Context, any) (any, error) { return nil, nil })
			line := buf.String()
			var fields map[string]any
			if err := json.Unmarshal([]byte(line), &fields); err != nil {
				t.Fatalf("log line %q: %v", line, err)
			}
			for _, v := range tc.ids {
				found := false
				for _, fv := range fields {
					if s, ok := fv.(string); ok && v != "" && strings.Contains(s, v) {
						found = true
					}
				}
				if found != tc.keep {
					t.Errorf("log line %q: carries %q = %v, want %v", line, v, found, tc.keep)
				}
			}
			if got, _ := fields["request_id"].(string); got == "" || (tc.keep && got != tc.ids[0]) {
				t.Errorf("request_id = %q", got)
			}
			if strings.Count(line, "\n") != 1 {
				t.Errorf("want exactly one log line, got %q", line)
			}
			if !tc.keep && tc.ids[0] != "" && !strings.Contains(line, `"caller_request_id":"refused"`) {
				t.Errorf("refused id not flagged: %q", line)
			}
		})
	}
}
