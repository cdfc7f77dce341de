package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/ledger"
	"github.com/insurable/insurable/ledger/tlog"
)

// Where the decision log lives in a data directory.
const (
	ledgerDir     = "ledger"
	ledgerKeyFile = "ledger/log.key" // the signing key, mode 0600
	ledgerPubFile = "ledger/log.pub" // its public key, for reference
	ledgerLogDir  = "ledger/log"     // the log itself, C2SP tlog-tiles
	// ledgerKeyEnv holds the signing key itself, for deployments on
	// PostgreSQL that keep it in a secret store.
	ledgerKeyEnv = "INSURABLE_LEDGER_KEY"
)

// ledgerSigningKey returns the log's signing key: from --ledger-key, or
// $INSURABLE_LEDGER_KEY, or (on SQLite) the key file in the data
// directory, made on first use. Replicas on PostgreSQL share one log and
// must be given its key.
func ledgerSigningKey(cfg serveConfig) (string, error) {
	const op insurable.Op = "serve"
	if cfg.LedgerKey != "" {
		data, err := os.ReadFile(cfg.LedgerKey)
		if err != nil {
			return "", insurable.Wrap(op, insurable.NotExist, fmt.Errorf("--ledger-key: %w", err))
		}
		return strings.TrimSpace(string(data)), nil
	}
	if k := strings.TrimSpace(os.Getenv(ledgerKeyEnv)); k != "" {
		return k, nil
	}
	if cfg.Database != "" {
		return "", usagef("replicas on PostgreSQL share one decision log: give its signing key with --ledger-key FILE or $%s (make one with `insurable ledger keygen`)", ledgerKeyEnv)
	}
	path := filepath.Join(cfg.DataDir, ledgerKeyFile)
	data, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(data)), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", insurable.Wrap(op, insurable.Internal, err)
	}
	skey, vkey, err := ledger.GenerateKey(nil, "")
	if err != nil {
		return "", insurable.Wrap(op, insurable.Internal, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", insurable.Wrap(op, insurable.Internal, err)
	}
	if err := os.WriteFile(path, []byte(skey+"\n"), 0o600); err != nil {
		return "", insurable.Wrap(op, insurable.Internal, err)
	}
	if err := os.WriteFile(filepath.Join(cfg.DataDir, ledgerPubFile), []byte(vkey+"\n"), 0o644); err != nil {
		return "", insurable.Wrap(op, insurable.Internal, err)
	}
	return skey, nil
}

// openLedger opens the decision log: tessera's POSIX storage in the data
// directory, or package tesserapg in the PostgreSQL database.
func (m *ServeMain) openLedger(ctx context.Context) error {
	key, err := ledgerSigningKey(m.cfg)
	if err != nil {
		return err
	}
	opts := tlog.Options{CheckpointInterval: m.cfg.CheckpointInterval, Log: m.log}
	if m.cfg.Database != "" {
		m.ledgerPool, err = pgxpool.New(ctx, m.cfg.Database)
		if err != nil {
			return insurable.Wrap("serve", insurable.Invalid, err)
		}
		m.Ledger, err = tlog.OpenPostgres(ctx, m.ledgerPool, key, opts)
	} else {
		m.Ledger, err = tlog.OpenPOSIX(ctx, filepath.Join(m.cfg.DataDir, ledgerLogDir), key, opts)
	}
	if err != nil {
		return insurable.Wrap("serve", insurable.Internal, fmt.Errorf("opening the decision log: %w", err))
	}
	return nil
}

// startLedger pins the log's key in the database, queues the entries of
// records made before the log existed, and runs the appender until ctx
// ends.
func (m *ServeMain) startLedger(ctx context.Context) (done chan struct{}, err error) {
	if err := m.Service.PinLedgerKey(ctx); err != nil {
		return nil, err
	}
	n, err := m.Service.BackfillLedger(ctx)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		m.log.Info("queued the log entries of records made before the log", "records", n)
	}
	done = make(chan struct{})
	go func() {
		defer close(done)
		m.Service.RunLedger(ctx, m.cfg.Poll)
	}()
	return done, nil
}

// closeLedger appends what is still queued, then waits (briefly) for a
// checkpoint that covers it, and closes the log.
func (m *ServeMain) closeLedger() error {
	if m.Ledger == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var err error
	if m.Service != nil {
		known := int64(-1)
		_, err = m.Service.PumpLedger(ctx, &known)
	}
	err = errors.Join(err, m.Ledger.Close(ctx))
	m.Ledger = nil
	if m.ledgerPool != nil {
		m.ledgerPool.Close()
		m.ledgerPool = nil
	}
	return err
}
