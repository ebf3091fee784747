package source

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/schakel/schakel/gateway/bsn"
	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
	sourcev1 "github.com/schakel/schakel/proto/schakel/source/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// GRPC is a Source served by the organisation's own system over
// sourcev1.SourceService.
type GRPC struct {
	client  sourcev1.SourceServiceClient
	timeout time.Duration
}

var _ Source = (*GRPC)(nil)

// NewGRPC returns a Source calling the SourceService on conn. Each call is
// limited to timeout (none when timeout <= 0). The caller owns conn, and must
// secure it (mutual TLS) when it crosses a network.
func NewGRPC(conn grpc.ClientConnInterface, timeout time.Duration) *GRPC {
	return &GRPC{client: sourcev1.NewSourceServiceClient(conn), timeout: timeout}
}

func (g *GRPC) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	if g.timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, g.timeout)
}

// Facts implements Source. found=false or NotFound gives ErrNotFound; a
// source that cannot be reached, times out, fails or replies with an
// unparseable birth date, a parents_with_gezag other than 0 (not known: 2),
// 1 or 2, negative or non-finite absence hours or an empty melding
// reference gives an error wrapping ErrUnavailable: nothing is decided on a
// fact the node cannot trust.
func (g *GRPC) Facts(ctx context.Context, bsn, holderOIN, recipientOIN string) (Facts, error) {
	cctx, cancel := g.ctx(ctx)
	defer cancel()
	resp, err := g.client.GetFacts(cctx, &sourcev1.GetFactsRequest{Bsn: bsn, RecipientOin: recipientOIN, HolderOin: holderOIN})
	if err != nil {
		return Facts{}, mapErr(ctx, "GetFacts", err)
	}
	if !resp.GetFound() {
		return Facts{}, ErrNotFound
	}
	birth, err := time.Parse(dateLayout, resp.GetBirthDate())
	if err != nil {
		return Facts{}, fmt.Errorf("%w: GetFacts: birth_date is not YYYY-MM-DD", ErrUnavailable)
	}
	gezag := int(resp.GetParentsWithGezag())
	switch gezag {
	case 0:
		gezag = 2 // not known: never presume one parent
	case 1, 2:
	default:
		return Facts{}, fmt.Errorf("%w: GetFacts: parents_with_gezag %d is not 1 or 2", ErrUnavailable, gezag)
	}
	hours := resp.GetUnauthorisedAbsenceHours_4W()
	if hours < 0 || math.IsNaN(hours) || math.IsInf(hours, 0) {
		return Facts{}, fmt.Errorf("%w: GetFacts: unauthorised_absence_hours_4w %v is not a number of hours", ErrUnavailable, hours)
	}
	meldingen := resp.GetOpenVerzuimMeldingen()
	for i, m := range meldingen {
		if strings.TrimSpace(m) == "" {
			return Facts{}, fmt.Errorf("%w: GetFacts: open_verzuim_meldingen[%d] is empty", ErrUnavailable, i)
		}
	}
	return Facts{
		Found:                      true,
		BirthDate:                  birth,
		EnrolledAtRecipient:        resp.GetEnrolledAtRecipient(),
		ParentsHadInzage:           resp.GetParentsHadInzage(),
		Gemeente:                   resp.GetGemeente(),
		EnrolledAtHolder:           resp.GetEnrolledAtHolder(),
		ParentsWithGezag:           gezag,
		UnauthorisedAbsenceHours4w: hours,
		OpenVerzuimMeldingen:       meldingen,
	}, nil
}

// Record implements Source. It asks only for the given categories and
// projects the reply onto them again, so a source that returns more cannot
// leak it. No categories: an empty record, without calling the source.
func (g *GRPC) Record(ctx context.Context, bsn string, categories []string) (*recordv1.Record, error) {
	if len(categories) == 0 {
		return &recordv1.Record{}, nil
	}
	cctx, cancel := g.ctx(ctx)
	defer cancel()
	resp, err := g.client.GetRecord(cctx, &sourcev1.GetRecordRequest{Bsn: bsn, Categories: categories})
	if err != nil {
		return nil, mapErr(ctx, "GetRecord", err)
	}
	if !resp.GetFound() {
		return nil, ErrNotFound
	}
	return Project(resp.GetRecord(), categories), nil
}

// mapErr turns a gRPC error into ErrNotFound, the caller's own context error,
// or ErrUnavailable (every other failure: nothing can be released).
func mapErr(ctx context.Context, method string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("source: %s: %w", method, cerr)
	}
	st := status.Convert(err)
	if st.Code() == codes.NotFound {
		return ErrNotFound
	}
	return fmt.Errorf("%w: %s: %s", ErrUnavailable, method, st.Code())
}

// server serves a Source over gRPC.
type server struct {
	sourcev1.UnimplementedSourceServiceServer
	src Source
}

// NewServer returns a SourceService serving src: the reference source server,
// used in tests and as a template for an organisation's own adapter. An
// unknown child is found=false; ErrUnavailable is codes.Unavailable; any other
// error is codes.Internal without its text, so internals do not cross.
// GetRecord replies with the asked categories only.
func NewServer(src Source) sourcev1.SourceServiceServer {
	return &server{src: src}
}

func (s *server) GetFacts(ctx context.Context, req *sourcev1.GetFactsRequest) (*sourcev1.GetFactsResponse, error) {
	f, err := s.src.Facts(ctx, req.GetBsn(), req.GetHolderOin(), req.GetRecipientOin())
	if errors.Is(err, ErrNotFound) || (err == nil && !f.Found) {
		return &sourcev1.GetFactsResponse{Found: false}, nil
	}
	if err != nil {
		return nil, serverErr(err)
	}
	return &sourcev1.GetFactsResponse{
		Found:               true,
		BirthDate:           f.BirthDate.Format(dateLayout),
		EnrolledAtRecipient: f.EnrolledAtRecipient,
		ParentsHadInzage:    f.ParentsHadInzage,
		Gemeente:            f.Gemeente,

		EnrolledAtHolder:            f.EnrolledAtHolder,
		ParentsWithGezag:            int32(f.ParentsWithGezag), //nolint:gosec // 1 or 2
		UnauthorisedAbsenceHours_4W: f.UnauthorisedAbsenceHours4w,
		OpenVerzuimMeldingen:        f.OpenVerzuimMeldingen,
	}, nil
}

func (s *server) GetRecord(ctx context.Context, req *sourcev1.GetRecordRequest) (*sourcev1.GetRecordResponse, error) {
	rec, err := s.src.Record(ctx, req.GetBsn(), req.GetCategories())
	if errors.Is(err, ErrNotFound) {
		return &sourcev1.GetRecordResponse{Found: false}, nil
	}
	if err != nil {
		return nil, serverErr(err)
	}
	return &sourcev1.GetRecordResponse{Found: true, Record: Project(rec, req.GetCategories())}, nil
}

func serverErr(err error) error {
	switch {
	case errors.Is(err, bsn.ErrInvalid):
		return status.Error(codes.InvalidArgument, "invalid bsn")
	case errors.Is(err, ErrUnavailable):
		return status.Error(codes.Unavailable, "source unavailable")
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "deadline exceeded")
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, "canceled")
	}
	return status.Error(codes.Internal, "source error")
}
