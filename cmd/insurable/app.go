package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/insurable/insurable"
)

// App is the command line program: its streams, logger and clock. Tests
// build one with their own streams and run commands through Run.
type App struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Log    *slog.Logger
	Now    func() time.Time

	logLevel   string
	logFormat  string
	cpuProfile string
	profFile   *os.File
	// exit, when set by a command, is the exit code to return on success
	// (assess returns 1 and 2 for conditional and declined decisions).
	exit int
}

// Run executes the command line args and returns the process exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &App{Stdin: stdin, Stdout: stdout, Stderr: stderr, Now: time.Now}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) || isCobraUsage(err) {
			fmt.Fprintf(stderr, "insurable: %v\nRun 'insurable --help' for usage.\n", err)
			return insurable.ExitUsage
		}
		fmt.Fprintf(stderr, "insurable: %v\n", err)
		return insurable.ExitCode(err)
	}
	return a.exit
}

// usageError marks a mistake in the command line itself.
type usageError struct{ error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "accepts ", "requires at least", "requires exactly", "required flag"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// setupLogging builds the logger from the persistent flags.
func (a *App) setupLogging() error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(a.logLevel)); err != nil {
		return usagef("--log-level %q: want debug, info, warn or error", a.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch a.logFormat {
	case "text":
		a.Log = slog.New(slog.NewTextHandler(a.Stderr, opts))
	case "json":
		a.Log = slog.New(slog.NewJSONHandler(a.Stderr, opts))
	default:
		return usagef("--log-format %q: want text or json", a.logFormat)
	}
	return nil
}

// isTerminal reports whether w is an interactive terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progress returns a progress bar on stderr when stderr is a terminal, or a
// silent one otherwise, so that piped output and logs stay clean.
func (a *App) progress(total int64, what string) *progressbar.ProgressBar {
	if !isTerminal(a.Stderr) {
		return progressbar.DefaultSilent(total, what)
	}
	return progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(a.Stderr),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(true),
	)
}

// output is the -o flag shared by the commands that print results.
type output struct {
	format  string
	allowed []string
}

func (o *output) register(cmd *cobra.Command, def string, allowed ...string) {
	o.allowed = allowed
	cmd.Flags().StringVarP(&o.format, "output", "o", def, "output format: "+strings.Join(allowed, ", "))
}

func (o *output) validate() error {
	for _, f := range o.allowed {
		if o.format == f {
			return nil
		}
	}
	return usagef("-o %q: want one of %s", o.format, strings.Join(o.allowed, ", "))
}

// startProfile starts CPU profiling when --cpuprofile is given.
func (a *App) startProfile() error {
	if a.cpuProfile == "" {
		return nil
	}
	f, err := os.Create(a.cpuProfile)
	if err != nil {
		return usagef("--cpuprofile: %v", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return usagef("--cpuprofile: %v", err)
	}
	a.profFile = f
	return nil
}

// stopProfile ends CPU profiling.
func (a *App) stopProfile() {
	if a.profFile != nil {
		pprof.StopCPUProfile()
		a.profFile.Close()
		a.profFile = nil
	}
}
