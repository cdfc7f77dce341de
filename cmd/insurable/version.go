package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/insurable/insurable/protocol"
)

// version is set at build time with -ldflags "-X main.version=…"; otherwise
// the module version recorded by the Go toolchain is used.
var version = ""

func toolVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

func (a *App) versionCommand() *cobra.Command {
	var out output
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of insurable and of its embedded Protocol catalog",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			cat := protocol.Default()
			info := map[string]string{
				"version":         toolVersion(),
				"go":              runtime.Version(),
				"catalog":         cat.ID,
				"catalog_version": cat.Version,
				"catalog_digest":  cat.Digest(),
			}
			if out.format == "json" {
				enc := json.NewEncoder(a.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			fmt.Fprintf(a.Stdout, "insurable %s (%s)\nProtocol catalog %s %s (%s)\n", info["version"], info["go"], cat.ID, cat.Version, cat.Digest())
			return nil
		},
	}
	out.register(cmd, "text", "text", "json")
	return cmd
}
