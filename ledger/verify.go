package ledger

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// Leaf is what verification keeps of one entry of the log.
type Leaf struct {
	// Record is the record the entry logs; empty when the entry does not
	// decode.
	Record string
	// Hash is the SHA-256 of the entry's bytes.
	Hash [32]byte
}

// LogState is the log as CheckLog found it, verified.
type LogState struct {
	// Checkpoint is the latest checkpoint, its signature verified and
	// its root recomputed from the entries.
	Checkpoint *Checkpoint
	// Trusted is the checkpoint consistency was proved from; nil when
	// none was given.
	Trusted *Checkpoint
	// Leaves are the entries up to the checkpoint's size, by index.
	Leaves []Leaf
	// Problems found in the log itself (entries that do not decode).
	Problems []Problem
}

// ErrNoCheckpoint says that the log has published no checkpoint: it is
// empty, or it is not where it was looked for.
var ErrNoCheckpoint = errors.New("the log has published no checkpoint")

// missing reports whether err says that the log lacks a resource (a
// tile, an entry bundle) that a verified checkpoint commits to: once the
// checkpoint's signature verifies, that is a log that does not verify,
// not a failure to run.
func missing(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// CheckLog verifies the log as a whole: the latest checkpoint's
// signature; that it extends the trusted checkpoint (when one is given),
// by a consistency proof from the log's tiles and by recomputing the
// trusted root from the entries; and that the entries hash to the
// latest root, which proves that every one of them is in the tree the
// checkpoint commits to. A log that does not verify — a bad signature, a
// rollback or a fork, tiles or entries missing, malformed or not under
// the root — gives an error wrapping ErrNotVerified; a log with no
// checkpoint at all gives one wrapping ErrNoCheckpoint (and
// ErrNotVerified too when a trusted checkpoint says it had entries). An
// entry that does not decode is a problem of the state.
func CheckLog(ctx context.Context, r LogReader, v note.Verifier, trusted []byte) (*LogState, error) {
	st := &LogState{}
	var err error
	if len(bytes.TrimSpace(trusted)) > 0 {
		if st.Trusted, err = OpenCheckpoint(trusted, v); err != nil {
			return nil, fmt.Errorf("the trusted %w", err)
		}
	}
	raw, err := r.Checkpoint(ctx)
	if err != nil {
		if missing(err) || errors.Is(err, ErrNoCheckpoint) {
			if !errors.Is(err, ErrNoCheckpoint) {
				err = fmt.Errorf("%w: %w", ErrNoCheckpoint, err)
			}
			if st.Trusted != nil && st.Trusted.Size > 0 {
				return nil, fmt.Errorf("log %w: the trusted checkpoint has %d entries, but %w: the log was deleted or replaced", ErrNotVerified, st.Trusted.Size, err)
			}
			return nil, err
		}
		return nil, fmt.Errorf("reading the log's checkpoint: %w", err)
	}
	if st.Checkpoint, err = OpenCheckpoint(raw, v); err != nil {
		return nil, fmt.Errorf("the log's latest %w", err)
	}
	cp := st.Checkpoint
	if t := st.Trusted; t != nil {
		switch {
		case t.Size > cp.Size:
			return nil, fmt.Errorf("consistency %w: the log has %d entries, fewer than the %d of the trusted checkpoint: it was rolled back or forked", ErrNotVerified, cp.Size, t.Size)
		case t.Size == cp.Size && !bytes.Equal(t.Root, cp.Root):
			return nil, fmt.Errorf("consistency %w: the log's root at size %d is not the trusted checkpoint's: it was rewritten", ErrNotVerified, cp.Size)
		case t.Size > 0 && t.Size < cp.Size:
			hashes, err := r.ConsistencyProof(ctx, t.Size, cp.Size)
			if missing(err) && !IsNotVerified(err) {
				err = fmt.Errorf("%w: %w", ErrNotVerified, err)
			}
			if err != nil {
				return nil, fmt.Errorf("consistency proof from %d to %d: %w", t.Size, cp.Size, err)
			}
			if err := proof.VerifyConsistency(rfc6962.DefaultHasher, t.Size, cp.Size, hashes, t.Root, cp.Root); err != nil {
				return nil, fmt.Errorf("consistency %w: the log at %d entries (root %s) does not extend the trusted checkpoint of %d (root %s): it was forked or rewritten", ErrNotVerified, cp.Size, cp.RootBase64(), t.Size, t.RootBase64())
			}
		}
	}
	rf := compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	rng := rf.NewEmptyRange(0)
	st.Leaves = make([]Leaf, 0, cp.Size)
	checkRoot := func(size uint64, want []byte, what string) error {
		got := rfc6962.DefaultHasher.EmptyRoot()
		if size > 0 {
			var err error
			if got, err = rng.GetRootHash(nil); err != nil {
				return err
			}
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("root %w: the log's entries up to %d do not hash to the %s root", ErrNotVerified, size, what)
		}
		return nil
	}
	if st.Trusted != nil && st.Trusted.Size == 0 {
		if err := checkRoot(0, st.Trusted.Root, "trusted checkpoint's"); err != nil {
			return nil, err
		}
	}
	err = r.Entries(ctx, 0, cp.Size, func(i uint64, e []byte) error {
		if i != uint64(len(st.Leaves)) {
			return fmt.Errorf("entries %w: entry %d comes after %d", ErrNotVerified, i, len(st.Leaves))
		}
		if err := rng.Append(LeafHash(e), nil); err != nil {
			return err
		}
		l := Leaf{Hash: sha256.Sum256(e)}
		if d, err := Decode(e); err != nil {
			idx := i
			st.Problems = append(st.Problems, Problem{Index: &idx, Kind: ProblemEntry, Detail: err.Error()})
		} else {
			l.Record = d.Record
		}
		st.Leaves = append(st.Leaves, l)
		if st.Trusted != nil && rng.End() == st.Trusted.Size {
			return checkRoot(st.Trusted.Size, st.Trusted.Root, "trusted checkpoint's")
		}
		return nil
	})
	if missing(err) && !IsNotVerified(err) {
		return nil, fmt.Errorf("entries %w: the log lacks entries its checkpoint of %d commits to: %w", ErrNotVerified, cp.Size, err)
	}
	if err != nil {
		return nil, err
	}
	if uint64(len(st.Leaves)) != cp.Size {
		return nil, fmt.Errorf("entries %w: the log holds %d entries, its checkpoint says %d", ErrNotVerified, len(st.Leaves), cp.Size)
	}
	if err := checkRoot(cp.Size, cp.Root, "checkpoint's"); err != nil {
		return nil, err
	}
	return st, nil
}

// VerifyInclusion proves, from the log's tiles, that entry is at index
// in the tree the checkpoint commits to: it fetches the inclusion proof
// and checks it against the checkpoint's root with the entry's leaf hash.
func VerifyInclusion(ctx context.Context, r LogReader, cp *Checkpoint, index uint64, entry []byte) error {
	hashes, err := r.InclusionProof(ctx, index, cp.Size)
	if missing(err) && !IsNotVerified(err) {
		err = fmt.Errorf("%w: %w", ErrNotVerified, err)
	}
	if err != nil {
		return fmt.Errorf("inclusion proof of entry %d: %w", index, err)
	}
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, index, cp.Size, LeafHash(entry), hashes, cp.Root); err != nil {
		return fmt.Errorf("inclusion %w: entry %d: %v", ErrNotVerified, index, err)
	}
	return nil
}

// Problem kinds of a verification report.
const (
	ProblemEntry       = "entry"        // a log entry does not decode
	ProblemChanged     = "changed"      // a record no longer matches its log entry
	ProblemNotLogged   = "not-logged"   // a record has no log entry and none is queued
	ProblemWrongEntry  = "wrong-entry"  // the index recorded for a record holds another record's entry
	ProblemDeleted     = "deleted"      // a log entry's record is not in the database
	ProblemPending     = "pending"      // a record has waited too long to be logged
	ProblemInclusion   = "inclusion"    // an inclusion proof does not verify
	ProblemPolicyState = "policy-state" // a policy's state is not what its logged transitions leave it in
	ProblemRemediation = "remediation"  // an item is resolved without a logged assessment that resolved it
)

// Problem is one thing that does not verify.
type Problem struct {
	Kind   string  `json:"kind"`
	Record string  `json:"record,omitempty"`
	Index  *uint64 `json:"index,omitempty"`
	Detail string  `json:"detail"`
}

func (p Problem) String() string {
	s := p.Kind
	if p.Record != "" {
		s += " " + p.Record
	}
	if p.Index != nil {
		s += fmt.Sprintf(" (entry %d)", *p.Index)
	}
	return s + ": " + p.Detail
}

// Report is the outcome of verifying a database against the log.
type Report struct {
	Origin string `json:"origin"`
	// Size and Root are the verified latest checkpoint's.
	Size uint64 `json:"size"`
	Root string `json:"root"`
	// TrustedSize is the size of the trusted checkpoint consistency was
	// proved from; -1 when there was none.
	TrustedSize int64 `json:"trusted_size"`
	// Records counts the decisions and transitions in the database;
	// Verified those proven in the log and matching their entry.
	Records  int `json:"records"`
	Verified int `json:"verified"`
	// Pending counts the records queued for the log and not yet in a
	// published checkpoint (normal for a few seconds).
	Pending  int       `json:"pending"`
	Problems []Problem `json:"problems"`
}

// OK reports whether everything verified.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// IsNotVerified reports whether err says that something did not verify,
// rather than that the verification could not run.
func IsNotVerified(err error) bool { return errors.Is(err, ErrNotVerified) }
