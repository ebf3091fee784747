package audit

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"strconv"
)

// ldvRecord is one line of the export, in the shape of Logius' Logboek
// Dataverwerkingen: times in Unix milliseconds, ids in lower-case hex, status_code
// 0 unset, 1 ok, 2 error. Attribute keys are sorted (encoding/json sorts map keys).
type ldvRecord struct {
	TraceID          string         `json:"trace_id"`
	SpanID           string         `json:"span_id"`
	ParentSpanID     string         `json:"parent_span_id,omitempty"`
	Name             string         `json:"name"`
	StatusCode       int            `json:"status_code"`
	StartTime        int64          `json:"start_time"`
	EndTime          int64          `json:"end_time"`
	ForeignOperation *ldvForeign    `json:"foreign_operation,omitempty"`
	Resource         ldvResource    `json:"resource"`
	Attributes       map[string]any `json:"attributes"`
}

type ldvForeign struct {
	TraceID string `json:"trace_id"`
	SpanID  string `json:"span_id"`
	Entity  string `json:"entity"`
}

type ldvResource struct {
	Attributes map[string]string `json:"attributes"`
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// LDV maps a stored record to the Logboek Dataverwerkingen shape; checkpoint is the
// checkpoint the record was first committed under. Nothing in it identifies the child
// other than the pseudonym.
func LDV(st Stored, checkpoint Checkpoint, cfg Config) any {
	r := st.Record
	l := ldvRecord{
		TraceID:    hex.EncodeToString(r.TraceID[:]),
		SpanID:     hex.EncodeToString(r.SpanID[:]),
		Name:       string(r.Name),
		StatusCode: int(r.StatusCode),
		StartTime:  r.StartTime.UnixMilli(),
		EndTime:    r.EndTime.UnixMilli(),
		Resource:   ldvResource{Attributes: map[string]string{"service.name": "schakel"}},
	}
	if !isZero(r.ParentSpanID[:]) {
		l.ParentSpanID = hex.EncodeToString(r.ParentSpanID[:])
	}
	if !isZero(r.ForeignTraceID[:]) || !isZero(r.ForeignSpanID[:]) || r.ForeignEntity != "" {
		l.ForeignOperation = &ldvForeign{TraceID: hex.EncodeToString(r.ForeignTraceID[:]),
			SpanID: hex.EncodeToString(r.ForeignSpanID[:]), Entity: r.ForeignEntity}
	}
	if cfg.ServiceVersion != "" {
		l.Resource.Attributes["service.version"] = cfg.ServiceVersion
	}
	if cfg.OIN != "" {
		l.Resource.Attributes["schakel.oin"] = cfg.OIN
	}
	a := map[string]any{
		"dpl.core.processing_activity_id": "urn:schakel:flow:" + r.Flow + "@" + r.PolicyRevision,
		"schakel.decision_id":             r.DecisionID,
		"schakel.allow":                   r.Allow,
		"schakel.side":                    r.Side,
		"schakel.flow":                    r.Flow,
		"schakel.purpose":                 r.Purpose,
		"schakel.basis":                   r.Basis,
		"schakel.holder_oin":              r.HolderOIN,
		"schakel.recipient_oin":           r.RecipientOIN,
		"schakel.recipient_role":          r.RecipientRole,
		"schakel.categories_released":     nonNil(r.CategoriesReleased),
		"schakel.categories_withheld":     nonNil(r.CategoriesWithheld),
		"schakel.reason_codes":            nonNil(r.ReasonCodes),
		"schakel.obligations":             nonNil(r.Obligations),
		"schakel.consents_used":           nonNil(r.ConsentsUsed),
		"schakel.policy_revision":         r.PolicyRevision,
		"schakel.log_index":               st.Index,
		"schakel.checkpoint":              strconv.FormatUint(checkpoint.Size, 10) + " " + base64.StdEncoding.EncodeToString(checkpoint.Root),
	}
	if r.Subject != "" {
		a["dpl.core.data_subject_id"] = r.Subject
		a["dpl.core.data_subject_id_type"] = "BSN"
	}
	if r.PayloadDigest != "" {
		a["schakel.payload_digest"] = r.PayloadDigest
	}
	// What the requesting organisation stated and signed.
	if r.Relation {
		a["schakel.relation"] = true
	}
	if r.CaseReference != "" {
		a["schakel.case_reference"] = r.CaseReference
	}
	if r.Professional != "" {
		a["schakel.professional"] = r.Professional
	}
	if r.StatementDigest != "" {
		a["schakel.statement_digest"] = r.StatementDigest
	}
	if r.ConsentDigest != "" {
		a["schakel.consent_digest"] = r.ConsentDigest
	}
	if r.InzageMark != "" {
		a["schakel.inzage_mark"] = r.InzageMark
	}
	l.Attributes = a
	return l
}

// Export implements [Store.Export].
func (s *logStore) Export(ctx context.Context, w io.Writer) error {
	cps, err := s.db.query(ctx, "SELECT size, note FROM "+s.tables.checkpoints+" ORDER BY size")
	if err != nil {
		return err
	}
	defer cps.Close()
	recs, err := s.db.query(ctx, "SELECT idx, entry, body FROM "+s.tables.records+" WHERE body IS NOT NULL ORDER BY idx")
	if err != nil {
		return err
	}
	defer recs.Close()
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	var cp Checkpoint
	for recs.Next() {
		var idx int64
		var entry, body []byte
		if err := recs.Scan(&idx, &entry, &body); err != nil {
			return err
		}
		st, err := decodeStored(idx, entry, body)
		if err != nil {
			return err
		}
		for cp.Size <= uint64(idx) {
			if !cps.Next() {
				if err := cps.Err(); err != nil {
					return err
				}
				return &VerifyError{Index: uint64(idx), Reason: "record not covered by a checkpoint"}
			}
			var size int64
			var note []byte
			if err := cps.Scan(&size, &note); err != nil {
				return err
			}
			if cp, err = ParseCheckpoint(note); err != nil {
				return err
			}
		}
		if err := enc.Encode(LDV(st, cp, s.cfg)); err != nil {
			return err
		}
	}
	if err := recs.Err(); err != nil {
		return err
	}
	return bw.Flush()
}
