// Package vulnassess runs vulnerability assessments: it matches
// inventories (a bundle's, or files given on the command line) against a
// catalogue of advisories, and a bundle's SBOMs against OSV records, and
// implements check.VulnerabilityAssessor on a feeds snapshot.
package vulnassess

import (
	"context"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/vulnmatch"
)

// Summary counts what matching an inventory found.
type Summary struct {
	Assets             int            `json:"assets"`
	AssetsMatched      int            `json:"assets_matched"`
	Matches            int            `json:"matches"`
	Affected           int            `json:"affected"`
	Unknown            int            `json:"unknown"`
	UnderInvestigation int            `json:"under_investigation"`
	KEV                int            `json:"kev"`
	BySeverity         map[string]int `json:"by_severity"`
}

// Unparsed is an advisory version range that could not be read, for a
// product some asset matched: each such asset has a match with status
// unknown.
type Unparsed struct {
	AdvisoryID string `json:"advisory_id"`
	ProductID  string `json:"product_id"`
	Product    string `json:"product"`
	Versions   string `json:"versions"`
	Reason     string `json:"reason"`
	Assets     int    `json:"assets"`
}

// Chunk is a run of consecutive rows with their matches.
type Chunk struct {
	Rows    []Row
	Matches [][]vulnmatch.Match
	// Encoded holds what the encoder made of the chunk, when one was given.
	Encoded []byte
}

// MatchOptions tune MatchRows.
type MatchOptions struct {
	// ChunkRows is how many rows a worker matches at a time.
	ChunkRows int
	// Encode, when set, renders a chunk in the worker that matched it, so
	// that output is produced in parallel too.
	Encode func(dst []byte, c *Chunk) []byte
	// Progress, when set, is called with the number of rows done.
	Progress func(done int)
}

// MatchRows matches rows already in memory against the catalogue on every
// core and hands the chunks to emit in row order. It returns the summary
// and the unreadable ranges met, sorted.
func MatchRows(ctx context.Context, c *vulnmatch.Catalog, rows []Row, opts MatchOptions, emit func(*Chunk) error) (*Summary, []Unparsed, error) {
	if opts.ChunkRows <= 0 {
		opts.ChunkRows = 8192
	}
	n := (len(rows) + opts.ChunkRows - 1) / opts.ChunkRows
	t := newTally()
	err := pipeline(ctx, c, n, opts, func(i int) ([]Row, error) {
		return rows[i*opts.ChunkRows : min((i+1)*opts.ChunkRows, len(rows))], nil
	}, t, emit)
	if err != nil {
		return nil, nil, err
	}
	return t.result()
}

// MatchInventories reads inventory files (CSV or YAML, see ReadInventory)
// and matches them, streaming: each worker parses a piece of a file,
// matches and encodes it, and emit receives the pieces in file and row
// order, so that a million-row inventory is never held whole in memory.
func MatchInventories(ctx context.Context, c *vulnmatch.Catalog, paths []string, opts MatchOptions, emit func(*Chunk) error) (*Summary, []Unparsed, error) {
	if opts.ChunkRows <= 0 {
		opts.ChunkRows = 8192
	}
	// Open every file first, so that a missing file or a bad header is
	// reported before anything is emitted.
	type source struct {
		path string
		rows []Row      // a YAML inventory, read whole
		csv  *csvSource // a CSV inventory, read in pieces
	}
	var srcs []source
	for _, p := range paths {
		if ext := strings.ToLower(filepath.Ext(p)); ext == ".yaml" || ext == ".yml" {
			rows, err := ReadInventory(p)
			if err != nil {
				return nil, nil, err
			}
			srcs = append(srcs, source{path: p, rows: rows})
			continue
		}
		data, err := readCSVFile(p)
		if err != nil {
			return nil, nil, err
		}
		src, err := openCSV(p, data)
		if err != nil {
			return nil, nil, err
		}
		srcs = append(srcs, source{path: p, csv: src})
	}
	t := newTally()
	for _, src := range srcs {
		if src.csv == nil {
			rows := src.rows
			n := (len(rows) + opts.ChunkRows - 1) / opts.ChunkRows
			err := pipeline(ctx, c, n, opts, func(i int) ([]Row, error) {
				return rows[i*opts.ChunkRows : min((i+1)*opts.ChunkRows, len(rows))], nil
			}, t, emit)
			if err != nil {
				return nil, nil, err
			}
			continue
		}
		before := t.sum.Assets
		p := src.path
		err := pipeline(ctx, c, len(src.csv.spans), opts, src.csv.parse, t, func(ch *Chunk) error {
			if t.sum.Assets-before > evidence.DefaultLimits.MaxRecordsInFile {
				return insurable.FileError(opInventory, insurable.TooLarge, p, 0, "more than %d rows", evidence.DefaultLimits.MaxRecordsInFile)
			}
			return emit(ch)
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return t.result()
}

// pipeline runs n pieces of work on every core — get the rows, match them,
// encode them — and emits the results in order. At most a few pieces per
// core are in flight, which bounds memory.
func pipeline(ctx context.Context, c *vulnmatch.Catalog, n int, opts MatchOptions, get func(int) ([]Row, error), t *tally, emit func(*Chunk) error) error {
	workers := runtime.GOMAXPROCS(0)
	type result struct {
		ch  *Chunk
		err error
	}
	slots := make([]chan result, n)
	for i := range slots {
		slots[i] = make(chan result, 1)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	window := make(chan struct{}, 3*workers)
	next := make(chan int)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(next)
		for i := range n {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	})
	for range workers {
		wg.Go(func() {
			m := c.Matcher()
			var buf []vulnmatch.Match
			for i := range next {
				rows, err := get(i)
				if err != nil {
					slots[i] <- result{err: err}
					continue
				}
				ch := &Chunk{Rows: rows, Matches: make([][]vulnmatch.Match, len(rows))}
				buf = buf[:0]
				offs := make([]int, len(rows)+1)
				for j := range rows {
					offs[j] = len(buf)
					buf = m.AppendMatches(buf, &rows[j].Asset)
				}
				offs[len(rows)] = len(buf)
				all := slices.Clone(buf)
				for j := range ch.Matches {
					if offs[j] < offs[j+1] {
						ch.Matches[j] = all[offs[j]:offs[j+1]:offs[j+1]]
					}
				}
				if opts.Encode != nil {
					ch.Encoded = opts.Encode(nil, ch)
				}
				slots[i] <- result{ch: ch}
			}
		})
	}
	var err error
	for i := range n {
		var r result
		select {
		case r = <-slots[i]:
		case <-ctx.Done():
			err = ctx.Err()
		}
		if err != nil {
			break
		}
		if r.err != nil {
			err = r.err
			break
		}
		t.add(r.ch)
		if opts.Progress != nil {
			opts.Progress(t.sum.Assets)
		}
		if err = emit(r.ch); err != nil {
			break
		}
		<-window
	}
	cancel()
	wg.Wait()
	return err
}

// tally accumulates the summary of the chunks emitted.
type tally struct {
	sum      *Summary
	unparsed map[[2]string]*Unparsed
	rowSeen  [][2]string
}

func newTally() *tally {
	return &tally{sum: &Summary{BySeverity: map[string]int{}}, unparsed: map[[2]string]*Unparsed{}}
}

func (t *tally) add(ch *Chunk) {
	sum := t.sum
	sum.Assets += len(ch.Rows)
	for _, ms := range ch.Matches {
		t.rowSeen = t.rowSeen[:0]
		if len(ms) > 0 {
			sum.AssetsMatched++
		}
		for k := range ms {
			m := &ms[k]
			sum.Matches++
			switch m.Status {
			case vulnmatch.StatusAffected:
				sum.Affected++
				if m.Severity != "" {
					sum.BySeverity[m.Severity]++
				}
				if m.KEV {
					sum.KEV++
				}
			case vulnmatch.StatusUnknown:
				sum.Unknown++
			case vulnmatch.StatusUnderInvestigation:
				sum.UnderInvestigation++
			}
			if m.Unparsed {
				k := [2]string{m.AdvisoryID, m.ProductID}
				u := t.unparsed[k]
				if u == nil {
					u = &Unparsed{AdvisoryID: m.AdvisoryID, ProductID: m.ProductID, Product: m.Product, Versions: m.Versions, Reason: m.Reason}
					t.unparsed[k] = u
				}
				// One asset may meet the product for several
				// vulnerabilities; count it once.
				if !slices.Contains(t.rowSeen, k) {
					t.rowSeen = append(t.rowSeen, k)
					u.Assets++
				}
			}
		}
	}
}

func (t *tally) result() (*Summary, []Unparsed, error) {
	out := make([]Unparsed, 0, len(t.unparsed))
	for _, u := range t.unparsed {
		out = append(out, *u)
	}
	slices.SortFunc(out, func(a, b Unparsed) int {
		if c := strings.Compare(a.AdvisoryID, b.AdvisoryID); c != 0 {
			return c
		}
		return strings.Compare(a.ProductID, b.ProductID)
	})
	return t.sum, out, nil
}
