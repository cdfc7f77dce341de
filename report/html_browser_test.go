package report

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/insurable/insurable/internal/browsertest"
)

// screenshotPath is where INSURABLE_SCREENSHOTS=1 saves the picture of the
// report that the documentation shows.
const screenshotPath = "../docs/images/assessment-report.png"

func TestHTMLInBrowser(t *testing.T) {
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

	ctx, pl := browsertest.Start(t, 1280, 900, 20*time.Second)

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

	if browsertest.Screenshots() {
		saveScreenshot(ctx, t)
	}

	for _, p := range pl.Problems() {
		t.Errorf("browser reported: %s", p)
	}
	requests := pl.Requests()
	if len(requests) == 0 {
		t.Error("saw no request at all; the network log is not working")
	}
	for _, u := range requests {
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
