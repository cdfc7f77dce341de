package evidence

import (
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/insurable/insurable"
)

// ReadInventoryFile reads an asset inventory given on the command line
// rather than inside a bundle: a CSV file (with the column names of OT
// asset tools that the bundle loader accepts) or a YAML file. It returns
// the assets and the CSV columns it did not use. Errors name path and line.
func ReadInventoryFile(path string, limits Limits) ([]Asset, []string, error) {
	if limits == (Limits{}) {
		limits = DefaultLimits
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, openError(path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, openError(path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, insurable.FileError(opOpen, insurable.Invalid, path, 0, "not a regular file")
	}
	isYAML := strings.EqualFold(filepath.Ext(path), ".yaml") || strings.EqualFold(filepath.Ext(path), ".yml")
	max := limits.MaxTableBytes
	if isYAML {
		max = limits.MaxFileBytes
	}
	if fi.Size() > max {
		return nil, nil, insurable.FileError(opOpen, insurable.TooLarge, path, 0, "file is %d bytes, more than the limit of %d", fi.Size(), max)
	}
	data := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, nil, openError(path, err)
	}
	if isYAML {
		assets, err := parseInventoryYAML(path, data, limits)
		return assets, nil, err
	}
	return parseInventoryCSV(path, data, limits)
}

// InventoryColumn maps a column header of an inventory CSV to its
// canonical column (asset_id, vendor, product, model, version, cpe, purl…),
// with the aliases of OT asset tools' exports that Load accepts; it returns
// "" for a header it does not know.
func InventoryColumn(header string) string {
	return inventoryAliases[normHeader(header)]
}
