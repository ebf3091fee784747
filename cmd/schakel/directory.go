package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/schakel/schakel/gateway/directory"
	"github.com/schakel/schakel/internal/atomicfile"
	"github.com/schakel/schakel/policy/signing"
)

// directoryGroup is `schakel directory`: the federation's signed peer
// directory.
var directoryGroup = &group{name: "schakel directory", cmds: []command{
	{name: "build", summary: "validate a source and write the canonical directory (--in SOURCE.yaml --out FILE [--version N])", run: cmdDirectoryBuild},
	{name: "sign", summary: "sign a directory (--directory FILE --key NAME.key [--out SIG])", run: cmdDirectorySign},
	{name: "verify", summary: "check a directory as a node would (--directory FILE --trusted DIR [--threshold 2] [--sig SIG ...])", run: cmdDirectoryVerify},
	{name: "diff", summary: "organisations added, removed, changed (OLD NEW)", run: cmdDirectoryDiff},
}}

func cmdDirectoryBuild(args []string, s stdio) int {
	fs := newFlags(s, "schakel directory build", "usage: schakel directory build --in SOURCE.yaml --out FILE [--version N]")
	in := fs.String("in", "", "source YAML: federation, version and peers (required)")
	out := fs.String("out", "", "directory file to write (required)")
	version := fs.Uint64("version", 0, "version to give the directory (default: the source's); must go up with every directory")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if *in == "" || *out == "" {
		return fs.usageError("--in and --out are required")
	}
	src, err := directory.ReadFile(*in)
	if err != nil {
		fmt.Fprintf(s.err, "schakel directory build: %v\n", err)
		return 1
	}
	f, err := parseLenient(src, *version)
	if err != nil {
		fmt.Fprintf(s.err, "schakel directory build: %s: %v\n", *in, err)
		return 1
	}
	b, err := directory.Marshal(f)
	if err != nil {
		fmt.Fprintf(s.err, "schakel directory build: %v\n", err)
		return 1
	}
	if err := atomicfile.Write(*out, b, 0o644); err != nil {
		fmt.Fprintf(s.err, "schakel directory build: %v\n", err)
		return 1
	}
	fmt.Fprintf(s.out, "built %s: %s version %d, %d organisations, %s\n", *out, f.Federation, f.Version, len(f.Peers), directory.Digest(b))
	return 0
}

// parseLenient parses a source file, with the version from the flag when
// given (a source may leave it out).
func parseLenient(b []byte, version uint64) (*directory.File, error) {
	if version > 0 {
		f, err := directory.Parse(append([]byte(fmt.Sprintf("version: %d\n", version)), stripVersion(b)...))
		return f, err
	}
	return directory.Parse(b)
}

// stripVersion drops a top-level version: line so that --version replaces it.
func stripVersion(b []byte) []byte {
	var out [][]byte
	for _, line := range bytes.Split(b, []byte("\n")) {
		if bytes.HasPrefix(line, []byte("version:")) {
			continue
		}
		out = append(out, line)
	}
	return bytes.Join(out, []byte("\n"))
}

func cmdDirectorySign(args []string, s stdio) int {
	fs := newFlags(s, "schakel directory sign", "usage: schakel directory sign --directory FILE --key NAME.key [--out SIG]")
	path := fs.String("directory", "", "directory file made by 'schakel directory build' (required)")
	keyPath := fs.String("key", "", "encrypted private key NAME.key (required)")
	out := fs.String("out", "", "signature file (default FILE.NAME.sig)")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if *path == "" || *keyPath == "" {
		return fs.usageError("--directory and --key are required")
	}
	if *out == "" {
		*out = *path + "." + strings.TrimSuffix(filepath.Base(*keyPath), ".key") + ".sig"
	}
	b, err := directory.ReadFile(*path)
	if err != nil {
		fmt.Fprintf(s.err, "schakel directory sign: %v\n", err)
		return 1
	}
	// The signer vouches for what nodes will read: only a valid directory
	// in the canonical form that build writes.
	f, err := directory.Parse(b)
	if err != nil {
		fmt.Fprintf(s.err, "schakel directory sign: %s is not a valid directory: %v\n", *path, err)
		return 1
	}
	if canon, err := directory.Marshal(f); err != nil || !bytes.Equal(canon, b) {
		fmt.Fprintf(s.err, "schakel directory sign: %s is not in canonical form; write it with 'schakel directory build'\n", *path)
		return 1
	}
	privPEM, err := os.ReadFile(*keyPath)
	if err != nil {
		fmt.Fprintf(s.err, "schakel directory sign: %v\n", err)
		return 1
	}
	password, err := readPassphrase(s, false)
	if err != nil {
		fmt.Fprintf(s.err, "schakel directory sign: %v\n", err)
		return 1
	}
	sig, err := signing.Sign(privPEM, password, b)
	if err != nil {
		fmt.Fprintf(s.err, "schakel directory sign: %v\n", err)
		return 1
	}
	if err := atomicfile.Write(*out, sig, 0o644); err != nil {
		fmt.Fprintf(s.err, "schakel directory sign: %v\n", err)
		return 1
	}
	fmt.Fprintf(s.out, "signed %s version %d (%s)\nsignature: %s\n", f.Federation, f.Version, directory.Digest(b), *out)
	return 0
}

func cmdDirectoryVerify(args []string, s stdio) int {
	fs := newFlags(s, "schakel directory verify", "usage: schakel directory verify --directory FILE --trusted DIR [--threshold 2] [--sig SIG ...]")
	path := fs.String("directory", "", "directory file (required)")
	var sigPaths listFlag
	fs.Var(&sigPaths, "sig", "signature file; repeat for each (default: FILE.sig and FILE.*.sig)")
	trustedDir := fs.String("trusted", "", "folder of trusted public keys, NAME.pub (required)")
	threshold := fs.Int("threshold", 2, "distinct trusted keys that must have signed")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if *path == "" || *trustedDir == "" {
		return fs.usageError("--directory and --trusted are required")
	}
	trusted, err := signing.LoadTrustedDir(*trustedDir)
	if err != nil {
		fmt.Fprintf(s.err, "schakel directory verify: %v\n", err)
		return 1
	}
	if len(sigPaths) == 0 {
		if sigPaths, err = signing.FindSignatures(*path); err != nil {
			fmt.Fprintf(s.err, "schakel directory verify: %v\n", err)
			return 1
		}
	}
	v, err := directory.VerifyFiles(*path, sigPaths, signing.Trust{Keys: trusted, Threshold: *threshold})
	if err != nil {
		fmt.Fprintf(s.err, "schakel directory verify: REFUSED %s\n  %v\n", *path, err)
		var ve *signing.VerifyError
		if errors.As(err, &ve) {
			for _, f := range ve.Failures {
				fmt.Fprintf(s.err, "  %s: %v\n", f.Source, f.Err)
			}
		}
		return 1
	}
	fmt.Fprintf(s.out, "OK %s version %d, %d organisations, %s\nsigned by %s\n",
		v.File.Federation, v.File.Version, len(v.File.Peers), v.Digest, strings.Join(v.Signers, ", "))
	return 0
}

func cmdDirectoryDiff(args []string, s stdio) int {
	fs := newFlags(s, "schakel directory diff", "usage: schakel directory diff OLD NEW")
	if code, ok := fs.parseArgs(args, 2, 2); !ok {
		return code
	}
	var files [2]*directory.File
	for i, p := range fs.Args() {
		b, err := directory.ReadFile(p)
		if err == nil {
			files[i], err = directory.Parse(b)
		}
		if err != nil {
			fmt.Fprintf(s.err, "schakel directory diff: %s: %v\n", p, err)
			return 1
		}
	}
	old, nw := files[0], files[1]
	fmt.Fprintf(s.out, "version %d -> %d", old.Version, nw.Version)
	if nw.Version <= old.Version {
		fmt.Fprint(s.out, " (does not go up: nodes will refuse it)")
	}
	fmt.Fprintln(s.out)
	entry := func(e *directory.Entry) string {
		return fmt.Sprintf("%s %q %s gemeente=%s %s", e.OIN, e.Name, e.OrgType, e.GemeenteCode, e.Address)
	}
	changes := directory.Diff(old, nw)
	for _, c := range changes {
		switch c.Kind {
		case "added":
			fmt.Fprintf(s.out, "+ %s\n", entry(c.New))
		case "removed":
			fmt.Fprintf(s.out, "- %s\n", entry(c.Old))
		default:
			fmt.Fprintf(s.out, "~ %s\n  -> %s\n", entry(c.Old), entry(c.New))
		}
	}
	if len(changes) == 0 {
		fmt.Fprintln(s.out, "no organisation changed")
	}
	return 0
}
