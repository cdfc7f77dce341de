package assessment_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/insurable/insurable/assessment"
	"github.com/insurable/insurable/demo"
	"github.com/insurable/insurable/profile"
	"github.com/insurable/insurable/protocol"
)

// BenchmarkAssess assesses generated fleets of 10,000 and 100,000 devices
// with every verifier this package's tests can build. Generation is outside
// the timer.
func BenchmarkAssess(b *testing.B) {
	p, err := profile.Load("baseline", protocol.Default())
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range benchSizes {
		dir := filepath.Join(b.TempDir(), fmt.Sprint(n))
		if err := demo.Generate(demo.Options{Scenario: demo.Typical, Devices: n, Seed: 7, AsOf: asOf, Out: dir, Crypto: benchCrypto()}); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("devices=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := assessment.Run(context.Background(), assessment.Options{Dir: dir, Profile: p, Verifiers: benchVerifiers()}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

var benchSizes = []int{10_000, 100_000}
