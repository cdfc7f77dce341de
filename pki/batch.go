package pki

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Item is one certificate of a batch.
type Item struct {
	// Name is how results and reasons refer to the certificate, usually
	// its file.
	Name string
	// Owner is who holds the key, such as an inventoried device. The same
	// key under two owners is a duplicate; "" means the certificate's
	// subject, so that a renewal with the same key is not one.
	Owner string
	// Cert is the certificate, or nil when it could not be read.
	Cert *x509.Certificate
	// Extra are untrusted certificates that came with it.
	Extra []*x509.Certificate
	// Err, when Cert is nil, says why the certificate could not be read.
	Err error
}

// KeyFingerprint is the SHA-256 of a certificate's SubjectPublicKeyInfo:
// two certificates with the same fingerprint certify the same key.
func KeyFingerprint(c *x509.Certificate) [32]byte { return sha256.Sum256(c.RawSubjectPublicKeyInfo) }

// VerifyAll verifies every item for purpose p, using all processors, and
// then marks as duplicate-key every otherwise valid certificate whose key is
// also certified for another owner in the batch. Results are in the order of
// items. It returns early with the context's error when ctx ends.
func (v *Verifier) VerifyAll(ctx context.Context, items []Item, p Purpose) ([]Result, error) {
	results := make([]Result, len(items))
	workers := runtime.GOMAXPROCS(0)
	if workers > len(items) {
		workers = len(items)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(items) || ctx.Err() != nil {
					return
				}
				it := &items[i]
				if it.Cert == nil {
					results[i] = Unreadable(it.Err)
					continue
				}
				results[i] = v.Verify(it.Cert, it.Extra, p)
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	MarkDuplicates(items, results)
	return results, nil
}

// Unreadable is the verdict on a certificate that could not be parsed:
// weak-key when only its key's algorithm stood in the way
// (UnsupportedKeyError), else malformed.
func Unreadable(err error) Result {
	var uk *UnsupportedKeyError
	if errors.As(err, &uk) {
		return Result{Status: WeakKey, Reason: "its key is " + uk.Algorithm + ", which the key policy does not allow (RSA ≥ 2048, ECDSA P-256 or stronger, Ed25519)"}
	}
	if err == nil {
		return Result{Status: Malformed, Reason: "not a certificate"}
	}
	return Result{Status: Malformed, Reason: err.Error()}
}

// MarkDuplicates turns into duplicate-key the valid results whose key is
// certified for another owner among items.
func MarkDuplicates(items []Item, results []Result) {
	byKey := map[[32]byte][]int{}
	for i, it := range items {
		if it.Cert != nil {
			k := KeyFingerprint(it.Cert)
			byKey[k] = append(byKey[k], i)
		}
	}
	owner := func(i int) string {
		if items[i].Owner != "" {
			return "owner:" + items[i].Owner
		}
		return "subject:" + string(items[i].Cert.RawSubject)
	}
	for _, idx := range byKey {
		if len(idx) < 2 {
			continue
		}
		for _, i := range idx {
			if results[i].Status != Valid {
				continue
			}
			var others []string
			for _, j := range idx {
				if owner(j) != owner(i) {
					others = append(others, items[j].Name)
				}
			}
			if len(others) == 0 {
				continue
			}
			sort.Strings(others)
			n := len(others)
			if n > 3 {
				others = append(others[:3], fmt.Sprintf("and %d more", n-3))
			}
			results[i].Status = DuplicateKey
			results[i].Reason = "the same public key is certified for another subject: " + strings.Join(others, ", ")
		}
	}
}
