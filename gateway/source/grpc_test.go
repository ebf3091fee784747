package source

import (
	"context"
	"errors"
	"math"
	"net"
	"reflect"
	"slices"
	"testing"
	"time"

	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
	sourcev1 "github.com/schakel/schakel/proto/schakel/source/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// serve runs srv on 127.0.0.1:0 and returns a client connection to it and a
// function that stops the server.
func serve(t *testing.T, srv sourcev1.SourceServiceServer) (*grpc.ClientConn, func()) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	sourcev1.RegisterSourceServiceServer(gs, srv)
	go gs.Serve(lis)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(); gs.Stop() })
	return conn, gs.Stop
}

func TestGRPCAgainstReferenceServer(t *testing.T) {
	db := openDefault(t)
	conn, _ := serve(t, NewServer(db))
	src := NewGRPC(conn, 2*time.Second)
	ctx := context.Background()
	daan := childBSN(t, "Daan Jansen")

	got, err := src.Facts(ctx, daan, oinPO, oinVO)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := db.Facts(ctx, daan, oinPO, oinVO)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("facts over gRPC = %+v, direct = %+v", got, want)
	}

	rec, err := src.Record(ctx, daan, []string{"identificatie", "onderwijs", "schoenmaat"})
	if err != nil {
		t.Fatal(err)
	}
	if cats := presentCategories(rec); !slices.Equal(cats, []string{"identificatie", "onderwijs"}) {
		t.Errorf("categories = %v", cats)
	}
	if rec.GetOnderwijs().GetGrade() != "groep 8" {
		t.Errorf("onderwijs = %v", rec.GetOnderwijs())
	}

	for name, call := range map[string]func() error{
		"facts":  func() error { _, err := src.Facts(ctx, "999991073", oinVO, oinVO); return err },
		"record": func() error { _, err := src.Record(ctx, "999991073", []string{"verzuim"}); return err },
	} {
		t.Run("unknown child "+name, func(t *testing.T) {
			if err := call(); !errors.Is(err, ErrNotFound) {
				t.Fatalf("err = %v, want ErrNotFound", err)
			}
		})
	}
}

// rogueServer is a source that misbehaves in the ways a client must survive.
type rogueServer struct {
	sourcev1.UnimplementedSourceServiceServer
	delay     time.Duration
	birthDate string
	code      codes.Code
	asked     []string
	// The version-3 facts it answers, and the holder it was asked about.
	gezag     int32
	hours     float64
	meldingen []string
	holder    string
}

func (r *rogueServer) GetFacts(ctx context.Context, req *sourcev1.GetFactsRequest) (*sourcev1.GetFactsResponse, error) {
	r.holder = req.GetHolderOin()
	if r.delay > 0 {
		select {
		case <-time.After(r.delay):
		case <-ctx.Done():
			// The call was given up. Answering now could still beat the
			// client's own timer on a loaded machine (the server's deadline
			// comes from the grpc-timeout header): a real slow source has
			// nothing to answer yet.
			return nil, status.FromContextError(ctx.Err()).Err()
		}
	}
	if r.code != codes.OK {
		return nil, status.Error(r.code, "internal detail that must not matter")
	}
	return &sourcev1.GetFactsResponse{Found: true, BirthDate: r.birthDate, ParentsWithGezag: r.gezag,
		UnauthorisedAbsenceHours_4W: r.hours, OpenVerzuimMeldingen: r.meldingen}, nil
}

// GetRecord returns every category, whatever was asked.
func (r *rogueServer) GetRecord(_ context.Context, req *sourcev1.GetRecordRequest) (*sourcev1.GetRecordResponse, error) {
	r.asked = req.GetCategories()
	return &sourcev1.GetRecordResponse{Found: true, Record: &recordv1.Record{
		Verzuim:  &recordv1.Verzuim{UnauthorisedHours_4W: 18},
		Diagnose: &recordv1.Diagnose{Description: "must not leak"},
		Bsn:      &recordv1.Bsn{Bsn: "999990299"},
	}}, nil
}

func TestGRPCDefendsAgainstSource(t *testing.T) {
	ctx := context.Background()
	t.Run("extra categories are not passed on", func(t *testing.T) {
		rogue := &rogueServer{}
		conn, _ := serve(t, rogue)
		rec, err := NewGRPC(conn, time.Second).Record(ctx, "999990299", []string{"verzuim"})
		if err != nil {
			t.Fatal(err)
		}
		if cats := presentCategories(rec); !slices.Equal(cats, []string{"verzuim"}) {
			t.Fatalf("categories = %v, want only verzuim", cats)
		}
		if !slices.Equal(rogue.asked, []string{"verzuim"}) {
			t.Errorf("source was asked for %v", rogue.asked)
		}
	})

	tests := []struct {
		name    string
		rogue   *rogueServer
		timeout time.Duration
		want    error
	}{
		{"slow source", &rogueServer{delay: 2 * time.Second, birthDate: "2015-01-01"}, 50 * time.Millisecond, ErrUnavailable},
		{"bad birth date", &rogueServer{birthDate: "01-01-2015"}, time.Second, ErrUnavailable},
		{"internal error", &rogueServer{code: codes.Internal}, time.Second, ErrUnavailable},
		{"not found code", &rogueServer{code: codes.NotFound}, time.Second, ErrNotFound},
		{"three parents with gezag", &rogueServer{birthDate: "2015-01-01", gezag: 3}, time.Second, ErrUnavailable},
		{"negative gezag", &rogueServer{birthDate: "2015-01-01", gezag: -1}, time.Second, ErrUnavailable},
		{"negative hours", &rogueServer{birthDate: "2015-01-01", hours: -2}, time.Second, ErrUnavailable},
		{"NaN hours", &rogueServer{birthDate: "2015-01-01", hours: math.NaN()}, time.Second, ErrUnavailable},
		{"empty melding", &rogueServer{birthDate: "2015-01-01", meldingen: []string{"M-1", " "}}, time.Second, ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, _ := serve(t, tt.rogue)
			start := time.Now()
			_, err := NewGRPC(conn, tt.timeout).Facts(ctx, "999990299", oinVO, oinVO)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v; the timeout did not bound the call", d)
			}
		})
	}
}

func TestGRPCStoppedServer(t *testing.T) {
	conn, stop := serve(t, NewServer(openDefault(t)))
	src := NewGRPC(conn, time.Second)
	lotte := childBSN(t, "Lotte de Vries")
	if _, err := src.Facts(context.Background(), lotte, oinVO, oinVO); err != nil {
		t.Fatalf("before stop: %v", err)
	}
	stop()
	if _, err := src.Facts(context.Background(), lotte, oinVO, oinVO); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("facts after stop: %v, want ErrUnavailable", err)
	}
	if _, err := src.Record(context.Background(), lotte, []string{"advies"}); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("record after stop: %v, want ErrUnavailable", err)
	}
}

func TestGRPCCallerCancel(t *testing.T) {
	conn, _ := serve(t, &rogueServer{delay: 2 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err := NewGRPC(conn, 0).Facts(ctx, "999990299", oinVO, oinVO)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// leakySource returns more than asked, or fails with an internal error.
type leakySource struct{ err error }

func (l leakySource) Facts(context.Context, string, string, string) (Facts, error) {
	return Facts{}, l.err
}

func (l leakySource) Record(context.Context, string, []string) (*recordv1.Record, error) {
	if l.err != nil {
		return nil, l.err
	}
	return &recordv1.Record{Verzuim: &recordv1.Verzuim{}, Diagnose: &recordv1.Diagnose{Description: "x"}}, nil
}

func TestReferenceServer(t *testing.T) {
	ctx := context.Background()
	conn, _ := serve(t, NewServer(leakySource{}))
	resp, err := sourcev1.NewSourceServiceClient(conn).GetRecord(ctx, &sourcev1.GetRecordRequest{Bsn: "999990299", Categories: []string{"verzuim"}})
	if err != nil {
		t.Fatal(err)
	}
	if cats := presentCategories(resp.GetRecord()); !slices.Equal(cats, []string{"verzuim"}) {
		t.Errorf("server replied with %v", cats)
	}
	facts, err := sourcev1.NewSourceServiceClient(conn).GetFacts(ctx, &sourcev1.GetFactsRequest{Bsn: "999990299"})
	if err != nil || facts.GetFound() {
		t.Errorf("Facts{Found: false} served as %v, %v", facts, err)
	}

	tests := []struct {
		err  error
		code codes.Code
	}{
		{errors.New("sql: connection string with password=geheim"), codes.Internal},
		{ErrUnavailable, codes.Unavailable},
		{ErrNotFound, codes.OK},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			conn, _ := serve(t, NewServer(leakySource{err: tt.err}))
			_, err := sourcev1.NewSourceServiceClient(conn).GetRecord(ctx, &sourcev1.GetRecordRequest{Bsn: "999990299", Categories: []string{"verzuim"}})
			st := status.Convert(err)
			if st.Code() != tt.code {
				t.Fatalf("code = %v, want %v", st.Code(), tt.code)
			}
			if tt.code != codes.OK && st.Message() == tt.err.Error() {
				t.Errorf("internal error text crossed the wire: %q", st.Message())
			}
		})
	}
}

// The version-3 facts cross the source API unchanged, the holder's OIN goes
// with the question, and a source that does not say how many persons have
// gezag gives 2, never 1.
func TestGRPCFactsV3(t *testing.T) {
	ctx := context.Background()
	db := openDefault(t)
	conn, _ := serve(t, NewServer(db))
	src := NewGRPC(conn, 2*time.Second)
	for _, c := range []struct{ child, holder string }{{"Tina de Vries", oinVO}, {"Bas de Vries", oinPO}, {"Bas de Vries", oinVO}, {"Jesse Smit", oinVO}} {
		got, err := src.Facts(ctx, childBSN(t, c.child), c.holder, oinJGZ)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := db.Facts(ctx, childBSN(t, c.child), c.holder, oinJGZ)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s at %s: facts over gRPC = %+v, direct = %+v", c.child, c.holder, got, want)
		}
	}
	rogue := &rogueServer{birthDate: "2015-01-01", hours: 16.5, meldingen: []string{"M-2026-0042"}}
	conn, _ = serve(t, rogue)
	f, err := NewGRPC(conn, time.Second).Facts(ctx, "999990299", oinPO, oinVO)
	if err != nil {
		t.Fatal(err)
	}
	if rogue.holder != oinPO || f.ParentsWithGezag != 2 || f.UnauthorisedAbsenceHours4w != 16.5 || !slices.Equal(f.OpenVerzuimMeldingen, []string{"M-2026-0042"}) || f.EnrolledAtHolder {
		t.Errorf("asked about holder %q; facts = %+v", rogue.holder, f)
	}
}

// A source that sends an authorised period or a reason in verzuim does not
// get it past the node.
func TestGRPCCutsAbsence(t *testing.T) {
	conn, _ := serve(t, &absenceServer{})
	rec, err := NewGRPC(conn, time.Second).Record(context.Background(), "999990196", []string{"verzuim"})
	if err != nil {
		t.Fatal(err)
	}
	ps := rec.GetVerzuim().GetPeriods()
	if len(ps) != 1 || ps[0].GetAuthorised() || ps[0].GetReason() != "" || ps[0].GetKind() != "te_laat" {
		t.Fatalf("verzuim = %v, want only the unauthorised period without its reason", rec.GetVerzuim())
	}
}

type absenceServer struct {
	sourcev1.UnimplementedSourceServiceServer
}

func (absenceServer) GetRecord(context.Context, *sourcev1.GetRecordRequest) (*sourcev1.GetRecordResponse, error) {
	return &sourcev1.GetRecordResponse{Found: true, Record: &recordv1.Record{Verzuim: &recordv1.Verzuim{Periods: []*recordv1.AbsencePeriod{
		{Date: "2026-11-02", Hours: 3, Authorised: true, Reason: "tandarts"},
		{Date: "2026-10-27", Hours: 2, Kind: "te_laat", Reason: "verslapen"},
	}}}}, nil
}
