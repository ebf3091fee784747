package identity

import (
	"context"
	"crypto/x509"
	"fmt"
	"sort"
)

// Local API permissions: what a local client (a system of the organisation
// itself) may do on the local listener.
const (
	PermRequest       = "request"        // RequestRecord
	PermNotify        = "notify"         // SendNotification, List/Pull/AckNotification(s)
	PermConsentsRead  = "consents.read"  // ListConsents
	PermConsentsWrite = "consents.write" // RegisterConsent, WithdrawConsent
	PermInzage        = "inzage"         // Inzage
	PermObligations   = "obligations"    // ListObligations, CompleteObligation
	PermStatus        = "status"         // GetPolicyStatus, health
	PermConsult       = "consult"        // SendConsult, ListConsults, AnswerConsult, GetConsultAnswer
	PermMonitoring    = "monitoring"     // ExportMonitoring
)

// Permissions lists every local API permission.
var Permissions = []string{PermRequest, PermNotify, PermConsentsRead, PermConsentsWrite, PermInzage, PermObligations, PermStatus, PermConsult, PermMonitoring}

// LocalRule grants permissions to the local client whose certificate has
// Subject as its common name, or SAN among its DNS, URI or e-mail SANs.
type LocalRule struct {
	Subject, SAN string
	Permissions  []string
}

// LocalClient is an authenticated local client: who it is (for logs and
// audit records) and what it may do.
type LocalClient struct {
	// Name identifies the client: the rule that matched ("subject=…" or
	// "san=…") and the certificate's serial number.
	Name        string
	permissions map[string]bool
}

// Can reports whether the client has permission p.
func (c LocalClient) Can(p string) bool { return c.permissions[p] }

// PermissionList returns the client's permissions, sorted.
func (c LocalClient) PermissionList() []string {
	out := make([]string, 0, len(c.permissions))
	for p := range c.permissions {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// LocalAccess maps local client certificates to permissions.
type LocalAccess struct {
	rules []LocalRule
}

// NewLocalAccess returns the access table. Without rules every client of the
// local CA has every permission (the behaviour before permissions existed).
func NewLocalAccess(rules []LocalRule) *LocalAccess {
	return &LocalAccess{rules: rules}
}

// Open reports whether the table has no rules, so every local client may do everything.
func (a *LocalAccess) Open() bool { return len(a.rules) == 0 }

// Identify returns the local client a verified certificate belongs to. The
// first matching rule wins; a certificate no rule matches is not a client
// (ok false) unless the table is open.
func (a *LocalAccess) Identify(c *x509.Certificate) (LocalClient, bool) {
	serial := ""
	if c.SerialNumber != nil {
		serial = fmt.Sprintf("%x", c.SerialNumber)
	}
	if a.Open() {
		all := map[string]bool{}
		for _, p := range Permissions {
			all[p] = true
		}
		return LocalClient{Name: fmt.Sprintf("subject=%s serial=%s", c.Subject.CommonName, serial), permissions: all}, true
	}
	for _, r := range a.rules {
		name := ""
		switch {
		case r.Subject != "" && c.Subject.CommonName == r.Subject:
			name = "subject=" + r.Subject
		case r.SAN != "" && hasSAN(c, r.SAN):
			name = "san=" + r.SAN
		default:
			continue
		}
		perms := map[string]bool{}
		for _, p := range r.Permissions {
			perms[p] = true
		}
		return LocalClient{Name: name + " serial=" + serial, permissions: perms}, true
	}
	return LocalClient{}, false
}

func hasSAN(c *x509.Certificate, san string) bool {
	for _, d := range c.DNSNames {
		if d == san {
			return true
		}
	}
	for _, e := range c.EmailAddresses {
		if e == san {
			return true
		}
	}
	for _, u := range c.URIs {
		if u.String() == san {
			return true
		}
	}
	return false
}

type localClientKey struct{}

// WithLocalClient returns ctx carrying the authenticated local client.
func WithLocalClient(ctx context.Context, c LocalClient) context.Context {
	return context.WithValue(ctx, localClientKey{}, c)
}

// LocalClientFrom returns the local client of a call on the local listener,
// as the permission interceptor established it.
func LocalClientFrom(ctx context.Context) (LocalClient, bool) {
	c, ok := ctx.Value(localClientKey{}).(LocalClient)
	return c, ok
}

// NewLocalClient returns a local client with the given name and
// permissions, for callers authenticated by other means than a certificate
// (the web console's users); Can checks it as it checks a certificate's.
func NewLocalClient(name string, permissions []string) LocalClient {
	perms := map[string]bool{}
	for _, p := range permissions {
		perms[p] = true
	}
	return LocalClient{Name: name, permissions: perms}
}
