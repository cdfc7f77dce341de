// Package pgtest gives tests empty databases on the PostgreSQL server that
// scripts/postgres.sh starts (INSURABLE_TEST_POSTGRES). Without that
// server a test is skipped, unless INSURABLE_REQUIRE_POSTGRES=1 says it
// must run.
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// URL returns the server's URL, or skips the test.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("INSURABLE_TEST_POSTGRES")
	if u == "" {
		if os.Getenv("INSURABLE_REQUIRE_POSTGRES") == "1" {
			t.Fatal("INSURABLE_TEST_POSTGRES is not set; run scripts/postgres.sh start")
		}
		t.Skip("INSURABLE_TEST_POSTGRES is not set (scripts/postgres.sh start sets it)")
	}
	return u
}

var databases atomic.Int64

// Fresh creates an empty database for one test, dropped when the test
// ends, and returns its URL.
func Fresh(t testing.TB) string {
	t.Helper()
	base := URL(t)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	name := fmt.Sprintf("t_%d_%d", os.Getpid(), databases.Add(1))
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if a, err := pgx.Connect(ctx, base); err == nil {
			a.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			a.Close(ctx)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// FreshPool connects a pool to a fresh database; the pool is closed when
// the test ends, before the database is dropped.
func FreshPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), Fresh(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}
