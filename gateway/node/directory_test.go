package node_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/directory"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/internal/testnode"
	"github.com/schakel/schakel/policy/signing"
)

// TestSignedDirectoryAddsPeerWithoutRestart: a newly signed directory that
// adds an organisation takes effect on a running node; a tampered one is
// refused and the last good one stays in force (and /healthz says so).
func TestSignedDirectoryAddsPeerWithoutRestart(t *testing.T) {
	pw := []byte("directory test passphrase")
	trusted := t.TempDir()
	var priv [][]byte
	for _, name := range []string{"federatie", "fg"} {
		p, pub, err := signing.GenerateKeyPair(pw)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(trusted, name+".pub"), pub, 0o644); err != nil {
			t.Fatal(err)
		}
		priv = append(priv, p)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "directory.yaml")
	publish := func(f *directory.File, signWith []byte) {
		t.Helper()
		b, err := directory.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		if signWith == nil {
			signWith = b
		}
		// Sign first (slow), then copy the files in one after another, as
		// an operator would.
		var sigs [][]byte
		for i := range priv {
			sig, err := signing.Sign(priv[i], pw, signWith)
			if err != nil {
				t.Fatal(err)
			}
			sigs = append(sigs, sig)
		}
		for i, name := range []string{"federatie", "fg"} {
			if err := os.WriteFile(path+"."+name+".sig", sigs[i], 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	entry := func(o testnode.Org, addr string) directory.Entry {
		return directory.Entry{OIN: o.OIN, Name: o.Name, OrgType: o.OrgType, Address: addr}
	}
	v1 := &directory.File{Federation: "Twente", Version: 1, Peers: []directory.Entry{
		entry(testnode.School, "127.0.0.1:1"), entry(testnode.Gemeente, "127.0.0.1:1"),
	}}
	publish(v1, nil)

	f := testnode.New(t)
	school := f.Start(testnode.School, nil, func(c *config.Config, o *node.Options) {
		o.Decider = allowDecider{}
		o.Source = fixtureSource(t)
		c.Directory = config.Directory{File: path, Trusted: trusted, Threshold: 2}
		c.Listen.Metrics = "127.0.0.1:0"
	})
	zorg := f.CA.Issue(t, testnode.Zorg.OIN, testnode.Zorg.Name)
	client := f.PeerClient(school, zorg.TLS)
	if err := askWith(t, client); status.Code(err) != codes.PermissionDenied || !strings.Contains(err.Error(), "UNKNOWN_PEER") && !strings.Contains(err.Error(), "directory") {
		t.Fatalf("organisation outside the directory: %v, want PermissionDenied (unknown peer)", err)
	}

	// Version 2 adds Jeugdzorg Twente.
	v2 := &directory.File{Federation: "Twente", Version: 2, Peers: append(v1.Peers, entry(testnode.Zorg, "127.0.0.1:1"))}
	publish(v2, nil)
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := askWith(t, client)
		if err == nil {
			break
		}
		if status.Code(err) != codes.PermissionDenied || time.Now().After(deadline) {
			t.Fatalf("after signing a directory with the new peer: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// Version 3 drops it, but the file is changed after signing: refused,
	// version 2 stays in force and the peer is still served.
	v3 := &directory.File{Federation: "Twente", Version: 3, Peers: v1.Peers}
	signedOther, _ := directory.Marshal(&directory.File{Federation: "Twente", Version: 3, Peers: v2.Peers})
	publish(v3, signedOther)
	deadline = time.Now().Add(15 * time.Second)
	var health string
	for {
		health = httpGet(t, "http://"+school.Node.MetricsAddr+"/healthz")
		if strings.Contains(health, "changed after signing") || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(health, `"version":2`) || !strings.Contains(health, "changed after signing") || !strings.Contains(health, "serving_last_good_directory") {
		t.Fatalf("/healthz after a tampered directory: %s", health)
	}
	if err := askWith(t, client); err != nil {
		t.Fatalf("peer of the last good directory refused after a tampered update: %v", err)
	}
	if !strings.Contains(f.Logs.String(), "peer directory refused; keeping the last good one") {
		t.Error("the refusal is not logged")
	}
}

// signedDirectory writes f, signed by two new trusted keys, to a folder of
// its own and returns the node configuration that loads it.
func signedDirectory(t *testing.T, f *directory.File) config.Directory {
	t.Helper()
	pw := []byte("directory test passphrase")
	trusted, dir := t.TempDir(), t.TempDir()
	path := filepath.Join(dir, "directory.yaml")
	b, err := directory.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"federatie", "fg"} {
		priv, pub, err := signing.GenerateKeyPair(pw)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := signing.Sign(priv, pw, b)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(trusted, name+".pub"), pub, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path+"."+name+".sig", sig, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return config.Directory{File: path, Trusted: trusted, Threshold: 2}
}
