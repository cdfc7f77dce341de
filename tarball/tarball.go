// Package tarball reads and writes evidence bundles as gzip-compressed tar
// archives, the form in which firms upload them to the service. Extract is
// written for hostile input: it bounds the compressed and uncompressed
// sizes and the number of files, refuses names that leave the target
// directory, links, devices and anything else that is not a regular file
// or directory, and writes through an os.Root so that nothing can land
// outside the target whatever the archive says.
package tarball

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/insurable/insurable"
)

// Limits bound an archive.
type Limits struct {
	MaxBytes     int64 // uncompressed bytes of all files together
	MaxFileBytes int64 // uncompressed bytes of one file
	MaxFiles     int   // files and directories
}

// DefaultLimits suit a bundle of a few hundred thousand devices.
var DefaultLimits = Limits{MaxBytes: 2 << 30, MaxFileBytes: 1 << 30, MaxFiles: 100_000}

const op insurable.Op = "tarball.Extract"

// Extract unpacks the gzip-compressed tar stream r into dir, which must
// exist and be empty. On error dir may hold part of the archive: the caller
// extracts into a staging directory and removes it.
func Extract(r io.Reader, dir string, lim Limits) error {
	if lim == (Limits{}) {
		lim = DefaultLimits
	}
	zr, err := gzip.NewReader(r)
	if err != nil {
		return insurable.Errorf(op, insurable.Invalid, "not a gzip-compressed tar archive: %v", err)
	}
	defer zr.Close()
	root, err := os.OpenRoot(dir)
	if err != nil {
		return insurable.Wrap(op, insurable.Internal, err)
	}
	defer root.Close()
	tr := tar.NewReader(zr)
	var total int64
	count := 0
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return insurable.Errorf(op, insurable.Invalid, "malformed tar archive: %v", err)
		}
		count++
		if count > lim.MaxFiles {
			return insurable.Errorf(op, insurable.TooLarge, "the archive holds more than %d entries", lim.MaxFiles)
		}
		name, err := cleanName(h.Name)
		if err != nil {
			return err
		}
		if name == "" {
			continue
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := root.MkdirAll(name, 0o755); err != nil {
				return &insurable.Error{Op: op, Kind: insurable.Invalid, Path: name, Err: err}
			}
		case tar.TypeReg:
			if h.Size < 0 || h.Size > lim.MaxFileBytes {
				return insurable.FileError(op, insurable.TooLarge, name, 0, "%d bytes: a file of the archive is at most %d", h.Size, lim.MaxFileBytes)
			}
			total += h.Size
			if total > lim.MaxBytes {
				return insurable.Errorf(op, insurable.TooLarge, "the archive unpacks to more than %d bytes", lim.MaxBytes)
			}
			if d := path.Dir(name); d != "." {
				if err := root.MkdirAll(d, 0o755); err != nil {
					return &insurable.Error{Op: op, Kind: insurable.Invalid, Path: name, Err: err}
				}
			}
			f, err := root.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
			if err != nil {
				kind := insurable.Invalid
				if errors.Is(err, fs.ErrExist) {
					return insurable.FileError(op, insurable.Invalid, name, 0, "appears twice in the archive")
				}
				return &insurable.Error{Op: op, Kind: kind, Path: name, Err: err}
			}
			n, err := io.Copy(f, io.LimitReader(tr, h.Size+1))
			cerr := f.Close()
			if err != nil {
				return insurable.Errorf(op, insurable.Invalid, "malformed tar archive at %s: %v", name, err)
			}
			if n != h.Size {
				return insurable.FileError(op, insurable.Invalid, name, 0, "truncated in the archive")
			}
			if cerr != nil {
				return insurable.Wrap(op, insurable.Internal, cerr)
			}
		case tar.TypeSymlink, tar.TypeLink:
			return insurable.FileError(op, insurable.Escape, name, 0, "links are not allowed in an evidence archive")
		case tar.TypeXGlobalHeader:
			continue
		default:
			return insurable.FileError(op, insurable.Invalid, name, 0, "entry of type %q is not a regular file or directory", string(h.Typeflag))
		}
	}
	// Refuse trailing garbage after the tar's end blocks.
	if _, err := io.Copy(io.Discard, io.LimitReader(zr, 1<<20)); err != nil {
		return insurable.Errorf(op, insurable.Invalid, "malformed gzip stream: %v", err)
	}
	return nil
}

// cleanName checks an archive name: relative, no "..", no NUL, and turns
// "./a/b" into "a/b". It returns "" for the root itself.
func cleanName(n string) (string, error) {
	if strings.ContainsRune(n, 0) || strings.Contains(n, `\`) {
		return "", insurable.FileError(op, insurable.Escape, n, 0, "a name in the archive holds a NUL or a backslash")
	}
	if path.IsAbs(n) {
		return "", insurable.FileError(op, insurable.Escape, n, 0, "absolute names are not allowed in an evidence archive")
	}
	for _, part := range strings.Split(n, "/") {
		if part == ".." {
			return "", insurable.FileError(op, insurable.Escape, n, 0, "the name leaves the archive's directory")
		}
	}
	c := path.Clean(n)
	if c == "." {
		return "", nil
	}
	if len(c) > 1024 {
		return "", insurable.FileError(op, insurable.Invalid, c[:64]+"…", 0, "name too long")
	}
	return c, nil
}

// Pack writes the regular files under dir as a gzip-compressed tar
// archive, sorted by name with fixed times and modes, so that the same
// files always give the same bytes. Hidden files and directories are
// left out, as the evidence loader ignores them.
func Pack(dir string) ([]byte, error) {
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != dir {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, insurable.Wrap("tarball.Pack", insurable.Invalid, err)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(n)))
		if err != nil {
			return nil, insurable.Wrap("tarball.Pack", insurable.Invalid, err)
		}
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
