package vulnmatch_test

import (
	"encoding/csv"
	"fmt"
	"os"
	"testing"

	"github.com/insurable/insurable/feeds"
	"github.com/insurable/insurable/vulnmatch"
)

// accuracy is the outcome of matching the labelled set.
type accuracy struct {
	inside, outside             int
	insideAffected, insideUnkn  int
	outsideAffected, outsideUnk int
	misses                      []string
	falsePositives              []string
}

func (a accuracy) recall() float64 { return float64(a.insideAffected+a.insideUnkn) / float64(a.inside) }
func (a accuracy) recallAffected() float64 {
	return float64(a.insideAffected) / float64(a.inside)
}
func (a accuracy) fpr() float64 { return float64(a.outsideAffected) / float64(a.outside) }

// measureAccuracy matches the labelled set of testdata/accuracy (built by
// build.py from the 2017–2022 CISA advisories) against the advisories of
// the built-in snapshot.
func measureAccuracy(t testing.TB) accuracy {
	s, err := feeds.Embedded(feeds.PartCSAF)
	if err != nil {
		t.Fatal(err)
	}
	c := vulnmatch.NewCatalog(s.Advisories, vulnmatch.Feeds{})
	f, err := os.Open("testdata/accuracy/accuracy.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var acc accuracy
	for _, r := range recs[1:] {
		a := vulnmatch.Asset{ID: r[0], Vendor: r[1], Product: r[2], Model: r[3], Version: r[4]}
		adv, label := r[5], r[6]
		status := ""
		for _, m := range c.Match(&a) {
			if m.AdvisoryID != adv {
				continue
			}
			if m.Status == vulnmatch.StatusAffected || status == "" {
				status = m.Status
			}
		}
		desc := fmt.Sprintf("%s %s/%s/%s %q vs %s %q: %s", r[0], r[1], r[2], r[3], r[4], adv, r[8], status)
		switch label {
		case "inside":
			acc.inside++
			switch status {
			case vulnmatch.StatusAffected:
				acc.insideAffected++
			case "":
				acc.misses = append(acc.misses, desc)
			default:
				acc.insideUnkn++
			}
		case "outside":
			acc.outside++
			switch status {
			case vulnmatch.StatusAffected:
				acc.outsideAffected++
				acc.falsePositives = append(acc.falsePositives, desc)
			case "":
			default:
				acc.outsideUnk++
			}
		}
	}
	return acc
}

// TestAccuracy holds matching to the targets of issue 3 on the labelled
// set: recall at least 0.95 and a false-positive rate at most 0.02.
func TestAccuracy(t *testing.T) {
	acc := measureAccuracy(t)
	t.Logf("inside %d: %d affected, %d unknown, %d missed; outside %d: %d affected (false positives), %d unknown",
		acc.inside, acc.insideAffected, acc.insideUnkn, len(acc.misses), acc.outside, acc.outsideAffected, acc.outsideUnk)
	t.Logf("recall %.4f (affected only %.4f), false-positive rate %.4f", acc.recall(), acc.recallAffected(), acc.fpr())
	if os.Getenv("ACCURACY_VERBOSE") != "" {
		for _, m := range acc.misses {
			t.Log("MISS ", m)
		}
		for _, m := range acc.falsePositives {
			t.Log("FP   ", m)
		}
	}
	if acc.recall() < 0.95 {
		t.Errorf("recall %.4f below 0.95", acc.recall())
	}
	if acc.fpr() > 0.02 {
		t.Errorf("false-positive rate %.4f above 0.02", acc.fpr())
	}
}
