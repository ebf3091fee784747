package audit

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// A name or text with markup (a peer directory entry, a pack text) is
// escaped in the HTML form, never interpreted.
func TestInzageHTMLEscapes(t *testing.T) {
	recs := []Stored{{Index: 1, Record: Record{Name: "schakel.request.decide", Side: "holder", StatusCode: 1,
		StartTime: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC), HolderOIN: "1", RecipientOIN: "2",
		RecipientRole: "wijkcoach", Purpose: "p", Flow: "B1", Basis: "toestemming", ReasonCodes: []string{"X"}}}}
	tx := InzageTexts{SelfOIN: "1", SelfName: "School", Organisations: map[string]string{"2": `<script>alert(1)</script>`},
		Reasons: map[string]string{"X": `Niet <b>toegestaan</b> voor %s.`}}
	var b bytes.Buffer
	if err := WriteInzageHTML(&b, recs, tx); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "<script>") || strings.Contains(out, "<b>") || !strings.Contains(out, "&lt;script&gt;") {
		t.Fatalf("markup not escaped:\n%s", out)
	}
	// The reason's detail the record does not hold shows as "…".
	if !strings.Contains(out, "voor ….") {
		t.Fatalf("placeholder not filled:\n%s", out)
	}
}
