package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/advisory"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/epss"
	"github.com/insurable/insurable/feeds"
	"github.com/insurable/insurable/kev"
	"github.com/insurable/insurable/vulnassess"
	"github.com/insurable/insurable/vulnmatch"
)

// feedInputs are the flags that choose the advisories and enrichments.
type feedInputs struct {
	feedsDir    string
	advisories  string
	kev         string
	epss        string
	requireHash bool
	noCache     bool
}

func (f *feedInputs) register(cmd *cobra.Command, withAdvisories bool) {
	cmd.Flags().StringVar(&f.feedsDir, "feeds", "", "feeds snapshot directory (default: $INSURABLE_FEEDS, the last 'feeds update', or the built-in snapshot)")
	if withAdvisories {
		cmd.Flags().StringVar(&f.advisories, "advisories", "", "CSAF advisories to match instead of the snapshot's: a directory, a ROLIE feed file or one advisory")
		cmd.Flags().BoolVar(&f.requireHash, "require-hash", false, "refuse advisories that have no .sha512 or .sha256 file")
		cmd.Flags().BoolVar(&f.noCache, "no-cache", false, "validate and parse --advisories anew rather than reuse the outcome cached for the same files")
	}
	cmd.Flags().StringVar(&f.kev, "kev", "", "CISA KEV catalogue JSON to use instead of the snapshot's")
	cmd.Flags().StringVar(&f.epss, "epss", "", "FIRST EPSS scores CSV (plain or gzipped) to use instead of the snapshot's")
}

// catalogResult is the catalogue built from the chosen feeds.
type catalogResult struct {
	catalog  *vulnmatch.Catalog
	feeds    []check.FeedDigest
	rejected []advisory.Problem
	notes    []advisory.Problem
	err      error
}

// buildCatalog loads the advisories, KEV and EPSS the flags choose and
// indexes them.
func (a *App) buildCatalog(ctx context.Context, in *feedInputs) catalogResult {
	var r catalogResult
	parts := feeds.PartKEV | feeds.PartEPSS
	if in.advisories == "" {
		parts |= feeds.PartCSAF
	}
	if in.kev != "" {
		parts &^= feeds.PartKEV
	}
	if in.epss != "" {
		parts &^= feeds.PartEPSS
	}
	s, where, err := a.loadSnapshot(in.feedsDir, parts)
	if err != nil {
		r.err = err
		return r
	}
	a.Log.Info("vulnerability feeds", "snapshot", where)
	advs := s.Advisories
	for _, f := range s.Manifest.Feeds {
		if f.Name == feeds.NameCSAF && in.advisories == "" || f.Name == feeds.NameKEV && in.kev == "" || f.Name == feeds.NameEPSS && in.epss == "" {
			r.feeds = append(r.feeds, check.FeedDigest{Name: f.Name, Version: f.Version, Digest: f.Digest})
		}
	}
	if in.advisories != "" {
		opts := advisory.Options{RequireHash: in.requireHash}
		if d, err := os.UserCacheDir(); err == nil && !in.noCache {
			opts.CacheDir = filepath.Join(d, "insurable", "advisories")
		}
		set, err := advisory.Load(ctx, in.advisories, opts)
		if err != nil {
			r.err = err
			return r
		}
		advs, r.rejected, r.notes = set.Advisories, set.Problems, set.Notes
		r.feeds = append(r.feeds, check.FeedDigest{Name: feeds.NameCSAF, Version: advisory.LatestUpdate(advs), Digest: advisory.DigestOf(advs)})
		for _, p := range set.Problems {
			a.Log.Warn("advisory refused", "file", p.File, "reason", p.Reason)
		}
	}
	k, e := s.KEV, s.EPSS
	if in.kev != "" {
		data, err := readInput(in.kev)
		if err == nil {
			k, err = kev.Parse(in.kev, data)
		}
		if err != nil {
			r.err = err
			return r
		}
		r.feeds = append(r.feeds, check.FeedDigest{Name: feeds.NameKEV, Version: k.Version, Digest: k.Digest})
	}
	if in.epss != "" {
		data, err := readInput(in.epss)
		if err == nil {
			e, err = epss.Parse(in.epss, data)
		}
		if err != nil {
			r.err = err
			return r
		}
		r.feeds = append(r.feeds, check.FeedDigest{Name: feeds.NameEPSS, Version: e.Date, Digest: e.Digest})
	}
	r.catalog = vulnmatch.NewCatalog(advs, vulnmatch.Feeds{KEV: k, EPSS: e})
	return r
}

// readInput reads a file named on the command line.
func readInput(p string) ([]byte, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		kind := insurable.Invalid
		if os.IsNotExist(err) {
			kind = insurable.NotExist
		}
		return nil, &insurable.Error{Kind: kind, Path: p, Err: err}
	}
	return data, nil
}

// readInventories reads the inventory files in order.
func readInventories(paths []string) ([]vulnassess.Row, error) {
	var rows []vulnassess.Row
	for _, p := range paths {
		rs, err := vulnassess.ReadInventory(p)
		if err != nil {
			return nil, err
		}
		if rows == nil {
			rows = rs
		} else {
			rows = append(rows, rs...)
		}
	}
	return rows, nil
}

func (a *App) vulnsMatchCommand() *cobra.Command {
	var out output
	var in feedInputs
	var inventories []string
	var detail bool
	cmd := &cobra.Command{
		Use:   "match --inventory FILE...",
		Short: "Match asset inventories against CSAF advisories and KEV",
		Long: `Match every row of the inventories (CSV with at least asset_id, vendor,
product and version columns, or the column names of common OT asset tools;
or YAML) against the advisories' product trees: vendor and product names
normalised, model numbers, CPEs and purls compared, and version ranges read
in every dialect the ICS advisories use. A range that cannot be read gives a
match with status "unknown", listed under "unparsed", never dropped.`,
		Example: `  insurable vulns match --inventory plant.csv
  insurable vulns match --inventory plant.csv --advisories ./csaf --kev kev.json -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			if len(inventories) == 0 {
				return usagef("--inventory FILE is required")
			}
			ctx := cmd.Context()
			for _, p := range inventories {
				if _, err := os.Stat(p); err != nil {
					return &insurable.Error{Op: "vulns match", Kind: insurable.NotExist, Path: p, Msg: "inventory not found", Err: err}
				}
			}
			cr := a.buildCatalog(ctx, &in)
			if cr.err != nil {
				return cr.err
			}
			if out.format == "json" {
				return a.writeMatchJSON(ctx, cr, inventories, detail)
			}
			return a.writeMatchText(ctx, cr, inventories)
		},
	}
	out.register(cmd, "text", "text", "json")
	in.register(cmd, true)
	cmd.Flags().StringArrayVar(&inventories, "inventory", nil, "asset inventory CSV or YAML file (repeatable)")
	cmd.Flags().BoolVar(&detail, "detail", false, "with -o json, give for every match where the asset was read, the advisory's product and range, and how they met")
	return cmd
}

// writeMatchJSON streams the matches as JSON: the match objects are
// rendered in parallel and written in inventory order, the summary after.
func (a *App) writeMatchJSON(ctx context.Context, cr catalogResult, inventories []string, detail bool) error {
	w := bufio.NewWriterSize(a.Stdout, 1<<20)
	bar := a.progress(-1, "matching")
	// The head is written with the first matches, so that an inventory
	// refused before matching starts leaves stdout empty.
	started, first := false, true
	start := func() {
		if !started {
			w.WriteString("{\n  \"matches\": [")
			started = true
		}
	}
	sum, unparsed, err := vulnassess.MatchInventories(ctx, cr.catalog, inventories, vulnassess.MatchOptions{
		Encode:   vulnassess.JSONEncoder(detail),
		Progress: func(n int) { _ = bar.Set(n) },
	}, func(ch *vulnassess.Chunk) error {
		start()
		b := ch.Encoded
		if first && len(b) > 0 {
			b = b[1:] // the leading comma
			first = false
		}
		_, err := w.Write(b)
		return err
	})
	_ = bar.Finish()
	if err != nil {
		w.Flush()
		return err
	}
	start()
	if !first {
		w.WriteString("\n  ")
	}
	w.WriteString("],\n")
	tail := []struct {
		key string
		val any
	}{
		{"unparsed", unparsed},
		{"summary", sum},
		{"feeds", cr.feeds},
		{"rejected", nonNil(cr.rejected)},
		{"notes", nonNil(cr.notes)},
	}
	for i, t := range tail {
		fmt.Fprintf(w, "  %q: ", t.key)
		if err := writeIndentedJSON(w, t.val, "  "); err != nil {
			return err
		}
		if i < len(tail)-1 {
			w.WriteString(",")
		}
		w.WriteString("\n")
	}
	w.WriteString("}\n")
	return w.Flush()
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (a *App) writeMatchText(ctx context.Context, cr catalogResult, inventories []string) error {
	tw := tabwriter.NewWriter(a.Stdout, 0, 0, 2, ' ', 0)
	bar := a.progress(-1, "matching")
	var header bool
	sum, unparsed, err := vulnassess.MatchInventories(ctx, cr.catalog, inventories, vulnassess.MatchOptions{
		Progress: func(n int) { _ = bar.Set(n) },
	}, func(ch *vulnassess.Chunk) error {
		for i, ms := range ch.Matches {
			r := &ch.Rows[i]
			for _, m := range ms {
				if !header {
					fmt.Fprintln(tw, "ASSET\tVERSION\tADVISORY\tCVE\tSTATUS\tCVSS\tKEV\tFIX\tPRODUCT")
					header = true
				}
				fix := "-"
				switch {
				case m.NoFixPlanned:
					fix = "none planned"
				case m.FixedIn != "":
					fix = m.FixedIn
				case m.FixAvailable:
					fix = "yes"
				}
				kevText := "-"
				if m.KEV {
					kevText = "due " + m.KEVDue
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.1f\t%s\t%s\t%s\n", r.ID, r.Version, m.AdvisoryID, m.CVE, m.Status, m.CVSS, kevText, fix, truncate(m.Product, 60))
			}
		}
		return nil
	})
	_ = bar.Finish()
	if err != nil {
		return err
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	w := a.Stdout
	if header {
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%d assets, %d matched: %d affected, %d unknown, %d under investigation; %d on the KEV list.\n",
		sum.Assets, sum.AssetsMatched, sum.Affected, sum.Unknown, sum.UnderInvestigation, sum.KEV)
	if len(sum.BySeverity) > 0 {
		var parts []string
		for _, s := range check.Severities {
			if n := sum.BySeverity[string(s)]; n > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", s, n))
			}
		}
		if n := sum.BySeverity["none"]; n > 0 {
			parts = append(parts, fmt.Sprintf("none %d", n))
		}
		fmt.Fprintf(w, "Affected by severity: %s.\n", strings.Join(parts, ", "))
	}
	if len(unparsed) > 0 {
		fmt.Fprintf(w, "\n%d advisory version ranges could not be read; their matches need review:\n", len(unparsed))
		for _, u := range unparsed {
			fmt.Fprintf(w, "  %s %s %q: %s (%d assets)\n", u.AdvisoryID, u.ProductID, u.Versions, u.Reason, u.Assets)
		}
	}
	if len(cr.rejected) > 0 {
		fmt.Fprintf(w, "\n%d advisory files were refused:\n", len(cr.rejected))
		for _, p := range cr.rejected {
			fmt.Fprintf(w, "  %s: %s\n", p.File, p.Reason)
		}
	}
	var fs []string
	for _, f := range cr.feeds {
		fs = append(fs, strings.TrimSpace(f.Name+" "+f.Version))
	}
	fmt.Fprintf(w, "Feeds: %s.\n", strings.Join(fs, ", "))
	return nil
}

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
