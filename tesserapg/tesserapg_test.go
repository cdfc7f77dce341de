package tesserapg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	f_log "github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"
	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/note"

	"github.com/insurable/insurable/internal/pgtest"
)

// testSigner signs the test log's checkpoints.
var testSigner, testVerifier = func() (note.Signer, note.Verifier) {
	skey, vkey, err := note.GenerateKey(nil, "tesserapg.test/log")
	if err != nil {
		panic(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		panic(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		panic(err)
	}
	return s, v
}()

// openAppender opens tessera's appender lifecycle on the storage.
func openAppender(t testing.TB, s *Storage, batch uint) (*tessera.Appender, func(context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	opts := tessera.NewAppendOptions().WithCheckpointSigner(testSigner).WithBatching(batch, 10*time.Millisecond).
		WithCheckpointInterval(MinCheckpointInterval)
	app, shutdown, _, err := tessera.NewAppender(ctx, s, opts)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	closed := false
	closeFn := func(ctx context.Context) error {
		if closed {
			return nil
		}
		closed = true
		defer cancel()
		return shutdown(ctx)
	}
	t.Cleanup(func() { closeFn(context.Background()) })
	return app, closeFn
}

func leaf(i int) []byte { return fmt.Appendf(nil, "entry %d of the test log", i) }

// add appends entries [from, from+n) and returns their indices.
func add(t testing.TB, app *tessera.Appender, from, n int) []uint64 {
	t.Helper()
	fs := make([]tessera.IndexFuture, n)
	for i := range n {
		fs[i] = app.Add(context.Background(), tessera.NewEntry(leaf(from+i)))
	}
	out := make([]uint64, n)
	for i, f := range fs {
		idx, err := f()
		if err != nil {
			t.Fatalf("entry %d: %v", from+i, err)
		}
		out[i] = idx.Index
	}
	return out
}

// waitCheckpoint waits for a published checkpoint of at least size
// entries, verifies its signature and returns it.
func waitCheckpoint(t testing.TB, s *Storage, size uint64) *f_log.Checkpoint {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; {
		raw, err := s.ReadCheckpoint(context.Background())
		if err == nil {
			cp, _, _, err := f_log.ParseCheckpoint(raw, testVerifier.Name(), testVerifier)
			if err != nil {
				t.Fatalf("the published checkpoint: %v\n%s", err, raw)
			}
			if cp.Size >= size {
				return cp
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint of %d entries after 20s", size)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkLog reads the whole log of the checkpoint's size back, as a client
// would: every entry bundle holds the entries in order, the entries hash
// to the checkpoint's root, and an inclusion proof from the tiles verifies
// for a sample of them.
func checkLog(t testing.TB, s *Storage, cp *f_log.Checkpoint, entry func(uint64) []byte) {
	t.Helper()
	ctx := context.Background()
	tree := testonly.New(rfc6962.DefaultHasher)
	for b := uint64(0); b*layout.EntryBundleWidth < cp.Size; b++ {
		raw, err := s.ReadEntryBundle(ctx, b, layout.PartialTileSize(0, b, cp.Size))
		if err != nil {
			t.Fatalf("entry bundle %d: %v", b, err)
		}
		var eb api.EntryBundle
		if err := eb.UnmarshalText(raw); err != nil {
			t.Fatalf("entry bundle %d: %v", b, err)
		}
		for i, e := range eb.Entries {
			idx := b*layout.EntryBundleWidth + uint64(i)
			if idx >= cp.Size {
				break
			}
			if entry != nil && !bytes.Equal(e, entry(idx)) {
				t.Fatalf("entry %d is %q, want %q", idx, e, entry(idx))
			}
			tree.AppendData(e)
		}
	}
	if tree.Size() != cp.Size || !bytes.Equal(tree.Hash(), cp.Hash) {
		t.Fatalf("the entries (%d) do not hash to the checkpoint's root", tree.Size())
	}
	pb, err := client.NewProofBuilder(ctx, cp.Size, s.ReadTile)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []uint64{0, 1, 255, 256, 257, cp.Size / 2, cp.Size - 1} {
		if i >= cp.Size {
			continue
		}
		p, err := pb.InclusionProof(ctx, i)
		if err != nil {
			t.Fatalf("inclusion proof of %d: %v", i, err)
		}
		e := tree.LeafHash(i)
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, i, cp.Size, e, p, cp.Hash); err != nil {
			t.Errorf("inclusion of %d: %v", i, err)
		}
	}
}

// TestAppendAcrossBundles appends batches of sizes that end inside, at
// and across the edges of entry bundles and tiles; every entry gets the
// next index, and the log reads back whole after each.
func TestAppendAcrossBundles(t *testing.T) {
	s, err := New(context.Background(), pgtest.FreshPool(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	app, closeApp := openAppender(t, s, 300)
	n := 0
	for _, batch := range []int{1, 254, 1, 1, 255, 256, 257, 600, 3} {
		idx := add(t, app, n, batch)
		for i, got := range idx {
			if got != uint64(n+i) {
				t.Fatalf("entry %d got index %d", n+i, got)
			}
		}
		n += batch
		cp := waitCheckpoint(t, s, uint64(n))
		checkLog(t, s, cp, func(i uint64) []byte { return leaf(int(i)) })
	}
	if size, err := s.IntegratedSize(context.Background()); err != nil || size != uint64(n) {
		t.Errorf("integrated size %d, %v; want %d", size, err, n)
	}
	if err := closeApp(context.Background()); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// TestReplicas appends from two appenders on one database at once, as two
// replicas of the service do: every entry gets exactly one index, the
// indices are 0…n-1, and the log reads back whole.
func TestReplicas(t *testing.T) {
	pool := pgtest.FreshPool(t)
	ctx := context.Background()
	var apps []*tessera.Appender
	for range 2 {
		s, err := New(ctx, pool, nil)
		if err != nil {
			t.Fatal(err)
		}
		app, _ := openAppender(t, s, 64)
		apps = append(apps, app)
	}
	const perReplica, rounds = 500, 4
	var mu sync.Mutex
	byIndex := map[uint64][]byte{}
	var wg sync.WaitGroup
	for r, app := range apps {
		wg.Go(func() {
			for k := range rounds {
				from := (r*rounds + k) * perReplica
				for i, idx := range add(t, app, from, perReplica) {
					mu.Lock()
					if _, dup := byIndex[idx]; dup {
						t.Errorf("index %d given twice", idx)
					}
					byIndex[idx] = leaf(from + i)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	total := uint64(2 * rounds * perReplica)
	if uint64(len(byIndex)) != total {
		t.Fatalf("%d indices for %d entries", len(byIndex), total)
	}
	for i := range total {
		if byIndex[i] == nil {
			t.Fatalf("no entry got index %d", i)
		}
	}
	ro := ReadOnly(pool)
	cp := waitCheckpoint(t, ro, total)
	checkLog(t, ro, cp, func(i uint64) []byte { return byIndex[i] })
}

// TestNew creates the tables once however many replicas start together,
// and refuses a database of another schema version.
func TestNew(t *testing.T) {
	pool := pgtest.FreshPool(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			_, err := New(ctx, pool, nil)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("replicas starting together: %v", err)
		}
	}
	s, _ := New(ctx, pool, nil)
	if size, err := s.IntegratedSize(ctx); err != nil || size != 0 {
		t.Errorf("a new log's size: %d, %v", size, err)
	}
	if _, err := s.ReadCheckpoint(ctx); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a new log's checkpoint: %v, want ErrNotExist", err)
	}
	if _, err := pool.Exec(ctx, `UPDATE tessera_meta SET schema_version = 99`); err != nil {
		t.Fatal(err)
	}
	if _, err := New(ctx, pool, nil); err == nil {
		t.Error("a database of schema version 99 was opened")
	}
	opts := tessera.NewAppendOptions().WithCheckpointSigner(testSigner).WithCheckpointInterval(MinCheckpointInterval / 2)
	if _, _, _, err := tessera.NewAppender(ctx, s, opts); err == nil {
		t.Error("a checkpoint interval below the minimum was accepted")
	}
}

// TestReads covers what a reader may ask: a database with no log, tiles
// and bundles larger or smaller than asked for.
func TestReads(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.FreshPool(t)
	// A database that never held a log: ReadOnly creates nothing, and
	// every read finds nothing.
	ro := ReadOnly(pool)
	if _, err := ro.ReadCheckpoint(ctx); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("checkpoint of no log: %v", err)
	}
	if _, err := ro.ReadTile(ctx, 0, 0, 0); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("tile of no log: %v", err)
	}
	if _, err := ro.ReadEntryBundle(ctx, 0, 0); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("bundle of no log: %v", err)
	}
	if size, err := ro.IntegratedSize(ctx); err != nil || size != 0 {
		t.Errorf("size of no log: %d %v", size, err)
	}
	var tables int
	pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'tessera_%'`).Scan(&tables)
	if tables != 0 {
		t.Errorf("ReadOnly created %d tables", tables)
	}

	s, err := New(ctx, pool, nil)
	if err != nil {
		t.Fatal(err)
	}
	app, closeApp := openAppender(t, s, 1000)
	add(t, app, 0, 300)
	if err := closeApp(ctx); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		read     func() ([]byte, error)
		wantLen  int // bytes, or entries for bundles
		notExist bool
	}{
		{"full tile", func() ([]byte, error) { return s.ReadTile(ctx, 0, 0, 0) }, 256 * 32, false},
		{"part of a full tile", func() ([]byte, error) { return s.ReadTile(ctx, 0, 0, 10) }, 256 * 32, false},
		{"partial tile", func() ([]byte, error) { return s.ReadTile(ctx, 0, 1, 44) }, 44 * 32, false},
		{"less of a partial tile", func() ([]byte, error) { return s.ReadTile(ctx, 0, 1, 2) }, 44 * 32, false},
		{"more than the tile holds", func() ([]byte, error) { return s.ReadTile(ctx, 0, 1, 45) }, 0, true},
		{"a tile beyond the tree", func() ([]byte, error) { return s.ReadTile(ctx, 0, 2, 0) }, 0, true},
		{"level 1", func() ([]byte, error) { return s.ReadTile(ctx, 1, 0, 1) }, 32, false},
		{"full bundle", func() ([]byte, error) { return s.ReadEntryBundle(ctx, 0, 0) }, 256, false},
		{"partial bundle", func() ([]byte, error) { return s.ReadEntryBundle(ctx, 1, 44) }, 44, false},
		{"more than the bundle holds", func() ([]byte, error) { return s.ReadEntryBundle(ctx, 1, 45) }, 0, true},
		{"a bundle beyond the tree", func() ([]byte, error) { return s.ReadEntryBundle(ctx, 7, 0) }, 0, true},
	}
	for _, c := range cases {
		data, err := c.read()
		if c.notExist {
			if !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s: %v, want ErrNotExist", c.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		got := len(data)
		if c.name == "full bundle" || c.name == "partial bundle" {
			var eb api.EntryBundle
			if err := eb.UnmarshalText(data); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			got = len(eb.Entries)
		}
		if got != c.wantLen {
			t.Errorf("%s: %d, want %d", c.name, got, c.wantLen)
		}
	}
}

// TestIntegrate folds batches of random sizes into a tree kept in memory,
// as sequenceBatch does in a transaction, and compares each root with
// RFC 6962's reference tree.
func TestIntegrate(t *testing.T) {
	ctx := context.Background()
	tiles := map[tileKey]*api.HashTile{}
	get := func(_ context.Context, ids []tileKey, _ uint64) ([]*api.HashTile, error) {
		out := make([]*api.HashTile, len(ids))
		for i, id := range ids {
			out[i] = tiles[id]
		}
		return out, nil
	}
	ref := testonly.New(rfc6962.DefaultHasher)
	rng := rand.New(rand.NewPCG(1, 2))
	size := uint64(0)
	for round := range 60 {
		n := rng.IntN(700)
		if round%10 == 0 {
			n = 0
		}
		leaves := make([][]byte, n)
		for i := range leaves {
			d := leaf(int(size) + i)
			ref.AppendData(d)
			leaves[i] = rfc6962.DefaultHasher.HashLeaf(d)
		}
		newSize, root, written, err := integrateLeaves(ctx, get, size, leaves)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if newSize != size+uint64(n) || newSize != ref.Size() || !bytes.Equal(root, ref.Hash()) {
			t.Fatalf("round %d: size %d root %x, want %d %x", round, newSize, root, ref.Size(), ref.Hash())
		}
		for k, tile := range written {
			// What sequenceBatch stores, read back as it reads it.
			data, err := tile.MarshalText()
			if err != nil {
				t.Fatal(err)
			}
			var back api.HashTile
			if err := back.UnmarshalText(data); err != nil {
				t.Fatal(err)
			}
			tiles[k] = &back
		}
		size = newSize
	}
}

// TestQueue: a batch goes when it is full or its first entry has waited
// long enough; a failed batch fails every entry in it; stopping fails
// those still waiting.
func TestQueue(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var sizes []int
	next := uint64(0)
	fail := false
	q := newQueue(ctx, 50*time.Millisecond, 4, func(_ context.Context, es []*tessera.Entry) error {
		mu.Lock()
		defer mu.Unlock()
		sizes = append(sizes, len(es))
		if fail {
			return errors.New("the database is down")
		}
		for _, e := range es {
			e.MarshalBundleData(next)
			next++
		}
		return nil
	})
	var fs []tessera.IndexFuture
	for i := range 10 {
		fs = append(fs, q.add(ctx, tessera.NewEntry(leaf(i))))
	}
	start := time.Now()
	var got []uint64
	for _, f := range fs {
		idx, err := f()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, idx.Index)
	}
	if waited := time.Since(start); waited < 40*time.Millisecond {
		t.Errorf("the last two entries went after %v, before their batch was old enough", waited)
	}
	if want := []uint64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}; !slices.Equal(got, want) {
		t.Errorf("indices %v", got)
	}
	mu.Lock()
	if !slices.Equal(sizes, []int{4, 4, 2}) {
		t.Errorf("batches of %v, want 4, 4, 2", sizes)
	}
	fail = true
	mu.Unlock()
	f1, f2 := q.add(ctx, tessera.NewEntry(leaf(1))), q.add(ctx, tessera.NewEntry(leaf(2)))
	for _, f := range []tessera.IndexFuture{f1, f2} {
		if _, err := f(); err == nil || err.Error() != "the database is down" {
			t.Errorf("an entry of a failed batch: %v", err)
		}
	}
	f3 := q.add(ctx, tessera.NewEntry(leaf(3)))
	cancel()
	if _, err := f3(); err == nil {
		t.Error("an entry still waiting when the queue stopped got an index")
	}
}
