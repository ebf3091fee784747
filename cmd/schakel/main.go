// Command schakel is the Schakel gateway node and its tooling: one binary with
// subcommands. This file only wires: it dispatches to the subcommand files.
package main

import (
	"fmt"
	"io"
	"os"
)

// stdio carries the standard streams, so subcommands can be tested without a
// process.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

const usage = `usage: schakel <command> [arguments]

commands:
  serve            run a gateway node (--config FILE)
  validate-config  check a node configuration (--config FILE)
  policy           eval, test, explain, data, build, keygen, sign, verify, diff, status
  audit            verify, inzage, receipts, export, prune
  certs            init, issue (development PKI)
  notify           status
  directory        build, sign, verify, diff (signed peer directory)
  version          version, commit and policy contract version [--json]
`

func main() {
	os.Exit(run(os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr}))
}

// run dispatches a command line; it returns the process exit code.
func run(args []string, s stdio) int {
	if len(args) == 0 {
		fmt.Fprint(s.err, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(rest, s)
	case "validate-config":
		return cmdValidateConfig(rest, s)
	case "policy":
		return runPolicy(rest, s)
	case "audit":
		return runAudit(rest, s)
	case "certs":
		return runCerts(rest, s)
	case "notify":
		return runNotify(rest, s)
	case "directory":
		return runDirectory(rest, s)
	case "version", "--version":
		return cmdVersion(rest, s)
	case "-h", "--help", "help":
		fmt.Fprint(s.out, usage)
		return 0
	}
	fmt.Fprintf(s.err, "schakel: unknown command %q\n\n%s", cmd, usage)
	return 2
}
