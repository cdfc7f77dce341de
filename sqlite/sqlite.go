// Package sqlite is the embedded storage of the insurable service: one
// SQLite database file (modernc.org/sqlite, pure Go) in WAL mode in the
// data directory. Writers are serialised through one connection that takes
// the write lock when its transaction begins; readers use a pool of their
// own and never wait for writers.
package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/internal/sqlstore"
)

// FileName is the database's file in the data directory.
const FileName = "insurable.db"

// Dialect is SQLite's.
var Dialect = sqlstore.Dialect{
	Name:       "sqlite",
	Types:      map[string]string{"BLOB": "BLOB", "ID": "INTEGER PRIMARY KEY AUTOINCREMENT"},
	IsConflict: func(err error) bool { return strings.Contains(err.Error(), "UNIQUE constraint failed") },
	Retry: func(err error) bool {
		m := err.Error()
		return strings.Contains(m, "SQLITE_BUSY") || strings.Contains(m, "database is locked")
	},
}

// Open opens (creating it when needed) the database in dir and applies
// the migrations.
func Open(ctx context.Context, dir string) (*sqlstore.Store, error) {
	const op insurable.Op = "sqlite.Open"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, insurable.Wrap(op, insurable.Invalid, err)
	}
	path := filepath.Join(dir, FileName)
	dsn := func(txlock string, extra ...string) string {
		q := url.Values{}
		for _, p := range append([]string{"journal_mode(WAL)", "busy_timeout(10000)", "foreign_keys(1)", "synchronous(NORMAL)"}, extra...) {
			q.Add("_pragma", p)
		}
		if txlock != "" {
			q.Set("_txlock", txlock)
		}
		return "file:" + path + "?" + q.Encode()
	}
	w, err := sql.Open("sqlite", dsn("immediate"))
	if err != nil {
		return nil, insurable.Wrap(op, insurable.Internal, err)
	}
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", dsn("", "query_only(1)"))
	if err != nil {
		w.Close()
		return nil, insurable.Wrap(op, insurable.Internal, err)
	}
	r.SetMaxOpenConns(max(4, 2*runtime.GOMAXPROCS(0)))
	r.SetMaxIdleConns(max(4, 2*runtime.GOMAXPROCS(0)))
	s, err := sqlstore.NewWithReaders(ctx, w, r, Dialect)
	if err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}
