package cryptoevidence

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/insurable/insurable/attest"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/internal/testpki"
)

var fixtures string

func TestMain(m *testing.M) { os.Exit(testpki.Main(m, &fixtures)) }

// bundleDir is a bundle under construction in a test.
type bundleDir struct {
	t   *testing.T
	dir string
}

func newBundle(t *testing.T, inventory string) *bundleDir {
	b := &bundleDir{t: t, dir: t.TempDir()}
	b.put("bundle.yaml", "format: insurable.evidence/v1\n")
	b.put("firm.yaml", "id: fixture\nname: Fixture Org\nnaics: \"221310\"\nsites:\n  - id: plant\n    name: Plant\n")
	b.put("inventory/assets.csv", "asset_id,class,vendor,product,version,serial,ip\n"+inventory)
	return b
}

func (b *bundleDir) put(rel, content string) {
	b.t.Helper()
	p := filepath.Join(b.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// copy copies an openssl fixture into the bundle.
func (b *bundleDir) copy(fixture, rel string) {
	b.t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtures, fixture))
	if err != nil {
		b.t.Fatal(err)
	}
	b.put(rel, string(data))
}

func (b *bundleDir) load() *evidence.Bundle {
	b.t.Helper()
	bun, err := evidence.Load(b.dir, evidence.Options{})
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { bun.Close() })
	return bun
}

// opensslDSSE signs an in-toto statement with openssl dgst over the DSSE
// pre-authentication encoding and returns the envelope's JSON.
func opensslDSSE(t *testing.T, key string, payload []byte) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pae"), dsse.PAE(attest.PayloadType, payload), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := testpki.OpenSSL(fixtures, "dgst", "-sha256", "-sign", key, "-out", filepath.Join(dir, "sig"), filepath.Join(dir, "pae")); err != nil {
		t.Fatal(err)
	}
	sig, _ := os.ReadFile(filepath.Join(dir, "sig"))
	out, _ := json.Marshal(map[string]any{"payloadType": attest.PayloadType, "payload": base64.StdEncoding.EncodeToString(payload),
		"signatures": []map[string]string{{"keyid": "whatever", "sig": base64.StdEncoding.EncodeToString(sig)}}})
	return string(out)
}

const boardReviews = `reviews:
  - date: 2026-01-10
    body: Board of Directors
    covers: [prevention, transfer, response]
    attestation:
      name: Alice Example
      role: Chair of the Board
      date: 2026-01-12
      signature: governance/signatures/board-2026.dsse.json
  - date: 2025-01-15
    body: Board of Directors
    covers: [prevention]
    attestation:
      name: Alice Example
      role: Chair of the Board
      date: 2025-01-16
      signature: governance/signatures/board-2026.dsse.json
`

// TestBundleMadeWithOpenSSL builds a bundle from the openssl fixtures only
// (certificates, CRLs, signatures, DSSE signatures over our statements) and
// runs every verifier on it.
func TestBundleMadeWithOpenSSL(t *testing.T) {
	b := newBundle(t, strings.Join([]string{
		"valid,plc,Acme,PLC-500,1.0,S1,10.0.0.1",
		"valid-rsa,plc,Acme,PLC-500,1.0,S2,10.0.0.2",
		"expired,plc,Acme,PLC-500,1.0,S3,10.0.0.3",
		"revoked,plc,Acme,PLC-500,1.0,S4,10.0.0.4",
		"weak,plc,Acme,PLC-500,1.0,S5,10.0.0.5",
		"dup-a,rtu,Acme,RTU-9,2.0,S6,10.0.0.6",
		"dup-b,rtu,Acme,RTU-9,2.0,S7,10.0.0.7",
		"untrusted,rtu,Acme,RTU-9,2.0,S8,10.0.0.8",
		"bad-usage,rtu,Acme,RTU-9,2.0,S9,10.0.0.9",
		"gw-01,gateway,Acme,GW,3.0,S10,10.0.0.10",
		"by-name,sensor,Acme,S,1,S11,",
	}, "\n")+"\n")
	b.copy("root.pem", PathRoot)
	b.copy("int.pem", DirIntermediates+"/device-ca.pem")
	b.copy("crl/int.crl.der", DirCRL+"/device-ca.crl")
	b.copy("crl/root.crl.pem", DirCRL+"/root.crl.pem")
	b.copy("crl/int-stale.crl.pem", DirCRL+"/old.crl.pem")
	for _, d := range []string{"valid", "valid-rsa", "expired", "revoked", "weak", "dup-a", "dup-b", "untrusted", "bad-usage"} {
		b.copy("dev/"+d+".pem", DirDevices+"/"+d+".pem")
	}
	b.copy("dev/nc-ok.pem", DirDevices+"/someone-else.pem")
	b.copy("dev/valid-p384.pem", DirDevices+"/gateway-cert.pem")
	b.copy("dev/garbage.pem", DirDevices+"/junk.pem")
	b.put(PathDeviceMap, "devices:\n  - asset: gw-01\n    certificate: pki/devices/gateway-cert.pem\n  - asset: ghost\n    certificate: pki/devices/nope.pem\n")
	b.copy("signer.pem", DirSigners+"/release.pem")
	b.copy("signer-expired.pem", DirSigners+"/old-release.pem")
	b.copy("officer.pem", DirOfficers+"/alice.pem")

	// Firmware signed by openssl in every form.
	b.copy("fw.bin", "firmware/plc-1.0.bin")
	b.copy("fw.sig", "firmware/plc-1.0.bin.sig")
	b.copy("fw.bin", "firmware/rtu-2.0.bin")
	b.copy("fw.p7s", "firmware/rtu-2.0.bin.p7s")
	b.copy("fw.bin", "firmware/gw-3.0.bin")
	b.copy("fw.sigstore.json", "firmware/gw-3.0.sigstore.json")
	b.copy("fw-tampered.bin", "firmware/plc-0.9.bin")
	b.copy("fw.sig", "firmware/plc-0.9.bin.sig")
	b.copy("fw.bin", "firmware/rtu-1.9.bin")
	b.copy("fw-expired.sig", "firmware/rtu-1.9.bin.sig")
	b.copy("fw.bin", "firmware/gw-2.9.bin")
	b.copy("fw.bin", "firmware/stray.bin")
	b.put(PathFirmwareIndex, `artifacts:
  - {file: firmware/plc-1.0.bin, vendor: Acme, product: PLC-500, version: "1.0", signature: firmware/plc-1.0.bin.sig}
  - {file: firmware/rtu-2.0.bin, vendor: Acme, product: RTU-9, version: "2.0", signature: firmware/rtu-2.0.bin.p7s}
  - {file: firmware/gw-3.0.bin, vendor: Acme, product: GW, version: "3.0", bundle: firmware/gw-3.0.sigstore.json}
  - {file: firmware/plc-0.9.bin, vendor: Acme, product: PLC-500, version: "0.9", signature: firmware/plc-0.9.bin.sig, certificate: pki/signers/release.pem}
  - {file: firmware/rtu-1.9.bin, vendor: Acme, product: RTU-9, version: "1.9", signature: firmware/rtu-1.9.bin.sig}
  - {file: firmware/gw-2.9.bin, vendor: Acme, product: GW, version: "2.9"}
`)

	// A board review attested by Alice, signed with openssl.
	b.put("governance/board-reviews.yaml", boardReviews)
	rec, err := attest.RecordAt([]byte(boardReviews), "/reviews/0")
	if err != nil {
		t.Fatal(err)
	}
	claim := &attest.Claim{File: "governance/board-reviews.yaml", Pointer: rec.Pointer, Digest: rec.Digest, Name: rec.Name, Role: rec.Role, Date: rec.Date}
	st, _ := claim.Statement()
	payload, _ := attest.MarshalStatement(st)
	b.put("governance/signatures/board-2026.dsse.json", opensslDSSE(t, "officer.key", payload))

	// A platform manifest signed with openssl and three deployments.
	m := &attest.Manifest{Platform: "gateway-image", Version: "3.0", Files: []attest.ManifestFile{
		{Path: "/usr/bin/gatewayd", SHA256: strings.Repeat("a", 64), Kind: attest.KindApplication},
		{Path: "/etc/gatewayd.conf", SHA256: strings.Repeat("b", 64), Kind: attest.KindConfiguration},
	}}
	mst, _ := m.Statement()
	mpayload, _ := attest.MarshalStatement(mst)
	b.put(DirManifests+"/gateway.json", opensslDSSE(t, "signer.key", mpayload))
	b.put(DirManifests+"/forged.json", opensslDSSE(t, "dev/valid.key", mpayload))
	b.put(DirDeployments+"/gw-01.yaml", "host: gw-01\nmanifest: platform/manifests/gateway.json\nobserved: 2026-02-01\nsha256sum: |\n  "+strings.Repeat("a", 64)+"  /usr/bin/gatewayd\n  "+strings.Repeat("b", 64)+"  /etc/gatewayd.conf\n")
	b.put(DirDeployments+"/gw-02.yaml", "host: gw-02\nmanifest: platform/manifests/gateway.json\nfiles:\n  - {path: /usr/bin/gatewayd, sha256: "+strings.Repeat("c", 64)+"}\n  - {path: /tmp/implant, sha256: "+strings.Repeat("d", 64)+"}\n")
	b.put(DirDeployments+"/gw-03.yaml", "host: gw-03\nmanifest: platform/manifests/elsewhere.json\nfiles: []\n")

	// Hardware: one approved change, one unapproved, one without snapshot.
	b.put("changes/changes.yaml", "changes:\n  - id: CR-1\n    assets: [valid]\n    description: firmware update\n    approved: 2026-01-05\n    approved_by: Ops lead\n")
	b.put(DirBaselines+"/valid.yaml", "asset: valid\ntaken: 2025-06-01\nfirmware: 0.9\ncomponents:\n  - {id: psu, serial: P1}\n")
	b.put(DirSnapshots+"/valid.yaml", "asset: valid\ntaken: 2026-02-01\nfirmware: 1.0\ncomponents:\n  - {id: psu, serial: P2}\nchanges:\n  - record: CR-1\n    covers: [firmware]\n")
	b.put(DirBaselines+"/weak.yaml", "asset: weak\ntaken: 2025-06-01\nfirmware: 1.0\n")

	bun := b.load()
	v := New()
	asOf := evidence.NewDate(time.Now())
	ctx := context.Background()

	certs, err := v.VerifyDeviceCertificates(ctx, bun, asOf)
	if err != nil {
		t.Fatal(err)
	}
	gotCerts := map[string]string{}
	for _, r := range certs.Results {
		gotCerts[r.File] = r.AssetID + " " + r.Status
	}
	wantCerts := map[string]string{
		"pki/devices/valid.pem":        "valid valid",
		"pki/devices/valid-rsa.pem":    "valid-rsa valid",
		"pki/devices/expired.pem":      "expired expired",
		"pki/devices/revoked.pem":      "revoked revoked",
		"pki/devices/weak.pem":         "weak weak-key",
		"pki/devices/dup-a.pem":        "dup-a duplicate-key",
		"pki/devices/dup-b.pem":        "dup-b duplicate-key",
		"pki/devices/untrusted.pem":    "untrusted untrusted",
		"pki/devices/bad-usage.pem":    "bad-usage bad-usage",
		"pki/devices/gateway-cert.pem": "gw-01 valid",
		"pki/devices/someone-else.pem": " untrusted", // issued by a CA the bundle does not hold
		"pki/devices/junk.pem":         " malformed",
	}
	for f, want := range wantCerts {
		if gotCerts[f] != want {
			t.Errorf("certificate %s: got %q, want %q", f, gotCerts[f], want)
		}
	}
	if len(certs.Results) != len(wantCerts) {
		t.Errorf("%d certificate results, want %d", len(certs.Results), len(wantCerts))
	}
	if certs.Root != PathRoot || strings.Join(certs.Missing, ",") != "by-name" {
		t.Errorf("root %q, missing %v", certs.Root, certs.Missing)
	}
	crlStates := map[string]string{}
	for _, c := range certs.CRLs {
		crlStates[c.File] = c.Status
	}
	if crlStates["pki/crl/device-ca.crl"] != "current" || crlStates["pki/crl/old.crl.pem"] != "stale" {
		t.Errorf("CRLs %v", certs.CRLs)
	}
	if !containsText(certs.Problems, "pki/devices/nope.pem is not a file under pki/") {
		t.Errorf("problems %q", certs.Problems)
	}

	fw, err := v.VerifyFirmware(ctx, bun, asOf)
	if err != nil {
		t.Fatal(err)
	}
	gotFW := map[string]string{}
	for _, r := range fw.Results {
		gotFW[r.File] = r.Status + " " + r.Format
	}
	wantFW := map[string]string{
		"firmware/plc-1.0.bin": "valid raw",
		"firmware/rtu-2.0.bin": "valid cms",
		"firmware/gw-3.0.bin":  "valid sigstore",
		"firmware/plc-0.9.bin": "invalid-signature raw",
		"firmware/rtu-1.9.bin": "expired raw",
		"firmware/gw-2.9.bin":  "missing-signature ",
	}
	for f, want := range wantFW {
		if gotFW[f] != want {
			t.Errorf("firmware %s: got %q, want %q", f, gotFW[f], want)
		}
	}
	if len(fw.Problems) != 1 || !strings.Contains(fw.Problems[0], "firmware/stray.bin: not mentioned") {
		t.Errorf("firmware problems %q", fw.Problems)
	}

	plat, err := v.VerifyPlatform(ctx, bun, asOf)
	if err != nil {
		t.Fatal(err)
	}
	byFile := map[string]check.ManifestResult{}
	for _, m := range plat.Manifests {
		byFile[m.File] = m
	}
	g := byFile["platform/manifests/gateway.json"]
	if g.Status != "valid" || g.Deployments != 2 || g.Platform != "gateway-image" || g.Files != 2 ||
		strings.Join(g.Missing, ",") != "gw-02:/etc/gatewayd.conf" || strings.Join(g.Modified, ",") != "gw-02:/usr/bin/gatewayd" || strings.Join(g.Unlisted, ",") != "gw-02:/tmp/implant" {
		t.Errorf("gateway manifest: %+v", g)
	}
	if f := byFile["platform/manifests/forged.json"]; f.Status != "invalid-signature" {
		t.Errorf("forged manifest: %+v", f)
	}
	if len(plat.Problems) != 1 || !strings.Contains(plat.Problems[0], "gw-03.yaml: names manifest platform/manifests/elsewhere.json") {
		t.Errorf("platform problems %q", plat.Problems)
	}

	hw, err := v.CompareHardware(ctx, bun)
	if err != nil {
		t.Fatal(err)
	}
	if len(hw.Devices) != 2 {
		t.Fatalf("hardware devices %+v", hw.Devices)
	}
	if d := hw.Devices[0]; d.AssetID != "valid" || len(d.Changes) != 2 || len(d.Unapproved) != 1 || !strings.Contains(d.Unapproved[0], "component psu: serial P1 → P2: no change record is cited") {
		t.Errorf("valid: %+v", d)
	}
	if d := hw.Devices[1]; d.AssetID != "weak" || !strings.Contains(d.Problem, "no current snapshot") {
		t.Errorf("weak: %+v", d)
	}

	reviews := bun.Governance.BoardReviews
	if got := v.VerifyAttestation(ctx, bun, reviews[0].Attestation, asOf); got.Status != "valid" || !strings.Contains(got.Signer, "Alice Example") {
		t.Errorf("board review 2026: %+v", got)
	}
	// The second review points at the first review's envelope.
	if got := v.VerifyAttestation(ctx, bun, reviews[1].Attestation, asOf); got.Status != "invalid-signature" || !strings.Contains(got.Reason, "another record") {
		t.Errorf("board review 2025: %+v", got)
	}
	if got := v.VerifyAttestation(ctx, bun, &evidence.Attestation{Name: "x"}, asOf); got.Status != "unsigned" {
		t.Errorf("unsigned: %+v", got)
	}
}

func containsText(list []string, part string) bool {
	for _, s := range list {
		if strings.Contains(s, part) {
			return true
		}
	}
	return false
}

func TestBundleWithoutRoot(t *testing.T) {
	b := newBundle(t, "valid,plc,Acme,PLC,1,S1,10.0.0.1\n")
	b.copy("dev/valid.pem", DirDevices+"/valid.pem")
	b.put("firmware/index.yaml", "artifacts:\n  - {file: firmware/a.bin, vendor: A, product: P, version: \"1\", signature: firmware/a.sig}\n")
	b.copy("fw.bin", "firmware/a.bin")
	b.copy("fw.sig", "firmware/a.sig")
	bun := b.load()
	v := New()
	asOf := evidence.NewDate(time.Now())
	certs, err := v.VerifyDeviceCertificates(context.Background(), bun, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(certs.Results) != 1 || certs.Results[0].Status != "untrusted" || !strings.Contains(certs.Results[0].Reason, "no usable root") || !containsText(certs.Problems, "pki/root.pem: missing") {
		t.Errorf("%+v", certs)
	}
	fw, _ := v.VerifyFirmware(context.Background(), bun, asOf)
	if len(fw.Results) != 1 || fw.Results[0].Status != "untrusted" {
		t.Errorf("%+v", fw)
	}
}

func TestMalformedPKIFilesAreProblemsNamingTheFile(t *testing.T) {
	b := newBundle(t, "valid,plc,Acme,PLC,1,S1,10.0.0.1\n")
	b.copy("root.pem", PathRoot)
	b.put(DirIntermediates+"/broken.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
	b.put(DirCRL+"/broken.crl", "garbage")
	b.put(PathDeviceMap, "devices: [oops\n")
	bun := b.load()
	certs, err := New().VerifyDeviceCertificates(context.Background(), bun, evidence.NewDate(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(certs.Problems)
	for _, want := range []string{"pki/crl/broken.crl", "pki/devices.yaml", "pki/intermediates/broken.pem"} {
		if !containsText(certs.Problems, want) {
			t.Errorf("no problem naming %s in %q", want, certs.Problems)
		}
	}
}
