package feeds

import (
	"embed"
	"io/fs"
)

// The snapshot shipped in the binary, built from the project's reference
// data with "insurable feeds update --from ../shared/data --to
// feeds/snapshot" (see docs/feeds.md).
//
//go:embed snapshot
var embedded embed.FS

// EmbeddedName names the embedded snapshot in messages and records.
const EmbeddedName = "embedded snapshot"

// Embedded loads the snapshot shipped in the binary.
func Embedded(parts Part) (*Snapshot, error) {
	sub, err := fs.Sub(embedded, "snapshot")
	if err != nil {
		return nil, err
	}
	return Load(sub, EmbeddedName, parts)
}
