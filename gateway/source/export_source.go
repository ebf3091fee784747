package source

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schakel/schakel/gateway/bsn"
	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
)

// ExportOptions configure an Export source.
type ExportOptions struct {
	Dir        string // the directory holding the export's files
	Format     string // csv (the default) or xml
	SchoolOIN  string // this school's OIN: the node's own
	SchoolName string // for the record's onderwijs.school_name
	// Poll is how often the files are checked for a change; 0 means 10s,
	// negative never (Reload only).
	Poll time.Duration
	Log  *slog.Logger
	Now  func() time.Time // the clock for enrolment and the four weeks; time.Now when nil
}

// Export is a Source serving a school's LVS export (CSV files in a
// directory, see export.go and docs/source-guide.md) from memory. It reloads
// the files when they change; an export that cannot be loaded is refused with
// a log line and the last good one keeps serving.
type Export struct {
	opt  ExportOptions
	cur  atomic.Pointer[exportData]
	mu   sync.Mutex // serialises reloads
	last [32]byte   // hash of the files last seen, loaded or refused
	// lastErr is the last read error logged, so that a missing file is
	// logged once rather than on every poll.
	lastErr string
	stop    chan struct{}
	done    chan struct{}
}

var _ Source = (*Export)(nil)

// OpenExport loads the export in opt.Dir; an export that cannot be loaded is
// an *ExportError naming every problem. Unless opt.Poll is negative it then
// watches the files until Close.
func OpenExport(opt ExportOptions) (*Export, error) {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Poll == 0 {
		opt.Poll = 10 * time.Second
	}
	d, err := loadExport(opt.Dir, opt.Format)
	if err != nil {
		return nil, err
	}
	e := &Export{opt: opt, last: d.sum, stop: make(chan struct{}), done: make(chan struct{})}
	e.cur.Store(d)
	opt.Log.Info("source export loaded", "dir", opt.Dir, "pupils", len(d.pupils))
	if opt.Poll > 0 {
		go e.watch()
	} else {
		close(e.done)
	}
	return e, nil
}

func (e *Export) watch() {
	defer close(e.done)
	t := time.NewTicker(e.opt.Poll)
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
			e.Reload()
		}
	}
}

// Reload reads the files again. When they changed since they were last seen
// and form a valid export, it serves them from then on (true, nil); when
// they changed and do not, it logs the problems, keeps serving the previous
// export and returns the *ExportError. A changed but invalid export is
// reported once, not on every poll.
func (e *Export) Reload() (bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	files, sum, err := readExportFiles(e.opt.Dir, e.opt.Format)
	if err != nil {
		if err.Error() != e.lastErr {
			e.opt.Log.Error("source export refused; the previous export keeps serving", "dir", e.opt.Dir, "err", err)
			e.lastErr = err.Error()
		}
		e.last = [32]byte{}
		return false, err
	}
	e.lastErr = ""
	if sum == e.last {
		return false, nil
	}
	e.last = sum
	d, err := parseExport(files)
	if err != nil {
		e.opt.Log.Error("source export refused; the previous export keeps serving", "dir", e.opt.Dir, "err", err)
		return false, err
	}
	d.sum = sum
	e.cur.Store(d)
	e.opt.Log.Info("source export reloaded", "dir", e.opt.Dir, "pupils", len(d.pupils))
	return true, nil
}

// Close stops watching the files.
func (e *Export) Close() error {
	select {
	case <-e.stop:
	default:
		close(e.stop)
	}
	<-e.done
	return nil
}

func (e *Export) pupil(id string) (*exportPupil, error) {
	if err := bsn.Valid(id); err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	pu := e.cur.Load().pupils[id]
	if pu == nil {
		return nil, ErrNotFound
	}
	return pu, nil
}

// today is the calendar date of now, midnight UTC (as the export's dates).
func (e *Export) today() time.Time {
	y, m, d := e.opt.Now().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// enrolled: on the roll today (enrolled from a date not after today, not
// yet unenrolled).
func (pu *exportPupil) enrolled(today time.Time) bool {
	return !pu.enrolledFrom.After(today) && (pu.enrolledUntil.IsZero() || pu.enrolledUntil.After(today))
}

// hours4w sums the unauthorised hours of the last four weeks: the 28 days
// up to and including today.
func (pu *exportPupil) hours4w(today time.Time) float64 {
	from := today.AddDate(0, 0, -27)
	var h float64
	for _, a := range pu.absences {
		if !a.date.Before(from) && !a.date.After(today) {
			h += a.hours
		}
	}
	return h
}

// leftWithin90Days: unenrolled, at most 90 days ago. Such a pupil still
// counts as the holder's own (schakel.source.v1 enrolled_at_holder: the
// onderwijskundig rapport follows a pupil who has just left).
func (pu *exportPupil) leftWithin90Days(today time.Time) bool {
	return !pu.enrolledUntil.IsZero() && !pu.enrolledUntil.After(today) && !pu.enrolledUntil.Before(today.AddDate(0, 0, -90))
}

// Facts implements Source. The export is this school's own: the child is
// enrolled at the holder (or the recipient) only when that is this school,
// and its meldingen are this school's; at another school the child is
// enrolled only when the export names it as the vervolgschool. At the holder, a pupil who left in
// the last 90 days counts as enrolled, as the source contract asks.
func (e *Export) Facts(_ context.Context, id, holderOIN, recipientOIN string) (Facts, error) {
	pu, err := e.pupil(id)
	if err != nil {
		return Facts{}, err
	}
	today := e.today()
	onRoll := pu.enrolled(today)
	gezag := pu.gezag
	if gezag == 0 {
		gezag = 2 // the export does not say: never presume one parent
	}
	f := Facts{
		Found: true, BirthDate: pu.birth, Gemeente: pu.gemeente, ParentsHadInzage: pu.inzage,
		EnrolledAtHolder:           (onRoll || pu.leftWithin90Days(today)) && holderOIN == e.opt.SchoolOIN,
		EnrolledAtRecipient:        (onRoll && recipientOIN == e.opt.SchoolOIN) || (pu.nextSchool != "" && recipientOIN == pu.nextSchool),
		ParentsWithGezag:           gezag,
		UnauthorisedAbsenceHours4w: pu.hours4w(today),
	}
	if holderOIN == e.opt.SchoolOIN {
		for ref, closed := range pu.meldingen {
			if !closed {
				f.OpenVerzuimMeldingen = append(f.OpenVerzuimMeldingen, ref)
			}
		}
		slices.Sort(f.OpenVerzuimMeldingen)
	}
	return f, nil
}

// Record implements Source: identificatie, bsn, onderwijs, verzuim (only
// unauthorised periods; the export's reasons are never read into memory),
// opp and observaties, as far as the export has them.
func (e *Export) Record(_ context.Context, id string, categories []string) (*recordv1.Record, error) {
	pu, err := e.pupil(id)
	if err != nil {
		return nil, err
	}
	today := e.today()
	rec := &recordv1.Record{}
	for _, c := range categories {
		switch c {
		case "identificatie":
			rec.Identificatie = &recordv1.Identificatie{GivenName: pu.given, FamilyName: pu.family, BirthDate: pu.birth.Format(dateLayout)}
		case "bsn":
			rec.Bsn = &recordv1.Bsn{Bsn: pu.bsn}
		case "onderwijs":
			o := &recordv1.Onderwijs{SchoolName: e.opt.SchoolName, SchoolOin: e.opt.SchoolOIN,
				EnrolledSince: pu.enrolledFrom.Format(dateLayout), Grade: pu.grade, Career: slices.Clone(pu.career)}
			if !pu.enrolled(today) {
				o.Grade = ""
				if !pu.enrolledUntil.IsZero() {
					o.Career = append(o.Career, "uitgeschreven per "+pu.enrolledUntil.Format(dateLayout))
				}
			}
			rec.Onderwijs = o
		case "verzuim":
			if len(pu.absences) == 0 && pu.verzuimActions == "" {
				continue
			}
			v := &recordv1.Verzuim{Actions: pu.verzuimActions, UnauthorisedHours_4W: int32(math.Ceil(pu.hours4w(today)))}
			for _, a := range pu.absences {
				// Whole hours in the record, rounded up: a quarter of an
				// hour late is one hour, never none.
				v.Periods = append(v.Periods, &recordv1.AbsencePeriod{Date: a.date.Format(dateLayout), Hours: int32(math.Ceil(a.hours)), Kind: a.kind})
			}
			rec.Verzuim = v
		case "opp":
			if pu.opp != nil {
				rec.Opp = &recordv1.Opp{Summary: pu.opp.summary, Goals: slices.Clone(pu.opp.goals)}
			}
		case "observaties":
			if len(pu.observations) > 0 {
				o := &recordv1.Observaties{}
				for _, ob := range pu.observations {
					o.Items = append(o.Items, &recordv1.Observation{Date: ob.date.Format(dateLayout), AuthorRole: ob.role, Text: ob.text})
				}
				rec.Observaties = o
			}
		}
	}
	CutAbsence(rec)
	return rec, nil
}

// IsExportError reports whether err is an export that cannot be loaded.
func IsExportError(err error) bool {
	var ee *ExportError
	return errors.As(err, &ee)
}
