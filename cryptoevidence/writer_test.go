package cryptoevidence

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/insurable/insurable/attest"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/hardware"
	"github.com/insurable/insurable/platform"
	"github.com/insurable/insurable/signature"
)

// TestWriterMakesWhatTheVerifiersExpect writes valid and defective material
// with the Writer and checks that each verdict is the one intended.
func TestWriterMakesWhatTheVerifiersExpect(t *testing.T) {
	b := newBundle(t, strings.Join([]string{
		"d-ok,plc,Acme,PLC,1.0,S1,10.0.0.1",
		"d-dup,plc,Acme,PLC,1.0,S2,10.0.0.2",
		"d-expired,plc,Acme,PLC,1.0,S3,10.0.0.3",
		"d-future,plc,Acme,PLC,1.0,S4,10.0.0.4",
		"d-revoked,plc,Acme,PLC,1.0,S5,10.0.0.5",
		"d-weak,plc,Acme,PLC,1.0,S6,10.0.0.6",
		"d-usage,plc,Acme,PLC,1.0,S7,10.0.0.7",
		"d-rogue,plc,Acme,PLC,1.0,S8,10.0.0.8",
		"d-junk,plc,Acme,PLC,1.0,S9,10.0.0.9",
	}, "\n")+"\n")
	now := time.Now()
	w, err := NewWriter(b.dir, WriterOptions{Organization: "Fixture Org", Now: now, KeysDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	devices := []struct {
		id     string
		defect Defect
		want   string
	}{
		{"d-ok", None, "valid"},
		{"d-dup", DuplicateKey, "duplicate-key"},
		{"d-expired", Expired, "expired"},
		{"d-future", NotYetValid, "not-yet-valid"},
		{"d-revoked", Revoked, "revoked"},
		{"d-weak", WeakKey, "weak-key"},
		{"d-usage", BadUsage, "bad-usage"},
		{"d-rogue", Untrusted, "untrusted"},
		{"d-junk", Malformed, "malformed"},
	}
	for _, d := range devices {
		if err := w.Device(d.id, d.defect); err != nil {
			t.Fatalf("%s: %v", d.id, err)
		}
	}
	firmware := []struct {
		spec FirmwareSpec
		want string
	}{
		{FirmwareSpec{Vendor: "Acme", Product: "PLC", Version: "1.0"}, "valid"},
		{FirmwareSpec{Vendor: "Acme", Product: "PLC", Version: "1.1", Format: signature.Raw}, "valid"},
		{FirmwareSpec{Vendor: "Acme", Product: "PLC", Version: "1.2", Format: signature.CMS}, "valid"},
		{FirmwareSpec{Vendor: "Acme", Product: "PLC", Version: "2.0", Defect: Tampered}, "invalid-signature"},
		{FirmwareSpec{Vendor: "Acme", Product: "PLC", Version: "2.1", Defect: WrongKey, Format: signature.Raw}, "invalid-signature"},
		{FirmwareSpec{Vendor: "Acme", Product: "PLC", Version: "2.2", Defect: Expired, Format: signature.CMS}, "expired"},
		{FirmwareSpec{Vendor: "Acme", Product: "PLC", Version: "2.3", Defect: Revoked}, "revoked"},
		{FirmwareSpec{Vendor: "Acme", Product: "PLC", Version: "2.4", Defect: Untrusted, Format: signature.Raw}, "untrusted"},
		{FirmwareSpec{Vendor: "Acme", Product: "PLC", Version: "2.5", Defect: Unsigned}, "missing-signature"},
	}
	for _, f := range firmware {
		if err := w.Firmware(f.spec); err != nil {
			t.Fatalf("%s: %v", f.spec.Version, err)
		}
	}
	m := &attest.Manifest{Platform: "gw", Version: "1", Files: []attest.ManifestFile{{Path: "/bin/gw", SHA256: strings.Repeat("a", 64), Kind: attest.KindApplication}}}
	good, err := w.Manifest("gw", m, None)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Manifest("gw-tampered", m, Tampered); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Manifest("gw-rogue", m, Untrusted); err != nil {
		t.Fatal(err)
	}
	files := DeploymentOf(m)
	if err := w.Deployment("d-ok", good, files); err != nil {
		t.Fatal(err)
	}
	if err := w.Deployment("d-dup", good, append(files, platform.File{Path: "/tmp/x", SHA256: strings.Repeat("b", 64)})); err != nil {
		t.Fatal(err)
	}
	base := &hardware.State{Asset: "d-ok", Taken: evidence.NewDate(now.AddDate(-1, 0, 0)), Firmware: "0.9"}
	snap := &hardware.State{Asset: "d-ok", Taken: evidence.NewDate(now), Firmware: "1.0"}
	if err := w.Hardware(base, snap); err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"Alice Example", "Bob Other"} {
		if err := w.Officer(o, ""); err != nil {
			t.Fatal(err)
		}
	}
	b.put("governance/board-reviews.yaml", boardReviews)
	const records = "governance/board-reviews.yaml"
	if err := w.Attest(records, "/reviews/0", "governance/signatures/board-2026.dsse.json", None); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	bun := b.load()
	v := New()
	asOf := evidence.NewDate(now)
	ctx := context.Background()
	certs, err := v.VerifyDeviceCertificates(ctx, bun, asOf)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range certs.Results {
		got[r.AssetID] = r.Status
	}
	for _, d := range devices {
		want := d.want
		if d.id == "d-ok" {
			want = "duplicate-key" // d-dup holds its key
		}
		if got[d.id] != want {
			t.Errorf("device %s: %s, want %s", d.id, got[d.id], want)
		}
	}
	fw, err := v.VerifyFirmware(ctx, bun, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(fw.Results) != len(firmware) || len(fw.Problems) != 0 {
		t.Fatalf("firmware: %+v", fw)
	}
	for i, f := range firmware {
		if fw.Results[i].Status != f.want {
			t.Errorf("firmware %s: %s (%s), want %s", f.spec.Version, fw.Results[i].Status, fw.Results[i].Reason, f.want)
		}
	}
	plat, err := v.VerifyPlatform(ctx, bun, asOf)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	for _, m := range plat.Manifests {
		states[m.File] = m.Status
		if m.File == good && (m.Deployments != 2 || len(m.Unlisted) != 1) {
			t.Errorf("good manifest %+v", m)
		}
	}
	if states[good] != "valid" || states["platform/manifests/gw-tampered.dsse.json"] != "invalid-signature" || states["platform/manifests/gw-rogue.dsse.json"] != "untrusted" {
		t.Errorf("manifests %v", states)
	}
	hw, _ := v.CompareHardware(ctx, bun)
	if len(hw.Devices) != 1 || len(hw.Devices[0].Unapproved) != 1 {
		t.Errorf("hardware %+v", hw)
	}
	if r := v.VerifyAttestation(ctx, bun, bun.Governance.BoardReviews[0].Attestation, asOf); r.Status != "valid" {
		t.Errorf("attestation: %+v", r)
	}
	for _, d := range []Defect{WrongSigner, Tampered, Untrusted} {
		if err := w.Attest(records, "/reviews/0", "governance/signatures/board-2026.dsse.json", d); err != nil {
			t.Fatal(err)
		}
		bun := b.load()
		want := map[Defect]string{WrongSigner: "signer-mismatch", Tampered: "invalid-signature", Untrusted: "invalid-signature"}[d]
		if r := New().VerifyAttestation(ctx, bun, bun.Governance.BoardReviews[0].Attestation, asOf); r.Status != want {
			t.Errorf("attestation %s: %+v, want %s", d, r, want)
		}
	}
}
