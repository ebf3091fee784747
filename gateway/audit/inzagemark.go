package audit

import (
	"fmt"
	"strconv"
	"strings"
)

// The marks a professional of the holder sets on a record for the inzage
// (RULES.md "Rights the system serves"): the pack's inzage question reads
// them as a record's released_for_inzage and withhold_from_parents.
const (
	// MarkReleasedForInzage: a veiligheid record (G1 to G4) may be shown
	// now that informing is safe (inform_subject_when_safe done).
	MarkReleasedForInzage = "released_for_inzage"
	// MarkWithholdFromParents: good care demands that the parents do not see
	// this record (Jeugdwet 7.3.11 lid 3, WGBO 7:457).
	MarkWithholdFromParents = "withhold_from_parents"
	// MarkShowToParents lifts an earlier MarkWithholdFromParents.
	MarkShowToParents = "show_to_parents"
)

// InzageMarks are the values of a mark, in the order a form lists them.
var InzageMarks = []string{MarkReleasedForInzage, MarkWithholdFromParents, MarkShowToParents}

// FormatInzageMark is the Record.InzageMark of a mark on the record at index.
func FormatInzageMark(mark string, index uint64) string {
	return mark + ":" + strconv.FormatUint(index, 10)
}

// ParseInzageMark splits a Record.InzageMark into its mark and the index of
// the record it marks.
func ParseInzageMark(v string) (mark string, index uint64, err error) {
	m, i, ok := strings.Cut(v, ":")
	if !ok {
		return "", 0, fmt.Errorf("inzage mark %q is not <mark>:<index>", v)
	}
	switch m {
	case MarkReleasedForInzage, MarkWithholdFromParents, MarkShowToParents:
	default:
		return "", 0, fmt.Errorf("inzage mark %q is not one of %s", m, strings.Join(InzageMarks, ", "))
	}
	idx, err := strconv.ParseUint(i, 10, 64)
	if err != nil {
		return "", 0, fmt.Errorf("inzage mark %q: the index is not a number", v)
	}
	return m, idx, nil
}
