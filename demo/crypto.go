package demo

// CryptoMaker makes the cryptographic evidence of a generated bundle.
type CryptoMaker interface {
	MakeCrypto(req CryptoRequest) error
}

// CryptoRequest says what cryptographic evidence a bundle needs.
type CryptoRequest struct {
	Dir string
}

func (g *generator) writeCrypto() error {
	return g.opts.Crypto.MakeCrypto(CryptoRequest{Dir: g.dir})
}
