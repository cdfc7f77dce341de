package probe

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/insurable/insurable/scan"
)

// BenchmarkEnumerate measures the full TLS enumeration of one endpoint
// (detection, every version and suite, groups, certificate and client
// authentication) against openssl s_server.
//
//	go test ./probe -run '^$' -bench Enumerate -benchtime 20x
func BenchmarkEnumerate(b *testing.B) {
	configs := []struct {
		name string
		args []string
	}{
		{"openssl defaults", nil},
		{"openssl TLS 1.0-1.2 all legacy suites", []string{"-no_tls1_3", "-cipher", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"}},
	}
	for _, c := range configs {
		b.Run(c.name, func(b *testing.B) {
			port := opensslServer(b, c.args...)
			cfg := (&Config{Rate: 1e6, Timeout: 3 * time.Second}).withDefaults()
			lim := rate.NewLimiter(rate.Limit(cfg.Rate), 1)
			conns, suitesFound := 0, 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s := newSession("127.0.0.1", port, &cfg, lim)
				ok, _, err := TLS{}.detect(context.Background(), s)
				if !ok || err != nil {
					b.Fatal("not TLS", err)
				}
				res, errs := TLS{}.Enumerate(context.Background(), s)
				if len(errs) > 0 {
					b.Fatal(errs)
				}
				conns += s.Connections()
				suitesFound = 0
				for _, v := range res.Versions {
					suitesFound += len(v.Ciphers)
				}
			}
			b.ReportMetric(float64(conns)/float64(b.N), "conns/op")
			b.ReportMetric(float64(suitesFound), "suites")
		})
	}
}

// goTLSFarm serves HTTPS from one Go crypto/tls server on n loopback
// listeners and returns their targets.
func goTLSFarm(b *testing.B, n int) []Target {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "farm"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		b.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }),
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          nil,
	}
	srv.ErrorLog = nil
	var targets []Target
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		go func() { _ = srv.Serve(tls.NewListener(l, cfg)) }()
		tg, _ := ParseTarget(l.Addr().String())
		targets = append(targets, tg)
	}
	b.Cleanup(func() { srv.Close() })
	return targets
}

// BenchmarkRun1000 probes 1,000 HTTPS endpoints (one Go server on 1,000
// listeners) with the whole detection and TLS enumeration.
//
//	go test ./probe -run '^$' -bench Run1000 -benchtime 1x
func BenchmarkRun1000(b *testing.B) {
	targets := goTLSFarm(b, 1000)
	runs := []struct {
		name string
		cfg  Config
	}{
		{"defaults (concurrency 32, rate 1000)", Config{}},
		{"concurrency 64, rate 10000", Config{Concurrency: 64, Rate: 1e4}},
		{"concurrency 256, rate 100000", Config{Concurrency: 256, Rate: 1e5}},
	}
	for _, r := range runs {
		b.Run(r.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				f, err := Run(context.Background(), r.cfg, targets)
				if err != nil {
					b.Fatal(err)
				}
				if len(f.Endpoints) != len(targets) {
					b.Fatalf("%d endpoints", len(f.Endpoints))
				}
				for _, e := range f.Endpoints {
					if e.Protocol != "https" || !tlsOffered(e.TLS, "TLSv1.3") || len(e.Errors) > 0 {
						b.Fatalf("endpoint %s:%d: %s %v", e.Host, e.Port, e.Protocol, e.Errors)
					}
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/run")
		})
	}
}

func tlsOffered(r *scan.TLSResult, v string) bool {
	if r == nil {
		return false
	}
	for _, x := range r.Versions {
		if x.Version == v {
			return x.Offered
		}
	}
	return false
}
