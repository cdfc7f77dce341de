package check

import (
	"testing"

	"github.com/insurable/insurable/evidence"
)

func TestNormWords(t *testing.T) {
	for in, want := range map[string]string{
		"siemens": "siemens", "Siemens": "siemens", "SIMATIC  S7-1200 ": "simatic s7-1200",
		" lead": "lead", "tab\there": "tab here", "Ünïcode X": "ünïcode x", "": "",
	} {
		if got := normWords(in); got != want {
			t.Errorf("normWords(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIndex(t *testing.T) {
	b := &evidence.Bundle{Assets: []evidence.Asset{
		{ID: "a", Vendor: "Siemens", Product: "S7  1200", Version: "V4.6", MAC: "00-1D-9C-00-00-01", IP: "10.0.0.1; 10.0.1.1", Class: "PLC"},
		{ID: "b", Vendor: "siemens", Product: "s7 1200", Version: "v4.6", Class: "toaster"},
		{ID: "a", Vendor: "Moxa", Product: "NPort", Class: "Gateway"},
	}}
	ix := NewIndex(b)
	if ix.Models[0] != ix.Models[1] || ix.Firmware[0] != ix.Firmware[1] || ix.Models[0] == ix.Models[2] {
		t.Errorf("keys %q %q %q", ix.Models, ix.Firmware, ix.Models[2])
	}
	if ix.Firmware[0] != FirmwareKey("SIEMENS", "S7 1200", "V4.6") {
		t.Errorf("FirmwareKey disagrees with the index: %q", ix.Firmware[0])
	}
	if _, ok := ix.ByMAC["001d9c000001"]; !ok {
		t.Error("MAC not indexed")
	}
	if i, ok := ix.ByIP["10.0.1.1"]; !ok || i != 0 {
		t.Error("second address not indexed")
	}
	if len(ix.Duplicates) != 1 || ix.Duplicates[0] != "a" {
		t.Errorf("duplicates %v", ix.Duplicates)
	}
	if ix.Classes["plc"] != 1 || ix.Classes[""] != 1 || ix.Classes["gateway"] != 1 {
		t.Errorf("classes %v", ix.Classes)
	}
}
