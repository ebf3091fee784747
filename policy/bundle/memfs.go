package bundle

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"time"
)

// memFS is a read-only in-memory file system: the files of an opened
// archive, with their folders implied by the paths.
type memFS struct {
	files map[string][]byte
	dirs  map[string][]fs.DirEntry // folder ("." at the top) -> sorted entries
}

var (
	_ fs.ReadFileFS = (*memFS)(nil)
	_ fs.ReadDirFS  = (*memFS)(nil)
	_ fs.StatFS     = (*memFS)(nil)
)

func newMemFS(files map[string][]byte) (*memFS, error) {
	m := &memFS{files: files, dirs: map[string][]fs.DirEntry{".": nil}}
	seen := map[string]bool{}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		m.dirs[cleanDir(name)] = append(m.dirs[cleanDir(name)], fs.FileInfoToDirEntry(m.fileInfo(name)))
		// Register each parent folder in its own parent once.
		for d := cleanDir(name); d != "." && !seen[d]; d = cleanDir(d) {
			seen[d] = true
			parent := cleanDir(d)
			if _, ok := m.dirs[d]; !ok {
				m.dirs[d] = nil
			}
			m.dirs[parent] = append(m.dirs[parent], fs.FileInfoToDirEntry(dirInfo(path.Base(d))))
		}
	}
	for d, entries := range m.dirs {
		if _, clash := files[d]; clash {
			return nil, fmt.Errorf("bundle: %q is both a file and a folder: %w", d, ErrUnsafeEntry)
		}
		slices.SortFunc(entries, func(a, b fs.DirEntry) int {
			switch {
			case a.Name() < b.Name():
				return -1
			case a.Name() > b.Name():
				return 1
			}
			return 0
		})
	}
	return m, nil
}

func (m *memFS) fileInfo(name string) fileInfo {
	return fileInfo{name: path.Base(name), size: int64(len(m.files[name])), mode: 0o444}
}

func dirInfo(base string) fileInfo {
	return fileInfo{name: base, mode: fs.ModeDir | 0o555}
}

func (m *memFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if data, ok := m.files[name]; ok {
		return &memFile{info: m.fileInfo(name), r: bytes.NewReader(data)}, nil
	}
	if entries, ok := m.dirs[name]; ok {
		return &memDir{info: dirInfo(path.Base(name)), entries: entries}, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

func (m *memFS) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: fs.ErrInvalid}
	}
	data, ok := m.files[name]
	if !ok {
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: fs.ErrNotExist}
	}
	return bytes.Clone(data), nil
}

func (m *memFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	entries, ok := m.dirs[name]
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	return slices.Clone(entries), nil
}

func (m *memFS) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	if _, ok := m.files[name]; ok {
		return m.fileInfo(name), nil
	}
	if _, ok := m.dirs[name]; ok {
		return dirInfo(path.Base(name)), nil
	}
	return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
}

type fileInfo struct {
	name string
	size int64
	mode fs.FileMode
}

func (fi fileInfo) Name() string       { return fi.name }
func (fi fileInfo) Size() int64        { return fi.size }
func (fi fileInfo) Mode() fs.FileMode  { return fi.mode }
func (fi fileInfo) ModTime() time.Time { return epoch }
func (fi fileInfo) IsDir() bool        { return fi.mode.IsDir() }
func (fi fileInfo) Sys() any           { return nil }

type memFile struct {
	info fileInfo
	r    *bytes.Reader
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Read(p []byte) (int, error) { return f.r.Read(p) }
func (f *memFile) Seek(off int64, whence int) (int64, error) {
	return f.r.Seek(off, whence)
}
func (f *memFile) ReadAt(p []byte, off int64) (int, error) { return f.r.ReadAt(p, off) }
func (f *memFile) Close() error                            { return nil }

type memDir struct {
	info    fileInfo
	entries []fs.DirEntry
	off     int
}

func (d *memDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *memDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: fs.ErrInvalid}
}
func (d *memDir) Close() error { return nil }

func (d *memDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return slices.Clone(rest), nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.off += n
	return slices.Clone(rest[:n]), nil
}

// FilesFS returns files (slash paths to contents, as policy.Pack.Files
// holds them) as a read-only file system, the way Open returns an
// archive's files. The map is not copied: do not change it afterwards.
func FilesFS(files map[string][]byte) (fs.FS, error) {
	for name := range files {
		if err := checkName(name); err != nil {
			return nil, err
		}
	}
	return newMemFS(files)
}
