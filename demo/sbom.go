package demo

import (
	"bytes"
	"crypto/sha256"
	"fmt"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// component is an open-source or third-party component that embedded
// firmware commonly carries.
type component struct {
	name, supplier, current, old string
	cpeVendor                    string
}

var firmwareComponents = []component{
	{"linux", "The Linux Foundation", "6.1.83", "4.9.118", "linux"},
	{"busybox", "BusyBox", "1.36.1", "1.24.1", "busybox"},
	{"openssl", "OpenSSL Software Foundation", "3.0.13", "1.0.2k", "openssl"},
	{"zlib", "zlib", "1.3.1", "1.2.8", "zlib"},
	{"lwip", "Savannah lwIP", "2.2.0", "1.4.1", "lwip_project"},
	{"mbedtls", "Trusted Firmware", "3.6.0", "2.16.0", "arm"},
	{"freertos", "Amazon Web Services", "10.6.2", "9.0.0", "amazon"},
	{"libxml2", "GNOME", "2.11.7", "2.9.4", "xmlsoft"},
	{"dropbear", "Dropbear SSH", "2022.83", "2016.74", "dropbear_ssh_project"},
	{"open62541", "open62541", "1.3.9", "1.0.1", "open62541"},
}

// writeSBOMs writes a CycloneDX SBOM for each firmware version in the fleet.
// A firm that keeps its house in order has one for every version; the
// utility obtained them for half its models only.
func (g *generator) writeSBOMs() error {
	type fw struct {
		m       model
		version string
	}
	seen := map[string]bool{}
	var fws []fw
	for i := range g.assets {
		a := &g.assets[i]
		k := a.Vendor + "\x00" + a.Product + "\x00" + a.Version
		if a.Version == "" || seen[k] {
			continue
		}
		seen[k] = true
		fws = append(fws, fw{g.fleet[i], a.Version})
	}
	for n, f := range fws {
		if !g.p.governanceGood && n%2 == 1 {
			continue
		}
		old := f.version == f.m.Old && f.m.Old != f.m.Current
		if err := g.writeSBOM(f.m, f.version, old); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) writeSBOM(m model, version string, old bool) error {
	sum := sha256.Sum256([]byte(m.Vendor + "\x00" + m.Product + "\x00" + version))
	u := sum[:16]
	u[6] = u[6]&0x0f | 0x50 // name-based (version 5 layout)
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	serial := fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
	start := int(sum[16]) % len(firmwareComponents)
	count := 4 + int(sum[17])%4
	var comps []cdx.Component
	for k := 0; k < count; k++ {
		c := firmwareComponents[(start+k)%len(firmwareComponents)]
		v := c.current
		if old {
			v = c.old
		}
		comps = append(comps, cdx.Component{
			BOMRef: "pkg:generic/" + c.name + "@" + v, Type: cdx.ComponentTypeLibrary,
			Supplier: &cdx.OrganizationalEntity{Name: c.supplier}, Name: c.name, Version: v,
			PackageURL: "pkg:generic/" + c.name + "@" + v,
			CPE:        fmt.Sprintf("cpe:2.3:a:%s:%s:%s:*:*:*:*:*:*:*", c.cpeVendor, c.name, v),
		})
	}
	bom := cdx.NewBOM()
	bom.SerialNumber = serial
	bom.Metadata = &cdx.Metadata{
		Timestamp: g.asOf.Time().Format("2006-01-02T15:04:05Z"),
		Component: &cdx.Component{
			BOMRef: "firmware", Type: cdx.ComponentTypeFirmware, Supplier: &cdx.OrganizationalEntity{Name: m.Vendor},
			Name: m.Product, Version: version,
		},
		Supplier: &cdx.OrganizationalEntity{Name: m.Vendor},
	}
	bom.Components = &comps
	var buf bytes.Buffer
	if err := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON).SetPretty(true).EncodeVersion(bom, cdx.SpecVersion1_5); err != nil {
		return err
	}
	return g.write("sboms/"+slug(m.Vendor+" "+m.Product+" "+version)+".cdx.json", buf.Bytes())
}
