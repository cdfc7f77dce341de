package ledger

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
)

// ErrNotVerified marks a verification that ran and found something that
// does not verify (a signature, a proof, a record); other errors mean the
// verification could not run.
var ErrNotVerified = errors.New("does not verify")

// OriginPrefix starts the origin (the log's name, which is also its key's
// name) of the logs insurable makes.
const OriginPrefix = "insurable.ledger/"

// GenerateKey makes the log's signing key and the matching verifier key,
// both in the signed-note key format (Ed25519). The origin names the log
// in every checkpoint; empty means OriginPrefix and a random suffix, so
// that two deployments never share a name.
func GenerateKey(r io.Reader, origin string) (signer, verifier string, err error) {
	if r == nil {
		r = rand.Reader
	}
	if origin == "" {
		var b [6]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", "", err
		}
		origin = OriginPrefix + hex.EncodeToString(b[:])
	}
	if strings.ContainsAny(origin, "+ \t\n") {
		return "", "", fmt.Errorf("log origin %q: no spaces or plus signs", origin)
	}
	return note.GenerateKey(r, origin)
}

// NewSigner reads a signing key.
func NewSigner(signerKey string) (note.Signer, error) {
	s, err := note.NewSigner(strings.TrimSpace(signerKey))
	if err != nil {
		return nil, fmt.Errorf("the log's signing key: %v (want PRIVATE+KEY+name+hash+key)", err)
	}
	return s, nil
}

// NewVerifier reads a verifier key: the log's public key.
func NewVerifier(verifierKey string) (note.Verifier, error) {
	v, err := note.NewVerifier(strings.TrimSpace(verifierKey))
	if err != nil {
		return nil, fmt.Errorf("the log's public key: %v (want name+hash+key, as `insurable ledger key` prints it)", err)
	}
	return v, nil
}

// VerifierKey derives the verifier key (the public key to publish) from a
// signing key.
func VerifierKey(signerKey string) (string, error) {
	if _, err := NewSigner(signerKey); err != nil {
		return "", err
	}
	parts := strings.SplitN(strings.TrimSpace(signerKey), "+", 5)
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return "", errors.New("the log's signing key: not an Ed25519 key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	return note.NewEd25519VerifierKey(parts[2], pub)
}

// Checkpoint is a verified checkpoint of the log: its origin, size and
// root hash, and the signed note it was read from.
type Checkpoint struct {
	Origin string
	Size   uint64
	Root   []byte
	// Note is the checkpoint as the log published it, signature included.
	Note []byte
}

// OpenCheckpoint verifies a signed checkpoint with the log's verifier and
// reads it. A bad or missing signature, another log's checkpoint, or a
// body that is not a checkpoint with a SHA-256 root gives an error
// wrapping ErrNotVerified.
func OpenCheckpoint(raw []byte, v note.Verifier) (*Checkpoint, error) {
	cp, _, _, err := log.ParseCheckpoint(raw, v.Name(), v)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %w: %v", ErrNotVerified, err)
	}
	if len(cp.Hash) != sha256.Size {
		return nil, fmt.Errorf("checkpoint %w: its root hash has %d bytes, not %d", ErrNotVerified, len(cp.Hash), sha256.Size)
	}
	return &Checkpoint{Origin: cp.Origin, Size: cp.Size, Root: cp.Hash, Note: raw}, nil
}

// RootBase64 is the root hash as checkpoints print it.
func (c *Checkpoint) RootBase64() string { return base64.StdEncoding.EncodeToString(c.Root) }
