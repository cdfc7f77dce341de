package report

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// screenshotPath is where INSURABLE_SCREENSHOTS=1 saves the picture of the
// report that the documentation shows.
const screenshotPath = "../docs/images/assessment-report.png"

// findBrowser returns the path of a Chromium-based browser. Without one the
// test is skipped, unless INSURABLE_REQUIRE_BROWSER=1 says it must run.
func findBrowser(t *testing.T) string {
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

// pageLog records what the page does that the report must never do.
type pageLog struct {
	mu       sync.Mutex
	requests []string
	problems []string
}

func (l *pageLog) event(ev any) {
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

func TestHTMLInBrowser(t *testing.T) {
	browser := findBrowser(t)
	start := time.Now()
	r := loadResult(t, "riverbend-water.json")
	page := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := HTML(f, r); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	pageURL := (&url.URL{Scheme: "file", Path: page}).String()

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	var pl pageLog
	ctx, cancelTab := chromedp.NewContext(ctx, chromedp.WithListener(pl.event))
	defer cancelTab()

	if err := chromedp.Do(ctx, chromedp.Navigate(pageURL), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatalf("open %s: %v", pageURL, err)
	}

	outcome, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("outcome")))
	if err != nil {
		t.Fatal(err)
	}
	if outcome != "Declined" {
		t.Errorf("outcome reads %q, want Declined", outcome)
	}
	summary, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#decision .summary")))
	if err != nil {
		t.Fatal(err)
	}
	if summary != r.Decision.Summary {
		t.Errorf("summary reads %q, want %q", summary, r.Decision.Summary)
	}

	ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("table.verdict-table tr.verdict-row")].filter(tr => tr.getBoundingClientRect().height > 0).map(tr => tr.querySelector("th").textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != len(r.Verdicts) {
		t.Errorf("%d verdict rows shown, want %d", len(ids), len(r.Verdicts))
	}
	for i, v := range r.Verdicts {
		if i < len(ids) && ids[i] != string(v.ID) {
			t.Errorf("verdict row %d is %s, want %s", i, ids[i], v.ID)
		}
	}

	type box struct {
		ID            string
		Width, Height float64
	}
	boxes, err := chromedp.Run(ctx, chromedp.Evaluate[[]box](
		`[...document.querySelectorAll("figure.chart")].map(f => { const s = f.querySelector("svg[role=img]"); const b = s ? s.getBoundingClientRect() : {width: 0, height: 0}; return {ID: f.id, Width: b.width, Height: b.height}; })`))
	if err != nil {
		t.Fatal(err)
	}
	if len(boxes) != 4 {
		t.Errorf("%d charts, want 4", len(boxes))
	}
	for _, b := range boxes {
		if b.Width < 100 || b.Height < 50 {
			t.Errorf("chart %s renders at %.0f×%.0f", b.ID, b.Width, b.Height)
		}
	}

	// A verdict's findings are hidden until its details are opened.
	const finding = `document.querySelector("#item-A8 article.finding").checkVisibility()`
	if shown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](finding)); err != nil || shown {
		t.Errorf("A8's findings show before they are opened (%v, %v)", shown, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#item-A8 summary"))); err != nil {
		t.Fatal(err)
	}
	if shown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](finding)); err != nil || !shown {
		t.Errorf("A8's findings do not show once opened (%v, %v)", shown, err)
	}

	if os.Getenv("INSURABLE_SCREENSHOTS") == "1" {
		saveScreenshot(ctx, t)
	}

	pl.mu.Lock()
	defer pl.mu.Unlock()
	for _, p := range pl.problems {
		t.Errorf("browser reported: %s", p)
	}
	if len(pl.requests) == 0 {
		t.Error("saw no request at all; the network log is not working")
	}
	for _, u := range pl.requests {
		if u != pageURL {
			t.Errorf("report made a request for %s", u)
		}
	}
	t.Logf("browser test took %v", time.Since(start).Round(time.Millisecond))
}

// saveScreenshot pictures the report from its header to the end of the
// first section of verdicts, with A8's findings open, for the documentation.
func saveScreenshot(ctx context.Context, t *testing.T) {
	t.Helper()
	bottom, err := chromedp.Run(ctx, chromedp.Evaluate[float64](
		`document.querySelector("#section-A").getBoundingClientRect().bottom + window.scrollY + 16`))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{
		Format:                page.CaptureScreenshotFormatPng,
		Clip:                  &page.Viewport{Width: 1280, Height: bottom, Scale: 1},
		CaptureBeyondViewport: new(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(screenshotPath), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(screenshotPath, shot.Data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", screenshotPath, len(shot.Data))
}
