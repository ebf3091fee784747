package source

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/schakel/schakel/gateway/bsn"
	"github.com/schakel/schakel/gateway/oin"
)

// An export is what a school can produce from its LVS (leerlingvolgsysteem):
// a directory of CSV files, one row per pupil, absence period, person with
// gezag, melding, OPP or observation. docs/source-guide.md describes the
// layout field by field; this file parses it into memory.
//
// Only leerlingen.csv is required. Every file is UTF-8, separated by ';' (or
// ',', detected from the header line), with a header line naming its columns
// (any order, case-insensitive). What a school administrator reads (the
// problems) is Dutch.

// The export's files.
const (
	FileLeerlingen  = "leerlingen.csv"
	FileVerzuim     = "verzuim.csv"
	FileGezag       = "gezag.csv"
	FileMeldingen   = "meldingen.csv"
	FileOpp         = "opp.csv"
	FileObservaties = "observaties.csv"
)

// exportFiles lists the CSV files with their columns, required columns
// first.
type exportFile struct {
	name     string
	required bool
	columns  []string
	nreq     int // the first nreq columns are required
}

var exportFiles = []exportFile{
	{FileLeerlingen, true, []string{"bsn", "voornaam", "achternaam", "geboortedatum", "inschrijfdatum",
		"tussenvoegsel", "uitschrijfdatum", "woongemeente", "groep", "inzage_ouders", "loopbaan", "verzuim_acties", "vervolgschool_oin"}, 5},
	{FileVerzuim, false, []string{"bsn", "datum", "uren", "geoorloofd", "soort", "reden"}, 4},
	{FileGezag, false, []string{"bsn", "gezag", "naam", "relatie"}, 2},
	{FileMeldingen, false, []string{"bsn", "meldingsnummer", "gesloten"}, 2},
	{FileOpp, false, []string{"bsn", "samenvatting", "doelen"}, 2},
	{FileObservaties, false, []string{"bsn", "datum", "rol", "tekst"}, 4},
}

// maxProblems caps the problems reported for one export.
const maxProblems = 200

// ExportProblem is one thing in an export that cannot be mapped.
type ExportProblem struct {
	File   string // e.g. leerlingen.csv
	Line   int    // 1-based line number in the file; 0 for the file as a whole
	Column string // the column's header name; "" when not about one column
	Msg    string // Dutch
}

func (p ExportProblem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, " regel %d", p.Line)
	}
	if p.Column != "" {
		fmt.Fprintf(&b, ", kolom %s", p.Column)
	}
	b.WriteString(": ")
	b.WriteString(p.Msg)
	return b.String()
}

// ExportError is an export that cannot be loaded, with every problem found
// (up to a cap).
type ExportError struct {
	Problems []ExportProblem
}

// Error lists the problems with every BSN in them blanked: the error ends
// up in the node's log, which must not name a child. The check command
// prints the problems themselves (ExportProblem.String) to the administrator.
func (e *ExportError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = bsnLike.ReplaceAllString(p.String(), "[bsn]")
	}
	return "source: export: " + strings.Join(lines, "; ")
}

// bsnLike matches what could be a BSN (eight or nine digits standing alone).
var bsnLike = regexp.MustCompile(`\b[0-9]{8,9}\b`)

// exportPupil is one pupil as loaded: only what the source serves. Reasons of
// absence, authorised absence periods and the names of the persons with gezag
// are read past and never kept.
type exportPupil struct {
	bsn, given, family string
	birth              time.Time
	enrolledFrom       time.Time
	enrolledUntil      time.Time // zero: still enrolled
	gemeente           string
	nextSchool         string // OIN of the school the pupil is enrolled at next (for the onderwijskundig rapport); "" unknown
	grade              string
	inzage             bool
	career             []string
	verzuimActions     string
	gezag              int // persons with gezag ("ja" rows); 0: the export does not say
	absences           []exportAbsence
	meldingen          map[string]bool // ref -> closed
	opp                *exportOpp
	observations       []exportObservation
}

type exportAbsence struct {
	date  time.Time
	hours float64
	kind  string
}

type exportOpp struct {
	summary string
	goals   []string
}

type exportObservation struct {
	date       time.Time
	role, text string
}

// exportData is one loaded export.
type exportData struct {
	pupils map[string]*exportPupil
	counts map[string]int // rows loaded per file
	sum    [32]byte       // hash of the files as read
}

// ExportSummary says what a valid export holds, for the check command.
type ExportSummary struct {
	// Files: data rows per CSV file present, or for XML the elements per
	// kind ("export.xml <leerling>").
	Files map[string]int
}

// The export formats.
const (
	FormatCSV = "csv"
	FormatXML = "xml"
)

// CheckExport parses the export in dir (format csv or xml; "" is csv)
// without loading it anywhere: the summary of a valid export, or an
// *ExportError with every problem found.
func CheckExport(dir, format string) (ExportSummary, error) {
	d, err := loadExport(dir, format)
	if err != nil {
		return ExportSummary{}, err
	}
	return ExportSummary{Files: d.counts}, nil
}

// readExportFiles reads the export's files and the hash over them; an absent
// optional file is nil.
func readExportFiles(dir, format string) (map[string][]byte, [32]byte, error) {
	h := sha256.New()
	out := map[string][]byte{}
	files := exportFiles
	if format == FormatXML {
		files = xmlFiles
	} else if format != "" && format != FormatCSV {
		return nil, [32]byte{}, fmt.Errorf("source: export format %q is not csv or xml", format)
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f.name))
		if errors.Is(err, os.ErrNotExist) && !f.required {
			fmt.Fprintf(h, "%s:absent\n", f.name)
			continue
		}
		if errors.Is(err, os.ErrNotExist) {
			return nil, [32]byte{}, &ExportError{Problems: []ExportProblem{{File: f.name, Msg: "bestand ontbreekt in " + dir + " (verplicht)"}}}
		}
		if err != nil {
			return nil, [32]byte{}, &ExportError{Problems: []ExportProblem{{File: f.name, Msg: "niet te lezen: " + err.Error()}}}
		}
		fmt.Fprintf(h, "%s:%d\n", f.name, len(b))
		h.Write(b)
		out[f.name] = b
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return out, sum, nil
}

func loadExport(dir, format string) (*exportData, error) {
	files, sum, err := readExportFiles(dir, format)
	if err != nil {
		return nil, err
	}
	d, err := parseExport(files)
	if err != nil {
		return nil, err
	}
	d.sum = sum
	return d, nil
}

// parser collects the problems of one export.
type parser struct {
	problems []ExportProblem
	label    string // when set, the file every problem is in (export.xml)
}

func (p *parser) add(file string, line int, col, format string, args ...any) {
	if p.label != "" {
		file = p.label
	}
	if len(p.problems) < maxProblems {
		p.problems = append(p.problems, ExportProblem{File: file, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)})
	}
}

// row is one data line of a file, its values by column name.
type row struct {
	line int
	vals map[string]string
}

// table parses one file into rows; problems with the file as a whole (its
// encoding, its header) are added and give no rows.
func (p *parser) table(name string, b []byte, columns []string, nreq int) []row {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // a BOM, as spreadsheet programs write it
	if !utf8.Valid(b) {
		line := 1 + bytes.Count(b[:firstInvalidUTF8(b)], []byte("\n"))
		p.add(name, line, "", "is geen UTF-8 (sla het bestand op als UTF-8; een export in Windows-1252 of Latin-1 wordt niet geraden)")
		return nil
	}
	first, _, _ := bytes.Cut(b, []byte("\n"))
	r := csv.NewReader(bytes.NewReader(b))
	r.Comma = ';'
	if !bytes.Contains(first, []byte(";")) && bytes.Contains(first, []byte(",")) {
		r.Comma = ','
	}
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err == io.EOF {
		p.add(name, 0, "", "bestand is leeg (de eerste regel moet de kolomnamen bevatten)")
		return nil
	}
	if err != nil {
		p.add(name, 1, "", "kopregel onleesbaar: %v", csvErr(err))
		return nil
	}
	index := map[string]int{}
	bad := false
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case h == "":
			p.add(name, 1, "", "kolom %d heeft geen naam", i+1)
			bad = true
		case !slices.Contains(columns, h):
			p.add(name, 1, h, "onbekende kolom (bekende kolommen: %s)", strings.Join(columns, ", "))
			bad = true
		default:
			if _, dup := index[h]; dup {
				p.add(name, 1, h, "kolom staat twee keer in de kopregel")
				bad = true
			}
			index[h] = i
		}
	}
	for _, c := range columns[:nreq] {
		if _, ok := index[c]; !ok {
			p.add(name, 1, c, "verplichte kolom ontbreekt")
			bad = true
		}
	}
	if bad {
		return nil
	}
	var rows []row
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				p.add(name, pe.Line, "", "%v", csvErr(err))
			} else {
				p.add(name, 0, "", "%v", err)
			}
			return nil
		}
		line, _ := r.FieldPos(0) // the line the row starts on
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // an empty line
		}
		if len(rec) != len(header) {
			p.add(name, line, "", "%d velden, de kopregel heeft er %d (een scheidingsteken te veel of te weinig?)", len(rec), len(header))
			continue
		}
		vals := make(map[string]string, len(index))
		for c, i := range index {
			vals[c] = strings.TrimSpace(rec[i])
		}
		for _, c := range columns[:nreq] {
			if vals[c] == "" {
				p.add(name, line, c, "is leeg (verplicht)")
			}
		}
		rows = append(rows, row{line: line, vals: vals})
	}
	return rows
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

func csvErr(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		switch {
		case errors.Is(pe.Err, csv.ErrQuote), errors.Is(pe.Err, csv.ErrBareQuote):
			return "aanhalingsteken op een onverwachte plek (een tekst met \" moet tussen aanhalingstekens staan en \" verdubbelen)"
		}
		return pe.Err.Error()
	}
	return err.Error()
}

// parseBSN accepts nine digits (or eight, as a spreadsheet writes a BSN with
// a leading zero) that pass the 11-proef.
func (p *parser) parseBSN(file string, r row) (string, bool) {
	v := r.vals["bsn"]
	if v == "" {
		return "", false // reported as empty
	}
	if len(v) == 8 && allDigits(v) {
		v = "0" + v
	}
	if len(v) != 9 || !allDigits(v) {
		p.add(file, r.line, "bsn", "'%s' is geen BSN (negen cijfers)", r.vals["bsn"])
		return "", false
	}
	if err := bsn.Valid(v); err != nil {
		p.add(file, r.line, "bsn", "'%s' voldoet niet aan de 11-proef", r.vals["bsn"])
		return "", false
	}
	return v, true
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// parseDate accepts JJJJ-MM-DD and DD-MM-JJJJ; "" gives the zero time and ok
// (required columns are checked for emptiness on their own).
func (p *parser) parseDate(file string, r row, col string) (time.Time, bool) {
	v := r.vals[col]
	if v == "" {
		return time.Time{}, true
	}
	for _, layout := range []string{dateLayout, "2-1-2006"} { // 2-1-2006 also reads 02-01-2006
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	p.add(file, r.line, col, "'%s' is geen datum (JJJJ-MM-DD of DD-MM-JJJJ)", v)
	return time.Time{}, false
}

// parseBool accepts ja/nee (j/n, 1/0); "" is def.
func (p *parser) parseBool(file string, r row, col string, def bool) bool {
	switch strings.ToLower(r.vals[col]) {
	case "":
		return def
	case "ja", "j", "1", "true":
		return true
	case "nee", "n", "0", "false":
		return false
	}
	p.add(file, r.line, col, "'%s' is geen ja of nee", r.vals[col])
	return def
}

// parseOIN accepts an OIN (20 digits) or "".
func (p *parser) parseOIN(file string, r row, col string) string {
	v := r.vals[col]
	if v == "" {
		return ""
	}
	if err := oin.Valid(v); err != nil {
		p.add(file, r.line, col, "'%s' is geen OIN (20 cijfers; een BRIN-nummer is geen OIN)", v)
		return ""
	}
	return v
}

// parseGemeente accepts a CBS code, GM0153 or 0153; "" is unknown.
func (p *parser) parseGemeente(file string, r row) string {
	v := strings.ToUpper(r.vals["woongemeente"])
	if v == "" {
		return ""
	}
	if len(v) == 4 && allDigits(v) {
		v = "GM" + v
	}
	if !gemeenteRE.MatchString(v) {
		p.add(file, r.line, "woongemeente", "'%s' is geen CBS-gemeentecode (GM en vier cijfers, bijvoorbeeld GM0153)", r.vals["woongemeente"])
		return ""
	}
	return v
}

// splitList splits a "|"-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, "|") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// parseExport parses the files (by name; absent optional files missing):
// the CSV files, or export.xml.
func parseExport(files map[string][]byte) (*exportData, error) {
	p := &parser{}
	d := &exportData{pupils: map[string]*exportPupil{}, counts: map[string]int{}}
	rows := map[string][]row{}
	if b, ok := files[FileXML]; ok {
		p.label = FileXML
		rows = p.xmlTables(b)
		for _, x := range xmlKinds {
			if n := len(rows[x.table]); n > 0 || x.table == FileLeerlingen {
				d.counts[FileXML+" <"+x.element+">"] = n
			}
		}
	}
	for _, f := range exportFiles {
		if b, ok := files[f.name]; ok {
			rows[f.name] = p.table(f.name, b, f.columns, f.nreq)
			d.counts[f.name] = len(rows[f.name])
		}
	}
	firstLine := map[string]int{}
	for _, r := range rows[FileLeerlingen] {
		id, ok := p.parseBSN(FileLeerlingen, r)
		if !ok {
			continue
		}
		if prev, dup := firstLine[id]; dup {
			p.add(FileLeerlingen, r.line, "bsn", "%s staat ook op regel %d (één regel per leerling)", id, prev)
			continue
		}
		firstLine[id] = r.line
		birth, _ := p.parseDate(FileLeerlingen, r, "geboortedatum")
		from, _ := p.parseDate(FileLeerlingen, r, "inschrijfdatum")
		until, ok := p.parseDate(FileLeerlingen, r, "uitschrijfdatum")
		if ok && !until.IsZero() && !from.IsZero() && until.Before(from) {
			p.add(FileLeerlingen, r.line, "uitschrijfdatum", "'%s' ligt voor de inschrijfdatum '%s'", r.vals["uitschrijfdatum"], r.vals["inschrijfdatum"])
		}
		family := r.vals["achternaam"]
		if t := r.vals["tussenvoegsel"]; t != "" {
			family = t + " " + family
		}
		d.pupils[id] = &exportPupil{
			bsn: id, given: r.vals["voornaam"], family: family, birth: birth,
			enrolledFrom: from, enrolledUntil: until,
			gemeente:       p.parseGemeente(FileLeerlingen, r),
			grade:          r.vals["groep"],
			inzage:         p.parseBool(FileLeerlingen, r, "inzage_ouders", false),
			career:         splitList(r.vals["loopbaan"]),
			verzuimActions: r.vals["verzuim_acties"],
			nextSchool:     p.parseOIN(FileLeerlingen, r, "vervolgschool_oin"),
			meldingen:      map[string]bool{},
		}
	}
	// pupil returns the pupil of a row of another file, reporting a BSN
	// that leerlingen.csv does not have (unless leerlingen.csv itself had
	// problems: then every other file would repeat them).
	leerlingenOK := !slices.ContainsFunc(p.problems, func(q ExportProblem) bool { return q.File == FileLeerlingen })
	pupil := func(file string, r row) *exportPupil {
		id, ok := p.parseBSN(file, r)
		if !ok {
			return nil
		}
		pu := d.pupils[id]
		if pu == nil {
			if _, listed := firstLine[id]; !listed && leerlingenOK {
				p.add(file, r.line, "bsn", "%s staat niet in %s", id, FileLeerlingen)
			}
		}
		return pu
	}
	for _, r := range rows[FileVerzuim] {
		pu := pupil(FileVerzuim, r)
		day, _ := p.parseDate(FileVerzuim, r, "datum")
		hours, err := strconv.ParseFloat(strings.Replace(r.vals["uren"], ",", ".", 1), 64)
		if r.vals["uren"] != "" && (err != nil || hours <= 0 || hours > 24 || math.IsNaN(hours)) {
			p.add(FileVerzuim, r.line, "uren", "'%s' is geen aantal uren (meer dan 0, hoogstens 24; bijvoorbeeld 2 of 0,5)", r.vals["uren"])
		}
		authorised := p.parseBool(FileVerzuim, r, "geoorloofd", false)
		kind := strings.ToLower(r.vals["soort"])
		if authorised {
			// Authorised absence is not verzuim: validated, never kept;
			// and neither is any reason (RULES.md, "Verzuim").
			continue
		}
		switch {
		case kind == "":
			p.add(FileVerzuim, r.line, "soort", "is leeg; ongeoorloofd verzuim heeft een soort (%s)", strings.Join(AbsenceKinds, ", "))
		case !slices.Contains(AbsenceKinds, kind):
			p.add(FileVerzuim, r.line, "soort", "'%s' is geen soort verzuim (%s)", r.vals["soort"], strings.Join(AbsenceKinds, ", "))
		}
		if pu != nil && !day.IsZero() && hours > 0 {
			pu.absences = append(pu.absences, exportAbsence{date: day, hours: hours, kind: kind})
		}
	}
	gezagLine := map[string]int{}
	for _, r := range rows[FileGezag] {
		pu := pupil(FileGezag, r)
		has := p.parseBool(FileGezag, r, "gezag", false)
		if pu == nil || !has {
			continue
		}
		pu.gezag++
		if pu.gezag > 2 {
			p.add(FileGezag, r.line, "gezag", "derde persoon met gezag voor %s (hoogstens twee; zie regel %d)", pu.bsn, gezagLine[pu.bsn])
		}
		gezagLine[pu.bsn] = r.line
	}
	for _, r := range rows[FileMeldingen] {
		pu := pupil(FileMeldingen, r)
		closed := p.parseBool(FileMeldingen, r, "gesloten", false)
		ref := r.vals["meldingsnummer"]
		if pu == nil || ref == "" {
			continue
		}
		if _, dup := pu.meldingen[ref]; dup {
			p.add(FileMeldingen, r.line, "meldingsnummer", "melding '%s' staat twee keer in het bestand voor %s", ref, pu.bsn)
			continue
		}
		pu.meldingen[ref] = closed
	}
	for _, r := range rows[FileOpp] {
		pu := pupil(FileOpp, r)
		if pu == nil {
			continue
		}
		if pu.opp != nil {
			p.add(FileOpp, r.line, "bsn", "tweede OPP voor %s (één regel per leerling)", pu.bsn)
			continue
		}
		pu.opp = &exportOpp{summary: r.vals["samenvatting"], goals: splitList(r.vals["doelen"])}
	}
	for _, r := range rows[FileObservaties] {
		pu := pupil(FileObservaties, r)
		day, _ := p.parseDate(FileObservaties, r, "datum")
		if pu == nil {
			continue
		}
		pu.observations = append(pu.observations, exportObservation{date: day, role: r.vals["rol"], text: r.vals["tekst"]})
	}
	if len(p.problems) == 0 && len(d.pupils) == 0 {
		p.add(FileLeerlingen, 0, "", "bevat geen leerlingen")
	}
	if len(p.problems) > 0 {
		return nil, &ExportError{Problems: p.problems}
	}
	for _, pu := range d.pupils {
		slices.SortStableFunc(pu.absences, func(a, b exportAbsence) int { return a.date.Compare(b.date) })
		slices.SortStableFunc(pu.observations, func(a, b exportObservation) int { return a.date.Compare(b.date) })
	}
	return d, nil
}
