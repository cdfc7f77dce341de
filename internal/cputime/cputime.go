// Package cputime measures the processor time a process has used, so that
// benchmarks can report what a run costs on dedicated cores even when the
// machine they run on is shared.
package cputime

import (
	"syscall"
	"time"
)

// Used returns the user and system processor time the process has used so
// far, or 0 where the platform cannot say.
func Used() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
