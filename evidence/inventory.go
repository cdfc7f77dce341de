package evidence

import (
	"errors"
	"io"
	"strings"

	"github.com/insurable/insurable"
)

// inventoryAliases maps normalised column headers, as written by this
// project's own format and by the exports of common OT asset inventory and
// monitoring tools, to the canonical inventory columns. docs/evidence-bundle.md
// lists them.
var inventoryAliases = aliasTable(map[string][]string{
	"asset_id":              {"asset_id", "asset id", "assetid", "id", "device id", "device_id", "tag", "asset tag", "asset number", "uid", "node id"},
	"name":                  {"name", "asset name", "device name", "hostname", "host name", "display name", "label"},
	"class":                 {"class", "asset class", "asset type", "device type", "type", "category", "role", "device category"},
	"vendor":                {"vendor", "manufacturer", "make", "vendor name", "brand", "oem"},
	"product":               {"product", "product name", "product family", "family", "series", "product line"},
	"model":                 {"model", "model number", "model name", "part number", "order number", "catalog number", "mlfb"},
	"version":               {"version", "firmware", "firmware version", "fw version", "fw", "os version", "software version", "firmware revision"},
	"serial":                {"serial", "serial number", "serial no", "sn"},
	"hw_revision":           {"hw_revision", "hardware revision", "hardware version", "hw version", "hw rev"},
	"site":                  {"site", "site name", "site id", "location", "plant", "facility"},
	"zone":                  {"zone", "network zone", "segment", "network", "purdue level", "level", "vlan"},
	"ip":                    {"ip", "ip address", "ip addresses", "ipv4", "ipv4 address", "address"},
	"mac":                   {"mac", "mac address", "mac addresses", "mac_address"},
	"criticality":           {"criticality", "asset criticality", "business criticality", "importance"},
	"owner":                 {"owner", "asset owner", "responsible", "custodian"},
	"eol":                   {"eol", "end of life", "end-of-life", "end of support", "eos", "eol date"},
	"replacement":           {"replacement", "replacement date", "planned replacement"},
	"compensating_controls": {"compensating_controls", "compensating controls", "mitigations", "controls"},
	"services":              {"services", "protocols", "open ports", "ports"},
	"personal_data":         {"personal_data", "personal data", "pii"},
	"cpe":                   {"cpe", "cpe23", "cpe 2.3"},
	"purl":                  {"purl", "package url"},
})

func aliasTable(m map[string][]string) map[string]string {
	out := map[string]string{}
	for canon, names := range m {
		for _, n := range names {
			out[normHeader(n)] = canon
		}
	}
	return out
}

// AssetClasses are the canonical asset classes; inventories may use any of
// the aliases in classAliases.
var AssetClasses = []string{
	"plc", "rtu", "hmi", "gateway", "drive", "sensor", "actuator", "meter",
	"controller", "safety-system", "network", "firewall", "server",
	"workstation", "historian", "camera", "medical-device", "building-automation", "other",
}

var classAliases = map[string]string{
	"programmablelogiccontroller": "plc", "plc": "plc", "pac": "plc",
	"rtu": "rtu", "remoteterminalunit": "rtu", "outstation": "rtu",
	"hmi": "hmi", "humanmachineinterface": "hmi", "operatorpanel": "hmi", "panel": "hmi", "scada": "hmi",
	"gateway": "gateway", "iotgateway": "gateway", "protocolgateway": "gateway", "edgegateway": "gateway", "modem": "gateway", "cellularrouter": "gateway",
	"drive": "drive", "vfd": "drive", "variablefrequencydrive": "drive", "servodrive": "drive", "inverter": "drive",
	"sensor": "sensor", "transmitter": "sensor", "analyzer": "sensor", "iosensor": "sensor",
	"actuator": "actuator", "valve": "actuator", "valveactuator": "actuator",
	"meter": "meter", "flowmeter": "meter", "powermeter": "meter", "smartmeter": "meter",
	"controller": "controller", "dcs": "controller", "dcscontroller": "controller", "ied": "controller", "relay": "controller", "protectionrelay": "controller",
	"safety": "safety-system", "safetysystem": "safety-system", "sis": "safety-system", "safetycontroller": "safety-system",
	"network": "network", "switch": "network", "router": "network", "networkdevice": "network", "accesspoint": "network",
	"firewall": "firewall", "datadiode": "firewall",
	"server": "server", "scadaserver": "server", "opcserver": "server",
	"workstation": "workstation", "engineeringworkstation": "workstation", "ews": "workstation", "pc": "workstation",
	"historian": "historian",
	"camera":    "camera", "ipcamera": "camera", "cctv": "camera",
	"medicaldevice": "medical-device", "infusionpump": "medical-device",
	"buildingautomation": "building-automation", "bms": "building-automation", "bas": "building-automation", "hvaccontroller": "building-automation",
	"other": "other", "unknown": "other",
}

// NormalizeClass maps an asset class as written in an inventory to a
// canonical class. It returns "" when the class is not recognised.
func NormalizeClass(s string) string {
	return classAliases[normHeader(s)]
}

// splitList splits a multi-valued cell on ";" or "|" (commas are kept for
// values such as "Co., Ltd").
func splitList(s string) []string {
	if s == "" {
		return nil
	}
	f := func(r rune) bool { return r == ';' || r == '|' }
	var out []string
	for _, p := range strings.FieldsFunc(s, f) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseInventoryCSV reads an asset inventory table.
func parseInventoryCSV(name string, data []byte, limits Limits) ([]Asset, []string, error) {
	t, err := openTable(name, data, inventoryAliases, []string{"asset_id|name|serial", "vendor", "product|model"}, limits.MaxRecordsInFile)
	if err != nil {
		return nil, nil, err
	}
	assets := make([]Asset, 0, len(data)/120)
	for {
		r, err := t.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		a := Asset{
			ID:                   r.get("asset_id"),
			Name:                 r.get("name"),
			Class:                r.get("class"),
			Vendor:               r.get("vendor"),
			Product:              r.get("product"),
			Model:                r.get("model"),
			Version:              r.get("version"),
			Serial:               r.get("serial"),
			HardwareRevision:     r.get("hw_revision"),
			Site:                 r.get("site"),
			Zone:                 r.get("zone"),
			IP:                   r.get("ip"),
			MAC:                  r.get("mac"),
			Criticality:          strings.ToLower(r.get("criticality")),
			Owner:                r.get("owner"),
			CompensatingControls: r.get("compensating_controls"),
			Services:             splitList(r.get("services")),
			CPE:                  r.get("cpe"),
			PURL:                 r.get("purl"),
			Ref:                  Ref{File: name, Line: r.line},
		}
		if a.ID == "" {
			a.ID = firstNonEmpty(a.Name, a.Serial)
		}
		if a.Product == "" {
			a.Product = a.Model
		}
		if a.EndOfLife, err = r.date("eol"); err != nil {
			return nil, nil, err
		}
		if a.Replacement, err = r.date("replacement"); err != nil {
			return nil, nil, err
		}
		if a.PersonalData, err = r.boolean("personal_data"); err != nil {
			return nil, nil, err
		}
		assets = append(assets, a)
	}
	return assets, t.unknown, nil
}

// inventoryYAML is the YAML form of the inventory.
type inventoryYAML struct {
	Assets []Asset `yaml:"assets"`
}

func parseInventoryYAML(name string, data []byte, limits Limits) ([]Asset, error) {
	var inv inventoryYAML
	doc, err := decodeYAML(name, data, &inv)
	if err != nil {
		return nil, err
	}
	if len(inv.Assets) > limits.MaxRecordsInFile {
		return nil, insurable.FileError(opOpen, insurable.TooLarge, name, doc.ref("assets", limits.MaxRecordsInFile).Line, "more than %d assets", limits.MaxRecordsInFile)
	}
	for i := range inv.Assets {
		a := &inv.Assets[i]
		a.Ref = doc.ref("assets", i)
		a.Criticality = strings.ToLower(a.Criticality)
		if a.ID == "" {
			a.ID = firstNonEmpty(a.Name, a.Serial)
		}
		if a.Product == "" {
			a.Product = a.Model
		}
	}
	return inv.Assets, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

var observationAliases = aliasTable(map[string][]string{
	"ip":         {"ip", "ip address", "ipv4", "address", "src ip", "source ip"},
	"mac":        {"mac", "mac address", "mac_address", "hardware address"},
	"vendor":     {"vendor", "manufacturer", "oui vendor", "make"},
	"product":    {"product", "model", "product name"},
	"first_seen": {"first_seen", "first seen", "firstseen", "discovered"},
	"last_seen":  {"last_seen", "last seen", "lastseen", "last activity"},
	"source":     {"source", "sensor", "collector"},
})

// parseObservations reads a table of devices seen on the network.
func parseObservations(name string, data []byte, limits Limits) ([]ObservedDevice, error) {
	t, err := openTable(name, data, observationAliases, []string{"ip|mac"}, limits.MaxRecordsInFile)
	if err != nil {
		return nil, err
	}
	var out []ObservedDevice
	for {
		r, err := t.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		o := ObservedDevice{IP: r.get("ip"), MAC: r.get("mac"), Vendor: r.get("vendor"), Product: r.get("product"), Source: r.get("source"), Ref: Ref{File: name, Line: r.line}}
		if o.FirstSeen, err = r.date("first_seen"); err != nil {
			return nil, err
		}
		if o.LastSeen, err = r.date("last_seen"); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

var metricAliases = aliasTable(map[string][]string{
	"date":   {"date", "period", "month", "day", "timestamp"},
	"metric": {"metric", "name", "indicator", "kpi"},
	"value":  {"value", "count", "amount"},
	"source": {"source", "data source"},
})

// parseMetrics reads a metric series table: date, metric, value.
func parseMetrics(name string, data []byte, limits Limits) ([]MetricPoint, error) {
	t, err := openTable(name, data, metricAliases, []string{"date", "metric", "value"}, limits.MaxRecordsInFile)
	if err != nil {
		return nil, err
	}
	var out []MetricPoint
	for {
		r, err := t.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		p := MetricPoint{Metric: strings.ToLower(r.get("metric")), Source: r.get("source"), Ref: Ref{File: name, Line: r.line}}
		if p.Date, err = r.date("date"); err != nil {
			return nil, err
		}
		if p.Date.IsZero() {
			return nil, r.errorf("date", "is empty")
		}
		if p.Value, err = parseNumber(r.get("value")); err != nil {
			return nil, r.errorf("value", "%v", err)
		}
		out = append(out, p)
	}
	return out, nil
}

var reportAliases = aliasTable(map[string][]string{
	"id":           {"id", "report id", "reference", "ticket"},
	"received":     {"received", "reported", "received date", "date received"},
	"acknowledged": {"acknowledged", "ack", "acknowledged date"},
	"fixed":        {"fixed", "resolved", "fixed date", "remediated"},
	"severity":     {"severity", "cvss severity", "priority"},
	"status":       {"status", "state"},
	"source":       {"source", "reporter", "channel"},
})

// parseReports reads the vulnerability report log.
func parseReports(name string, data []byte, limits Limits) ([]VulnReport, error) {
	t, err := openTable(name, data, reportAliases, []string{"id", "received", "severity"}, limits.MaxRecordsInFile)
	if err != nil {
		return nil, err
	}
	var out []VulnReport
	for {
		r, err := t.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		v := VulnReport{ID: r.get("id"), Severity: strings.ToLower(r.get("severity")), Status: strings.ToLower(r.get("status")), Source: r.get("source"), Ref: Ref{File: name, Line: r.line}}
		if v.Received, err = r.date("received"); err != nil {
			return nil, err
		}
		if v.Received.IsZero() {
			return nil, r.errorf("received", "is empty")
		}
		if v.Acknowledged, err = r.date("acknowledged"); err != nil {
			return nil, err
		}
		if v.Fixed, err = r.date("fixed"); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
