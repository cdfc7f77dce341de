// Command insurable assesses IIoT firms against the IIoT Safety and Security
// Digital Protocol: it verifies a firm's evidence, decides insurability and
// tier under an insurer's profile, and plans the remediation of every gap.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
