package cryptoevidence

import (
	"context"
	"fmt"
	"math/big"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/internal/cputime"
	"github.com/insurable/insurable/keys"
)

// BenchmarkBundleCertificates measures VerifyDeviceCertificates on a bundle
// of 100,000 devices, one certificate file each, with a 10,000-entry CRL:
// reading and parsing every file, checking the CRL, path validation,
// revocation, policy and duplicate keys, and tying each certificate to its
// asset. INSURABLE_BENCH_DEVICES changes the fleet size.
func BenchmarkBundleCertificates(b *testing.B) {
	n := 100_000
	if s := os.Getenv("INSURABLE_BENCH_DEVICES"); s != "" {
		fmt.Sscan(s, &n)
	}
	dir := b.TempDir()
	now := time.Now()
	w, err := NewWriter(dir, WriterOptions{Organization: "Bench Org", Now: now})
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, n)
	var inv strings.Builder
	inv.WriteString("asset_id,class,vendor,product,version,ip\n")
	for i := range ids {
		ids[i] = fmt.Sprintf("dev-%06d", i)
		fmt.Fprintf(&inv, "%s,plc,Acme,PLC,1.0,10.%d.%d.%d\n", ids[i], i>>16, (i>>8)&255, i&255)
	}
	files := map[string]string{
		"bundle.yaml":          "format: insurable.evidence/v1\n",
		"firm.yaml":            "id: bench\nname: Bench Org\nnaics: \"221310\"\nsites: [{id: s, name: S}]\n",
		"inventory/assets.csv": inv.String(),
	}
	for rel, content := range files {
		if err := w.write(rel, []byte(content)); err != nil {
			b.Fatal(err)
		}
	}
	if err := parallel(n, func(i int) error { return w.validDevice(ids[i]) }); err != nil {
		b.Fatal(err)
	}
	var revoked []keys.Revocation
	for i := range 10_000 {
		revoked = append(revoked, keys.Revocation{Serial: big.NewInt(int64(1_000_000 + i)), Time: now.Add(-time.Hour), Reason: 1})
	}
	der, err := w.CA.CRL(keys.CRLOptions{Revoked: revoked, ThisUpdate: now.Add(-time.Hour), NextUpdate: now.AddDate(0, 0, 30), Number: big.NewInt(2)})
	if err != nil {
		b.Fatal(err)
	}
	if err := w.write(DirCRL+"/issuing-ca.crl.pem", keys.MarshalCRL(der)); err != nil {
		b.Fatal(err)
	}
	rootCRL, _ := w.Root.CRL(keys.CRLOptions{ThisUpdate: now.Add(-time.Hour), NextUpdate: now.AddDate(0, 0, 30), Number: big.NewInt(2)})
	if err := w.write(DirCRL+"/root.crl.pem", keys.MarshalCRL(rootCRL)); err != nil {
		b.Fatal(err)
	}
	bun, err := evidence.Load(dir, evidence.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer bun.Close()
	if got := len(bun.Files["pki"]); got < n {
		b.Fatalf("%d files under pki", got)
	}
	b.ResetTimer()
	cpu0 := cputime.Used()
	for range b.N {
		rep, err := New().VerifyDeviceCertificates(context.Background(), bun, evidence.NewDate(now))
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Results) != n || len(rep.Missing) != 0 || rep.Results[n-1].Status != "valid" {
			b.Fatalf("%d results, %d missing, last %+v", len(rep.Results), len(rep.Missing), rep.Results[n-1])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/fleet")
	// Processor time per fleet divided by the cores: the wall time on
	// dedicated cores, whatever else the machine runs.
	b.ReportMetric(float64((cputime.Used()-cpu0).Milliseconds())/float64(b.N)/float64(runtime.GOMAXPROCS(0)), "cpu-ms/core/fleet")
}
