package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/protocol"
	"github.com/insurable/insurable/report"
)

func (a *App) protocolCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "protocol",
		Short: "Browse the Protocol catalog embedded in this binary",
		Long: `The Protocol catalog lists every requirement of the IIoT Safety and Security
Digital Protocol (A1–A9, B1–B7, C1–C2), the eight areas of its Responsibility
Assignment Matrix (R1–R8) and the four insurability indicators (O1–O4), each
with the evidence that verifies it and its mappings to IEC 62443-4-2,
ETSI EN 303 645, NISTIR 8259A, NIST CSF 2.0 and the EU Cyber Resilience Act.`,
	}
	cmd.AddCommand(a.protocolListCommand(), a.protocolShowCommand())
	return cmd
}

func (a *App) protocolListCommand() *cobra.Command {
	var out output
	var kind string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the catalog's items",
		Example: `  insurable protocol list
  insurable protocol list --kind requirement -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			cat := protocol.Default()
			var items []protocol.Item
			for _, it := range cat.Items {
				if kind == "" || string(it.Kind) == kind {
					items = append(items, it)
				}
			}
			if kind != "" && len(items) == 0 {
				return usagef("--kind %q: want requirement, ram-area or indicator", kind)
			}
			if out.format == "json" {
				return writeJSON(a.Stdout, map[string]any{"catalog": cat.ID, "version": cat.Version, "items": items})
			}
			fmt.Fprintf(a.Stdout, "%s %s\n\n", cat.Title, cat.Version)
			tw := tabwriter.NewWriter(a.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSECTION\tVERIFIED\tMAPPINGS\tTITLE")
			for _, it := range items {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", it.ID, it.Section, it.Verification, len(it.Mappings), it.Title)
			}
			return tw.Flush()
		},
	}
	out.register(cmd, "text", "text", "json")
	cmd.Flags().StringVar(&kind, "kind", "", "only items of this kind: requirement, ram-area, indicator")
	return cmd
}

func (a *App) protocolShowCommand() *cobra.Command {
	var out output
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show one item with its evidence and standard mappings",
		Example: `  insurable protocol show A8
  insurable protocol show r3 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			cat := protocol.Default()
			it, ok := cat.Item(protocol.ID(args[0]))
			if !ok {
				return insurable.Errorf("protocol show", insurable.NotExist, "no item %q in catalog %s %s; run 'insurable protocol list'", args[0], cat.ID, cat.Version)
			}
			if out.format == "json" {
				return writeJSON(a.Stdout, it)
			}
			w := a.Stdout
			fmt.Fprintf(w, "%s  %s\n", it.ID, it.Title)
			fmt.Fprintf(w, "Section:      %s of the Protocol\n", it.Section)
			fmt.Fprintf(w, "Kind:         %s\n", it.Kind)
			fmt.Fprintf(w, "Verification: %s\n", it.Verification)
			if it.Area != "" {
				area, _ := cat.Item(it.Area)
				fmt.Fprintf(w, "RAM area:     %s %s\n", area.ID, area.Title)
			}
			fmt.Fprintf(w, "Evidence:     %s\n\n", strings.Join(it.Evidence, ", "))
			fmt.Fprintln(w, report.Wrap(it.Statement, 78))
			if len(it.Mappings) > 0 {
				fmt.Fprintln(w, "\nMappings:")
				tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
				for _, m := range it.Mappings {
					st, _ := cat.Standard(m.Standard)
					fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", shortStandard(st), m.Clause, m.Relationship, m.ClauseTitle)
				}
				tw.Flush()
			}
			return nil
		},
	}
	out.register(cmd, "text", "text", "json")
	return cmd
}

// shortStandard names a standard briefly: its title up to the colon, or
// without a trailing parenthesis.
func shortStandard(s protocol.Standard) string {
	if i := strings.Index(s.Title, ":"); i > 0 {
		return s.Title[:i]
	}
	if i := strings.LastIndex(s.Title, " ("); i > 0 && strings.HasSuffix(s.Title, ")") {
		return s.Title[:i]
	}
	if s.Title != "" {
		return s.Title
	}
	return string(s.ID)
}

func writeJSON(w interface{ Write([]byte) (int, error) }, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
