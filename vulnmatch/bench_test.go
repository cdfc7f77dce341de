package vulnmatch_test

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/insurable/insurable/advisory"
	"github.com/insurable/insurable/feeds"
	"github.com/insurable/insurable/internal/fleetgen"
	"github.com/insurable/insurable/vulnassess"
	"github.com/insurable/insurable/vulnmatch"
)

var (
	fleetOnce sync.Once
	fleet     *vulnmatch.Fleet
	fleetAdvs []*advisory.Advisory
)

// benchFleet indexes a 1,000,000-asset inventory once per run.
func benchFleet(b *testing.B) (*vulnmatch.Fleet, []*advisory.Advisory) {
	fleetOnce.Do(func() {
		s, err := feeds.Embedded(feeds.PartCSAF)
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if err := fleetgen.Write(&buf, s.Advisories, fleetgen.Options{Rows: 1_000_000, Seed: 2}); err != nil {
			b.Fatal(err)
		}
		rows, err := vulnassess.ParseInventoryCSV("fleet.csv", buf.Bytes())
		if err != nil {
			b.Fatal(err)
		}
		assets := make([]vulnmatch.Asset, len(rows))
		for i := range rows {
			assets[i] = rows[i].Asset
		}
		fleet = vulnmatch.NewFleet()
		fleet.Add("fleet.csv", assets)
		fleetAdvs = s.Advisories
	})
	return fleet, fleetAdvs
}

// BenchmarkImpact1M is the incremental target of issue 3: one new
// advisory's impact over 1,000,000 indexed assets. It measures a large
// Siemens advisory (hundreds of products, several CVEs) and a typical
// small one.
func BenchmarkImpact1M(b *testing.B) {
	f, advs := benchFleet(b)
	for _, id := range []string{"ICSA-22-349-04", "ICSA-20-014-03", "ICSA-19-211-01"} {
		i := slices.IndexFunc(advs, func(a *advisory.Advisory) bool { return a.ID == id })
		if i < 0 {
			b.Fatalf("%s not in the snapshot", id)
		}
		adv := advs[i]
		b.Run(id, func(b *testing.B) {
			b.ReportAllocs()
			var affected int
			for b.Loop() {
				affected = vulnmatch.AffectedAssets(f.Impact(adv, vulnmatch.Feeds{}))
			}
			b.ReportMetric(float64(affected), "assets-affected")
		})
	}
}

// BenchmarkIndexAdvisories builds the catalogue of every built-in
// advisory, as each command does on start.
func BenchmarkIndexAdvisories(b *testing.B) {
	s, err := feeds.Embedded(feeds.PartCSAF)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		vulnmatch.NewCatalog(s.Advisories, vulnmatch.Feeds{})
	}
}

// BenchmarkLoadSnapshot decodes the embedded snapshot's advisories and KEV.
func BenchmarkLoadSnapshot(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := feeds.Embedded(feeds.PartCSAF | feeds.PartKEV); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadAdvisoryDirectory imports the 1,655 CISA advisories from
// the reference data: hashes verified, schema validated, parsed. Skipped
// where the reference data is not beside the project.
func BenchmarkLoadAdvisoryDirectory(b *testing.B) {
	dir := "../../shared/data/advisories/cisa-ics-csaf"
	b.ReportAllocs()
	for b.Loop() {
		set, err := advisory.Load(context.Background(), dir, advisory.Options{RequireHash: true})
		if err != nil {
			b.Skip("reference data not found: ", err)
		}
		if len(set.Advisories) != 1655 {
			b.Fatalf("%d advisories", len(set.Advisories))
		}
	}
}
