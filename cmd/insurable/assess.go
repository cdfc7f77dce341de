package main

import "github.com/spf13/cobra"

func (a *App) assessCommand() *cobra.Command { return &cobra.Command{Use: "assess"} }
func (a *App) demoCommand() *cobra.Command   { return &cobra.Command{Use: "demo"} }
