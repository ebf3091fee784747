package main

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/schakel/schakel/certs"
	oinpkg "github.com/schakel/schakel/gateway/oin"
)

const certsFooter = `Development only: production nodes use PKIoverheid certificates (see certs/README.md).`

func runCertsInit(args []string, s stdio) int {
	fs := newFlags(s, "schakel certs init", "usage: schakel certs init --dir DIR [--name NAME] [--validity 17520h]\n\nCreates a development federation CA (DIR/ca.pem, DIR/ca.key).")
	dir := fs.String("dir", "", "directory for ca.pem and ca.key (created with mode 0700)")
	name := fs.String("name", "Schakel development CA", "CA name (subject CN and O)")
	validity := fs.Duration("validity", 2*8760*time.Hour, "how long the CA is valid (longer than the certificates it issues)")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if *dir == "" {
		return fs.usageError("--dir is required")
	}
	if err := certs.InitCA(*dir, *name, *validity); err != nil {
		return fs.fail(err)
	}
	fmt.Fprintf(s.out, "created CA %q in %s (valid %s)\n", *name, *dir, *validity)
	return 0
}

func runCertsIssue(args []string, s stdio) int {
	fs := newFlags(s, "schakel certs issue", "usage: schakel certs issue --dir DIR --oin OIN --name NAME [--out DIR] [--validity 8760h] [--dns NAME ...] [--ip IP ...]\n\nIssues an organisation certificate (OUT/<OIN>.pem, OUT/<OIN>.key).")
	dir := fs.String("dir", "", "CA directory (from certs init)")
	oin := fs.String("oin", "", "organisation's OIN (20 digits), put in the subject serialNumber")
	name := fs.String("name", "", "organisation name (subject CN and O)")
	out := fs.String("out", "", "output directory (default: the CA directory)")
	validity := fs.Duration("validity", 8760*time.Hour, "how long the certificate is valid")
	var dns, ips listFlag
	fs.Var(&dns, "dns", "DNS name SAN, repeatable or comma-separated (default localhost)")
	fs.Var(&ips, "ip", "IP address SAN, repeatable or comma-separated (default 127.0.0.1 and ::1)")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	var missing []string
	for _, f := range []struct{ name, val string }{{"--dir", *dir}, {"--oin", *oin}, {"--name", *name}} {
		if f.val == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fs.usageError(strings.Join(missing, ", ") + " required")
	}
	opts := certs.IssueOptions{OIN: *oin, Name: *name, Validity: *validity, DNSNames: dns, OutDir: *out}
	for _, v := range ips {
		ip := net.ParseIP(v)
		if ip == nil {
			return fs.usageError(fmt.Sprintf("--ip %q is not an IP address", v))
		}
		opts.IPs = append(opts.IPs, ip)
	}
	if err := oinpkg.Valid(*oin); err != nil {
		return fs.usageError(err.Error())
	}
	certPath, keyPath, err := certs.Issue(*dir, opts)
	if err != nil {
		return fs.fail(err)
	}
	fmt.Fprintf(s.out, "issued %s (OIN %s)\ncertificate: %s\nkey:         %s\n", *name, *oin, certPath, keyPath)
	return 0
}
