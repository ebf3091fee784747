package jsonapi

import (
	"context"
	"net/http"
	"regexp"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// errorDomain is the ErrorInfo domain, as gateway/server.ErrorDomain (not
// imported: the server package imports much more than this one needs).
const errorDomain = "schakel.nl"

// The reasons the JSON gateway itself gives, before a request reaches a
// handler (documented in docs/openapi.yaml).
const (
	// ReasonUnknownField: the body names a field the request message lacks
	// (metadata "field").
	ReasonUnknownField = "UNKNOWN_FIELD"
	// ReasonInvalidJSON: the body is not JSON, or a field has the wrong
	// type (metadata "field" when the decoder names it).
	ReasonInvalidJSON = "INVALID_JSON"
	// ReasonBodyTooLarge: the body exceeds the node's message limit.
	ReasonBodyTooLarge = "BODY_TOO_LARGE"
	// ReasonNoRoute: no operation at this path and method.
	ReasonNoRoute = "NO_SUCH_OPERATION"
)

var (
	unknownFieldRE = regexp.MustCompile(`unknown field "([^"]+)"`)
	// protojson names the field by its JSON (lowerCamel) name.
	typeFieldRE = regexp.MustCompile(`field ([a-z][A-Za-z0-9_]*):`)
)

// errorHandler gives every error the gateway itself produces (a body that
// does not decode, an unknown path) an ErrorInfo reason, as the handlers'
// errors have; errors that already carry details pass unchanged.
func errorHandler(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	st, ok := status.FromError(err)
	if ok && len(st.Details()) == 0 {
		if info := gatewayInfo(st); info != nil {
			if d, derr := st.WithDetails(info); derr == nil {
				err = d.Err()
			}
		}
	}
	runtime.DefaultHTTPErrorHandler(ctx, mux, m, w, r, err)
}

// gatewayInfo classifies a detail-less status from grpc-gateway.
func gatewayInfo(st *status.Status) *errdetails.ErrorInfo {
	msg := st.Message()
	info := &errdetails.ErrorInfo{Domain: errorDomain}
	switch {
	case st.Code() == codes.InvalidArgument && strings.Contains(msg, "request body too large"):
		info.Reason = ReasonBodyTooLarge
	case st.Code() == codes.InvalidArgument:
		info.Reason = ReasonInvalidJSON
		if m := unknownFieldRE.FindStringSubmatch(msg); m != nil {
			info.Reason = ReasonUnknownField
			info.Metadata = map[string]string{"field": m[1]}
		} else if m := typeFieldRE.FindStringSubmatch(msg); m != nil {
			info.Metadata = map[string]string{"field": snake(m[1])}
		}
	case st.Code() == codes.NotFound || st.Code() == codes.Unimplemented:
		info.Reason = ReasonNoRoute
	default:
		return nil
	}
	return info
}

// snake turns protojson's lowerCamel field name into the proto name the
// API documents (holderOin: holder_oin).
func snake(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
