// Package fleetgen writes synthetic OT asset inventories for benchmarks:
// rows of products that the given advisories name, with versions on both
// sides of their ranges and vendor names spelled as asset owners do, mixed
// with rows of products no advisory names.
package fleetgen

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/insurable/insurable/advisory"
	"github.com/insurable/insurable/osv"
)

// Options shape the inventory.
type Options struct {
	Rows int
	Seed uint64
	// Listed is the share of rows naming a product an advisory lists
	// (default 0.3); the rest are devices no advisory names.
	Listed float64
	// Models, when set, draws every row from that many distinct device
	// models and versions, as a fleet of identical devices has; by default
	// rows are drawn afresh.
	Models int
}

var vendorSpellings = []func(string) string{
	func(s string) string { return s },
	strings.ToUpper,
	func(s string) string { return s + " Inc." },
	func(s string) string { return s + " AG" },
	func(s string) string { return s + " GmbH" },
	func(s string) string { return s + " Co., Ltd." },
}

var unlisted = [][3]string{
	{"Dell", "PowerEdge R740", "2.12.2"},
	{"HPE", "ProLiant DL380 Gen10", "U30 2.72"},
	{"Cisco", "Catalyst 9300", "17.9.4"},
	{"Fortinet", "FortiGate 100F", "7.2.5"},
	{"Axis", "P1455-LE", "10.12.165"},
	{"Endress+Hauser", "Promag 400", "01.02.00"},
	{"Krohne", "OPTIFLUX 4300", "3.1"},
	{"Vaisala", "HMT330", "5.16"},
	{"Belimo", "LR24A-SR", "1.0"},
	{"Danfoss", "VLT AutomationDrive FC 302", "8.42"},
	{"Beckhoff", "CX5140", "TC3 4024.32"},
	{"Turck", "TBEN-S2-4IOL", "3.4.1.0"},
}

var versions = []string{"1.0", "V2.0", "V3.2.7", "V4.1.2", "V4.1.3", "4.3.7", "V5.2", "6.2", "V6.5", "7.0.1", "V7.58", "V8.1", "V14 SP1", "V16 Update 4", "V21.00 SP2", "2.0.1", "10.2", ""}

// Write writes an inventory CSV with a header of asset_id, name, class,
// vendor, product, model, version, site and ip.
func Write(w io.Writer, advs []*advisory.Advisory, o Options) error {
	if o.Listed == 0 {
		o.Listed = 0.3
	}
	r := rand.New(rand.NewPCG(o.Seed, 0x1c5))
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"asset_id", "name", "class", "vendor", "product", "model", "version", "site", "ip"}); err != nil {
		return err
	}
	var withProducts []*advisory.Advisory
	for _, a := range advs {
		if len(a.Products) > 0 {
			withProducts = append(withProducts, a)
		}
	}
	row := make([]string, 9)
	var pool [][4]string
	for i := 0; i < o.Rows; i++ {
		row[0] = fmt.Sprintf("A%07d", i)
		row[1] = fmt.Sprintf("dev-%07d", i)
		row[2] = "plc"
		row[7] = fmt.Sprintf("site-%d", i%40)
		row[8] = fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		if o.Models > 0 && len(pool) == o.Models {
			d := pool[r.IntN(len(pool))]
			row[3], row[4], row[5], row[6] = d[0], d[1], d[2], d[3]
		} else if len(withProducts) > 0 && r.Float64() < o.Listed {
			a := withProducts[r.IntN(len(withProducts))]
			p := a.Products[r.IntN(len(a.Products))]
			row[3] = vendorSpellings[r.IntN(len(vendorSpellings))](firstVendor(p.Vendor))
			row[4] = p.Product
			row[5] = ""
			if len(p.Models) > 0 && r.IntN(2) == 0 {
				row[5] = p.Models[0]
			}
			row[6] = versions[r.IntN(len(versions))]
			if p.Version != "" && r.IntN(2) == 0 {
				row[6] = p.Version
			}
		} else {
			u := unlisted[r.IntN(len(unlisted))]
			row[3], row[4], row[5], row[6] = u[0], u[1], "", u[2]
		}
		if o.Models > 0 && len(pool) < o.Models {
			pool = append(pool, [4]string{row[3], row[4], row[5], row[6]})
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// firstVendor keeps the first name of a vendor list ("ICONICS, Mitsubishi
// Electric" gives ICONICS), as one inventory row names one vendor.
func firstVendor(v string) string {
	if i := strings.IndexByte(v, ','); i > 0 {
		return v[:i]
	}
	return v
}

// GoModulesSBOM writes a CycloneDX 1.5 SBOM of n Go modules drawn from the
// packages OSV records name, at versions on both sides of the records'
// boundaries (the version just below a fix, the fix, the first affected),
// filled up with modules no record names — the shape of the SBOM the
// osv-scanner comparison of docs/vulnerabilities.md uses.
func GoModulesSBOM(w io.Writer, records []*osv.Record, n int, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 0x5b0))
	bounds := map[string]map[string]bool{}
	for _, rec := range records {
		for _, a := range rec.Affected {
			if a.Ecosystem != "Go" {
				continue
			}
			if bounds[a.Name] == nil {
				bounds[a.Name] = map[string]bool{}
			}
			for _, rg := range a.Ranges {
				for _, e := range rg.Events {
					for _, v := range []string{e.Introduced, e.Fixed, e.LastAffected} {
						if v != "" && v != "0" {
							bounds[a.Name][v] = true
						}
					}
				}
			}
		}
	}
	names := make([]string, 0, len(bounds))
	for name := range bounds {
		names = append(names, name)
	}
	slices.Sort(names)
	type comp struct{ name, version string }
	var comps []comp
	for _, name := range names {
		var vs []string
		for v := range bounds[name] {
			vs = append(vs, v)
			if b := below(v); b != "" {
				vs = append(vs, b)
			}
		}
		slices.Sort(vs)
		vs = slices.Compact(vs)
		r.Shuffle(len(vs), func(i, j int) { vs[i], vs[j] = vs[j], vs[i] })
		for _, v := range vs[:min(3, len(vs))] {
			comps = append(comps, comp{name, v})
		}
	}
	for i := 0; len(comps) < n; i++ {
		comps = append(comps, comp{fmt.Sprintf("example.com/fleet/lib%04d", i), fmt.Sprintf("1.%d.%d", i%7, i%5)})
	}
	comps = comps[:min(n, len(comps))]
	type component struct {
		Type    string `json:"type"`
		BOMRef  string `json:"bom-ref"`
		Name    string `json:"name"`
		Version string `json:"version"`
		PURL    string `json:"purl"`
	}
	bom := struct {
		BOMFormat   string      `json:"bomFormat"`
		SpecVersion string      `json:"specVersion"`
		Version     int         `json:"version"`
		Components  []component `json:"components"`
	}{BOMFormat: "CycloneDX", SpecVersion: "1.5", Version: 1}
	for _, c := range comps {
		p := packageurl.NewPackageURL("golang", path.Dir(c.name), path.Base(c.name), "v"+c.version, nil, "")
		if !strings.Contains(c.name, "/") {
			p.Namespace = ""
		}
		s := p.ToString()
		bom.Components = append(bom.Components, component{Type: "library", BOMRef: s, Name: c.name, Version: "v" + c.version, PURL: s})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(bom)
}

// below returns the patch version just below v ("1.2.3" gives "1.2.2"), or
// "" when there is none.
func below(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) != 3 {
		return ""
	}
	var nums [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return ""
		}
		nums[i] = n
	}
	switch {
	case nums[2] > 0:
		nums[2]--
	case nums[1] > 0:
		nums[1], nums[2] = nums[1]-1, 9
	default:
		return ""
	}
	return fmt.Sprintf("%d.%d.%d", nums[0], nums[1], nums[2])
}
