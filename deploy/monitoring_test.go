package deploy

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// registeredMetrics reads the metric names the node's code registers: the
// Name of every prometheus.*Opts literal in the repository's non-test Go
// files (a histogram also exposes NAME_bucket, _sum and _count).
func registeredMetrics(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "third_party", "node_modules", "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			cl, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			sel, ok := cl.Type.(*ast.SelectorExpr)
			if !ok || !strings.HasSuffix(sel.Sel.Name, "Opts") {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "prometheus" {
				return true
			}
			for _, e := range cl.Elts {
				kv, ok := e.(*ast.KeyValueExpr)
				if !ok {
					continue
				}
				if k, ok := kv.Key.(*ast.Ident); !ok || k.Name != "Name" {
					continue
				}
				lit, ok := kv.Value.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Errorf("%s: a metric name that is not a string literal; this test cannot check it", fset.Position(kv.Pos()))
					continue
				}
				name, _ := strconv.Unquote(lit.Value)
				names[name] = true
				if sel.Sel.Name == "HistogramOpts" {
					for _, s := range []string{"_bucket", "_sum", "_count"} {
						names[name+s] = true
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 10 {
		t.Fatalf("found only %d registered metrics (%v): the scan is broken", len(names), names)
	}
	return names
}

type alertRule struct {
	Alert       string            `yaml:"alert"`
	Record      string            `yaml:"record"`
	Expr        string            `yaml:"expr"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

func loadAlerts(t *testing.T) []alertRule {
	t.Helper()
	b, err := os.ReadFile("prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Groups []struct {
			Rules []alertRule `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("alerts.yml: %v", err)
	}
	var out []alertRule
	for _, g := range f.Groups {
		out = append(out, g.Rules...)
	}
	if len(out) == 0 {
		t.Fatal("alerts.yml holds no rules")
	}
	return out
}

var metricRef = regexp.MustCompile(`\bschakel_[a-z0-9_]+\b`)

// prometheusOwn are series Prometheus makes itself, not the node.
var prometheusOwn = regexp.MustCompile(`\bup\{`)

// TestAlertRules: every metric an alert or the dashboard uses is one the
// node's code registers (a renamed metric would otherwise leave an alert
// that never fires), every alert has a severity and a runbook entry of its
// own name in docs/runbook.md, and every runbook entry belongs to an alert.
// The alarms the operator asked for are there: stale CRL, witness alarm,
// refused reload, dead letters.
func TestAlertRules(t *testing.T) {
	registered := registeredMetrics(t)
	rules := loadAlerts(t)
	runbook, err := os.ReadFile("../docs/runbook.md")
	if err != nil {
		t.Fatal(err)
	}
	entries := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^## (\S+)\s*$`).FindAllStringSubmatch(string(runbook), -1) {
		entries[m[1]] = true
	}
	alerts := map[string]bool{}
	used := map[string]bool{}
	for _, r := range rules {
		if r.Alert == "" {
			continue
		}
		alerts[r.Alert] = true
		refs := metricRef.FindAllString(r.Expr, -1)
		if len(refs) == 0 && !prometheusOwn.MatchString(r.Expr) {
			t.Errorf("alert %s uses no metric of the node: %q", r.Alert, r.Expr)
		}
		for _, m := range refs {
			used[m] = true
			if !registered[m] {
				t.Errorf("alert %s uses %s, which the node does not register", r.Alert, m)
			}
		}
		if s := r.Labels["severity"]; s != "critical" && s != "warning" {
			t.Errorf("alert %s: severity %q, want critical or warning", r.Alert, s)
		}
		if !entries[r.Alert] {
			t.Errorf("alert %s has no entry \"## %s\" in docs/runbook.md", r.Alert, r.Alert)
		}
		if want := "docs/runbook.md#" + strings.ToLower(r.Alert); r.Annotations["runbook"] != want {
			t.Errorf("alert %s: runbook annotation %q, want %q", r.Alert, r.Annotations["runbook"], want)
		}
		if r.Annotations["summary"] == "" {
			t.Errorf("alert %s has no summary", r.Alert)
		}
	}
	for e := range entries {
		if !alerts[e] {
			t.Errorf("docs/runbook.md has an entry %q for no alert", e)
		}
	}
	for _, m := range []string{"schakel_crl_stale", "schakel_witness_peer_log_inconsistent_total", "schakel_audit_own_log_behind_total",
		"schakel_policy_reload_refused", "schakel_notify_dead_letters_total", "schakel_certificate_expiry_timestamp_seconds"} {
		if !used[m] {
			t.Errorf("no alert watches %s", m)
		}
	}

	// The dashboard's queries use registered metrics too.
	b, err := os.ReadFile("grafana/schakel-node.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("grafana/schakel-node.json: %v", err)
	}
	shown := map[string]bool{}
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, m := range metricRef.FindAllString(tg.Expr, -1) {
				shown[m] = true
				if !registered[m] {
					t.Errorf("dashboard panel %q uses %s, which the node does not register", p.Title, m)
				}
			}
		}
	}
	var missing []string
	for m := range used {
		if !shown[m] {
			missing = append(missing, m)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("the dashboard shows no panel for the alerted metrics %v", missing)
	}
}

// TestPromtool: promtool accepts the rules (`check rules`) and the alerts
// fire as alerts_test.yml expects (`test rules`). CI installs promtool
// (.ci/run); elsewhere the test skips when it is absent.
func TestPromtool(t *testing.T) {
	pt, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("promtool not installed in CI (.ci/run extracts it from Debian's prometheus package)")
		}
		t.Skip("promtool not installed: rules not checked (apt-get download prometheus; dpkg-deb -x it; see .ci/run)")
	}
	for _, args := range [][]string{{"check", "rules", "alerts.yml"}, {"test", "rules", "alerts_test.yml"}} {
		cmd := exec.Command(pt, args...)
		cmd.Dir = "prometheus"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
