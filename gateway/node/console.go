package node

import (
	"context"
	"crypto"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/console"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/server"
	"github.com/schakel/schakel/gateway/traceparent"
	"github.com/schakel/schakel/internal/atomicfile"
	"github.com/schakel/schakel/policy"
	"github.com/schakel/schakel/policy/signing"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// consoleState is the web console (gateway/console) when console.listen is set.
type consoleState struct {
	srv  *console.Server
	http *http.Server
	ln   net.Listener
	addr string
}

// setupConsole builds the console and binds its listener (HTTPS with the
// node's own certificate), and lets api (the local ConsoleService) mint
// login links.
func (n *Node) setupConsole(keyPair tls.Certificate, pub crypto.PublicKey, api *server.Console) error {
	cs := n.cfg.Console
	if !cs.Enabled() {
		return nil
	}
	users := map[string][]string{config.ConsoleAdmin: cs.Permissions}
	if len(cs.Permissions) == 0 {
		users[config.ConsoleAdmin] = identity.Permissions
	}
	for _, u := range cs.Users {
		users[u.Name] = u.Permissions
	}
	peers := map[string]string{}
	for _, p := range n.cfg.Peers {
		peers[p.OIN] = p.Name
	}
	srv, err := console.New(console.Config{
		SelfOIN: n.self.OIN, SelfName: n.self.Name, Peers: peers, Users: users,
		Status: n.consoleStatus,
		Engine: func() *policy.Engine { return n.policy.active.Load().engine },
		Health: func() []byte { return withDirectory(withRevocation(n.policy.StatusJSON(), n.trust), n.directory) },
		Audit:  n.audit,
		Verify: func(ctx context.Context) (audit.Report, error) { return audit.Verify(ctx, n.audit, pub) },
		Inzage: n.Inzage, InzageTexts: n.inzageTexts,
		Outbox: func(ctx context.Context) (*localv1.ListNotificationsResponse, error) {
			return n.notifier.List(ctx, &localv1.ListNotificationsRequest{})
		},
		Inbox: func(ctx context.Context) (*localv1.PullNotificationsResponse, error) {
			return n.notifier.Pull(ctx, &localv1.PullNotificationsRequest{})
		},
		Record: n.auditConsole, CertNotAfter: keyPair.Leaf.NotAfter, Log: n.log,
		Trust: n.packTrust, Witness: n.consoleWitness,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cs.Address())
	if err != nil {
		return fmt.Errorf("console.listen: %w", err)
	}
	n.listeners = append(n.listeners, ln)
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{keyPair}, NextProtos: []string{"h2", "http/1.1"}}
	api.Permissions = srv.Permissions
	api.Login = func(user string) (string, time.Time, error) {
		url, err := n.ConsoleLogin(user)
		return url, time.Now().Add(console.LinkTTL), err
	}
	n.console = &consoleState{srv: srv, ln: tls.NewListener(ln, tlsCfg), addr: ln.Addr().String(),
		http: &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
			WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}}
	return nil
}

// ConsoleAddr is the console's bound address ("" when off).
func (n *Node) ConsoleAddr() string {
	if n.console == nil {
		return ""
	}
	return n.console.addr
}

// ConsoleLogin mints a one-time login link (valid console.LinkTTL, single
// use) for a console user: config.ConsoleAdmin or a console.users name.
func (n *Node) ConsoleLogin(user string) (string, error) {
	if n.console == nil {
		return "", fmt.Errorf("console is off (set console.listen)")
	}
	tok, err := n.console.srv.Mint(user)
	if err != nil {
		return "", err
	}
	return "https://" + n.console.addr + "/login?token=" + tok, nil
}

// serveConsole serves the console and hands out the start-up login links:
// to console.link_file (mode 0600) when set, else to the log.
func (n *Node) serveConsole(serve func(func() error)) {
	if n.console == nil {
		return
	}
	serve(func() error { return n.console.http.Serve(n.console.ln) })
	url, err := n.ConsoleLogin(config.ConsoleAdmin)
	if err != nil {
		n.log.Error("console: no login link", "err", err)
		return
	}
	links := []consoleLink{{config.ConsoleAdmin, url}}
	// The named users' links go to the same place: whoever reads it can log
	// in as the user with every permission anyway.
	for _, u := range n.cfg.Console.Users {
		if url, err := n.ConsoleLogin(u.Name); err == nil {
			links = append(links, consoleLink{u.Name, url})
		}
	}
	if f := n.cfg.Console.LinkFile; f != "" {
		if err := writeConsoleLinks(f, links); err != nil {
			n.log.Error("console: login links not written; none logged (schakel console login makes a new one)", "file", f, "err", err)
			return
		}
		n.log.Info("console: one-time login links written", "file", f, "users", len(links), "valid", console.LinkTTL.String())
		return
	}
	n.log.Info("console: " + url)
	for _, l := range links[1:] {
		n.log.Info("console (" + l.user + "): " + l.url)
	}
}

type consoleLink struct{ user, url string }

// writeConsoleLinks replaces path, whole, with one "user url" line per
// link, mode 0600; a link file of an earlier start is overwritten.
func writeConsoleLinks(path string, links []consoleLink) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Schakel console: one-time login links, valid %s from %s, each usable once.\n", console.LinkTTL, time.Now().UTC().Format(time.RFC3339))
	for _, l := range links {
		fmt.Fprintf(&b, "%s %s\n", l.user, l.url)
	}
	return atomicfile.Write(path, []byte(b.String()), 0o600)
}

func (n *Node) stopConsole() {
	if n.console == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = n.console.http.Shutdown(ctx)
}

func (n *Node) consoleStatus() console.PackStatus {
	st := n.policy.Status()
	out := console.PackStatus{Revision: st.Revision, Source: st.Source, Threshold: st.Threshold, LoadedAt: st.LoadedAt,
		RefusedSinceLoad: st.RefusedSinceLoad}
	for _, s := range st.Signers {
		out.Signers = append(out.Signers, console.Signer{Name: s.Name, Fingerprint: s.Fingerprint})
	}
	if r := st.LastRefused; r != nil {
		out.LastRefused = &console.Refusal{At: r.At, Revision: r.Revision, Case: r.Case, Why: r.Reason, FailedTests: r.FailedTests}
	}
	if w := st.Waiting; w != nil {
		out.Waiting = &console.PackWaiting{Since: w.Since, Until: w.Until, Case: w.Case}
	}
	return out
}

// packTrust is what the node trusts a policy pack with, read from
// policy.trusted as at a reload (the console's review of a candidate).
func (n *Node) packTrust() (signing.Trust, error) {
	pc := n.cfg.Policy
	if pc.Bundle == "" || pc.Trusted == "" {
		return signing.Trust{}, errors.New("deze node draait het ingebouwde pakket zonder handtekeningen (policy.bundle en policy.trusted zijn niet ingesteld), dus vertrouwt hij geen sleutels")
	}
	keys, err := signing.LoadTrustedDir(pc.Trusted)
	if err != nil {
		return signing.Trust{}, fmt.Errorf("de vertrouwde sleutels (policy.trusted) konden niet worden gelezen: %w", err)
	}
	return signing.Trust{Keys: keys, Threshold: pc.Threshold}, nil
}

// consoleWitness is the witness state of the peers' logs for the Logboek.
func (n *Node) consoleWitness() []console.PeerLog {
	var out []console.PeerLog
	for _, p := range n.WitnessStatus() {
		out = append(out, console.PeerLog{OIN: p.PeerOIN, Size: p.Size, Verified: p.Updated, Alarm: p.Alarm,
			AlarmText: p.AlarmText, AlarmAt: p.AlarmAt, Alarms: p.Alarms})
	}
	return out
}

// inzageTexts are the names and Dutch texts of an inzage report.
func (n *Node) inzageTexts() audit.InzageTexts {
	tx, err := InzageTexts(n.cfg, n.policy)
	if err != nil {
		n.log.Warn("console: vocabulary", "err", err)
	}
	return tx
}

// InzageTexts are what a parent's report names: the node's and its peers'
// names from cfg, and the Dutch texts (purposes, flows, categories, reason
// texts) of the pack pol runs. On an error the names are still filled in.
// The console and `schakel audit inzage` both use it.
func InzageTexts(cfg *config.Config, pol *Policy) (audit.InzageTexts, error) {
	tx := audit.InzageTexts{SelfOIN: cfg.Node.OIN, SelfName: cfg.Node.Name, Organisations: map[string]string{},
		Purposes: map[string]string{}, Flows: map[string]string{}, Categories: map[string]string{}, Reasons: map[string]string{}}
	for _, p := range cfg.Peers {
		tx.Organisations[p.OIN] = p.Name
	}
	v, err := pol.Vocabulary()
	if err != nil {
		return tx, err
	}
	for _, p := range v.GetPurposes() {
		tx.Purposes[p.GetId()] = p.GetDescription()
	}
	for _, f := range v.GetFlows() {
		tx.Flows[f.GetId()] = f.GetTitle()
	}
	for _, c := range v.GetCategories() {
		tx.Categories[c.GetId()] = c.GetDescription()
	}
	for k, t := range v.GetReasonTexts() {
		tx.Reasons[k] = t
	}
	return tx, nil
}

// auditConsole records a console user's inzage or obligation tick-off, with
// the user ("console:NAME") as the local foreign entity.
func (n *Node) auditConsole(ctx context.Context, ev console.Event) error {
	if ev.Action == audit.ActionInzageRead {
		return n.auditLocal(ctx, server.LocalEvent{Action: ev.Action, Client: ev.User, BSN: ev.BSN, OK: ev.OK, Start: ev.Start})
	}
	if ev.Action != audit.ActionObligationComplete {
		return fmt.Errorf("console: %q is not a console action", ev.Action)
	}
	tc := traceparent.New()
	r := audit.NewRecord(audit.Event{
		Action: ev.Action, Side: audit.SideHolder, HolderOIN: n.self.OIN, RecipientOIN: n.self.OIN,
		// Not a child's pseudonym: the record is about the obligation.
		Subject: audit.Pseudonym(n.secret, "obligation:"+ev.ObligationID), TraceID: tc.TraceID, SpanID: tc.SpanID,
		Start: ev.Start, End: time.Now(),
	})
	r.ForeignEntity = audit.LocalEntity(ev.User)
	r.Allow, r.DecisionID = ev.OK, ev.DecisionID
	_, err := n.audit.Append(ctx, r)
	return err
}
