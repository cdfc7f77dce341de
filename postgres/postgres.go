// Package postgres is the storage of the insurable service on PostgreSQL
// (through pgx), for running several stateless replicas of `insurable
// serve` on one database. It shares its SQL with package sqlite
// (internal/sqlstore); background jobs are claimed with SELECT … FOR
// UPDATE SKIP LOCKED, and migrations are serialised with an advisory lock.
package postgres

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver "pgx"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/internal/sqlstore"
)

// Dialect is PostgreSQL's.
var Dialect = sqlstore.Dialect{
	Name:       "postgres",
	Dollar:     true,
	Types:      map[string]string{"BLOB": "BYTEA", "ID": "BIGSERIAL PRIMARY KEY"},
	SkipLocked: "FOR UPDATE SKIP LOCKED",
	IsConflict: func(err error) bool { return code(err) == "23505" },
	Retry: func(err error) bool {
		c := code(err)
		return c == "40001" || c == "40P01"
	},
}

func code(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// Open connects to the database at url (postgres://…) and applies the
// migrations.
func Open(ctx context.Context, url string) (*sqlstore.Store, error) {
	const op insurable.Op = "postgres.Open"
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, insurable.Wrap(op, insurable.Invalid, err)
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, insurable.Wrap(op, insurable.Invalid, err)
	}
	s, err := sqlstore.New(ctx, db, Dialect)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}
