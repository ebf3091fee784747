package main

// The one pattern every schakel command follows:
//
//   - A group ("schakel policy", "schakel audit", …) is a table of commands;
//     group.run dispatches on the first argument.
//   - A command parses its flags with newFlags/parse, so -h, unknown flags
//     and stray arguments behave the same everywhere.
//   - Exit codes: 0 success (and an explicit -h, --help or help), 2 a usage
//     error (unknown command or flag, missing or malformed argument), 1 a
//     failure (a file that does not load, a refused pack, a failed check).
//   - Usage and help text go to standard error, always: standard output
//     carries only a command's result (a decision, a revision, a report), so
//     `schakel policy eval -h | jq` never parses a help text.
//   - --config is read by loadConfig, the serve loader.
//   - Files are written with internal/atomicfile (fsync of the file and its
//     folder, then rename), never with os.WriteFile.

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/schakel/schakel/gateway/config"
)

// command is one row of a command table.
type command struct {
	name    string
	summary string // one line in the group's usage
	run     func(args []string, s stdio) int
	sub     *group // set for a group of commands ("policy"); run is then sub.run
}

// group is a table of commands under one name.
type group struct {
	name   string // "schakel policy"
	footer string // printed after the command list (optional)
	cmds   []command
}

func (g *group) usage() string {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: %s <command> [flags]\n\ncommands:\n", g.name)
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, c := range g.cmds {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprintf(&b, "\n'%s <command> -h' describes a command's flags.\n", g.name)
	if g.footer != "" {
		fmt.Fprintf(&b, "\n%s\n", strings.TrimRight(g.footer, "\n"))
	}
	return b.String()
}

// run dispatches args[0] to its command.
func (g *group) run(args []string, s stdio) int {
	if len(args) == 0 {
		fmt.Fprint(s.err, g.usage())
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(s.err, g.usage())
		return 0
	}
	for _, c := range g.cmds {
		if c.name != args[0] {
			continue
		}
		if c.sub != nil {
			return c.sub.run(args[1:], s)
		}
		return c.run(args[1:], s)
	}
	noun := "subcommand"
	if g.name == "schakel" {
		noun = "command"
	}
	fmt.Fprintf(s.err, "%s: unknown %s %q\n\n%s", g.name, noun, args[0], g.usage())
	return 2
}

// flags is the one flag parser of the schakel commands.
type flags struct {
	*flag.FlagSet
	s     stdio
	usage string // synopsis and description, printed above the flags
}

// newFlags starts the flags of command name ("schakel policy build");
// usage is its synopsis ("usage: …") and, optionally, a description.
func newFlags(s stdio, name, usage string) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(s.err)
	fs.Usage = func() {} // parse prints the usage once, after the flag package's error
	return &flags{FlagSet: fs, s: s, usage: usage}
}

func (f *flags) printUsage() {
	w := f.s.err
	if f.usage != "" {
		fmt.Fprintln(w, strings.TrimRight(f.usage, "\n"))
	} else {
		fmt.Fprintf(w, "usage: %s [flags]\n", f.Name())
	}
	n := 0
	f.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintln(w, "\nflags:")
		f.PrintDefaults()
	}
}

// parse parses args, which must hold flags only. When ok is false the
// command returns code at once: 0 after -h, 2 after a usage error.
func (f *flags) parse(args []string) (code int, ok bool) { return f.parseArgs(args, 0, 0) }

// parseArgs is parse for a command that takes least to most positional
// arguments after its flags.
func (f *flags) parseArgs(args []string, least, most int) (code int, ok bool) {
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			f.printUsage()
			return 0, false
		}
		// The flag package has printed the error ("flag provided but not
		// defined: -x").
		fmt.Fprintln(f.s.err)
		f.printUsage()
		return 2, false
	}
	switch n := f.NArg(); {
	case n > most && most == 0:
		return f.usageError(fmt.Sprintf("unexpected arguments: %q", f.Args())), false
	case n > most:
		return f.usageError(fmt.Sprintf("at most %d arguments, got %d: %q", most, n, f.Args())), false
	case n < least:
		return f.usageError(fmt.Sprintf("%d arguments required, got %d", least, n)), false
	}
	return 0, true
}

// usageError reports a usage error and returns exit code 2.
func (f *flags) usageError(msg string) int {
	fmt.Fprintf(f.s.err, "%s: %s\n\n", f.Name(), msg)
	f.printUsage()
	return 2
}

// fail reports a failure and returns exit code 1.
func (f *flags) fail(err error) int {
	fmt.Fprintf(f.s.err, "%s: %v\n", f.Name(), err)
	return 1
}

// failf is fail with a formatted message.
func (f *flags) failf(format string, a ...any) int {
	return f.fail(fmt.Errorf(format, a...))
}

// configFlag registers --config FILE.
func (f *flags) configFlag() *string {
	return f.String("config", "", "node configuration file (YAML)")
}

// loadConfig loads the node configuration at path with the serve loader. A
// missing --config is a usage error (exit 2) when required; a file that does
// not load is a failure (exit 1). With ok false the command returns code.
func (f *flags) loadConfig(path string, required bool) (cfg *config.Config, code int, ok bool) {
	if path == "" {
		if required {
			return nil, f.usageError("--config is required"), false
		}
		return nil, 0, true
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, f.fail(err), false
	}
	return cfg, 0, true
}

// parseConfig is parse followed by loadConfig of the required --config
// that configFlag registered as path.
func (f *flags) parseConfig(args []string, path *string) (cfg *config.Config, code int, ok bool) {
	if code, ok := f.parse(args); !ok {
		return nil, code, false
	}
	return f.loadConfig(*path, true)
}

// listFlag is the repeatable flag of the schakel commands: each use adds
// one or more comma-separated values (`--dns a --dns b` is `--dns a,b`);
// empty values and surrounding spaces are dropped.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}
