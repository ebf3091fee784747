package consent

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/schakel/schakel/gateway/audit"
)

// Binding a consent to the audit log.
//
// The register (consents.db) is a plain SQLite file: whoever can write the
// data folder can add a row, widen one or clear a withdrawal. The audit log
// is tamper-evident, so each consent change puts a digest of the consent's
// full content (Digest) into its audit record (audit.Record.ConsentDigest),
// and the row keeps the index of that record (Consent.AuditIndex, set by
// Store.Bind). The holder uses a row only when the record at its index is a
// register or withdraw record of the same consent whose digest equals the
// digest of the row as read (Match): one primary-key read per consent.
// `schakel audit verify --config` compares the whole register with every
// consent record of the log (CrossCheck).
//
// Crash order: the row is written first, unbound; then the record is
// appended (durable when Append returns); then the row is bound. A crash
// before the append leaves a row without a record, one before the bind an
// unbound row: neither counts (fail closed), and verify reports both.

// Digest is the digest of a consent's content as stored: "sha256:" and the
// hex SHA-256 of a canonical JSON body (fixed field order, categories sorted,
// times in Unix microseconds, absent times null). subject is the child's
// audit pseudonym (audit.Pseudonym): a BSN in a plain hash could be found by
// trying all nine-digit numbers.
func Digest(c Consent, subject string) string {
	type body struct {
		V            int      `json:"v"`
		ID           string   `json:"id"`
		Subject      string   `json:"subject"`
		GivenBy      string   `json:"given_by"`
		Giver        string   `json:"giver"`
		RecipientOIN string   `json:"recipient_oin"`
		Purpose      string   `json:"purpose"`
		Categories   []string `json:"categories"`
		GivenAtUS    int64    `json:"given_at_us"`
		ValidUntilUS *int64   `json:"valid_until_us"`
		WithdrawnUS  *int64   `json:"withdrawn_at_us"`
	}
	us := func(t *time.Time) *int64 {
		if t == nil {
			return nil
		}
		v := t.UnixMicro()
		return &v
	}
	cats := append([]string{}, c.Categories...)
	slices.Sort(cats)
	if c.HolderOIN != "" {
		// Version 2 adds the holder the consent names; a consent without one
		// keeps its version-1 digest, so registers from before stay bound.
		b, err := json.Marshal(struct {
			body
			HolderOIN string `json:"holder_oin"`
		}{body{V: 2, ID: c.ID, Subject: subject, GivenBy: c.GivenBy, Giver: c.Giver, RecipientOIN: c.RecipientOIN,
			Purpose: c.Purpose, Categories: cats, GivenAtUS: c.GivenAt.UnixMicro(), ValidUntilUS: us(c.ValidUntil), WithdrawnUS: us(c.WithdrawnAt)}, c.HolderOIN})
		if err != nil { // cannot happen: strings and integers only
			panic(err)
		}
		d := sha256.Sum256(b)
		return "sha256:" + hex.EncodeToString(d[:])
	}
	b, err := json.Marshal(body{V: 1, ID: c.ID, Subject: subject, GivenBy: c.GivenBy, Giver: c.Giver, RecipientOIN: c.RecipientOIN,
		Purpose: c.Purpose, Categories: cats, GivenAtUS: c.GivenAt.UnixMicro(), ValidUntilUS: us(c.ValidUntil), WithdrawnUS: us(c.WithdrawnAt)})
	if err != nil { // cannot happen: strings and integers only
		panic(err)
	}
	d := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(d[:])
}

// isConsentRecord reports whether r is a successful consent change about
// one consent.
func isConsentRecord(r *audit.Record) bool {
	return (r.Name == audit.ActionConsentRegister || r.Name == audit.ActionConsentWithdraw) &&
		r.Allow && r.StatusCode != audit.StatusError && len(r.ConsentsUsed) == 1
}

// Match checks the row c (subject: the pseudonym of its BSN) against st, the
// record at c.AuditIndex: a successful register or withdraw record of this
// consent and child whose consent digest equals Digest(c, subject). A nil
// error means the row is as recorded; the error names what differs, never
// the BSN.
func Match(c Consent, subject string, st audit.Stored) error {
	r := &st.Record
	switch {
	case !isConsentRecord(r):
		return fmt.Errorf("audit record %d is not a register or withdraw record of a consent", st.Index)
	case r.ConsentsUsed[0] != c.ID:
		return fmt.Errorf("audit record %d is about consent %s", st.Index, r.ConsentsUsed[0])
	case r.Subject != subject:
		return fmt.Errorf("audit record %d is about another child", st.Index)
	case r.ConsentDigest == "":
		return fmt.Errorf("audit record %d has no consent digest (registered before consents were bound to the log; register it again)", st.Index)
	case r.Name == audit.ActionConsentWithdraw && c.WithdrawnAt == nil:
		return fmt.Errorf("withdrawn in the log (record %d), not in consents.db", st.Index)
	case r.ConsentDigest != Digest(c, subject):
		return fmt.Errorf("content differs from its audit record %d (giver, given_by, recipient, purpose, categories, validity or withdrawal changed?)", st.Index)
	}
	return nil
}

// Finding is one difference CrossCheck found between the register and the
// log. A Tampered finding has no innocent explanation in how Schakel writes
// either; the others (an interrupted registration, a consent registered
// before consents were bound, a register record pruned after its retention)
// leave a consent that the node does not use, and are reported as warnings.
type Finding struct {
	ConsentID string
	Tampered  bool
	Problem   string
}

func (f Finding) String() string { return "consent " + f.ConsentID + ": " + f.Problem }

// CrossCheck compares every row of the register with the log's consent
// records (recs: every record with details, in log order; other records are
// ignored). pseudonym maps a BSN to its audit pseudonym; pruned reports
// whether the log holds index only as a pruned leaf. Consents are never
// deleted from the register, so a register record without its row is
// tampering.
func CrossCheck(rows []Consent, recs []audit.Stored, pseudonym func(bsn string) string, pruned func(index uint64) bool) []Finding {
	byID := map[string][]audit.Stored{}
	for _, st := range recs {
		if isConsentRecord(&st.Record) {
			id := st.Record.ConsentsUsed[0]
			byID[id] = append(byID[id], st)
		}
	}
	var out []Finding
	add := func(id string, tampered bool, format string, args ...any) {
		out = append(out, Finding{ConsentID: id, Tampered: tampered, Problem: fmt.Sprintf(format, args...)})
	}
	seen := map[string]bool{}
	for _, c := range rows {
		seen[c.ID] = true
		subject := pseudonym(c.BSN)
		var reg, wd []audit.Stored
		for _, st := range byID[c.ID] {
			if st.Record.Name == audit.ActionConsentRegister {
				reg = append(reg, st)
			} else {
				wd = append(wd, st)
			}
		}
		if len(reg) == 0 {
			if c.AuditIndex != nil && pruned(*c.AuditIndex) {
				add(c.ID, false, "its audit record %d was pruned (retention); it cannot be checked and the node does not use it", *c.AuditIndex)
			} else {
				add(c.ID, true, "in consents.db but no %s record (inserted, or its registration's audit append failed)", audit.ActionConsentRegister)
			}
			continue
		}
		if len(reg) > 1 {
			add(c.ID, true, "%d %s records (%d and %d)", len(reg), audit.ActionConsentRegister, reg[0].Index, reg[1].Index)
			continue
		}
		r := reg[0]
		if r.Record.Subject != subject {
			add(c.ID, true, "about another child than its %s record %d", audit.ActionConsentRegister, r.Index)
			continue
		}
		if r.Record.ConsentDigest == "" {
			add(c.ID, false, "its %s record %d has no consent digest (registered before consents were bound to the log); the node does not use it until it is registered again",
				audit.ActionConsentRegister, r.Index)
			continue
		}
		asRegistered := c
		asRegistered.WithdrawnAt = nil
		if r.Record.ConsentDigest != Digest(asRegistered, subject) {
			add(c.ID, true, "content differs from its %s record %d (giver, given_by, recipient, purpose, categories or validity changed?)",
				audit.ActionConsentRegister, r.Index)
			continue
		}
		latest := r
		switch {
		case len(wd) > 1:
			add(c.ID, true, "%d %s records", len(wd), audit.ActionConsentWithdraw)
			continue
		case len(wd) == 1 && c.WithdrawnAt == nil:
			add(c.ID, true, "withdrawn in the log (record %d), not in consents.db", wd[0].Index)
			continue
		case len(wd) == 0 && c.WithdrawnAt != nil:
			// Withdrawn all the same (a withdrawal only restricts), but the
			// log and the inzage do not show it.
			add(c.ID, false, "withdrawn in consents.db, but no %s record (a withdrawal whose audit append failed?)",
				audit.ActionConsentWithdraw)
			continue
		case len(wd) == 1:
			if wd[0].Index < r.Index || wd[0].Record.Subject != subject || wd[0].Record.ConsentDigest != Digest(c, subject) {
				add(c.ID, true, "withdrawal differs from its %s record %d", audit.ActionConsentWithdraw, wd[0].Index)
				continue
			}
			latest = wd[0]
		}
		switch {
		case c.AuditIndex == nil:
			add(c.ID, false, "not bound to its audit record %d (a change interrupted before the bind); the node does not use it", latest.Index)
		case *c.AuditIndex != latest.Index:
			// Harmless only when the row points at the consent's own
			// earlier record (an interrupted withdrawal bind).
			tampered := *c.AuditIndex != r.Index
			add(c.ID, tampered, "bound to audit record %d, not to its latest record %d; the node does not use it", *c.AuditIndex, latest.Index)
		}
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if seen[id] {
			continue
		}
		for _, st := range byID[id] {
			if st.Record.Name == audit.ActionConsentRegister {
				add(id, true, "in the log (%s record %d), not in consents.db (deleted?)", audit.ActionConsentRegister, st.Index)
				break
			}
		}
	}
	return out
}
