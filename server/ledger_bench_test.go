package server_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/internal/ledgertest"
	"github.com/insurable/insurable/internal/pgtest"
	"github.com/insurable/insurable/internal/servicetest"
	"github.com/insurable/insurable/ledger"
	"github.com/insurable/insurable/ledger/tlog"
	"github.com/insurable/insurable/postgres"
	"github.com/insurable/insurable/server"
	"github.com/insurable/insurable/sqlite"
	"github.com/insurable/insurable/underwriting"
)

// The decision log end to end, as the service runs it: the outbox's
// entries appended to the log and their indices recorded
// (BenchmarkLedgerAppend100k), and a record's inclusion proof served over
// HTTP (BenchmarkLedgerProofHTTP), on SQLite with the log in files
// (tessera's POSIX driver) and on PostgreSQL with the log in the same
// database (package tesserapg).
//
//	go test ./server -run '^$' -bench Ledger -benchtime 1x -count 2   # appends
//	go test ./server -run '^$' -bench LedgerProofHTTP -benchtime 2000x

const ledgerBenchEntries = 100_000

// ledgerBackends are the two ways the service keeps its records and log.
var ledgerBackends = []string{"sqlite+posix", "postgres+tesserapg"}

// ledgerBenchEnv is a service, with its log and HTTP server, whose outbox
// holds n entries of one policy, not yet appended.
type ledgerBenchEnv struct {
	*env
	firm    actor
	records []string
	// entryBytes is the mean size of the queued entries.
	entryBytes float64
}

func newLedgerBenchEnv(b *testing.B, backend string, n int) *ledgerBenchEnv {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	var store underwriting.Store
	var l *tlog.Log
	var err error
	// The service's own checkpoint interval: a checkpoint a second while
	// the log grows.
	opts := tlog.Options{CheckpointInterval: tlog.DefaultCheckpointInterval}
	switch backend {
	case "sqlite+posix":
		if store, err = sqlite.Open(ctx, filepath.Join(dir, "db")); err != nil {
			b.Fatal(err)
		}
		l, err = tlog.OpenPOSIX(ctx, filepath.Join(dir, "ledger"), logKey, opts)
	case "postgres+tesserapg":
		dsn := pgtest.Fresh(b)
		if store, err = postgres.Open(ctx, dsn); err != nil {
			b.Fatal(err)
		}
		pool, perr := pgxpool.New(ctx, dsn)
		if perr != nil {
			b.Fatal(perr)
		}
		b.Cleanup(pool.Close)
		l, err = tlog.OpenPostgres(ctx, pool, logKey, opts)
	}
	if err != nil {
		b.Fatal(err)
	}
	c := servicetest.NewClock()
	svc, err := underwriting.New(underwriting.Config{Store: store, Engine: servicetest.Engine(b), DataDir: filepath.Join(dir, "data"), Now: c.Now,
		Rand: servicetest.Rand("ledger bench"), Ledger: l})
	if err != nil {
		b.Fatal(err)
	}
	if err := svc.PinLedgerKey(ctx); err != nil {
		b.Fatal(err)
	}
	e := &env{t: b, dir: dir, store: store, svc: svc, log: l, clock: c}
	e.srv = httptest.NewServer(server.New(server.Config{Service: svc, LogFiles: l.Fetcher()}))
	b.Cleanup(func() { e.srv.Close(); svc.Close(); l.Close(context.Background()); store.Close() })

	le := &ledgerBenchEnv{env: e}
	ins := e.bootstrap(access.Insurer, "Insurer")
	le.firm = e.bootstrap(access.Firm, "Firm")
	e.must(ins.token, "POST", "/api/profiles", map[string]string{"builtin": "baseline"}, 201, nil)
	e.must(le.firm.token, "PUT", "/api/firms/"+le.firm.org+"/grants/"+ins.org, nil, 200, nil)
	var pol underwriting.Policy
	e.must(le.firm.token, "POST", "/api/policies", map[string]string{"insurer": ins.org}, 201, &pol)
	// Append the application's own entry, so that the outbox holds the
	// benchmark's entries alone.
	known := int64(-1)
	if _, err := svc.PumpLedger(ctx, &known); err != nil {
		b.Fatal(err)
	}
	le.records, le.entryBytes = queueBenchEntries(b, store, &pol, n)
	return le
}

// queueBenchEntries queues n entries of the policy in the outbox, as the
// service's transactions do: one in four an assessment (four feeds, two
// remediation items resolved; about 1 KB), the others transitions (about
// 400 bytes). It returns their record ids and their mean size.
func queueBenchEntries(b *testing.B, store underwriting.Store, pol *underwriting.Policy, n int) ([]string, float64) {
	b.Helper()
	ctx := context.Background()
	at := ledgertest.At
	records := make([]string, n)
	total := 0
	for from := 0; from < n; from += 5000 {
		err := store.Tx(ctx, func(tx underwriting.Tx) error {
			for i := from; i < min(n, from+5000); i++ {
				e := ledgertest.Entry(i, pol.ID, pol.Firm, pol.Insurer, i+2)
				data, err := ledger.Encode(e)
				if err != nil {
					return err
				}
				total += len(data)
				records[i] = e.Record
				if err := tx.QueueLedgerEntry(ctx, &underwriting.LedgerEntry{Record: e.Record, Kind: e.Kind, Policy: pol.ID, Entry: data, Index: -1, Created: at}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return records, float64(total) / float64(n)
}

// waitPublished waits until the log's published checkpoint covers size
// entries.
func waitPublished(b *testing.B, l *tlog.Log, size uint64) {
	b.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; {
		cp, err := l.Latest(context.Background())
		if err == nil && cp.Size >= size {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("no checkpoint of %d entries after 60s: %v %v", size, cp, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// BenchmarkLedgerAppend100k times the service's appender (PumpLedger)
// moving 100,000 queued entries to the log: read a batch of 4,096 from the
// outbox, append it (sequenced, integrated into the tiles, durable), record
// each record's index in the database, and the next batch, until the
// outbox is empty. Building the service and queueing the entries are
// outside the timer. s-to-published adds the wait for the first signed
// checkpoint that covers every entry (the service signs one a second),
// from which proofs can be served.
func BenchmarkLedgerAppend100k(b *testing.B) {
	for _, backend := range ledgerBackends {
		b.Run(backend, func(b *testing.B) {
			var published time.Duration
			var entryBytes float64
			for b.Loop() {
				b.StopTimer()
				e := newLedgerBenchEnv(b, backend, ledgerBenchEntries)
				entryBytes = e.entryBytes
				ctx := context.Background()
				start := time.Now()
				b.StartTimer()
				known := int64(-1)
				n, err := e.svc.PumpLedger(ctx, &known)
				b.StopTimer()
				if err != nil || n != ledgerBenchEntries {
					b.Fatalf("appended %d of %d: %v", n, ledgerBenchEntries, err)
				}
				waitPublished(b, e.log, ledgerBenchEntries+1)
				published += time.Since(start)
				b.StartTimer()
			}
			b.ReportMetric(float64(ledgerBenchEntries)/(b.Elapsed().Seconds()/float64(b.N)), "entries/s")
			b.ReportMetric(published.Seconds()/float64(b.N), "s-to-published")
			b.ReportMetric(entryBytes, "B/entry")
		})
	}
}

// BenchmarkLedgerProofHTTP times GET /api/ledger/proofs/{record} as the
// firm asks for it, over loopback HTTP, from a log of 100,000 entries:
// the bearer token's lookup, the record's log entry and policy from the
// database, the access check, the latest checkpoint read and its
// signature verified, the inclusion proof from the tiles (which proves
// the database's copy of the entry is the logged one), and the JSON
// written. Records are asked for in a
// random order. The service keeps the tiles of the latest checkpoint's
// size in memory (tlog.Reader), so after the first proof at a size the
// tiles come from there; BenchmarkInclusionProof/*/cold in ledger/tlog
// measures a proof that reads every tile.
func BenchmarkLedgerProofHTTP(b *testing.B) {
	for _, backend := range ledgerBackends {
		b.Run(backend, func(b *testing.B) {
			e := newLedgerBenchEnv(b, backend, ledgerBenchEntries)
			ctx := context.Background()
			known := int64(-1)
			if _, err := e.svc.PumpLedger(ctx, &known); err != nil {
				b.Fatal(err)
			}
			waitPublished(b, e.log, ledgerBenchEntries+1)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			get := func(record string) {
				req, _ := http.NewRequest("GET", e.srv.URL+"/api/ledger/proofs/"+record, nil)
				req.Header.Set("Authorization", "Bearer "+e.firm.token)
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				p, err := readProof(resp)
				if err != nil || p.Record != record {
					b.Fatalf("proof of %s: %v", record, err)
				}
			}
			get(e.records[0]) // the first at this size reads the tiles
			rng := rand.New(rand.NewPCG(1, 1))
			var lat []time.Duration
			for b.Loop() {
				start := time.Now()
				get(e.records[rng.IntN(len(e.records))])
				lat = append(lat, time.Since(start))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-p50")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "ms-p99")
		})
	}
}

func readProof(resp *http.Response) (*ledger.Proof, error) {
	defer resp.Body.Close()
	buf, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("status %d: %s", resp.StatusCode, buf)
	}
	return ledger.ParseProof(buf)
}
