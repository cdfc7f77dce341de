package main

import (
	"github.com/spf13/cobra"
)

func (a *App) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "insurable",
		Short: "Verify IIoT security evidence and decide insurability",
		Long: `insurable puts the IIoT Safety and Security Digital Protocol into operation.

A firm keeps an evidence bundle (inventory, registers, governance records,
metrics, SBOMs, certificates, signed firmware, scans). insurable verifies that
evidence against every requirement of the Protocol, decides insurability and
tier under an insurer's underwriting profile, and writes the plan that closes
every gap. The same evidence, Protocol version, profile and feed snapshot
always give the same result.

Start with:
  insurable assess examples/keystone-precision
  insurable protocol list`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if err := a.setupLogging(); err != nil {
				return err
			}
			return a.startProfile()
		},
		PersistentPostRunE: func(cmd *cobra.Command, args []string) error {
			a.stopProfile()
			return nil
		},
	}
	root.PersistentFlags().StringVar(&a.logLevel, "log-level", "warn", "log level: debug, info, warn, error")
	root.PersistentFlags().StringVar(&a.logFormat, "log-format", "text", "log format on stderr: text or json")
	root.PersistentFlags().StringVar(&a.cpuProfile, "cpuprofile", "", "write a CPU profile of the command to this file (for performance work)")
	root.PersistentFlags().MarkHidden("cpuprofile")
	root.AddCommand(
		a.assessCommand(),
		a.protocolCommand(),
		a.demoCommand(),
		a.versionCommand(),
		a.probeCommand(),
		a.serveCommand(),
		a.ledgerCommand(),
	)
	root.AddCommand(a.vulnerabilityCommands()...)
	root.AddCommand(a.cryptoCommands()...)
	return root
}
