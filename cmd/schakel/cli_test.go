package main

import (
	"bytes"
	"strings"
	"testing"
)

// everyCommand walks the command tables: each group and each command, as
// the words that run it ("policy", "verify").
func everyCommand(g *group, prefix []string, visit func(path []string, c command)) {
	for _, c := range g.cmds {
		path := append(append([]string{}, prefix...), c.name)
		visit(path, c)
		if c.sub != nil {
			everyCommand(c.sub, path, visit)
		}
	}
}

// TestEveryCommandHelpAndUnknownFlag runs every command in the tables with
// -h, --help and help (exit 0, usage on standard error, nothing on
// standard output) and with an unknown flag (exit 2, the flag named), so a
// command added to a table cannot escape the pattern.
func TestEveryCommandHelpAndUnknownFlag(t *testing.T) {
	n := 0
	everyCommand(rootGroup, nil, func(path []string, c command) {
		n++
		name := strings.Join(path, " ")
		helps := []string{"-h", "--help"}
		if c.sub != nil {
			helps = append(helps, "help")
		}
		for _, h := range helps {
			t.Run(name+" "+h, func(t *testing.T) {
				code, out, errOut := schakel(t, "", append(path, h)...)
				if code != 0 {
					t.Errorf("exit %d, want 0\n%s", code, errOut)
				}
				if out != "" {
					t.Errorf("help on standard output: %q", out)
				}
				if !strings.HasPrefix(errOut, "usage: schakel "+name) {
					t.Errorf("standard error does not start with the usage of %q:\n%s", name, errOut)
				}
			})
		}
		t.Run(name+" --no-such-flag", func(t *testing.T) {
			code, out, errOut := schakel(t, "", append(path, "--no-such-flag")...)
			if code != 2 {
				t.Errorf("exit %d, want 2\n%s", code, errOut)
			}
			if out != "" {
				t.Errorf("output on standard output: %q", out)
			}
			if !strings.Contains(errOut, "no-such-flag") || !strings.Contains(errOut, "usage: schakel "+name) {
				t.Errorf("standard error names neither the flag nor the usage:\n%s", errOut)
			}
		})
	})
	if n < 20 {
		t.Fatalf("only %d commands in the tables", n)
	}
}

// TestGroupUsageErrors: no command, or an unknown one, is a usage error at
// every level.
func TestGroupUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		nil, {"nonsense"}, {"policy"}, {"policy", "nonsense"}, {"audit", "nonsense"},
		{"certs"}, {"notify"}, {"notify", "list"},
	} {
		code, out, errOut := schakel(t, "", args...)
		if code != 2 || out != "" || !strings.Contains(errOut, "usage: schakel") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2 and the usage on stderr", args, code, out, errOut)
		}
		if named := len(args) > 0 && (len(args) == 2 || args[0] == "nonsense"); named && !strings.Contains(errOut, "unknown") {
			t.Errorf("%q: stderr does not say the command is unknown: %q", args, errOut)
		}
	}
}

// TestStrayArgumentsAndMissingConfig: positional arguments a command does
// not take, and a missing --config, are usage errors (2); a --config that
// does not load is a failure (1), the same in every command that reads one.
func TestStrayArgumentsAndMissingConfig(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "extra"}, {"validate-config", "--config", "x.yaml", "extra"},
		{"policy", "build", "--bundle", "a", "--out", "b", "c"}, {"policy", "diff", "a", "b", "c"},
		{"audit", "verify", "--store", "x.db", "extra"}, {"notify", "status", "--config", "x", "extra"},
	} {
		if code, _, errOut := schakel(t, "", args...); code != 2 || !strings.Contains(errOut, "argument") {
			t.Errorf("%q: exit %d, %q; want 2 naming the arguments", args, code, errOut)
		}
	}
	for _, args := range [][]string{{"serve"}, {"validate-config"}, {"notify", "status"}, {"policy", "status"}} {
		if code, _, errOut := schakel(t, "", args...); code != 2 || !strings.Contains(errOut, "--config is required") {
			t.Errorf("%q: exit %d, %q; want 2 and --config is required", args, code, errOut)
		}
	}
	missing := t.TempDir() + "/missing.yaml"
	for _, args := range [][]string{
		{"serve", "--config", missing}, {"validate-config", "--config", missing},
		{"notify", "status", "--config", missing}, {"policy", "status", "--config", missing},
		{"audit", "verify", "--config", missing}, {"audit", "prune", "--config", missing},
	} {
		if code, _, errOut := schakel(t, "", args...); code != 1 || !strings.Contains(errOut, "missing.yaml") {
			t.Errorf("%q: exit %d, %q; want 1 naming the file", args, code, errOut)
		}
	}
}

func TestListFlag(t *testing.T) {
	var l listFlag
	for _, v := range []string{"a,b", " c ", ",,", "d"} {
		if err := l.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	if got := l.String(); got != "a,b,c,d" {
		t.Fatalf("list %q, want a,b,c,d", got)
	}
	var b bytes.Buffer
	fs := newFlags(stdio{out: &b, err: &b}, "x", "")
	var sigs listFlag
	fs.Var(&sigs, "sig", "")
	if code, ok := fs.parse([]string{"--sig", "one.sig", "--sig", "two.sig,three.sig"}); !ok {
		t.Fatalf("parse: exit %d %s", code, b.String())
	}
	if len(sigs) != 3 || sigs[2] != "three.sig" {
		t.Fatalf("sigs %q", sigs)
	}
}
