package web

import (
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/insurable/insurable/evidence"
)

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"date":    formatDate,
	"when":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"percent": func(f float64) string { return strconv.Itoa(int(math.Round(f*100))) + "%" },
	"short":   shortDigest,
	"days":    daysBetween,
	"words":   func(s string) string { return strings.ReplaceAll(s, "-", " ") },
	"add":     func(a, b int) int { return a + b },
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.Itoa(n) + " " + many
	},
	"overdue": func(due, today evidence.Date, status string) bool {
		return !due.IsZero() && due.Before(today) && status != "done" && status != "resolved"
	},
	"statuses": func() []string { return []string{"open", "in-progress", "done"} },
	"planArgs": func(p *planView, csrf, back string) planArgs { return planArgs{p, csrf, back} },
}

// planArgs is what the plan template needs besides the plan: the form
// token and the page to come back to.
type planArgs struct {
	*planView
	CSRF string
	Back string
}

// formatDate formats a date, or "—" for none.
func formatDate(d evidence.Date) string {
	if d.IsZero() {
		return "—"
	}
	return d.String()
}

// shortDigest shortens a digest or long id for display.
func shortDigest(s string) string {
	s = strings.TrimPrefix(s, "sha256:")
	if len(s) > 16 {
		return s[:12] + "…"
	}
	return s
}

// daysBetween counts the days from a to b.
func daysBetween(a, b evidence.Date) int {
	if a.IsZero() || b.IsZero() {
		return 0
	}
	return int(math.Round(b.Time().Sub(a.Time()).Hours() / 24))
}
