// Command source-server is an example schakel.source.v1 SourceService: the
// small program an LVS vendor (or a school's IT) writes so that the school's
// Schakel node can fetch facts and data about a pupil from the school's own
// system. Start from it; replace loadPupils with queries on your database.
//
// The node calls this service only after its policy decided to release, and
// only for the released categories; it is the node that decides, audits and
// minimises again. This server's duties are to answer truthfully, to answer
// only for the categories asked, and never to send what RULES.md forbids to
// leave the school at all (authorised absence, any reason of absence).
//
// Run:
//
//	go run ./examples/source-server --data pupils.json --school-oin 00000001000000000004 \
//	    --listen :9443 --cert source.pem --key source.key --client-ca node-ca.pem
//
// and in the node's configuration:
//
//	source:
//	  grpc: {address: "lvs.school.example:9443", ca: source-ca.pem, cert: node-client.pem, key: node-client.key}
//
// The connection is mutual TLS 1.3: the node proves itself with a client
// certificate signed by --client-ca, and only such a client is served.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"math"
	"net"
	"os"
	"os/signal"
	"slices"
	"sort"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
	sourcev1 "github.com/schakel/schakel/proto/schakel/source/v1"
)

// pupil is how this example keeps a pupil; yours is your LVS's database.
type pupil struct {
	BSN        string `json:"bsn"`
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	BirthDate  string `json:"birth_date"` // YYYY-MM-DD
	// Gemeente is the woongemeente as a CBS code (GM0153); "" when unknown.
	Gemeente      string `json:"gemeente"`
	EnrolledFrom  string `json:"enrolled_from"`  // YYYY-MM-DD
	EnrolledUntil string `json:"enrolled_until"` // YYYY-MM-DD; "" while enrolled
	Grade         string `json:"grade"`
	// ParentsHadInzage: the parents have seen the onderwijskundig rapport.
	ParentsHadInzage bool `json:"parents_had_inzage"`
	// PersonsWithGezag: 1 or 2; 0 when your records do not say.
	PersonsWithGezag int       `json:"persons_with_gezag"`
	Absences         []absence `json:"absences"`
	// OpenMeldingen: the DUO meldingsnummers of the verzuim meldingen this
	// school made for the pupil that leerplicht has not closed.
	OpenMeldingen []string `json:"open_meldingen"`
	OppSummary    string   `json:"opp_summary"`
	OppGoals      []string `json:"opp_goals"`
}

type absence struct {
	Date       string  `json:"date"` // YYYY-MM-DD
	Hours      float64 `json:"hours"`
	Authorised bool    `json:"authorised"`
	// Kind of unauthorised absence: spijbelen, te_laat, luxe, langdurig,
	// vermoedelijk_ongeoorloofd.
	Kind string `json:"kind"`
	// Reason as your LVS holds it. Never sent: see GetRecord.
	Reason string `json:"reason"`
}

type server struct {
	sourcev1.UnimplementedSourceServiceServer
	schoolOIN  string
	schoolName string
	pupils     map[string]pupil
	now        func() time.Time
}

func loadPupils(path string) (map[string]pupil, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f struct {
		Pupils []pupil `json:"pupils"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string]pupil{}
	for _, p := range f.Pupils {
		out[p.BSN] = p
	}
	return out, nil
}

func (s *server) today() string { return s.now().Format("2006-01-02") }

// enrolled: on this school's roll today.
func (p pupil) enrolled(today string) bool {
	return p.EnrolledFrom != "" && p.EnrolledFrom <= today && (p.EnrolledUntil == "" || p.EnrolledUntil > today)
}

// ownPupil: enrolled, or left in the last 90 days (enrolled_at_holder: the
// onderwijskundig rapport follows a pupil who has just left).
func (p pupil) ownPupil(now time.Time) bool {
	today := now.Format("2006-01-02")
	return p.enrolled(today) || (p.EnrolledUntil != "" && p.EnrolledUntil <= today && p.EnrolledUntil >= now.AddDate(0, 0, -90).Format("2006-01-02"))
}

// hours4w is the unauthorised absence of the last four weeks (28 days up to
// today), in hours; authorised absence never counts.
func (p pupil) hours4w(now time.Time) float64 {
	from := now.AddDate(0, 0, -27).Format("2006-01-02")
	today := now.Format("2006-01-02")
	var h float64
	for _, a := range p.Absences {
		if !a.Authorised && a.Date >= from && a.Date <= today {
			h += a.Hours
		}
	}
	return h
}

// GetFacts answers what the policy needs. An unknown pupil is found=false,
// not an error.
func (s *server) GetFacts(_ context.Context, req *sourcev1.GetFactsRequest) (*sourcev1.GetFactsResponse, error) {
	p, ok := s.pupils[req.GetBsn()]
	if !ok {
		return &sourcev1.GetFactsResponse{Found: false}, nil
	}
	today := s.today()
	ours := req.GetHolderOin() == s.schoolOIN
	resp := &sourcev1.GetFactsResponse{
		Found:     true,
		BirthDate: p.BirthDate, // the policy computes the age (consent ages 12 and 16)
		// Only this school's own roll is known here.
		EnrolledAtRecipient: p.enrolled(today) && req.GetRecipientOin() == s.schoolOIN,
		EnrolledAtHolder:    p.ownPupil(s.now()) && ours,
		ParentsHadInzage:    p.ParentsHadInzage,
		// Empty when unknown: the residence rule then refuses, as it must.
		Gemeente: p.Gemeente,
		// 0 means "the records do not say"; the node then presumes two, and
		// asks both parents' consent. Never send 1 unless you know.
		ParentsWithGezag:            int32(p.PersonsWithGezag), //nolint:gosec // 0, 1 or 2
		UnauthorisedAbsenceHours_4W: p.hours4w(s.now()),
	}
	if ours {
		resp.OpenVerzuimMeldingen = slices.Clone(p.OpenMeldingen)
		sort.Strings(resp.OpenVerzuimMeldingen)
	}
	return resp, nil
}

// GetRecord answers with exactly the categories asked and no others.
func (s *server) GetRecord(_ context.Context, req *sourcev1.GetRecordRequest) (*sourcev1.GetRecordResponse, error) {
	p, ok := s.pupils[req.GetBsn()]
	if !ok {
		return &sourcev1.GetRecordResponse{Found: false}, nil
	}
	rec := &recordv1.Record{}
	for _, c := range req.GetCategories() {
		switch c {
		case "identificatie":
			rec.Identificatie = &recordv1.Identificatie{GivenName: p.GivenName, FamilyName: p.FamilyName, BirthDate: p.BirthDate}
		case "bsn":
			rec.Bsn = &recordv1.Bsn{Bsn: p.BSN}
		case "onderwijs":
			rec.Onderwijs = &recordv1.Onderwijs{SchoolName: s.schoolName, SchoolOin: s.schoolOIN, EnrolledSince: p.EnrolledFrom, Grade: p.Grade}
		case "verzuim":
			// RULES.md "Verzuim": only unauthorised periods, with their
			// kind, and never a reason ("tandarts", an illness). The node
			// cuts them as well; do not rely on it.
			v := &recordv1.Verzuim{UnauthorisedHours_4W: int32(math.Ceil(p.hours4w(s.now())))} //nolint:gosec // whole hours, rounded up
			for _, a := range p.Absences {
				if a.Authorised {
					continue
				}
				v.Periods = append(v.Periods, &recordv1.AbsencePeriod{Date: a.Date, Hours: int32(math.Ceil(a.Hours)), Kind: a.Kind}) //nolint:gosec // rounded up
			}
			rec.Verzuim = v
		case "opp":
			if p.OppSummary != "" {
				rec.Opp = &recordv1.Opp{Summary: p.OppSummary, Goals: p.OppGoals}
			}
			// Categories this LVS does not hold are simply absent.
		}
	}
	return &sourcev1.GetRecordResponse{Found: true, Record: rec}, nil
}

func main() {
	listen := flag.String("listen", "127.0.0.1:9443", "address to serve on")
	certFile := flag.String("cert", "", "this server's TLS certificate (PEM)")
	keyFile := flag.String("key", "", "its private key (PEM)")
	clientCA := flag.String("client-ca", "", "CA that signed the node's client certificate (PEM)")
	data := flag.String("data", "", "the pupils (JSON; replace with your LVS's database)")
	schoolOIN := flag.String("school-oin", "", "this school's OIN (the node's own)")
	schoolName := flag.String("school-name", "", "this school's name for the onderwijs category")
	flag.Parse()
	if *certFile == "" || *keyFile == "" || *clientCA == "" || *data == "" || *schoolOIN == "" {
		log.Fatal("--cert, --key, --client-ca, --data and --school-oin are required")
	}
	pupils, err := loadPupils(*data)
	if err != nil {
		log.Fatal(err)
	}
	kp, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		log.Fatal(err)
	}
	caPEM, err := os.ReadFile(*clientCA)
	if err != nil {
		log.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		log.Fatalf("%s: no certificate", *clientCA)
	}
	// Mutual TLS 1.3: without a client certificate from the node's CA no
	// request reaches this code.
	creds := credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{kp},
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool})
	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	g := grpc.NewServer(grpc.Creds(creds), grpc.UnaryInterceptor(noDetails))
	sourcev1.RegisterSourceServiceServer(g, &server{schoolOIN: *schoolOIN, schoolName: *schoolName, pupils: pupils, now: time.Now})
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		g.GracefulStop()
	}()
	// The test reads this line for the address.
	fmt.Printf("serving schakel.source.v1 on %s\n", lis.Addr())
	if err := g.Serve(lis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		log.Fatal(err)
	}
}

// noDetails keeps internal errors (a database message, a query) from
// crossing to the node: it gets the code only.
func noDetails(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	resp, err := h(ctx, req)
	if err != nil {
		if _, ok := status.FromError(err); !ok {
			return nil, status.Error(codes.Internal, "source error")
		}
	}
	return resp, err
}
