package server

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/bsn"
	"github.com/schakel/schakel/gateway/consent"
	"github.com/schakel/schakel/gateway/consult"
	"github.com/schakel/schakel/gateway/exchange"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/monitor"
	"github.com/schakel/schakel/gateway/release"
	"github.com/schakel/schakel/gateway/source"
)

// ErrorDomain is the errdetails.ErrorInfo domain of Schakel's errors.
const ErrorDomain = "schakel.nl"

// errorRule maps a sentinel error to a status code and a stable reason. When
// public is true the error's own text is safe for the caller (it was written
// for them, e.g. a validation message naming the field); otherwise message
// is sent instead and the internal text stays in the node's log.
type errorRule struct {
	sentinel error
	code     codes.Code
	reason   string
	public   bool
	message  string
}

// errorTable is the one place where domain errors become gRPC statuses.
var errorTable = []errorRule{
	{release.ErrInvalidRequest, codes.InvalidArgument, "INVALID_REQUEST", true, ""},
	// A notification this node's own pack would not let its flow carry:
	// InvalidArgument, so the sender does not retry it.
	{release.ErrNotInFlow, codes.InvalidArgument, "CATEGORY_NOT_IN_FLOW", true, ""},
	{bsn.ErrInvalid, codes.InvalidArgument, "INVALID_BSN", true, ""},
	{consent.ErrInvalid, codes.InvalidArgument, "INVALID_CONSENT", true, ""},
	{consent.ErrNotFound, codes.NotFound, "CONSENT_NOT_FOUND", true, ""},
	{consent.ErrAlreadyWithdrawn, codes.FailedPrecondition, "CONSENT_ALREADY_WITHDRAWN", true, ""},
	{audit.ErrObligationNotFound, codes.NotFound, "OBLIGATION_NOT_FOUND", true, ""},
	{consult.ErrIdentifying, codes.InvalidArgument, "CONSULT_IDENTIFYING", true, ""},
	{consult.ErrInvalid, codes.InvalidArgument, "INVALID_CONSULT", true, ""},
	{consult.ErrDuplicate, codes.AlreadyExists, "CONSULT_DUPLICATE", true, ""},
	{consult.ErrNotFound, codes.NotFound, "CONSULT_NOT_FOUND", true, ""},
	{consult.ErrAnswered, codes.FailedPrecondition, "CONSULT_ALREADY_ANSWERED", true, ""},
	{monitor.ErrRefused, codes.InvalidArgument, "EXPORT_REFUSED", true, ""},
	{monitor.ErrInvalid, codes.InvalidArgument, "INVALID_EXPORT_REQUEST", true, ""},
	{exchange.ErrReplay, codes.AlreadyExists, "REPLAYED_REQUEST", true, ""},
	{exchange.ErrClockSkew, codes.FailedPrecondition, "CLOCK_SKEW", true, ""},
	{identity.ErrNoPeerIdentity, codes.Unauthenticated, "NO_PEER_IDENTITY", false, "a verified client certificate is required"},
	{identity.ErrUnknownPeer, codes.PermissionDenied, "UNKNOWN_PEER", true, ""},
	{source.ErrNotFound, codes.NotFound, "SUBJECT_NOT_FOUND", false, "the holder has no record of this child"},
	{source.ErrUnavailable, codes.Unavailable, "SOURCE_UNAVAILABLE", false, "the holder's source system is unavailable; nothing was released"},
	{release.ErrAuditUnavailable, codes.Unavailable, "AUDIT_UNAVAILABLE", false, "the audit log is unavailable; nothing was released"},
	{release.ErrVerification, codes.DataLoss, "PEER_VERIFICATION_FAILED", false, "the holder's response failed verification and was discarded"},
	{context.DeadlineExceeded, codes.DeadlineExceeded, "DEADLINE_EXCEEDED", false, "deadline exceeded"},
	{context.Canceled, codes.Canceled, "CANCELED", false, "canceled"},
}

// toStatus converts err to a gRPC status error with an ErrorInfo reason.
// Internal error text never reaches the caller. A bare status error (a peer's
// answer relayed to our own systems) passes through unchanged; a wrapped one
// does not, since its wrapping text is internal.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	for _, r := range errorTable {
		if errors.Is(err, r.sentinel) {
			msg := r.message
			if r.public {
				msg = err.Error()
			}
			if r.code == codes.InvalidArgument {
				return withFields(r.reason, msg)
			}
			return withInfo(r.code, r.reason, msg)
		}
	}
	if _, ok := err.(interface{ GRPCStatus() *status.Status }); ok {
		return err
	}
	return withInfo(codes.Internal, "INTERNAL", "internal error")
}

func withInfo(c codes.Code, reason, msg string) error {
	st := status.New(c, msg)
	if d, err := st.WithDetails(&errdetails.ErrorInfo{Reason: reason, Domain: ErrorDomain}); err == nil {
		st = d
	}
	return st.Err()
}

// fieldRE is a field path as validation messages start with it: "bsn",
// "attested_consents[0]", "consent.given_by".
var fieldRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\[[0-9]+\])?(\.[a-z][a-z0-9_]*(\[[0-9]+\])?)*$`)

// InvalidFields returns the fields that a validation message names: every
// line (errors.Join puts one problem per line) is "field: problem", after
// the sentinel's own "invalid request: " prefix.
func InvalidFields(msg string) (fields []string, problems []string) {
	seen := map[string]bool{}
	for _, line := range strings.Split(msg, "\n") {
		line = strings.TrimPrefix(line, "invalid request: ")
		// A consent's problems ("consent: given_by: ...") are fields of the
		// request's consent.
		line, inConsent := strings.CutPrefix(line, "consent: ")
		f, problem, ok := strings.Cut(line, ": ")
		if !ok || !fieldRE.MatchString(f) {
			continue
		}
		if inConsent {
			f = "consent." + f
		}
		// "attested_consents[0]: consent: given_by: ..." names a field inside.
		if rest, ok := strings.CutPrefix(problem, "consent: "); ok {
			if sub, p, ok := strings.Cut(rest, ": "); ok && fieldRE.MatchString(sub) {
				f, problem = f+"."+sub, p
			}
		}
		if !seen[f] {
			seen[f] = true
			fields = append(fields, f)
			problems = append(problems, problem)
		}
	}
	return fields, problems
}

// withFields is an InvalidArgument status whose ErrorInfo names the fields
// at fault (metadata "field": the first, "fields": all, comma-separated) and
// carries a google.rpc.BadRequest with one violation per field, so that a
// client can point at the field without parsing the message.
func withFields(reason, msg string) error {
	st := status.New(codes.InvalidArgument, msg)
	info := &errdetails.ErrorInfo{Reason: reason, Domain: ErrorDomain}
	fields, problems := InvalidFields(msg)
	var details []protoadapt.MessageV1
	details = append(details, info)
	if len(fields) > 0 {
		info.Metadata = map[string]string{"field": fields[0], "fields": strings.Join(fields, ",")}
		br := &errdetails.BadRequest{}
		for i, f := range fields {
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: f, Description: problems[i]})
		}
		details = append(details, br)
	}
	if d, err := st.WithDetails(details...); err == nil {
		st = d
	}
	return st.Err()
}

// Reason returns the ErrorInfo reason of a status error, or "".
func Reason(err error) string {
	st, ok := status.FromError(err)
	if !ok {
		return ""
	}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return ""
}
