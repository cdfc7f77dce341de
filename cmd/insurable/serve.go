package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
	"k8s.io/klog/v2"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/assessment"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/feeds"
	"github.com/insurable/insurable/ledger/tlog"
	"github.com/insurable/insurable/postgres"
	"github.com/insurable/insurable/protocol"
	"github.com/insurable/insurable/server"
	"github.com/insurable/insurable/sqlite"
	"github.com/insurable/insurable/underwriting"
	"github.com/insurable/insurable/vulnassess"
	"github.com/insurable/insurable/web"
)

// serveConfig is what serve was asked to do.
type serveConfig struct {
	Addr     string
	DataDir  string
	Database string
	Demo     bool
	FeedsDir string
	// Poll is how often jobs are looked for and the feeds snapshot
	// checked.
	Poll time.Duration
	// Drain bounds how long shutdown waits for requests in flight.
	Drain time.Duration
	// MaxUpload bounds an uploaded evidence archive.
	MaxUpload int64
	// JobLease is how long a background job stays with this replica.
	JobLease time.Duration
	// LedgerKey is the file of the decision log's signing key.
	LedgerKey string
	// CheckpointInterval is how often the log signs a new checkpoint.
	CheckpointInterval time.Duration
	// SecureCookies marks the web interface's cookies Secure.
	SecureCookies bool
	// Ready, when set, receives the address the server listens on.
	Ready func(addr string)
}

func (a *App) serveCommand() *cobra.Command {
	var cfg serveConfig
	cmd := &cobra.Command{
		Use:   "serve [--addr HOST:PORT] [--data DIR] [--database URL] [--demo]",
		Short: "Run the insurable service: firms, insurers, policies and continuous underwriting",
		Long: `serve runs the multi-party service over HTTP: organisations (firms, insurers,
assessors, the consortium, arbiters), their users and API tokens; evidence
uploads; underwriting profiles; applications assessed with the engine of
"insurable assess", quoted, issued, renewed, suspended and reinstated, every
transition on record; and continuous underwriting, which re-evaluates the
firms a newly imported advisory or KEV entry affects and suspends policies
whose firms stay out of compliance past the grace period.

The same address serves the web interface: log in with an API token to see
an insurer's portfolio, a firm's posture, remediation plan and security
metrics, each assessment's reasons and each policy's history; anyone can
read the decision log's checkpoint and check an inclusion proof there
(docs/web.md). Every assessment and transition is appended to that log
(docs/ledger.md).

Storage is SQLite in --data DIR by default, or PostgreSQL with --database
postgres://…, on which any number of replicas may run. The API is described
at /api/openapi.json (docs/api.md); docs/service.md explains the rest.

On the first start with an empty database, serve creates the consortium
that operates the service and prints its admin token. With --demo it starts
on a fresh embedded database holding the example firms, an insurer with the
baseline profile and an assessor, and prints the URL and the tokens to log
in with.
SIGINT or SIGTERM stops it after the requests in flight are answered.`,
		Example: `  insurable serve --demo
  insurable serve --addr 127.0.0.1:8080 --data /var/lib/insurable
  insurable serve --database postgres://insurable@db/insurable --data /var/cache/insurable`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := a.newServeMain(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			return m.Run(cmd.Context())
		},
	}
	cmd.Flags().StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().StringVar(&cfg.DataDir, "data", "", "data directory: the SQLite database and the unpacked evidence (default: the user's data directory; a temporary one with --demo)")
	cmd.Flags().StringVar(&cfg.Database, "database", "", "PostgreSQL URL (postgres://…) instead of SQLite in --data")
	cmd.Flags().BoolVar(&cfg.Demo, "demo", false, "start on a fresh embedded database with the example firms and print tokens")
	cmd.Flags().StringVar(&cfg.FeedsDir, "feeds", "", "feeds snapshot directory (default as for assess: $INSURABLE_FEEDS, what feeds update wrote, or the built-in snapshot); serve picks up a newer snapshot written there")
	cmd.Flags().DurationVar(&cfg.Poll, "poll", 2*time.Second, "how often to look for background jobs and a new feeds snapshot")
	cmd.Flags().DurationVar(&cfg.Drain, "drain", 30*time.Second, "how long shutdown waits for requests in flight")
	cmd.Flags().DurationVar(&cfg.JobLease, "job-lease", underwriting.DefaultJobLease, "how long a background job stays with a replica before another may take it over")
	cmd.Flags().Int64Var(&cfg.MaxUpload, "max-upload", underwriting.DefaultMaxUploadBytes, "largest evidence archive accepted, in bytes")
	cmd.Flags().StringVar(&cfg.LedgerKey, "ledger-key", "", "file of the decision log's signing key (default: $"+ledgerKeyEnv+", or ledger/log.key in --data, made on first start; required with --database)")
	cmd.Flags().BoolVar(&cfg.SecureCookies, "secure-cookies", false, "mark the web interface's cookies Secure: set it when users reach the service over HTTPS (a TLS proxy in front)")
	cmd.Flags().DurationVar(&cfg.CheckpointInterval, "checkpoint-interval", tlog.DefaultCheckpointInterval, "how often the decision log signs a new checkpoint while it grows")
	return cmd
}

// tesseraLogsTo sends tessera's logs (it logs through klog) to the
// service's logger. klog's logger is global and tessera's goroutines read
// it, so it is set once per process, before any log is opened.
var tesseraLogsTo = func() func(*slog.Logger) {
	var once sync.Once
	return func(l *slog.Logger) { once.Do(func() { klog.SetSlogLogger(l) }) }
}()

// ServeMain is a running service: the store, the domain service and the
// HTTP server, wired. Tests build one and call Run and Close.
type ServeMain struct {
	cfg     serveConfig
	app     *App
	Store   underwriting.Store
	Service *underwriting.Service
	Server  *server.Server
	// Ledger is the decision log.
	Ledger     *tlog.Log
	ledgerPool *pgxpool.Pool
	log        *slog.Logger
	// demoTry, with --demo, says how to use the demo at the address.
	demoTry  func(addr string) string
	feedsDir string
	manifest [32]byte
	tempDir  string
	// newAssessor builds the vulnerability assessor on a snapshot.
	newAssessor func(*feeds.Snapshot) check.VulnerabilityAssessor
}

func defaultServiceDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "insurable", "service")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "insurable", "service")
	}
	return "insurable-data"
}

// newServeMain opens the store and wires the service with the same
// engine and verifiers as assess.
func (a *App) newServeMain(ctx context.Context, cfg serveConfig) (*ServeMain, error) {
	if a.Log == nil {
		a.Log = slog.New(slog.DiscardHandler)
	}
	m := &ServeMain{cfg: cfg, app: a, log: a.Log}
	tesseraLogsTo(a.Log)
	if cfg.Demo && cfg.Database != "" {
		return nil, usagef("--demo starts on an embedded database; leave out --database")
	}
	if cfg.DataDir == "" {
		if cfg.Demo {
			d, err := os.MkdirTemp("", "insurable-demo-")
			if err != nil {
				return nil, insurable.Wrap("serve", insurable.Internal, err)
			}
			cfg.DataDir, m.tempDir = d, d
		} else {
			cfg.DataDir = defaultServiceDir()
		}
	}
	m.cfg = cfg
	var err error
	if cfg.Database != "" {
		m.Store, err = postgres.Open(ctx, cfg.Database)
	} else {
		m.Store, err = sqlite.Open(ctx, cfg.DataDir)
	}
	if err != nil {
		m.cleanup()
		return nil, err
	}
	if err := m.openLedger(ctx); err != nil {
		m.Close()
		return nil, err
	}
	// The same verifiers as assess, on the same feeds snapshot.
	acfg := assessConfig{FeedsDir: cfg.FeedsDir}
	v, err := a.verifiers(&acfg)
	if err != nil {
		m.Close()
		return nil, err
	}
	snap, where, err := a.loadSnapshot(cfg.FeedsDir, feeds.PartAll)
	if err != nil {
		m.Close()
		return nil, err
	}
	if where != feeds.EmbeddedName {
		m.feedsDir = where
		m.manifest = manifestSum(where)
	}
	// Re-evaluating after an import must not re-read every firm's SBOMs:
	// the same assessor, reading them through a cache by bundle digest.
	sboms := vulnassess.NewSBOMCache(4096)
	if va, ok := v.Vulnerabilities.(*vulnassess.Assessor); ok {
		v.Vulnerabilities = va.WithSBOMCache(sboms)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.Service, err = underwriting.New(underwriting.Config{
		Store: m.Store,
		Engine: &underwriting.Engine{
			Catalog: protocol.Default(), Verifiers: v, Feeds: acfg.Feeds, Snapshot: snap,
			NewVulnerabilityAssessor: func(s *feeds.Snapshot) check.VulnerabilityAssessor { return vulnassess.New(s).WithSBOMCache(sboms) },
			Tool:                     assessment.Tool{Name: "insurable", Version: toolVersion()},
		},
		DataDir: cfg.DataDir, Now: a.Now, Log: a.Log, MaxUploadBytes: cfg.MaxUpload, JobLease: cfg.JobLease,
		Observe: server.Observer(reg), Ledger: m.Ledger,
	})
	if err != nil {
		m.Close()
		return nil, err
	}
	m.newAssessor = func(s *feeds.Snapshot) check.VulnerabilityAssessor { return vulnassess.New(s).WithSBOMCache(sboms) }
	ui, err := web.New(web.Config{Service: m.Service, Log: a.Log, Secure: cfg.SecureCookies})
	if err != nil {
		m.Close()
		return nil, err
	}
	m.Server = server.New(server.Config{Service: m.Service, Log: a.Log, Registry: reg, LogFiles: m.Ledger.Fetcher(), Web: ui})
	return m, nil
}

func manifestSum(dir string) [32]byte {
	data, _ := os.ReadFile(filepath.Join(dir, feeds.FileManifest))
	return sha256.Sum256(data)
}

// Run seeds the database when it is empty (or with --demo), serves until
// ctx ends, then drains the requests in flight and closes everything.
func (m *ServeMain) Run(ctx context.Context) error {
	defer m.Close()
	jobsCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer stopJobs()
	ledgerDone, err := m.startLedger(jobsCtx)
	if err != nil {
		return err
	}
	defer func() { stopJobs(); <-ledgerDone }()
	if err := m.seed(ctx, m.app.Stdout); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", m.cfg.Addr)
	if err != nil {
		return insurable.Wrap("serve", insurable.Invalid, err)
	}
	srv := &http.Server{Handler: m.Server, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(m.log.Handler(), slog.LevelWarn)}
	jobsDone := make(chan struct{})
	go func() {
		defer close(jobsDone)
		m.Service.RunJobs(jobsCtx, m.cfg.Poll)
	}()
	go m.watchFeeds(jobsCtx)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	addr := ln.Addr().String()
	m.log.Info("serving", "addr", addr, "data", m.cfg.DataDir, "replica", m.Service.Replica())
	fmt.Fprintf(m.app.Stdout, "insurable serve: listening on http://%s (web interface: http://%s/ · API description: http://%s/api/openapi.json)\n", addr, addr, addr)
	if m.demoTry != nil {
		fmt.Fprint(m.app.Stdout, m.demoTry(addr))
	}
	if m.cfg.Ready != nil {
		m.cfg.Ready(addr)
	}
	select {
	case err := <-serveErr:
		stopJobs()
		<-jobsDone
		return insurable.Wrap("serve", insurable.Internal, err)
	case <-ctx.Done():
	}
	m.log.Info("shutting down: draining requests in flight", "drain", m.cfg.Drain)
	drainCtx, cancel := context.WithTimeout(context.Background(), m.cfg.Drain)
	defer cancel()
	err = srv.Shutdown(drainCtx)
	stopJobs()
	<-jobsDone
	if err != nil {
		return insurable.Wrap("serve", insurable.Internal, fmt.Errorf("requests still in flight after %s: %w", m.cfg.Drain, err))
	}
	m.log.Info("stopped")
	return nil
}

// watchFeeds picks up a newer snapshot that `insurable feeds update`
// wrote into the feeds directory.
func (m *ServeMain) watchFeeds(ctx context.Context) {
	if m.feedsDir == "" {
		return
	}
	t := time.NewTicker(m.cfg.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		sum := manifestSum(m.feedsDir)
		if sum == m.manifest {
			continue
		}
		snap, err := feeds.Load(os.DirFS(m.feedsDir), m.feedsDir, feeds.PartAll)
		if err != nil {
			m.log.Warn("reading the new feeds snapshot", "dir", m.feedsDir, "err", err)
			continue
		}
		m.manifest = sum
		res, err := m.Service.ReplaceBaseFeeds(ctx, snap, m.newAssessor(snap))
		if err != nil {
			m.log.Warn("queueing the re-evaluation for new feeds", "err", err)
			continue
		}
		m.log.Info("new feeds snapshot", "dir", m.feedsDir, "advisories", len(res.Imported), "job", res.Job)
	}
}

// Close closes the service, the log and the store, and removes a demo's
// data.
func (m *ServeMain) Close() error {
	err := m.closeLedger()
	if m.Service != nil {
		err = errors.Join(err, m.Service.Close())
		m.Service = nil
	}
	if m.Store != nil {
		err = errors.Join(err, m.Store.Close())
		m.Store = nil
	}
	m.cleanup()
	return err
}

func (m *ServeMain) cleanup() {
	if m.tempDir != "" {
		os.RemoveAll(m.tempDir)
		m.tempDir = ""
	}
}

// seed creates the operating consortium on an empty database, and the
// demo's organisations with --demo, printing the tokens.
func (m *ServeMain) seed(ctx context.Context, out io.Writer) error {
	if m.cfg.Demo {
		return m.seedDemo(ctx, out)
	}
	var empty bool
	err := m.Store.View(ctx, func(tx underwriting.Tx) error {
		orgs, err := tx.Orgs(ctx, underwriting.Page{Limit: 1})
		empty = len(orgs) == 0
		return err
	})
	if err != nil || !empty {
		return err
	}
	seed, err := m.Service.Bootstrap(ctx, "consortium", "Operating consortium", "operator", 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Created the operating consortium %s. Its admin token (shown once):\n  %s\n", seed.Org.ID, seed.Token.Secret)
	return nil
}
