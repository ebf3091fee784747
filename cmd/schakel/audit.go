package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/bsn"
	"github.com/schakel/schakel/gateway/config"
)

const auditUsage = `usage: schakel audit <verify|inzage|receipts|export|prune> [flags]

  verify    --config F | --store S --pub CERT.pem [--origin O]
            recompute the Merkle tree and check every record, checkpoint and receipt
  inzage    --config F | --store S --secret-file F, and --bsn BSN [--format text|html|json]
            every record about one child, oldest first (for a parent's inzage request)
  receipts  --config F | --store S [--format text|json]
            the holders' signed receipts this node stored as recipient
  export    --config F | --store S [--out FILE]
            the records as JSON lines in the shape of the Logboek Dataverwerkingen
  prune     --config F | --store S [--now RFC3339]
            delete the details of records whose retention expired (the log still verifies)

--config F takes the store, certificate and pseudonym secret from the node's
configuration. S is a SQLite file or a postgres:// URL (with --schema for the
PostgreSQL schema).`

// auditFlags are the flags shared by the audit subcommands.
type auditFlags struct {
	config, store, schema, origin string
	// From --config: the node's certificate (for verify) and pseudonym secret (for inzage).
	cert, secretFile string
}

func (f *auditFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.config, "config", "", "the node's configuration file (names its store, certificate and secret)")
	fs.StringVar(&f.store, "store", "", "audit store: SQLite file or postgres:// URL")
	fs.StringVar(&f.schema, "schema", "", "PostgreSQL schema of the audit tables (default schakel_audit)")
	fs.StringVar(&f.origin, "origin", "", "checkpoint origin (default: read from the log)")
}

// resolve fills the store, origin, certificate and secret from --config;
// explicit flags win.
func (f *auditFlags) resolve() error {
	if f.config == "" {
		return nil
	}
	cfg, err := config.Load(f.config)
	if err != nil {
		return err
	}
	if f.store == "" {
		f.store = cfg.Audit.Store
	}
	if f.schema == "" {
		f.schema = cfg.Audit.Schema
	}
	if f.origin == "" {
		f.origin = audit.OriginFor(cfg.Node.OIN)
	}
	f.cert, f.secretFile = cfg.Identity.Cert, cfg.Audit.SecretFile
	return nil
}

// auditStoreFromFlags opens the audit store read-only (no signer: nothing is appended).
var auditStoreFromFlags = func(ctx context.Context, f auditFlags) (audit.Store, error) {
	if f.store == "" {
		return nil, errors.New("--store or --config is required")
	}
	cfg := audit.Config{Origin: f.origin, Schema: f.schema}
	if strings.HasPrefix(f.store, "postgres://") || strings.HasPrefix(f.store, "postgresql://") {
		return audit.OpenPostgres(ctx, f.store, cfg, nil, nil)
	}
	if _, err := os.Stat(f.store); err != nil {
		return nil, err // do not create an empty log by mistake
	}
	return audit.OpenSQLite(f.store, cfg, nil, nil)
}

// runAudit dispatches the audit subcommands.
func runAudit(args []string, s stdio) int {
	if len(args) == 0 {
		fmt.Fprintln(s.err, auditUsage)
		return 2
	}
	cmds := map[string]func([]string, stdio) int{
		"verify": runAuditVerify, "inzage": runAuditInzage, "receipts": runAuditReceipts,
		"export": runAuditExport, "prune": runAuditPrune,
	}
	if c, ok := cmds[args[0]]; ok {
		return c(args[1:], s)
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprintln(s.out, auditUsage)
		return 0
	}
	fmt.Fprintf(s.err, "schakel audit: unknown subcommand %q\n%s\n", args[0], auditUsage)
	return 2
}

// auditParse parses flags; ok is false when the command should exit with code.
func auditParse(fs *flag.FlagSet, args []string, s stdio) (code int, ok bool) {
	fs.SetOutput(s.err)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(s.err, "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return 2, false
	}
	return 0, true
}

// auditParseResolve parses flags and applies --config.
func auditParseResolve(fs *flag.FlagSet, f *auditFlags, args []string, s stdio) (code int, ok bool) {
	if code, ok := auditParse(fs, args, s); !ok {
		return code, false
	}
	if err := f.resolve(); err != nil {
		fmt.Fprintf(s.err, "%s: --config: %v\n", fs.Name(), err)
		return 2, false
	}
	return 0, true
}

func auditFail(s stdio, cmd string, err error) int {
	fmt.Fprintf(s.err, "schakel audit %s: %v\n", cmd, err)
	return 1
}

// auditLoadPublicKey reads a PEM certificate (the organisation's TLS certificate) or a
// PEM public key.
func auditLoadPublicKey(path string) (crypto.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return nil, fmt.Errorf("%s: no CERTIFICATE or PUBLIC KEY PEM block", path)
		}
		switch blk.Type {
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return nil, err
			}
			return c.PublicKey, nil
		case "PUBLIC KEY":
			return x509.ParsePKIXPublicKey(blk.Bytes)
		}
	}
}

func runAuditVerify(args []string, s stdio) int {
	fs := flag.NewFlagSet("schakel audit verify", flag.ContinueOnError)
	var f auditFlags
	f.register(fs)
	pubPath := fs.String("pub", "", "the organisation's certificate or public key (PEM)")
	if code, ok := auditParseResolve(fs, &f, args, s); !ok {
		return code
	}
	if *pubPath == "" {
		*pubPath = f.cert
	}
	if *pubPath == "" {
		fmt.Fprintln(s.err, "schakel audit verify: --pub or --config is required")
		return 2
	}
	pub, err := auditLoadPublicKey(*pubPath)
	if err != nil {
		return auditFail(s, "verify", err)
	}
	ctx := context.Background()
	st, err := auditStoreFromFlags(ctx, f)
	if err != nil {
		return auditFail(s, "verify", err)
	}
	defer st.Close()
	rep, err := audit.Verify(ctx, st, pub)
	if err != nil {
		return auditFail(s, "verify", err)
	}
	fmt.Fprintf(s.out, "ok: %d records (%d pruned), %d signed checkpoints, %d receipts\norigin %s\nroot %s\n",
		rep.Size, rep.Pruned, rep.Checkpoints, rep.Receipts, rep.Origin, base64.StdEncoding.EncodeToString(rep.Root))
	return 0
}

func runAuditInzage(args []string, s stdio) int {
	fs := flag.NewFlagSet("schakel audit inzage", flag.ContinueOnError)
	var f auditFlags
	f.register(fs)
	bsnFlag := fs.String("bsn", "", "the child's BSN (used only to compute the pseudonym)")
	secretFile := fs.String("secret-file", "", "the node's pseudonym secret")
	format := fs.String("format", "text", "text (plain Dutch, for a parent), html (the same, printable) or json")
	if code, ok := auditParseResolve(fs, &f, args, s); !ok {
		return code
	}
	if *secretFile == "" {
		*secretFile = f.secretFile
	}
	if *secretFile == "" || *bsnFlag == "" {
		fmt.Fprintln(s.err, "schakel audit inzage: --bsn and --secret-file (or --config) are required")
		return 2
	}
	if *format != "text" && *format != "json" && *format != "html" {
		fmt.Fprintln(s.err, "schakel audit inzage: --format must be text, html or json")
		return 2
	}
	if err := bsn.Valid(*bsnFlag); err != nil {
		return auditFail(s, "inzage", err)
	}
	secret, err := audit.LoadSecret(*secretFile)
	if err != nil {
		return auditFail(s, "inzage", err)
	}
	ctx := context.Background()
	st, err := auditStoreFromFlags(ctx, f)
	if err != nil {
		return auditFail(s, "inzage", err)
	}
	defer st.Close()
	recs, err := st.BySubject(ctx, audit.Pseudonym(secret, *bsnFlag))
	if err != nil {
		return auditFail(s, "inzage", err)
	}
	recs = audit.WithoutLocalAccess(recs)
	if *format == "json" {
		items := audit.Inzage(recs)
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(items); err != nil {
			return auditFail(s, "inzage", err)
		}
		return 0
	}
	// With --config: organisation names from the peer directory, Dutch
	// texts from the node's (verified) policy pack.
	tx, err := inzageTexts(f.config)
	if err != nil {
		return auditFail(s, "inzage", err)
	}
	if *format == "html" {
		if err := audit.WriteInzageHTML(s.out, recs, tx); err != nil {
			return auditFail(s, "inzage", err)
		}
		return 0
	}
	audit.WriteInzageText(s.out, recs, tx)
	return 0
}

// writeInzageText writes the inzage in plain Dutch for a parent, with
// organisations by OIN and ids as stored (no configuration at hand).
func writeInzageText(w io.Writer, recs []audit.Stored) {
	audit.WriteInzageText(w, recs, audit.InzageTexts{})
}

func runAuditReceipts(args []string, s stdio) int {
	fs := flag.NewFlagSet("schakel audit receipts", flag.ContinueOnError)
	var f auditFlags
	f.register(fs)
	format := fs.String("format", "text", "text or json")
	if code, ok := auditParseResolve(fs, &f, args, s); !ok {
		return code
	}
	ctx := context.Background()
	st, err := auditStoreFromFlags(ctx, f)
	if err != nil {
		return auditFail(s, "receipts", err)
	}
	defer st.Close()
	rcs, err := st.Receipts(ctx)
	if err != nil {
		return auditFail(s, "receipts", err)
	}
	if *format == "json" {
		if rcs == nil {
			rcs = []audit.Receipt{}
		}
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rcs); err != nil {
			return auditFail(s, "receipts", err)
		}
		return 0
	}
	for _, rc := range rcs {
		size := "?"
		if cp, err := audit.ParseCheckpoint(rc.Commit.Checkpoint); err == nil {
			size = fmt.Sprint(cp.Size)
		}
		fmt.Fprintf(s.out, "%s  decision %s  payload %s  holder %s record %d (checkpoint size %s)  own record %d\n",
			rc.ReceivedAt.Format(time.RFC3339), rc.DecisionID, rc.PayloadDigest, rc.HolderOrigin, rc.Commit.Index, size, rc.LocalIndex)
	}
	return 0
}

func runAuditExport(args []string, s stdio) int {
	fs := flag.NewFlagSet("schakel audit export", flag.ContinueOnError)
	var f auditFlags
	f.register(fs)
	out := fs.String("out", "", "output file (default: standard output)")
	if code, ok := auditParseResolve(fs, &f, args, s); !ok {
		return code
	}
	ctx := context.Background()
	st, err := auditStoreFromFlags(ctx, f)
	if err != nil {
		return auditFail(s, "export", err)
	}
	defer st.Close()
	w := s.out
	if *out != "" {
		file, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return auditFail(s, "export", err)
		}
		defer file.Close()
		w = file
	}
	if err := st.Export(ctx, w); err != nil {
		return auditFail(s, "export", err)
	}
	return 0
}

func runAuditPrune(args []string, s stdio) int {
	fs := flag.NewFlagSet("schakel audit prune", flag.ContinueOnError)
	var f auditFlags
	f.register(fs)
	nowFlag := fs.String("now", "", "prune as if it were this moment (RFC 3339; default now)")
	if code, ok := auditParseResolve(fs, &f, args, s); !ok {
		return code
	}
	now := time.Now()
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			return auditFail(s, "prune", err)
		}
		if t.After(now) {
			return auditFail(s, "prune", errors.New("--now lies in the future: that would delete details before their retention ends"))
		}
		now = t
	}
	ctx := context.Background()
	st, err := auditStoreFromFlags(ctx, f)
	if err != nil {
		return auditFail(s, "prune", err)
	}
	defer st.Close()
	n, err := st.Prune(ctx, now)
	if err != nil {
		return auditFail(s, "prune", err)
	}
	fmt.Fprintf(s.out, "pruned the details of %d records (retention expired before %s)\n", n, now.UTC().Format(time.RFC3339))
	return 0
}
