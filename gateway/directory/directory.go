// Package directory is the federation's signed peer directory: one file
// listing every organisation (OIN, name, organisation type, gemeente code,
// node address), signed m-of-n like a policy pack (policy/signing), and
// verified before a byte of it is parsed. A node reloads it when it changes
// and keeps the last good one when a new one is refused.
package directory

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"gopkg.in/yaml.v3"

	"github.com/schakel/schakel/gateway/oin"
	"github.com/schakel/schakel/policy/signing"
)

// ErrInvalid marks a directory file that cannot be used.
var ErrInvalid = errors.New("invalid peer directory")

// ErrRollback means a directory's version is not above the one in force.
var ErrRollback = errors.New("peer directory version does not go up")

// MaxFileSize bounds a directory file (hundreds of organisations fit many times over).
const MaxFileSize = 8 << 20

// Entry is one organisation of the federation.
type Entry struct {
	OIN          string `yaml:"oin"`
	Name         string `yaml:"name"`
	OrgType      string `yaml:"org_type"`
	GemeenteCode string `yaml:"gemeente_code,omitempty"`
	// DesignatedGemeenteCode is, for a school (org type school_po,
	// school_vo or school_mbo), the 4-digit CBS code of the gemeente
	// designated for it (optional).
	DesignatedGemeenteCode string `yaml:"designated_gemeente_code,omitempty"`
	Address                string `yaml:"address"`
}

// SchoolOrgTypes are the org types that may have a designated gemeente.
var SchoolOrgTypes = []string{"school_po", "school_vo", "school_mbo"}

// File is a directory: a federation name, a version that only goes up
// (a node refuses an older directory), and the entries sorted by OIN.
type File struct {
	Federation string  `yaml:"federation"`
	Version    uint64  `yaml:"version"`
	Peers      []Entry `yaml:"peers"`
}

// Parse decodes and validates a directory strictly (unknown keys are
// errors) and reports every problem at once.
func Parse(b []byte) (*File, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return &f, nil
}

// Validate reports every problem of the directory, each naming its entry.
func (f *File) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if f.Federation == "" {
		bad("federation", "required")
	}
	if f.Version == 0 {
		bad("version", "required (a positive number that goes up with every new directory)")
	}
	if len(f.Peers) == 0 {
		bad("peers", "at least one organisation is required")
	}
	seen := map[string]bool{}
	for i, p := range f.Peers {
		key := fmt.Sprintf("peers[%d]", i)
		if err := oin.Valid(p.OIN); err != nil {
			bad(key+".oin", "%v", err)
		} else if seen[p.OIN] {
			bad(key+".oin", "duplicate organisation %s", p.OIN)
		}
		seen[p.OIN] = true
		if p.Name == "" {
			bad(key+".name", "required")
		}
		if p.OrgType == "" {
			bad(key+".org_type", "required")
		}
		if p.GemeenteCode != "" && !fourDigits(p.GemeenteCode) {
			bad(key+".gemeente_code", "must be the 4-digit CBS gemeente code, got %q", p.GemeenteCode)
		}
		if p.DesignatedGemeenteCode != "" {
			switch {
			case !slices.Contains(SchoolOrgTypes, p.OrgType):
				bad(key+".designated_gemeente_code", "only for a school (org type school_po, school_vo or school_mbo), not %q", p.OrgType)
			case !fourDigits(p.DesignatedGemeenteCode):
				bad(key+".designated_gemeente_code", "must be the 4-digit CBS gemeente code, got %q", p.DesignatedGemeenteCode)
			}
		}
		if host, port, err := net.SplitHostPort(p.Address); err != nil || host == "" || port == "" {
			bad(key+".address", "%q is not a host:port address", p.Address)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalid, errors.Join(errs...))
	}
	return nil
}

func fourDigits(s string) bool {
	if len(s) != 4 {
		return false
	}
	for i := 0; i < 4; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Marshal returns the canonical bytes of f: entries sorted by OIN. These
// are the bytes that are signed.
func Marshal(f *File) ([]byte, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	c := *f
	c.Peers = append([]Entry(nil), f.Peers...)
	sort.Slice(c.Peers, func(i, j int) bool { return c.Peers[i].OIN < c.Peers[j].OIN })
	var buf bytes.Buffer
	buf.WriteString("# Schakel peer directory. Sign with `schakel directory sign`; do not edit a signed file.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&c); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Digest is "sha256:<hex>" of a directory's bytes.
func Digest(b []byte) string {
	h := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(h[:])
}

// Verified is a directory whose signatures met the threshold.
type Verified struct {
	File    *File
	Digest  string
	Signers []string
}

// ReadFile reads a directory file, bounded by MaxFileSize.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrInvalid, path, MaxFileSize)
	}
	return b, nil
}

// Verify checks the signatures over the directory's bytes against the
// trust first (signing.CheckSignatures: Threshold distinct trusted keys,
// none of them past its Not-After at trust.Now, the same rule as for policy
// packs), and parses only a directory whose signatures meet the threshold.
func Verify(payload []byte, sigs []signing.Signature, trust signing.Trust) (*Verified, error) {
	res, err := signing.CheckSignatures(payload, sigs, trust)
	if err != nil {
		return nil, fmt.Errorf("peer directory: %w", err)
	}
	f, err := Parse(payload)
	if err != nil {
		return nil, err
	}
	return &Verified{File: f, Digest: Digest(payload), Signers: res.SignerNames()}, nil
}

// VerifyFiles reads the directory and its signature files and verifies
// them (signing.FindSignatures names the default signature files).
func VerifyFiles(path string, sigPaths []string, trust signing.Trust) (*Verified, error) {
	payload, err := ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("peer directory: %w", err)
	}
	sigs := make([]signing.Signature, 0, len(sigPaths))
	for _, p := range sigPaths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("peer directory: %w", err)
		}
		if len(b) > signing.MaxSignatureSize {
			return nil, fmt.Errorf("peer directory: signature %s is too large", p)
		}
		sigs = append(sigs, signing.Signature{Source: filepath.Base(p), Data: b})
	}
	return Verify(payload, sigs, trust)
}

// Change is one difference between two directories.
type Change struct {
	Kind string // added, removed, changed
	Old  *Entry
	New  *Entry
}

// Diff lists what changed from old to next, by OIN.
func Diff(old, next *File) []Change {
	o, n := map[string]Entry{}, map[string]Entry{}
	for _, e := range old.Peers {
		o[e.OIN] = e
	}
	for _, e := range next.Peers {
		n[e.OIN] = e
	}
	var oins []string
	for k := range o {
		oins = append(oins, k)
	}
	for k := range n {
		if _, ok := o[k]; !ok {
			oins = append(oins, k)
		}
	}
	sort.Strings(oins)
	var out []Change
	for _, k := range oins {
		oe, inOld := o[k]
		ne, inNew := n[k]
		switch {
		case inOld && !inNew:
			out = append(out, Change{Kind: "removed", Old: &oe})
		case !inOld && inNew:
			out = append(out, Change{Kind: "added", New: &ne})
		case oe != ne:
			out = append(out, Change{Kind: "changed", Old: &oe, New: &ne})
		}
	}
	return out
}
