package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/insurable/insurable/feeds"
)

func (a *App) feedsUpdateCommand() *cobra.Command {
	var from, to string
	var src feeds.Sources
	var requireHash bool
	var out output
	cmd := &cobra.Command{
		Use:   "update --from DIR",
		Short: "Build a feeds snapshot from advisories, KEV, EPSS and OSV files you supply",
		Long: `Read the feeds from DIR, laid out as advisories/ (CSAF 2.0 documents with
their .sha512 files, or a provider's ROLIE snapshot), kev/known_exploited_vulnerabilities.json,
epss/*.csv[.gz] and osv/; verify and validate every file; and write the
snapshot to --to (default: the user's data directory, which later commands
then use). Advisories that fail are left out and listed; the rest are kept.
The flags --advisories, --kev, --epss and --osv name sources elsewhere.`,
		Example: `  insurable feeds update --from ../shared/data
  insurable feeds update --from ./mirror --to ./feeds --require-hash`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			s := src
			if from != "" {
				found, err := feeds.SourcesIn(from)
				if err != nil && s.Advisories == "" {
					return err
				}
				if s.Advisories == "" {
					s.Advisories = found.Advisories
				}
				if s.KEV == "" {
					s.KEV = found.KEV
				}
				if s.EPSS == "" {
					s.EPSS = found.EPSS
				}
				if s.OSV == "" {
					s.OSV = found.OSV
				}
			}
			if s.Advisories == "" {
				return usagef("--from DIR or --advisories PATH is required")
			}
			if to == "" {
				to = defaultFeedsDir()
			}
			bar := a.progress(-1, "reading advisories")
			snap, err := feeds.Build(cmd.Context(), s, feeds.BuildOptions{RequireHash: requireHash, Progress: func(done, total int) {
				bar.ChangeMax(total)
				_ = bar.Set(done)
			}})
			_ = bar.Finish()
			if err != nil {
				return err
			}
			if err := feeds.Write(to, snap); err != nil {
				return err
			}
			if out.format == "json" {
				return writeJSON(a.Stdout, map[string]any{"snapshot": to, "feeds": snap.Manifest.Feeds, "rejected": nonNil(snap.Manifest.Rejected)})
			}
			abs, _ := filepath.Abs(to)
			fmt.Fprintf(a.Stdout, "Wrote the feeds snapshot to %s:\n%s", abs, feeds.Describe(&snap.Manifest))
			if n := len(snap.Manifest.Rejected); n > 0 {
				fmt.Fprintf(a.Stdout, "\n%d files were left out:\n", n)
				for _, p := range snap.Manifest.Rejected {
					fmt.Fprintf(a.Stdout, "  %s: %s\n", p.File, p.Reason)
				}
			}
			return nil
		},
	}
	out.register(cmd, "text", "text", "json")
	cmd.Flags().StringVar(&from, "from", "", "directory holding advisories/, kev/, epss/ and osv/")
	cmd.Flags().StringVar(&to, "to", "", "snapshot directory to write (default: the user's data directory)")
	cmd.Flags().StringVar(&src.Advisories, "advisories", "", "CSAF advisories: a directory, a ROLIE feed file or one advisory")
	cmd.Flags().StringVar(&src.KEV, "kev", "", "CISA KEV catalogue JSON")
	cmd.Flags().StringVar(&src.EPSS, "epss", "", "FIRST EPSS scores CSV, plain or gzipped")
	cmd.Flags().StringVar(&src.OSV, "osv", "", "directory of OSV records")
	cmd.Flags().BoolVar(&requireHash, "require-hash", false, "refuse advisories that have no .sha512 or .sha256 file")
	return cmd
}

func (a *App) feedsShowCommand() *cobra.Command {
	var dir string
	var out output
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Show which feeds snapshot commands use, with versions and digests",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			s, where, err := a.loadSnapshot(dir, 0)
			if err != nil {
				return err
			}
			if out.format == "json" {
				return writeJSON(a.Stdout, map[string]any{"snapshot": where, "feeds": s.Manifest.Feeds, "rejected": nonNil(s.Manifest.Rejected)})
			}
			fmt.Fprintf(a.Stdout, "Snapshot: %s\n%s", where, feeds.Describe(&s.Manifest))
			if n := len(s.Manifest.Rejected); n > 0 {
				fmt.Fprintf(a.Stdout, "%d source files were left out when it was built (feeds show -o json lists them).\n", n)
			}
			return nil
		},
	}
	out.register(cmd, "text", "text", "json")
	cmd.Flags().StringVar(&dir, "feeds", "", "feeds snapshot directory")
	return cmd
}
