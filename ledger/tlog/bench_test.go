package tlog_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/insurable/insurable/internal/ledgertest"
	"github.com/insurable/insurable/ledger"
	"github.com/insurable/insurable/ledger/tlog"
)

// The log alone, on each storage: appending, and building proofs. The
// service's path (outbox, database, HTTP) is measured by the Ledger
// benchmarks of package server.
//
//	go test ./ledger/tlog -run '^$' -bench . -benchtime 1x -count 2

// benchEntries makes n entries as the service logs them: one in four an
// assessment (four feeds, two remediation items resolved; about 1 KB),
// the others transitions (about 400 bytes). It returns them and their
// mean size.
func benchEntries(b *testing.B, n int) ([][]byte, float64) {
	b.Helper()
	out := make([][]byte, n)
	total := 0
	for i := range out {
		e := ledgertest.Entry(i, fmt.Sprintf("pol_bench%015d", i%1000), "org_01a21c3ba280edaf2a936f", "org_01a21c3ba280edaf2a9370", i/1000+2)
		data, err := ledger.Encode(e)
		if err != nil {
			b.Fatal(err)
		}
		out[i] = data
		total += len(data)
	}
	return out, float64(total) / float64(n)
}

// appendAll appends the entries in the batches of 4,096 the service's
// outbox hands over.
func appendAll(b *testing.B, l *tlog.Log, es [][]byte) {
	b.Helper()
	for i := 0; i < len(es); i += 4096 {
		if _, err := l.Append(context.Background(), es[i:min(len(es), i+4096)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppend100k appends 100,000 entries to a fresh log, in batches
// of 4,096, and waits until each has its index: durably sequenced and
// integrated into the tiles. Opening and closing the log are outside the
// timer. s-to-published adds the wait for the first signed checkpoint
// that covers them all (here one every 100 ms).
func BenchmarkAppend100k(b *testing.B) {
	const n = 100_000
	es, size := benchEntries(b, n)
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			var published time.Duration
			for b.Loop() {
				b.StopTimer()
				open, _ := be.open(b)
				l := open()
				start := time.Now()
				b.StartTimer()
				appendAll(b, l, es)
				b.StopTimer()
				waitCovered(b, l.Reader, n)
				published += time.Since(start)
				l.Close(context.Background())
				b.StartTimer()
			}
			b.ReportMetric(float64(n)/(b.Elapsed().Seconds()/float64(b.N)), "entries/s")
			b.ReportMetric(published.Seconds()/float64(b.N), "s-to-published")
			b.ReportMetric(size, "B/entry")
		})
	}
}

// BenchmarkInclusionProof builds the inclusion proof of an entry of a
// 100,000-entry log against its latest checkpoint, as the service does
// for GET /api/ledger/proofs/{record}: read the checkpoint and verify its
// signature, build the proof from the tiles, read the entry from its
// bundle. warm keeps one reader, whose proof builder holds the tiles of
// the checkpoint's size once read (the service between two checkpoints);
// cold makes a new reader for each proof, which reads every tile it needs
// from storage (the first proof after a new checkpoint); held is warm
// with the entry's bytes at hand (ledger.ProveEntry, as the service has
// them from its database), so that its bundle is not read.
func BenchmarkInclusionProof(b *testing.B) {
	const n = 100_000
	es, _ := benchEntries(b, n)
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			open, read := be.open(b)
			l := open()
			appendAll(b, l, es)
			l.Close(context.Background())
			warm := read()
			waitCovered(b, warm, n)
			for _, mode := range []string{"warm", "cold", "held"} {
				b.Run(mode, func(b *testing.B) {
					i := uint64(0)
					for b.Loop() {
						r := warm
						if mode == "cold" {
							r = read()
						}
						i = (i + 7919) % n
						var held []byte
						if mode == "held" {
							held = es[i]
						}
						p, err := ledger.ProveEntry(context.Background(), r, r.Verifier(), "", i, held)
						if err != nil {
							b.Fatal(err)
						}
						if p.Index != i {
							b.Fatalf("the proof of %d is of %d", i, p.Index)
						}
					}
				})
			}
		})
	}
}
