// Package audit is Schakel's tamper-evident, durable audit log.
//
// Every policy decision (allow and deny) is appended to the holder's log before any data
// leave, and the recipient appends what it asked for and received. A failed append means
// nothing is released: [Store.Append] returns only after the record is durable (committed
// and fsynced) and covered by a signed checkpoint.
//
// # What a record holds
//
// A [Record] follows the Logboek Dataverwerkingen (LDV) of Logius where the two overlap
// (trace and span ids, timestamps, processing activity, data subject) and adds Schakel's
// decision fields. It never holds a record value, a name, a date of birth or a BSN: the
// child appears only as [Pseudonym], the HMAC-SHA256 of the BSN under a node secret.
// Append rejects a Subject that is not such a pseudonym.
//
// # Canonical bytes and leaf hashes
//
// The canonical body of a record is its JSON encoding with a fixed field order (see
// canonicalBody): ids in lower-case hex, times in Unix milliseconds, list fields sorted
// and never null. The canonical record bytes (the Merkle leaf data, also called the leaf
// entry) are 41 bytes:
//
//	0x01 (version) || uint64 big-endian expiry in Unix ms || SHA-256(canonical body)
//
// where expiry = StartTime + RetentionDays days. The leaf hash is RFC 6962's
// SHA-256(0x00 || entry), see [LeafHash]; interior nodes are SHA-256(0x01 || left || right).
// Committing to the body by digest is what makes retention possible: [Store.Prune]
// deletes the body of an expired record and keeps the 41-byte entry, so Verify still
// recomputes every leaf and also proves that each pruned record had expired. A recipient
// that receives the record's fields recomputes the same leaf with [LeafHash].
//
// # Checkpoints and signatures
//
// Records form an append-only Merkle tree (RFC 6962, computed with
// golang.org/x/mod/sumdb/tlog). After each group-commit batch the node signs one
// checkpoint in the C2SP tlog-checkpoint text format (origin line, tree size, base64
// root) as a C2SP signed note. The organisation key is an ECDSA P-256 key (the key of the
// node's TLS certificate), so notes use signature type 0x02 of C2SP signed-note (ECDSA as
// implemented by transparency-dev/witness): the key ID is the first four bytes of
// SHA-256 of the DER SubjectPublicKeyInfo, the signature is ASN.1 DER ECDSA over
// SHA-256 of the note text, and the key name is the checkpoint origin. See [NewNoteSigner]
// and [NewNoteVerifier]. Each [Commit] carries that checkpoint and the inclusion proof of
// its record; [VerifyCommit] checks both. [SignReceipt] and [VerifyReceipt] bind a
// decision id and the digest of the released payload to a checkpoint.
//
// # Storage
//
// [OpenSQLite] is a single node's store: WAL mode, synchronous=FULL, secure_delete,
// wal_autocheckpoint=0 with a background checkpointer. [OpenPostgres] lets several replicas
// of one organisation share one log: each batch locks the single-row tree head FOR UPDATE,
// so there is one sequence across replicas. Both group-commit concurrent Append callers
// into one transaction and sign one checkpoint per transaction.
package audit

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/tlog"
)

// Sentinel errors; callers test them with errors.Is.
var (
	// ErrInvalidRecord: the record is refused before it is written (e.g. a subject that
	// is not a pseudonym, no retention).
	ErrInvalidRecord = errors.New("audit: invalid record")
	// ErrUnavailable: the store could not durably write; the caller must not release data.
	ErrUnavailable = errors.New("audit: store unavailable")
	// ErrClosed: the store is closed.
	ErrClosed = errors.New("audit: store closed")
	// ErrReadOnly: the store was opened without a signer.
	ErrReadOnly = errors.New("audit: store opened read-only (no signer)")
	// ErrTampered: Verify found a record, checkpoint or receipt that does not match.
	ErrTampered = errors.New("audit: log does not verify")
	// ErrNoRecord: [Store.RecordAt] found no record at that index, or only
	// the leaf entry of a pruned one.
	ErrNoRecord = errors.New("audit: no such record")
	// ErrBadSignature: a checkpoint, receipt or proof failed verification.
	ErrBadSignature = errors.New("audit: signature or proof does not verify")
)

// Record is one audit record: one action of a node, shaped after the LDV.
type Record struct {
	TraceID      [16]byte
	SpanID       [8]byte
	ParentSpanID [8]byte // zero = absent

	Name       Action // see vocab.go
	StatusCode Status

	StartTime, EndTime time.Time // stored with millisecond precision

	ForeignTraceID [16]byte
	ForeignSpanID  [8]byte
	ForeignEntity  string // ForeignEntity(OIN): "urn:oin:<OIN>"

	Side       Side
	DecisionID string
	Allow      bool

	Flow, Purpose, Basis                   string
	HolderOIN, RecipientOIN, RecipientRole string

	Subject string // Pseudonym(secret, bsn): 64 lower-case hex characters; never a BSN

	CategoriesReleased []string
	CategoriesWithheld []string // "category:CODE"

	ReasonCodes, Obligations, ConsentsUsed []string

	PolicyRevision string
	RetentionDays  int
	PayloadDigest  string // "sha256:<hex>" of the released payload, "" for a deny

	// ReceiptDigest binds the holder's receipt that the recipient stores with
	// this record (see [ReceiptDigest]); "" when none is stored. Deleting or
	// replacing a stored receipt therefore breaks verification.
	ReceiptDigest string

	// What the requesting organisation (or the sender) stated and signed:
	// the support relation, its case reference, a pseudonymous reference to
	// the professional, and the digest of its signed statement (kept with
	// the record, see [With]).
	Relation        bool
	CaseReference   string
	Professional    string
	StatementDigest string

	// ConsentDigest binds a consent's content into its register or withdraw
	// record ("sha256:<hex>", see consent.Digest); "" on other records. The
	// holder uses a consent only while its row matches the digest of its
	// latest record, and `audit verify --config` compares every row.
	ConsentDigest string

	// InzageMark is the mark an ActionInzageMark record sets on an earlier
	// record of this log ("<mark>:<index>", see package inzage); "" on
	// other records.
	InzageMark string
}

// Stored is a record as read back from a store.
type Stored struct {
	Index    uint64
	LeafHash []byte
	Record   Record
}

// Pseudonym returns the keyed pseudonym of a child: hex(HMAC-SHA256(secret, bsn)). The
// same secret and BSN always give the same pseudonym; without the secret it cannot be
// reversed by trying all nine-digit numbers. Keep the secret as secret as a private key:
// whoever has it can test BSNs against the log.
func Pseudonym(secret []byte, bsn string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strings.TrimSpace(bsn)))
	return hex.EncodeToString(m.Sum(nil))
}

// canonicalBody fixes the field order of the canonical JSON body. Changing it changes
// every leaf hash: add a new version instead.
type canonicalBody struct {
	V                  int      `json:"v"`
	TraceID            string   `json:"trace_id"`
	SpanID             string   `json:"span_id"`
	ParentSpanID       string   `json:"parent_span_id"`
	Name               string   `json:"name"`
	StatusCode         int      `json:"status_code"`
	StartMS            int64    `json:"start_ms"`
	EndMS              int64    `json:"end_ms"`
	ForeignTraceID     string   `json:"foreign_trace_id"`
	ForeignSpanID      string   `json:"foreign_span_id"`
	ForeignEntity      string   `json:"foreign_entity"`
	Side               string   `json:"side"`
	DecisionID         string   `json:"decision_id"`
	Allow              bool     `json:"allow"`
	Flow               string   `json:"flow"`
	Purpose            string   `json:"purpose"`
	Basis              string   `json:"basis"`
	HolderOIN          string   `json:"holder_oin"`
	RecipientOIN       string   `json:"recipient_oin"`
	RecipientRole      string   `json:"recipient_role"`
	Subject            string   `json:"subject"`
	CategoriesReleased []string `json:"categories_released"`
	CategoriesWithheld []string `json:"categories_withheld"`
	ReasonCodes        []string `json:"reason_codes"`
	Obligations        []string `json:"obligations"`
	ConsentsUsed       []string `json:"consents_used"`
	PolicyRevision     string   `json:"policy_revision"`
	RetentionDays      int      `json:"retention_days"`
	PayloadDigest      string   `json:"payload_digest"`
	// Fields added after version 1 are omitted when empty, so the bodies (and
	// leaf hashes) of records without them are unchanged.
	ReceiptDigest   string `json:"receipt_digest,omitempty"`
	Relation        bool   `json:"relation,omitempty"`
	CaseReference   string `json:"case_reference,omitempty"`
	Professional    string `json:"professional,omitempty"`
	StatementDigest string `json:"statement_digest,omitempty"`
	ConsentDigest   string `json:"consent_digest,omitempty"`
	InzageMark      string `json:"inzage_mark,omitempty"`
}

func sortedCopy(s []string) []string {
	c := make([]string, len(s))
	copy(c, s)
	slices.Sort(c)
	return c
}

// CanonicalBody returns the canonical JSON body of r (see the package comment).
func CanonicalBody(r *Record) []byte {
	b := canonicalBody{
		V:                  1,
		TraceID:            hex.EncodeToString(r.TraceID[:]),
		SpanID:             hex.EncodeToString(r.SpanID[:]),
		ParentSpanID:       hex.EncodeToString(r.ParentSpanID[:]),
		Name:               string(r.Name),
		StatusCode:         int(r.StatusCode),
		StartMS:            r.StartTime.UnixMilli(),
		EndMS:              r.EndTime.UnixMilli(),
		ForeignTraceID:     hex.EncodeToString(r.ForeignTraceID[:]),
		ForeignSpanID:      hex.EncodeToString(r.ForeignSpanID[:]),
		ForeignEntity:      r.ForeignEntity,
		Side:               string(r.Side),
		DecisionID:         r.DecisionID,
		Allow:              r.Allow,
		Flow:               r.Flow,
		Purpose:            r.Purpose,
		Basis:              r.Basis,
		HolderOIN:          r.HolderOIN,
		RecipientOIN:       r.RecipientOIN,
		RecipientRole:      r.RecipientRole,
		Subject:            r.Subject,
		CategoriesReleased: sortedCopy(r.CategoriesReleased),
		CategoriesWithheld: sortedCopy(r.CategoriesWithheld),
		ReasonCodes:        sortedCopy(r.ReasonCodes),
		Obligations:        sortedCopy(r.Obligations),
		ConsentsUsed:       sortedCopy(r.ConsentsUsed),
		PolicyRevision:     r.PolicyRevision,
		RetentionDays:      r.RetentionDays,
		PayloadDigest:      r.PayloadDigest,
		ReceiptDigest:      r.ReceiptDigest,
		Relation:           r.Relation,
		CaseReference:      r.CaseReference,
		Professional:       r.Professional,
		StatementDigest:    r.StatementDigest,
		ConsentDigest:      r.ConsentDigest,
		InzageMark:         r.InzageMark,
	}
	out, err := json.Marshal(&b)
	if err != nil { // cannot happen: only strings, ints and bools
		panic(err)
	}
	return out
}

// Expiry is the moment after which Prune may delete the record's details.
func Expiry(r *Record) time.Time {
	return time.UnixMilli(r.StartTime.UnixMilli() + int64(r.RetentionDays)*86400000).UTC()
}

const entrySize = 1 + 8 + sha256.Size

// LeafEntry returns the canonical record bytes, the 41-byte Merkle leaf data of r.
func LeafEntry(r *Record) []byte {
	return makeEntry(Expiry(r).UnixMilli(), CanonicalBody(r))
}

func makeEntry(expiresMS int64, body []byte) []byte {
	e := make([]byte, 0, entrySize)
	e = append(e, 1)
	e = binary.BigEndian.AppendUint64(e, uint64(expiresMS))
	d := sha256.Sum256(body)
	return append(e, d[:]...)
}

// parseEntry checks an entry's shape and returns its expiry and body digest.
func parseEntry(e []byte) (expiresMS int64, digest []byte, ok bool) {
	if len(e) != entrySize || e[0] != 1 {
		return 0, nil, false
	}
	return int64(binary.BigEndian.Uint64(e[1:9])), e[9:], true
}

// LeafHash returns the RFC 6962 leaf hash of r: SHA-256(0x00 || LeafEntry(r)). The
// recipient recomputes it from the fields it received to check a [Commit].
func LeafHash(r *Record) []byte {
	h := tlog.RecordHash(LeafEntry(r))
	return h[:]
}

func decodeBody(body []byte) (Record, error) {
	var b canonicalBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return Record{}, err
	}
	if b.V != 1 {
		return Record{}, fmt.Errorf("unknown body version %d", b.V)
	}
	var r Record
	if err := unhex(r.TraceID[:], b.TraceID); err != nil {
		return Record{}, err
	}
	if err := unhex(r.SpanID[:], b.SpanID); err != nil {
		return Record{}, err
	}
	if err := unhex(r.ParentSpanID[:], b.ParentSpanID); err != nil {
		return Record{}, err
	}
	if err := unhex(r.ForeignTraceID[:], b.ForeignTraceID); err != nil {
		return Record{}, err
	}
	if err := unhex(r.ForeignSpanID[:], b.ForeignSpanID); err != nil {
		return Record{}, err
	}
	r.Name, r.StatusCode = Action(b.Name), Status(b.StatusCode)
	r.StartTime, r.EndTime = time.UnixMilli(b.StartMS).UTC(), time.UnixMilli(b.EndMS).UTC()
	r.ForeignEntity, r.Side, r.DecisionID, r.Allow = b.ForeignEntity, Side(b.Side), b.DecisionID, b.Allow
	r.Flow, r.Purpose, r.Basis = b.Flow, b.Purpose, b.Basis
	r.HolderOIN, r.RecipientOIN, r.RecipientRole = b.HolderOIN, b.RecipientOIN, b.RecipientRole
	r.Subject = b.Subject
	r.CategoriesReleased, r.CategoriesWithheld = b.CategoriesReleased, b.CategoriesWithheld
	r.ReasonCodes, r.Obligations, r.ConsentsUsed = b.ReasonCodes, b.Obligations, b.ConsentsUsed
	r.PolicyRevision, r.RetentionDays, r.PayloadDigest = b.PolicyRevision, b.RetentionDays, b.PayloadDigest
	r.ReceiptDigest = b.ReceiptDigest
	r.Relation, r.CaseReference, r.Professional, r.StatementDigest = b.Relation, b.CaseReference, b.Professional, b.StatementDigest
	r.ConsentDigest = b.ConsentDigest
	r.InzageMark = b.InzageMark
	return r, nil
}

func unhex(dst []byte, s string) error {
	if hex.DecodedLen(len(s)) != len(dst) {
		return fmt.Errorf("bad id length %q", s)
	}
	_, err := hex.Decode(dst, []byte(s))
	return err
}

// isPseudonym reports whether s has the shape of a Pseudonym: 64 lower-case hex digits.
func isPseudonym(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Bounds of one record, the last line behind the bounds every receiver
// applies to what a peer sends (release.ValidateStatement, ValidateClaims):
// whatever reaches the log, a denial included, stores at most
// MaxFieldBytes per field and MaxListEntries per list. A record over them
// is refused (and so is what it records: fail closed).
const (
	MaxFieldBytes  = 4096
	MaxListEntries = 64
)

// validate refuses records that must never be written.
func validate(r *Record) error {
	var errs []error
	if err := r.Name.valid(); err != nil {
		errs = append(errs, err)
	}
	if r.Side != SideHolder && r.Side != SideRecipient {
		errs = append(errs, fmt.Errorf("side %q is not holder or recipient", r.Side))
	}
	if r.StatusCode < StatusUnset || r.StatusCode > StatusError {
		errs = append(errs, fmt.Errorf("status code %d", r.StatusCode))
	}
	if r.Subject != "" && !isPseudonym(r.Subject) {
		errs = append(errs, errors.New("subject is not a pseudonym (64 lower-case hex digits)"))
	}
	if r.RetentionDays <= 0 {
		errs = append(errs, errors.New("retention days must be positive"))
	}
	if r.StartTime.IsZero() || r.EndTime.IsZero() {
		errs = append(errs, errors.New("start and end time are required"))
	}
	if r.PayloadDigest != "" && !strings.HasPrefix(r.PayloadDigest, "sha256:") {
		errs = append(errs, errors.New(`payload digest must be "sha256:<hex>"`))
	}
	if r.ReceiptDigest != "" && !strings.HasPrefix(r.ReceiptDigest, "sha256:") {
		errs = append(errs, errors.New(`receipt digest must be "sha256:<hex>"`))
	}
	if r.ConsentDigest != "" && !strings.HasPrefix(r.ConsentDigest, "sha256:") {
		errs = append(errs, errors.New(`consent digest must be "sha256:<hex>"`))
	}
	if (r.Name == ActionInzageMark) != (r.InzageMark != "") {
		errs = append(errs, errors.New("an inzage mark belongs on an inzage mark record, and such a record needs one"))
	} else if r.InzageMark != "" {
		if _, _, err := ParseInzageMark(r.InzageMark); err != nil {
			errs = append(errs, err)
		}
	}
	strs := []string{r.CaseReference, r.Professional, r.StatementDigest, string(r.Name), r.ForeignEntity, r.DecisionID, r.Flow, r.Purpose, r.Basis,
		r.HolderOIN, r.RecipientOIN, r.RecipientRole, r.PolicyRevision, r.PayloadDigest}
	for _, l := range [][]string{r.CategoriesReleased, r.CategoriesWithheld, r.ReasonCodes, r.Obligations, r.ConsentsUsed} {
		strs = append(strs, l...)
	}
	for _, l := range [][]string{r.CategoriesReleased, r.CategoriesWithheld, r.ReasonCodes, r.Obligations, r.ConsentsUsed} {
		if len(l) > MaxListEntries {
			errs = append(errs, fmt.Errorf("a list field has %d entries (at most %d)", len(l), MaxListEntries))
			break
		}
	}
	for _, s := range strs {
		if !utf8.ValidString(s) {
			errs = append(errs, errors.New("a field is not valid UTF-8"))
			break
		}
	}
	for _, s := range strs {
		if len(s) > MaxFieldBytes {
			errs = append(errs, fmt.Errorf("a field is %d bytes long (at most %d)", len(s), MaxFieldBytes))
			break
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalidRecord, errors.Join(errs...))
	}
	return nil
}

// LoadSecret reads the node's pseudonym secret from a file: the file's bytes with
// surrounding white space removed, at least 32 bytes. The node and `schakel audit
// inzage` must both read the secret this way, or inzage finds nothing.
func LoadSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit: secret: %w", err)
	}
	b = bytes.TrimSpace(b)
	if len(b) < 32 {
		return nil, fmt.Errorf("audit: secret in %s is shorter than 32 bytes", path)
	}
	return b, nil
}
