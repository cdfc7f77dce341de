package main

import (
	"github.com/spf13/cobra"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/cryptoevidence"
	"github.com/insurable/insurable/demo"
)

// cryptoCommands returns the commands that make and verify keys,
// certificates and signatures.
func (a *App) cryptoCommands() []*cobra.Command {
	return []*cobra.Command{a.verifyCommand(), a.keysCommand(), a.signCommand()}
}

// addCryptoVerifiers installs the certificate, firmware, platform, hardware
// and attestation verifiers the assess command uses.
func (a *App) addCryptoVerifiers(v *check.Verifiers, cfg *assessConfig) error {
	cryptoevidence.New().Install(v)
	return nil
}

// cryptoMaker returns what makes the keys, certificates and signatures of
// generated bundles, or nil when this build cannot.
func (a *App) cryptoMaker() demo.CryptoMaker { return demoCrypto{} }

// demoCrypto writes the cryptographic evidence of a generated bundle.
type demoCrypto struct{}

func (demoCrypto) MakeCrypto(req demo.CryptoRequest) error {
	return cryptoevidence.MakeDemo(req.Dir, cryptoevidence.DemoOptions{Defects: req.Defects})
}
