package signing

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// VersionFile is the file at the root of a pack that holds its version: a
// decimal number that goes up with every pack the signers release. It is
// inside the archive, so the signatures cover it; a node refuses a pack
// whose version is below the highest it accepted (no rollback to an older,
// validly signed pack). A pack without the file has version 0: it loads
// only on a node that never accepted a numbered pack.
const VersionFile = "VERSION"

// ErrVersion means the pack's VERSION file is not one decimal number.
var ErrVersion = errors.New("pack VERSION file is not a decimal number")

// PackVersion reads VersionFile from a pack (0 when there is none).
func PackVersion(fsys fs.FS) (uint64, error) {
	b, err := fs.ReadFile(fsys, VersionFile)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(b) > 32 {
		return 0, fmt.Errorf("%w: %d bytes", ErrVersion, len(b))
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", ErrVersion, strings.TrimSpace(string(b)))
	}
	return v, nil
}
