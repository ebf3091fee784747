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
}

// Source is the organisation's own system, as the node sees it.
type Source interface {
	// Facts returns the facts about the child for a release to recipientOIN,
	// or ErrNotFound.
	Facts(ctx context.Context, bsn, recipientOIN string) (Facts, error)
	// Record returns the child's data with ONLY the asked categories present
	// (unknown names are ignored), or ErrNotFound.
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
// step: whatever else rec holds does not reach the result.
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
	return out
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
