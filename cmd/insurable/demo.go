package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/insurable/insurable/demo"
	"github.com/insurable/insurable/evidence"
)

func (a *App) demoCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Write demonstration evidence bundles",
	}
	cmd.AddCommand(a.demoGenerateCommand())
	return cmd
}

func (a *App) demoGenerateCommand() *cobra.Command {
	var (
		opts     demo.Options
		scenario string
		asOf     string
		noCrypto bool
	)
	cmd := &cobra.Command{
		Use:   "generate --devices N --seed S --out DIR",
		Short: "Write a synthetic evidence bundle of any size",
		Long: `generate writes a complete, realistic evidence bundle for a synthetic firm:
inventory of real ICS products named in CISA advisories, network
observations, risk register, governance records with signed attestations,
responsibility matrix, metrics, disclosure records, declarations, scan
results, and the firm's PKI, signed firmware, platform manifest and hardware
baselines.

The same --seed, --devices, --scenario and --as-of always give the same
evidence; the keys, certificates and signatures are made afresh each time
(Go's cryptography takes no seeded randomness), so only with --no-crypto is
the bundle the same byte for byte. Scenarios: typical (a mix; the default), water (a
water utility with old firmware and governance gaps) and manufacturer (a
well-run plant). The examples in examples/ were written by this command.`,
		Example: `  insurable demo generate --devices 100000 --seed 7 --out /tmp/fleet-100k
  insurable demo generate --scenario water --devices 150 --seed 1 --as-of 2026-11-26 --out examples/riverbend-water`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Scenario = demo.Scenario(scenario)
			opts.AsOf = evidence.NewDate(a.Now())
			if asOf != "" {
				d, err := evidence.ParseDate(asOf)
				if err != nil {
					return usagef("--as-of: %v", err)
				}
				opts.AsOf = d
			}
			if opts.Out == "" {
				return usagef("--out is required")
			}
			if !noCrypto {
				opts.Crypto = a.cryptoMaker()
			}
			bar := a.progress(int64(opts.Devices), "generating")
			opts.Progress = func(done, total int) { bar.Set(done) }
			err := demo.Generate(opts)
			bar.Finish()
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "wrote %s: %d devices, scenario %s, seed %d, snapshot %s\n", opts.Out, opts.Devices, opts.Scenario, opts.Seed, opts.AsOf)
			return nil
		},
	}
	cmd.Flags().IntVar(&opts.Devices, "devices", 1000, "number of inventoried devices")
	cmd.Flags().Uint64Var(&opts.Seed, "seed", 1, "seed of the pseudo-random choices")
	cmd.Flags().StringVar(&opts.Out, "out", "", "directory to create (must not exist unless --force)")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "replace --out if it exists")
	cmd.Flags().StringVar(&scenario, "scenario", "typical", "kind of firm: typical, water or manufacturer")
	cmd.Flags().StringVar(&asOf, "as-of", "", "snapshot date of the evidence, YYYY-MM-DD (default: today, UTC)")
	cmd.Flags().BoolVar(&noCrypto, "no-crypto", false, "leave out keys, certificates and signatures (faster; A2, A4, A7, A8 and signed attestations then fail)")
	cmd.Flags().StringVar(&opts.FirmID, "firm-id", "", "id of the synthetic firm (default: synthetic-SEED)")
	cmd.Flags().StringVar(&opts.FirmName, "firm-name", "", "name of the synthetic firm")
	return cmd
}
