package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/insurable/insurable/internal/storetest"
	"github.com/insurable/insurable/postgres"
	"github.com/insurable/insurable/underwriting"
)

// TestURL returns the server scripts/postgres.sh started, or skips (fails
// when INSURABLE_REQUIRE_POSTGRES=1).
func testURL(t *testing.T) string {
	u := os.Getenv("INSURABLE_TEST_POSTGRES")
	if u == "" {
		if os.Getenv("INSURABLE_REQUIRE_POSTGRES") == "1" {
			t.Fatal("INSURABLE_TEST_POSTGRES is not set; run scripts/postgres.sh start")
		}
		t.Skip("INSURABLE_TEST_POSTGRES is not set (scripts/postgres.sh start sets it)")
	}
	return u
}

var dbs atomic.Int64

// freshDatabase creates an empty database for one test.
func freshDatabase(t *testing.T, base string) string {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("t_%d_%d", os.Getpid(), dbs.Add(1))
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a, _ := sql.Open("pgx", base)
		a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		a.Close()
	})
	u, _ := url.Parse(base)
	u.Path = "/" + name
	return u.String()
}

func TestStore(t *testing.T) {
	base := testURL(t)
	storetest.Run(t, func(t *testing.T) underwriting.Store {
		s, err := postgres.Open(context.Background(), freshDatabase(t, base))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestReplicasMigrateTogether opens several stores on one empty database
// at once, as replicas starting together do.
func TestReplicasMigrateTogether(t *testing.T) {
	u := freshDatabase(t, testURL(t))
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := postgres.Open(context.Background(), u)
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
