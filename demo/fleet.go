package demo

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"sort"
	"strings"

	"github.com/insurable/insurable/evidence"
)

func (g *generator) makeFirm() firmInfo {
	switch g.opts.Scenario {
	case Water:
		return firmInfo{
			id: "riverbend-water", name: "Riverbend Water Authority", naics: "221310", industry: "Water supply and treatment",
			country: "US", website: "https://www.riverbendwater.example", domain: "riverbendwater.example",
			sites: []evidence.Site{
				{ID: "wtp", Name: "Riverbend Water Treatment Plant", Country: "US", Region: "PA"},
				{ID: "ps-north", Name: "North Booster Pump Station", Country: "US", Region: "PA"},
				{ID: "ps-south", Name: "South Booster Pump Station", Country: "US", Region: "PA"},
				{ID: "res-hill", Name: "Hilltop Reservoir", Country: "US", Region: "PA"},
			},
			people: people{ceo: "Margaret Okafor", ciso: "Daniel Reyes", otLead: "Priya Natarajan", engineer: "Tom Kowalski",
				itLead: "Aisha Bello", finance: "Robert Lindqvist", quality: "Helen Park", board: "Board of Commissioners"},
		}
	case Manufacturer:
		return firmInfo{
			id: "keystone-precision", name: "Keystone Precision Components", naics: "332721", industry: "Precision turned products",
			country: "US", website: "https://www.keystoneprecision.example", domain: "keystoneprecision.example",
			sites: []evidence.Site{
				{ID: "york", Name: "York Machining Plant", Country: "US", Region: "PA"},
				{ID: "lancaster", Name: "Lancaster Assembly Plant", Country: "US", Region: "PA"},
			},
			people: people{ceo: "Laura Whitfield", ciso: "Samuel Achebe", otLead: "Mei Lin Zhao", engineer: "Carlos Mendes",
				itLead: "Olivia Brandt", finance: "Nikhil Rao", quality: "Fatima Haddad", board: "Board of Directors"},
		}
	}
	id := fmt.Sprintf("synthetic-%d", g.opts.Seed)
	name := fmt.Sprintf("Synthetic Industries %d", g.opts.Seed)
	if g.opts.FirmID != "" {
		id = g.opts.FirmID
	}
	if g.opts.FirmName != "" {
		name = g.opts.FirmName
	}
	nsites := 1 + g.opts.Devices/250
	if nsites > 500 {
		nsites = 500
	}
	sites := make([]evidence.Site, nsites)
	for i := range sites {
		sites[i] = evidence.Site{ID: fmt.Sprintf("site-%03d", i+1), Name: fmt.Sprintf("Plant %d", i+1), Country: "US"}
	}
	naics := []string{"221310", "332721", "325412", "311812", "336390"}[g.rng.IntN(5)]
	return firmInfo{
		id: id, name: name, naics: naics, country: "US", website: "https://www." + id + ".example", domain: id + ".example",
		sites: sites,
		people: people{ceo: "Jordan Ellis", ciso: "Casey Morgan", otLead: "Riley Chen", engineer: "Sam Patel",
			itLead: "Alex Novak", finance: "Jamie Ortiz", quality: "Taylor Brooks", board: "Board of Directors"},
	}
}

// pick chooses a model by weight.
func (g *generator) pick(ms []weighted) model {
	total := 0
	for _, w := range ms {
		total += w.Weight
	}
	n := g.rng.IntN(total)
	for _, w := range ms {
		if n < w.Weight {
			return w.Model
		}
		n -= w.Weight
	}
	return ms[len(ms)-1].Model
}

var classPrefix = map[string]string{
	"PLC": "plc", "RTU": "rtu", "HMI": "hmi", "Gateway": "gw", "Drive": "vfd", "Sensor": "ai", "Meter": "fit",
	"Switch": "sw", "Server": "srv", "Historian": "hist", "Firewall": "fw", "Controller": "ctl", "Workstation": "ews",
}

func (g *generator) makeFleet() {
	var ms []weighted
	switch g.opts.Scenario {
	case Water:
		ms = waterModels
	case Manufacturer:
		ms = manufacturingModels
	default:
		ms = append(append([]weighted{}, waterModels...), manufacturingModels...)
	}
	n := g.opts.Devices
	g.assets = make([]evidence.Asset, n)
	g.fleet = make([]model, n)
	counters := map[string]int{}
	for i := 0; i < n; i++ {
		m := g.pick(ms)
		// Servers and historians are few whatever the size of the fleet.
		if (m.Class == "Server" || m.Class == "Historian") && counters[m.Class] >= 2+n/500 {
			m = g.pick(ms[:3])
		}
		site := g.firm.sites[g.siteFor(i, m)]
		counters[m.Class]++
		prefix := classPrefix[m.Class]
		id := fmt.Sprintf("%s-%s-%03d", site.ID, prefix, counters[site.ID+m.Class]+1)
		counters[site.ID+m.Class]++
		version := m.Current
		if g.chance(g.p.oldFirmware) {
			version = m.Old
		}
		a := evidence.Asset{
			ID: id, Name: strings.ToUpper(id), Class: m.Class, Vendor: m.Vendor, Product: m.Product, Model: m.Model,
			Version: version, Serial: fmt.Sprintf("%s%08d", strings.ToUpper(prefix[:1]), g.rng.IntN(100000000)),
			HardwareRevision: m.HWRevision, Site: site.ID, Zone: zoneFor(m.Class),
			IP:          ipFor(i),
			MAC:         fmt.Sprintf("00:1d:9c:%02x:%02x:%02x", (i>>16)&0xff, (i>>8)&0xff, i&0xff),
			Criticality: criticalityFor(m.Class), Owner: g.firm.people.otLead,
			Services: m.Services, PersonalData: m.PersonalData,
		}
		if m.EOL != "" {
			a.EndOfLife = evidence.MustDate(m.EOL)
			if g.p.legacyPlanned {
				a.CompensatingControls = "Isolated in a dedicated zone behind a data diode; read-only HMI access; monitored by the OT IDS"
				a.Replacement = g.asOf.AddDays(120 + g.rng.IntN(240))
			}
		}
		if g.chance(g.p.missingFields) {
			switch g.rng.IntN(3) {
			case 0:
				a.Version = ""
			case 1:
				a.Criticality = ""
			default:
				a.Site = ""
			}
		}
		g.assets[i] = a
		g.fleet[i] = m
	}
}

// ipFor gives device i an address of its own in 10.0.0.0/8.
func ipFor(i int) string {
	n := i + 4096
	return fmt.Sprintf("10.%d.%d.%d", (n>>16)&255, (n>>8)&255, n&255)
}

// siteFor spreads devices over sites: the first site (the main plant) takes
// the larger share.
func (g *generator) siteFor(i int, m model) int {
	n := len(g.firm.sites)
	if n == 1 || m.Class == "Server" || m.Class == "Historian" {
		return 0
	}
	if g.chance(0.4) {
		return 0
	}
	return g.rng.IntN(n)
}

func zoneFor(class string) string {
	switch class {
	case "Server", "Historian", "Workstation":
		return "L3 operations"
	case "HMI":
		return "L2 supervisory"
	case "Switch", "Firewall", "Gateway":
		return "L2 network"
	}
	return "L1 control"
}

func criticalityFor(class string) string {
	switch class {
	case "PLC", "RTU", "Controller", "Server", "Firewall":
		return "high"
	case "HMI", "Drive", "Switch", "Gateway", "Historian", "Workstation":
		return "medium"
	}
	return "low"
}

// inventoryColumns are the columns of the inventory export. The water
// utility's comes from its OT monitoring platform and uses that tool's
// column names; the others use the canonical ones.
var canonicalColumns = []string{"asset_id", "name", "class", "vendor", "product", "model", "version", "serial", "hw_revision", "site", "zone", "ip", "mac", "criticality", "owner", "eol", "replacement", "compensating_controls", "services", "personal_data"}

var exportColumns = []string{"Asset ID", "Asset Name", "Asset Type", "Manufacturer", "Product Name", "Model Number", "Firmware Version", "Serial Number", "Hardware Version", "Site Name", "Purdue Level", "IP Address", "MAC Address", "Criticality", "Asset Owner", "End of Life", "Replacement Date", "Compensating Controls", "Protocols", "PII"}

func (g *generator) writeInventory() error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	head := canonicalColumns
	if g.opts.Scenario == Water {
		head = exportColumns
	}
	w.Write(head)
	for i := range g.assets {
		a := &g.assets[i]
		pii := "no"
		if a.PersonalData {
			pii = "yes"
		}
		w.Write([]string{a.ID, a.Name, a.Class, a.Vendor, a.Product, a.Model, a.Version, a.Serial, a.HardwareRevision,
			a.Site, a.Zone, a.IP, a.MAC, a.Criticality, a.Owner, a.EndOfLife.String(), a.Replacement.String(),
			a.CompensatingControls, strings.Join(a.Services, ";"), pii})
		if g.opts.Progress != nil && i%10000 == 0 {
			g.opts.Progress(i, len(g.assets))
		}
	}
	w.Flush()
	if g.opts.Progress != nil {
		g.opts.Progress(len(g.assets), len(g.assets))
	}
	return g.write("inventory/assets.csv", buf.Bytes())
}

func (g *generator) writeObservations() error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"IP Address", "MAC Address", "Vendor", "Product", "First Seen", "Last Seen", "Sensor"})
	for i := range g.assets {
		a := &g.assets[i]
		w.Write([]string{a.IP, a.MAC, a.Vendor, a.Product, g.daysAgo(300 + i%60).String(), g.daysAgo(i % 5).String(), "ot-ids-" + a.Site})
	}
	rogue := [][2]string{{"Raspberry Pi Trading Ltd", "Raspberry Pi 4 Model B"}, {"TP-LINK TECHNOLOGIES CO.,LTD.", "TL-WR841N"}, {"Espressif Inc.", "ESP32"}, {"Ubiquiti Inc", "UniFi AP"}}
	for i := 0; i < g.p.unlisted; i++ {
		r := rogue[i%len(rogue)]
		w.Write([]string{fmt.Sprintf("10.%d.250.%d", 10+i%4, 20+i), fmt.Sprintf("b8:27:eb:%02x:%02x:%02x", i, i*7%256, i*13%256), r[0], r[1],
			g.daysAgo(40 + i*3).String(), g.daysAgo(1 + i).String(), "ot-ids-" + g.firm.sites[i%len(g.firm.sites)].ID})
	}
	w.Flush()
	return g.write("observations/network-monitoring.csv", buf.Bytes())
}

// models returns the distinct models of the fleet, sorted.
func (g *generator) models() []model {
	seen := map[string]bool{}
	var out []model
	for _, m := range g.fleet {
		k := m.Vendor + "\x00" + m.Product
		if !seen[k] {
			seen[k] = true
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Vendor != out[j].Vendor {
			return out[i].Vendor < out[j].Vendor
		}
		return out[i].Product < out[j].Product
	})
	return out
}
