// Package monitor is the regional monitoring of flow M1 (RULES.md
// "Regional monitoring"): a node counts its own holder-side decisions from
// its audit log by the pack's fixed dimensions, the pack suppresses small
// cells and refuses the G flows, the node signs the table with its
// organisation key and sends it to the kennispunt's node; the kennispunt
// verifies each export against the sending node's certificate, keeps it and
// builds the regional report. Nothing per child is counted or sent.
package monitor

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/policy"
)

// The flow and purpose of a monitoring export.
const (
	Flow    = "M1"
	Purpose = "monitoring_samenwerking"
	// Suppressed is a count below the small-cell threshold as it leaves.
	Suppressed = "<10"
	// Version of the export's JSON form.
	Version = 1
)

// Export is what a node sends to the kennispunt: its counts by the pack's
// dimensions, small cells suppressed. It is signed as its JSON bytes.
type Export struct {
	Version        int       `json:"version"`
	NodeOIN        string    `json:"node_oin"`
	CreatedAt      time.Time `json:"created_at"`
	PolicyRevision string    `json:"policy_revision"`
	Dimensions     []string  `json:"dimensions"`
	// Rows hold every dimension as a string and "count": a whole number of
	// at least the threshold, or "<10".
	Rows []map[string]any `json:"rows"`
}

// Counted decisions: each exchange once, on the holder side.
var countedActions = []audit.Action{audit.ActionRequestDecide, audit.ActionNotifyDecide, audit.ActionConsultSend}

// CountInput is what Count needs besides the log.
type CountInput struct {
	Self       identity.Peer
	Directory  *identity.Directory
	Pack       *policy.Pack
	Dimensions []string
}

// Count counts the node's own holder-side decisions in its audit log by
// dims, leaving out the pack's excluded flows (G1 to G4), records without
// a flow of the pack (a request that matched no flow) and records whose
// counterpart is no longer in the directory (skipped reports how many).
// Rows are sorted by their dimensions; counts are int64.
func Count(ctx context.Context, st audit.Store, in CountInput) (rows []map[string]any, skipped int, err error) {
	data := in.Pack.Data()
	excluded := data.Monitoring.ExcludedFlows
	schoolType := map[string]bool{}
	for _, o := range data.OrgTypes {
		schoolType[o.ID] = o.School
	}
	known := map[string]bool{"": true}
	for _, c := range append(slices.Clone(policy.ReasonCodes), policy.GatewayReasonCodes...) {
		known[c] = true
	}
	counts := map[string]int64{}
	keys := map[string]map[string]any{}
	err = st.EachRecord(ctx, func(s audit.Stored) error {
		r := s.Record
		if r.Side != audit.SideHolder || !slices.Contains(countedActions, r.Name) || r.HolderOIN != in.Self.OIN {
			return nil
		}
		if slices.Contains(excluded, r.Flow) {
			return nil
		}
		if _, ok := in.Pack.Flow(r.Flow); !ok || !in.Pack.HasPurpose(r.Purpose) {
			skipped++
			return nil
		}
		peer, ok := in.Directory.Lookup(r.RecipientOIN)
		if !ok {
			skipped++
			return nil
		}
		outcome, reason := "deny", ""
		if r.Allow && r.StatusCode != audit.StatusError {
			outcome = "allow"
		} else {
			for _, c := range r.ReasonCodes {
				if known[c] && c != "" {
					reason = c
					break
				}
			}
			if reason == "" && len(r.ReasonCodes) > 0 {
				skipped++
				return nil
			}
		}
		school := ""
		if schoolType[in.Self.OrgType] {
			school = in.Self.OIN
		} else if schoolType[peer.OrgType] {
			school = peer.OIN
		}
		all := map[string]string{
			"flow": r.Flow, "purpose": r.Purpose, "outcome": outcome, "reason": reason,
			"counterpart_org_type": peer.OrgType, "school_oin": school, "month": r.StartTime.UTC().Format("2006-01"),
		}
		row := map[string]any{}
		var k []string
		for _, d := range in.Dimensions {
			row[d] = all[d]
			k = append(k, all[d])
		}
		key := strings.Join(k, "\x00")
		keys[key] = row
		counts[key]++
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	order := make([]string, 0, len(keys))
	for k := range keys {
		order = append(order, k)
	}
	sort.Strings(order)
	for _, k := range order {
		row := keys[k]
		row["count"] = counts[k]
		rows = append(rows, row)
	}
	return rows, skipped, nil
}

// Sign signs the export's bytes with the organisation key: ECDSA (ASN.1)
// or RSA PKCS #1 v1.5 over SHA-256.
func Sign(signer crypto.Signer, export []byte) ([]byte, error) {
	h := sha256.Sum256(export)
	return signer.Sign(rand.Reader, h[:], crypto.SHA256)
}

// ErrRefused is an export the kennispunt does not keep (bad signature, a
// node that is not the sender, a row that is not allowed).
var ErrRefused = errors.New("monitor: export refused")

func refusedf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))
}

// Verify checks sig over export with the key of cert.
func Verify(cert *x509.Certificate, export, sig []byte) error {
	h := sha256.Sum256(export)
	switch k := cert.PublicKey.(type) {
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, h[:], sig) {
			return refusedf("the signature does not match the sending node's certificate")
		}
	case *rsa.PublicKey:
		if rsa.VerifyPKCS1v15(k, crypto.SHA256, h[:], sig) != nil {
			return refusedf("the signature does not match the sending node's certificate")
		}
	default:
		return refusedf("the sending node's certificate has a key type that cannot sign exports")
	}
	return nil
}

// Parse reads and checks an export: known version, the node named, every
// row exactly dims and count, every count "<10" or a whole number of at
// least smallCell, no excluded flow. Anything else refuses the export.
func Parse(b []byte, excluded []string, smallCell int) (Export, error) {
	var e Export
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return Export{}, refusedf("not an export: %v", err)
	}
	if e.Version != Version {
		return Export{}, refusedf("export version %d, want %d", e.Version, Version)
	}
	if len(e.Dimensions) == 0 {
		return Export{}, refusedf("the export names no dimensions")
	}
	for _, d := range e.Dimensions {
		if !slices.Contains(policy.MonitoringDimensions, d) {
			return Export{}, refusedf("dimension %q is not a monitoring dimension", d)
		}
	}
	for i, row := range e.Rows {
		if len(row) != len(e.Dimensions)+1 {
			return Export{}, refusedf("row %d has other fields than the dimensions and count", i)
		}
		for _, d := range e.Dimensions {
			if _, ok := row[d].(string); !ok {
				return Export{}, refusedf("row %d: %s is missing or not text", i, d)
			}
		}
		if f, ok := row["flow"].(string); ok && slices.Contains(excluded, f) {
			return Export{}, refusedf("row %d counts flow %s, which is never counted", i, row["flow"])
		}
		switch c := row["count"].(type) {
		case string:
			if c != Suppressed {
				return Export{}, refusedf("row %d: count %q", i, c)
			}
		case json.Number:
			n, err := c.Int64()
			if err != nil || n < int64(smallCell) {
				return Export{}, refusedf("row %d: count %s is below the threshold and not suppressed", i, c)
			}
			row["count"] = n
		default:
			return Export{}, refusedf("row %d: count is missing", i)
		}
	}
	return e, nil
}
