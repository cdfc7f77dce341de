package vulnassess

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseInventoryCSV(t *testing.T) {
	data := "\xef\xbb\xbfDevice ID;Manufacturer;Product Name;Model Number;Firmware Version;Site\n" +
		"plc-1;Siemens AG;SIMATIC S7-1500;6ES7515-2AM02-0AB0;V2.9;north\n" +
		"\n" +
		"plc-2;\"Rockwell Automation; Inc.\";\"CompactLogix\n5370\";;30.014;south\n" +
		";Moxa;;NPort 5110;2.4;east\n"
	rows, err := ParseInventoryCSV("plant.csv", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("rows = %+v", rows)
	}
	r := rows[0]
	if r.ID != "plc-1" || r.Vendor != "Siemens AG" || r.Product != "SIMATIC S7-1500" || r.Model != "6ES7515-2AM02-0AB0" || r.Version != "V2.9" || r.Line != 2 || r.File != "plant.csv" {
		t.Errorf("row 1 = %+v", r)
	}
	if rows[1].Vendor != "Rockwell Automation; Inc." || rows[1].Product != "CompactLogix\n5370" || rows[1].Line != 4 {
		t.Errorf("row 2 = %+v", rows[1])
	}
	// No id: none of asset_id, name, serial given; product falls back to model.
	if rows[2].ID != "" || rows[2].Product != "NPort 5110" || rows[2].Line != 6 {
		t.Errorf("row 3 = %+v", rows[2])
	}
}

func TestParseInventoryCSVErrors(t *testing.T) {
	tests := map[string]struct{ data, want string }{
		"empty":      {"", "x.csv:1: file is empty"},
		"no vendor":  {"asset_id,product,version\na,b,c\n", "x.csv:1: header has no vendor column"},
		"no product": {"asset_id,vendor,version\na,b,c\n", "x.csv:1: header has no product or model column"},
		"no id":      {"vendor,product\na,b\n", "x.csv:1: header has no asset_id"},
		"duplicate":  {"asset_id,vendor,manufacturer,product\na,b,c,d\n", "name the same field"},
		"short row":  {"asset_id,vendor,product\na,b,c\nd,e\n", "x.csv:3: row has 2 fields, the header has 3"},
		"bad quotes": {"asset_id,vendor,product\na,\"b,c\n", "x.csv:2: malformed CSV"},
		"not utf8":   {"asset_id,vendor,product\na,b,c\nd,\xff\xfe,f\n", "x.csv:3: not UTF-8"},
		"bare quote": {"asset_id,vendor,product\na,b\"x,c\n", "x.csv:2: malformed CSV"},
	}
	for name, tt := range tests {
		_, err := ParseInventoryCSV("x.csv", []byte(tt.data))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", name, err, tt.want)
		}
	}
}

// TestChunkedParsingAgrees cuts inventories with quoted fields spanning
// lines into small pieces and checks that the pieces read as the whole.
func TestChunkedParsingAgrees(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var b strings.Builder
	b.WriteString("asset_id,vendor,product,version\n")
	for i := range 2000 {
		product := fmt.Sprintf("prod %d", i)
		switch r.IntN(5) {
		case 0:
			product = fmt.Sprintf("\"multi\nline \"\"%d\"\"\"", i)
		case 1:
			product = fmt.Sprintf("\"comma, %d\"", i)
		}
		fmt.Fprintf(&b, "a%d,v%d,%s,%d.%d\n", i, i%7, product, i%3, i%11)
	}
	data := []byte(b.String())
	defer func(n int) { chunkSize = n }(chunkSize)
	chunkSize = 1 << 30
	whole, err := ParseInventoryCSV("x.csv", data)
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{1, 7, 64, 333, 4096} {
		chunkSize = size
		got, err := ParseInventoryCSV("x.csv", data)
		if err != nil {
			t.Fatalf("chunk %d: %v", size, err)
		}
		if !reflect.DeepEqual(got, whole) {
			t.Fatalf("chunk size %d: rows differ from reading the file whole", size)
		}
	}
	if len(whole) != 2000 {
		t.Errorf("rows = %d", len(whole))
	}
}

func TestReadInventoryYAMLAndMissing(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "inv.yaml")
	yaml := "assets:\n  - asset_id: rtu-1\n    vendor: Hitachi Energy\n    product: RTU500 series CMU\n    version: 12.2.1\n"
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	rows, err := ReadInventory(p)
	if err != nil || len(rows) != 1 || rows[0].ID != "rtu-1" || rows[0].Version != "12.2.1" || rows[0].Line == 0 {
		t.Fatalf("%+v %v", rows, err)
	}
	if _, err := ReadInventory(filepath.Join(dir, "missing.csv")); err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Errorf("missing file: %v", err)
	}
}
