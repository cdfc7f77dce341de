package main

import (
	"github.com/spf13/cobra"

	"github.com/insurable/insurable/check"
)

// cryptoCommands returns the commands that make and verify keys,
// certificates and signatures.
func (a *App) cryptoCommands() []*cobra.Command { return nil }

// addCryptoVerifiers installs the certificate, firmware, platform, hardware
// and attestation verifiers the assess command uses.
func (a *App) addCryptoVerifiers(v *check.Verifiers, cfg *assessConfig) error { return nil }
