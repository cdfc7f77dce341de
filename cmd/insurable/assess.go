package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/assessment"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/decision"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/profile"
	"github.com/insurable/insurable/protocol"
	"github.com/insurable/insurable/report"
	"github.com/insurable/insurable/scan"
)

func (a *App) assessCommand() *cobra.Command {
	var (
		out      output
		profName string
		asOf     string
		outFile  string
		color    string
		verbose  bool
		cfg      assessConfig
	)
	cmd := &cobra.Command{
		Use:   "assess BUNDLE",
		Short: "Assess a firm's evidence bundle and decide insurability",
		Long: `assess verifies a firm's evidence bundle against every item of the Protocol
catalog, decides insurability under an underwriting profile, and writes the
gap-remediation plan.

The decision is declined, conditional or insurable, with a tier and a score,
and an explanation that names every gate and requirement that drove it. Each
requirement's verdict lists the findings it rests on, with the evidence
(file, line, field) behind each.

The result is deterministic: --as-of fixes the date that counts as today
(without it, the snapshot_date the bundle declares, else today), and the output records the digests of the bundle, the catalog, the profile
and the advisory feeds, so the same inputs always give byte-identical JSON.

Exit status: 0 insurable, 1 conditional, 2 declined; 3 usage error, 4 invalid
or unsafe input, 5 input not found, 6 internal error.

The bundle format is described in docs/evidence-bundle.md, profiles in
docs/profiles.md and the JSON result in docs/assessment-result.md.`,
		Example: `  insurable assess examples/keystone-precision
  insurable assess examples/riverbend-water --profile critical-infrastructure
  insurable assess ./bundle --as-of 2026-06-30 -o json --out result.json
  insurable assess ./bundle -o html --out report.html`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			var day evidence.Date
			if asOf != "" {
				d, err := evidence.ParseDate(asOf)
				if err != nil {
					return usagef("--as-of: %v", err)
				}
				day = d
			}
			useColor, err := colorChoice(color, outFile == "" && isTerminal(a.Stdout))
			if err != nil {
				return err
			}
			cat := protocol.Default()
			prof, err := profile.Load(profName, cat)
			if err != nil {
				return err
			}
			// An assessment allocates in bursts and then exits: collect
			// garbage less often, but never let the heap pass 1.5 GiB.
			defer debug.SetGCPercent(debug.SetGCPercent(400))
			defer debug.SetMemoryLimit(debug.SetMemoryLimit(1536 << 20))
			v, err := a.verifiers(&cfg)
			if err != nil {
				return err
			}
			bar := a.progress(int64(30), "assessing")
			res, err := assessment.Run(cmd.Context(), assessment.Options{
				Dir: args[0], Catalog: cat, Profile: prof, AsOf: day, Today: evidence.NewDate(a.Now()), Verifiers: v, Feeds: cfg.Feeds,
				Tool: assessment.Tool{Name: "insurable", Version: toolVersion()}, Log: a.Log,
				OnCheck: func(done, total int, name string) {
					bar.ChangeMax(total)
					bar.Set(done)
					bar.Describe(name)
				},
			})
			bar.Finish()
			if err != nil {
				return err
			}
			a.Log.Info("assessed", "firm", res.Firm.ID, "outcome", res.Decision.Outcome, "tier", res.Decision.Tier, "score", res.Decision.Score)
			var buf bytes.Buffer
			switch out.format {
			case "json":
				err = report.JSON(&buf, res)
			case "html":
				err = report.HTML(&buf, res)
			default:
				err = report.Text(&buf, res, report.TextOptions{Color: useColor, Verbose: verbose})
			}
			if err != nil {
				return insurable.Wrap("assess", insurable.Internal, err)
			}
			if err := writeOutput(a.Stdout, outFile, buf.Bytes()); err != nil {
				return err
			}
			a.exit = map[decision.Outcome]int{decision.Insurable: insurable.ExitInsurable, decision.Conditional: insurable.ExitConditional, decision.Declined: insurable.ExitDeclined}[res.Decision.Outcome]
			return nil
		},
	}
	out.register(cmd, "text", "text", "json", "html")
	cmd.Flags().StringVar(&profName, "profile", "baseline", "underwriting profile: a built-in name ("+strings.Join(profile.Builtin(), ", ")+") or a YAML file")
	cmd.Flags().StringVar(&asOf, "as-of", "", "date that counts as today, YYYY-MM-DD (default: the bundle's snapshot_date, else today in UTC)")
	cmd.Flags().StringVar(&outFile, "out", "", "write the report to this file instead of standard output")
	cmd.Flags().StringVar(&color, "color", "auto", "colour the text report: auto, always, never")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list passing findings too in the text report")
	cmd.Flags().StringVar(&cfg.FeedsDir, "feeds", "", "directory of advisory, KEV and vulnerability feed snapshots (default: the snapshot built in)")
	return cmd
}

// verifiers assembles the verifiers of machine evidence this build has.
func (a *App) verifiers(cfg *assessConfig) (check.Verifiers, error) {
	v := check.Verifiers{Scans: scan.Reader{}}
	if err := a.addVulnerabilityAssessor(&v, cfg); err != nil {
		return v, err
	}
	if err := a.addCryptoVerifiers(&v, cfg); err != nil {
		return v, err
	}
	return v, nil
}

func colorChoice(flag string, auto bool) (bool, error) {
	switch flag {
	case "auto":
		return auto && os.Getenv("NO_COLOR") == "", nil
	case "always":
		return true, nil
	case "never":
		return false, nil
	}
	return false, usagef("--color %q: want auto, always or never", flag)
}

// writeOutput writes data to stdout, or atomically to a file: the file
// appears whole or not at all.
func writeOutput(stdout io.Writer, file string, data []byte) error {
	if file == "" {
		_, err := stdout.Write(data)
		return err
	}
	dir := filepath.Dir(file)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(file)+".*")
	if err != nil {
		return &insurable.Error{Op: "write", Kind: insurable.Invalid, Path: file, Err: err}
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return &insurable.Error{Op: "write", Kind: insurable.Internal, Path: file, Err: err}
	}
	if err := tmp.Close(); err != nil {
		return &insurable.Error{Op: "write", Kind: insurable.Internal, Path: file, Err: err}
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return &insurable.Error{Op: "write", Kind: insurable.Internal, Path: file, Err: err}
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return &insurable.Error{Op: "write", Kind: insurable.Internal, Path: file, Err: fmt.Errorf("rename: %w", err)}
	}
	return nil
}
