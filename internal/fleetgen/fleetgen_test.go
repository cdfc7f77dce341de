package fleetgen

import (
	"bytes"
	"context"
	"encoding/csv"
	"testing"

	"github.com/insurable/insurable/advisory"
	"github.com/insurable/insurable/osv"
	"github.com/insurable/insurable/sbom"
)

func TestWrite(t *testing.T) {
	set, err := advisory.Load(context.Background(), "../../advisory/testdata/cisa", advisory.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if err := Write(&a, set.Advisories, Options{Rows: 500, Seed: 9}); err != nil {
		t.Fatal(err)
	}
	Write(&b, set.Advisories, Options{Rows: 500, Seed: 9})
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the same seed gave different inventories")
	}
	recs, err := csv.NewReader(&a).ReadAll()
	if err != nil || len(recs) != 501 || recs[0][3] != "vendor" {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	listed := 0
	for _, r := range recs[1:] {
		for _, adv := range set.Advisories {
			for _, p := range adv.Products {
				if p.Product == r[4] {
					listed++
					goto next
				}
			}
		}
	next:
	}
	if listed < 100 || listed > 200 {
		t.Errorf("%d of 500 rows name advisory products, want about 30%%", listed)
	}
}

func TestGoModulesSBOM(t *testing.T) {
	recs, _, err := osv.LoadDir(context.Background(), "../../osv/testdata/records")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := GoModulesSBOM(&buf, recs, 40, 1); err != nil {
		t.Fatal(err)
	}
	if err := sbom.Validate("gen.cdx.json", buf.Bytes()); err != nil {
		t.Fatalf("not a valid CycloneDX BOM: %v", err)
	}
	d, err := sbom.Parse("gen.cdx.json", buf.Bytes())
	if err != nil || len(d.Components) != 40 {
		t.Fatalf("%v, %d components", err, len(d.Components))
	}
	if res := sbom.Match([]*sbom.Document{d}, osv.NewIndex(recs), nil); len(res.Matches) == 0 {
		t.Error("no component of the generated SBOM is affected")
	}
}
