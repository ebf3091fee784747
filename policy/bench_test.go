package policy

import (
	"testing"
)

// BenchmarkDecisionInput builds the engine's input value from a typed Input
// (no JSON round trip), as the holder does for every request.
func BenchmarkDecisionInput(b *testing.B) {
	in, err := ParseInput([]byte(contractExample))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		v := in.value()
		if v == nil {
			b.Fatal("nil input value")
		}
	}
}
