package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/advisory"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/feeds"
	"github.com/insurable/insurable/osv"
	"github.com/insurable/insurable/sbom"
	"github.com/insurable/insurable/vulnassess"
	"github.com/insurable/insurable/vulnmatch"
)

// writeIndentedJSON writes v as indented JSON whose continuation lines
// start with prefix, without a final newline.
func writeIndentedJSON(w io.Writer, v any, prefix string) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(bytes.TrimRight(buf.Bytes(), "\n"))
	return err
}

// sbomFile is an SBOM as the sbom commands report it.
type sbomFile struct {
	File        string       `json:"file"`
	Format      string       `json:"format,omitempty"`
	SpecVersion string       `json:"spec_version,omitempty"`
	Valid       bool         `json:"valid"`
	Problem     string       `json:"problem,omitempty"`
	Subject     string       `json:"subject,omitempty"`
	Summary     sbom.Summary `json:"summary"`
}

// readSBOM reads, validates and summarises one SBOM file. The document is
// nil when the file cannot be read as an SBOM at all.
func readSBOM(path string) (*sbom.Document, sbomFile, error) {
	f := sbomFile{File: path}
	data, err := readInput(path)
	if err != nil {
		return nil, f, err
	}
	if err := sbom.Validate(path, data); err != nil {
		f.Problem = problemText(err)
	}
	d, err := sbom.Parse(path, data)
	if err != nil {
		if f.Problem == "" {
			f.Problem = problemText(err)
		}
		return nil, f, nil
	}
	f.Valid = f.Problem == ""
	f.Format, f.SpecVersion = d.Format, d.SpecVersion
	f.Summary = d.Summarise()
	if s := d.Subject; s != nil {
		f.Subject = strings.TrimSpace(strings.Join([]string{s.Supplier, s.Name, s.Version}, " "))
	}
	return d, f, nil
}

// problemText is an error's message without the op and the file name that
// the report already gives.
func problemText(err error) string {
	msg := err.Error()
	var e *insurable.Error
	if errors.As(err, &e) && e.Path != "" {
		if i := strings.Index(msg, e.Path+": "); i >= 0 {
			return msg[i+len(e.Path)+2:]
		}
	}
	return msg
}

func (a *App) sbomValidateCommand() *cobra.Command {
	var out output
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Validate SBOMs; exit 0 only when every one is valid",
		Long: `Validate CycloneDX JSON (specVersion 1.2 to 1.6) against the CycloneDX JSON
schemas, offline and with formats checked, plus the rules the schema cannot
state (unique bom-refs, dependencies that name existing components); and
SPDX 2.2/2.3 JSON against the fields the SPDX specification requires.
Exits 0 when every file is valid, 7 when one is not.`,
		Example: `  insurable sbom validate firmware-4.2.cdx.json
  insurable sbom validate sboms/*.json -o json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			var files []sbomFile
			for _, p := range args {
				_, f, err := readSBOM(p)
				if err != nil {
					f.Problem = problemText(err)
				}
				files = append(files, f)
			}
			bad := 0
			for _, f := range files {
				if !f.Valid {
					bad++
				}
			}
			if bad > 0 {
				a.exit = insurable.ExitVerifyFail
			}
			if out.format == "json" {
				return writeJSON(a.Stdout, struct {
					Valid bool       `json:"valid"`
					Files []sbomFile `json:"files"`
				}{bad == 0, files})
			}
			for _, f := range files {
				if f.Valid {
					fmt.Fprintf(a.Stdout, "%s: valid %s %s, %d components\n", f.File, f.Format, f.SpecVersion, f.Summary.Components)
				} else {
					fmt.Fprintf(a.Stdout, "%s: INVALID: %s\n", f.File, f.Problem)
				}
			}
			if bad > 0 {
				fmt.Fprintf(a.Stdout, "%d of %d files are not valid.\n", bad, len(files))
			}
			return nil
		},
	}
	out.register(cmd, "text", "text", "json")
	return cmd
}

func (a *App) sbomShowCommand() *cobra.Command {
	var out output
	cmd := &cobra.Command{
		Use:   "show FILE",
		Short: "Summarise an SBOM: what it describes and how specific its components are",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			d, f, err := readSBOM(args[0])
			if err != nil {
				return err
			}
			if d == nil {
				return insurable.FileError("sbom show", insurable.Invalid, args[0], 0, "%s", f.Problem)
			}
			if out.format == "json" {
				return writeJSON(a.Stdout, map[string]any{"sbom": f, "components": d.Components})
			}
			w := a.Stdout
			fmt.Fprintf(w, "%s: %s %s, valid: %v\n", f.File, f.Format, f.SpecVersion, f.Valid)
			if f.Problem != "" {
				fmt.Fprintf(w, "Problem: %s\n", f.Problem)
			}
			if f.Subject != "" {
				fmt.Fprintf(w, "Describes: %s\n", f.Subject)
			}
			fmt.Fprintf(w, "Components: %d, %d with a purl or CPE and a version, %d naming a supplier.\n", f.Summary.Components, f.Summary.Specific, f.Summary.Suppliers)
			return nil
		},
	}
	out.register(cmd, "text", "text", "json")
	return cmd
}

func (a *App) vulnsSBOMCommand() *cobra.Command {
	var out output
	var osvDir, feedsDir string
	var vexFiles []string
	cmd := &cobra.Command{
		Use:   "sbom FILE...",
		Short: "Match SBOM components against OSV records, applying VEX",
		Long: `Look every component of the SBOMs (CycloneDX or SPDX JSON) up in OSV
records by its package URL, with the matching rules of osv-scanner, and set
aside what CSAF VEX documents (--vex) or the SBOM's own CycloneDX analysis
declare not affected. Components without a purl, or of ecosystems whose
versions are not compared yet, are listed as not checked. Components that
name their supplier or carry a CPE are also matched against the CSAF
advisories of the feeds snapshot, as inventory rows are.`,
		Example: `  insurable vulns sbom firmware.cdx.json --osv ./osv/go
  insurable vulns sbom firmware.cdx.json --osv ./osv --vex vendor-vex.json -o json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			ctx := cmd.Context()
			ix, fd, err := a.osvIndex(ctx, osvDir, feedsDir)
			if err != nil {
				return err
			}
			var vex []*advisory.Advisory
			for _, p := range vexFiles {
				data, err := readInput(p)
				if err != nil {
					return err
				}
				if err := advisory.Validate(p, data); err != nil {
					return err
				}
				adv, err := advisory.Parse(p, data)
				if err != nil {
					return err
				}
				vex = append(vex, adv)
			}
			var docs []*sbom.Document
			var files []sbomFile
			for _, p := range args {
				d, f, err := readSBOM(p)
				if err != nil {
					return err
				}
				if d == nil {
					return insurable.FileError("vulns sbom", insurable.Invalid, p, 0, "%s", f.Problem)
				}
				if !f.Valid {
					a.Log.Warn("SBOM is not valid; matching its components anyway", "file", p, "problem", f.Problem)
				}
				docs = append(docs, d)
				files = append(files, f)
			}
			res := sbom.Match(docs, ix, sbom.NewVEX(vex...))
			// Components that name their supplier or carry a CPE are also
			// matched against the CSAF advisories: firmware embeds products
			// the ICS advisories name.
			s, _, err := a.loadSnapshot(feedsDir, feeds.PartCSAF|feeds.PartKEV|feeds.PartEPSS)
			if err != nil {
				return err
			}
			catalog := vulnmatch.NewCatalog(s.Advisories, vulnmatch.Feeds{KEV: s.KEV, EPSS: s.EPSS})
			advMatches := []vulnassess.ComponentMatch{}
			for _, d := range docs {
				advMatches = append(advMatches, vulnassess.MatchComponents(catalog, d)...)
			}
			for _, f := range s.Manifest.Digests() {
				if f.Name != feeds.NameOSV {
					fd = append(fd, f)
				}
			}
			if out.format == "json" {
				return writeJSON(a.Stdout, struct {
					Matches         []sbom.Finding              `json:"matches"`
					Suppressed      []sbom.Finding              `json:"suppressed"`
					NotChecked      []sbom.NotChecked           `json:"not_checked"`
					AdvisoryMatches []vulnassess.ComponentMatch `json:"advisory_matches"`
					Packages        int                         `json:"packages"`
					SBOMs           []sbomFile                  `json:"sboms"`
					Feeds           []check.FeedDigest          `json:"feeds"`
				}{res.Matches, res.Suppressed, res.NotChecked, advMatches, res.Packages, files, fd})
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 0, 2, ' ', 0)
			if len(res.Matches) > 0 {
				fmt.Fprintln(tw, "PACKAGE\tVERSION\tID\tALIASES\tFIXED\tSBOM")
			}
			for _, m := range res.Matches {
				fixed := m.FixedIn
				if fixed == "" {
					fixed = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", m.Name, m.Version, m.ID, strings.Join(m.Aliases, ","), fixed, m.SBOM)
			}
			tw.Flush()
			if len(advMatches) > 0 {
				fmt.Fprintln(a.Stdout)
				tw := tabwriter.NewWriter(a.Stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "COMPONENT\tVERSION\tADVISORY\tCVE\tSTATUS\tCVSS\tSBOM")
				for _, m := range advMatches {
					fmt.Fprintf(tw, "%s %s\t%s\t%s\t%s\t%s\t%.1f\t%s\n", m.Supplier, m.Component, m.Version, m.AdvisoryID, m.CVE, m.Status, m.CVSS, m.SBOM)
				}
				tw.Flush()
			}
			fmt.Fprintf(a.Stdout, "\n%d packages checked: %d package–vulnerability pairs, %d set aside by VEX, %d components not checked; %d advisory matches on components naming a supplier or CPE.\n",
				res.Packages, len(res.Matches), len(res.Suppressed), len(res.NotChecked), len(advMatches))
			return nil
		},
	}
	out.register(cmd, "text", "text", "json")
	cmd.Flags().StringVar(&osvDir, "osv", "", "directory of OSV records (default: the snapshot's)")
	cmd.Flags().StringArrayVar(&vexFiles, "vex", nil, "CSAF VEX document whose not-affected statements suppress findings (repeatable)")
	cmd.Flags().StringVar(&feedsDir, "feeds", "", "feeds snapshot directory, for the OSV records when --osv is not given")
	return cmd
}

// osvIndex loads OSV records from dir, or the snapshot's.
func (a *App) osvIndex(ctx context.Context, dir, feedsDir string) (*osv.Index, []check.FeedDigest, error) {
	if dir == "" {
		s, where, err := a.loadSnapshot(feedsDir, feeds.PartOSV)
		if err != nil {
			return nil, nil, err
		}
		a.Log.Info("OSV records", "snapshot", where)
		var fd []check.FeedDigest
		for _, f := range s.Manifest.Digests() {
			if f.Name == feeds.NameOSV {
				fd = append(fd, f)
			}
		}
		return osv.NewIndex(s.OSV), fd, nil
	}
	recs, probs, err := osv.LoadDir(ctx, dir)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range probs {
		a.Log.Warn("OSV record refused", "file", p.File, "reason", p.Reason)
	}
	return osv.NewIndex(recs), []check.FeedDigest{{Name: feeds.NameOSV, Version: "", Digest: feeds.OSVDigest(recs)}}, nil
}
