package source

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// The XML form of an export is one file, export.xml, holding the same rows
// as the CSV files: one element per row, one child element per column, with
// the CSV column names (docs/source-guide.md):
//
//	<export>
//	  <leerling><bsn>999990299</bsn><voornaam>Tina</voornaam>...</leerling>
//	  <verzuim><bsn>999990299</bsn><datum>2026-11-02</datum>...</verzuim>
//	  <gezag>...</gezag> <melding>...</melding> <opp>...</opp> <observatie>...</observatie>
//	</export>
//
// The rows are then checked and mapped exactly as the CSV rows are; a
// problem names export.xml, the line of the row's element and the column.

// FileXML is the export's file in the XML format.
const FileXML = "export.xml"

var xmlFiles = []exportFile{{FileXML, true, nil, 0}}

// tableFile returns the CSV file a table is read as.
func tableFile(table string) exportFile {
	return exportFiles[slices.IndexFunc(exportFiles, func(f exportFile) bool { return f.name == table })]
}

// xmlKinds maps the row elements to the CSV tables they stand for.
var xmlKinds = []struct{ element, table string }{
	{"leerling", FileLeerlingen},
	{"verzuim", FileVerzuim},
	{"gezag", FileGezag},
	{"melding", FileMeldingen},
	{"opp", FileOpp},
	{"observatie", FileObservaties},
}

// xmlTables parses export.xml into rows per CSV table; problems are added
// (p.label is export.xml).
func (p *parser) xmlTables(b []byte) map[string][]row {
	out := map[string][]row{}
	if !utf8.Valid(b) {
		line := 1 + bytes.Count(b[:firstInvalidUTF8(b)], []byte("\n"))
		p.add(FileXML, line, "", "is geen UTF-8 (sla het bestand op als UTF-8; een export in Windows-1252 of Latin-1 wordt niet geraden)")
		return out
	}
	dec := xml.NewDecoder(bytes.NewReader(b))
	var charset string // a declared encoding other than UTF-8
	dec.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "utf8") {
			return in, nil
		}
		charset = label
		return nil, errors.New("encoding " + label)
	}
	fail := func(err error) map[string][]row {
		var se *xml.SyntaxError
		if charset != "" {
			p.add(FileXML, 1, "", "de XML-declaratie noemt codering '%s'; alleen UTF-8 wordt gelezen (sla het bestand op als UTF-8)", charset)
		} else if errors.As(err, &se) {
			p.add(FileXML, se.Line, "", "geen geldige XML: %s", se.Msg)
		} else {
			line, _ := dec.InputPos()
			p.add(FileXML, line, "", "geen geldige XML: %v", err)
		}
		return map[string][]row{}
	}
	depth := 0
	var cur *row          // the row being read (depth 1)
	var table string      // its table
	var element string    // its element
	var col string        // the column being read (depth 2)
	var text bytes.Buffer // its text
	var columns []string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(err)
		}
		line, _ := dec.InputPos()
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			name := t.Name.Local
			switch depth {
			case 1:
				if name != "export" {
					p.add(FileXML, line, "", "het hoofdelement is <%s>, verwacht <export>", name)
					return map[string][]row{}
				}
			case 2:
				i := slices.IndexFunc(xmlKinds, func(k struct{ element, table string }) bool { return k.element == name })
				if i < 0 {
					p.add(FileXML, line, "", "onbekend element <%s> (bekend: leerling, verzuim, gezag, melding, opp, observatie)", name)
					if err := dec.Skip(); err != nil {
						return fail(err)
					}
					depth--
					continue
				}
				table = xmlKinds[i].table
				element = name
				columns = tableFile(table).columns
				cur = &row{line: line, vals: map[string]string{}}
			case 3:
				col = strings.ToLower(name)
				text.Reset()
				switch {
				case !slices.Contains(columns, col):
					p.add(FileXML, line, col, "onbekend element in <%s> (bekend: %s)", element, strings.Join(columns, ", "))
					col = ""
				default:
					if _, dup := cur.vals[col]; dup {
						p.add(FileXML, line, col, "staat twee keer in dit element")
					}
				}
			default:
				p.add(FileXML, line, "", "element <%s> te diep genest (een kolom bevat alleen tekst)", name)
				if err := dec.Skip(); err != nil {
					return fail(err)
				}
				depth--
			}
		case xml.CharData:
			if depth == 3 {
				text.Write(t)
			}
		case xml.EndElement:
			switch depth {
			case 3:
				if col != "" {
					cur.vals[col] = strings.TrimSpace(text.String())
				}
			case 2:
				f := tableFile(table)
				for _, c := range f.columns[:f.nreq] {
					if cur.vals[c] == "" {
						p.add(FileXML, cur.line, c, "is leeg (verplicht)")
					}
				}
				out[table] = append(out[table], *cur)
				cur = nil
			}
			depth--
		}
	}
	if len(out[FileLeerlingen]) == 0 && len(p.problems) == 0 {
		p.add(FileXML, 0, "", "bevat geen <leerling>")
	}
	return out
}
