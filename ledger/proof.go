package ledger

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// ProofFormat names the version of the inclusion proof document.
const ProofFormat = "insurable.ledger.proof/v1"

// Proof shows that a record's entry is in the log: the entry, its index,
// a checkpoint signed by the log, and the Merkle inclusion proof of the
// entry in the tree the checkpoint commits to. Anyone holding the log's
// public key can check it, with Check or by hand (docs/ledger.md).
type Proof struct {
	Format string `json:"format"`
	Record string `json:"record"`
	Index  uint64 `json:"index"`
	// Entry is the entry's exact bytes: its canonical JSON, as a string.
	Entry string `json:"entry"`
	// LeafHash is SHA-256(0x00 ‖ entry) in base64, for convenience.
	LeafHash string `json:"leaf_hash"`
	// Checkpoint is the signed note of the checkpoint the proof is for.
	Checkpoint string `json:"checkpoint"`
	// Inclusion lists the proof's hashes in base64, from the leaf's
	// sibling up (RFC 6962 §2.1.1, RFC 9162 §2.1.3).
	Inclusion []string `json:"inclusion"`
}

// NewProof builds the proof of the entry at index from a verified
// checkpoint and the inclusion proof's hashes.
func NewProof(record string, index uint64, entry []byte, cp *Checkpoint, hashes [][]byte) *Proof {
	p := &Proof{Format: ProofFormat, Record: record, Index: index, Entry: string(entry),
		LeafHash: base64.StdEncoding.EncodeToString(LeafHash(entry)), Checkpoint: string(cp.Note), Inclusion: []string{}}
	for _, h := range hashes {
		p.Inclusion = append(p.Inclusion, base64.StdEncoding.EncodeToString(h))
	}
	return p
}

// ParseProof reads a proof document.
func ParseProof(data []byte) (*Proof, error) {
	var p Proof
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("not an inclusion proof: %v", err)
	}
	if p.Format != ProofFormat {
		return nil, fmt.Errorf("not an inclusion proof: format %q, want %q", p.Format, ProofFormat)
	}
	return &p, nil
}

// Check verifies the proof with the log's verifier key alone: the
// checkpoint's signature, the entry's inclusion at the index in the tree
// the checkpoint commits to, and that the entry is the named record's.
// It returns the entry and the checkpoint. Anything that does not verify
// gives an error wrapping ErrNotVerified.
func (p *Proof) Check(v note.Verifier) (*Entry, *Checkpoint, error) {
	cp, err := OpenCheckpoint([]byte(p.Checkpoint), v)
	if err != nil {
		return nil, nil, err
	}
	entry := []byte(p.Entry)
	leaf := LeafHash(entry)
	if p.LeafHash != "" && p.LeafHash != base64.StdEncoding.EncodeToString(leaf) {
		return nil, cp, fmt.Errorf("leaf hash %w: the proof's leaf_hash is not the entry's", ErrNotVerified)
	}
	hashes := make([][]byte, len(p.Inclusion))
	for i, h := range p.Inclusion {
		if hashes[i], err = base64.StdEncoding.DecodeString(h); err != nil || len(hashes[i]) != 32 {
			return nil, cp, fmt.Errorf("inclusion proof %w: hash %d is not a base64 SHA-256", ErrNotVerified, i+1)
		}
	}
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, p.Index, cp.Size, leaf, hashes, cp.Root); err != nil {
		return nil, cp, fmt.Errorf("inclusion proof %w: entry %d in a tree of %d: %v", ErrNotVerified, p.Index, cp.Size, err)
	}
	e, err := Decode(entry)
	if err != nil {
		return nil, cp, fmt.Errorf("entry %w: %v", ErrNotVerified, err)
	}
	if e.Record != p.Record {
		return e, cp, fmt.Errorf("entry %w: it logs %s, not %s", ErrNotVerified, e.Record, p.Record)
	}
	return e, cp, nil
}

// LogReader is what verification and proofs read from a log: its
// published checkpoint, proofs from its tiles and its entries. Package
// ledger/tlog implements it on tessera's storage.
type LogReader interface {
	// Checkpoint returns the latest published checkpoint, as signed.
	Checkpoint(ctx context.Context) ([]byte, error)
	// InclusionProof returns the proof of the entry at index in the tree
	// of the given size.
	InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error)
	// ConsistencyProof returns the proof that the tree of size smaller is
	// a prefix of the tree of size larger.
	ConsistencyProof(ctx context.Context, smaller, larger uint64) ([][]byte, error)
	// Entries calls fn with each entry of [from, to), in order. to must
	// be a size the tree had (a checkpoint's, or the integrated size):
	// the log keeps the partial entry bundles of those sizes only.
	Entries(ctx context.Context, from, to uint64, fn func(index uint64, entry []byte) error) error
}

// errStop ends a read of entries early.
var errStop = errors.New("stop")

// EntryAt reads the entry at index from the tree of the given size.
func EntryAt(ctx context.Context, r LogReader, index, size uint64) ([]byte, error) {
	var entry []byte
	err := r.Entries(ctx, index, size, func(_ uint64, e []byte) error { entry = e; return errStop })
	if err != nil && !errors.Is(err, errStop) {
		return nil, err
	}
	if entry == nil {
		return nil, fmt.Errorf("entry %d: not in the log's %d entries", index, size)
	}
	return entry, nil
}

// Prove builds the inclusion proof of the entry at index against the
// log's latest checkpoint. The entry is read from the log. When the
// latest checkpoint does not cover the index yet, it returns an error
// wrapping ErrNotPublished.
func Prove(ctx context.Context, r LogReader, v note.Verifier, record string, index uint64) (*Proof, error) {
	return ProveEntry(ctx, r, v, record, index, nil)
}

// ProveEntry is Prove for an entry whose bytes the caller holds (the
// service keeps each record's entry in its database): when they are the
// entry the inclusion proof proves, the proof carries them and the
// entry's bundle is not read from the log; otherwise (nil, or bytes that
// are not the logged entry) the proof carries the entry read from the
// log.
func ProveEntry(ctx context.Context, r LogReader, v note.Verifier, record string, index uint64, entry []byte) (*Proof, error) {
	raw, err := r.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	cp, err := OpenCheckpoint(raw, v)
	if err != nil {
		return nil, err
	}
	if index >= cp.Size {
		return nil, fmt.Errorf("entry %d %w (the latest checkpoint has %d entries)", index, ErrNotPublished, cp.Size)
	}
	hashes, err := r.InclusionProof(ctx, index, cp.Size)
	if err != nil {
		return nil, err
	}
	if entry == nil || proof.VerifyInclusion(rfc6962.DefaultHasher, index, cp.Size, LeafHash(entry), hashes, cp.Root) != nil {
		if entry, err = EntryAt(ctx, r, index, cp.Size); err != nil {
			return nil, err
		}
	}
	return NewProof(record, index, entry, cp, hashes), nil
}

// ErrNotPublished says that an entry is in the log but no published
// checkpoint commits to it yet; a new checkpoint follows within seconds.
var ErrNotPublished = fmt.Errorf("is not yet in a published checkpoint")
