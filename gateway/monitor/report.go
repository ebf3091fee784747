package monitor

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/schakel/schakel/policy"
)

// Cell is one row of one node's export as the kennispunt kept it: the
// dimensions and a count, or Suppressed (the node sent "<10").
type Cell struct {
	NodeOIN    string
	Dims       map[string]string
	N          int64
	Suppressed bool
}

// Value is one figure of the report. Filter says which cells it sums (every
// key equals the cell's dimension; "node_oin" is the exporting node). A
// value that would include a suppressed cell is itself Suppressed and shows
// no number, so no suppressed cell can be recomputed from the report.
// Orgs marks a count of organisations rather than of decisions.
type Value struct {
	Filter     map[string]string
	N          int64
	Suppressed bool
	Orgs       bool
}

// Text is the value as the report shows it.
func (v Value) Text() string {
	if v.Suppressed {
		return "onderdrukt"
	}
	return strconv.FormatInt(v.N, 10)
}

// Row is one line of a table.
type Row struct {
	Label  string
	Values []Value
}

// Table is one table (and chart) of the report.
type Table struct {
	Title, Intro string
	Columns      []string
	Rows         []Row
}

// Report is the kennispunt's regional report.
type Report struct {
	Nodes     []string // the organisations whose exports count (names)
	FirstDate string   // the nulmeting month, in words
	Tables    []Table
}

// Names turn codes into Dutch words for the report.
type Names struct {
	Pack *policy.Pack
	// Org names an organisation by OIN ("" when unknown).
	Org func(oin string) string
}

var months = []string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"}

func monthText(m string) string {
	if len(m) == 7 {
		if i, err := strconv.Atoi(m[5:]); err == nil && i >= 1 && i <= 12 {
			return months[i-1] + " " + m[:4]
		}
	}
	return m
}

func (n Names) flow(id string) string {
	if f, ok := n.Pack.Flow(id); ok && f.Title != "" {
		return f.Title
	}
	return "onbekende gegevensstroom"
}

func (n Names) school(oin string) string {
	if oin == "" {
		return "zonder school"
	}
	if s := n.Org(oin); s != "" {
		return s
	}
	return "school buiten het adresboek"
}

func (n Names) reason(code string) string {
	if m := n.Pack.Data().Messages[code]; m != "" {
		return strings.ReplaceAll(strings.ReplaceAll(m, "\"%s\"", "…"), "%s", "…")
	}
	return "andere reden"
}

// CellsOf turns the latest export of each node into cells. Each export
// holds all of a node's counts so far, so only the latest one of a node
// counts (older ones would count the same decisions twice).
func CellsOf(kept []Kept, verify bool) ([]Cell, error) {
	latest := map[string]Kept{}
	for _, k := range kept {
		if verify {
			cert, err := x509.ParseCertificate(k.Cert)
			if err != nil {
				return nil, fmt.Errorf("export %s of %s: certificate: %w", k.ID, k.NodeOIN, err)
			}
			if err := Verify(cert, k.Body, k.Signature); err != nil {
				return nil, fmt.Errorf("export %s of %s: %w", k.ID, k.NodeOIN, err)
			}
		}
		if l, ok := latest[k.NodeOIN]; !ok || !k.ReceivedAt.Before(l.ReceivedAt) {
			latest[k.NodeOIN] = k
		}
	}
	oins := make([]string, 0, len(latest))
	for o := range latest {
		oins = append(oins, o)
	}
	sort.Strings(oins)
	var cells []Cell
	for _, o := range oins {
		e, err := Parse(latest[o].Body, nil, 1)
		if err != nil {
			return nil, fmt.Errorf("export of %s: %w", o, err)
		}
		for _, r := range e.Rows {
			c := Cell{NodeOIN: o, Dims: map[string]string{}}
			for _, d := range e.Dimensions {
				c.Dims[d] = r[d].(string)
			}
			if n, ok := r["count"].(int64); ok {
				c.N = n
			} else {
				c.Suppressed = true
			}
			cells = append(cells, c)
		}
	}
	return cells, nil
}

// Matches reports whether cell c falls under filter f.
func Matches(c Cell, f map[string]string) bool {
	for k, v := range f {
		got := c.Dims[k]
		if k == "node_oin" {
			got = c.NodeOIN
		}
		if got != v {
			return false
		}
	}
	return true
}

// sum is the value of a filter over the cells: suppressed as soon as one
// matching cell is, and when none matches (a zero is a small count too, as
// the pack suppresses zero cells).
func sum(cells []Cell, f map[string]string) Value {
	v := Value{Filter: f, Suppressed: true}
	for _, c := range cells {
		if !Matches(c, f) {
			continue
		}
		if c.Suppressed {
			return Value{Filter: f, Suppressed: true}
		}
		v.Suppressed = false
		v.N += c.N
	}
	return v
}

func distinct(cells []Cell, dim string, where map[string]string) []string {
	seen := map[string]bool{}
	for _, c := range cells {
		if where != nil && !Matches(c, where) {
			continue
		}
		v := c.Dims[dim]
		if dim == "node_oin" {
			v = c.NodeOIN
		}
		seen[v] = true
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

func with(f map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for a, b := range f {
		out[a] = b
	}
	return out
}

// outcomeRow is a row of total, allowed and refused decisions under f.
func outcomeRow(label string, cells []Cell, f map[string]string) Row {
	if f == nil {
		f = map[string]string{}
	}
	return Row{Label: label, Values: []Value{sum(cells, f), sum(cells, with(f, "outcome", "allow")), sum(cells, with(f, "outcome", "deny"))}}
}

// Build makes the report from the cells. nodeOrgType gives an exporting
// node's org type (providers per school count the nodes that are not a
// school).
func Build(cells []Cell, names Names, nodeOrgType func(oin string) string) Report {
	var r Report
	for _, o := range distinct(cells, "node_oin", nil) {
		if n := names.Org(o); n != "" {
			r.Nodes = append(r.Nodes, n)
		} else {
			r.Nodes = append(r.Nodes, "een organisatie buiten het adresboek")
		}
	}
	cols := []string{"totaal", "toegestaan", "geweigerd"}
	monthsSeen := distinct(cells, "month", nil)

	t := Table{Title: "Beslissingen per maand", Intro: "Alle beslissingen over het delen van gegevens, per maand.", Columns: cols}
	for _, m := range monthsSeen {
		t.Rows = append(t.Rows, outcomeRow(monthText(m), cells, map[string]string{"month": m}))
	}
	r.Tables = append(r.Tables, t)

	t = Table{Title: "Beslissingen per schoollocatie", Intro: "Beslissingen waarbij een school betrokken was, per school.", Columns: cols}
	for _, s := range distinct(cells, "school_oin", nil) {
		t.Rows = append(t.Rows, outcomeRow(names.school(s), cells, map[string]string{"school_oin": s}))
	}
	r.Tables = append(r.Tables, t)

	t = Table{Title: "Beslissingen per gegevensstroom", Intro: "Per soort uitwisseling: hoe vaak toegestaan en hoe vaak geweigerd.", Columns: cols}
	for _, fl := range distinct(cells, "flow", nil) {
		t.Rows = append(t.Rows, outcomeRow(names.flow(fl), cells, map[string]string{"flow": fl}))
	}
	r.Tables = append(r.Tables, t)

	t = Table{Title: "Weigeringen naar reden", Intro: "Waarom een uitwisseling werd geweigerd.", Columns: []string{"geweigerd"}}
	for _, rs := range distinct(cells, "reason", map[string]string{"outcome": "deny"}) {
		t.Rows = append(t.Rows, Row{Label: names.reason(rs), Values: []Value{sum(cells, map[string]string{"outcome": "deny", "reason": rs})}})
	}
	r.Tables = append(r.Tables, t)

	t = Table{Title: "Aanbieders per school", Intro: "Hoeveel organisaties (geen scholen) volgens hun eigen tellingen gegevens met de school uitwisselden; een aantal organisaties, geen aantal beslissingen.",
		Columns: []string{"organisaties"}}
	for _, s := range distinct(cells, "school_oin", nil) {
		if s == "" {
			continue
		}
		var n int64
		for _, o := range distinct(cells, "node_oin", map[string]string{"school_oin": s}) {
			if ot := nodeOrgType(o); ot != "" && !schoolOrg(names.Pack, ot) {
				n++
			}
		}
		t.Rows = append(t.Rows, Row{Label: names.school(s), Values: []Value{{Filter: map[string]string{"school_oin": s}, N: n, Orgs: true}}})
	}
	r.Tables = append(r.Tables, t)

	if len(monthsSeen) > 0 {
		first := monthsSeen[0]
		r.FirstDate = monthText(first)
		t = Table{Title: "Nulmeting: " + monthText(first), Intro: "De eerste maand waarover tellingen binnenkwamen: het vertrekpunt om latere maanden mee te vergelijken.", Columns: cols}
		for _, fl := range distinct(cells, "flow", map[string]string{"month": first}) {
			t.Rows = append(t.Rows, outcomeRow(names.flow(fl), cells, map[string]string{"month": first, "flow": fl}))
		}
		r.Tables = append(r.Tables, t)
	}
	return r
}

func schoolOrg(p *policy.Pack, orgType string) bool {
	for _, o := range p.Data().OrgTypes {
		if o.ID == orgType {
			return o.School
		}
	}
	return false
}

// WriteCSV writes every figure of the report: table, row, column, value
// ("onderdrukt" for a suppressed one).
func WriteCSV(w io.Writer, r Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"tabel", "rij", "kolom", "aantal"}); err != nil {
		return err
	}
	for _, t := range r.Tables {
		for _, row := range t.Rows {
			for i, v := range row.Values {
				if err := cw.Write([]string{t.Title, row.Label, t.Columns[i], v.Text()}); err != nil {
					return err
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// bar is one bar of a chart.
type bar struct {
	Label      string
	Text       string
	Y, W       int
	Suppressed bool
}

type chart struct {
	Height int
	Bars   []bar
}

// chartOf draws the first column of a table as horizontal bars; a
// suppressed value gets no bar length (a hatched box of fixed width), so
// the chart shows nothing a reader could measure.
func chartOf(t Table) chart {
	var top int64
	for _, r := range t.Rows {
		if v := r.Values[0]; !v.Suppressed && v.N > top {
			top = v.N
		}
	}
	c := chart{Height: 44*len(t.Rows) + 8}
	for i, r := range t.Rows {
		v := r.Values[0]
		b := bar{Label: r.Label, Text: v.Text(), Y: 4 + 44*i, Suppressed: v.Suppressed}
		if !v.Suppressed && top > 0 {
			b.W = int(v.N * 560 / top)
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{"chart": chartOf, "add": func(a, b int) int { return a + b }}).Parse(`<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<title>Regionale monitoring van de samenwerking</title>
<style>
body { font-family: sans-serif; max-width: 60rem; margin: 2rem auto; color: #1a1a1a; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #bbb; padding: .25rem .6rem; text-align: left; }
td.n { text-align: right; }
.onderdrukt { color: #666; font-style: italic; }
svg text { font-size: 12px; }
</style>
</head>
<body>
<h1>Regionale monitoring van de samenwerking</h1>
<p>Tellingen van beslissingen over het delen van gegevens, zoals de organisaties ze zelf telden en ondertekend aanleverden. Er staat geen kind in: alleen aantallen.
Een aantal onder de 10 is door de organisatie zelf onderdrukt. Een totaal waarin zo'n aantal zou meetellen, tonen we ook niet: daar staat <span class="onderdrukt">onderdrukt</span>.
Meldingen aan Veilig Thuis en andere veiligheidsstromen worden nooit geteld.</p>
<p>Aangeleverd door: {{range $i, $n := .Nodes}}{{if $i}}, {{end}}{{$n}}{{end}}.{{if .FirstDate}} Nulmeting: {{.FirstDate}}.{{end}}</p>
{{range .Tables}}
<section>
<h2>{{.Title}}</h2>
<p>{{.Intro}}</p>
{{$c := chart .}}
<svg xmlns="http://www.w3.org/2000/svg" width="720" height="{{$c.Height}}" role="img" aria-label="{{.Title}}">
<defs><pattern id="arcering" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="3" height="6" fill="#ccc"/></pattern></defs>
{{range $c.Bars}}<text x="0" y="{{add .Y 12}}">{{.Label}}</text>
{{if .Suppressed}}<rect x="0" y="{{add .Y 16}}" width="40" height="18" fill="url(#arcering)" stroke="#999"/><text x="46" y="{{add .Y 30}}">onderdrukt</text>
{{else}}<rect x="0" y="{{add .Y 16}}" width="{{.W}}" height="18" fill="#2b6cb0"/><text x="{{add 6 .W}}" y="{{add .Y 30}}">{{.Text}}</text>
{{end}}{{end}}</svg>
<table>
<thead><tr><th></th>{{range .Columns}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr><th>{{.Label}}</th>{{range .Values}}<td class="n{{if .Suppressed}} onderdrukt{{end}}">{{.Text}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
</section>
{{end}}
</body>
</html>
`))

// WriteHTML writes the report as one HTML page with inline SVG charts and
// no JavaScript.
func WriteHTML(w io.Writer, r Report) error { return page.Execute(w, r) }

// WriteReport builds the report from the exports a kennispunt kept (each
// signature verified again against its node's certificate) and writes
// DIR/monitoring.html and DIR/monitoring.csv. peers names organisations
// (OIN to name and org type) beyond the nodes that sent exports.
func WriteReport(ctx context.Context, st *Store, pack *policy.Pack, peers map[string][2]string, dir string) (Report, error) {
	kept, err := st.All(ctx)
	if err != nil {
		return Report{}, err
	}
	cells, err := CellsOf(kept, true)
	if err != nil {
		return Report{}, err
	}
	known := map[string][2]string{}
	for o, p := range peers {
		known[o] = p
	}
	for _, k := range kept {
		known[k.NodeOIN] = [2]string{k.NodeName, k.NodeOrgType}
	}
	r := Build(cells, Names{Pack: pack, Org: func(o string) string { return known[o][0] }}, func(o string) string { return known[o][1] })
	// Every node that sent an export, also one that counted nothing yet.
	r.Nodes = nil
	seen := map[string]bool{}
	for _, k := range kept {
		if !seen[k.NodeOIN] {
			seen[k.NodeOIN] = true
			r.Nodes = append(r.Nodes, k.NodeName)
		}
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return Report{}, err
	}
	var h, c bytes.Buffer
	if err := WriteHTML(&h, r); err != nil {
		return Report{}, err
	}
	if err := WriteCSV(&c, r); err != nil {
		return Report{}, err
	}
	if err := os.WriteFile(filepath.Join(dir, "monitoring.html"), h.Bytes(), 0o600); err != nil {
		return Report{}, err
	}
	return r, os.WriteFile(filepath.Join(dir, "monitoring.csv"), c.Bytes(), 0o600)
}
