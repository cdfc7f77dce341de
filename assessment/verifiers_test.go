package assessment_test

import (
	"sync"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/cryptoevidence"
	"github.com/insurable/insurable/demo"
	"github.com/insurable/insurable/feeds"
	"github.com/insurable/insurable/scan"
	"github.com/insurable/insurable/vulnassess"
)

var (
	snapOnce sync.Once
	snap     *feeds.Snapshot
	snapErr  error
)

// benchVerifiers are every verifier insurable assess uses, over the
// embedded feed snapshot.
func benchVerifiers() check.Verifiers {
	snapOnce.Do(func() { snap, snapErr = feeds.Embedded(feeds.PartAll) })
	if snapErr != nil {
		panic(snapErr)
	}
	v := check.Verifiers{Scans: scan.Reader{}, Vulnerabilities: vulnassess.New(snap)}
	cryptoevidence.New().Install(&v)
	return v
}

// benchCrypto makes the cryptographic evidence of benchmark bundles.
func benchCrypto() demo.CryptoMaker { return makeCrypto{} }

type makeCrypto struct{}

func (makeCrypto) MakeCrypto(req demo.CryptoRequest) error {
	return cryptoevidence.MakeDemo(req.Dir, cryptoevidence.DemoOptions{Defects: req.Defects})
}
