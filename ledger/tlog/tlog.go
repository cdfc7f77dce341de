// Package tlog is insurable's decision log as a transparency log on
// transparency-dev/tessera: appending entries through tessera's appender
// lifecycle, on its POSIX driver in a data directory or on package
// tesserapg in PostgreSQL; and reading the log back (checkpoints,
// inclusion and consistency proofs from the tiles, entries from the
// entry bundles) with tessera's client, for ledger's verification and
// proofs. The on-disk and served layout is C2SP tlog-tiles.
package tlog

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/note"

	"github.com/insurable/insurable/ledger"
	"github.com/insurable/insurable/tesserapg"
)

// Defaults of Options.
const (
	// DefaultBatchSize entries are sequenced together at most.
	DefaultBatchSize = 1024
	// DefaultBatchAge is how long the first entry of a batch waits for
	// others.
	DefaultBatchAge = 20 * time.Millisecond
	// DefaultCheckpointInterval is how often a new checkpoint is signed
	// while the log grows.
	DefaultCheckpointInterval = time.Second
)

// Options configure a Log; zero values take the defaults.
type Options struct {
	BatchSize          uint
	BatchAge           time.Duration
	CheckpointInterval time.Duration
	Log                *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.BatchSize == 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.BatchAge <= 0 {
		o.BatchAge = DefaultBatchAge
	}
	if o.CheckpointInterval <= 0 {
		o.CheckpointInterval = DefaultCheckpointInterval
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// Log is the log open for appending: tessera's appender on one driver,
// with its background sequencing and checkpoint publishing. It reads the
// log too, through its embedded Reader.
type Log struct {
	app      *tessera.Appender
	shutdown func(context.Context) error
	lr       tessera.LogReader
	*Reader
	publicKey string
	cancel    context.CancelFunc
}

// OpenPOSIX opens (creating it when needed) the log kept in dir by
// tessera's POSIX driver, signing checkpoints with the signing key (see
// ledger.GenerateKey).
func OpenPOSIX(ctx context.Context, dir, signerKey string, opts Options) (*Log, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	drv, err := posix.New(ctx, posix.Config{Path: dir})
	if err != nil {
		return nil, fmt.Errorf("tlog: %w", err)
	}
	return open(ctx, drv, signerKey, opts)
}

// OpenPostgres opens (creating its tables when needed) the log kept in
// PostgreSQL by package tesserapg, signing checkpoints with the signing
// key. Any number of processes may open it on one database with the
// same key.
func OpenPostgres(ctx context.Context, pool *pgxpool.Pool, signerKey string, opts Options) (*Log, error) {
	opts = opts.withDefaults()
	drv, err := tesserapg.New(ctx, pool, opts.Log)
	if err != nil {
		return nil, err
	}
	return open(ctx, drv, signerKey, opts)
}

func open(ctx context.Context, drv tessera.Driver, signerKey string, opts Options) (*Log, error) {
	opts = opts.withDefaults()
	signer, err := ledger.NewSigner(signerKey)
	if err != nil {
		return nil, err
	}
	vkey, err := ledger.VerifierKey(signerKey)
	if err != nil {
		return nil, err
	}
	v, err := ledger.NewVerifier(vkey)
	if err != nil {
		return nil, err
	}
	// The appender's goroutines outlive the call; Close stops them.
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	ao := tessera.NewAppendOptions().
		WithCheckpointSigner(signer).
		WithBatching(opts.BatchSize, opts.BatchAge).
		WithCheckpointInterval(opts.CheckpointInterval)
	app, shutdown, lr, err := tessera.NewAppender(bg, drv, ao)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("tlog: %w", err)
	}
	return &Log{app: app, shutdown: shutdown, lr: lr, Reader: NewReader(lr, v), publicKey: vkey, cancel: cancel}, nil
}

// Append adds the entries to the log and returns the index of each, in
// order, once every one is durably sequenced and integrated.
func (l *Log) Append(ctx context.Context, entries [][]byte) ([]uint64, error) {
	futures := make([]tessera.IndexFuture, len(entries))
	for i, e := range entries {
		futures[i] = l.app.Add(ctx, tessera.NewEntry(e))
	}
	out := make([]uint64, len(entries))
	var errs []error
	for i, f := range futures {
		idx, err := f()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[i] = idx.Index
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("tlog: %d of %d entries not appended: %w", len(errs), len(entries), errs[0])
	}
	return out, nil
}

// Size returns the number of entries integrated into the tree, published
// in a checkpoint or not yet.
func (l *Log) Size(ctx context.Context) (uint64, error) { return l.lr.IntegratedSize(ctx) }

// PublicKey returns the log's verifier key, in the signed-note format:
// what third parties check its checkpoints and proofs with.
func (l *Log) PublicKey() string { return l.publicKey }

// Close waits (up to ctx) until a checkpoint commits to every entry this
// process appended, then stops the background work.
func (l *Log) Close(ctx context.Context) error {
	err := l.shutdown(ctx)
	l.cancel()
	return err
}

// Fetcher reads a log's published resources: its checkpoint, tiles and
// entry bundles. tessera's client.FileFetcher and HTTPFetcher, a
// tessera.LogReader and tesserapg.Storage are all Fetchers.
type Fetcher interface {
	ReadCheckpoint(ctx context.Context) ([]byte, error)
	ReadTile(ctx context.Context, level, index uint64, p uint8) ([]byte, error)
	ReadEntryBundle(ctx context.Context, index uint64, p uint8) ([]byte, error)
}

// Reader reads a log for ledger: it implements ledger.LogReader. It
// keeps the proof builder of the last tree size asked for, whose cache of
// tiles makes many proofs at one size cheap (verification proves every
// record at the latest size).
type Reader struct {
	f Fetcher
	v note.Verifier

	mu     sync.Mutex
	pb     *client.ProofBuilder
	pbSize uint64
	pbBad  error // why pb's last tile read failed
}

var _ ledger.LogReader = (*Reader)(nil)

// NewReader reads the log through f; v verifies its checkpoints.
func NewReader(f Fetcher, v note.Verifier) *Reader { return &Reader{f: f, v: v} }

// POSIXReader reads the log kept in dir without opening it for
// appending, as `insurable ledger verify` does.
func POSIXReader(dir string, v note.Verifier) *Reader {
	return NewReader(client.FileFetcher{Root: dir}, v)
}

// PostgresReader reads the log kept in PostgreSQL without creating or
// changing anything.
func PostgresReader(pool *pgxpool.Pool, v note.Verifier) *Reader {
	return NewReader(tesserapg.ReadOnly(pool), v)
}

// Verifier returns the verifier of the log's checkpoints.
func (r *Reader) Verifier() note.Verifier { return r.v }

// Fetcher returns what the reader reads through, to serve the log's
// tiles as they are.
func (r *Reader) Fetcher() Fetcher { return r.f }

// Checkpoint returns the latest published checkpoint as signed; an
// error wrapping ledger.ErrNoCheckpoint and os.ErrNotExist before the
// first.
func (r *Reader) Checkpoint(ctx context.Context) ([]byte, error) {
	cp, err := r.f.ReadCheckpoint(ctx)
	if errors.Is(err, os.ErrNotExist) || (err == nil && len(cp) == 0) {
		return nil, fmt.Errorf("%w: %w", ledger.ErrNoCheckpoint, os.ErrNotExist)
	}
	return cp, err
}

// Latest returns the latest checkpoint, verified.
func (r *Reader) Latest(ctx context.Context) (*ledger.Checkpoint, error) {
	raw, err := r.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	return ledger.OpenCheckpoint(raw, r.v)
}

// tileReader reads hash tiles for a proof builder and keeps, in *bad, why
// the log could not give one: missing, or too short for the tree size or
// not a whole number of hashes. tessera's proof builder flattens the
// errors it is given, so the reader looks here to tell a log that does
// not hold what its checkpoint commits to (ledger.ErrNotVerified) from
// one it could not read.
func (r *Reader) tileReader(bad *error) client.TileFetcherFunc {
	return func(ctx context.Context, level, index uint64, p uint8) ([]byte, error) {
		data, err := r.f.ReadTile(ctx, level, index, p)
		want := uint64(p)
		if want == 0 {
			want = layout.TileWidth
		}
		switch {
		case errors.Is(err, os.ErrNotExist):
			*bad = fmt.Errorf("log %w: it lacks %s (%w)", ledger.ErrNotVerified, layout.TilePath(level, index, p), err)
		case err == nil && (len(data)%sha256.Size != 0 || uint64(len(data)/sha256.Size) < want):
			*bad = fmt.Errorf("log %w: its %s holds %d bytes, not %d hashes", ledger.ErrNotVerified, layout.TilePath(level, index, p), len(data), want)
			err = *bad
		}
		return data, err
	}
}

// InclusionProof builds the inclusion proof of the entry at index in the
// tree of the given size from the log's tiles. A tile that is missing or
// malformed gives an error wrapping ledger.ErrNotVerified.
func (r *Reader) InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pb == nil || r.pbSize != size {
		pb, err := client.NewProofBuilder(ctx, size, r.tileReader(&r.pbBad))
		if err != nil {
			return nil, err
		}
		r.pb, r.pbSize = pb, size
	}
	r.pbBad = nil
	p, err := r.pb.InclusionProof(ctx, index)
	if err != nil {
		r.pb = nil // it may hold what failed to read
		if r.pbBad != nil {
			return nil, r.pbBad
		}
	}
	return p, err
}

// ConsistencyProof builds the consistency proof between two tree sizes
// from the log's tiles. A tile that is missing or malformed gives an
// error wrapping ledger.ErrNotVerified.
func (r *Reader) ConsistencyProof(ctx context.Context, smaller, larger uint64) ([][]byte, error) {
	var bad error
	pb, err := client.NewProofBuilder(ctx, larger, r.tileReader(&bad))
	if err != nil {
		return nil, err
	}
	p, err := pb.ConsistencyProof(ctx, smaller, larger)
	if err != nil && bad != nil {
		return nil, bad
	}
	return p, err
}

// Entries calls fn with each entry of [from, to), in order, reading the
// entry bundles of a tree of size to. A bundle that is missing (the error
// wraps os.ErrNotExist) or malformed (ledger.ErrNotVerified) ends it.
func (r *Reader) Entries(ctx context.Context, from, to uint64, fn func(uint64, []byte) error) error {
	for b := from / layout.EntryBundleWidth; b*layout.EntryBundleWidth < to; b++ {
		raw, err := r.f.ReadEntryBundle(ctx, b, layout.PartialTileSize(0, b, to))
		if err != nil {
			return fmt.Errorf("entry bundle %d: %w", b, err)
		}
		var eb api.EntryBundle
		if err := eb.UnmarshalText(raw); err != nil {
			return fmt.Errorf("entry bundle %d %w: %v", b, ledger.ErrNotVerified, err)
		}
		// A tree of size to holds the bundle's entries up to to; a bundle
		// with fewer lacks entries the tree commits to.
		if want := min(layout.EntryBundleWidth, to-b*layout.EntryBundleWidth); uint64(len(eb.Entries)) < want || len(eb.Entries) > layout.EntryBundleWidth {
			return fmt.Errorf("entry bundle %d %w: it holds %d entries, the tree of %d needs %d", b, ledger.ErrNotVerified, len(eb.Entries), to, want)
		}
		for i, e := range eb.Entries {
			idx := b*layout.EntryBundleWidth + uint64(i)
			if idx < from {
				continue
			}
			if idx >= to {
				break
			}
			if err := fn(idx, e); err != nil {
				return err
			}
		}
	}
	return nil
}
