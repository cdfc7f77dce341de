package server_test

import (
	"strings"
	"testing"

	"github.com/insurable/insurable/server"
	"github.com/insurable/insurable/underwriting"
)

// TestCursorPages walks the organisations one page at a time: every
// organisation once, in order, with a Link header to the next page.
func TestCursorPages(t *testing.T) {
	w := newWorld(t)
	cons := w.actors["consortium-admin"].token
	var all server.List[underwriting.Org]
	w.must(cons, "GET", "/api/orgs?limit=500", nil, 200, &all)
	if len(all.Items) < 8 || all.Next != "" {
		t.Fatalf("%d organisations, next %q", len(all.Items), all.Next)
	}
	var seen []string
	after := ""
	for range 100 {
		var page server.List[underwriting.Org]
		w.must(cons, "GET", "/api/orgs?limit=3&after="+after, nil, 200, &page)
		for _, o := range page.Items {
			seen = append(seen, o.ID)
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	if len(seen) != len(all.Items) {
		t.Fatalf("paging gave %d organisations, one page %d", len(seen), len(all.Items))
	}
	for i := range seen {
		if seen[i] != all.Items[i].ID {
			t.Fatalf("item %d: %s, want %s", i, seen[i], all.Items[i].ID)
		}
	}
	for _, bad := range []string{"limit=0", "limit=501", "limit=x", "after=last"} {
		if status, _ := w.call(cons, "GET", "/api/orgs?"+bad, nil); status != 400 {
			t.Errorf("%s: status %d, want 400", bad, status)
		}
	}
}

// TestMetrics checks that requests are counted by route and status.
func TestMetrics(t *testing.T) {
	w := newWorld(t)
	status, body := w.call("", "GET", "/metrics", nil)
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	for _, want := range []string{`insurable_http_requests_total{code="201",route="POST /api/policies/{policy}/assessments"}`, "insurable_http_request_duration_seconds_bucket", "go_goroutines"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("no %s in the metrics", want)
		}
	}
}
