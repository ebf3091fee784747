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
	"path/filepath"
	"strings"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/bsn"
	"github.com/schakel/schakel/gateway/consent"
	"github.com/schakel/schakel/gateway/inzage"
	"github.com/schakel/schakel/gateway/source"
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
	// From --config: earlier certificates (key history) and the high-water mark file.
	previousCerts []string
	markPath      string
	// From --config: the consent register (data_dir/consents.db), which
	// verify cross-checks against the log's consent records.
	consentsPath string
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
	f.previousCerts, f.markPath = cfg.Identity.PreviousCerts, filepath.Join(cfg.DataDir, audit.MarkFile)
	f.consentsPath = filepath.Join(cfg.DataDir, "consents.db")
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
	fs := newFlags(s, "schakel audit verify", "usage: schakel audit verify --config F | --store S --pub CERT.pem [--origin O] [--previous-cert C.pem ...] [--mark FILE]\n\nRecomputes the Merkle tree and checks every record, signed checkpoint (across key renewals) and receipt, then that the log reaches the node's high-water mark.")
	var f auditFlags
	f.register(fs)
	pubPath := fs.String("pub", "", "the organisation's certificate or public key (PEM)")
	hist := registerHistoryFlags(fs) // audit_witness.go
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
		rep, err := hist.verify(ctx, st, pub, f)
		if err != nil {
			return err
		}
		consents, err := verifyConsents(ctx, st, rep, f, s)
		if err != nil {
			return err
		}
		fmt.Fprintf(s.out, "ok: %d records (%d pruned), %d signed checkpoints, %d receipts\norigin %s\nroot %s\n",
			rep.Size, rep.Pruned, rep.Checkpoints, rep.Receipts, rep.Origin, base64.StdEncoding.EncodeToString(rep.Root))
		hist.report(s.out)
		if consents != "" {
			fmt.Fprintln(s.out, consents)
		}
		return nil
	})
}

// verifyConsents cross-checks the consent register (with --config) against
// the log's consent records, which verify has just checked: every row must
// match its register record (and withdraw record), every register record
// must have its row. Tampering fails verify naming each consent; findings
// that leave a consent merely unused are printed as warnings. It returns
// the summary line ("" without a register to check).
func verifyConsents(ctx context.Context, st audit.Store, rep audit.Report, f auditFlags, s stdio) (string, error) {
	if f.consentsPath == "" {
		return "", nil
	}
	if f.secretFile == "" {
		return "", errors.New("consents: no audit.secret_file to check consents.db with")
	}
	secret, err := audit.LoadSecret(f.secretFile)
	if err != nil {
		return "", fmt.Errorf("consents: %w", err)
	}
	var rows []consent.Consent
	if _, err := os.Stat(f.consentsPath); err == nil {
		cs, err := consent.OpenSQLiteReadOnly(f.consentsPath)
		if err != nil {
			return "", err
		}
		rows, err = cs.All(ctx)
		cs.Close()
		if err != nil {
			return "", err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	var recs []audit.Stored
	if err := st.EachRecord(ctx, func(r audit.Stored) error {
		if r.Record.Name == audit.ActionConsentRegister || r.Record.Name == audit.ActionConsentWithdraw {
			recs = append(recs, r)
		}
		return nil
	}); err != nil {
		return "", err
	}
	pruned := func(idx uint64) bool {
		if idx >= rep.Size {
			return false
		}
		_, err := st.RecordAt(ctx, idx)
		return errors.Is(err, audit.ErrNoRecord)
	}
	findings := consent.CrossCheck(rows, recs, func(bsn string) string { return audit.Pseudonym(secret, bsn) }, pruned)
	var bad []error
	for _, fd := range findings {
		if fd.Tampered {
			bad = append(bad, errors.New(fd.String()))
		} else {
			fmt.Fprintf(s.err, "warning: %s\n", fd)
		}
	}
	if len(bad) > 0 {
		return "", fmt.Errorf("%w: consents.db does not match the log:\n%w", audit.ErrTampered, errors.Join(bad...))
	}
	return fmt.Sprintf("consents: %d in consents.db, checked against the log (%d warnings)", len(rows), len(findings)), nil
}

func runAuditInzage(args []string, s stdio) int {
	fs := newFlags(s, "schakel audit inzage", "usage: schakel audit inzage --config F | --store S --secret-file F, and --bsn BSN --requester ouder|ouder_zonder_gezag|jeugdige --birth-date YYYY-MM-DD [--format text|html|json]\n\nThe records about one child that the requester may see, oldest first, as the policy pack's inzage question decides (for a parent's or the child's inzage request). Identity, gezag and date of birth are established at the desk.")
	var f auditFlags
	f.register(fs)
	bsnFlag := fs.String("bsn", "", "the child's BSN (used only to compute the pseudonym)")
	secretFile := fs.String("secret-file", "", "the node's pseudonym secret")
	requester := fs.String("requester", "", "who asks: ouder (a parent with gezag), ouder_zonder_gezag or jeugdige (the child)")
	birthDate := fs.String("birth-date", "", "the child's date of birth, YYYY-MM-DD (the age decides what the requester may see)")
	format := fs.String("format", "text", "text (plain Dutch, for a parent), html (the same, printable) or json")
	if code, ok := f.parse(fs, args); !ok {
		return code
	}
	if *secretFile == "" {
		*secretFile = f.secretFile
	}
	if *secretFile == "" || *bsnFlag == "" {
		return fs.usageError("--bsn and --secret-file (or --config) are required")
	}
	if *requester == "" || *birthDate == "" {
		return fs.usageError("--requester and --birth-date are required: the policy pack decides per requester and age what may be shown")
	}
	who, err := inzage.ParseRequester(*requester)
	if err != nil {
		return fs.usageError("--requester must be ouder, ouder_zonder_gezag or jeugdige")
	}
	birth, err := time.Parse(time.DateOnly, *birthDate)
	if err != nil || birth.After(time.Now()) {
		return fs.usageError("--birth-date must be a date YYYY-MM-DD, not in the future")
	}
	if *format != "text" && *format != "json" && *format != "html" {
		return fs.usageError("--format must be text, html or json")
	}
	if err := bsn.Valid(*bsnFlag); err != nil {
		return fs.fail(err)
	}
	secret, err := audit.LoadSecret(*secretFile)
	if err != nil {
		return fs.fail(err)
	}
	// With --config: organisation names from the peer directory, Dutch
	// texts and the inzage question from the node's (verified) policy pack.
	tx, pack, err := inzageTexts(*f.config)
	if err != nil {
		return fs.fail(err)
	}
	return f.withStore(fs, func(ctx context.Context, st audit.Store) error {
		recs, err := st.BySubject(ctx, audit.Pseudonym(secret, *bsnFlag))
		if err != nil {
			return err
		}
		now := time.Now()
		v, err := inzage.Decide(ctx, pack, who, source.AgeAt(birth, now), recs, now)
		if err != nil {
			return err
		}
		switch *format {
		case "json":
			sc := v.Scope()
			return writeJSON(s.out, struct {
				Requester string             `json:"requester"`
				Allowed   bool               `json:"allowed"`
				HeldBack  int                `json:"held_back"`
				Refusal   string             `json:"refusal"`
				Records   []audit.InzageItem `json:"records"`
			}{*requester, v.Allow, v.HeldBack, sc.Refusal, audit.Inzage(v.Shown)})
		case "html":
			return audit.WriteInzageReportHTML(s.out, v.Shown, tx, v.Scope())
		}
		audit.WriteInzageReportText(s.out, v.Shown, tx, v.Scope())
		return nil
	})
}

// writeInzageText writes the inzage in plain Dutch for a parent, with
// organisations by OIN and ids as stored (no configuration at hand).
func writeInzageText(w io.Writer, recs []audit.Stored) {
	audit.WriteInzageText(w, recs, audit.InzageTexts{})
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
