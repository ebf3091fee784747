package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/node"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

const policyStatusUsage = `usage: schakel policy status --config FILE [--cert CLIENT.pem --key CLIENT.key]

Shows the policy pack a node runs: its revision (reported in every
decision), the trusted keys that signed it, when it was loaded, and the last
pack the node refused with the reason.

With --cert and --key (a client certificate of the organisation's local CA,
as its own systems use) it asks the running node over the local API
(PolicyService.GetPolicyStatus at listen.local). Without them it reads the
status file the node keeps in its data_dir (policy-status.json, rewritten at
every load and refusal), which also works while the node is stopped.
`

// cmdPolicyStatus prints the node's policy status.
func cmdPolicyStatus(args []string, s stdio) int {
	fs := newFlags(s, "schakel policy status", policyStatusUsage)
	cfgPath := fs.configFlag()
	certPath := fs.String("cert", "", "local client certificate (asks the running node)")
	keyPath := fs.String("key", "", "its private key")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if (*certPath == "") != (*keyPath == "") {
		return fs.usageError("--cert and --key go together")
	}
	cfg, code, ok := fs.loadConfig(*cfgPath, true)
	if !ok {
		return code
	}
	var err error
	var st *localv1.GetPolicyStatusResponse
	from := ""
	if *certPath != "" {
		st, err = policyStatusAPI(cfg, *certPath, *keyPath)
		from = "node " + cfg.Listen.Local + " (lokale API)"
	} else {
		var fst node.Status
		fst, err = node.ReadStatusFile(cfg.DataDir)
		st = node.StatusProto(fst)
		from = filepath.Join(cfg.DataDir, node.StatusFile)
	}
	if err != nil {
		return fs.fail(err)
	}
	printPolicyStatus(s, st, from)
	return 0
}

func policyStatusAPI(cfg *config.Config, certPath, keyPath string) (*localv1.GetPolicyStatusResponse, error) {
	conn, addr, err := dialLocal(cfg, certPath, keyPath)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := localv1.NewPolicyServiceClient(conn).GetPolicyStatus(ctx, &localv1.GetPolicyStatusRequest{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", addr, err)
	}
	return st, nil
}

// dialLocal connects to the node's local API (listen.local, on loopback
// when it listens on every address) as the local client of certPath and
// keyPath, trusting the node's certificate by the configured anchors.
func dialLocal(cfg *config.Config, certPath, keyPath string) (*grpc.ClientConn, string, error) {
	kp, err := identity.LoadKeyPair(certPath, keyPath)
	if err != nil {
		return nil, "", err
	}
	roots, err := identity.LoadPool(cfg.Trust.Anchors...)
	if err != nil {
		return nil, "", fmt.Errorf("trust.anchors: %w", err)
	}
	addr := cfg.Listen.Local
	if host, port, err := net.SplitHostPort(addr); err == nil && (host == "" || host == "0.0.0.0" || host == "::") {
		addr = net.JoinHostPort("127.0.0.1", port)
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{
		MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{kp}, RootCAs: roots,
	})))
	if err != nil {
		return nil, "", err
	}
	return conn, addr, nil
}

func printPolicyStatus(s stdio, st *localv1.GetPolicyStatusResponse, from string) {
	w := s.out
	fmt.Fprintf(w, "actief pakket:     %s\n", st.GetRevision())
	fmt.Fprintf(w, "bron:              %s\n", st.GetSource())
	if len(st.GetSigners()) == 0 {
		fmt.Fprintf(w, "ondertekend door:  - (niet ondertekend ingebouwd standaardpakket)\n")
	} else {
		var names []string
		for _, sg := range st.GetSigners() {
			names = append(names, fmt.Sprintf("%s (%s)", sg.GetName(), sg.GetFingerprint()))
		}
		fmt.Fprintf(w, "ondertekend door:  %s\n", strings.Join(names, ", "))
		fmt.Fprintf(w, "drempel:           %d van %d vereist\n", len(st.GetSigners()), st.GetThreshold())
	}
	fmt.Fprintf(w, "geladen op:        %s\n", st.GetLoadedAt().AsTime().Format(time.RFC3339))
	if wt := st.GetWaiting(); wt != nil {
		fmt.Fprintf(w, "wacht op:          een nieuw archief en handtekeningen die nog niet bij elkaar horen (%s), sinds %s; het actieve pakket beslist, tot uiterlijk %s niets wordt geweigerd\n",
			wt.GetCase(), wt.GetSince().AsTime().Format(time.RFC3339), wt.GetUntil().AsTime().Format(time.RFC3339))
	}
	switch st.GetDecisionPath() {
	case "fast":
		fmt.Fprintf(w, "beslissingen:      snel pad (gelijk aan de Rego van het pakket bij het laden)\n")
	case "rego":
		fmt.Fprintf(w, "beslissingen:      alleen Rego (%s)\n", st.GetDecisionPathReason())
	}
	if r := st.GetLastRefused(); r != nil {
		fmt.Fprintf(w, "laatst geweigerd:  %s  %s (%s)\n", r.GetAt().AsTime().Format(time.RFC3339), orNone(r.GetRevision()), r.GetCase())
		fmt.Fprintf(w, "  reden:           %s\n", r.GetReason())
		switch {
		case !st.GetRefusedSinceLoad():
			fmt.Fprintf(w, "  vervangen: daarna is het actieve pakket hierboven geladen; deze weigering geldt niet meer\n")
		case r.GetRevision() == st.GetRevision():
			// Same archive: its signatures or the trusted keys changed.
			fmt.Fprintf(w, "  de node weigerde de revisie van het actieve pakket zelf bij een nieuwe controle, en beslist door met het actieve pakket zoals het geladen was\n")
		default:
			// Whether the refused pack is newer cannot be told from digests.
			fmt.Fprintf(w, "  de node weigerde het pakket dat na het actieve werd aangeboden, en beslist door met het actieve pakket hierboven (het laatste goede)\n")
		}
	} else {
		fmt.Fprintf(w, "laatst geweigerd:  geen\n")
	}
	fmt.Fprintf(w, "(uit %s)\n", from)
}

func orNone(s string) string {
	if s == "" {
		return "(archief onleesbaar)"
	}
	return s
}
