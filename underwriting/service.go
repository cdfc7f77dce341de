package underwriting

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/tarball"
	"github.com/insurable/insurable/vulnmatch"
)

// Config configures a Service. Store, Engine and DataDir are required.
type Config struct {
	Store  Store
	Engine *Engine
	// DataDir holds the unpacked evidence bundles (a cache of the archives
	// in the database) and the staging area of uploads.
	DataDir string
	// Now and Rand are the clock and the randomness; tests inject theirs.
	Now  func() time.Time
	Rand io.Reader
	Log  *slog.Logger
	// Replica names this process in job leases.
	Replica string
	// MaxUploadBytes bounds an uploaded archive (compressed).
	MaxUploadBytes int64
	// Archive bounds what an archive unpacks to.
	Archive tarball.Limits
	// Bundle bounds the evidence bundle itself.
	Bundle evidence.Limits
	// CachedBundles is how many loaded bundles stay in memory for
	// re-evaluation; 0 means 256.
	CachedBundles int
	// TokenTTL is the default lifetime of a token; 0 means 90 days.
	TokenTTL time.Duration
	// JobLease is how long a claimed job stays with this replica before
	// another may take it over; 0 means DefaultJobLease.
	JobLease time.Duration
	// Observe, when set, receives counts of what happened (for metrics).
	Observe func(event string, n int)
	// Ledger is the decision log; without one, entries stay queued in
	// the database.
	Ledger Ledger
	// SessionTTL bounds a web session; 0 means 12 hours.
	SessionTTL time.Duration
}

// DefaultMaxUploadBytes bounds an uploaded archive unless configured.
const DefaultMaxUploadBytes = 256 << 20

// Service carries out the operations of the insurable service.
type Service struct {
	cfg   Config
	store Store
	log   *slog.Logger

	feedMu sync.Mutex
	feeds  *feedState

	bundles  *bundleCache
	reports  *reportCache
	profiles sync.Map // parsed profiles by id and digest

	fleetMu sync.Mutex
	fleet   *vulnmatch.Fleet
	fleetOf map[string]string // firm -> evidence version indexed

	// ledgerKick wakes RunLedger after a commit.
	ledgerKick chan struct{}
}

// New makes a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Engine == nil || cfg.DataDir == "" {
		return nil, insurable.Errorf("underwriting.New", insurable.Invalid, "a store, an engine and a data directory are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if cfg.CachedBundles <= 0 {
		cfg.CachedBundles = 256
	}
	if cfg.JobLease <= 0 {
		cfg.JobLease = DefaultJobLease
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = 90 * 24 * time.Hour
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.Replica == "" {
		h, _ := os.Hostname()
		var b [4]byte
		io.ReadFull(cfg.Rand, b[:])
		cfg.Replica = h + "-" + hex.EncodeToString(b[:])
	}
	for _, d := range []string{"bundles", "tmp"} {
		if err := os.MkdirAll(filepath.Join(cfg.DataDir, d), 0o755); err != nil {
			return nil, insurable.Wrap("underwriting.New", insurable.Internal, err)
		}
	}
	// Staging directories of uploads cut short by a crash hold nothing
	// that was acknowledged.
	entries, _ := os.ReadDir(filepath.Join(cfg.DataDir, "tmp"))
	for _, e := range entries {
		os.RemoveAll(filepath.Join(cfg.DataDir, "tmp", e.Name()))
	}
	s := &Service{cfg: cfg, store: cfg.Store, log: cfg.Log, fleet: vulnmatch.NewFleet(), fleetOf: map[string]string{}, ledgerKick: make(chan struct{}, 1)}
	s.bundles = newBundleCache(s, cfg.CachedBundles)
	s.reports = newReportCache(8 * cfg.CachedBundles)
	return s, nil
}

// Close releases the cached bundles. It does not close the store.
func (s *Service) Close() error {
	s.bundles.closeAll()
	return nil
}

// Ready reports whether the service can answer: the database responds.
func (s *Service) Ready(ctx context.Context) error { return s.store.Ping(ctx) }

// Replica names this process.
func (s *Service) Replica() string { return s.cfg.Replica }

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

func (s *Service) today() evidence.Date { return evidence.NewDate(s.now()) }

func (s *Service) observe(event string, n int) {
	if s.cfg.Observe != nil {
		s.cfg.Observe(event, n)
	}
}

// newID makes an id that sorts by creation time: the prefix, 6 bytes of
// milliseconds and 5 random bytes, in hex.
func (s *Service) newID(prefix string) string {
	var b [11]byte
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(s.now().UnixMilli()))
	copy(b[:6], ms[2:])
	io.ReadFull(s.cfg.Rand, b[6:])
	return prefix + "_" + hex.EncodeToString(b[:])
}

// tx runs fn in a transaction; after a commit it wakes the log's
// appender, which finds what the transaction queued.
func (s *Service) tx(ctx context.Context, fn func(Tx) error) error {
	err := s.store.Tx(ctx, fn)
	if err == nil {
		s.kickLedger()
	}
	return err
}

// view runs fn in a transaction for reading.
func (s *Service) view(ctx context.Context, fn func(Tx) error) error { return s.store.View(ctx, fn) }

func notFound(op insurable.Op, what, id string) error {
	return insurable.Errorf(op, insurable.NotExist, "no %s %q", what, id)
}

// authorize applies the access rules: a principal that may not even see
// the resource gets NotExist, so that other tenants' ids cannot be
// probed; one that sees it but may not act gets Permission.
func authorize(op insurable.Op, p *access.Principal, a access.Action, rel access.Relation, what, id string) error {
	if p == nil {
		return insurable.Errorf(op, insurable.Unauthorized, "authentication required")
	}
	if access.Allowed(p, a, rel) {
		return nil
	}
	if !access.Visible(p, a, rel) && id != "" {
		return notFound(op, what, id)
	}
	return insurable.Errorf(op, insurable.Permission, "%s %s may not %s", p.Kind, p.Role, a)
}

func clampPage(p Page) Page {
	if p.Limit <= 0 {
		p.Limit = 50
	}
	if p.Limit > 500 {
		p.Limit = 500
	}
	return p
}
