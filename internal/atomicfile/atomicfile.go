// Package atomicfile writes files so that a reader (a node watching its
// policy folder, an operator's script) sees the old content or the new, never
// half a file, and so that the new content survives a crash once Write
// returns: the data goes to a temporary file in the same folder, which is
// fsynced, renamed (or linked) into place, and then the folder is fsynced so
// the new name is durable too.
package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// File is a file being written; nothing is visible at its path until Commit.
type File struct {
	tmp       *os.File
	path      string
	mode      os.FileMode
	exclusive bool
	done      bool
}

// Create starts writing path with the given mode (exactly, whatever the
// umask). Write to the File, then Commit; Abort (or a failed Commit) leaves
// path as it was.
func Create(path string, mode os.FileMode) (*File, error) {
	return create(path, mode, false)
}

func create(path string, mode os.FileMode, exclusive bool) (*File, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, err
	}
	return &File{tmp: tmp, path: path, mode: mode, exclusive: exclusive}, nil
}

// Write writes to the temporary file.
func (f *File) Write(p []byte) (int, error) { return f.tmp.Write(p) }

// Commit makes the written content durable and puts it at the path: it
// replaces an existing file, or, for WriteNew, fails when one exists.
func (f *File) Commit() error {
	if f.done {
		return errors.New("atomicfile: already committed or aborted")
	}
	f.done = true
	name := f.tmp.Name()
	defer os.Remove(name) // after a rename this finds nothing; after a link it drops the temporary name
	err := f.tmp.Chmod(f.mode)
	if err == nil {
		err = f.tmp.Sync()
	}
	if cerr := f.tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if f.exclusive {
		// link(2) fails when the target exists, so an existing file is
		// never replaced, and the target appears complete or not at all.
		if err := os.Link(name, f.path); err != nil {
			if errors.Is(err, os.ErrExist) {
				return fmt.Errorf("%s exists; not overwriting it: %w", f.path, os.ErrExist)
			}
			return err
		}
	} else if err := os.Rename(name, f.path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(f.path))
}

// Abort drops what was written; path stays as it was. It is safe to call
// after Commit (then it does nothing), so `defer f.Abort()` is the idiom.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.tmp.Close()
	os.Remove(f.tmp.Name())
}

// Write replaces path with data, atomically and durably.
func Write(path string, data []byte, mode os.FileMode) error {
	f, err := Create(path, mode)
	if err != nil {
		return err
	}
	return writeAll(f, data)
}

// WriteNew creates path with data, atomically and durably, and fails when
// path exists already (for keys: never overwrite one).
func WriteNew(path string, data []byte, mode os.FileMode) error {
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%s exists; not overwriting it: %w", path, os.ErrExist)
	}
	f, err := create(path, mode, true)
	if err != nil {
		return err
	}
	return writeAll(f, data)
}

func writeAll(f *File, data []byte) error {
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Commit()
}

// syncDir fsyncs a folder, so that a rename or link in it is durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
