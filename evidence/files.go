package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/insurable/insurable"
)

// Limits bounds what a bundle may hold, so that a hostile or broken bundle
// cannot exhaust memory or time.
type Limits struct {
	MaxFileBytes     int64 // largest structured file (YAML, JSON) read into memory
	MaxTableBytes    int64 // largest CSV table (inventories are large)
	MaxFiles         int   // most files in the whole bundle
	MaxRecordsInFile int   // most rows or list entries in one file
}

// DefaultLimits suit a fleet of a few million devices.
var DefaultLimits = Limits{
	MaxFileBytes:     64 << 20,
	MaxTableBytes:    2 << 30,
	MaxFiles:         1_000_000,
	MaxRecordsInFile: 5_000_000,
}

// orDefault returns l with every limit left at zero set to its default, so
// that a caller can tighten one limit without lifting the others to zero.
func (l Limits) orDefault() Limits {
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = DefaultLimits.MaxFileBytes
	}
	if l.MaxTableBytes <= 0 {
		l.MaxTableBytes = DefaultLimits.MaxTableBytes
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultLimits.MaxFiles
	}
	if l.MaxRecordsInFile <= 0 {
		l.MaxRecordsInFile = DefaultLimits.MaxRecordsInFile
	}
	return l
}

// files reads a bundle directory through an os.Root, which refuses any name
// that leaves the directory, through ".." or through a symbolic link.
type files struct {
	root   *os.Root
	dir    string // the directory root was opened on
	limits Limits
	cache  sync.Map // path -> []byte, kept by the digest pass
	all    []string // every file of the bundle, sorted, once digested
}

const opOpen insurable.Op = "evidence.Load"

// checkRel refuses references that are not clean relative paths inside the
// bundle. os.Root enforces the same at open time; checking first gives a
// clearer message and covers names never opened.
func checkRel(name string) error {
	if name == "" {
		return errors.New("empty path")
	}
	if strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`) || (len(name) > 1 && name[1] == ':') {
		return errors.New("absolute paths are not allowed; name a file inside the bundle")
	}
	if strings.Contains(name, `\`) {
		return errors.New("use forward slashes in bundle paths")
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return errors.New(`a path may not climb out of the bundle with ".."`)
		}
	}
	return nil
}

// stat reports whether name exists as a regular file inside the bundle.
func (f *files) exists(name string) bool {
	if checkRel(name) != nil {
		return false
	}
	fi, err := f.root.Stat(name)
	return err == nil && fi.Mode().IsRegular()
}

// read returns the whole of a structured file, refusing it when it is larger
// than max bytes.
func (f *files) read(name string, max int64) ([]byte, error) {
	if err := checkRel(name); err != nil {
		return nil, &insurable.Error{Op: opOpen, Kind: insurable.Escape, Path: name, Err: err}
	}
	if v, ok := f.cache.Load(name); ok {
		data := v.([]byte)
		if int64(len(data)) > max {
			return nil, insurable.FileError(opOpen, insurable.TooLarge, name, 0, "file is %d bytes, more than the limit of %d", len(data), max)
		}
		return data, nil
	}
	fh, err := f.root.Open(name)
	if err != nil {
		return nil, openError(name, err)
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return nil, openError(name, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, insurable.FileError(opOpen, insurable.Invalid, name, 0, "not a regular file")
	}
	if fi.Size() > max {
		return nil, insurable.FileError(opOpen, insurable.TooLarge, name, 0, "file is %d bytes, more than the limit of %d", fi.Size(), max)
	}
	data, err := io.ReadAll(io.LimitReader(fh, max+1))
	if err != nil {
		return nil, openError(name, err)
	}
	if int64(len(data)) > max {
		return nil, insurable.FileError(opOpen, insurable.TooLarge, name, 0, "file grew past the limit of %d bytes while being read", max)
	}
	return data, nil
}

func openError(name string, err error) error {
	kind := insurable.Invalid
	msg := "cannot read"
	switch {
	case errors.Is(err, fs.ErrNotExist):
		kind, msg = insurable.NotExist, "does not exist"
	case errors.Is(err, fs.ErrPermission):
		kind = insurable.Permission
	case strings.Contains(err.Error(), "escapes"):
		kind, msg = insurable.Escape, "refers outside the bundle"
	}
	return &insurable.Error{Op: opOpen, Kind: kind, Path: name, Msg: msg, Err: err}
}

// list returns the regular files under dir (recursively), sorted, with the
// given extensions (lower case, with the dot; none means all). A missing dir
// gives no files and no error.
func (f *files) list(dir string, exts ...string) ([]string, error) {
	if f.all != nil {
		// The digest pass has enumerated (and opened) every file already.
		var out []string
		prefix := dir + "/"
		i := sort.SearchStrings(f.all, prefix)
		for ; i < len(f.all) && strings.HasPrefix(f.all[i], prefix); i++ {
			if len(exts) == 0 || hasExt(f.all[i], exts) {
				out = append(out, f.all[i])
			}
		}
		return out, nil
	}
	if _, err := f.root.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	var out []string
	err := fs.WalkDir(f.root.FS(), dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return openError(p, err)
		}
		if d.IsDir() && p != dir && strings.HasPrefix(d.Name(), ".") {
			// Hidden folders are not evidence, and the digest leaves them
			// out; reading them would let unhashed files sway the result.
			return fs.SkipDir
		}
		if d.Type()&fs.ModeSymlink != 0 {
			// os.Root refuses links that leave the bundle; links inside it
			// are followed when the file is opened.
			if _, err := f.root.Stat(p); err != nil {
				return openError(p, err)
			}
		} else if !d.Type().IsRegular() {
			return nil
		}
		if strings.HasPrefix(path.Base(p), ".") {
			return nil
		}
		if len(exts) > 0 && !hasExt(p, exts) {
			return nil
		}
		out = append(out, p)
		if len(out) > f.limits.MaxFiles {
			return insurable.FileError(opOpen, insurable.TooLarge, dir, 0, "holds more than %d files", f.limits.MaxFiles)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

func hasExt(name string, exts []string) bool {
	ext := strings.ToLower(path.Ext(name))
	for _, e := range exts {
		if ext == e {
			return true
		}
	}
	return false
}

// cacheMax is the size up to which the digest pass keeps a file's content,
// so that the loader and the verifiers read small files (certificates,
// hardware states, records) from memory instead of opening them again.
const cacheMax = 1 << 20

// digest hashes every regular file of the bundle, by path and content, into
// one SHA-256 that identifies this exact evidence. Files are hashed on all
// processors; small ones are kept for later reads.
func (f *files) digest() (string, int, error) {
	type entry struct {
		path, sum string
		link      bool
	}
	var entries []entry
	err := fs.WalkDir(f.root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return openError(p, err)
		}
		if d.IsDir() && p != "." && strings.HasPrefix(d.Name(), ".") {
			return fs.SkipDir
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		link := d.Type()&fs.ModeSymlink != 0
		if !link && !d.Type().IsRegular() {
			return nil
		}
		if len(entries) >= f.limits.MaxFiles {
			return insurable.FileError(opOpen, insurable.TooLarge, ".", 0, "the bundle holds more than %d files", f.limits.MaxFiles)
		}
		entries = append(entries, entry{path: p, link: link})
		return nil
	})
	if err != nil {
		return "", 0, err
	}
	workers := runtime.GOMAXPROCS(0)
	errs := make([]error, len(entries))
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(entries) {
					return
				}
				e := &entries[i]
				e.sum, errs[i] = f.hashFile(e.path, e.link)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return "", 0, err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].path < entries[j].path })
	f.all = make([]string, len(entries))
	h := sha256.New()
	for i, e := range entries {
		f.all[i] = e.path
		io.WriteString(h, e.path)
		h.Write([]byte{0})
		io.WriteString(h, e.sum)
		h.Write([]byte{'\n'})
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), len(entries), nil
}

// hashFile hashes one file and keeps its content when it is small. A regular
// file found by the walk is opened directly, refusing to follow a link that
// replaced it since; links are opened through the root, which refuses any
// that leave the bundle.
func (f *files) hashFile(p string, link bool) (string, error) {
	var fh *os.File
	var err error
	if link || f.dir == "" {
		fh, err = f.root.Open(p)
	} else {
		fh, err = os.OpenFile(filepath.Join(f.dir, filepath.FromSlash(p)), os.O_RDONLY|noFollow, 0)
	}
	if err != nil {
		return "", openError(p, err)
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return "", openError(p, err)
	}
	if !fi.Mode().IsRegular() {
		return "", insurable.FileError(opOpen, insurable.Invalid, p, 0, "not a regular file")
	}
	h := sha256.New()
	if fi.Size() <= cacheMax {
		data, err := io.ReadAll(io.LimitReader(fh, cacheMax+1))
		if err != nil {
			return "", openError(p, err)
		}
		h.Write(data)
		if len(data) <= cacheMax {
			f.cache.Store(p, data)
		}
	} else if _, err := io.Copy(h, fh); err != nil {
		return "", openError(p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
