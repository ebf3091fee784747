package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"github.com/schakel/schakel/internal/atomicfile"
	"github.com/schakel/schakel/policy/bundle"
	"github.com/schakel/schakel/policy/signing"
)

// passwordEnv holds the key passphrase for unattended use; without it the
// passphrase is read from the terminal.
const passwordEnv = "SCHAKEL_KEY_PASSWORD"

// cmdPolicyBuild writes the deterministic archive of a pack folder.
func cmdPolicyBuild(args []string, s stdio) int {
	fs := newFlags(s, "schakel policy build", "usage: schakel policy build --bundle DIR --out FILE\n\nWrites the deterministic archive of a pack folder and prints its revision, only when\nthe pack is valid as a node checks it (signing.ValidatePack: data, Rego, contract,\nthe pack's Rego tests and scenarios).")
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
	if code := checkPack(fs, archive, *dir); code != 0 {
		return code
	}
	if err := atomicfile.Write(*out, archive, 0o644); err != nil {
		return fs.fail(err)
	}
	fmt.Fprintf(s.out, "%s\n", bundle.Revision(archive))
	fmt.Fprintf(s.err, "geschreven: %s (%d bytes)\n", *out, len(archive))
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
	fmt.Fprintf(s.out, "geheime sleutel:  %s (geheim houden, net als de wachtwoordzin)\npublieke sleutel: %s (voor de map met vertrouwde sleutels op de nodes)\nvingerafdruk:     %s (geef die via een ander kanaal door aan de beheerder)\n",
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
	// The signer vouches for this archive: refuse to sign one a node would
	// refuse.
	if code := checkPack(fs, archive, *archivePath); code != 0 {
		return code
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
	fmt.Fprintf(s.out, "ondertekend:  %s\nhandtekening: %s\n", bundle.Revision(archive), *out)
	return 0
}

// cmdPolicyVerify checks an archive exactly as a node loads it
// (signing.OpenPack): the threshold of distinct trusted keys that have not
// expired, then the pack's validity and tests. Exit 0 only when a node
// would load it.
func cmdPolicyVerify(args []string, s stdio) int {
	fs := newFlags(s, "schakel policy verify", "usage: schakel policy verify --bundle FILE --trusted DIR [--sig FILE ...] [--threshold N]\n\nChecks an archive exactly as a node loads it: N distinct trusted keys that have not\nexpired (Not-After) signed it, then the pack is valid and its tests pass.")
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
	src := signing.Source{Archive: *archivePath, TrustedDir: *trustedDir, Threshold: *threshold}
	if len(sigPaths) > 0 {
		src.Signatures = sigPaths
	}
	sp, err := signing.OpenPack(context.Background(), src)
	if err != nil {
		fmt.Fprintf(s.err, "schakel policy verify: GEWEIGERD %s (%s)\n", *archivePath, signing.ErrorCase(err))
		printRefusal(s, err)
		return 1
	}
	for _, f := range sp.Ignored {
		fmt.Fprintf(s.err, "let op: %s telt niet mee: %v\n", f.Source, f.Err)
	}
	fmt.Fprintf(s.out, "OK %s\nondertekend door %s (%d van %d vereist)\n",
		sp.Revision(), strings.Join(signing.Result{Signers: sp.Signers}.SignerNames(), ", "), len(sp.Signers), sp.Threshold)
	fmt.Fprintf(s.out, "geldig pakket: %d Rego-tests en %d scenario's van het pakket slagen\n", sp.RegoTests, sp.Scenarios)
	return 0
}

// printRefusal writes why a pack was refused: the signatures that counted
// and each that did not, the expired keys, the failing tests.
func printRefusal(s stdio, err error) {
	var ve *signing.VerifyError
	var pe *signing.PackError
	switch {
	case errors.As(err, &ve) && ve.Offered == 0:
		fmt.Fprintf(s.err, "  niet ondertekend: geen handtekeningbestanden (nodig: %d verschillende vertrouwde ondertekenaars)\n", ve.Threshold)
	case errors.As(err, &ve):
		fmt.Fprintf(s.err, "  %d van %d vereiste vertrouwde ondertekenaars", len(ve.Signers), ve.Threshold)
		if len(ve.Signers) > 0 {
			fmt.Fprintf(s.err, " (geldig: %s)", strings.Join(ve.SignerNames(), ", "))
		}
		fmt.Fprintln(s.err)
		for _, f := range ve.Failures {
			fmt.Fprintf(s.err, "  %s: %v\n", f.Source, f.Err)
		}
		if errors.Is(err, signing.ErrKeyExpired) {
			fmt.Fprintf(s.err, "  %v\n", err)
		}
	case errors.As(err, &pe) && len(pe.FailedTests) > 0:
		fmt.Fprintf(s.err, "  de tests van het pakket falen:\n")
		for _, t := range pe.FailedTests {
			fmt.Fprintf(s.err, "    FAIL %s\n", t)
		}
	case errors.As(err, &pe):
		fmt.Fprintf(s.err, "  %v\n", pe.Err)
	default:
		fmt.Fprintf(s.err, "  %v\n", err)
	}
}

// checkPack refuses an archive a node would refuse (signatures aside): it
// must open safely and be valid by signing.ValidatePack. It returns 0 when
// the pack is valid, else the exit code after the message.
func checkPack(fs *flags, archive []byte, what string) int {
	fsys, err := bundle.Open(archive)
	if err == nil {
		_, err = signing.ValidatePack(context.Background(), fsys, bundle.Revision(archive))
	}
	if err != nil {
		fmt.Fprintf(fs.s.err, "%s: %s is geen geldig pakket (%s)\n", fs.Name(), what, signing.ErrorCase(err))
		printRefusal(fs.s, err)
		return 1
	}
	return 0
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
