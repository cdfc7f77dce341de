package postgres_test

import (
	"context"
	"testing"

	"github.com/insurable/insurable/internal/pgtest"
	"github.com/insurable/insurable/internal/storetest"
	"github.com/insurable/insurable/postgres"
	"github.com/insurable/insurable/underwriting"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) underwriting.Store {
		s, err := postgres.Open(context.Background(), pgtest.Fresh(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestReplicasMigrateTogether opens several stores on one empty database
// at once, as replicas starting together do.
func TestReplicasMigrateTogether(t *testing.T) {
	u := pgtest.Fresh(t)
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
