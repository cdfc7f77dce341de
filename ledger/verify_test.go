package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"testing"

	"github.com/insurable/insurable/ledger"
)

// brokenLog is a memLog that fails in one way.
type brokenLog struct {
	*memLog
	checkpoint, consistency, inclusion, entries error
}

func (l *brokenLog) Checkpoint(ctx context.Context) ([]byte, error) {
	if l.checkpoint != nil {
		return nil, l.checkpoint
	}
	return l.memLog.Checkpoint(ctx)
}

func (l *brokenLog) ConsistencyProof(ctx context.Context, a, b uint64) ([][]byte, error) {
	if l.consistency != nil {
		return nil, l.consistency
	}
	return l.memLog.ConsistencyProof(ctx, a, b)
}

func (l *brokenLog) InclusionProof(ctx context.Context, i, size uint64) ([][]byte, error) {
	if l.inclusion != nil {
		return nil, l.inclusion
	}
	return l.memLog.InclusionProof(ctx, i, size)
}

func (l *brokenLog) Entries(ctx context.Context, from, to uint64, fn func(uint64, []byte) error) error {
	if l.entries != nil {
		return l.entries
	}
	return l.memLog.Entries(ctx, from, to, fn)
}

// TestCheckLogTellsFailureFromTrouble: what the log lacks once its
// checkpoint is verified is a log that does not verify; an error reading
// it is not; a log with no checkpoint at all is ErrNoCheckpoint.
func TestCheckLogTellsFailureFromTrouble(t *testing.T) {
	ctx := context.Background()
	l, v := newMemLog(t, 40)
	trusted := l.cp
	l.add(t, 300)
	empty := l.sign(t, 0, l.tree.HashAt(0))
	gone := fmt.Errorf("open tile/0/000: %w", fs.ErrNotExist)
	down := errors.New("connection refused")
	cases := []struct {
		name         string
		log          *brokenLog
		trusted      []byte
		notVerified  bool
		noCheckpoint bool
	}{
		{"whole", &brokenLog{memLog: l}, trusted, false, false},
		{"whole, trusted empty", &brokenLog{memLog: l}, empty, false, false},
		{"no checkpoint, none trusted", &brokenLog{memLog: l, checkpoint: gone}, nil, false, true},
		{"no checkpoint, an empty one trusted", &brokenLog{memLog: l, checkpoint: gone}, empty, false, true},
		{"no checkpoint, one of 40 trusted", &brokenLog{memLog: l, checkpoint: gone}, trusted, true, true},
		{"no checkpoint, said so", &brokenLog{memLog: l, checkpoint: fmt.Errorf("%w: %w", ledger.ErrNoCheckpoint, fs.ErrNotExist)}, trusted, true, true},
		{"checkpoint unreadable", &brokenLog{memLog: l, checkpoint: down}, trusted, false, false},
		{"consistency tiles missing", &brokenLog{memLog: l, consistency: gone}, trusted, true, false},
		{"consistency tiles unreadable", &brokenLog{memLog: l, consistency: down}, trusted, false, false},
		{"entries missing", &brokenLog{memLog: l, entries: gone}, nil, true, false},
		{"entries unreadable", &brokenLog{memLog: l, entries: down}, nil, false, false},
		{"entries malformed", &brokenLog{memLog: l, entries: fmt.Errorf("entry bundle 0 %w: garbage", ledger.ErrNotVerified)}, nil, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ledger.CheckLog(ctx, c.log, v, c.trusted)
			ok := !c.notVerified && !c.noCheckpoint && c.log.checkpoint == nil && c.log.consistency == nil && c.log.entries == nil
			if ok != (err == nil) {
				t.Fatalf("err %v", err)
			}
			if got := ledger.IsNotVerified(err); got != c.notVerified {
				t.Errorf("not verified %v, want %v: %v", got, c.notVerified, err)
			}
			if got := errors.Is(err, ledger.ErrNoCheckpoint); got != c.noCheckpoint {
				t.Errorf("no checkpoint %v, want %v: %v", got, c.noCheckpoint, err)
			}
		})
	}
	cp, err := ledger.OpenCheckpoint(l.cp, v)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name        string
		log         *brokenLog
		notVerified bool
	}{
		{"a tile missing", &brokenLog{memLog: l, inclusion: gone}, true},
		{"a tile unreadable", &brokenLog{memLog: l, inclusion: down}, false},
		{"a tile malformed", &brokenLog{memLog: l, inclusion: fmt.Errorf("log %w: short tile", ledger.ErrNotVerified)}, true},
	} {
		err := ledger.VerifyInclusion(ctx, c.log, cp, 7, l.entries[7])
		if err == nil || ledger.IsNotVerified(err) != c.notVerified {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if err := ledger.VerifyInclusion(ctx, l, cp, 7, l.entries[7]); err != nil {
		t.Errorf("a whole log: %v", err)
	}
	if err := ledger.VerifyInclusion(ctx, l, cp, 7, l.entries[8]); !ledger.IsNotVerified(err) {
		t.Errorf("another entry at 7: %v", err)
	}
}

// countingLog counts the reads of entries.
type countingLog struct {
	*memLog
	reads int
}

func (l *countingLog) Entries(ctx context.Context, from, to uint64, fn func(uint64, []byte) error) error {
	l.reads++
	return l.memLog.Entries(ctx, from, to, fn)
}

// TestProveEntry: the entry the caller holds goes into the proof when it
// is the logged one, and the log's own otherwise.
func TestProveEntry(t *testing.T) {
	ctx := context.Background()
	m, v := newMemLog(t, 300)
	for _, c := range []struct {
		name  string
		held  []byte
		reads int
	}{
		{"the logged entry", m.entries[200], 0},
		{"none", nil, 1},
		{"another entry", m.entries[201], 1},
		{"changed bytes", append(append([]byte{}, m.entries[200]...), ' '), 1},
	} {
		l := &countingLog{memLog: m}
		p, err := ledger.ProveEntry(ctx, l, v, "trn_200", 200, c.held)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if p.Entry != string(m.entries[200]) || l.reads != c.reads {
			t.Errorf("%s: the proof carries %q after %d reads", c.name, p.Entry, l.reads)
		}
		if _, _, err := p.Check(v); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
