// Package bundle turns a policy pack folder into one deterministic archive,
// the unit that privacy officers sign and that nodes load.
//
// The archive is a gzip-compressed tar file holding only regular files, in
// sorted path order, with every varying field (modification time, owner,
// group, mode, gzip name and time) fixed. The same folder content therefore
// always yields the same bytes, and Revision, the SHA-256 digest of those
// bytes, identifies the pack: it is what the signatures cover and what every
// decision reports as its policy_revision.
//
// Open interprets archive bytes. It must only be called on bytes whose
// signatures have been verified (see package signing, OpenPack): a node
// verifies, then parses, then swaps.
package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Limits on what a pack may contain. A policy pack is a handful of small text
// files; anything near these limits is a mistake or an attack.
const (
	MaxFiles       = 1000     // regular files in one pack
	MaxFileSize    = 4 << 20  // bytes in one file
	MaxTotalSize   = 32 << 20 // bytes in all files together, uncompressed
	MaxArchiveSize = 16 << 20 // bytes of the compressed archive
)

// Errors returned by Build, Open and Load; they are wrapped with detail.
var (
	// ErrUnsafeEntry: an archive entry or a file in a pack folder is not a
	// plain regular file under a clean relative path (absolute path, "..",
	// symbolic link, device, directory entry, duplicate, non-ASCII name).
	ErrUnsafeEntry = errors.New("unsafe entry in policy bundle")
	// ErrTooLarge: a file, the pack or the archive exceeds the limits above.
	ErrTooLarge = errors.New("policy bundle too large")
	// ErrCorrupt: the bytes are not a gzip-compressed tar archive.
	ErrCorrupt = errors.New("policy bundle is not a valid archive")
)

const fileMode = 0o644

// epoch is the modification time written for every entry. The Unix epoch
// (rather than Go's zero time) keeps the header in plain USTAR format.
var epoch = time.Unix(0, 0).UTC()

// Build makes the deterministic archive of the pack folder dir.
//
// It includes every regular file under dir, recursively, except entries
// whose name starts with "." (editor and VCS leftovers such as .git or
// .DS_Store are not part of a pack). Symbolic links and other non-regular
// files are refused rather than skipped, so that what is signed is exactly
// what the author sees. Paths must be ASCII.
//
// The output depends only on the files' relative paths and contents, not on
// timestamps, owners or permissions on disk, for a given Go toolchain (the
// compressor's output could in principle change between Go releases; the
// signature covers the bytes, so an old archive stays valid).
func Build(dir string) ([]byte, error) {
	files, err := collect(dir)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	gz, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	// The gzip header carries no name, no comment and no time; the OS byte
	// is the package's fixed default.
	gz.Header = gzip.Header{OS: 255}
	tw := tar.NewWriter(gz)
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			return nil, fmt.Errorf("bundle: read %s: %w", f, err)
		}
		if len(data) > MaxFileSize {
			return nil, fmt.Errorf("bundle: %s is %d bytes, more than %d: %w", f, len(data), MaxFileSize, ErrTooLarge)
		}
		hdr := &tar.Header{
			Typeflag: tar.TypeReg,
			Name:     f,
			Size:     int64(len(data)),
			Mode:     fileMode,
			ModTime:  epoch,
			Format:   tar.FormatUSTAR,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("bundle: %s: %w", f, err)
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	if buf.Len() > MaxArchiveSize {
		return nil, fmt.Errorf("bundle: archive is %d bytes, more than %d: %w", buf.Len(), MaxArchiveSize, ErrTooLarge)
	}
	return buf.Bytes(), nil
}

// collect lists the regular files under dir as sorted slash paths.
func collect(dir string) ([]string, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("bundle: %s is not a folder", dir)
	}
	var files []string
	var total int64
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("bundle: %s is not a regular file (%s): %w", rel, d.Type(), ErrUnsafeEntry)
		}
		if err := checkName(rel); err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		total += fi.Size()
		if len(files) >= MaxFiles || total > MaxTotalSize {
			return fmt.Errorf("bundle: %s holds more than %d files or %d bytes: %w", dir, MaxFiles, MaxTotalSize, ErrTooLarge)
		}
		files = append(files, rel)
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	return files, nil
}

// checkName accepts a clean, relative, ASCII slash path.
func checkName(name string) error {
	if !fs.ValidPath(name) || name == "." || strings.Contains(name, `\`) {
		return fmt.Errorf("bundle: path %q: %w", name, ErrUnsafeEntry)
	}
	for _, r := range name {
		if r < 0x20 || r > 0x7e {
			return fmt.Errorf("bundle: path %q is not printable ASCII: %w", name, ErrUnsafeEntry)
		}
	}
	return nil
}

// Revision is the identity of an archive: "sha256:" and the hex SHA-256
// digest of its bytes. Decisions report it as policy_revision.
func Revision(archive []byte) string {
	sum := sha256.Sum256(archive)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Open reads an archive into memory and returns its files as a read-only
// file system.
//
// Open refuses absolute paths, "..", symbolic and hard links, directories
// and every other non-regular entry, duplicate paths, and content beyond the
// limits. It is not a substitute for verification: call it only on archive
// bytes whose signatures have been checked (signing.OpenPack does both,
// in that order).
func Open(archive []byte) (fs.FS, error) {
	if len(archive) > MaxArchiveSize {
		return nil, fmt.Errorf("bundle: archive is %d bytes, more than %d: %w", len(archive), MaxArchiveSize, ErrTooLarge)
	}
	gz, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		return nil, fmt.Errorf("bundle: %w: %v", ErrCorrupt, err)
	}
	gz.Multistream(false)
	tr := tar.NewReader(io.LimitReader(gz, MaxTotalSize+MaxFiles*1024+4096))
	files := make(map[string][]byte)
	var total int64
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("bundle: %w: %v", ErrCorrupt, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			return nil, fmt.Errorf("bundle: entry %q has type %q, only regular files are allowed: %w", hdr.Name, hdr.Typeflag, ErrUnsafeEntry)
		}
		if err := checkName(hdr.Name); err != nil {
			return nil, err
		}
		if _, dup := files[hdr.Name]; dup {
			return nil, fmt.Errorf("bundle: entry %q appears twice: %w", hdr.Name, ErrUnsafeEntry)
		}
		if hdr.Size < 0 || hdr.Size > MaxFileSize {
			return nil, fmt.Errorf("bundle: entry %q is %d bytes, more than %d: %w", hdr.Name, hdr.Size, MaxFileSize, ErrTooLarge)
		}
		total += hdr.Size
		if len(files) >= MaxFiles || total > MaxTotalSize {
			return nil, fmt.Errorf("bundle: archive holds more than %d files or %d bytes: %w", MaxFiles, MaxTotalSize, ErrTooLarge)
		}
		data := make([]byte, hdr.Size)
		if _, err := io.ReadFull(tr, data); err != nil {
			return nil, fmt.Errorf("bundle: entry %q: %w: %v", hdr.Name, ErrCorrupt, err)
		}
		files[hdr.Name] = data
	}
	fsys, err := newMemFS(files)
	if err != nil {
		return nil, err
	}
	return fsys, nil
}

// Load reads a pack from path, which is either a pack folder or an archive
// made by Build, and returns its files and its revision. For a folder, the
// revision is that of the archive Build would make of it.
//
// Load does not verify signatures. It is for tooling on the author's own
// machine (diff, test); a node loads packs with signing.OpenPack.
func Load(p string) (fs.FS, string, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, "", fmt.Errorf("bundle: %w", err)
	}
	var archive []byte
	if info.IsDir() {
		archive, err = Build(p)
	} else {
		archive, err = ReadArchive(p)
	}
	if err != nil {
		return nil, "", err
	}
	fsys, err := Open(archive)
	if err != nil {
		return nil, "", err
	}
	return fsys, Revision(archive), nil
}

// ReadArchive reads an archive file, refusing one larger than
// MaxArchiveSize. It does not interpret the bytes.
func ReadArchive(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxArchiveSize+1))
	if err != nil {
		return nil, fmt.Errorf("bundle: read %s: %w", p, err)
	}
	if len(data) > MaxArchiveSize {
		return nil, fmt.Errorf("bundle: %s is larger than %d bytes: %w", p, MaxArchiveSize, ErrTooLarge)
	}
	return data, nil
}

// cleanDir returns the parent folder of a slash path, "." at the top.
func cleanDir(name string) string {
	return path.Dir(name)
}
