package evidence

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Exports of OT asset inventory and monitoring tools name their columns in
// their own way; each must be understood without editing.
func TestInventoryCSVAliases(t *testing.T) {
	tests := []struct {
		name    string
		csv     string
		want    []Asset
		unknown []string
	}{
		{
			name: "monitoring tool export",
			csv: "Device Name,Manufacturer,Model,Firmware Version,IP Address,MAC Address\n" +
				"PLC-FILTER-1,Siemens,SIMATIC S7-1500,V2.9.4,10.1.1.10,00:1B:1B:00:00:01\n",
			want: []Asset{{ID: "PLC-FILTER-1", Name: "PLC-FILTER-1", Vendor: "Siemens", Product: "SIMATIC S7-1500", Model: "SIMATIC S7-1500",
				Version: "V2.9.4", IP: "10.1.1.10", MAC: "00:1B:1B:00:00:01"}},
		},
		{
			name: "asset management export with extra columns",
			csv: "Asset Tag,Hostname,Device Type,Vendor Name,Product Family,Part Number,FW Version,Serial No,Location,Purdue Level,Asset Criticality,Notes,Last Patched\n" +
				"T-0042,rtu-pump7,Remote Terminal Unit,Schneider Electric,SCADAPack 57x,SCADAPack 575,9.8.1,SP575-0042,Pump Station 7,Level 1,HIGH,spare on shelf,2024-01-01\n",
			want: []Asset{{ID: "T-0042", Name: "rtu-pump7", Class: "Remote Terminal Unit", Vendor: "Schneider Electric", Product: "SCADAPack 57x",
				Model: "SCADAPack 575", Version: "9.8.1", Serial: "SP575-0042", Site: "Pump Station 7", Zone: "Level 1", Criticality: "high"}},
			unknown: []string{"Notes", "Last Patched"},
		},
		{
			name: "European export: semicolons and a byte order mark",
			csv: "\ufeffAsset ID;Make;Product Name;Order Number;Software Version;IPv4 Address;End of Support;Planned Replacement;Mitigations;Protocols;PII\n" +
				"A-1;Phoenix Contact;AXC F 2152;2404267;2023.0.2;192.168.1.5;2025-06-30;2027-01-31;Own VLAN, allow-list;modbus/502|https/443;ja\n",
			want: nil, // "ja" is not a yes/no the loader knows: an error, tested below
		},
		{
			name: "tab separated, with serial as the only identifier",
			csv: "Serial Number\tBrand\tSeries\tFirmware\tNetwork Zone\tOwner\tCPE 2.3\tPackage URL\tPersonal Data\n" +
				"SN-77\tMoxa\tOnCell G3150A-LTE\t1.3\tDMZ\tK. Lee\tcpe:2.3:h:moxa:oncell:-:*:*:*:*:*:*:*\tpkg:generic/moxa/oncell@1.3\tno\n",
			want: []Asset{{ID: "SN-77", Serial: "SN-77", Vendor: "Moxa", Product: "OnCell G3150A-LTE", Version: "1.3", Zone: "DMZ", Owner: "K. Lee",
				CPE: "cpe:2.3:h:moxa:oncell:-:*:*:*:*:*:*:*", PURL: "pkg:generic/moxa/oncell@1.3"}},
		},
		{
			name: "our own column names, any spelling",
			csv: "ASSET_ID,Class,vendor,product,firmware_version,HW Revision,site_id,EOL date,Replacement Date,Compensating Controls,Open Ports,personal-data\n" +
				"X1,vfd,ABB,ACS880,3.1,C,plant,2024-12-31,2026-12-31,Behind a firewall,modbus/502; https/443 ,yes\n" +
				",,,,,,,,,,,\n" + // spreadsheets pad with empty rows
				"  ,  , ,,,,,,,,,\n",
			want: []Asset{{ID: "X1", Class: "vfd", Vendor: "ABB", Product: "ACS880", Version: "3.1", HardwareRevision: "C", Site: "plant",
				EndOfLife: MustDate("2024-12-31"), Replacement: MustDate("2026-12-31"), CompensatingControls: "Behind a firewall",
				Services: []string{"modbus/502", "https/443"}, PersonalData: true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, unknown, err := parseInventoryCSV("inventory/x.csv", []byte(tt.csv), DefaultLimits)
			if tt.want == nil {
				if err == nil || !strings.Contains(err.Error(), "personal_data") || !strings.Contains(err.Error(), "inventory/x.csv:2") {
					t.Errorf("want an error about personal_data on line 2, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				got[i].Ref = Ref{}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("assets:\n got %+v\nwant %+v", got, tt.want)
			}
			if !slices.Equal(unknown, tt.unknown) {
				t.Errorf("unknown columns %q, want %q", unknown, tt.unknown)
			}
		})
	}
}

// The same export with semicolons parses once the unknown yes/no is fixed,
// and the delimiter is taken from the header line alone.
func TestInventoryCSVSemicolons(t *testing.T) {
	csv := "Asset ID;Make;Product Name;Mitigations;Protocols;PII\nA-1;Phoenix Contact;AXC F 2152;Own VLAN, allow-list;modbus/502|https/443;y\n"
	got, _, err := parseInventoryCSV("inventory/x.csv", []byte(csv), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].CompensatingControls != "Own VLAN, allow-list" || !got[0].PersonalData || len(got[0].Services) != 2 {
		t.Errorf("got %+v", got)
	}
}

// Every alias the documentation lists resolves to its column, and no alias
// is claimed by two columns (the table is a map, so a clash would make the
// result depend on iteration order).
func TestAliasTablesAreUnambiguous(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "inventory.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	tables := 0
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) != 1 {
			return true
		}
		if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != "aliasTable" {
			return true
		}
		tables++
		owner := map[string]string{}
		for _, elt := range call.Args[0].(*ast.CompositeLit).Elts {
			kv := elt.(*ast.KeyValueExpr)
			canon, _ := strconv.Unquote(kv.Key.(*ast.BasicLit).Value)
			for _, a := range kv.Value.(*ast.CompositeLit).Elts {
				alias, _ := strconv.Unquote(a.(*ast.BasicLit).Value)
				n := normHeader(alias)
				if prev, dup := owner[n]; dup && prev != canon {
					t.Errorf("%s: alias %q is claimed by %s and %s", fset.Position(a.Pos()), alias, prev, canon)
				}
				owner[n] = canon
			}
		}
		return true
	})
	if tables != 4 {
		t.Errorf("found %d alias tables, want 4 (inventory, observations, metrics, reports)", tables)
	}
	for alias, canon := range map[string]string{
		"Device Name": "name", "Manufacturer": "vendor", "Model": "model", "Firmware Version": "version",
		"IP Address": "ip", "MAC Address": "mac", "MLFB": "model", "Purdue Level": "zone", "End-of-Life": "eol",
	} {
		if got := inventoryAliases[normHeader(alias)]; got != canon {
			t.Errorf("%q maps to %q, want %q", alias, got, canon)
		}
	}
}

func TestNormalizeClass(t *testing.T) {
	for _, c := range AssetClasses {
		if got := NormalizeClass(c); got != c {
			t.Errorf("canonical class %q normalises to %q", c, got)
		}
	}
	for alias, canon := range classAliases {
		if !slices.Contains(AssetClasses, canon) {
			t.Errorf("alias %q maps to %q, which is not a class", alias, canon)
		}
	}
	for in, want := range map[string]string{
		"PLC": "plc", "Programmable Logic Controller": "plc", "Remote Terminal Unit": "rtu", "VFD": "drive",
		"Variable Frequency Drive": "drive", "Safety Controller": "safety-system", "Engineering Workstation": "workstation",
		"IP Camera": "camera", "Infusion Pump": "medical-device", "HVAC controller": "building-automation",
		"Data Diode": "firewall", "Protection Relay": "controller", "toaster": "",
	} {
		if got := NormalizeClass(in); got != want {
			t.Errorf("NormalizeClass(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestInventoryYAML(t *testing.T) {
	in := "assets:\n  - asset_id: A\n    model: M-1\n    criticality: HIGH\n  - name: only-a-name\n    vendor: V\n"
	got, err := parseInventoryYAML("inventory/i.yaml", []byte(in), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Product != "M-1" || got[0].Criticality != "high" || got[1].ID != "only-a-name" || got[1].Ref.Line != 5 {
		t.Errorf("got %+v", got)
	}
}

func TestSecurityTxt(t *testing.T) {
	signed := `-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA256

# comment
CONTACT: mailto:security@example.com
contact: https://example.com/report
Expires: 2027-01-01T00:00:00Z
Policy: https://example.com/policy
X-Custom: kept as written
-----BEGIN PGP SIGNATURE-----

iHUEARYIAB0WIQ
Contact: mailto:not-a-field@example.com
-----END PGP SIGNATURE-----
`
	st, err := parseSecurityTxt(PathSecurityTxt, []byte(signed))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"Contact":  {"mailto:security@example.com", "https://example.com/report"},
		"Expires":  {"2027-01-01T00:00:00Z"},
		"Policy":   {"https://example.com/policy"},
		"X-Custom": {"kept as written"},
	}
	if !reflect.DeepEqual(st.Fields, want) {
		t.Errorf("fields = %q", st.Fields)
	}
	if st.Lines["Contact"] != 5 || st.Lines["Policy"] != 8 {
		t.Errorf("lines = %v", st.Lines)
	}
	for _, bad := range []string{"Contact mailto:x\n", "Contact Me: x\n", ": x\n"} {
		if _, err := parseSecurityTxt(PathSecurityTxt, []byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	long := "Contact: " + strings.Repeat("x", 2<<20) + "\n"
	if _, err := parseSecurityTxt(PathSecurityTxt, []byte(long)); err == nil {
		t.Error("a 2 MiB line was accepted")
	}
}

func TestParseDateAndPeriod(t *testing.T) {
	for in, want := range map[string]string{
		"2026-01-31": "2026-01-31", " 2026-01-31 ": "2026-01-31", "2026-01-31T23:30:00-02:00": "2026-02-01", "2026-01-31T10:00:00Z": "2026-01-31",
	} {
		d, err := ParseDate(in)
		if err != nil || d.String() != want {
			t.Errorf("ParseDate(%q) = %v, %v; want %s", in, d, err, want)
		}
	}
	for _, bad := range []string{"", "31/01/2026", "2026-02-30", "2026-1-5", "yesterday"} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
	for in, want := range map[string]Period{
		"12mo": {Months: 12}, "90d": {Days: 90}, "2w": {Days: 14}, "1y": {Months: 12}, "1y6mo": {Months: 18}, "1mo2w3d": {Months: 1, Days: 17},
	} {
		p, err := ParsePeriod(in)
		if err != nil || p != want {
			t.Errorf("ParsePeriod(%q) = %v, %v; want %v", in, p, err, want)
		}
	}
	for _, bad := range []string{"", "12", "mo", "12m", "1.5y", "-3d", "999999d", "3 d"} {
		if _, err := ParsePeriod(bad); err == nil {
			t.Errorf("ParsePeriod(%q) accepted", bad)
		}
	}
	if d := MustDate("2026-03-31").Minus(Period{Months: 1}); d.String() != "2026-03-03" {
		// Go's AddDate normalises 2026-02-31 to 2026-03-03; documented as
		// calendar arithmetic.
		t.Errorf("2026-03-31 minus 1mo = %s", d)
	}
}
