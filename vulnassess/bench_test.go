package vulnassess

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/insurable/insurable/feeds"
	"github.com/insurable/insurable/internal/fleetgen"
	"github.com/insurable/insurable/vulnmatch"
)

var (
	invOnce  sync.Once
	invPath  string
	repPath  string
	repeated sync.Once
)

// benchInventory writes a 1,000,000-row inventory once per run: 30% of the
// rows name products of the built-in advisories (vendor names respelled,
// versions on both sides of the ranges), the rest devices no advisory names.
func benchInventory(b *testing.B) string {
	invOnce.Do(func() {
		s, err := feeds.Embedded(feeds.PartCSAF)
		if err != nil {
			b.Fatal(err)
		}
		dir, err := os.MkdirTemp("", "insurable-bench-")
		if err != nil {
			b.Fatal(err)
		}
		invPath = filepath.Join(dir, "inventory-1m.csv")
		f, err := os.Create(invPath)
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		if err := fleetgen.Write(w, s.Advisories, fleetgen.Options{Rows: 1_000_000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
		w.Flush()
		f.Close()
	})
	return invPath
}

// BenchmarkMatchInventory1M is the target of issue 3: 1,000,000 inventory
// rows against every built-in advisory plus KEV, loading and JSON output
// included — what "insurable vulns match --inventory FILE -o json" does,
// less the process start and the write to a pipe.
func BenchmarkMatchInventory1M(b *testing.B) {
	path := benchInventory(b)
	b.ReportAllocs()
	for b.Loop() {
		s, err := feeds.Embedded(feeds.PartCSAF | feeds.PartKEV | feeds.PartEPSS)
		if err != nil {
			b.Fatal(err)
		}
		c := vulnmatch.NewCatalog(s.Advisories, vulnmatch.Feeds{KEV: s.KEV, EPSS: s.EPSS})
		n := 0
		sum, _, err := MatchInventories(context.Background(), c, []string{path}, MatchOptions{Encode: JSONEncoder(false)}, func(ch *Chunk) error {
			n += len(ch.Encoded)
			_, err := io.Discard.Write(ch.Encoded)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(sum.Matches), "matches")
		b.ReportMetric(float64(n)/1e6, "MB-json")
	}
}

// benchRepeatedInventory writes a 1,000,000-row inventory of 20,000
// distinct device models and versions, as a fleet of identical devices is.
func benchRepeatedInventory(b *testing.B) string {
	repeated.Do(func() {
		s, err := feeds.Embedded(feeds.PartCSAF)
		if err != nil {
			b.Fatal(err)
		}
		dir, err := os.MkdirTemp("", "insurable-bench-")
		if err != nil {
			b.Fatal(err)
		}
		repPath = filepath.Join(dir, "inventory-1m-repeated.csv")
		f, err := os.Create(repPath)
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		if err := fleetgen.Write(w, s.Advisories, fleetgen.Options{Rows: 1_000_000, Seed: 1, Models: 20_000}); err != nil {
			b.Fatal(err)
		}
		w.Flush()
		f.Close()
	})
	return repPath
}

// BenchmarkMatchInventory1MRepeated is BenchmarkMatchInventory1M on a
// fleet of 20,000 distinct device models and versions.
func BenchmarkMatchInventory1MRepeated(b *testing.B) {
	path := benchRepeatedInventory(b)
	b.ReportAllocs()
	for b.Loop() {
		s, err := feeds.Embedded(feeds.PartCSAF | feeds.PartKEV | feeds.PartEPSS)
		if err != nil {
			b.Fatal(err)
		}
		c := vulnmatch.NewCatalog(s.Advisories, vulnmatch.Feeds{KEV: s.KEV, EPSS: s.EPSS})
		n := 0
		sum, _, err := MatchInventories(context.Background(), c, []string{path}, MatchOptions{Encode: JSONEncoder(false)}, func(ch *Chunk) error {
			n += len(ch.Encoded)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(sum.Matches), "matches")
		b.ReportMetric(float64(n)/1e6, "MB-json")
	}
}

// BenchmarkReadInventory1M reads the million rows, in parallel pieces.
func BenchmarkReadInventory1M(b *testing.B) {
	path := benchInventory(b)
	b.ReportAllocs()
	for b.Loop() {
		rows, err := ReadInventory(path)
		if err != nil || len(rows) != 1_000_000 {
			b.Fatal(err, len(rows))
		}
	}
}
