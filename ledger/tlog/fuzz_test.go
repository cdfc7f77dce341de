package tlog_test

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"testing"

	"github.com/insurable/insurable/ledger"
	"github.com/insurable/insurable/ledger/tlog"
)

// fuzzFetcher serves the same bytes for every tile and entry bundle, as a
// hostile or broken log (a tlog-tiles server, a copied directory) might.
type fuzzFetcher struct{ data []byte }

func (f fuzzFetcher) ReadCheckpoint(context.Context) ([]byte, error) { return nil, os.ErrNotExist }
func (f fuzzFetcher) ReadTile(context.Context, uint64, uint64, uint8) ([]byte, error) {
	return f.data, nil
}
func (f fuzzFetcher) ReadEntryBundle(context.Context, uint64, uint8) ([]byte, error) {
	return f.data, nil
}

// bundle is a well-formed entry bundle of the given entries.
func bundle(entries ...[]byte) []byte {
	var out []byte
	for _, e := range entries {
		out = binary.BigEndian.AppendUint16(out, uint16(len(e)))
		out = append(out, e...)
	}
	return out
}

// FuzzReaderEntries reads entry bundles of any bytes: the reader never
// panics, gives no more entries than asked for, in order, and says that
// a bundle it cannot parse does not verify.
//
//	go test ./ledger/tlog -run '^$' -fuzz FuzzReaderEntries -fuzztime 2m
func FuzzReaderEntries(f *testing.F) {
	f.Add(bundle(entry(f, 0), entry(f, 1), entry(f, 2)), uint16(0), uint16(3))
	f.Add(bundle(entry(f, 0)), uint16(0), uint16(300))
	f.Add([]byte{0xff, 0xff, 1}, uint16(0), uint16(1))
	f.Add([]byte{}, uint16(2), uint16(5))
	f.Fuzz(func(t *testing.T, data []byte, from, n uint16) {
		r := tlog.NewReader(fuzzFetcher{data}, nil)
		to := uint64(from) + uint64(n%600)
		next := uint64(from)
		err := r.Entries(context.Background(), uint64(from), to, func(i uint64, e []byte) error {
			if i != next || i >= to {
				t.Fatalf("entry %d after %d, up to %d", i, next, to)
			}
			next++
			return nil
		})
		if err != nil && !errors.Is(err, ledger.ErrNotVerified) {
			t.Fatalf("a bundle that does not parse, without ErrNotVerified: %v", err)
		}
	})
}

// FuzzReaderTiles builds inclusion and consistency proofs from tiles of
// any bytes: never a panic, and a tile too short for the tree is a log
// that does not verify.
//
//	go test ./ledger/tlog -run '^$' -fuzz FuzzReaderTiles -fuzztime 2m
func FuzzReaderTiles(f *testing.F) {
	full := make([]byte, 256*32)
	f.Add(full, uint32(5), uint32(1000))
	f.Add(full[:64], uint32(1), uint32(2))
	f.Add(full[:33], uint32(0), uint32(1))
	f.Add([]byte{}, uint32(70000), uint32(70001))
	f.Fuzz(func(t *testing.T, data []byte, index, size uint32) {
		r := tlog.NewReader(fuzzFetcher{data}, nil)
		ctx := context.Background()
		p, err := r.InclusionProof(ctx, uint64(index), uint64(size))
		if err == nil {
			for _, h := range p {
				if len(h) != 32 {
					t.Fatalf("a proof hash of %d bytes", len(h))
				}
			}
		}
		if len(data)%32 != 0 && err == nil && index < size && size > 1 {
			t.Fatalf("a proof from tiles of %d bytes", len(data))
		}
		if _, err := r.ConsistencyProof(ctx, uint64(index), uint64(size)); err != nil && len(data)%32 != 0 && index > 0 && index < size && !errors.Is(err, ledger.ErrNotVerified) {
			t.Fatalf("a consistency proof from malformed tiles, without ErrNotVerified: %v", err)
		}
	})
}
