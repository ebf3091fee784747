package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/bsn"
	"github.com/schakel/schakel/internal/atomicfile"
)

const auditFooter = `Each takes --config F (the store, certificate and pseudonym secret from the
node's configuration) or --store S, a SQLite file or a postgres:// URL (with
--schema for the PostgreSQL schema).`

// auditFlags are the flags shared by the audit subcommands.
type auditFlags struct {
	config                *string
	store, schema, origin string
	// From --config: the node's certificate (for verify) and pseudonym secret (for inzage).
	cert, secretFile string
}

func (f *auditFlags) register(fs *flags) {
	f.config = fs.configFlag()
	fs.StringVar(&f.store, "store", "", "audit store: SQLite file or postgres:// URL")
	fs.StringVar(&f.schema, "schema", "", "PostgreSQL schema of the audit tables (default schakel_audit)")
	fs.StringVar(&f.origin, "origin", "", "checkpoint origin (default: read from the log)")
}

// parse parses the flags and fills the store, origin, certificate and
// secret from --config; explicit flags win.
func (f *auditFlags) parse(fs *flags, args []string) (code int, ok bool) {
	if code, ok := fs.parse(args); !ok {
		return code, false
	}
	cfg, code, ok := fs.loadConfig(*f.config, false)
	if !ok || cfg == nil {
		return code, ok
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
	return 0, true
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

// withStore opens the audit store read-only, runs do on it and closes it;
// an error is a failure (exit 1).
func (f *auditFlags) withStore(fs *flags, do func(context.Context, audit.Store) error) int {
	ctx := context.Background()
	st, err := auditStoreFromFlags(ctx, *f)
	if err != nil {
		return fs.fail(err)
	}
	defer st.Close()
	if err := do(ctx, st); err != nil {
		return fs.fail(err)
	}
	return 0
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
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
	fs := newFlags(s, "schakel audit verify", "usage: schakel audit verify --config F | --store S --pub CERT.pem [--origin O]\n\nRecomputes the Merkle tree and checks every record, signed checkpoint and receipt.")
	var f auditFlags
	f.register(fs)
	pubPath := fs.String("pub", "", "the organisation's certificate or public key (PEM)")
	if code, ok := f.parse(fs, args); !ok {
		return code
	}
	if *pubPath == "" {
		*pubPath = f.cert
	}
	if *pubPath == "" {
		return fs.usageError("--pub or --config is required")
	}
	pub, err := auditLoadPublicKey(*pubPath)
	if err != nil {
		return fs.fail(err)
	}
	return f.withStore(fs, func(ctx context.Context, st audit.Store) error {
		rep, err := audit.Verify(ctx, st, pub)
		if err != nil {
			return err
		}
		fmt.Fprintf(s.out, "ok: %d records (%d pruned), %d signed checkpoints, %d receipts\norigin %s\nroot %s\n",
			rep.Size, rep.Pruned, rep.Checkpoints, rep.Receipts, rep.Origin, base64.StdEncoding.EncodeToString(rep.Root))
		return nil
	})
}

func runAuditInzage(args []string, s stdio) int {
	fs := newFlags(s, "schakel audit inzage", "usage: schakel audit inzage --config F | --store S --secret-file F, and --bsn BSN [--format text|json]\n\nEvery record about one child, oldest first (for a parent's inzage request).")
	var f auditFlags
	f.register(fs)
	bsnFlag := fs.String("bsn", "", "the child's BSN (used only to compute the pseudonym)")
	secretFile := fs.String("secret-file", "", "the node's pseudonym secret")
	format := fs.String("format", "text", "text (plain Dutch, for a parent) or json")
	if code, ok := f.parse(fs, args); !ok {
		return code
	}
	if *secretFile == "" {
		*secretFile = f.secretFile
	}
	if *secretFile == "" || *bsnFlag == "" {
		return fs.usageError("--bsn and --secret-file (or --config) are required")
	}
	if *format != "text" && *format != "json" {
		return fs.usageError("--format must be text or json")
	}
	if err := bsn.Valid(*bsnFlag); err != nil {
		return fs.fail(err)
	}
	secret, err := audit.LoadSecret(*secretFile)
	if err != nil {
		return fs.fail(err)
	}
	return f.withStore(fs, func(ctx context.Context, st audit.Store) error {
		recs, err := st.BySubject(ctx, audit.Pseudonym(secret, *bsnFlag))
		if err != nil {
			return err
		}
		if *format == "json" {
			return writeJSON(s.out, audit.Inzage(recs))
		}
		writeInzageText(s.out, recs)
		return nil
	})
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
	fs := newFlags(s, "schakel audit receipts", "usage: schakel audit receipts --config F | --store S [--format text|json]\n\nThe holders' signed receipts this node stored as recipient.")
	var f auditFlags
	f.register(fs)
	format := fs.String("format", "text", "text or json")
	if code, ok := f.parse(fs, args); !ok {
		return code
	}
	return f.withStore(fs, func(ctx context.Context, st audit.Store) error {
		rcs, err := st.Receipts(ctx)
		if err != nil {
			return err
		}
		if *format == "json" {
			if rcs == nil {
				rcs = []audit.Receipt{}
			}
			return writeJSON(s.out, rcs)
		}
		for _, rc := range rcs {
			size := "?"
			if cp, err := audit.ParseCheckpoint(rc.Commit.Checkpoint); err == nil {
				size = fmt.Sprint(cp.Size)
			}
			fmt.Fprintf(s.out, "%s  decision %s  payload %s  holder %s record %d (checkpoint size %s)  own record %d\n",
				rc.ReceivedAt.Format(time.RFC3339), rc.DecisionID, rc.PayloadDigest, rc.HolderOrigin, rc.Commit.Index, size, rc.LocalIndex)
		}
		return nil
	})
}

func runAuditExport(args []string, s stdio) int {
	fs := newFlags(s, "schakel audit export", "usage: schakel audit export --config F | --store S [--out FILE]\n\nThe records as JSON lines in the shape of the Logboek Dataverwerkingen.")
	var f auditFlags
	f.register(fs)
	out := fs.String("out", "", "output file (default: standard output)")
	if code, ok := f.parse(fs, args); !ok {
		return code
	}
	return f.withStore(fs, func(ctx context.Context, st audit.Store) error {
		if *out == "" {
			return st.Export(ctx, s.out)
		}
		// The file appears whole or not at all: a failed export leaves no
		// truncated log that looks complete.
		file, err := atomicfile.Create(*out, 0o600)
		if err != nil {
			return err
		}
		defer file.Abort()
		if err := st.Export(ctx, file); err != nil {
			return err
		}
		return file.Commit()
	})
}

func runAuditPrune(args []string, s stdio) int {
	fs := newFlags(s, "schakel audit prune", "usage: schakel audit prune --config F | --store S [--now RFC3339]\n\nDeletes the details of records whose retention expired (the log still verifies).")
	var f auditFlags
	f.register(fs)
	nowFlag := fs.String("now", "", "prune as if it were this moment (RFC 3339; default now)")
	if code, ok := f.parse(fs, args); !ok {
		return code
	}
	now := time.Now()
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			return fs.fail(err)
		}
		if t.After(now) {
			return fs.fail(errors.New("--now lies in the future: that would delete details before their retention ends"))
		}
		now = t
	}
	return f.withStore(fs, func(ctx context.Context, st audit.Store) error {
		n, err := st.Prune(ctx, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(s.out, "pruned the details of %d records (retention expired before %s)\n", n, now.UTC().Format(time.RFC3339))
		return nil
	})
}
