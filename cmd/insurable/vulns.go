package main

import (
	"github.com/spf13/cobra"

	"github.com/insurable/insurable/check"
)

// vulnerabilityCommands returns the commands about advisories, SBOMs and
// feeds.
func (a *App) vulnerabilityCommands() []*cobra.Command { return nil }

// addVulnerabilityAssessor installs the vulnerability assessor the assess
// command uses.
func (a *App) addVulnerabilityAssessor(v *check.Verifiers, cfg *assessConfig) error { return nil }
