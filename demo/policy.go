package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// demoKeyPassword protects the demo signing keys (demo only: real officers
// type their own passphrase, or set SCHAKEL_KEY_PASSWORD in a vault-fed
// environment).
const demoKeyPassword = "demo-alleen-voor-de-demonstratie"

// signers are the two key holders whose signatures a node requires.
var signers = []string{"privacy-officer", "fg"}

// setupPolicy does what the privacy officer and the FG do, with the real
// CLI: make a key pair each, build the default pack into an archive, sign it
// twice and verify it; then it installs the trusted public keys and a copy
// of the signed pack for every node.
func (w *world) setupPolicy(packDir string) error {
	keys := filepath.Join(w.dir, "keys")
	trusted := filepath.Join(w.dir, "trusted")
	release := filepath.Join(w.dir, "release")
	for _, d := range []string{keys, trusted, release} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
	}
	for _, s := range signers {
		if _, err := w.cli("policy", "keygen", "--out", filepath.Join(keys, s)); err != nil {
			return err
		}
		if err := copyFile(filepath.Join(keys, s+".pub"), filepath.Join(trusted, s+".pub")); err != nil {
			return err
		}
	}
	archive := filepath.Join(release, "pack.tar.gz")
	rev, err := w.cli("policy", "build", "--bundle", packDir, "--out", archive)
	if err != nil {
		return err
	}
	w.revision = strings.TrimSpace(rev)
	for _, s := range signers {
		if _, err := w.cli("policy", "sign", "--bundle", archive, "--key", filepath.Join(keys, s+".key")); err != nil {
			return err
		}
	}
	out, err := w.cli("policy", "verify", "--bundle", archive, "--trusted", trusted, "--threshold", "2")
	if err != nil {
		return err
	}
	fmt.Printf("  beleidspakket %s gebouwd uit %s\n  ondertekend door privacy officer en FG; schakel policy verify: %s\n",
		short(w.revision), packDir, strings.ReplaceAll(strings.TrimSpace(out), "\n", "; "))
	w.release = archive
	for _, n := range w.nodes {
		if err := w.installPack(n, archive, archive); err != nil {
			return err
		}
	}
	return nil
}

// installPack copies an archive and the signature files of signedArchive
// into the node's policy folder, signatures first, each by rename (as the
// guide tells administrators to do).
func (w *world) installPack(n *demoNode, archive, signedArchive string) error {
	dir := filepath.Join(n.dir, "policy")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, s := range signers {
		if err := copyFile(signedArchive+"."+s+".sig", filepath.Join(dir, "pack.tar.gz."+s+".sig")); err != nil {
			return err
		}
	}
	return copyFile(archive, filepath.Join(dir, "pack.tar.gz"))
}

// cli runs the schakel binary and returns its standard output.
func (w *world) cli(args ...string) (string, error) {
	cmd := exec.Command(w.bin, args...)
	cmd.Env = append(os.Environ(), "SCHAKEL_KEY_PASSWORD="+demoKeyPassword)
	var errb strings.Builder
	cmd.Stderr = &errb
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("schakel %s: %v: %s", strings.Join(args, " "), err, errb.String())
	}
	return string(out), nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	tmp := to + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, to)
}

func short(rev string) string {
	if len(rev) > len("sha256:")+12 {
		return rev[:len("sha256:")+12] + "…"
	}
	return rev
}

// tamperDemo puts a pack that was changed after signing (one byte) on the
// school's node, shows that the node refuses it and keeps deciding with the
// last good pack, and puts the good pack back.
func (w *world) tamperDemo(ctx context.Context, school, _ *demoNode, ask func()) error {
	b, err := os.ReadFile(w.release)
	if err != nil {
		return err
	}
	b[len(b)/2] ^= 0x01
	tampered := filepath.Join(w.dir, "release", "gewijzigd.tar.gz")
	if err := os.WriteFile(tampered, b, 0o644); err != nil {
		return err
	}
	fmt.Printf("  iemand wijzigt één byte in het ondertekende pakket en zet het op de node van %s\n", school.name)
	if err := w.installPack(school, tampered, w.release); err != nil {
		return err
	}
	st, err := waitPolicy(ctx, school, func(st *localv1.GetPolicyStatusResponse) bool {
		return st.GetRefusedSinceLoad()
	})
	if err != nil {
		return fmt.Errorf("the school node did not refuse the tampered pack: %w", err)
	}
	out, err := w.cli("policy", "status", "--config", school.config,
		"--cert", filepath.Join(school.dir, "client", school.oin+".pem"), "--key", filepath.Join(school.dir, "client", school.oin+".key"))
	if err != nil {
		return err
	}
	fmt.Printf("  schakel policy status (lokale API van %s):\n%s\n", school.name, indent(out))
	if err := showPolicyHealth(school); err != nil {
		return err
	}
	if st.GetRevision() != w.revision {
		return fmt.Errorf("active revision %s after a refused reload, want the last good %s", st.GetRevision(), w.revision)
	}
	fmt.Printf("  de node blijft beslissen met het laatste goede pakket %s:\n", short(st.GetRevision()))
	ask()
	fmt.Printf("  de beheerder zet het goede pakket terug\n")
	if err := w.installPack(school, w.release, w.release); err != nil {
		return err
	}
	st, err = waitPolicy(ctx, school, func(st *localv1.GetPolicyStatusResponse) bool { return !st.GetRefusedSinceLoad() })
	if err != nil {
		return fmt.Errorf("the school node did not reload the good pack: %w", err)
	}
	fmt.Printf("  ✔ opnieuw geladen: %s, ondertekend door %s\n", short(st.GetRevision()), signerList(st))
	return nil
}

func signerList(st *localv1.GetPolicyStatusResponse) string {
	var names []string
	for _, s := range st.GetSigners() {
		names = append(names, s.GetName())
	}
	return strings.Join(names, " en ")
}

// waitPolicy polls the node's policy status until ok (the node checks its
// policy files every second).
func waitPolicy(ctx context.Context, n *demoNode, ok func(*localv1.GetPolicyStatusResponse) bool) (*localv1.GetPolicyStatusResponse, error) {
	deadline := time.Now().Add(15 * time.Second)
	for {
		st, err := n.policy.GetPolicyStatus(ctx, &localv1.GetPolicyStatusRequest{})
		if err != nil {
			return nil, err
		}
		if ok(st) {
			return st, nil
		}
		if time.Now().After(deadline) {
			return st, fmt.Errorf("timeout; status %v", st)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// showPolicyHealth prints the node's /healthz state and its policy reload
// metrics, where monitoring sees a refusal.
func showPolicyHealth(n *demoNode) error {
	get := func(path string) ([]byte, error) {
		resp, err := http.Get("http://" + n.metricsAddr + path)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		return io.ReadAll(resp.Body)
	}
	b, err := get("/healthz")
	if err != nil {
		return err
	}
	var h struct {
		Status string `json:"status"`
		Policy struct {
			LastRefused struct {
				Case string `json:"case"`
			} `json:"last_refused"`
		} `json:"policy"`
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return fmt.Errorf("healthz: %w", err)
	}
	fmt.Printf("  /healthz: status %s, policy.last_refused.case %s\n", h.Status, h.Policy.LastRefused.Case)
	if h.Status != "serving_last_good_policy" {
		return fmt.Errorf("healthz status %q, want serving_last_good_policy", h.Status)
	}
	m, err := get("/metrics")
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(m), "\n") {
		if strings.HasPrefix(line, "schakel_policy_reload") {
			fmt.Printf("  metric: %s\n", line)
		}
	}
	return nil
}
