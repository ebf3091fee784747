package config_test

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/schakel/schakel/gateway/config"
)

const fuzzValid = `
node: {oin: "00000001000000000001", name: "School", org_type: school_vo}
listen: {peer: "127.0.0.1:7001", local: "127.0.0.1:7002", metrics: "127.0.0.1:7003"}
identity: {cert: cert.pem, key: key.pem}
trust: {anchors: [ca.pem]}
local: {client_ca: local-ca.pem}
limits: {max_message_bytes: 1048576, clock_skew: 2m, request_timeout: 5s, peer_rate: 100, peer_burst: 200, peer_concurrency: 16}
peers:
  - {oin: "00000001000000000002", name: "Zorg", org_type: zorgaanbieder, address: "127.0.0.1:7101"}
`

// FuzzParse feeds arbitrary YAML to the configuration loader. It must never
// panic; a refusal wraps ErrInvalid; and a configuration it accepts is one a
// node can run safely: valid OINs, host:port addresses, the files it names
// exist, and every limit and timeout positive (a zero or negative limit would
// switch protection off or crash the node at its first request).
func FuzzParse(f *testing.F) {
	dir := f.TempDir()
	for _, n := range []string{"cert.pem", "key.pem", "ca.pem", "local-ca.pem"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600); err != nil {
			f.Fatal(err)
		}
	}
	f.Add([]byte(fuzzValid))
	f.Add([]byte(strings.Replace(fuzzValid, "peer_concurrency: 16", "peer_concurrency: -1", 1)))
	f.Add([]byte(strings.Replace(fuzzValid, "clock_skew: 2m", "clock_skew: -2m", 1)))
	f.Add([]byte("node: {oin: 1}\nunknown: x\n"))
	f.Add([]byte("node: &a {oin: *a}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := config.Parse(data, dir)
		if err != nil {
			if !errors.Is(err, config.ErrInvalid) {
				t.Fatalf("refusal does not wrap ErrInvalid: %v", err)
			}
			return
		}
		if !config.ValidOIN(c.Node.OIN) {
			t.Fatalf("accepted node.oin %q", c.Node.OIN)
		}
		for _, a := range []string{c.Listen.Peer, c.Listen.Local} {
			if _, _, err := net.SplitHostPort(a); err != nil {
				t.Fatalf("accepted listen address %q", a)
			}
		}
		for _, p := range c.Peers {
			if !config.ValidOIN(p.OIN) || p.OIN == c.Node.OIN {
				t.Fatalf("accepted peer OIN %q", p.OIN)
			}
		}
		for _, p := range append([]string{c.Identity.Cert, c.Identity.Key, c.Local.ClientCA}, c.Trust.Anchors...) {
			if _, err := os.Stat(p); err != nil {
				t.Fatalf("accepted a missing file: %v", err)
			}
		}
		l := c.Limits
		if l.MaxMessageBytes <= 0 || l.ClockSkew <= 0 || l.RequestTimeout <= 0 || l.PeerRate <= 0 || l.PeerBurst <= 0 || l.PeerConcurrency <= 0 {
			t.Fatalf("accepted limits %+v", l)
		}
		if c.Source.Timeout <= 0 {
			t.Fatalf("accepted source.timeout %v", c.Source.Timeout.D())
		}
		if c.Policy.Bundle != "" && (c.Policy.Trusted == "" || c.Policy.Threshold < 1) {
			t.Fatal("accepted an unsigned policy bundle")
		}
	})
}
