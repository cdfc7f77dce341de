package tlog_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/insurable/insurable/internal/pgtest"
	"github.com/insurable/insurable/ledger"
	"github.com/insurable/insurable/ledger/tlog"
)

// entry makes the i-th test entry: a transition of a policy.
func entry(t testing.TB, i int) []byte {
	e, err := ledger.Encode(&ledger.Entry{Kind: ledger.KindTransition, Record: fmt.Sprintf("trn_%08d", i), Policy: fmt.Sprintf("pol_%04d", i%1000),
		Firm: "org_firm", Insurer: "org_insurer", Actor: "usr_1", At: ledger.Time(time.Date(2026, 11, 27, 9, 0, 0, i, time.UTC)),
		Transition: &ledger.TransitionFact{Seq: i/1000 + 1, Event: "assess", From: "application", To: "assessed", Reason: ledger.Digest([]byte("reason"))}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func entries(t testing.TB, from, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = entry(t, from+i)
	}
	return out
}

// backend opens a log of one kind, and another handle on the same log
// (a second replica, or a reader process).
type backend struct {
	name string
	open func(t testing.TB) (open func() *tlog.Log, read func() *tlog.Reader)
}

var signerKey, verifierKey = func() (string, string) {
	s, v, err := ledger.GenerateKey(nil, "insurable.ledger/test")
	if err != nil {
		panic(err)
	}
	return s, v
}()

func verifier(t testing.TB) note.Verifier {
	v, err := ledger.NewVerifier(verifierKey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var backends = []backend{
	{"posix", func(t testing.TB) (func() *tlog.Log, func() *tlog.Reader) {
		dir := filepath.Join(t.TempDir(), "log")
		return func() *tlog.Log {
				l, err := tlog.OpenPOSIX(context.Background(), dir, signerKey, tlog.Options{CheckpointInterval: 100 * time.Millisecond})
				if err != nil {
					t.Fatal(err)
				}
				return l
			}, func() *tlog.Reader {
				return tlog.POSIXReader(dir, verifier(t))
			}
	}},
	{"postgres", func(t testing.TB) (func() *tlog.Log, func() *tlog.Reader) {
		pool := pgtest.FreshPool(t)
		return func() *tlog.Log {
				l, err := tlog.OpenPostgres(context.Background(), pool, signerKey, tlog.Options{CheckpointInterval: 100 * time.Millisecond})
				if err != nil {
					t.Fatal(err)
				}
				return l
			}, func() *tlog.Reader {
				return tlog.PostgresReader(pool, verifier(t))
			}
	}},
}

// waitCovered waits until the published checkpoint holds size entries.
func waitCovered(t testing.TB, r *tlog.Reader, size uint64) *ledger.Checkpoint {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		cp, err := r.Latest(context.Background())
		if err == nil && cp.Size >= size {
			return cp
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint of %d entries after 20s (last: %v, %v)", size, cp, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestAppendProveVerify appends entries in batches from two handles on
// one log (two replicas), then checks inclusion proofs, a consistency
// proof from an earlier checkpoint and the whole log, each through a
// reader that only reads.
func TestAppendProveVerify(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			open, read := b.open(t)
			l1 := open()
			var got []uint64
			for _, n := range []int{1, 255, 2, 300} {
				idx, err := l1.Append(ctx, entries(t, len(got), n))
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, idx...)
			}
			for i, idx := range got {
				if idx != uint64(i) {
					t.Fatalf("entry %d got index %d", i, idx)
				}
			}
			r := read()
			early := waitCovered(t, r, uint64(len(got)))
			// A second handle on the same log appends after the first.
			l2 := open()
			idx, err := l2.Append(ctx, entries(t, len(got), 700))
			if err != nil {
				t.Fatal(err)
			}
			if idx[0] != uint64(len(got)) || idx[len(idx)-1] != uint64(len(got)+699) {
				t.Errorf("the second handle's entries got %d…%d", idx[0], idx[len(idx)-1])
			}
			total := uint64(len(got) + 700)
			if err := l2.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if err := l1.Close(ctx); err != nil {
				t.Fatal(err)
			}
			cp := waitCovered(t, r, total)
			if cp.Size != total {
				t.Fatalf("checkpoint of %d entries, want %d", cp.Size, total)
			}
			for _, i := range []uint64{0, 1, 255, 256, 257, 557, total - 1} {
				p, err := ledger.Prove(ctx, r, r.Verifier(), fmt.Sprintf("trn_%08d", i), i)
				if err != nil {
					t.Fatalf("prove %d: %v", i, err)
				}
				e, _, err := p.Check(r.Verifier())
				if err != nil {
					t.Fatalf("check %d: %v", i, err)
				}
				if e.Record != fmt.Sprintf("trn_%08d", i) {
					t.Errorf("entry %d logs %s", i, e.Record)
				}
			}
			if _, err := ledger.Prove(ctx, r, r.Verifier(), "x", total); !errors.Is(err, ledger.ErrNotPublished) {
				t.Errorf("a proof beyond the checkpoint: %v, want ErrNotPublished", err)
			}
			st, err := ledger.CheckLog(ctx, r, r.Verifier(), early.Note)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Leaves) != int(total) || len(st.Problems) > 0 || st.Trusted.Size != early.Size {
				t.Errorf("CheckLog: %d leaves, problems %v, trusted %d", len(st.Leaves), st.Problems, st.Trusted.Size)
			}
		})
	}
}
