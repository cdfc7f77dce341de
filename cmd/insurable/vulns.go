package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/feeds"
	"github.com/insurable/insurable/vulnassess"
)

// vulnerabilityCommands returns the commands about advisories, SBOMs and
// feeds.
func (a *App) vulnerabilityCommands() []*cobra.Command {
	vulns := &cobra.Command{
		Use:   "vulns",
		Short: "Match inventories and SBOMs against ICS advisories, KEV and OSV records",
		Long: `Match asset inventories against CSAF security advisories (the CISA ICS
advisories are built in), enriched with CISA's Known Exploited Vulnerabilities
catalogue and EPSS scores; match SBOMs against OSV records; and find which
assets a new advisory affects without rescanning. docs/vulnerabilities.md
explains how names and version ranges are matched.`,
	}
	vulns.AddCommand(a.vulnsMatchCommand(), a.vulnsSBOMCommand(), a.vulnsImpactCommand())
	sbom := &cobra.Command{
		Use:   "sbom",
		Short: "Validate and summarise SBOMs (CycloneDX 1.2–1.6 and SPDX 2.2/2.3 JSON)",
	}
	sbom.AddCommand(a.sbomValidateCommand(), a.sbomShowCommand())
	fd := &cobra.Command{
		Use:   "feeds",
		Short: "Show or refresh the advisory, KEV, EPSS and OSV feed snapshot",
		Long: `A feed snapshot holds the CSAF advisories, the CISA KEV catalogue, EPSS
scores and OSV records that matching uses. One is built into the binary;
"insurable feeds update --from DIR" builds a newer one from files you supply.
Commands use, in order: --feeds DIR, the INSURABLE_FEEDS directory, the
snapshot "feeds update" last wrote to the user's data directory, and the
built-in snapshot. docs/feeds.md describes the format.`,
	}
	fd.AddCommand(a.feedsUpdateCommand(), a.feedsShowCommand())
	return []*cobra.Command{vulns, sbom, fd}
}

// addVulnerabilityAssessor installs the vulnerability assessor the assess
// command uses.
func (a *App) addVulnerabilityAssessor(v *check.Verifiers, cfg *assessConfig) error {
	s, where, err := a.loadSnapshot(cfg.FeedsDir, feeds.PartAll)
	if err != nil {
		return err
	}
	a.Log.Info("vulnerability feeds", "snapshot", where)
	v.Vulnerabilities = vulnassess.New(s)
	cfg.Feeds = append(cfg.Feeds, s.Manifest.Digests()...)
	return nil
}

// envFeeds names the environment variable that points at a snapshot.
const envFeeds = "INSURABLE_FEEDS"

// defaultFeedsDir is where "feeds update" writes when not told: the user's
// data directory.
func defaultFeedsDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "insurable", "feeds")
	}
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		if d, err := os.UserConfigDir(); err == nil {
			return filepath.Join(d, "insurable", "feeds")
		}
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "insurable", "feeds")
	}
	return ""
}

// loadSnapshot loads the feeds snapshot: from dir when given, else from
// $INSURABLE_FEEDS, else from the user's data directory when "feeds update"
// wrote one there, else the built-in one. It returns where it came from.
func (a *App) loadSnapshot(dir string, parts feeds.Part) (*feeds.Snapshot, string, error) {
	if dir == "" {
		dir = os.Getenv(envFeeds)
	}
	if dir == "" {
		if d := defaultFeedsDir(); d != "" {
			if _, err := os.Stat(filepath.Join(d, feeds.FileManifest)); err == nil {
				dir = d
			}
		}
	}
	if dir == "" {
		s, err := feeds.Embedded(parts)
		return s, feeds.EmbeddedName, err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		kind := insurable.Invalid
		if errors.Is(err, fs.ErrNotExist) {
			kind = insurable.NotExist
		}
		return nil, "", &insurable.Error{Op: "feeds", Kind: kind, Path: dir, Msg: "feeds snapshot not found", Err: err}
	}
	if !fi.IsDir() {
		return nil, "", insurable.FileError("feeds", insurable.Invalid, dir, 0, "a feeds snapshot is a directory")
	}
	s, err := feeds.Load(os.DirFS(dir), dir, parts)
	return s, dir, err
}
