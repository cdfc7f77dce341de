package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"sync"
	"testing"
	"time"
)

// The tests below build unusual certificate structures (loops, long chains,
// expired CAs) that openssl's ca command makes awkward; ordinary verdicts are
// tested on openssl's own certificates in pki_test.go.

var (
	keysOnce sync.Once
	testKeys []crypto.Signer
)

// testKey returns one of a few ECDSA keys generated once per test binary.
func testKey(i int) crypto.Signer {
	keysOnce.Do(func() {
		for range 8 {
			k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				panic(err)
			}
			testKeys = append(testKeys, k)
		}
	})
	return testKeys[i%len(testKeys)]
}

type certSpec struct {
	cn        string
	ca        bool
	key       crypto.Signer
	from, to  time.Time
	serial    int64
	dns       []string
	permitted []string
	eku       []x509.ExtKeyUsage
}

var now = time.Now()

// mkcert makes a certificate from spec, signed by parent (self-signed when
// parent is nil).
func mkcert(t testing.TB, s certSpec, parent *x509.Certificate, parentKey crypto.Signer) *x509.Certificate {
	t.Helper()
	if s.from.IsZero() {
		s.from = now.Add(-time.Hour)
	}
	if s.to.IsZero() {
		s.to = now.Add(365 * 24 * time.Hour)
	}
	if s.serial == 0 {
		s.serial = 1
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(s.serial),
		Subject:               pkix.Name{CommonName: s.cn},
		NotBefore:             s.from,
		NotAfter:              s.to,
		BasicConstraintsValid: true,
		IsCA:                  s.ca,
		DNSNames:              s.dns,
		PermittedDNSDomains:   s.permitted,
		ExtKeyUsage:           s.eku,
	}
	if s.ca {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	} else {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	}
	if parent == nil {
		parent, parentKey = tmpl, s.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, s.key.Public(), parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestIssuingCAOutsideItsValidity(t *testing.T) {
	root := mkcert(t, certSpec{cn: "Root", ca: true, key: testKey(0), from: now.AddDate(-5, 0, 0), to: now.AddDate(10, 0, 0)}, nil, nil)
	old := mkcert(t, certSpec{cn: "Old CA", ca: true, key: testKey(1), from: now.AddDate(-3, 0, 0), to: now.AddDate(0, 0, -1)}, root, testKey(0))
	future := mkcert(t, certSpec{cn: "Future CA", ca: true, key: testKey(2), from: now.AddDate(0, 0, 1), to: now.AddDate(3, 0, 0)}, root, testKey(0))
	leafOld := mkcert(t, certSpec{cn: "dev-old", key: testKey(3), from: now.AddDate(-2, 0, 0), to: now.AddDate(1, 0, 0)}, old, testKey(1))
	leafFuture := mkcert(t, certSpec{cn: "dev-future", key: testKey(3), from: now.AddDate(0, 0, 2), to: now.AddDate(1, 0, 0)}, future, testKey(2))
	v, err := New(Config{Roots: []*x509.Certificate{root}, Intermediates: []*x509.Certificate{old, future}, Time: now})
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Verify(leafOld, nil, DeviceIdentity); got.Status != Expired || got.Reason[:len(`issuing CA "Old CA" expired`)] != `issuing CA "Old CA" expired` {
		t.Errorf("leaf under an expired CA: got %s (%s)", got.Status, got.Reason)
	}
	if got := v.Verify(leafFuture, nil, DeviceIdentity); got.Status != NotYetValid {
		t.Errorf("leaf under a future CA: got %s (%s)", got.Status, got.Reason)
	}
}

func TestLoopsAndLongChainsAreUntrusted(t *testing.T) {
	root := mkcert(t, certSpec{cn: "Root", ca: true, key: testKey(0)}, nil, nil)
	// Two CAs that certify each other, neither reaching the root.
	a := mkcert(t, certSpec{cn: "CA A", ca: true, key: testKey(1)}, &x509.Certificate{Subject: pkix.Name{CommonName: "CA B"}}, testKey(2))
	b := mkcert(t, certSpec{cn: "CA B", ca: true, key: testKey(2)}, &x509.Certificate{Subject: pkix.Name{CommonName: "CA A"}}, testKey(1))
	loopLeaf := mkcert(t, certSpec{cn: "dev-loop", key: testKey(3)}, a, testKey(1))

	// A chain of 40 intermediates below the root.
	chain := []*x509.Certificate{}
	parent, parentKey := root, testKey(0)
	for i := range 40 {
		c := mkcert(t, certSpec{cn: "Level " + string(rune('A'+i%26)) + string(rune('a'+i/26)), ca: true, key: testKey(4 + i%2), serial: int64(i + 2)}, parent, parentKey)
		chain = append(chain, c)
		parent, parentKey = c, testKey(4+i%2)
	}
	deepLeaf := mkcert(t, certSpec{cn: "dev-deep", key: testKey(3)}, parent, parentKey)

	v, err := New(Config{Roots: []*x509.Certificate{root}, Intermediates: append([]*x509.Certificate{a, b}, chain...), Time: now})
	if err != nil {
		t.Fatal(err)
	}
	for _, leaf := range []*x509.Certificate{loopLeaf, deepLeaf} {
		got := v.Verify(leaf, nil, DeviceIdentity)
		if got.Status != Untrusted || got.Reason == "" {
			t.Errorf("%s: got %s (%s), want untrusted with a reason", leaf.Subject.CommonName, got.Status, got.Reason)
		}
	}
	// Within the limit, a moderately long chain is fine.
	v2, err := New(Config{Roots: []*x509.Certificate{root}, Intermediates: chain[:5], Time: now})
	if err != nil {
		t.Fatal(err)
	}
	mid := mkcert(t, certSpec{cn: "dev-mid", key: testKey(3)}, chain[4], testKey(4))
	if got := v2.Verify(mid, nil, DeviceIdentity); got.Status != Valid || len(got.Chain) != 7 {
		t.Errorf("chain of 7: got %s (%s), %d certificates", got.Status, got.Reason, len(got.Chain))
	}
}

// TestShortcutNeverChangesAVerdict verifies a population twice, with and
// without the anchored fast path, including name constraints on the root
// (which the fast path must not skip) and leaves that would be trusted only
// through them.
func TestShortcutNeverChangesAVerdict(t *testing.T) {
	root := mkcert(t, certSpec{cn: "Root", ca: true, key: testKey(0), permitted: []string{".plant.example"}}, nil, nil)
	ca := mkcert(t, certSpec{cn: "Issuing CA", ca: true, key: testKey(1)}, root, testKey(0))
	ca2 := mkcert(t, certSpec{cn: "Issuing CA 2", ca: true, key: testKey(2), eku: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, root, testKey(0))
	var items []Item
	for i := range 30 {
		dns := "d" + string(rune('a'+i)) + ".plant.example"
		if i%5 == 0 {
			dns = "d" + string(rune('a'+i)) + ".evil.example" // outside the root's constraints
		}
		from, to := time.Time{}, time.Time{}
		if i%7 == 0 {
			from, to = now.AddDate(-2, 0, 0), now.AddDate(-1, 0, 0)
		}
		parent, pk := ca, testKey(1)
		if i%3 == 0 {
			parent, pk = ca2, testKey(2)
		}
		items = append(items, Item{Name: dns, Cert: mkcert(t, certSpec{cn: dns, key: testKey(3 + i%4), dns: []string{dns}, serial: int64(100 + i), from: from, to: to}, parent, pk)})
	}
	verify := func(shortcut bool) []Result {
		v, err := New(Config{Roots: []*x509.Certificate{root}, Intermediates: []*x509.Certificate{ca, ca2}, Time: now})
		if err != nil {
			t.Fatal(err)
		}
		v.shortcut = shortcut
		rs, err := v.VerifyAll(t.Context(), items, DeviceIdentity)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	fast, slow := verify(true), verify(false)
	untrusted := 0
	for i := range items {
		if fast[i].Status != slow[i].Status || fast[i].Reason != slow[i].Reason {
			t.Errorf("%s: fast path %s (%s), full path %s (%s)", items[i].Name, fast[i].Status, fast[i].Reason, slow[i].Status, slow[i].Reason)
		}
		if fast[i].Status == Untrusted {
			untrusted++
		}
	}
	if untrusted != 6 {
		t.Errorf("%d untrusted, want the 6 outside the root's name constraints", untrusted)
	}
}
