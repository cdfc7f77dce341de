package assessment_test

import (
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/demo"
	"github.com/insurable/insurable/scan"
)

// benchVerifiers are the verifiers the benchmark runs with.
func benchVerifiers() check.Verifiers { return check.Verifiers{Scans: scan.Reader{}} }

// benchCrypto makes the cryptographic evidence of benchmark bundles.
func benchCrypto() demo.CryptoMaker { return nil }
