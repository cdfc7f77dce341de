package vulnassess

import (
	"os"
	"reflect"
	"testing"
)

// FuzzParseInventoryCSV checks that any CSV reads without panicking, and
// reads the same cut into small pieces as whole.
func FuzzParseInventoryCSV(f *testing.F) {
	if data, err := os.ReadFile("testdata/bundle/inventory/assets.csv"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("asset_id;vendor;product\n\"a\nb\";c;d\n"))
	f.Add([]byte("asset_id,vendor,product\n\"unterminated,x,y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		defer func(n int) { chunkSize = n }(chunkSize)
		chunkSize = 1 << 30
		whole, err1 := ParseInventoryCSV("f.csv", data)
		chunkSize = 16
		pieces, err2 := ParseInventoryCSV("f.csv", data)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("whole: %v; in pieces: %v", err1, err2)
		}
		if err1 == nil && !reflect.DeepEqual(whole, pieces) {
			t.Fatal("pieces read differently from the whole file")
		}
	})
}
