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
	"path/filepath"
	"strings"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/bsn"
	"github.com/schakel/schakel/gateway/config"
)

const auditUsage = `usage: schakel audit <verify|inzage|receipts|export|prune|witness> [flags]

  verify    --config F | --store S --pub CERT.pem [--origin O] [--previous-cert C.pem ...] [--mark FILE]
            recompute the Merkle tree and check every record, checkpoint and receipt,
            across key renewals, and that the log reaches the node's high-water mark
  inzage    --config F | --store S --secret-file F, and --bsn BSN [--format text|json]
            every record about one child, oldest first (for a parent's inzage request)
  receipts  --config F | --store S [--format text|json]
            the holders' signed receipts this node stored as recipient
  export    --config F | --store S [--out FILE]
            the records as JSON lines in the shape of the Logboek Dataverwerkingen
  prune     --config F | --store S [--now RFC3339]
            delete the details of records whose retention expired (the log still verifies)
  witness   --config F | --store S [--format text|json]
            the peers' audit logs as this node witnessed them; exit 1 if one was inconsistent

--config F takes the store, certificate and pseudonym secret from the node's
configuration. S is a SQLite file or a postgres:// URL (with --schema for the
PostgreSQL schema).`

// auditFlags are the flags shared by the audit subcommands.
type auditFlags struct {
	config, store, schema, origin string
	// From --config: the node's certificate (for verify) and pseudonym secret (for inzage).
	cert, secretFile string
	// From --config: earlier certificates (key history) and the high-water mark file.
	previousCerts []string
	markPath      string
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
	f.previousCerts, f.markPath = cfg.Identity.PreviousCerts, filepath.Join(cfg.DataDir, audit.MarkFile)
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
		"export": runAuditExport, "prune": runAuditPrune, "witness": runAuditWitness,
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
	hist := registerHistoryFlags(fs) // audit_witness.go
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
	rep, err := hist.verify(ctx, st, pub, f)
	if err != nil {
		return auditFail(s, "verify", err)
	}
	fmt.Fprintf(s.out, "ok: %d records (%d pruned), %d signed checkpoints, %d receipts\norigin %s\nroot %s\n",
		rep.Size, rep.Pruned, rep.Checkpoints, rep.Receipts, rep.Origin, base64.StdEncoding.EncodeToString(rep.Root))
	hist.report(s.out)
	return 0
}

func runAuditInzage(args []string, s stdio) int {
	fs := flag.NewFlagSet("schakel audit inzage", flag.ContinueOnError)
	var f auditFlags
	f.register(fs)
	bsnFlag := fs.String("bsn", "", "the child's BSN (used only to compute the pseudonym)")
	secretFile := fs.String("secret-file", "", "the node's pseudonym secret")
	format := fs.String("format", "text", "text (plain Dutch, for a parent) or json")
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
	if *format != "text" && *format != "json" {
		fmt.Fprintln(s.err, "schakel audit inzage: --format must be text or json")
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
	if *format == "json" {
		items := audit.Inzage(recs)
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(items); err != nil {
			return auditFail(s, "inzage", err)
		}
		return 0
	}
	writeInzageText(s.out, recs)
	return 0
}

var dutchMonths = [...]string{"januari", "februari", "maart", "april", "mei", "juni", "juli",
	"augustus", "september", "oktober", "november", "december"}

func dutchTime(t time.Time) string {
	zone := "UTC"
	if loc, err := time.LoadLocation("Europe/Amsterdam"); err == nil {
		t, zone = t.In(loc), "Nederlandse tijd"
	}
	return fmt.Sprintf("%d %s %d om %02d:%02d (%s)", t.Day(), dutchMonths[t.Month()-1], t.Year(), t.Hour(), t.Minute(), zone)
}

func dutchList(items []string, none string) string {
	if len(items) == 0 {
		return none
	}
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = strings.TrimPrefix(it, "category:")
	}
	return strings.Join(out, ", ")
}

// writeInzageText writes the inzage in plain Dutch for a parent.
func writeInzageText(w io.Writer, recs []audit.Stored) {
	if len(recs) == 0 {
		fmt.Fprintln(w, "Er zijn geen vastgelegde gegevensverwerkingen over dit kind gevonden.")
		return
	}
	fmt.Fprintf(w, "Overzicht van %d vastgelegde gegevensverwerking(en) over dit kind, oudste eerst.\n", len(recs))
	fmt.Fprintln(w, "Organisaties staan vermeld met hun OIN (het nummer van de organisatie bij de overheid).")
	for i, sr := range recs {
		r := sr.Record
		fmt.Fprintf(w, "\n%d. %s\n", i+1, dutchTime(r.StartTime))
		fmt.Fprintf(w, "   Wat gebeurde er:   %s\n", inzageWhat(r))
		fmt.Fprintf(w, "   Welke organisatie: %s (ontvanger)\n", r.RecipientOIN)
		fmt.Fprintf(w, "   Welke rol:         %s\n", dutchList([]string{r.RecipientRole}, "onbekend"))
		fmt.Fprintf(w, "   Doel:              %s (afspraak %s)\n", r.Purpose, r.Flow)
		fmt.Fprintf(w, "   Grondslag:         %s\n", r.Basis)
		if len(r.ConsentsUsed) > 0 {
			fmt.Fprintf(w, "   Toestemming:       %s\n", dutchList(r.ConsentsUsed, ""))
		}
		shared := dutchList(r.CategoriesReleased, "niets")
		if r.Name == "schakel.notify.decide" && r.Allow && len(r.CategoriesReleased) == 0 {
			shared = "nog niets (de melding is klaargezet om te versturen)"
		}
		fmt.Fprintf(w, "   Gedeeld:           %s\n", shared)
		fmt.Fprintf(w, "   Niet gedeeld:      %s\n", dutchList(r.CategoriesWithheld, "niets"))
		switch {
		case r.Name == "schakel.notify.cancel":
			fmt.Fprintf(w, "   Uitkomst:          geannuleerd voordat de melding werd verstuurd; er zijn geen gegevens gedeeld (reden: %s)\n", dutchList(r.ReasonCodes, "niet vermeld"))
		case r.Name == "schakel.notify.dead_letter":
			fmt.Fprintln(w, "   Uitkomst:          niet afgeleverd en opgegeven; er zijn geen gegevens gedeeld")
		case r.StatusCode == 2:
			fmt.Fprintln(w, "   Uitkomst:          mislukt door een technische fout; er zijn geen gegevens gedeeld")
		case r.Allow:
			fmt.Fprintln(w, "   Uitkomst:          toegestaan")
		default:
			fmt.Fprintf(w, "   Uitkomst:          geweigerd; er zijn geen gegevens gedeeld (reden: %s)\n", dutchList(r.ReasonCodes, "niet vermeld"))
		}
	}
}

// inzageWhat says in one sentence what a record is about: a request for
// data, or a notification (sent, queued, cancelled, received).
func inzageWhat(r audit.Record) string {
	holder, recipient := r.HolderOIN, r.RecipientOIN
	switch r.Name {
	case "schakel.notify.decide":
		if !r.Allow {
			return fmt.Sprintf("deze organisatie (%s) wilde organisatie %s een melding sturen; dat is geweigerd", holder, recipient)
		}
		return fmt.Sprintf("deze organisatie (%s) besloot organisatie %s een melding te sturen", holder, recipient)
	case "schakel.notify.deliver":
		return fmt.Sprintf("deze organisatie (%s) meldde organisatie %s", holder, recipient)
	case "schakel.notify.cancel":
		return fmt.Sprintf("een melding van deze organisatie (%s) aan organisatie %s is niet verstuurd", holder, recipient)
	case "schakel.notify.dead_letter":
		return fmt.Sprintf("een melding van deze organisatie (%s) aan organisatie %s kon niet worden afgeleverd", holder, recipient)
	case "schakel.notify.receive":
		return fmt.Sprintf("deze organisatie (%s) ontving een melding van organisatie %s", recipient, holder)
	}
	if r.Side == "holder" {
		return fmt.Sprintf("organisatie %s vroeg gegevens op bij deze organisatie (%s)", recipient, holder)
	}
	return fmt.Sprintf("deze organisatie (%s) vroeg gegevens op bij organisatie %s", recipient, holder)
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
