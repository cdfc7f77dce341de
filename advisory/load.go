package advisory

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/insurable/insurable"
)

// Options tune Load.
type Options struct {
	// RequireHash refuses an advisory that has no .sha512 (or .sha256)
	// file beside it. Without it, a missing hash file is noted, and a hash
	// file that does not match still refuses the advisory.
	RequireHash bool
	// MaxFileBytes bounds one advisory file; DefaultMaxFileBytes when 0.
	MaxFileBytes int64
	// MaxFiles bounds how many files a directory may hold;
	// DefaultMaxFiles when 0.
	MaxFiles int
	// Workers is how many files are read in parallel; GOMAXPROCS when 0.
	Workers int
	// Progress, when set, is called after each file with the number done
	// and the total.
	Progress func(done, total int)
	// CacheDir, when set, keeps the outcome of a load (advisories read,
	// files refused) in this directory, keyed by a digest of every file's
	// name and content (hash files included) and of these options: loading
	// the same files again reads the outcome instead of validating and
	// parsing every document anew.
	CacheDir string
}

// Default limits of Load.
const (
	DefaultMaxFileBytes = 64 << 20
	DefaultMaxFiles     = 1_000_000
)

// Problem is a file that could not be used, and why.
type Problem struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

// Set is what Load found: the advisories read, sorted by id, and every file
// refused or noted, sorted by file.
type Set struct {
	Advisories []*Advisory
	// Problems are files refused: bad hash, not valid CSAF, unreadable.
	Problems []Problem
	// Notes are files kept with a remark (no hash file), or skipped
	// because they are not advisories (ROLIE feeds, provider metadata), or
	// superseded by a newer revision of the same advisory.
	Notes []Problem
	// Files is how many files were considered.
	Files int
}

const opLoad insurable.Op = "advisory.Load"

// Load reads CSAF advisories from path: a directory (searched recursively
// for *.json), a ROLIE feed document (its entries are read from the
// feed's directory, where a snapshot of the provider keeps them), or one
// advisory file. Each advisory's hash file is verified and the document is
// validated against the CSAF 2.0 schema; a file that fails is reported in
// Set.Problems and the rest are kept. Load returns an error only when path
// itself cannot be read or ctx ends.
func Load(ctx context.Context, p string, opts Options) (*Set, error) {
	if opts.MaxFileBytes <= 0 {
		opts.MaxFileBytes = DefaultMaxFileBytes
	}
	if opts.MaxFiles <= 0 {
		opts.MaxFiles = DefaultMaxFiles
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	fi, err := os.Stat(p)
	if err != nil {
		return nil, &insurable.Error{Op: opLoad, Kind: insurable.NotExist, Path: p, Msg: "advisories not found", Err: err}
	}
	var dir string
	var jobs []job
	set := &Set{}
	if fi.IsDir() {
		dir = p
		jobs, err = walk(p, opts.MaxFiles)
		if err != nil {
			return nil, err
		}
	} else {
		dir = filepath.Dir(p)
		data, err := readLimited(os.DirFS(dir), filepath.Base(p), opts.MaxFileBytes)
		if err != nil {
			return nil, &insurable.Error{Op: opLoad, Kind: insurable.ErrorKind(err), Path: p, Err: err}
		}
		if isROLIEFeed(data) {
			jobs, set.Problems, err = feedJobs(filepath.Base(p), data)
			if err != nil {
				return nil, err
			}
		} else {
			jobs = []job{{file: filepath.Base(p)}}
		}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, &insurable.Error{Op: opLoad, Kind: insurable.Invalid, Path: dir, Err: err}
	}
	defer root.Close()
	var cacheFile string
	if opts.CacheDir != "" {
		cacheFile = filepath.Join(opts.CacheDir, contentKey(root.FS(), jobs, set.Problems, opts)+".gob.gz")
		if cached, ok := readCache(cacheFile); ok {
			return cached, nil
		}
	}
	results := make([]result, len(jobs))
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	next := make(chan int)
	for range min(opts.Workers, max(len(jobs), 1)) {
		wg.Go(func() {
			for i := range next {
				results[i] = readOne(root.FS(), jobs[i], opts)
				if opts.Progress != nil {
					mu.Lock()
					done++
					opts.Progress(done, len(jobs))
					mu.Unlock()
				}
			}
		})
	}
feed:
	for i := range jobs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	set.Files = len(jobs)
	byID := map[string]int{}
	for _, r := range results {
		switch {
		case r.problem != nil:
			set.Problems = append(set.Problems, *r.problem)
		case r.adv != nil:
			if i, dup := byID[r.adv.ID]; dup {
				old := set.Advisories[i]
				keep, drop := newer(old, r.adv)
				set.Advisories[i] = keep
				set.Notes = append(set.Notes, Problem{File: drop.File, Reason: fmt.Sprintf("superseded by %s (%s revision %s)", keep.File, keep.ID, keep.Version)})
			} else {
				byID[r.adv.ID] = len(set.Advisories)
				set.Advisories = append(set.Advisories, r.adv)
			}
		}
		if r.note != nil {
			set.Notes = append(set.Notes, *r.note)
		}
	}
	slices.SortFunc(set.Advisories, func(a, b *Advisory) int { return strings.Compare(a.ID, b.ID) })
	sortProblems(set.Problems)
	sortProblems(set.Notes)
	if cacheFile != "" {
		writeCache(cacheFile, set)
	}
	return set, nil
}

func sortProblems(ps []Problem) {
	slices.SortFunc(ps, func(a, b Problem) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		return strings.Compare(a.Reason, b.Reason)
	})
}

// newer picks the later revision of two documents with the same id: the
// later current release date, then the file name, so the choice does not
// depend on reading order.
func newer(a, b *Advisory) (keep, drop *Advisory) {
	if c := strings.Compare(a.Updated, b.Updated); c > 0 || c == 0 && a.File < b.File {
		return a, b
	}
	return b, a
}

type job struct {
	file string // relative to the directory
	hash string // hash file named by a ROLIE entry, relative; "" to look beside the file
}

type result struct {
	adv     *Advisory
	problem *Problem
	note    *Problem
}

// walk lists the JSON files under dir, relative to it, sorted.
func walk(dir string, maxFiles int) ([]job, error) {
	var jobs []job
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return &insurable.Error{Op: opLoad, Kind: insurable.Invalid, Path: p, Msg: "cannot list", Err: err}
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.EqualFold(path.Ext(d.Name()), ".json") {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if len(jobs) >= maxFiles {
			return insurable.FileError(opLoad, insurable.TooLarge, dir, 0, "more than %d JSON files", maxFiles)
		}
		jobs = append(jobs, job{file: filepath.ToSlash(rel)})
		return nil
	})
	return jobs, err
}

func readOne(fsys fs.FS, j job, opts Options) result {
	fail := func(err error) result {
		return result{problem: &Problem{File: j.file, Reason: reason(err)}}
	}
	data, err := readLimited(fsys, j.file, opts.MaxFileBytes)
	if err != nil {
		return fail(err)
	}
	if kind := documentKind(data); kind != "" {
		return result{note: &Problem{File: j.file, Reason: "skipped: " + kind + ", not an advisory"}}
	}
	sum := sha512.Sum512(data)
	digest := hex.EncodeToString(sum[:])
	var note *Problem
	hashFile := j.hash
	if hashFile == "" {
		hashFile = j.file + ".sha512"
	}
	want, hashName, err := readHash(fsys, hashFile, j.file, opts.MaxFileBytes)
	switch {
	case err != nil:
		return fail(err)
	case want == "" && opts.RequireHash:
		return fail(errors.New("no .sha512 or .sha256 file beside it"))
	case want == "":
		note = &Problem{File: j.file, Reason: "kept without hash verification: no .sha512 or .sha256 file"}
	default:
		got := digest
		if len(want) == sha256.Size*2 {
			s := sha256.Sum256(data)
			got = hex.EncodeToString(s[:])
		}
		if got != want {
			return fail(fmt.Errorf("content does not match %s (file changed or corrupted)", hashName))
		}
	}
	if err := Validate(j.file, data); err != nil {
		return fail(err)
	}
	a, err := Parse(j.file, data)
	if err != nil {
		return fail(err)
	}
	a.SHA512 = digest
	return result{adv: a, note: note}
}

// reason renders an error for a Problem: the message without the op and
// the file, which the Problem already names.
func reason(err error) string {
	var e *insurable.Error
	if errors.As(err, &e) {
		msg := e.Msg
		if e.Err != nil {
			if msg != "" {
				msg += ": "
			}
			msg += e.Err.Error()
		}
		if e.Line > 0 {
			msg = fmt.Sprintf("line %d: %s", e.Line, msg)
		}
		if msg != "" {
			return msg
		}
	}
	return err.Error()
}

// readHash reads a hash file: sha512sum output ("hex  name") or the bare
// hex digest. It falls back from name.sha512 to name.sha256. It returns ""
// when there is none.
func readHash(fsys fs.FS, hashFile, file string, max int64) (digest, name string, err error) {
	candidates := []string{hashFile}
	if strings.HasSuffix(hashFile, ".sha512") && hashFile == file+".sha512" {
		candidates = append(candidates, file+".sha256")
	}
	for _, c := range candidates {
		data, err := readLimited(fsys, c, min(max, 1<<16))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", c, err
		}
		fields := strings.Fields(string(data))
		if len(fields) == 0 {
			return "", c, fmt.Errorf("%s is empty", c)
		}
		d := strings.ToLower(fields[0])
		if _, err := hex.DecodeString(d); err != nil || len(d) != sha512.Size*2 && len(d) != sha256.Size*2 {
			return "", c, fmt.Errorf("%s does not hold a SHA-512 or SHA-256 hex digest", c)
		}
		return d, c, nil
	}
	return "", "", nil
}

// readLimited reads a regular file of fsys, refusing one larger than max.
func readLimited(fsys fs.FS, name string, max int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	if fi.Size() > max {
		return nil, &insurable.Error{Kind: insurable.TooLarge, Msg: fmt.Sprintf("file is %d bytes, more than the limit of %d", fi.Size(), max)}
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, &insurable.Error{Kind: insurable.TooLarge, Msg: fmt.Sprintf("file grew past the limit of %d bytes", max)}
	}
	return data, nil
}

// documentKind recognises the JSON documents of a CSAF provider that are
// not advisories. It returns "" for anything else.
func documentKind(data []byte) string {
	if bytes.Contains(data, []byte(`"document"`)) {
		// Most likely an advisory; Parse checks it properly.
		return ""
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil {
		return ""
	}
	if _, ok := top["document"]; ok {
		return ""
	}
	switch {
	case top["feed"] != nil:
		return "ROLIE feed"
	case top["service"] != nil:
		return "ROLIE service document"
	case top["categories"] != nil:
		return "ROLIE category document"
	case top["aggregator"] != nil:
		return "CSAF aggregator metadata"
	case top["canonical_url"] != nil && top["role"] != nil:
		return "CSAF provider metadata"
	}
	return ""
}

func isROLIEFeed(data []byte) bool { return documentKind(data) == "ROLIE feed" }

// rolieFeed is a ROLIE feed document as CSAF providers publish it.
type rolieFeed struct {
	Feed struct {
		ID    string      `json:"id"`
		Link  []rolieLink `json:"link"`
		Entry []struct {
			ID      string      `json:"id"`
			Link    []rolieLink `json:"link"`
			Content struct {
				Src string `json:"src"`
			} `json:"content"`
		} `json:"entry"`
	} `json:"feed"`
}

type rolieLink struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
}

func linkOf(links []rolieLink, rel string) string {
	for _, l := range links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

// feedJobs lists the advisories of a ROLIE feed, as files relative to the
// feed's directory.
func feedJobs(feedFile string, data []byte) ([]job, []Problem, error) {
	var f rolieFeed
	if err := decodeJSON(data, &f); err != nil {
		return nil, nil, jsonError(opLoad, feedFile, data, err)
	}
	self := linkOf(f.Feed.Link, "self")
	var jobs []job
	var probs []Problem
	for _, e := range f.Feed.Entry {
		src := e.Content.Src
		if src == "" {
			src = linkOf(e.Link, "self")
		}
		file, err := localPath(self, src)
		if err != nil {
			probs = append(probs, Problem{File: feedFile, Reason: fmt.Sprintf("entry %s: %v", e.ID, err)})
			continue
		}
		j := job{file: file}
		if h := linkOf(e.Link, "hash"); h != "" {
			if hf, err := localPath(self, h); err == nil {
				j.hash = hf
			}
		}
		jobs = append(jobs, j)
	}
	slices.SortFunc(jobs, func(a, b job) int { return strings.Compare(a.file, b.file) })
	jobs = slices.CompactFunc(jobs, func(a, b job) bool { return a.file == b.file })
	return jobs, probs, nil
}

// localPath maps an entry URL of a ROLIE feed to a file in the snapshot:
// the URL's path relative to the directory of the feed's own URL. The
// result is a clean relative path; the snapshot's os.Root keeps it inside.
func localPath(feedURL, entryURL string) (string, error) {
	eu, err := url.Parse(entryURL)
	if err != nil || eu.Path == "" {
		return "", fmt.Errorf("entry link %q is not a URL", entryURL)
	}
	rel := ""
	if fu, err := url.Parse(feedURL); err == nil && fu.Host == eu.Host {
		base := path.Dir(fu.Path) + "/"
		if r, ok := strings.CutPrefix(eu.Path, base); ok {
			rel = r
		}
	}
	if rel == "" {
		// Keep the year folder and file name, as CSAF providers lay them out.
		rel = path.Join(path.Base(path.Dir(eu.Path)), path.Base(eu.Path))
	}
	rel = path.Clean(rel)
	if rel == "." || strings.HasPrefix(rel, "../") || path.IsAbs(rel) {
		return "", fmt.Errorf("entry link %q leaves the feed's directory", entryURL)
	}
	return rel, nil
}

// DigestOf returns a digest identifying a set of advisories: SHA-256 over
// each advisory's id and SHA-512, in id order.
func DigestOf(advs []*Advisory) string {
	h := sha256.New()
	for _, a := range advs {
		fmt.Fprintf(h, "%s %s\n", a.ID, a.SHA512)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// LatestUpdate returns the latest current_release_date among advisories,
// as the snapshot's version.
func LatestUpdate(advs []*Advisory) string {
	latest := ""
	for _, a := range advs {
		if a.Updated > latest {
			latest = a.Updated
		}
	}
	if len(latest) >= len("2006-01-02") {
		return latest[:len("2006-01-02")]
	}
	return latest
}

// cacheFormat changes whenever validation or parsing changes, so that a
// cache written by another version is never read.
const cacheFormat = "insurable.advisory-cache/v1"

// contentKey digests what a load's outcome depends on: every job's file
// and hash file, by name and content, the problems found before reading,
// and the options that change the outcome.
func contentKey(fsys fs.FS, jobs []job, pre []Problem, opts Options) string {
	sums := make([][]byte, len(jobs))
	var wg sync.WaitGroup
	next := make(chan int, len(jobs))
	for i := range jobs {
		next <- i
	}
	close(next)
	for range max(1, min(opts.Workers, len(jobs))) {
		wg.Go(func() {
			for i := range next {
				h := sha512.New()
				for _, name := range []string{jobs[i].file, jobs[i].hash, jobs[i].file + ".sha512", jobs[i].file + ".sha256"} {
					if name == "" {
						continue
					}
					fmt.Fprintf(h, "%s\x00", name)
					if data, err := readLimited(fsys, name, opts.MaxFileBytes); err == nil {
						h.Write(data)
					} else {
						fmt.Fprintf(h, "error %v", errors.Is(err, fs.ErrNotExist))
					}
					h.Write([]byte{0})
				}
				sums[i] = h.Sum(nil)
			}
		})
	}
	wg.Wait()
	h := sha256.New()
	fmt.Fprintf(h, "%s %v %d\n", cacheFormat, opts.RequireHash, opts.MaxFileBytes)
	for _, p := range pre {
		fmt.Fprintf(h, "pre %s %s\n", p.File, p.Reason)
	}
	for i, s := range sums {
		fmt.Fprintf(h, "%s %x\n", jobs[i].file, s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func readCache(file string) (*Set, bool) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, false
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, false
	}
	var set Set
	if err := gob.NewDecoder(io.LimitReader(zr, 1<<30)).Decode(&set); err != nil {
		return nil, false
	}
	return &set, true
}

// writeCache stores a load's outcome; failing to is not an error, since
// the cache only saves time.
func writeCache(file string, set *Set) {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".cache-*")
	if err != nil {
		return
	}
	defer os.Remove(tmp.Name())
	zw := gzip.NewWriter(tmp)
	if gob.NewEncoder(zw).Encode(set) != nil || zw.Close() != nil || tmp.Close() != nil {
		return
	}
	_ = os.Rename(tmp.Name(), file)
}
