// Package sqlstore implements underwriting.Store over database/sql, with
// the SQL shared by the sqlite and postgres packages: they differ only in
// a Dialect (placeholders, a few types, row locking). Most records are kept
// as a JSON document beside the columns that are queried, so that one
// schema serves both databases. Migrations are embedded and applied in
// order, each in its own transaction.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/underwriting"
)

// Dialect is what differs between the databases.
type Dialect struct {
	Name string
	// Dollar numbers placeholders $1, $2… (PostgreSQL) instead of ?.
	Dollar bool
	// Types replace the {{NAME}} tokens of the migrations.
	Types map[string]string
	// SkipLocked is appended to the select that claims a job
	// ("FOR UPDATE SKIP LOCKED" on PostgreSQL).
	SkipLocked string
	// IsConflict reports whether err is a unique-constraint violation.
	IsConflict func(error) bool
	// Retry reports whether a transaction failed for a transient reason
	// (serialization failure, busy database) and may be retried.
	Retry func(error) bool
}

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the database/sql implementation of underwriting.Store.
type Store struct {
	db *sql.DB
	// read serves View; it is db unless the dialect keeps a separate
	// pool of readers (SQLite, whose writers take the lock up front).
	read *sql.DB
	d    Dialect
}

var _ underwriting.Store = (*Store)(nil)

// New wraps an open database and applies the migrations it lacks.
func New(ctx context.Context, db *sql.DB, d Dialect) (*Store, error) {
	return NewWithReaders(ctx, db, db, d)
}

// NewWithReaders is New with a separate pool for read-only transactions.
func NewWithReaders(ctx context.Context, db, read *sql.DB, d Dialect) (*Store, error) {
	s := &Store{db: db, read: read, d: d}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// DB returns the database, for tests and benchmarks.
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the database.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.read != s.db {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return insurable.Wrap("sqlstore.Ping", insurable.Internal, err)
	}
	return nil
}

// Migration is one schema version.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations in order.
func Migrations() ([]Migration, error) {
	entries, err := migrations.ReadDir("migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		n, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(n)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a version number", e.Name())
		}
		data, err := migrations.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: e.Name(), SQL: string(data)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

func (s *Store) migrate(ctx context.Context) error {
	const op insurable.Op = "sqlstore.migrate"
	ms, err := Migrations()
	if err != nil {
		return insurable.Wrap(op, insurable.Internal, err)
	}
	for _, m := range ms {
		err := s.Tx(ctx, func(t underwriting.Tx) error {
			tx := t.(*txn)
			if s.d.Name == "postgres" {
				// Replicas starting together migrate one at a time.
				if _, err := tx.tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7476832)`); err != nil {
					return err
				}
			}
			if _, err := tx.tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied BIGINT NOT NULL)`); err != nil {
				return err
			}
			var n int
			if err := tx.row(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			stmt := m.SQL
			for k, v := range s.d.Types {
				stmt = strings.ReplaceAll(stmt, "{{"+k+"}}", v)
			}
			for _, part := range splitStatements(stmt) {
				if _, err := tx.tx.ExecContext(ctx, part); err != nil {
					return fmt.Errorf("%s: %w", m.Name, err)
				}
			}
			_, err := tx.exec(ctx, `INSERT INTO schema_migrations(version, name, applied) VALUES (?, ?, ?)`, m.Version, m.Name, time.Now().Unix())
			return err
		})
		if err != nil {
			return insurable.Wrap(op, insurable.Internal, err)
		}
	}
	return nil
}

// splitStatements cuts a migration at semicolons that end a line,
// dropping comments.
func splitStatements(sqlText string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(sqlText, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, cur.String())
	}
	return out
}

// Tx runs fn in a transaction, retrying transient failures a few times.
func (s *Store) Tx(ctx context.Context, fn func(underwriting.Tx) error) error {
	return s.run(ctx, s.db, nil, fn)
}

// View runs fn in a read-only transaction.
func (s *Store) View(ctx context.Context, fn func(underwriting.Tx) error) error {
	return s.run(ctx, s.read, &sql.TxOptions{ReadOnly: s.d.Name == "postgres"}, fn)
}

func (s *Store) run(ctx context.Context, db *sql.DB, opts *sql.TxOptions, fn func(underwriting.Tx) error) error {
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		err = s.tx1(ctx, db, opts, fn)
		if err == nil || s.d.Retry == nil || !s.d.Retry(err) || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	return err
}

func (s *Store) tx1(ctx context.Context, db *sql.DB, opts *sql.TxOptions, fn func(underwriting.Tx) error) error {
	sqltx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return insurable.Wrap("sqlstore.Tx", insurable.Internal, err)
	}
	t := &txn{tx: sqltx, s: s}
	if err := fn(t); err != nil {
		sqltx.Rollback()
		return s.classify(err)
	}
	if err := sqltx.Commit(); err != nil {
		return s.classify(err)
	}
	return nil
}

// classify turns database errors into the project's kinds; errors that
// are already *insurable.Error pass.
func (s *Store) classify(err error) error {
	var ie *insurable.Error
	if errors.As(err, &ie) {
		return err
	}
	if s.d.IsConflict != nil && s.d.IsConflict(err) {
		return &insurable.Error{Op: "sqlstore", Kind: insurable.Conflict, Msg: "already exists", Err: err}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return insurable.Wrap("sqlstore", insurable.Internal, err)
}

// Retryable reports whether err, as Tx returned it, was transient.
func (s *Store) Retryable(err error) bool { return s.d.Retry != nil && s.d.Retry(err) }

// txn is one transaction.
type txn struct {
	tx *sql.Tx
	s  *Store
}

// rebind turns ? placeholders into $n for PostgreSQL.
func (t *txn) rebind(q string) string {
	if !t.s.d.Dollar {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

func (t *txn) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.rebind(q), args...)
}

func (t *txn) row(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.rebind(q), args...)
}

func (t *txn) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.rebind(q), args...)
}
