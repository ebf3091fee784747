package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// microResult is one Go benchmark line.
type microResult struct {
	Name        string             `json:"name"`
	Package     string             `json:"package"`
	NsPerOp     float64            `json:"ns_per_op"`
	BytesPerOp  float64            `json:"bytes_per_op"`
	AllocsPerOp float64            `json:"allocs_per_op"`
	Extra       map[string]float64 `json:"extra,omitempty"`
}

// microBenchmarks lists the Go benchmarks the harness runs: one decision,
// building the decision input, one audit append with group commit (by caller
// count), minimising and signing one response.
var microBenchmarks = []struct{ pkg, re string }{
	{"./policy/", "^(BenchmarkDecide|BenchmarkDecisionInput)$"},
	{"./gateway/audit/", "^BenchmarkAppendGroupCommit$"},
	{"./gateway/exchange/", "^BenchmarkMinimiseAndSign$"},
}

func runMicro(benchtime string) ([]microResult, error) {
	var out []microResult
	for _, b := range microBenchmarks {
		cmd := exec.Command(goBin(), "test", "-run", "^$", "-bench", b.re, "-benchmem", "-benchtime", benchtime, "-count", "1", b.pkg)
		var stdout bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("go test -bench %s: %w\n%s", b.pkg, err, stdout.String())
		}
		sc := bufio.NewScanner(&stdout)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
				continue
			}
			r := microResult{Name: f[0], Package: b.pkg, Extra: map[string]float64{}}
			for i := 2; i+1 < len(f); i += 2 {
				v, err := strconv.ParseFloat(f[i], 64)
				if err != nil {
					continue
				}
				switch f[i+1] {
				case "ns/op":
					r.NsPerOp = v
				case "B/op":
					r.BytesPerOp = v
				case "allocs/op":
					r.AllocsPerOp = v
				default:
					r.Extra[f[i+1]] = v
				}
			}
			if len(r.Extra) == 0 {
				r.Extra = nil
			}
			fmt.Printf("  %-44s %12.0f ns/op %8.0f B/op %6.0f allocs/op\n", r.Name, r.NsPerOp, r.BytesPerOp, r.AllocsPerOp)
			out = append(out, r)
		}
	}
	return out, nil
}
