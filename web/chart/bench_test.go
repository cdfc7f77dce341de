package chart

import (
	"strconv"
	"testing"
	"time"
)

// BenchmarkBars draws a portfolio of 1,000 firms, every tenth linked.
func BenchmarkBars(b *testing.B) {
	classes := []string{"critical", "high", "medium", "low", "none"}
	bars := make([]Bar, 1000)
	for i := range bars {
		bars[i] = Bar{Label: "Firm number " + strconv.Itoa(i) + " GmbH & Co. KG", Value: float64(i*7919%1000) / 10, Class: classes[i%5]}
		if i%10 == 0 {
			bars[i].Href = "/firms/" + strconv.Itoa(i)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		Bars("Risk score by firm", bars, Options{})
	}
}

// BenchmarkLines draws six series of a year of daily points.
func BenchmarkLines(b *testing.B) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	series := make([]Series, 6)
	for s := range series {
		pts := make([]Point, 365)
		for i := range pts {
			pts[i] = Point{start.AddDate(0, 0, i), float64((i*(s+3))%97 + s*10)}
		}
		series[s] = Series{Name: "Series " + strconv.Itoa(s), Points: pts}
	}
	b.ReportAllocs()
	for b.Loop() {
		Lines("Open findings", series, Options{})
	}
}

// BenchmarkStacked draws the policy states.
func BenchmarkStacked(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Stacked("Policies by state", states, Options{})
	}
}
