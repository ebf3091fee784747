package main

import (
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// costCategories group a node's CPU profile by what the time was spent on. A
// sample counts for a category when any frame of its stack matches (so the
// indented sub-categories overlap their parent, and categories overlap where
// one calls the other, e.g. the audit writer's commits). Stacks are matched
// whole because the Rego evaluator recurses deeper than pprof records, which
// cuts its stacks off below the request handler.
var costCategories = []struct{ name, re string }{
	{"OPA evaluation (Rego)", `open-policy-agent`},
	{"SQLite (modernc) + database/sql, all", `modernc\.org/sqlite|database/sql`},
	{"  commits (WAL write + fsync)", `sql\.\(\*Tx\)\.Commit`},
	{"  source reads (facts, record)", `gateway/source\.\(\*SQLite\)`},
	{"  consent reads", `gateway/consent`},
	{"audit writer (batch insert, Merkle, checkpoint sign, commit)", `audit\.\(\*logStore\)\.run`},
	{"receipt / obligation group commits", `storeReceipts|obligation\.\(\*Store\)\.insert`},
	{"ECDSA sign (receipt, checkpoint)", `ecdsa\.SignASN1`},
	{"ECDSA verify (checkpoint, receipt)", `ecdsa\.VerifyASN1`},
	{"GC (background mark, assists)", `gcBgMarkWorker|gcAssistAlloc|bgsweep|bgscavenge`},
	{"stack growth (copystack)", `runtime\.newstack`},
	{"gRPC transport + TLS", `grpc/internal/transport|crypto/tls`},
	{"protobuf / protojson", `google\.golang\.org/protobuf`},
	{"logging (slog)", `log/slog`},
}

type profileShares struct {
	Node       string             `json:"node"`
	CPUSeconds float64            `json:"cpu_seconds"`
	Calls      int                `json:"calls"`
	CPUPerCall float64            `json:"cpu_us_per_call"`
	Percent    map[string]float64 `json:"percent"`
}

var sampleRE = regexp.MustCompile(`^\s*([0-9.]+)(ms|s|us|µs)\s`)

// shares reads a CPU profile through `go tool pprof -traces` and sums the
// samples per cost category.
func shares(bin, profile, node string, calls int) (profileShares, error) {
	out, err := exec.Command(goBin(), "tool", "pprof", "-traces", bin, profile).Output()
	if err != nil {
		return profileShares{}, fmt.Errorf("go tool pprof -traces %s: %w", profile, err)
	}
	res := profileShares{Node: node, Calls: calls, Percent: map[string]float64{}}
	res.Percent = map[string]float64{}
	res2 := make([]float64, len(costCategories))
	res3 := make([]*regexp.Regexp, len(costCategories))
	for i, c := range costCategories {
		res3[i] = regexp.MustCompile(c.re)
	}
	for _, block := range strings.Split(string(out), "-----------+-------------------------------------------------------") {
		block = strings.TrimLeft(block, "\n")
		m := sampleRE.FindStringSubmatch(block)
		if m == nil {
			continue
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		switch m[2] {
		case "ms":
			v /= 1e3
		case "us", "µs":
			v /= 1e6
		}
		res.CPUSeconds += v
		for i, re := range res3 {
			if re.MatchString(block) {
				res2[i] += v
			}
		}
	}
	if res.CPUSeconds == 0 {
		return res, fmt.Errorf("%s: no samples", profile)
	}
	for i, c := range costCategories {
		res.Percent[c.name] = 100 * res2[i] / res.CPUSeconds
	}
	if calls > 0 {
		res.CPUPerCall = res.CPUSeconds / float64(calls) * 1e6
	}
	return res, nil
}
