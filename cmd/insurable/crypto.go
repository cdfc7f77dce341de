package main

import (
	"github.com/spf13/cobra"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/demo"
)

// cryptoCommands returns the commands that make and verify keys,
// certificates and signatures.
func (a *App) cryptoCommands() []*cobra.Command { return nil }

// addCryptoVerifiers installs the certificate, firmware, platform, hardware
// and attestation verifiers the assess command uses.
func (a *App) addCryptoVerifiers(v *check.Verifiers, cfg *assessConfig) error { return nil }

// cryptoMaker returns what makes the keys, certificates and signatures of
// generated bundles, or nil when this build cannot.
func (a *App) cryptoMaker() demo.CryptoMaker { return nil }
