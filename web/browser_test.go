package web_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/insurable/insurable/internal/browsertest"
	"github.com/insurable/insurable/internal/servicetest"
)

// screenshotDir is where INSURABLE_SCREENSHOTS=1 saves the pictures the
// README and docs/web.md show.
const screenshotDir = "../docs/images"

// TestInBrowser drives the pages in headless Chromium as an underwriter,
// as a firm and as an anonymous visitor, following the main paths, and
// checks that no page loads anything from elsewhere, breaks its content
// security policy or shows another organisation's data.
func TestInBrowser(t *testing.T) {
	s := newSite(t)
	ctx, pl := browsertest.Start(t, 1280, 900, 90*time.Second)
	base := s.srv.URL
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return v
	}
	body := func() string { return text("body") }
	login := func(token string) {
		t.Helper()
		run("log in",
			chromedp.WaitVisible(chromedp.ID("token")),
			chromedp.SendKeys(chromedp.ID("token"), token),
			chromedp.Submit(chromedp.ID("token")),
			chromedp.WaitVisible(chromedp.CSS("header.top .who form")))
	}
	shot := func(name string) {
		t.Helper()
		if !browsertest.Screenshots() {
			return
		}
		height, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollHeight`))
		if err != nil {
			t.Fatal(err)
		}
		shot, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format:                page.CaptureScreenshotFormatPng,
			Clip:                  &page.Viewport{Width: 1280, Height: min(height, 1400), Scale: 1},
			CaptureBeyondViewport: new(true),
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(screenshotDir, name), shot.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The underwriter: the login page first, then the portfolio.
	run("open the portfolio", chromedp.Navigate(base+"/portfolio"))
	login(s.harbor.Token.Secret)
	run("portfolio", chromedp.WaitVisible(chromedp.ID("policy-table")))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/portfolio") {
		t.Errorf("after login the browser is at %s, want the portfolio it asked for", loc)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#policy-table tbody tr td:first-child")].map(td => td.textContent.trim())`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows, "|") != s.makerName+"|"+s.waterName {
		t.Errorf("portfolio rows %q, want the manufacturer then the water utility", rows)
	}
	checkCharts(t, ctx, 3)
	if b := body(); strings.Contains(b, s.otherName) {
		t.Errorf("Harbor's portfolio shows %s", s.otherName)
	}
	shot("web-portfolio.png")

	run("open the manufacturer", chromedp.Click(chromedp.CSS(`#policy-table a[href="/firms/`+s.maker.Firm.Org.ID+`"]`)), chromedp.WaitVisible(chromedp.ID("posture")))
	checkCharts(t, ctx, 3)
	run("open its policy", chromedp.Click(chromedp.CSS(`a[href="/policies/`+s.maker.Policy.ID+`"]`)), chromedp.WaitVisible(chromedp.ID("history")))
	if b := body(); !strings.Contains(b, "issued") || !strings.Contains(b, "entry ") {
		t.Error("the policy page shows no issuance logged in the decision log")
	}
	run("open a logged step's proof", chromedp.Click(chromedp.CSS(`#history ~ table a[href^="/ledger/proofs/"]`)), chromedp.WaitVisible(chromedp.ID("check-result")))
	if got := text("#check-result"); !strings.HasPrefix(got, "Verified.") {
		t.Errorf("the proof page says %q", got)
	}
	shot("web-proof.png")

	run("open the water utility's assessment", chromedp.Navigate(base+"/assessments/"+s.water.Assessment.ID), chromedp.WaitVisible(chromedp.ID("gates")))
	if got := text(".cards .card .badge"); got != "declined" {
		t.Errorf("the assessment's decision reads %q", got)
	}
	shot("web-assessment.png")
	run("log out", chromedp.Click(chromedp.CSS("header.top .who button")), chromedp.WaitVisible(chromedp.ID("token")))

	// The water utility: its posture, and progress on its plan.
	login(s.water.Firm.Token.Secret)
	run("the firm's page", chromedp.WaitVisible(chromedp.ID("posture")))
	if b := body(); !strings.Contains(b, s.waterName) || strings.Contains(b, s.makerName) {
		t.Errorf("the water utility's page does not show it alone")
	}
	checkCharts(t, ctx, 3)
	shot("web-firm.png")
	item := firstItem(t, s, s.water)
	run("mark a plan item done",
		chromedp.SetValue(chromedp.ID("st-"+item), "done"),
		chromedp.Submit(chromedp.ID("st-"+item)),
		chromedp.WaitVisible(chromedp.ID("posture")))
	items, err := s.Svc.ListRemediation(context.Background(), servicetest.Principal(s.water.Firm), s.water.Policy.ID)
	if err != nil {
		t.Fatal(err)
	}
	if items[0].ID != item || items[0].Status != "done" {
		t.Errorf("after the form, item %s is %q, want done", items[0].ID, items[0].Status)
	}
	for _, path := range []string{"/firms/" + s.maker.Firm.Org.ID, "/policies/" + s.other.Policy.ID, "/assessments/" + s.maker.Assessment.ID} {
		run("try "+path, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
		if got := text("main h1"); got != "Not found" {
			t.Errorf("the water utility opened %s: %q", path, got)
		}
	}
	run("log out", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("header.top .who button")),
		chromedp.Click(chromedp.CSS("header.top .who button")), chromedp.WaitVisible(chromedp.ID("token")))

	// Anyone: the log's checkpoint, and a proof checked with its key.
	pr, err := s.Svc.LedgerProof(context.Background(), servicetest.Principal(s.water.Firm), s.water.Assessment.ID)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := json.MarshalIndent(pr, "", "  ")
	run("check a proof",
		chromedp.Navigate(base+"/ledger"), chromedp.WaitVisible(chromedp.ID("checkpoint")),
		chromedp.SetValue(chromedp.ID("proof"), string(doc)),
		chromedp.Submit(chromedp.ID("proof")),
		chromedp.WaitVisible(chromedp.ID("check-result")))
	if got := text("#check-result"); !strings.HasPrefix(got, "Verified.") || !strings.Contains(got, s.water.Assessment.ID) {
		t.Errorf("the check says %q", got)
	}
	shot("web-ledger.png")

	// The three pages of others answer 404, which the browser reports.
	notFound := 0
	for _, p := range pl.Problems() {
		if strings.Contains(p, "status of 404") && notFound < 3 {
			notFound++
			continue
		}
		t.Errorf("browser reported: %s", p)
	}
	reqs := pl.Requests()
	if len(reqs) == 0 {
		t.Error("saw no request at all; the network log is not working")
	}
	for _, u := range reqs {
		if !strings.HasPrefix(u, base+"/") {
			t.Errorf("a page requested %s", u)
		}
	}
}

// checkCharts checks that the page shows at least n charts, each drawn
// at a readable size.
func checkCharts(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	type box struct{ Width, Height float64 }
	boxes, err := chromedp.Run(ctx, chromedp.Evaluate[[]box](
		`[...document.querySelectorAll(".chart svg[role=img]")].filter(s => s.checkVisibility()).map(s => { const b = s.getBoundingClientRect(); return {Width: b.width, Height: b.height}; })`))
	if err != nil {
		t.Fatal(err)
	}
	if len(boxes) < n {
		t.Errorf("%d charts shown, want at least %d", len(boxes), n)
	}
	for i, b := range boxes {
		if b.Width < 150 || b.Height < 30 {
			t.Errorf("chart %d renders at %.0f×%.0f", i, b.Width, b.Height)
		}
	}
}
