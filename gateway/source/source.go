// Package source is how a node reaches the organisation's own data about a
// child: the facts the policy needs (age, enrolment, inzage) and the record,
// per data category. Implementations: SQLite (the embedded default, filled
// from a YAML fixture of fictional children) and GRPC (the organisation's own
// system behind sourcev1.SourceService). NewServer serves any Source over gRPC.
package source

import (
	"context"
	"errors"
	"time"

	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

var (
	// ErrNotFound means the source has no record of the child.
	ErrNotFound = errors.New("source: child not found")
	// ErrUnavailable means the source could not answer (down, timed out, or
	// gave an unusable reply); nothing can be released.
	ErrUnavailable = errors.New("source: unavailable")
)

// Facts are what the policy needs to know about a child.
type Facts struct {
	Found               bool
	BirthDate           time.Time // a date, midnight UTC
	EnrolledAtRecipient bool      // enrolled at the organisation the data would go to
	ParentsHadInzage    bool      // the parents have seen the onderwijskundig rapport
	Gemeente            string    // the child's woongemeente (CBS code, GM0153); "" unknown
	// EnrolledAtHolder: the child is on the holder's roll (contract v3
	// subject.enrolled_at_holder).
	EnrolledAtHolder bool
	// ParentsWithGezag is the number of persons with gezag, 1 or 2 (2 when
	// the records do not say).
	ParentsWithGezag int
	// UnauthorisedAbsenceHours4w is the unauthorised absence in the last four
	// school weeks, in hours.
	UnauthorisedAbsenceHours4w float64
	// OpenVerzuimMeldingen are the references of the verzuim meldingen the
	// holder made for the child that leerplicht has not closed.
	OpenVerzuimMeldingen []string
}

// Source is the organisation's own system, as the node sees it.
type Source interface {
	// Facts returns the facts about the child in holderOIN's records for a
	// release to recipientOIN, or ErrNotFound.
	Facts(ctx context.Context, bsn, holderOIN, recipientOIN string) (Facts, error)
	// Record returns the child's data with ONLY the asked categories present
	// (unknown names are ignored), or ErrNotFound. Its verzuim holds only
	// unauthorised periods and no absence carries a reason (CutAbsence).
	Record(ctx context.Context, bsn string, categories []string) (*recordv1.Record, error)
}

var recordFields = (&recordv1.Record{}).ProtoReflect().Descriptor().Fields()

// categoryField returns the Record field for a category name (proto field
// names are the category names), or nil.
func categoryField(name string) protoreflect.FieldDescriptor {
	fd := recordFields.ByName(protoreflect.Name(name))
	if fd == nil || fd.Message() == nil {
		return nil
	}
	return fd
}

// Categories lists every category the Record can carry, in field order.
func Categories() []string {
	out := make([]string, 0, recordFields.Len())
	for i := 0; i < recordFields.Len(); i++ {
		out = append(out, string(recordFields.Get(i).Name()))
	}
	return out
}

// Project returns a new record holding deep copies of only the named
// categories of rec that are present; unknown names are ignored. It never
// returns nil (a nil rec gives an empty record). This is the minimisation
// step: whatever else rec holds does not reach the result, and neither does
// an authorised absence period or an absence reason (CutAbsence).
func Project(rec *recordv1.Record, categories []string) *recordv1.Record {
	out := &recordv1.Record{}
	if rec == nil {
		return out
	}
	src, dst := rec.ProtoReflect(), out.ProtoReflect()
	for _, c := range categories {
		fd := categoryField(c)
		if fd == nil || !src.Has(fd) {
			continue
		}
		dst.Set(fd, protoreflect.ValueOfMessage(proto.Clone(src.Get(fd).Message().Interface()).ProtoReflect()))
	}
	CutAbsence(out)
	return out
}

// AbsenceKinds are the kinds of unauthorised absence a verzuim period may carry (RULES.md,
// "Verzuim").
var AbsenceKinds = []string{"spijbelen", "te_laat", "luxe", "langdurig", "vermoedelijk_ongeoorloofd"}

// CutAbsence applies RULES.md "Verzuim" to rec in place: verzuim keeps only
// the periods not marked authorised, and no absence period of any category
// keeps its reason ("tandarts", an illness). Every source adapter calls it
// on what it returns, and Project calls it on what leaves, so neither an
// authorised period nor a reason can be released whatever a source sends.
func CutAbsence(rec *recordv1.Record) {
	if rec == nil {
		return
	}
	if v := rec.GetVerzuim(); v != nil {
		kept := v.Periods[:0]
		for _, p := range v.Periods {
			if p.GetAuthorised() {
				continue
			}
			p.Reason = ""
			kept = append(kept, p)
		}
		clear(v.Periods[len(kept):])
		v.Periods = kept
	}
	if z := rec.GetZiekteverzuim(); z != nil {
		for _, p := range z.Periods {
			p.Reason = ""
		}
	}
}

// AgeAt returns the age in whole years on the calendar date of now (in now's
// location) of someone born on the calendar date of birth. Someone born on
// 29 February becomes a year older on 1 March in a common year, the later
// (stricter) reading for consent ages.
func AgeAt(birth, now time.Time) int {
	by, bm, bd := birth.Date()
	ny, nm, nd := now.Date()
	age := ny - by
	if nm < bm || (nm == bm && nd < bd) {
		age--
	}
	return age
}
