// Package tesserapg is a storage driver for transparency-dev/tessera on
// PostgreSQL (through pgx), so that several replicas of a service on one
// database share one log. It follows tessera's own MySQL driver
// (storage/mysql): the entry bundles, the hash tiles, the tree's size and
// root and the latest checkpoint live in five tables; a batch of entries
// is sequenced and integrated in one transaction that locks the tree's
// state row, so that appenders on any number of replicas serialise on the
// database; checkpoints are published by whichever replica finds the
// last one old enough. The tables are created by New.
//
// Tessera v1.0.4 ships drivers for POSIX, MySQL, GCP and AWS; this one
// is written for insurable. Its integration step (integrate.go) is
// tessera's own, copied because tessera keeps it internal.
package tesserapg

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
)

// SchemaVersion is the version of the tables this driver keeps; New
// refuses a database holding another.
const SchemaVersion = 1

// MinCheckpointInterval is the shortest checkpoint interval the driver
// accepts: every replica publishes through one row.
const MinCheckpointInterval = 100 * time.Millisecond

var schema = []string{
	`CREATE TABLE IF NOT EXISTS tessera_meta (id INTEGER PRIMARY KEY, schema_version INTEGER NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS tessera_checkpoint (id INTEGER PRIMARY KEY, note BYTEA NOT NULL, published_at BIGINT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS tessera_tree_state (id INTEGER PRIMARY KEY, size BIGINT NOT NULL, root BYTEA NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS tessera_subtree (level INTEGER NOT NULL, idx BIGINT NOT NULL, nodes BYTEA NOT NULL, PRIMARY KEY (level, idx))`,
	`CREATE TABLE IF NOT EXISTS tessera_tiled_leaves (tile_index BIGINT PRIMARY KEY, size INTEGER NOT NULL, data BYTEA NOT NULL)`,
	`INSERT INTO tessera_meta (id, schema_version) VALUES (0, 1) ON CONFLICT (id) DO NOTHING`,
}

// schemaLock serialises replicas creating the tables together.
const schemaLock = 0x7465_7373 // "tess"

// Storage is a tessera log kept in PostgreSQL. It is a tessera.Driver
// (for tessera.NewAppender) and, by itself, a read-only
// tessera.LogReader for processes that only read the log.
type Storage struct {
	pool *pgxpool.Pool
	log  *slog.Logger
}

var _ tessera.LogReader = (*Storage)(nil)

// New returns the storage on pool, creating its tables when they are
// missing. It fails when the database holds another schema version.
// Failures of the background checkpoint publisher go to logger (nil
// discards them).
func New(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger) (*Storage, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Storage{pool: pool, log: logger}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(schemaLock)); err != nil {
			return err
		}
		for _, q := range schema {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		var v int
		if err := tx.QueryRow(ctx, `SELECT schema_version FROM tessera_meta WHERE id = 0`).Scan(&v); err != nil {
			return err
		}
		if v != SchemaVersion {
			return fmt.Errorf("the database holds a tessera log of schema version %d; this driver keeps version %d", v, SchemaVersion)
		}
		_, err := tx.Exec(ctx, `INSERT INTO tessera_tree_state (id, size, root) VALUES (0, 0, $1) ON CONFLICT (id) DO NOTHING`, rfc6962.DefaultHasher.EmptyRoot())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("tesserapg: %w", err)
	}
	return s, nil
}

// ReadOnly returns the storage on pool for a process that only reads an
// existing log: it creates and changes nothing.
func ReadOnly(pool *pgxpool.Pool) *Storage {
	return &Storage{pool: pool, log: slog.New(slog.DiscardHandler)}
}

// Appender starts the appender lifecycle: a queue that batches entries,
// sequences and integrates each batch in one transaction, and a
// publisher of checkpoints. tessera.NewAppender calls it; the checkpoint
// signer of opts is required.
func (s *Storage) Appender(ctx context.Context, opts *tessera.AppendOptions) (*tessera.Appender, tessera.LogReader, error) {
	if opts.CheckpointInterval() < MinCheckpointInterval {
		return nil, nil, fmt.Errorf("tesserapg: checkpoint interval %v is below the minimum %v", opts.CheckpointInterval(), MinCheckpointInterval)
	}
	a := &appender{s: s, newCheckpoint: opts.CheckpointPublisher(s, http.DefaultClient), cpUpdated: make(chan struct{}, 1)}
	a.queue = newQueue(ctx, opts.BatchMaxAge(), opts.BatchMaxSize(), a.sequenceBatch)
	a.cpUpdated <- struct{}{}
	go func(ctx context.Context, interval, republish time.Duration) {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-a.cpUpdated:
			case <-t.C:
			}
			if err := a.publishCheckpoint(ctx, interval, republish); err != nil && ctx.Err() == nil {
				// The next tick tries again.
				s.log.Warn("tesserapg: publishing a checkpoint", "err", err)
			}
		}
	}(ctx, opts.CheckpointInterval(), opts.CheckpointRepublishInterval())
	return &tessera.Appender{Add: a.queue.add}, s, nil
}

// notFound turns the errors of a read that found nothing — no row, or no
// table in a database that never held a log (ReadOnly creates none) —
// into os.ErrNotExist.
func notFound(err error) error {
	var pe *pgconn.PgError
	if errors.Is(err, pgx.ErrNoRows) || errors.As(err, &pe) && pe.Code == undefinedTable {
		return os.ErrNotExist
	}
	return err
}

// undefinedTable is PostgreSQL's SQLSTATE for a table that does not exist.
const undefinedTable = "42P01"

// ReadCheckpoint returns the latest published checkpoint, or
// os.ErrNotExist before the first.
func (s *Storage) ReadCheckpoint(ctx context.Context) ([]byte, error) {
	var note []byte
	err := s.pool.QueryRow(ctx, `SELECT note FROM tessera_checkpoint WHERE id = 0`).Scan(&note)
	if err != nil {
		return nil, notFound(err)
	}
	if len(note) == 0 {
		// The row every replica publishes through, before the first
		// checkpoint is signed.
		return nil, os.ErrNotExist
	}
	return note, nil
}

// ReadTile returns the hash tile at level and index, holding at least p
// hashes (256 when p is 0), or os.ErrNotExist. A larger tile than asked
// for may be returned, as the tlog-tiles specification allows.
func (s *Storage) ReadTile(ctx context.Context, level, index uint64, p uint8) ([]byte, error) {
	var nodes []byte
	err := s.pool.QueryRow(ctx, `SELECT nodes FROM tessera_subtree WHERE level = $1 AND idx = $2`, int64(level), int64(index)).Scan(&nodes)
	if err != nil {
		return nil, notFound(err)
	}
	want := uint64(p)
	if want == 0 {
		want = layout.TileWidth
	}
	if uint64(len(nodes)/sha256.Size) < want {
		return nil, os.ErrNotExist
	}
	return nodes, nil
}

// ReadEntryBundle returns the entry bundle at index holding at least p
// entries (256 when p is 0), or os.ErrNotExist.
func (s *Storage) ReadEntryBundle(ctx context.Context, index uint64, p uint8) ([]byte, error) {
	var size int
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT size, data FROM tessera_tiled_leaves WHERE tile_index = $1`, int64(index)).Scan(&size, &data)
	if err != nil {
		return nil, notFound(err)
	}
	want := int(p)
	if want == 0 {
		want = layout.EntryBundleWidth
	}
	if size < want {
		return nil, fmt.Errorf("entry bundle %d holds %d entries, %d asked for: %w", index, size, want, os.ErrNotExist)
	}
	return data, nil
}

// IntegratedSize returns the size of the integrated tree: 0 in a
// database that holds no log.
func (s *Storage) IntegratedSize(ctx context.Context) (uint64, error) {
	var size int64
	err := s.pool.QueryRow(ctx, `SELECT size FROM tessera_tree_state WHERE id = 0`).Scan(&size)
	if errors.Is(notFound(err), os.ErrNotExist) {
		return 0, nil
	}
	return uint64(size), err
}

// NextIndex returns the next index to be assigned: entries are
// integrated as they are sequenced, so it is the integrated size.
func (s *Storage) NextIndex(ctx context.Context) (uint64, error) { return s.IntegratedSize(ctx) }

// appender is the append lifecycle of one process.
type appender struct {
	s             *Storage
	queue         *queue
	newCheckpoint func(context.Context, uint64, []byte) ([]byte, error)
	cpUpdated     chan struct{}
}

// sequenceBatch assigns the batch the next indices, writes its entry
// bundles, integrates its leaves into the tiles and writes the new tree
// state, all in one transaction that holds the tree state's row lock.
func (a *appender) sequenceBatch(ctx context.Context, entries []*tessera.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	err := pgx.BeginFunc(ctx, a.s.pool, func(tx pgx.Tx) error {
		var size int64
		var root []byte
		if err := tx.QueryRow(ctx, `SELECT size, root FROM tessera_tree_state WHERE id = 0 FOR UPDATE`).Scan(&size, &root); err != nil {
			return fmt.Errorf("reading the tree state: %w", err)
		}
		from := uint64(size)
		batch := &pgx.Batch{}
		bundleIndex, inBundle := from/layout.EntryBundleWidth, from%layout.EntryBundleWidth
		buf := &bytes.Buffer{}
		if inBundle > 0 {
			var n int
			var part []byte
			if err := tx.QueryRow(ctx, `SELECT size, data FROM tessera_tiled_leaves WHERE tile_index = $1`, int64(bundleIndex)).Scan(&n, &part); err != nil {
				return fmt.Errorf("reading the partial entry bundle %d: %w", bundleIndex, err)
			}
			if uint64(n) != inBundle {
				return fmt.Errorf("entry bundle %d holds %d entries, the tree state says %d", bundleIndex, n, inBundle)
			}
			buf.Write(part)
		}
		queueBundle := func() {
			batch.Queue(`INSERT INTO tessera_tiled_leaves (tile_index, size, data) VALUES ($1, $2, $3)
				ON CONFLICT (tile_index) DO UPDATE SET size = excluded.size, data = excluded.data`, int64(bundleIndex), int(inBundle), buf.Bytes())
		}
		leaves := make([][]byte, len(entries))
		for i, e := range entries {
			buf.Write(e.MarshalBundleData(from + uint64(i)))
			leaves[i] = e.LeafHash()
			inBundle++
			if inBundle == layout.EntryBundleWidth {
				queueBundle()
				bundleIndex, inBundle, buf = bundleIndex+1, 0, &bytes.Buffer{}
			}
		}
		if inBundle > 0 {
			queueBundle()
		}
		newSize, newRoot, tiles, err := integrateLeaves(ctx, func(ctx context.Context, ids []tileKey, _ uint64) ([]*api.HashTile, error) {
			return readTiles(ctx, tx, ids)
		}, from, leaves)
		if err != nil {
			return fmt.Errorf("integrating: %w", err)
		}
		for k, t := range tiles {
			nodes, err := t.MarshalText()
			if err != nil {
				return err
			}
			batch.Queue(`INSERT INTO tessera_subtree (level, idx, nodes) VALUES ($1, $2, $3)
				ON CONFLICT (level, idx) DO UPDATE SET nodes = excluded.nodes`, int(k.Level), int64(k.Index), nodes)
		}
		batch.Queue(`UPDATE tessera_tree_state SET size = $1, root = $2 WHERE id = 0`, int64(newSize), newRoot)
		return tx.SendBatch(ctx, batch).Close()
	})
	if err != nil {
		return fmt.Errorf("tesserapg: sequencing %d entries: %w", len(entries), err)
	}
	select {
	case a.cpUpdated <- struct{}{}:
	default:
	}
	return nil
}

// readTiles reads hash tiles in one query; a tile not stored yet is nil.
func readTiles(ctx context.Context, tx pgx.Tx, ids []tileKey) ([]*api.HashTile, error) {
	out := make([]*api.HashTile, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	levels, idxs := make([]int32, len(ids)), make([]int64, len(ids))
	pos := make(map[tileKey]int, len(ids))
	for i, id := range ids {
		levels[i], idxs[i] = int32(id.Level), int64(id.Index)
		pos[id] = i
	}
	rows, err := tx.Query(ctx, `SELECT s.level, s.idx, s.nodes FROM tessera_subtree s
		JOIN unnest($1::int[], $2::bigint[]) AS want(level, idx) ON s.level = want.level AND s.idx = want.idx`, levels, idxs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var level int32
		var idx int64
		var nodes []byte
		if err := rows.Scan(&level, &idx, &nodes); err != nil {
			return nil, err
		}
		t := &api.HashTile{}
		if err := t.UnmarshalText(nodes); err != nil {
			return nil, fmt.Errorf("tile %d/%d: %w", level, idx, err)
		}
		out[pos[tileKey{Level: uint64(level), Index: uint64(idx)}]] = t
	}
	return out, rows.Err()
}

// publishCheckpoint signs and stores a checkpoint of the current tree
// when the published one is older than interval, and either the tree
// grew or the published one is older than republish.
func (a *appender) publishCheckpoint(ctx context.Context, interval, republish time.Duration) error {
	return pgx.BeginFunc(ctx, a.s.pool, func(tx pgx.Tx) error {
		// Every replica publishes through this row; the first to lock it
		// decides.
		if _, err := tx.Exec(ctx, `INSERT INTO tessera_checkpoint (id, note, published_at) VALUES (0, '', 0) ON CONFLICT (id) DO NOTHING`); err != nil {
			return err
		}
		var note []byte
		var at int64
		if err := tx.QueryRow(ctx, `SELECT note, published_at FROM tessera_checkpoint WHERE id = 0 FOR UPDATE`).Scan(&note, &at); err != nil {
			return err
		}
		age := time.Since(time.UnixMilli(at))
		if len(note) > 0 && age < interval {
			return nil
		}
		var size int64
		var root []byte
		if err := tx.QueryRow(ctx, `SELECT size, root FROM tessera_tree_state WHERE id = 0`).Scan(&size, &root); err != nil {
			return err
		}
		if len(note) > 0 && (republish <= 0 || age < republish) {
			var cp log.Checkpoint
			if _, err := cp.Unmarshal(note); err == nil && cp.Size == uint64(size) {
				return nil
			}
		}
		cp, err := a.newCheckpoint(ctx, uint64(size), root)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE tessera_checkpoint SET note = $1, published_at = $2 WHERE id = 0`, cp, time.Now().UnixMilli())
		return err
	})
}

// queue batches added entries: a batch is sequenced when it holds
// maxSize entries or its first entry has waited maxAge. Batches are
// sequenced one at a time, in order.
type queue struct {
	maxSize int
	maxAge  time.Duration
	flush   func(context.Context, []*tessera.Entry) error
	ctx     context.Context

	mu    sync.Mutex
	items []*pending
	timer *time.Timer
	work  chan []*pending
}

// pending is an added entry waiting for its index.
type pending struct {
	entry *tessera.Entry
	done  chan struct{}
	err   error
}

func newQueue(ctx context.Context, maxAge time.Duration, maxSize uint, flush func(context.Context, []*tessera.Entry) error) *queue {
	q := &queue{maxSize: max(1, int(maxSize)), maxAge: maxAge, flush: flush, ctx: ctx, work: make(chan []*pending, 1)}
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case batch := <-q.work:
				q.run(batch)
			}
		}
	}()
	return q
}

func (q *queue) run(batch []*pending) {
	entries := make([]*tessera.Entry, len(batch))
	for i, p := range batch {
		entries[i] = p.entry
	}
	err := q.flush(q.ctx, entries)
	for _, p := range batch {
		if err == nil && p.entry.Index() == nil {
			err = errors.New("tesserapg: an entry was sequenced without an index")
		}
		p.err = err
		close(p.done)
	}
}

// add queues an entry and returns the future of its index, which
// resolves once the entry is durably sequenced and integrated.
func (q *queue) add(ctx context.Context, e *tessera.Entry) tessera.IndexFuture {
	p := &pending{entry: e, done: make(chan struct{})}
	q.mu.Lock()
	q.items = append(q.items, p)
	if len(q.items) == 1 {
		q.timer = time.AfterFunc(q.maxAge, q.flushAged)
	}
	var batch []*pending
	if len(q.items) >= q.maxSize {
		batch = q.takeLocked()
	}
	q.mu.Unlock()
	if batch != nil {
		q.send(batch)
	}
	return func() (tessera.Index, error) {
		select {
		case <-p.done:
		case <-q.ctx.Done():
			select {
			case <-p.done:
			default:
				return tessera.Index{}, q.ctx.Err()
			}
		}
		if p.err != nil {
			return tessera.Index{}, p.err
		}
		return tessera.Index{Index: *p.entry.Index()}, nil
	}
}

func (q *queue) flushAged() {
	q.mu.Lock()
	batch := q.takeLocked()
	q.mu.Unlock()
	if batch != nil {
		q.send(batch)
	}
}

func (q *queue) send(batch []*pending) {
	select {
	case q.work <- batch:
	case <-q.ctx.Done():
	}
}

func (q *queue) takeLocked() []*pending {
	if len(q.items) == 0 {
		return nil
	}
	if q.timer != nil {
		q.timer.Stop()
		q.timer = nil
	}
	batch := q.items
	q.items = make([]*pending, 0, q.maxSize)
	return batch
}
