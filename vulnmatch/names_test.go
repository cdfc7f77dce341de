package vulnmatch

import (
	"slices"
	"testing"
)

func TestSameVendor(t *testing.T) {
	same := [][2]string{
		{"Siemens AG", "Siemens"},
		{"SIEMENS", "Siemens"},
		{"Siemens Energy", "Siemens"},
		{"Rockwell Automation, Inc.", "Rockwell Automation"},
		{"Allen-Bradley", "Rockwell Automation"},
		{"ROCKWELL", "Rockwell Automation"},
		{"Schneider Electric SE", "Schneider Electric"},
		{"Schneider Electric", "Schneider Electric Software, LLC"},
		{"AVEVA", "Schneider Electric Software, LLC"},
		{"AVEVA Group plc", "OSIsoft LLC"},
		{"LS Electric", "LS ELECTRIC, LS Industrial Systems (LSIS) Co. Ltd"},
		{"LSIS", "LS ELECTRIC, LS Industrial Systems (LSIS) Co. Ltd"},
		{"Mitsubishi", "Mitsubishi Electric Corporation"},
		{"MITSUBISHI ELECTRIC CORP.", "Mitsubishi Electric"},
		{"Mitsubishi Electric", "ICONICS, Mitsubishi Electric"},
		{"Geutebrück", "GeutebrÃ¼ck"},
		{"Geutebrueck", "GeutebrÃ¼ck GmbH"},
		{"Weidmüller", "Weidmueller"},
		{"Dräger", "Draeger"},
		{"Drägerwerk AG & Co. KGaA", "Dräger"},
		{"GE", "General Electric (GE)"},
		{"General Electric Company", "General Electric (GE)"},
		{"CODESYS GmbH", "3S-Smart Software Solutions GmbH"},
		{"CODESYS", "CODESYS, GmbH"},
		{"Hitachi Energy", "ABB Power Grids"},
		{"Hitachi Energy Ltd.", "Hitachi Energy "},
		{"Pepperl+Fuchs", "PEPPERL+FUCHS"},
		{"Pepperl & Fuchs", "Pepperl+Fuchs"},
		{"Johnson Controls", "Sensormatic Electronics, LLC, a subsidiary of Johnson Controls Inc."},
		{"Johnson Controls International plc", "Johnson Controls Inc"},
		{"Exacq Technologies", "Exacq Technologies, Johnson Controls Inc."},
		{"Phoenix Contact GmbH & Co. KG", "PHOENIX CONTACT, Innominate Security Technologies"},
		{"Becton Dickinson", "Becton, Dickinson and Company (BD)"},
		{"BD", "Becton, Dickinson and Company (BD)"},
		{"Philips", "Phillips"},
		{"Moxa Inc.", "MOXA"},
		{"Dahua", "Dahua Technology Co, Ltd"},
		{"Automation Direct", "AutomationDirect"},
		{"Wind River Systems", "Wind River"},
		{"Wind River", "ENEA, Green Hills Software, ITRON, IP Infusion, and Wind River"},
		{"Hirschmann", "Hirschmann Automation and Control GmbH, Belden Inc."},
		{"B&R", "B&R Industrial Automation"},
		{"PSI Nentec", "PSI GridConnect GmbH (formerly PSI Nentec GmbH)"},
		{"Sauter", "Fr. Sauter AG"},
		{"Schweitzer Engineering Laboratories", "Schweitzer Engineering Laboratories, Inc. (SEL)"},
		{"SEL", "Schweitzer Engineering Laboratories, Inc. (SEL)"},
		{"Delta Electronics, Inc.", "Delta Electronics"},
		{"Yokogawa Electric Corporation", "Yokogawa"},
		{"Omron Corporation", "Omron"},
	}
	for _, p := range same {
		if !SameVendor(p[0], p[1]) {
			t.Errorf("SameVendor(%q, %q) = false, want true (keys %v / %v)", p[0], p[1], NormalizeVendor(p[0]), NormalizeVendor(p[1]))
		}
		if !SameVendor(p[1], p[0]) {
			t.Errorf("SameVendor(%q, %q) = false, want true (symmetry)", p[1], p[0])
		}
	}
	different := [][2]string{
		{"Siemens", "Schneider Electric"},
		{"Johnson Controls", "Johnson & Johnson"},
		{"Delta Electronics", "Delta Controls"},
		{"ABB", "AVEVA"},
		{"Mitsubishi Electric", "Mitsubishi Heavy Industries"},
		{"Rockwell Automation", "Rockwell Collins"},
		{"General Electric", "General Motors (GM), Shanghai OnStar (SOS)"},
		{"Honeywell", "Emerson"},
		{"multiple", "multiple"},
		{"", "Siemens"},
	}
	for _, p := range different {
		if SameVendor(p[0], p[1]) {
			t.Errorf("SameVendor(%q, %q) = true, want false (keys %v / %v)", p[0], p[1], NormalizeVendor(p[0]), NormalizeVendor(p[1]))
		}
	}
}

func TestNormalizeVendorCorporateSuffixes(t *testing.T) {
	tests := map[string]string{
		"Rockwell Automation, Inc.":           "rockwellautomation",
		"Dahua Technology Co, Ltd":            "dahua",
		"Pilz GmbH & Co. KG (Pilz)":           "pilz",
		"Daikin Holdings Singapore Pte Ltd":   "daikinholdingssingapore",
		"SOOIL Developments Co, Ltd.":         "sooildevelopments",
		"Innokas YhtymÃ¤ Oy":                  "innokasyhtyma",
		"Trihedral Engineering Limited":       "trihedralengineering",
		"N.V. Nederlandsche Apparatenfabriek": "nvnederlandscheapparatenfabriek",
		"Natus Medical, Inc. (Natus)":         "natusmedical",
		"Acme S.A.":                           "acme",
		"Acme B.V.":                           "acme",
		"The Wiremold Company":                "wiremold",
		"Object Computing, Inc. (OCI)":        "objectcomputing",
		"LCDS - LeÃ£o Consultoria e Desenvolvimento de Sistemas Ltda ME": "lcds",
	}
	for in, want := range tests {
		k := NormalizeVendor(in)
		if !slices.Contains(k.Full, want) {
			t.Errorf("NormalizeVendor(%q).Full = %v, want it to hold %q", in, k.Full, want)
		}
	}
}

func TestProductKeys(t *testing.T) {
	siemens := NormalizeVendor("Siemens")
	has := func(keys []productKey, tier Tier, key string) bool {
		return slices.ContainsFunc(keys, func(k productKey) bool { return k.tier == tier && k.key == key })
	}
	keys := productKeys("SCALANCE XR324-12M TS (24V) (6GK5324-0GG00-1CR2)", nil, siemens, true)
	if !has(keys, TierIdentifier, "6GK53240GG001CR2") || !has(keys, TierBase, "scalancexr32412mts") {
		t.Errorf("keys = %+v", keys)
	}
	keys = productKeys("SIMATIC WinCC (TIA Portal)", nil, siemens, true)
	if has(keys, TierBase, "simaticwincc") || !has(keys, TierBase, "simaticwincctiaportal") {
		t.Errorf("(TIA Portal) must stay in the base name: %+v", keys)
	}
	keys = productKeys("SIMATIC S7-1500 CPU 1515-2 PN (incl. SIPLUS variants)", []string{"6ES7 515-2AM02-0AB0"}, siemens, true)
	if !has(keys, TierIdentifier, "6ES75152AM020AB0") || !has(keys, TierBase, "simatics71500cpu15152pn") || !has(keys, TierSuffix, "s71500cpu15152pn") {
		t.Errorf("keys = %+v", keys)
	}
	keys = productKeys("OpenPCS 7 V9.0", nil, siemens, true)
	if !slices.ContainsFunc(keys, func(k productKey) bool {
		return k.tier == TierNoVersion && k.key == "openpcs7" && slices.Equal(k.version, []string{"9", "0"})
	}) {
		t.Errorf("keys = %+v", keys)
	}
	mitsu := NormalizeVendor("Mitsubishi Electric")
	keys = productKeys("Mitsubishi Electric MC Works64", nil, mitsu, true)
	if !has(keys, TierBase, "mcworks64") {
		t.Errorf("vendor words not dropped: %+v", keys)
	}
	keys = productKeys("UC-2100 Series", nil, NormalizeVendor("Moxa"), true)
	if !has(keys, TierBase, "uc2100") {
		t.Errorf("generic word not dropped: %+v", keys)
	}
	keys = productKeys("XGK-CPUU/H/A/S/E", nil, NormalizeVendor("LS Electric"), true)
	for _, want := range []string{"xgkcpuu", "xgkcpuh", "xgkcpua", "xgkcpus", "xgkcpue"} {
		if !has(keys, TierBase, want) {
			t.Errorf("slash variant %s missing: %+v", want, keys)
		}
	}
}

func TestCPEAndPURLKeys(t *testing.T) {
	if got := cpeKey(`cpe:2.3:h:siemens:scalance_x307-3:-:*:*:*:*:*:*:*`); got != "siemens:scalance_x307-3" {
		t.Errorf("cpeKey = %q", got)
	}
	if got := cpeKey(`cpe:2.3:a:vendor:prod\:uct:1.0:*:*:*:*:*:*:*`); got != "vendor:prod:uct" {
		t.Errorf("escaped cpeKey = %q", got)
	}
	if got := cpeKey("cpe:/a:schneider-electric:ecostruxure:2.0"); got != "schneider-electric:ecostruxure" {
		t.Errorf("cpe 2.2 key = %q", got)
	}
	if got := CPEVersion("cpe:2.3:o:siemens:scalance_x307-3_firmware:4.1.3:*:*:*:*:*:*:*"); got != "4.1.3" {
		t.Errorf("CPEVersion = %q", got)
	}
	for _, bad := range []string{"", "cpe:2.3:a:*:*", "not a cpe", "cpe:2.3"} {
		if got := cpeKey(bad); got != "" {
			t.Errorf("cpeKey(%q) = %q", bad, got)
		}
	}
	if got := purlKey("pkg:golang/github.com/Gin-Gonic/gin@v1.5.0"); got != "golang/github.com/gin-gonic/gin" {
		t.Errorf("purlKey = %q", got)
	}
	if got := purlKey("pkg:"); got != "" {
		t.Errorf("purlKey of a bad purl = %q", got)
	}
}
