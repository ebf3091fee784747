package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/schakel/schakel/gateway/identity"
)

// Revocation holds the trust: keys beyond anchors and crls (issue 15): how
// the node learns about revoked certificates, and how long a connection
// lives before its certificates are verified again.
type Revocation struct {
	// Intermediates are issuing CA certificates (not trust anchors) whose
	// CRLs the node verifies at start, e.g. PKIoverheid's organisation
	// services CAs.
	Intermediates []string `yaml:"intermediates"`
	// CRLURLs are fetched every CRLRefresh (and before the list in force
	// reaches its nextUpdate); CRLs is the offline alternative.
	CRLURLs []string `yaml:"crl_urls"`
	// CRLDistributionPoints also fetches the distribution points named in
	// the intermediates and in verified peer chains.
	CRLDistributionPoints bool     `yaml:"crl_distribution_points"`
	CRLRefresh            Duration `yaml:"crl_refresh"`
	// CRLGrace is how long after nextUpdate a CRL still counts (default 0).
	CRLGrace Duration `yaml:"crl_grace"`
	// RequireRevocation refuses a certificate whose issuer has no CRL and
	// no OCSP responder.
	RequireRevocation bool `yaml:"require_revocation"`
	OCSP              OCSP `yaml:"ocsp"`
	// MaxConnectionAge closes a connection after this long (after
	// MaxConnectionAgeGrace for calls in flight), so a certificate revoked
	// or expired meanwhile stops working within it. Default 1h.
	MaxConnectionAge      Duration `yaml:"max_connection_age"`
	MaxConnectionAgeGrace Duration `yaml:"max_connection_age_grace"`
}

// OCSP configures OCSP checks of peer certificates.
type OCSP struct {
	Enabled bool `yaml:"enabled"`
	// FailOpen accepts a certificate when its responder cannot be reached;
	// by default the connection is refused.
	FailOpen bool `yaml:"fail_open"`
	// Responder overrides the responder named in the certificates.
	Responder string   `yaml:"responder"`
	Timeout   Duration `yaml:"timeout"`
}

// LocalAccess holds the local: keys beyond client_ca: the local CA's CRLs and
// which local client may do what.
type LocalAccess struct {
	CRLs []string `yaml:"crls"`
	// Clients maps local client certificates to permissions. Without any
	// entry every certificate of the local CA may call every method (the
	// behaviour before permissions; the node logs a warning).
	Clients []LocalClient `yaml:"clients"`
}

// LocalClient is one local system: matched by its certificate's subject
// common name or by one of its DNS, URI or e-mail SANs.
type LocalClient struct {
	Subject     string   `yaml:"subject"`
	SAN         string   `yaml:"san"`
	Permissions []string `yaml:"permissions"`
}

// Directory is the federation's signed peer directory (`schakel directory
// build|sign`): verified m-of-n before it is parsed, reloaded when it
// changes, the last good one kept. Its organisations join peers:, which
// stays for a single node (an OIN in both: the peers: entry wins).
type Directory struct {
	File       string   `yaml:"file"`
	Signatures []string `yaml:"signatures"`
	Trusted    string   `yaml:"trusted_keys"`
	Threshold  int      `yaml:"threshold"`
}

func (c *Config) resolveTrust(abs func(*string)) {
	abs(&c.Directory.File)
	for i := range c.Directory.Signatures {
		abs(&c.Directory.Signatures[i])
	}
	abs(&c.Directory.Trusted)
	for i := range c.Trust.Intermediates {
		abs(&c.Trust.Intermediates[i])
	}
	for i := range c.Local.CRLs {
		abs(&c.Local.CRLs[i])
	}
}

func (c *Config) defaultsTrust() {
	if c.Trust.CRLRefresh == 0 {
		c.Trust.CRLRefresh = Duration(time.Hour)
	}
	if c.Trust.OCSP.Timeout == 0 {
		c.Trust.OCSP.Timeout = Duration(5 * time.Second)
	}
	if c.Trust.MaxConnectionAge == 0 {
		c.Trust.MaxConnectionAge = Duration(time.Hour)
	}
	if c.Trust.MaxConnectionAgeGrace == 0 {
		c.Trust.MaxConnectionAgeGrace = Duration(30 * time.Second)
	}
}

func (c *Config) validateTrust(bad func(key, format string, args ...any), file func(key, path string, required bool)) {
	t := c.Trust
	for i, p := range t.Intermediates {
		file(fmt.Sprintf("trust.intermediates[%d]", i), p, true)
	}
	httpURL := func(key, u string) {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			bad(key, "%q is not an http(s) URL", u)
		}
	}
	for i, u := range t.CRLURLs {
		httpURL(fmt.Sprintf("trust.crl_urls[%d]", i), u)
	}
	if t.OCSP.Responder != "" {
		httpURL("trust.ocsp.responder", t.OCSP.Responder)
	}
	if t.OCSP.FailOpen && !t.OCSP.Enabled {
		bad("trust.ocsp.fail_open", "set without trust.ocsp.enabled")
	}
	for key, d := range map[string]Duration{
		"trust.crl_refresh": t.CRLRefresh, "trust.crl_grace": t.CRLGrace, "trust.ocsp.timeout": t.OCSP.Timeout,
		"trust.max_connection_age": t.MaxConnectionAge, "trust.max_connection_age_grace": t.MaxConnectionAgeGrace,
	} {
		if d < 0 {
			bad(key, "must not be negative")
		}
	}
	if t.CRLRefresh > 0 && t.CRLRefresh.D() < time.Second {
		bad("trust.crl_refresh", "must be at least 1s")
	}
	for i, p := range c.Local.CRLs {
		file(fmt.Sprintf("local.crls[%d]", i), p, true)
	}
	if d := c.Directory; d.File != "" || d.Trusted != "" || d.Threshold != 0 || len(d.Signatures) > 0 {
		file("directory.file", d.File, true)
		file("directory.trusted_keys", d.Trusted, true)
		for i, p := range d.Signatures {
			file(fmt.Sprintf("directory.signatures[%d]", i), p, true)
		}
		if d.Threshold < 1 {
			bad("directory.threshold", "must be at least 1: a directory is used only when signed")
		}
	}
	known := map[string]bool{}
	for _, p := range identity.Permissions {
		known[p] = true
	}
	seen := map[string]bool{}
	for i, cl := range c.Local.Clients {
		key := fmt.Sprintf("local.clients[%d]", i)
		switch {
		case cl.Subject == "" && cl.SAN == "":
			bad(key, "set subject (certificate common name) or san")
		case cl.Subject != "" && cl.SAN != "":
			bad(key, "set subject or san, not both")
		}
		id := "subject=" + cl.Subject
		if cl.SAN != "" {
			id = "san=" + cl.SAN
		}
		if seen[id] {
			bad(key, "duplicate client %s", id)
		}
		seen[id] = true
		if len(cl.Permissions) == 0 {
			bad(key+".permissions", "at least one permission is required (one of %s)", strings.Join(identity.Permissions, ", "))
		}
		for _, p := range cl.Permissions {
			if !known[p] {
				bad(key+".permissions", "unknown permission %q (known: %s)", p, strings.Join(identity.Permissions, ", "))
			}
		}
	}
	// The local API must not accept federation certificates: a local client
	// CA that is, or chains to, a trust anchor (or the other way round)
	// would let every peer call it.
	if c.Local.ClientCA != "" && len(t.Anchors) > 0 {
		local, lerr := identity.LoadAnchors(c.Local.ClientCA)
		fed, ferr := identity.LoadAnchors(t.Anchors...)
		if lerr == nil && ferr == nil {
			if err := identity.SeparateCAs(local, fed); err != nil {
				bad("local.client_ca", "%v", err)
			}
		}
	}
}
