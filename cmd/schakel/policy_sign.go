package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"github.com/schakel/schakel/internal/atomicfile"
	"github.com/schakel/schakel/policy"
	"github.com/schakel/schakel/policy/bundle"
	"github.com/schakel/schakel/policy/signing"
)

// passwordEnv holds the key passphrase for unattended use; without it the
// passphrase is read from the terminal.
const passwordEnv = "SCHAKEL_KEY_PASSWORD"

// cmdPolicyBuild writes the deterministic archive of a pack folder.
func cmdPolicyBuild(args []string, s stdio) int {
	fs := newFlags(s, "schakel policy build", "usage: schakel policy build --bundle DIR --out FILE\n\nWrites the deterministic archive of a pack folder, after the checks a node makes (signatures aside); prints its revision.")
	dir := fs.String("bundle", "", "pack folder to archive (required)")
	out := fs.String("out", "", "archive file to write, e.g. pack.tar.gz (required)")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if *dir == "" || *out == "" {
		return fs.usageError("--bundle and --out are required")
	}
	archive, err := bundle.Build(*dir)
	if err != nil {
		return fs.fail(err)
	}
	if err := checkPack(archive); err != nil {
		return fs.failf("the pack does not load: %v", err)
	}
	if err := atomicfile.Write(*out, archive, 0o644); err != nil {
		return fs.fail(err)
	}
	fmt.Fprintf(s.out, "%s\n", bundle.Revision(archive))
	fmt.Fprintf(s.err, "wrote %s (%d bytes)\n", *out, len(archive))
	return 0
}

// cmdPolicyKeygen writes NAME.key (encrypted, mode 0600) and NAME.pub.
func cmdPolicyKeygen(args []string, s stdio) int {
	fs := newFlags(s, "schakel policy keygen", "usage: schakel policy keygen --out NAME\n\nWrites NAME.key (encrypted with the passphrase from $SCHAKEL_KEY_PASSWORD or the terminal, mode 0600) and NAME.pub.")
	out := fs.String("out", "", "writes NAME.key and NAME.pub (required)")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if *out == "" {
		return fs.usageError("--out is required")
	}
	keyPath, pubPath := *out+".key", *out+".pub"
	for _, p := range []string{keyPath, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return fs.failf("%s exists; not overwriting a key", p)
		}
	}
	password, err := readPassphrase(s, true)
	if err != nil {
		return fs.fail(err)
	}
	privPEM, pubPEM, err := signing.GenerateKeyPair(password)
	if err != nil {
		return fs.fail(err)
	}
	key, err := signing.ParseTrustedKey(filepath.Base(*out), pubPEM)
	if err != nil {
		return fs.fail(err)
	}
	if err := atomicfile.WriteNew(keyPath, privPEM, 0o600); err != nil {
		return fs.fail(err)
	}
	if err := atomicfile.WriteNew(pubPath, pubPEM, 0o644); err != nil {
		return fs.fail(err)
	}
	fmt.Fprintf(s.out, "private key: %s (keep it secret, with its passphrase)\npublic key:  %s (install on nodes in the trusted keys folder)\nfingerprint: %s\n",
		keyPath, pubPath, key.Fingerprint())
	return 0
}

// cmdPolicySign writes a detached, cosign-compatible signature of an archive.
func cmdPolicySign(args []string, s stdio) int {
	fs := newFlags(s, "schakel policy sign", "usage: schakel policy sign --bundle FILE --key NAME.key [--out FILE]\n\nWrites a detached, cosign-compatible signature of an archive made by 'schakel policy build'.")
	archivePath := fs.String("bundle", "", "archive made by 'schakel policy build' (required)")
	keyPath := fs.String("key", "", "encrypted private key NAME.key (required)")
	out := fs.String("out", "", "signature file (default BUNDLE.NAME.sig)")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if *archivePath == "" || *keyPath == "" {
		return fs.usageError("--bundle and --key are required")
	}
	if *out == "" {
		*out = *archivePath + "." + strings.TrimSuffix(filepath.Base(*keyPath), ".key") + ".sig"
	}
	if info, err := os.Stat(*archivePath); err == nil && info.IsDir() {
		return fs.failf("%s is a folder; sign the archive made by 'schakel policy build'", *archivePath)
	}
	archive, err := bundle.ReadArchive(*archivePath)
	if err != nil {
		return fs.fail(err)
	}
	// The signer vouches for this archive: refuse to sign one that would
	// not open or load.
	if err := checkPack(archive); err != nil {
		return fs.failf("%s is not a valid pack: %v", *archivePath, err)
	}
	privPEM, err := os.ReadFile(*keyPath)
	if err != nil {
		return fs.fail(err)
	}
	password, err := readPassphrase(s, false)
	if err != nil {
		return fs.fail(err)
	}
	sig, err := signing.Sign(privPEM, password, archive)
	if err != nil {
		return fs.fail(err)
	}
	if err := atomicfile.Write(*out, sig, 0o644); err != nil {
		return fs.fail(err)
	}
	fmt.Fprintf(s.out, "signed %s\nsignature: %s\n", bundle.Revision(archive), *out)
	return 0
}

// cmdPolicyVerify checks an archive's signatures against a folder of trusted
// public keys and a threshold. Exit 0 only when the threshold is met.
func cmdPolicyVerify(args []string, s stdio) int {
	fs := newFlags(s, "schakel policy verify", "usage: schakel policy verify --bundle FILE --trusted DIR [--sig FILE ...] [--threshold N]\n\nChecks an archive as a node would load it.")
	archivePath := fs.String("bundle", "", "archive to check (required)")
	var sigPaths listFlag
	fs.Var(&sigPaths, "sig", "signature file; repeat for each (default: BUNDLE.sig and BUNDLE.*.sig)")
	trustedDir := fs.String("trusted", "", "folder of trusted public keys, NAME.pub (required)")
	threshold := fs.Int("threshold", 2, "distinct trusted keys that must have signed")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if *archivePath == "" || *trustedDir == "" {
		return fs.usageError("--bundle and --trusted are required")
	}
	trusted, err := signing.LoadTrustedDir(*trustedDir)
	if err != nil {
		return fs.fail(err)
	}
	if len(sigPaths) == 0 {
		if sigPaths, err = signing.FindSignatures(*archivePath); err != nil {
			return fs.failf("%v", err)
		}
	}
	archive, res, err := signing.VerifyFiles(*archivePath, sigPaths, trusted, *threshold)
	if err != nil {
		fmt.Fprintf(s.err, "schakel policy verify: REFUSED %s\n", *archivePath)
		var ve *signing.VerifyError
		if errors.As(err, &ve) {
			if ve.Offered == 0 {
				fmt.Fprintf(s.err, "  unsigned: no signature files (need %d distinct trusted signers)\n", *threshold)
			} else {
				fmt.Fprintf(s.err, "  %d of %d required trusted signers", len(ve.Signers), ve.Threshold)
				if len(ve.Signers) > 0 {
					fmt.Fprintf(s.err, " (valid: %s)", strings.Join(ve.SignerNames(), ", "))
				}
				fmt.Fprintln(s.err)
				for _, f := range ve.Failures {
					fmt.Fprintf(s.err, "  %s: %v\n", f.Source, f.Err)
				}
			}
		} else {
			fmt.Fprintf(s.err, "  %v\n", err)
		}
		return 1
	}
	// Verified; now it is safe to look inside.
	if _, err := bundle.Open(archive); err != nil {
		return fs.failf("signatures valid, but the archive is unsafe: %v", err)
	}
	for _, f := range res.Failures {
		fmt.Fprintf(s.err, "warning: %s did not count: %v\n", f.Source, f.Err)
	}
	fmt.Fprintf(s.out, "OK %s\nsigned by %s (%d of %d required)\n",
		bundle.Revision(archive), strings.Join(res.SignerNames(), ", "), len(res.Signers), res.Threshold)
	return 0
}

// checkPack refuses an archive that does not open as a pack.
func checkPack(archive []byte) error {
	fsys, err := bundle.Open(archive)
	if err != nil {
		return err
	}
	// The same checks a node makes before it uses a pack: the rules load,
	// the Rego compiles and the sample decisions keep the contract.
	p, err := policy.LoadPack(fsys)
	if err != nil {
		return err
	}
	_, err = policy.NewEngine(p)
	return err
}

// readPassphrase takes the passphrase from SCHAKEL_KEY_PASSWORD or, when it
// is unset, from the terminal (twice when confirm is set).
func readPassphrase(s stdio, confirm bool) ([]byte, error) {
	if v := os.Getenv(passwordEnv); v != "" {
		return []byte(v), nil
	}
	f, ok := s.in.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, fmt.Errorf("no passphrase: set %s or run in a terminal", passwordEnv)
	}
	fmt.Fprint(s.err, "Passphrase for the private key: ")
	p1, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(s.err)
	if err != nil {
		return nil, err
	}
	if len(p1) == 0 {
		return nil, signing.ErrEmptyPassword
	}
	if !confirm {
		return p1, nil
	}
	fmt.Fprint(s.err, "Passphrase again: ")
	p2, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(s.err)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(p1, p2) {
		return nil, errors.New("the passphrases differ")
	}
	return p1, nil
}
