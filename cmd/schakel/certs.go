package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/schakel/schakel/certs"
	oinpkg "github.com/schakel/schakel/gateway/oin"
)

const certsUsage = `usage: schakel certs <init|issue> [flags]

  init   --dir DIR [--name NAME] [--validity 17520h]
         create a development federation CA (DIR/ca.pem, DIR/ca.key)
  issue  --dir DIR --oin OIN --name NAME [--out DIR] [--validity 8760h] [--dns NAME ...] [--ip IP ...]
         issue an organisation certificate (OUT/<OIN>.pem, OUT/<OIN>.key)

Development only: production nodes use PKIoverheid certificates (see certs/README.md).`

// runCerts dispatches the development PKI subcommands.
func runCerts(args []string, s stdio) int {
	if len(args) == 0 {
		fmt.Fprintln(s.err, certsUsage)
		return 2
	}
	switch args[0] {
	case "init":
		return runCertsInit(args[1:], s)
	case "issue":
		return runCertsIssue(args[1:], s)
	case "-h", "--help", "help":
		fmt.Fprintln(s.out, certsUsage)
		return 0
	}
	fmt.Fprintf(s.err, "schakel certs: unknown subcommand %q\n%s\n", args[0], certsUsage)
	return 2
}

func runCertsInit(args []string, s stdio) int {
	fs := flag.NewFlagSet("schakel certs init", flag.ContinueOnError)
	fs.SetOutput(s.err)
	dir := fs.String("dir", "", "directory for ca.pem and ca.key (created with mode 0700)")
	name := fs.String("name", "Schakel development CA", "CA name (subject CN and O)")
	validity := fs.Duration("validity", 2*8760*time.Hour, "how long the CA is valid (longer than the certificates it issues)")
	if code, ok := certsParseFlags(fs, args); !ok {
		return code
	}
	if *dir == "" {
		return certsUsageError(s, fs, "--dir is required")
	}
	if err := certs.InitCA(*dir, *name, *validity); err != nil {
		fmt.Fprintf(s.err, "schakel certs init: %v\n", err)
		return 1
	}
	fmt.Fprintf(s.out, "created CA %q in %s (valid %s)\n", *name, *dir, *validity)
	return 0
}

func runCertsIssue(args []string, s stdio) int {
	fs := flag.NewFlagSet("schakel certs issue", flag.ContinueOnError)
	fs.SetOutput(s.err)
	dir := fs.String("dir", "", "CA directory (from certs init)")
	oin := fs.String("oin", "", "organisation's OIN (20 digits), put in the subject serialNumber")
	name := fs.String("name", "", "organisation name (subject CN and O)")
	out := fs.String("out", "", "output directory (default: the CA directory)")
	validity := fs.Duration("validity", 8760*time.Hour, "how long the certificate is valid")
	var dns, ips certsList
	fs.Var(&dns, "dns", "DNS name SAN, repeatable or comma-separated (default localhost)")
	fs.Var(&ips, "ip", "IP address SAN, repeatable or comma-separated (default 127.0.0.1 and ::1)")
	if code, ok := certsParseFlags(fs, args); !ok {
		return code
	}
	var missing []string
	for _, f := range []struct{ name, val string }{{"--dir", *dir}, {"--oin", *oin}, {"--name", *name}} {
		if f.val == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return certsUsageError(s, fs, strings.Join(missing, ", ")+" required")
	}
	opts := certs.IssueOptions{OIN: *oin, Name: *name, Validity: *validity, DNSNames: dns, OutDir: *out}
	for _, v := range ips {
		ip := net.ParseIP(v)
		if ip == nil {
			return certsUsageError(s, fs, fmt.Sprintf("--ip %q is not an IP address", v))
		}
		opts.IPs = append(opts.IPs, ip)
	}
	if err := oinpkg.Valid(*oin); err != nil {
		return certsUsageError(s, fs, err.Error())
	}
	certPath, keyPath, err := certs.Issue(*dir, opts)
	if err != nil {
		fmt.Fprintf(s.err, "schakel certs issue: %v\n", err)
		return 1
	}
	fmt.Fprintf(s.out, "issued %s (OIN %s)\ncertificate: %s\nkey:         %s\n", *name, *oin, certPath, keyPath)
	return 0
}

// certsParseFlags parses args; when it returns ok=false the caller returns code
// (0 for -h, 2 for a usage error).
func certsParseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected arguments: %v\n", fs.Name(), fs.Args())
		return 2, false
	}
	return 0, true
}

func certsUsageError(s stdio, fs *flag.FlagSet, msg string) int {
	fmt.Fprintf(s.err, "%s: %s\n", fs.Name(), msg)
	fs.PrintDefaults()
	return 2
}

// certsList is a repeatable, comma-separated string flag.
type certsList []string

func (l *certsList) String() string { return strings.Join(*l, ",") }

func (l *certsList) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}
