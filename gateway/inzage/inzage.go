// Package inzage decides, with the policy pack's inzage question, which of
// a node's audit records about one child a parent or the child may see
// (RULES.md "Rights the system serves"; POLICY-CONTRACT.md "inzage").
//
// Every path that produces an inzage report (the CLI, the local API over
// gRPC and JSON, the console) calls [Decide] and shows only [View.Shown];
// the records it holds back are counted, never described. The marks a
// professional of the holder sets on a record (released for inzage, held
// back from the parents) are themselves audit records
// ([audit.ActionInzageMark]), so every mark is on record and a report
// reads them from the same log.
package inzage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/policy"
)

// Requester is who asks for inzage, as established outside Schakel (DigiD
// or at the desk): a parent (with or without gezag) or the child.
type Requester struct {
	Kind  string // "ouder" or "jeugdige"
	Gezag bool   // for an ouder: has gezag
}

// The requesters a desk professional can choose, by their form value.
var (
	OuderMetGezag    = Requester{Kind: "ouder", Gezag: true}
	OuderZonderGezag = Requester{Kind: "ouder"}
	Jeugdige         = Requester{Kind: "jeugdige"}
)

// RequesterValues are the values ParseRequester accepts, in form order.
var RequesterValues = []string{"ouder", "ouder_zonder_gezag", "jeugdige"}

// ErrBirthDateNeeded is returned when the organisation's own records do not know the child,
// so an inzage needs the date of birth established at the desk.
var ErrBirthDateNeeded = errors.New("inzage: the child is not in this organisation's records; give the date of birth")

// ErrRequester is wrapped by ParseRequester's error.
var ErrRequester = errors.New("inzage: unknown requester")

// ParseRequester reads a requester's form or flag value: "ouder" (a parent
// with gezag), "ouder_zonder_gezag" or "jeugdige".
func ParseRequester(v string) (Requester, error) {
	switch v {
	case "ouder":
		return OuderMetGezag, nil
	case "ouder_zonder_gezag":
		return OuderZonderGezag, nil
	case "jeugdige":
		return Jeugdige, nil
	}
	return Requester{}, fmt.Errorf("%w %q: must be ouder (met gezag), ouder_zonder_gezag or jeugdige", ErrRequester, v)
}

// Dutch names the requester as the report does.
func (r Requester) Dutch() string {
	switch {
	case r.Kind == "jeugdige":
		return "het kind of de jongere zelf"
	case r.Gezag:
		return "een ouder met gezag"
	}
	return "een ouder zonder gezag"
}

// View is what the pack lets one requester see of a node's records about
// one child.
type View struct {
	Requester Requester
	// Allow is false only when the requester may see no record at all;
	// Reasons then says why, in Dutch.
	Allow   bool
	Reasons []policy.Reason
	// Shown are the records the requester may see, oldest first.
	Shown []audit.Stored
	// HeldBack is how many records are not shown (never which, nor why).
	HeldBack int
	// PolicyRevision is the pack that decided.
	PolicyRevision string
}

// Scope is what the report prints around the records: who asked, how many
// are not shown, and why nothing is shown when the requester is not
// entitled.
func (v View) Scope() audit.InzageScope {
	s := audit.InzageScope{Requester: v.Requester.Dutch(), HeldBack: v.HeldBack, Decided: true}
	if !v.Allow {
		for _, r := range v.Reasons {
			if s.Refusal != "" {
				s.Refusal += " "
			}
			s.Refusal += r.Message
		}
		if s.Refusal == "" {
			s.Refusal = "Deze persoon kan via deze weg geen inzage krijgen."
		}
	}
	return s
}

// Asker answers the pack's inzage question (policy.Engine.Inzage; the node's
// live pack).
type Asker interface {
	Inzage(ctx context.Context, in policy.InzageInput) (policy.InzageDecision, error)
}

// recordID is a record's id in the inzage question: its index, zero-padded
// so that the pack's sort by id is the log's order.
func recordID(idx uint64) string { return fmt.Sprintf("%020d", idx) }

// Decide asks the pack which of recs (every record of this node about one
// child, as Store.BySubject returns them) the requester may see. age is the
// child's age at now. The records of the organisation's own systems'
// access (consent changes, earlier inzages, marks) are never shown; the
// marks among recs set released_for_inzage and withhold_from_parents of the
// records they name, the later mark winning. An error of the pack is an
// error here: the caller shows nothing (fail closed).
func Decide(ctx context.Context, pack Asker, who Requester, age int, recs []audit.Stored, now time.Time) (View, error) {
	type marks struct{ released, withhold bool }
	marked := map[uint64]*marks{}
	for _, r := range recs {
		if r.Record.Name != audit.ActionInzageMark || r.Record.StatusCode == audit.StatusError {
			continue
		}
		mark, idx, err := audit.ParseInzageMark(r.Record.InzageMark)
		if err != nil {
			return View{}, fmt.Errorf("inzage: record %d: %w", r.Index, err)
		}
		m := marked[idx]
		if m == nil {
			m = &marks{}
			marked[idx] = m
		}
		switch mark {
		case audit.MarkReleasedForInzage:
			m.released = true
		case audit.MarkWithholdFromParents:
			m.withhold = true
		case audit.MarkShowToParents:
			m.withhold = false
		}
	}
	own := audit.WithoutLocalAccess(recs)
	in := policy.InzageInput{Requester: policy.InzageRequesterInput{Kind: who.Kind, Gezag: who.Gezag}, Now: now,
		Records: make([]policy.InzageRecord, 0, len(own))}
	in.Subject.Age = age
	byID := make(map[string]audit.Stored, len(own))
	for _, r := range own {
		id := recordID(r.Index)
		byID[id] = r
		ir := policy.InzageRecord{ID: id, Flow: r.Record.Flow}
		if m := marked[r.Index]; m != nil {
			ir.ReleasedForInzage, ir.WithholdFromParents = m.released, m.withhold
		}
		in.Records = append(in.Records, ir)
	}
	d, err := pack.Inzage(ctx, in)
	if err != nil {
		return View{}, fmt.Errorf("inzage: the policy pack did not decide: %w", err)
	}
	v := View{Requester: who, Allow: d.Allow, Reasons: d.Reasons, HeldBack: len(d.HeldBack), PolicyRevision: d.PolicyRevision}
	if len(d.Shown)+len(d.HeldBack) != len(own) {
		return View{}, fmt.Errorf("inzage: the pack decided on %d of %d records", len(d.Shown)+len(d.HeldBack), len(own))
	}
	for _, id := range d.Shown {
		r, ok := byID[id]
		if !ok {
			return View{}, fmt.Errorf("inzage: the pack showed an unknown record %q", id)
		}
		v.Shown = append(v.Shown, r)
	}
	if !v.Allow {
		v.Shown = nil
	}
	// Oldest first, as the log: the ids sort as the indexes.
	slices.SortFunc(v.Shown, func(a, b audit.Stored) int { return cmp.Compare(a.Index, b.Index) })
	return v, nil
}

// MarkRecord checks a mark a professional asks to set on the record at index
// among recs (the node's records about the child): the record must be one
// of them and not itself an access record; a released_for_inzage mark only
// fits a record of a flow the pack holds back for safety. It returns the
// record's Record.InzageMark value.
func MarkRecord(recs []audit.Stored, index uint64, mark string) (string, error) {
	v := audit.FormatInzageMark(mark, index)
	if _, _, err := audit.ParseInzageMark(v); err != nil {
		return "", err
	}
	for _, r := range recs {
		if r.Index != index {
			continue
		}
		if audit.IsLocalAction(r.Record.Name) {
			return "", fmt.Errorf("inzage: record %d is not a gegevensverwerking about the child", index)
		}
		return v, nil
	}
	return "", fmt.Errorf("inzage: record %s is not about this child on this node", strconv.FormatUint(index, 10))
}
