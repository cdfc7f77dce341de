package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/advisory"
	"github.com/insurable/insurable/feeds"
	"github.com/insurable/insurable/kev"
	"github.com/insurable/insurable/vulnmatch"
)

func (a *App) vulnsImpactCommand() *cobra.Command {
	var out output
	var inventories []string
	var kevFile, feedsDir string
	cmd := &cobra.Command{
		Use:   "impact ADVISORY.json --inventory FILE...",
		Short: "Find the assets one new advisory affects, from an index of the inventories",
		Long: `Index the inventories once (by vendor, product, model, CPE and purl, each
distinct version evaluated once) and look the advisory's products up in the
index, so that a new advisory's effect on a whole portfolio comes without a
rescan. The advisory is verified like any other: its .sha512 or .sha256 file
when present, and the CSAF 2.0 schema.`,
		Example: `  insurable vulns impact icsa-24-123-01.json --inventory site-a.csv --inventory site-b.csv -o json`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			if len(inventories) == 0 {
				return usagef("--inventory FILE is required")
			}
			set, err := advisory.Load(cmd.Context(), args[0], advisory.Options{})
			if err != nil {
				return err
			}
			if len(set.Problems) > 0 {
				p := set.Problems[0]
				return insurable.FileError("vulns impact", insurable.Invalid, filepath.Join(filepath.Dir(args[0]), p.File), 0, "%s", p.Reason)
			}
			if len(set.Advisories) != 1 {
				return insurable.FileError("vulns impact", insurable.Invalid, args[0], 0, "holds %d advisories; give one", len(set.Advisories))
			}
			adv := set.Advisories[0]
			var f vulnmatch.Feeds
			if kevFile != "" {
				data, err := readInput(kevFile)
				if err != nil {
					return err
				}
				if f.KEV, err = kev.Parse(kevFile, data); err != nil {
					return err
				}
			} else {
				s, _, err := a.loadSnapshot(feedsDir, feeds.PartKEV|feeds.PartEPSS)
				if err != nil {
					return err
				}
				f.KEV, f.EPSS = s.KEV, s.EPSS
			}
			fleet := vulnmatch.NewFleet()
			for _, p := range inventories {
				rows, err := readInventories([]string{p})
				if err != nil {
					return err
				}
				assets := make([]vulnmatch.Asset, len(rows))
				for i := range rows {
					assets[i] = rows[i].Asset
				}
				fleet.Add(p, assets)
			}
			start := time.Now()
			ims := fleet.Impact(adv, f)
			a.Log.Info("impact computed", "assets_indexed", fleet.Len(), "elapsed", time.Since(start))
			if ims == nil {
				ims = []vulnmatch.Impact{}
			}
			if out.format == "json" {
				type advInfo struct {
					ID        string `json:"id"`
					Title     string `json:"title"`
					Published string `json:"published"`
					Updated   string `json:"updated"`
					SHA512    string `json:"sha512"`
				}
				return writeJSON(a.Stdout, struct {
					Advisory       advInfo            `json:"advisory"`
					AssetsIndexed  int                `json:"assets_indexed"`
					AffectedAssets int                `json:"affected_assets"`
					Impacts        []vulnmatch.Impact `json:"impacts"`
				}{advInfo{adv.ID, adv.Title, adv.Released, adv.Updated, adv.SHA512}, fleet.Len(), vulnmatch.AffectedAssets(ims), ims})
			}
			fmt.Fprintf(a.Stdout, "%s %s\n%d of %d indexed assets affected.\n", adv.ID, adv.Title, vulnmatch.AffectedAssets(ims), fleet.Len())
			if len(ims) == 0 {
				return nil
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "\nASSETS\tVENDOR\tPRODUCT\tVERSION\tSTATUS\tCVES")
			for _, im := range ims {
				var cves []string
				status := im.Matches[0].Status
				for _, m := range im.Matches {
					cves = append(cves, m.CVE)
				}
				ids := make([]string, 0, 3)
				for _, r := range im.Assets[:min(3, len(im.Assets))] {
					ids = append(ids, r.ID)
				}
				more := ""
				if len(im.Assets) > 3 {
					more = fmt.Sprintf(" (+%d)", len(im.Assets)-3)
				}
				fmt.Fprintf(tw, "%s%s\t%s\t%s\t%s\t%s\t%s\n", strings.Join(ids, ","), more, im.Vendor, im.Product, im.Version, status, truncate(strings.Join(cves, ","), 60))
			}
			return tw.Flush()
		},
	}
	out.register(cmd, "text", "text", "json")
	cmd.Flags().StringArrayVar(&inventories, "inventory", nil, "asset inventory CSV or YAML file (repeatable)")
	cmd.Flags().StringVar(&kevFile, "kev", "", "CISA KEV catalogue JSON (default: the snapshot's)")
	cmd.Flags().StringVar(&feedsDir, "feeds", "", "feeds snapshot directory, for KEV and EPSS")
	return cmd
}
