package node

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/directory"
	"github.com/schakel/schakel/gateway/identity"
)

// trust is what the node verifies certificates with, read once at start:
// the federation anchors and the local client CA, and the revocation
// checks of both listeners.
type trust struct {
	anchors, localCAs *identity.Anchors
	peer, local       *identity.Revocation
}

func loadTrust(cfg *config.Config, own tls.Certificate, log *slog.Logger) (*trust, error) {
	anchors, err := identity.LoadAnchors(cfg.Trust.Anchors...)
	if err != nil {
		return nil, fmt.Errorf("trust.anchors: %w", err)
	}
	localCAs, err := identity.LoadAnchors(cfg.Local.ClientCA)
	if err != nil {
		return nil, fmt.Errorf("local.client_ca: %w", err)
	}
	if err := identity.SeparateCAs(localCAs, anchors); err != nil {
		return nil, fmt.Errorf("local.client_ca: %w", err)
	}
	var intermediates []*x509.Certificate
	if len(cfg.Trust.Intermediates) > 0 {
		im, err := identity.LoadAnchors(cfg.Trust.Intermediates...)
		if err != nil {
			return nil, fmt.Errorf("trust.intermediates: %w", err)
		}
		intermediates = im.Certs
	}
	// The issuing CAs of the node's own chain (identity.cert after the leaf)
	// are known issuers too: their CRLs verify at start.
	for _, der := range own.Certificate[1:] {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("identity.cert: %w", err)
		}
		if c.IsCA {
			intermediates = append(intermediates, c)
		}
	}
	t := cfg.Trust
	peer, err := identity.NewRevocation(identity.RevocationConfig{
		Files: t.CRLs, URLs: t.CRLURLs, DistributionPoints: t.CRLDistributionPoints,
		Refresh: t.CRLRefresh.D(), Grace: t.CRLGrace.D(), Require: t.RequireRevocation,
		Anchors: anchors.Certs, Intermediates: intermediates,
		OCSP: t.OCSP.Enabled, OCSPFailOpen: t.OCSP.FailOpen, Responder: t.OCSP.Responder, Timeout: t.OCSP.Timeout.D(),
		Log: log.With("listener", "peer"),
	})
	if err != nil {
		return nil, fmt.Errorf("trust.crls: %w", err)
	}
	local, err := identity.NewRevocation(identity.RevocationConfig{
		Files: cfg.Local.CRLs, Grace: t.CRLGrace.D(), Anchors: localCAs.Certs, Log: log.With("listener", "local"),
	})
	if err != nil {
		return nil, fmt.Errorf("local.crls: %w", err)
	}
	return &trust{anchors: anchors, localCAs: localCAs, peer: peer, local: local}, nil
}

func (t *trust) register(reg prometheus.Registerer) error {
	if err := t.peer.Register(reg, "peer"); err != nil {
		return err
	}
	return t.local.Register(reg, "local")
}

func (t *trust) refresh() {
	t.peer.Refresh()
	t.local.Refresh()
}

// revocationStatus is the /healthz view of both listeners' CRLs.
type revocationStatus struct {
	Status string               `json:"status"` // ok, or stale when a CRL is past its nextUpdate
	Peer   []identity.CRLStatus `json:"peer"`
	Local  []identity.CRLStatus `json:"local"`
	Errors map[string]string    `json:"errors,omitempty"`
}

func (t *trust) status() revocationStatus {
	st := revocationStatus{Status: "ok", Peer: t.peer.Status(), Local: t.local.Status(), Errors: t.peer.Errors()}
	for s, e := range t.local.Errors() {
		if st.Errors == nil {
			st.Errors = map[string]string{}
		}
		st.Errors[s] = e
	}
	for _, c := range append(append([]identity.CRLStatus(nil), st.Peer...), st.Local...) {
		if c.Stale {
			st.Status = "stale"
		}
	}
	return st
}

// withRevocation adds the revocation status to the policy's /healthz JSON.
func withRevocation(policyJSON []byte, t *trust) []byte {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(policyJSON, &m); err != nil {
		return policyJSON
	}
	rs := t.status()
	b, err := json.Marshal(rs)
	if err != nil {
		return policyJSON
	}
	m["revocation"] = b
	if rs.Status != "ok" {
		m["status"] = json.RawMessage(`"serving_with_stale_revocation_list"`)
	}
	out, err := json.Marshal(m)
	if err != nil {
		return policyJSON
	}
	return out
}

// withDirectory adds the signed peer directory's status to /healthz.
func withDirectory(healthJSON []byte, l *directory.Loader) []byte {
	if l == nil {
		return healthJSON
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(healthJSON, &m); err != nil {
		return healthJSON
	}
	st := l.Status()
	b, err := json.Marshal(st)
	if err != nil {
		return healthJSON
	}
	m["directory"] = b
	if st.Refused != nil && string(m["status"]) == `"serving"` {
		m["status"] = json.RawMessage(`"serving_last_good_directory"`)
	}
	out, err := json.Marshal(m)
	if err != nil {
		return healthJSON
	}
	return out
}
