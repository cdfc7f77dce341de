package access

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"strings"
)

// TokenPrefix starts every API token, so that secret scanners can find
// leaked ones.
const TokenPrefix = "ins_"

// Token is a newly made API token: its public id, the secret shown once to
// its owner, and the hash that is stored.
type Token struct {
	ID     string // public; names the token in lists and logs
	Secret string // the whole token, "ins_<id>_<random>"; never stored
	Hash   string // hex SHA-256 of Secret; stored
}

// NewToken makes a token from the random source r (crypto/rand.Reader in
// production; tests inject a deterministic one).
func NewToken(r io.Reader) (Token, error) {
	var id [8]byte
	var secret [32]byte
	if _, err := io.ReadFull(r, id[:]); err != nil {
		return Token{}, err
	}
	if _, err := io.ReadFull(r, secret[:]); err != nil {
		return Token{}, err
	}
	t := Token{ID: "tok_" + hex.EncodeToString(id[:])}
	t.Secret = TokenPrefix + hex.EncodeToString(id[:]) + "_" + base64.RawURLEncoding.EncodeToString(secret[:])
	t.Hash = HashSecret(t.Secret)
	return t, nil
}

// HashSecret is the stored form of a token.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// ErrMalformedToken is returned by ParseToken for anything that is not a
// token this package made.
var ErrMalformedToken = errors.New("malformed token")

// ParseToken returns the id of a presented token, to look its hash up.
func ParseToken(secret string) (id string, err error) {
	rest, ok := strings.CutPrefix(secret, TokenPrefix)
	if !ok || len(secret) > 128 {
		return "", ErrMalformedToken
	}
	idHex, sec, ok := strings.Cut(rest, "_")
	if !ok || len(idHex) != 16 || len(sec) != 43 {
		return "", ErrMalformedToken
	}
	if _, err := hex.DecodeString(idHex); err != nil {
		return "", ErrMalformedToken
	}
	if _, err := base64.RawURLEncoding.DecodeString(sec); err != nil {
		return "", ErrMalformedToken
	}
	return "tok_" + idHex, nil
}

// SecretMatches compares a presented token with a stored hash in constant
// time.
func SecretMatches(secret, hash string) bool {
	got := HashSecret(secret)
	return subtle.ConstantTimeCompare([]byte(got), []byte(hash)) == 1
}
