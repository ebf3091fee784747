package audit

import (
	"strings"
	"testing"
)

func TestSplitSchema(t *testing.T) {
	cases := []struct{ in, url, schema string }{
		{"postgres://u@h:5432/test?sslmode=disable&schema=school_a", "postgres://u@h:5432/test?sslmode=disable", "school_a"},
		{"postgres://u@h/test?schema=x", "postgres://u@h/test", "x"},
		{"postgres://u@h/test?sslmode=disable", "postgres://u@h/test?sslmode=disable", ""},
	}
	for _, c := range cases {
		url, schema, err := splitSchema(c.in)
		if err != nil || url != c.url || schema != c.schema {
			t.Errorf("splitSchema(%q) = %q, %q, %v; want %q, %q", c.in, url, schema, err, c.url, c.schema)
		}
	}
	if _, _, err := splitSchema("postgres://u:secret@h:99999999x/db"); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("malformed URL: %v (must fail without echoing the password)", err)
	}
}
