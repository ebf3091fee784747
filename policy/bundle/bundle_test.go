package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// writePack writes a small pack folder and returns its path.
func writePack(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"data.yaml":               "flows:\n  A1:\n    basis: toestemming\n",
		"schakel.rego":            "package schakel\n",
		"schakel_test.rego":       "package schakel_test\n",
		"scenarios/a1_allow.yaml": "name: a1\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestBuildDeterministic(t *testing.T) {
	dir := writePack(t)
	first, err := Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	second, err := Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Fatal("two builds of the same folder differ")
	}

	// Other modification times, permissions and an ignored dot file must
	// not change a byte.
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(dir, "data.yaml"), old, old); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "schakel.rego"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".DS_Store"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".git", "HEAD"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	third, err := Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, third) {
		t.Fatal("mtime, mode or dot files changed the archive")
	}

	// A copy of the folder elsewhere gives the same bytes.
	copyDir := writePack(t)
	fourth, err := Build(copyDir)
	if err != nil {
		t.Fatal(err)
	}
	if Revision(first) != Revision(fourth) {
		t.Fatalf("same content in another folder: %s != %s", Revision(first), Revision(fourth))
	}

	// A content change does change the revision.
	if err := os.WriteFile(filepath.Join(dir, "data.yaml"), []byte("flows: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	changed, err := Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	if Revision(changed) == Revision(first) {
		t.Fatal("changed content, same revision")
	}
}

func TestArchiveHeaders(t *testing.T) {
	archive, err := Build(writePack(t))
	if err != nil {
		t.Fatal(err)
	}
	gz, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	if gz.Name != "" || !gz.ModTime.IsZero() || gz.Comment != "" {
		t.Errorf("gzip header carries name %q, time %v, comment %q", gz.Name, gz.ModTime, gz.Comment)
	}
	tr := tar.NewReader(gz)
	var names []string
	for {
		hdr, err := tr.Next()
		if err != nil {
			break
		}
		names = append(names, hdr.Name)
		if hdr.Mode != 0o644 || hdr.Uid != 0 || hdr.Gid != 0 || hdr.Uname != "" || hdr.Gname != "" || hdr.ModTime.Unix() != 0 {
			t.Errorf("%s: header not normalised: %+v", hdr.Name, hdr)
		}
	}
	want := "data.yaml scenarios/a1_allow.yaml schakel.rego schakel_test.rego"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("entries %q, want %q", got, want)
	}
}

func TestRevision(t *testing.T) {
	got := Revision([]byte("abc"))
	want := "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got != want {
		t.Fatalf("Revision = %s, want %s", got, want)
	}
}

func TestBuildRefusesSymlink(t *testing.T) {
	dir := writePack(t)
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "link.yaml")); err != nil {
		t.Skip("no symlinks:", err)
	}
	if _, err := Build(dir); !errors.Is(err, ErrUnsafeEntry) {
		t.Fatalf("Build with a symlink: %v, want ErrUnsafeEntry", err)
	}
}

func TestOpenRoundTrip(t *testing.T) {
	dir := writePack(t)
	archive, err := Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	if err := fstest.TestFS(fsys, "data.yaml", "schakel.rego", "schakel_test.rego", "scenarios/a1_allow.yaml"); err != nil {
		t.Fatal(err)
	}
	data, err := fs.ReadFile(fsys, "scenarios/a1_allow.yaml")
	if err != nil || string(data) != "name: a1\n" {
		t.Fatalf("ReadFile = %q, %v", data, err)
	}

	fromDir, revDir, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	archivePath := filepath.Join(t.TempDir(), "pack.tar.gz")
	if err := os.WriteFile(archivePath, archive, 0o644); err != nil {
		t.Fatal(err)
	}
	_, revArchive, err := Load(archivePath)
	if err != nil {
		t.Fatal(err)
	}
	if revDir != revArchive || revDir != Revision(archive) {
		t.Fatalf("Load revisions differ: folder %s, archive %s", revDir, revArchive)
	}
	if _, err := fs.Stat(fromDir, "data.yaml"); err != nil {
		t.Fatal(err)
	}
}

// craft writes a tar.gz with the given headers; content is written as
// given, or as Size zero bytes when nil.
func craft(t *testing.T, entries ...craftEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		if err := tw.WriteHeader(e.hdr); err != nil {
			t.Fatal(err)
		}
		if e.hdr.Typeflag == tar.TypeReg {
			data := e.data
			if data == nil {
				data = make([]byte, e.hdr.Size)
			}
			if _, err := tw.Write(data); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type craftEntry struct {
	hdr  *tar.Header
	data []byte
}

func reg(name string, content string) craftEntry {
	return craftEntry{hdr: &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: int64(len(content)), Mode: 0o644}, data: []byte(content)}
}

func TestOpenRefuses(t *testing.T) {
	tests := []struct {
		name    string
		archive func(t *testing.T) []byte
		want    error
	}{
		{"absolute path", func(t *testing.T) []byte { return craft(t, reg("/etc/passwd", "x")) }, ErrUnsafeEntry},
		{"dot dot", func(t *testing.T) []byte { return craft(t, reg("../escape.rego", "x")) }, ErrUnsafeEntry},
		{"dot dot inside", func(t *testing.T) []byte { return craft(t, reg("a/../../escape.rego", "x")) }, ErrUnsafeEntry},
		{"backslash", func(t *testing.T) []byte { return craft(t, reg(`a\..\b`, "x")) }, ErrUnsafeEntry},
		{"symlink", func(t *testing.T) []byte {
			return craft(t, craftEntry{hdr: &tar.Header{Typeflag: tar.TypeSymlink, Name: "data.yaml", Linkname: "/etc/passwd"}})
		}, ErrUnsafeEntry},
		{"hard link", func(t *testing.T) []byte {
			return craft(t, reg("a.yaml", "x"), craftEntry{hdr: &tar.Header{Typeflag: tar.TypeLink, Name: "b.yaml", Linkname: "a.yaml"}})
		}, ErrUnsafeEntry},
		{"directory entry", func(t *testing.T) []byte {
			return craft(t, craftEntry{hdr: &tar.Header{Typeflag: tar.TypeDir, Name: "scenarios/", Mode: 0o755}})
		}, ErrUnsafeEntry},
		{"device", func(t *testing.T) []byte {
			return craft(t, craftEntry{hdr: &tar.Header{Typeflag: tar.TypeChar, Name: "tty"}})
		}, ErrUnsafeEntry},
		{"duplicate", func(t *testing.T) []byte { return craft(t, reg("a.yaml", "1"), reg("a.yaml", "2")) }, ErrUnsafeEntry},
		{"file and folder", func(t *testing.T) []byte { return craft(t, reg("a", "1"), reg("a/b", "2")) }, ErrUnsafeEntry},
		{"oversized file", func(t *testing.T) []byte {
			return craft(t, craftEntry{hdr: &tar.Header{Typeflag: tar.TypeReg, Name: "big.yaml", Size: MaxFileSize + 1, Mode: 0o644}})
		}, ErrTooLarge},
		{"not gzip", func(_ *testing.T) []byte { return []byte("flows: {}\n") }, ErrCorrupt},
		{"truncated", func(t *testing.T) []byte {
			a := craft(t, reg("a.yaml", strings.Repeat("abc", 1000)))
			return a[:len(a)/2]
		}, ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(tt.archive(t))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Open: %v, want %v", err, tt.want)
			}
		})
	}
}
