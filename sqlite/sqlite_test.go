package sqlite_test

import (
	"context"
	"testing"

	"github.com/insurable/insurable/internal/storetest"
	"github.com/insurable/insurable/sqlite"
	"github.com/insurable/insurable/underwriting"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) underwriting.Store {
		s, err := sqlite.Open(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestReopenKeepsData(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Tx(ctx, func(x underwriting.Tx) error { _, err := x.BumpFeedGeneration(ctx); return err })
	s.Close()
	s, err = sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.View(ctx, func(x underwriting.Tx) error {
		if g, _ := x.FeedGeneration(ctx); g != 1 {
			t.Errorf("generation %d after reopening, want 1", g)
		}
		return nil
	})
}
