package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/internal/atomicfile"
	"github.com/schakel/schakel/policy"
	"github.com/schakel/schakel/policy/bundle"
	"github.com/schakel/schakel/policy/signing"
)

const policyInstallUsage = `usage: schakel policy install --config node.yaml --bundle pakket.tar.gz [--sig FILE ...]

Puts a signed archive and its signature files where the node's configuration
expects them (policy.bundle, and policy.signatures or else BUNDLE.NAME.sig
next to it), each written to a temporary name and renamed into place:
first the signatures, then the archive, then old signature files are
removed. Before anything is written the pack is checked as the node will
check it (its trusted keys and threshold, the pack's tests); a pack the
node would refuse is not installed. The running node loads it within a few
seconds (it watches the files); 'systemctl reload schakel' loads it at once.`

// cmdPolicyInstall installs a signed pack on this machine's node.
func cmdPolicyInstall(args []string, s stdio) int {
	fs := newFlags(s, "schakel policy install", policyInstallUsage)
	cfgPath := fs.configFlag()
	archivePath := fs.String("bundle", "", "signed archive to install (required)")
	var sigPaths listFlag
	fs.Var(&sigPaths, "sig", "signature file; repeat for each (default: BUNDLE.sig and BUNDLE.*.sig next to --bundle)")
	cfg, code, ok := fs.parseConfig(args, cfgPath)
	if !ok {
		return code
	}
	if *archivePath == "" {
		return fs.usageError("--bundle is required")
	}
	pc := cfg.Policy
	if pc.Bundle == "" {
		return fs.failf("de node draait het ingebouwde pakket (geen policy.bundle in %s); zet eerst policy.bundle, trusted_keys en threshold", *cfgPath)
	}
	sigs := []string(sigPaths)
	if len(sigs) == 0 {
		found, err := signing.FindSignatures(*archivePath)
		if err != nil {
			return fs.fail(err)
		}
		sigs = found
	}
	if len(sigs) == 0 {
		return fs.failf("geen handtekeningbestanden bij %s (%s.NAAM.sig); geef ze met --sig", *archivePath, filepath.Base(*archivePath))
	}
	sp, err := signing.OpenPack(context.Background(), signing.Source{Archive: *archivePath, Signatures: sigs,
		TrustedDir: pc.Trusted, Threshold: pc.Threshold, Now: time.Now()})
	if err != nil {
		return fs.failf("niet geïnstalleerd: de node zou dit pakket weigeren (%s): %v", signing.ErrorCase(err), err)
	}
	targets, stale, err := installTargets(pc.Bundle, pc.Signatures, *archivePath, sigs)
	if err != nil {
		return fs.fail(err)
	}
	archive, err := bundle.ReadArchive(*archivePath)
	if err != nil {
		return fs.fail(err)
	}
	// Signatures first, then the archive: each rename is atomic, and the
	// node loads only an archive and signatures that verify together.
	for i, sig := range sigs {
		data, err := os.ReadFile(sig) //nolint:gosec // a file named on the command line
		if err != nil {
			return fs.fail(err)
		}
		if err := atomicfile.Write(targets[i], data, 0o644); err != nil {
			return fs.fail(err)
		}
	}
	if err := atomicfile.Write(pc.Bundle, archive, 0o644); err != nil {
		return fs.fail(err)
	}
	for _, old := range stale {
		if err := os.Remove(old); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fs.fail(err)
		}
	}
	fmt.Fprintf(s.out, "geïnstalleerd: %s\n", sp.Revision())
	fmt.Fprintf(s.out, "archief:       %s\n", pc.Bundle)
	for i, t := range targets {
		fmt.Fprintf(s.out, "handtekening:  %s (van %s)\n", t, sigs[i])
	}
	for _, old := range stale {
		fmt.Fprintf(s.out, "verwijderd:    %s (oude handtekening)\n", old)
	}
	fmt.Fprintf(s.out, "ondertekend door %s; de node laadt het binnen enkele seconden (of direct met systemctl reload schakel).\n"+
		"Controleer daarna: schakel policy status --config %s\n", signerNames(sp.Signers), *cfgPath)
	return 0
}

// installTargets is where each offered signature goes: the configured
// policy.signatures in order (as many as configured), or else
// BUNDLE.NAME.sig with NAME from the offered file's name. stale are the
// signature files next to the bundle that the install leaves behind.
func installTargets(bundlePath string, configured []string, archivePath string, sigs []string) (targets, stale []string, err error) {
	if len(configured) > 0 {
		if len(sigs) != len(configured) {
			return nil, nil, fmt.Errorf("de configuratie noemt %d handtekeningbestanden (policy.signatures), er zijn er %d aangeboden", len(configured), len(sigs))
		}
		return configured, nil, nil
	}
	base := filepath.Base(archivePath)
	seen := map[string]bool{}
	for _, sig := range sigs {
		name := filepath.Base(sig)
		t := bundlePath + ".sig"
		if rest, ok := strings.CutPrefix(name, base+"."); ok && rest != "sig" {
			t = bundlePath + "." + rest
		} else if name != base+".sig" {
			t = bundlePath + "." + strings.TrimSuffix(name, ".sig") + ".sig"
		}
		if seen[t] {
			return nil, nil, fmt.Errorf("twee handtekeningen zouden %s worden; geef ze verschillende namen", t)
		}
		seen[t] = true
		targets = append(targets, t)
	}
	existing, err := signing.FindSignatures(bundlePath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}
	for _, e := range existing {
		if !seen[e] {
			stale = append(stale, e)
		}
	}
	return targets, stale, nil
}

const policyExportUsage = `usage: schakel policy export --out DIR [--config node.yaml | --bundle pakket.tar.gz]

Writes a policy pack as an editable folder (data.yaml, the Rego files, the
pack's tests and scenarios): with --config the pack the node runs (its
policy.bundle, which must be the revision the node reports as active, or the
built-in pack when none is configured); with --bundle that archive; with
neither the pack built into this binary. DIR must not exist or be empty.
'schakel policy build --bundle DIR' builds it again, with the same revision
as long as nothing was changed.`

// cmdPolicyExport unpacks a pack into a folder.
func cmdPolicyExport(args []string, s stdio) int {
	fl := newFlags(s, "schakel policy export", policyExportUsage)
	cfgPath := fl.configFlag()
	archivePath := fl.String("bundle", "", "archive to unpack (default: the node's, or the built-in pack)")
	out := fl.String("out", "", "folder to write (required; must not exist or be empty)")
	if code, ok := fl.parse(args); !ok {
		return code
	}
	if *out == "" {
		return fl.usageError("--out is required")
	}
	if *cfgPath != "" && *archivePath != "" {
		return fl.usageError("--config and --bundle exclude each other")
	}
	cfg, code, ok := fl.loadConfig(*cfgPath, false)
	if !ok {
		return code
	}
	var pack fs.FS
	what := "het ingebouwde pakket"
	src := *archivePath
	if cfg != nil {
		src = cfg.Policy.Bundle
	}
	if src != "" {
		archive, err := bundle.ReadArchive(src)
		if err != nil {
			return fl.fail(err)
		}
		rev := bundle.Revision(archive)
		if cfg != nil {
			// The file may hold a pack the node refused since; export only
			// what the node runs.
			if st, err := node.ReadStatusFile(cfg.DataDir); err == nil && st.Revision != rev {
				return fl.failf("%s is revisie %s, maar de node draait %s (het archief daar is sindsdien geweigerd of nog niet geladen); exporteer het archief waarmee die revisie is gebouwd met --bundle", src, rev, st.Revision)
			}
		}
		if pack, err = bundle.Open(archive); err != nil {
			return fl.fail(err)
		}
		what = fmt.Sprintf("%s (%s)", src, rev)
	} else {
		pack = policy.DefaultPack()
	}
	n, err := exportPack(pack, *out)
	if err != nil {
		return fl.fail(err)
	}
	fmt.Fprintf(s.out, "%s uitgepakt in %s: %d bestanden.\nBewerk ze, test met schakel policy test --bundle %s en bouw met schakel policy build --bundle %s --out pakket.tar.gz\n",
		what, *out, n, *out, *out)
	return 0
}

// exportPack copies every file of pack into dir (created; must be empty).
func exportPack(pack fs.FS, dir string) (int, error) {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return 0, fmt.Errorf("%s bestaat al en is niet leeg", dir)
	}
	n := 0
	err := fs.WalkDir(pack, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755) //nolint:gosec // an editable pack folder
		}
		if path.Base(p) != p && !filepath.IsLocal(filepath.FromSlash(p)) {
			return fmt.Errorf("%s: not a local path", p)
		}
		data, err := fs.ReadFile(pack, p)
		if err != nil {
			return err
		}
		n++
		return atomicfile.WriteNew(target, data, 0o644)
	})
	return n, err
}

func signerNames(ss []signing.Signer) string {
	names := make([]string, len(ss))
	for i, x := range ss {
		names[i] = x.Name
	}
	return strings.Join(names, " en ")
}
