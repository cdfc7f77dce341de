package pki

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/insurable/insurable/internal/cputime"
)

// fleet is a generated population of device certificates under one issuing
// CA, with a CRL of the issuing CA, all as DER as they would be read from
// files.
type fleet struct {
	root, inter *x509.Certificate
	devices     [][]byte
	crl         []byte
}

var (
	fleetMu    sync.Mutex
	fleetCache = map[string]*fleet{}
)

const (
	fleetSize  = 100_000
	crlEntries = 10_000
)

// makeFleet builds (once per process and issuer key type) fleetSize device
// certificates with their own ECDSA P-256 keys, and a CRL of crlEntries
// serials of which a tenth belong to the fleet.
func makeFleet(b *testing.B, issuerKey string) *fleet {
	fleetMu.Lock()
	defer fleetMu.Unlock()
	if f := fleetCache[issuerKey]; f != nil {
		return f
	}
	b.Logf("generating %d device certificates under a %s issuing CA…", fleetSize, issuerKey)
	rootKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	var interKey crypto.Signer
	switch issuerKey {
	case "rsa-2048":
		interKey, _ = rsa.GenerateKey(rand.Reader, 2048)
	default:
		interKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	start := time.Now().Add(-24 * time.Hour)
	rootT := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Bench Root"}, NotBefore: start, NotAfter: start.AddDate(20, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	rootDER, _ := x509.CreateCertificate(rand.Reader, rootT, rootT, rootKey.Public(), rootKey)
	root, _ := x509.ParseCertificate(rootDER)
	interT := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Bench Device CA"}, NotBefore: start, NotAfter: start.AddDate(10, 0, 0),
		IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	interDER, err := x509.CreateCertificate(rand.Reader, interT, root, interKey.Public(), rootKey)
	if err != nil {
		b.Fatal(err)
	}
	inter, _ := x509.ParseCertificate(interDER)

	f := &fleet{root: root, inter: inter, devices: make([][]byte, fleetSize)}
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < fleetSize; i += workers {
				k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
				t := &x509.Certificate{SerialNumber: big.NewInt(int64(1_000_000 + i)), Subject: pkix.Name{CommonName: fmt.Sprintf("dev-%06d", i)},
					DNSNames: []string{fmt.Sprintf("dev-%06d.plant.example", i)}, NotBefore: start, NotAfter: start.AddDate(2, 0, 0),
					KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
				der, err := x509.CreateCertificate(rand.Reader, t, inter, k.Public(), interKey)
				if err != nil {
					panic(err)
				}
				f.devices[i] = der
			}
		}()
	}
	wg.Wait()
	var entries []x509.RevocationListEntry
	for i := range crlEntries {
		serial := int64(5_000_000 + i) // revoked devices no longer in the fleet
		if i%10 == 0 {
			serial = int64(1_000_000 + i*7) // and some that are
		}
		entries = append(entries, x509.RevocationListEntry{SerialNumber: big.NewInt(serial), RevocationTime: start, ReasonCode: 1})
	}
	f.crl, err = x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: start, NextUpdate: start.AddDate(0, 1, 0), RevokedCertificateEntries: entries}, inter, interKey)
	if err != nil {
		b.Fatal(err)
	}
	fleetCache[issuerKey] = f
	return f
}

// BenchmarkVerifyFleet measures the whole job for 100,000 device
// certificates: parsing each certificate and the 10,000-entry CRL from DER,
// checking the CRL, and verifying every certificate with duplicate-key
// detection. The target is 3 s per operation on 2 cores.
func BenchmarkVerifyFleet(b *testing.B) { benchmarkFleet(b, true) }

// BenchmarkVerifyFleetWithoutShortcut is BenchmarkVerifyFleet with every
// certificate validated through its whole path, to show what the anchored
// fast path saves.
func BenchmarkVerifyFleetWithoutShortcut(b *testing.B) { benchmarkFleet(b, false) }

func benchmarkFleet(b *testing.B, shortcut bool) {
	for _, issuer := range []string{"ecdsa-p256", "rsa-2048"} {
		b.Run("issuer="+issuer, func(b *testing.B) {
			f := makeFleet(b, issuer)
			b.ResetTimer()
			cpu0 := cputime.Used()
			for range b.N {
				crl, err := ParseCRLs("crl.der", f.crl)
				if err != nil {
					b.Fatal(err)
				}
				v, err := New(Config{Roots: []*x509.Certificate{f.root}, Intermediates: []*x509.Certificate{f.inter}, CRLs: []CRL{{File: "crl.der", List: crl[0]}}, Time: time.Now()})
				if err != nil {
					b.Fatal(err)
				}
				v.shortcut = shortcut
				items := make([]Item, len(f.devices))
				parse(items, f.devices)
				results, err := v.VerifyAll(context.Background(), items, DeviceIdentity)
				if err != nil {
					b.Fatal(err)
				}
				revoked := 0
				for _, r := range results {
					switch r.Status {
					case Valid:
					case Revoked:
						revoked++
					default:
						b.Fatalf("unexpected %s: %s", r.Status, r.Reason)
					}
				}
				if revoked != crlEntries/10 {
					b.Fatalf("%d revoked", revoked)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/fleet")
			// Processor time per fleet divided by the cores: the wall time on
			// dedicated cores, whatever else the machine runs.
			b.ReportMetric(float64((cputime.Used()-cpu0).Milliseconds())/float64(b.N)/float64(runtime.GOMAXPROCS(0)), "cpu-ms/core/fleet")
		})
	}
}

// parse reads the DER certificates concurrently, as the bundle reader does.
func parse(items []Item, ders [][]byte) {
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(ders); i += workers {
				c, err := ParseCertificates("dev.der", ders[i])
				items[i] = Item{Name: fmt.Sprint(i), Err: err}
				if err == nil {
					items[i].Cert = c[0]
				}
			}
		}()
	}
	wg.Wait()
}
