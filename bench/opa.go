package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/schakel/schakel/policy"
)

// decisionInput is the benchmark's decision, the holder's everyday request:
// flow A1 from a pupil on the school's roll, with both parents' consent
// (two have gezag), one category withheld (the contract's example under
// version 3).
func decisionInput() policy.Input {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	until := now.AddDate(1, 0, 0)
	return policy.Input{
		Purpose:    "afstemming_hulp_onderwijs",
		Flow:       "A1",
		Holder:     policy.Party{OIN: school.oin, OrgType: "school_vo", Role: "zorgcoordinator"},
		Recipient:  policy.Party{OIN: zorg.oin, OrgType: "zorgaanbieder", Role: "jeugdhulpverlener", Relation: true},
		Subject:    policy.Subject{Age: 11, EnrolledAtHolder: true, ParentsWithGezag: 2, Gemeente: "GM0153"},
		Categories: []string{"verzuim", "opp", "gezondheid"},
		Consents: []policy.Consent{
			{ID: "c-1", GivenBy: "ouder", Giver: "p-1", RecipientOIN: zorg.oin, Purpose: "afstemming_hulp_onderwijs",
				Categories: []string{"verzuim", "opp"}, GivenAt: now.AddDate(0, -2, 0), ValidUntil: &until},
			{ID: "c-2", GivenBy: "ouder", Giver: "p-2", RecipientOIN: zorg.oin, Purpose: "afstemming_hulp_onderwijs",
				Categories: []string{"verzuim", "opp"}, GivenAt: now.AddDate(0, -2, 0), ValidUntil: &until}},
		Now: now,
	}
}

type decisionResult struct {
	Pack           string  `json:"pack"`
	Samples        int     `json:"samples"`
	EmbeddedP50us  float64 `json:"embedded_p50_us"`
	EmbeddedP99us  float64 `json:"embedded_p99_us"`
	OPAHTTPP50us   float64 `json:"opa_http_p50_us"`
	OPAHTTPP99us   float64 `json:"opa_http_p99_us"`
	OPAHTTPOverEmb float64 `json:"opa_http_over_embedded"`
	SameDecision   bool    `json:"same_decision"`
	// Path is how the embedded engine decides (policy.FastPathStatus.Path):
	// "fast" when the fast path agreed with the Rego at load; RegoP50us is
	// the same precheck and decision with the Rego alone, for comparison.
	Path            string  `json:"path"`
	RegoP50us       float64 `json:"rego_p50_us"`
	OPAVersionNotes string  `json:"opa,omitempty"`
}

// measureDecisions times the default-pack decision embedded (policy.Engine,
// prepared query) and the same decision asked of `opa run --server` over HTTP
// on loopback (keep-alive connection), interleaved in blocks, one at a time.
func measureDecisions(ctx context.Context, work string, samples int) (decisionResult, error) {
	res := decisionResult{Pack: "embedded default pack", Samples: samples}
	pack, err := policy.LoadPack(policy.DefaultPack())
	if err != nil {
		return res, err
	}
	eng, err := policy.NewEngine(pack)
	if err != nil {
		return res, err
	}
	in := decisionInput()
	want, err := eng.Decide(ctx, in)
	if err != nil {
		return res, err
	}

	// The same pack for OPA: the Rego modules and the rules as data.schakel.rules.
	dir := filepath.Join(work, "opa")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, err
	}
	opaBin, err := opaPath()
	if err != nil {
		return res, err
	}
	args := []string{opaBin, "run", "--server", "--log-level", "error", "--disable-telemetry", "--addr", ""}
	addr := freePort()
	args[len(args)-1] = addr
	err = fs.WalkDir(policy.DefaultPack(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".rego" || strings.Contains(p, "testdata") || strings.HasSuffix(p, "_test.rego") {
			return err
		}
		b, err := fs.ReadFile(policy.DefaultPack(), p)
		if err != nil {
			return err
		}
		out := filepath.Join(dir, strings.ReplaceAll(p, "/", "_"))
		args = append(args, out)
		return os.WriteFile(out, b, 0o600)
	})
	if err != nil {
		return res, err
	}
	data, err := pack.OPAData()
	if err != nil {
		return res, err
	}
	dataFile := filepath.Join(dir, "data.json")
	if err := os.WriteFile(dataFile, data, 0o600); err != nil {
		return res, err
	}
	args = append(args, dataFile)
	p, err := startProc("opa", filepath.Join(dir, "opa.log"), args...)
	if err != nil {
		return res, err
	}
	defer p.stop()

	inJSON, err := ast.JSON(in.OPAInput())
	if err != nil {
		return res, err
	}
	body, err := json.Marshal(map[string]any{"input": inJSON})
	if err != nil {
		return res, err
	}
	client := &http.Client{Timeout: 10 * time.Second}
	url := "http://" + addr + "/v1/data/schakel/decision/decision"
	ask := func() (map[string]any, error) {
		resp, err := client.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("opa: %s: %s", resp.Status, b)
		}
		var out struct {
			Result map[string]any `json:"result"`
		}
		if err := json.Unmarshal(b, &out); err != nil {
			return nil, err
		}
		return out.Result, nil
	}
	// Wait for the server (the first `go tool opa` may build it).
	deadline := time.Now().Add(3 * time.Minute)
	var got map[string]any
	for {
		if err := p.exited(); err != nil {
			return res, err
		}
		if got, err = ask(); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return res, fmt.Errorf("opa server did not answer: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	res.SameDecision = got["allow"] == want.Allow && fmt.Sprint(got["categories"]) == fmt.Sprint(want.Categories)
	if !res.SameDecision {
		return res, fmt.Errorf("opa server decided %v, the embedded engine %+v", got, want)
	}

	// One decision on the holder is the precheck (before the child is
	// looked up) and the decision after: both are timed together.
	rego := eng.WithoutFastPath()
	res.Path = eng.FastPath().Path()
	decideBoth := func(e *policy.Engine) (time.Duration, error) {
		t0 := time.Now()
		if _, err := e.Precheck(ctx, in); err != nil {
			return 0, err
		}
		if _, err := e.Decide(ctx, in); err != nil {
			return 0, err
		}
		return time.Since(t0), nil
	}
	emb := make([]time.Duration, 0, samples)
	regol := make([]time.Duration, 0, samples)
	httpl := make([]time.Duration, 0, samples)
	const block = 250
	for len(emb) < samples {
		for range block {
			d, err := decideBoth(eng)
			if err != nil {
				return res, err
			}
			emb = append(emb, d)
		}
		for range block {
			d, err := decideBoth(rego)
			if err != nil {
				return res, err
			}
			regol = append(regol, d)
		}
		for range block {
			t0 := time.Now()
			if _, err := ask(); err != nil {
				return res, err
			}
			httpl = append(httpl, time.Since(t0))
		}
	}
	slices.Sort(emb)
	slices.Sort(regol)
	slices.Sort(httpl)
	res.RegoP50us = pct(regol, 0.5)
	res.EmbeddedP50us, res.EmbeddedP99us = pct(emb, 0.5), pct(emb, 0.99)
	res.OPAHTTPP50us, res.OPAHTTPP99us = pct(httpl, 0.5), pct(httpl, 0.99)
	res.OPAHTTPOverEmb = res.OPAHTTPP50us / res.EmbeddedP50us
	return res, nil
}

// opaPath builds (once, cached) the pinned opa tool and returns its path:
// `go tool -n` prints the binary instead of running it, so the harness can
// stop the server by its own pid.
func opaPath() (string, error) {
	out, err := exec.Command(goBin(), "tool", "-n", "-modfile=tools/go.mod", "opa").Output()
	if err != nil {
		return "", fmt.Errorf("go tool -n -modfile=tools/go.mod opa: %w", err)
	}
	p := strings.TrimSpace(string(out))
	if p == "" {
		return "", errors.New("go tool -n printed no opa path")
	}
	return p, nil
}

func goBin() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}
