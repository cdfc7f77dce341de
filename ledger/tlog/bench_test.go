package tlog_test

import (
	"context"
	"testing"

	"github.com/insurable/insurable/ledger"
)

// BenchmarkAppend100k appends 100,000 entries to a fresh log, in the
// batches of 4,096 the service's outbox hands over, and waits until each
// has its index (durably sequenced and integrated).
func BenchmarkAppend100k(b *testing.B) {
	const n, batch = 100_000, 4096
	es := entries(b, 0, n)
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				open, _ := be.open(b)
				l := open()
				b.StartTimer()
				for i := 0; i < n; i += batch {
					if _, err := l.Append(context.Background(), es[i:min(n, i+batch)]); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				l.Close(context.Background())
				b.StartTimer()
			}
			b.ReportMetric(float64(n)/(b.Elapsed().Seconds()/float64(b.N)), "entries/s")
		})
	}
}

// BenchmarkInclusionProof builds and checks the inclusion proof of an
// entry of a 100,000-entry log against its latest checkpoint, as the
// service answers GET /api/ledger/proofs/{record}.
func BenchmarkInclusionProof(b *testing.B) {
	const n = 100_000
	es := entries(b, 0, n)
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			open, read := be.open(b)
			l := open()
			for i := 0; i < n; i += 4096 {
				if _, err := l.Append(context.Background(), es[i:min(n, i+4096)]); err != nil {
					b.Fatal(err)
				}
			}
			l.Close(context.Background())
			r := read()
			waitCovered(b, r, n)
			i := uint64(0)
			for b.Loop() {
				i = (i + 7919) % n
				p, err := ledger.Prove(context.Background(), r, r.Verifier(), "", i)
				if err != nil {
					b.Fatal(err)
				}
				_ = p
			}
		})
	}
}
