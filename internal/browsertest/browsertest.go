// Package browsertest starts headless Chromium for the tests that drive
// pages: the HTML report and the web interface.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Find returns the path of a Chromium-based browser. Without one the
// test is skipped, unless INSURABLE_REQUIRE_BROWSER=1 says it must run.
func Find(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("INSURABLE_REQUIRE_BROWSER") == "1" {
		t.Fatal("no chromium, chromium-browser or google-chrome on PATH, and INSURABLE_REQUIRE_BROWSER=1")
	}
	t.Skip("no Chromium-based browser on PATH; install chromium to run this test")
	return ""
}

// Screenshots reports whether the test should save the screenshots the
// documentation shows (INSURABLE_SCREENSHOTS=1).
func Screenshots() bool { return os.Getenv("INSURABLE_SCREENSHOTS") == "1" }

// Log records what a page does that the tests watch: the requests it
// makes and the errors and warnings it reports (script exceptions,
// console errors, Content-Security-Policy violations).
type Log struct {
	mu       sync.Mutex
	requests []string
	problems []string
}

// Requests returns the URLs requested so far.
func (l *Log) Requests() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.requests...)
}

// Problems returns the errors and warnings so far.
func (l *Log) Problems() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.problems...)
}

func (l *Log) event(ev any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		l.requests = append(l.requests, ev.Request.URL)
	case *runtime.EventExceptionThrown:
		l.problems = append(l.problems, "exception: "+ev.ExceptionDetails.Text)
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
			l.problems = append(l.problems, "console."+string(ev.Type))
		}
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
			l.problems = append(l.problems, string(ev.Entry.Source)+": "+ev.Entry.Text)
		}
	}
}

// Start starts the browser with a window of width×height and returns a
// tab's context, cancelled after timeout or when the test ends, and the
// tab's log.
func Start(t testing.TB, width, height int, timeout time.Duration) (context.Context, *Log) {
	t.Helper()
	browser := Find(t)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	l := &Log{}
	ctx, cancelTab := chromedp.NewContext(ctx, chromedp.WithListener(l.event))
	t.Cleanup(cancelTab)
	return ctx, l
}
