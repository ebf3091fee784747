// Package config loads and validates a node's YAML configuration. Loading is
// strict: an unknown key is an error, relative paths are resolved against the
// configuration file's folder, strings become typed values at load time, and
// Validate reports every problem at once.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/schakel/schakel/gateway/oin"
)

// ErrInvalid marks a configuration that cannot be used.
var ErrInvalid = errors.New("invalid configuration")

// Config is one node's configuration.
type Config struct {
	// Path is the file the configuration was loaded from (not a YAML key).
	Path string `yaml:"-"`

	Node     Node     `yaml:"node"`
	Listen   Listen   `yaml:"listen"`
	Identity Identity `yaml:"identity"`
	Trust    Trust    `yaml:"trust"`
	Local    Local    `yaml:"local"`
	Peers    []Peer   `yaml:"peers"`
	Source   Source   `yaml:"source"`
	DataDir  string   `yaml:"data_dir"`
	Policy   Policy   `yaml:"policy"`
	Audit    Audit    `yaml:"audit"`
	Limits   Limits   `yaml:"limits"`
	Notify   Notify   `yaml:"notify"`
	Consents Consents `yaml:"consents"`
	Tracing  Tracing  `yaml:"tracing"`
	LogLevel string   `yaml:"log_level"`

	// Directory is the signed peer directory (trust.go).
	Directory Directory `yaml:"directory"`

	// Console is the web console (console.go).
	Console Console `yaml:"console"`
}

// Tracing exports OpenTelemetry traces over OTLP/gRPC: one trace per
// exchange, across both nodes (W3C traceparent). Off unless otlp_endpoint
// is set. Spans carry methods, codes, OINs, flows and decision ids, never a
// BSN or a record value.
type Tracing struct {
	// OTLPEndpoint is the collector's host:port (OTLP/gRPC, usually 4317).
	OTLPEndpoint string `yaml:"otlp_endpoint"`
	// Insecure sends traces without TLS (a collector on loopback only).
	Insecure bool `yaml:"insecure"`
	// CA is a PEM file to verify the collector's certificate; empty uses
	// the system roots.
	CA string `yaml:"ca"`
	// SampleRatio is the share of new traces recorded, 0..1 (default 1); a
	// caller's sampled traceparent is always followed.
	SampleRatio *float64 `yaml:"sample_ratio"`
}

// Enabled reports whether traces are exported.
func (t Tracing) Enabled() bool { return t.OTLPEndpoint != "" }

// Node is this organisation.
type Node struct {
	OIN     string `yaml:"oin"`
	Name    string `yaml:"name"`
	OrgType string `yaml:"org_type"`
	// Gemeente is the CBS municipality code ("GM0153") of a node whose org
	// type is gemeente: the residence rule compares it with the child's
	// woongemeente. Required for org type gemeente, refused for others.
	Gemeente string `yaml:"gemeente"`
	// DesignatedGemeente is, for a school, the CBS code ("GM0153") of the
	// gemeente designated for it; optional, refused for other org types.
	// Where the pack switches it on (A1, B1) that gemeente passes the
	// residence rule for this school's pupils.
	DesignatedGemeente string `yaml:"designated_gemeente"`
}

// Listen holds the listen addresses. Peer is the mutual-TLS listener for other
// organisations' nodes; Local is for the organisation's own systems; Metrics
// serves Prometheus metrics and health over plain HTTP (bind it to loopback).
// Pprof adds the Go profiler (net/http/pprof) under /debug/pprof/ on the
// metrics listener; off by default, for profiling (`make bench`).
type Listen struct {
	Peer    string `yaml:"peer"`
	Local   string `yaml:"local"`
	Metrics string `yaml:"metrics"`
	Pprof   bool   `yaml:"pprof"`
}

// Identity is the organisation certificate (OIN in subject serialNumber) and key.
type Identity struct {
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
	// PreviousCerts are the organisation's earlier certificates, after a
	// renewal with a new key: the audit checkpoints signed with their keys
	// stay valid for the records within each certificate's validity.
	PreviousCerts []string `yaml:"previous_certs"`
}

// Trust lists the federation trust anchors that peers' certificates must chain to.
type Trust struct {
	Anchors []string `yaml:"anchors"`
	CRLs    []string `yaml:"crls"`

	Revocation `yaml:",inline"` // the other trust: keys, in trust.go
}

// Local configures how the organisation's own systems authenticate: a client
// certificate issued by ClientCA (the organisation's own CA).
type Local struct {
	ClientCA string `yaml:"client_ca"`

	LocalAccess `yaml:",inline"` // the other local: keys, in trust.go
	// Reflection serves gRPC server reflection on the local listener
	// (grpcurl and similar tools list and call the local API without the
	// .proto files). Absent means on; false turns it off. The peer
	// listener never serves reflection.
	Reflection *bool `yaml:"reflection"`
}

// ReflectionEnabled reports whether the local listener serves gRPC server
// reflection (default true).
func (l Local) ReflectionEnabled() bool { return l.Reflection == nil || *l.Reflection }

// Peer is an entry of the peer directory.
type Peer struct {
	OIN     string `yaml:"oin"`
	Name    string `yaml:"name"`
	OrgType string `yaml:"org_type"`
	Address string `yaml:"address"`
	// Gemeente is the peer's CBS municipality code when its org type is
	// gemeente (required then, refused otherwise).
	Gemeente string `yaml:"gemeente"`
	// DesignatedGemeente is, for a school peer, the CBS code of the gemeente
	// designated for it (optional, refused for other org types).
	DesignatedGemeente string `yaml:"designated_gemeente"`
}

// gemeenteRE is a CBS municipality code: GM and four digits.
var gemeenteRE = regexp.MustCompile(`^GM[0-9]{4}$`)

// ValidGemeente reports whether s is a CBS municipality code ("GM0153").
func ValidGemeente(s string) bool { return gemeenteRE.MatchString(s) }

// Source says where the node fetches the organisation's data: an embedded
// SQLite file (filled from Fixture when empty) or a gRPC source service.
type Source struct {
	SQLite  string     `yaml:"sqlite"`
	Fixture string     `yaml:"fixture"`
	GRPC    SourceGRPC `yaml:"grpc"`
	Timeout Duration   `yaml:"timeout"`
}

// SourceGRPC is a gRPC source service reached over TLS.
type SourceGRPC struct {
	Address string `yaml:"address"`
	CA      string `yaml:"ca"`
	Cert    string `yaml:"cert"`
	Key     string `yaml:"key"`
}

// Policy says which pack the node runs. An empty Bundle means the default pack
// built into the binary (development only unless signatures are configured).
type Policy struct {
	// Builtin runs the pack built into the binary, unsigned: for development
	// and tests only. Without it a node needs a signed bundle.
	Builtin    bool     `yaml:"builtin"`
	Bundle     string   `yaml:"bundle"`
	Signatures []string `yaml:"signatures"`
	Trusted    string   `yaml:"trusted_keys"`
	Threshold  int      `yaml:"threshold"`
}

// Audit configures the audit log. Store is empty (SQLite in the data
// directory) or a postgres:// URL; SecretFile holds the pseudonym secret.
// Schema is the PostgreSQL schema of the tables (default schakel_audit).
type Audit struct {
	Store      string   `yaml:"store"`
	Schema     string   `yaml:"schema"`
	SecretFile string   `yaml:"secret_file"`
	MaxBatch   int      `yaml:"max_batch"`
	Window     Duration `yaml:"batch_window"`
}

// Limits bound what a peer can make the node do.
type Limits struct {
	MaxMessageBytes int      `yaml:"max_message_bytes"`
	ClockSkew       Duration `yaml:"clock_skew"`
	RequestTimeout  Duration `yaml:"request_timeout"`
	PeerRate        float64  `yaml:"peer_rate"`
	PeerBurst       int      `yaml:"peer_burst"`
	PeerConcurrency int      `yaml:"peer_concurrency"`
}

// Consents bounds the consents the organisation's systems register.
type Consents struct {
	// MaxAge is how far back a consent's given_at may lie when it is
	// registered (default two years); a given_at in the future is refused.
	MaxAge Duration `yaml:"max_age"`
}

// Notify configures notification delivery.
type Notify struct {
	MaxAge       Duration `yaml:"max_age"`
	RetryInitial Duration `yaml:"retry_initial"`
	RetryMax     Duration `yaml:"retry_max"`
	PerPeer      int      `yaml:"per_peer"`
}

// Duration is a time.Duration written as "1.5s" in YAML.
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return fmt.Errorf("line %d: want a duration like \"5s\"", n.Line)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration like \"5s\"", n.Line, s)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration as a string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Load reads, resolves and validates the configuration at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	c, err := Parse(data, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c.Path = path
	return c, nil
}

// Parse decodes a configuration strictly, resolves relative paths against
// base, applies defaults and validates it.
func Parse(data []byte, base string) (*Config, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	c.resolve(base)
	c.defaults(base)
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Config) resolve(base string) {
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(base, *p)
		}
	}
	abs(&c.Identity.Cert)
	abs(&c.Identity.Key)
	for i := range c.Identity.PreviousCerts {
		abs(&c.Identity.PreviousCerts[i])
	}
	for i := range c.Trust.Anchors {
		abs(&c.Trust.Anchors[i])
	}
	for i := range c.Trust.CRLs {
		abs(&c.Trust.CRLs[i])
	}
	abs(&c.Local.ClientCA)
	c.resolveTrust(abs)
	abs(&c.Source.SQLite)
	abs(&c.Source.Fixture)
	abs(&c.Source.GRPC.CA)
	abs(&c.Source.GRPC.Cert)
	abs(&c.Source.GRPC.Key)
	abs(&c.DataDir)
	abs(&c.Policy.Bundle)
	for i := range c.Policy.Signatures {
		abs(&c.Policy.Signatures[i])
	}
	abs(&c.Policy.Trusted)
	if !strings.HasPrefix(c.Audit.Store, "postgres://") && !strings.HasPrefix(c.Audit.Store, "postgresql://") {
		abs(&c.Audit.Store)
	}
	abs(&c.Audit.SecretFile)
	abs(&c.Tracing.CA)
}

func (c *Config) defaults(base string) {
	if c.DataDir == "" {
		c.DataDir = filepath.Join(base, "data")
	}
	if c.Source.SQLite == "" && c.Source.GRPC.Address == "" && c.DataDir != "" {
		c.Source.SQLite = filepath.Join(c.DataDir, "source.db")
	}
	if c.Source.Timeout == 0 {
		c.Source.Timeout = Duration(5 * time.Second)
	}
	if c.Audit.Store == "" && c.DataDir != "" {
		c.Audit.Store = filepath.Join(c.DataDir, "audit.db")
	}
	if c.Audit.SecretFile == "" && c.DataDir != "" {
		c.Audit.SecretFile = filepath.Join(c.DataDir, "pseudonym.secret")
	}
	if c.Audit.MaxBatch == 0 {
		c.Audit.MaxBatch = 256
	}
	if c.Limits.MaxMessageBytes == 0 {
		c.Limits.MaxMessageBytes = 4 << 20
	}
	if c.Limits.ClockSkew == 0 {
		c.Limits.ClockSkew = Duration(2 * time.Minute)
	}
	if c.Limits.RequestTimeout == 0 {
		c.Limits.RequestTimeout = Duration(10 * time.Second)
	}
	if c.Limits.PeerRate == 0 {
		c.Limits.PeerRate = 2000
	}
	if c.Limits.PeerBurst == 0 {
		c.Limits.PeerBurst = 4000
	}
	if c.Limits.PeerConcurrency == 0 {
		c.Limits.PeerConcurrency = 256
	}
	if c.Notify.MaxAge == 0 {
		c.Notify.MaxAge = Duration(72 * time.Hour)
	}
	if c.Notify.RetryInitial == 0 {
		c.Notify.RetryInitial = Duration(200 * time.Millisecond)
	}
	if c.Notify.RetryMax == 0 {
		c.Notify.RetryMax = Duration(30 * time.Second)
	}
	if c.Notify.PerPeer == 0 {
		c.Notify.PerPeer = 4
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
	c.defaultsTrust()
}

var pgSchemaRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// ValidOIN reports whether s is a 20-digit OIN (see gateway/oin).
func ValidOIN(s string) bool { return oin.Valid(s) == nil }

// Validate reports every problem of the configuration at once; each names its key.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	file := func(key, path string, required bool) {
		if path == "" {
			if required {
				bad(key, "required")
			}
			return
		}
		if _, err := os.Stat(path); err != nil {
			bad(key, "file %s: %v", path, errors.Unwrap(err))
		}
	}
	addr := func(key, a string, required bool) {
		if a == "" {
			if required {
				bad(key, "required")
			}
			return
		}
		if _, _, err := net.SplitHostPort(a); err != nil {
			bad(key, "%q is not a host:port address", a)
		}
	}
	if !ValidOIN(c.Node.OIN) {
		bad("node.oin", "must be 20 digits, got %q", c.Node.OIN)
	}
	if c.Node.Name == "" {
		bad("node.name", "required")
	}
	if c.Node.OrgType == "" {
		bad("node.org_type", "required")
	}
	gemeente := func(key, orgType, code string) {
		switch {
		case orgType == "gemeente" && code == "":
			bad(key, "required for org type gemeente (the CBS code, e.g. GM0153)")
		case orgType == "gemeente" && !ValidGemeente(code):
			bad(key, "must be a CBS municipality code GM and four digits, got %q", code)
		case orgType != "gemeente" && code != "":
			bad(key, "only for org type gemeente")
		}
	}
	gemeente("node.gemeente", c.Node.OrgType, c.Node.Gemeente)
	designated := func(key, orgType, code string) {
		switch {
		case code == "":
		case orgType != "school_po" && orgType != "school_vo" && orgType != "school_mbo":
			bad(key, "only for a school (org type school_po, school_vo or school_mbo), not %q", orgType)
		case !ValidGemeente(code):
			bad(key, "must be a CBS municipality code GM and four digits, got %q", code)
		}
	}
	designated("node.designated_gemeente", c.Node.OrgType, c.Node.DesignatedGemeente)
	addr("listen.peer", c.Listen.Peer, true)
	addr("listen.local", c.Listen.Local, true)
	addr("listen.metrics", c.Listen.Metrics, false)
	file("identity.cert", c.Identity.Cert, true)
	file("identity.key", c.Identity.Key, true)
	for i, p := range c.Identity.PreviousCerts {
		file(fmt.Sprintf("identity.previous_certs[%d]", i), p, true)
	}
	if len(c.Trust.Anchors) == 0 {
		bad("trust.anchors", "at least one trust anchor is required")
	}
	for i, a := range c.Trust.Anchors {
		file(fmt.Sprintf("trust.anchors[%d]", i), a, true)
	}
	for i, a := range c.Trust.CRLs {
		file(fmt.Sprintf("trust.crls[%d]", i), a, true)
	}
	file("local.client_ca", c.Local.ClientCA, true)
	c.validateTrust(bad, file)
	c.validateConsole(bad)
	seen := map[string]bool{}
	for i, p := range c.Peers {
		key := fmt.Sprintf("peers[%d]", i)
		if !ValidOIN(p.OIN) {
			bad(key+".oin", "must be 20 digits, got %q", p.OIN)
		} else if seen[p.OIN] {
			bad(key+".oin", "duplicate peer %s", p.OIN)
		}
		seen[p.OIN] = true
		if p.OIN == c.Node.OIN {
			bad(key+".oin", "is this node's own OIN")
		}
		if p.OrgType == "" {
			bad(key+".org_type", "required")
		}
		gemeente(key+".gemeente", p.OrgType, p.Gemeente)
		designated(key+".designated_gemeente", p.OrgType, p.DesignatedGemeente)
		addr(key+".address", p.Address, true)
	}
	switch {
	case c.Source.SQLite != "" && c.Source.GRPC.Address != "":
		bad("source", "set either sqlite or grpc, not both")
	case c.Source.GRPC.Address != "":
		addr("source.grpc.address", c.Source.GRPC.Address, true)
		file("source.grpc.ca", c.Source.GRPC.CA, true)
		file("source.grpc.cert", c.Source.GRPC.Cert, true)
		file("source.grpc.key", c.Source.GRPC.Key, true)
	case c.Source.SQLite == "":
		bad("source", "set sqlite or grpc (or data_dir for the default)")
	}
	file("source.fixture", c.Source.Fixture, false)
	if c.DataDir == "" {
		bad("data_dir", "required")
	}
	if c.Policy.Bundle != "" {
		file("policy.bundle", c.Policy.Bundle, true)
	}
	for i, s := range c.Policy.Signatures {
		file(fmt.Sprintf("policy.signatures[%d]", i), s, true)
	}
	if c.Policy.Trusted != "" {
		file("policy.trusted_keys", c.Policy.Trusted, true)
	}
	if c.Policy.Threshold < 0 {
		bad("policy.threshold", "must not be negative")
	}
	if (len(c.Policy.Signatures) > 0 || c.Policy.Trusted != "" || c.Policy.Threshold > 0) && c.Policy.Bundle == "" {
		bad("policy.bundle", "required when signatures or trusted keys are configured")
	}
	if c.Policy.Bundle == "" && !c.Policy.Builtin {
		bad("policy.bundle", "required: a node runs only a signed pack (policy.builtin: true runs the built-in pack unsigned, for development only)")
	}
	if c.Policy.Bundle != "" && c.Policy.Builtin {
		bad("policy.builtin", "set together with policy.bundle; choose one")
	}
	if c.Policy.Bundle != "" && (c.Policy.Trusted == "" || c.Policy.Threshold < 1) {
		bad("policy", "a bundle needs trusted_keys and a threshold of at least 1: a node runs only a signed pack")
	}
	if s := c.Audit.Store; strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") {
		if _, err := url.Parse(s); err != nil {
			bad("audit.store", "not a valid URL")
		}
	}
	if c.Listen.Pprof && c.Listen.Metrics == "" {
		bad("listen.pprof", "needs listen.metrics")
	}
	if c.Audit.Schema != "" && !pgSchemaRE.MatchString(c.Audit.Schema) {
		bad("audit.schema", "must be a lower-case SQL identifier, got %q", c.Audit.Schema)
	}
	if c.Audit.MaxBatch < 1 {
		bad("audit.max_batch", "must be at least 1")
	}
	// A zero limit is replaced by its default; a negative one would switch a
	// protection off (clock skew, timeouts) or crash the node (concurrency).
	positive := func(key string, ok bool) {
		if !ok {
			bad(key, "must be positive")
		}
	}
	positive("limits.max_message_bytes", c.Limits.MaxMessageBytes > 0)
	positive("limits.clock_skew", c.Limits.ClockSkew > 0)
	positive("limits.request_timeout", c.Limits.RequestTimeout > 0)
	positive("limits.peer_rate", c.Limits.PeerRate > 0)
	positive("limits.peer_burst", c.Limits.PeerBurst > 0)
	positive("limits.peer_concurrency", c.Limits.PeerConcurrency > 0)
	positive("source.timeout", c.Source.Timeout > 0)
	positive("notify.max_age", c.Notify.MaxAge > 0)
	positive("notify.retry_initial", c.Notify.RetryInitial > 0)
	positive("notify.retry_max", c.Notify.RetryMax > 0)
	positive("notify.per_peer", c.Notify.PerPeer > 0)
	if t := c.Tracing; t.Enabled() {
		if _, _, err := net.SplitHostPort(t.OTLPEndpoint); err != nil {
			bad("tracing.otlp_endpoint", "must be host:port, got %q", t.OTLPEndpoint)
		}
		if t.Insecure && t.CA != "" {
			bad("tracing.insecure", "set together with tracing.ca; choose one")
		}
	} else if c.Tracing.Insecure || c.Tracing.CA != "" || c.Tracing.SampleRatio != nil {
		bad("tracing.otlp_endpoint", "required when other tracing settings are given")
	}
	if r := c.Tracing.SampleRatio; r != nil && (*r < 0 || *r > 1) {
		bad("tracing.sample_ratio", "must be between 0 and 1, got %v", *r)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log_level", "must be debug, info, warn or error, got %q", c.LogLevel)
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w:\n%w", ErrInvalid, errors.Join(errs...))
	}
	return nil
}

// PeerByOIN returns the directory entry for oin.
func (c *Config) PeerByOIN(oin string) (Peer, bool) {
	for _, p := range c.Peers {
		if p.OIN == oin {
			return p, true
		}
	}
	return Peer{}, false
}
