package demo

// CryptoMaker makes the cryptographic evidence of a generated bundle.
type CryptoMaker interface {
	MakeCrypto(req CryptoRequest) error
}

// CryptoRequest says what cryptographic evidence a bundle needs.
type CryptoRequest struct {
	Dir string
	// Defects asks for a few deliberately bad certificates, artifacts and
	// deployments, as a firm that is not well run would have.
	Defects bool
}

func (g *generator) writeCrypto() error {
	return g.opts.Crypto.MakeCrypto(CryptoRequest{Dir: g.dir, Defects: g.opts.Scenario != Manufacturer})
}
