package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/internal/testpki"
)

// TestVerifyContract checks the contract of verify certs and verify
// artifact — statuses, JSON fields, exit codes — on certificates, CRLs and
// signatures made by the openssl command.
func TestVerifyContract(t *testing.T) {
	fx := t.TempDir()
	if err := testpki.Generate(fx); err != nil {
		t.Fatal(err)
	}
	p := func(rel string) string { return filepath.Join(fx, rel) }
	trust := []string{"--root", p("root.pem"), "--intermediate", p("int.pem"), "--intermediate", p("int-nc.pem"), "--intermediate", p("int-revoked.pem"),
		"--crl", p("crl/root.crl.pem"), "--crl", p("crl/int.crl.pem"), "--crl", p("crl/int-nc.crl.pem"), "--crl", p("crl/int-revoked.crl.pem")}

	t.Run("certs", func(t *testing.T) {
		want := map[string]string{
			"dev/valid.pem": "valid", "dev/valid-rsa.pem": "valid", "dev/valid-ed25519.pem": "valid", "dev/with-chain.pem": "valid",
			"dev/expired.pem": "expired", "dev/not-yet-valid.pem": "not-yet-valid", "dev/revoked.pem": "revoked",
			"dev/under-revoked-ca.pem": "revoked", "dev/untrusted.pem": "untrusted", "dev/nc-bad.pem": "untrusted",
			"dev/weak.pem": "weak-key", "dev/weak-curve.pem": "weak-key", "dev/sha1.pem": "weak-key", "dev/bad-usage.pem": "bad-usage", "dev/is-ca.pem": "bad-usage",
			"dev/dup-a.pem": "duplicate-key", "dev/dup-b.pem": "duplicate-key", "dev/garbage.pem": "malformed", "dev/bad-pem.pem": "malformed",
			"dev/does-not-exist.pem": "malformed",
		}
		args := append([]string{"verify", "certs"}, trust...)
		for f := range want {
			args = append(args, p(f))
		}
		code, out, errs := run(t, append(args, "-o", "json")...)
		if code != insurable.ExitVerifyFail {
			t.Errorf("exit %d, want %d; stderr %s", code, insurable.ExitVerifyFail, errs)
		}
		var res struct {
			Results []map[string]any `json:"results"`
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if len(res.Results) != len(want) {
			t.Fatalf("%d results, want %d", len(res.Results), len(want))
		}
		for _, r := range res.Results {
			for _, field := range []string{"file", "subject", "status", "reason"} {
				if _, ok := r[field]; !ok {
					t.Errorf("result lacks %q: %v", field, r)
				}
			}
			rel, _ := filepath.Rel(fx, r["file"].(string))
			if r["status"] != want[rel] {
				t.Errorf("%s: %v (%v), want %s", rel, r["status"], r["reason"], want[rel])
			}
			if r["status"] != "valid" && r["reason"] == "" {
				t.Errorf("%s: no reason", rel)
			}
		}
		code, out, _ = run(t, append(append([]string{"verify", "certs"}, trust...), p("dev/valid.pem"), p("dev/valid-rsa.pem"))...)
		if code != 0 || !strings.Contains(out, "valid") {
			t.Errorf("all valid: exit %d\n%s", code, out)
		}
		code, out, _ = run(t, "verify", "certs", "--root", p("root.pem"), "--intermediate", p("int.pem"), "--crl", p("crl/int-stale.crl.pem"), p("dev/valid.pem"))
		if code != insurable.ExitVerifyFail || !strings.Contains(out, "untrusted") || !strings.Contains(out, "CRL stale") {
			t.Errorf("stale CRL: exit %d\n%s", code, out)
		}
		code, out, _ = run(t, "verify", "certs", "--root", p("root.pem"), "--intermediate", p("int.pem"), "--purpose", "code-signing", p("signer.pem"), "-o", "json")
		if code != 0 || !strings.Contains(out, `"status": "valid"`) {
			t.Errorf("signer for code signing: exit %d\n%s", code, out)
		}
	})

	t.Run("artifact", func(t *testing.T) {
		tests := []struct {
			args   []string
			status string
		}{
			{[]string{p("fw.bin"), "--signature", p("fw.sig"), "--cert", p("signer.pem")}, "valid"},
			{[]string{p("fw.bin"), "--signature", p("fw-rsa-pss.sig"), "--cert", p("signer-rsa.pem")}, "valid"},
			{[]string{p("fw.bin"), "--signature", p("fw.p7s"), "--cert", p("signer.pem")}, "valid"},
			{[]string{p("fw.bin"), "--signature", p("fw.smime")}, "valid"},
			{[]string{p("fw.bin"), "--bundle", p("fw.sigstore.json")}, "valid"},
			{[]string{p("fw-tampered.bin"), "--signature", p("fw.sig"), "--cert", p("signer.pem")}, "invalid-signature"},
			{[]string{p("fw-tampered.bin"), "--signature", p("fw.p7s")}, "invalid-signature"},
			{[]string{p("fw-tampered.bin"), "--bundle", p("fw.sigstore.json")}, "invalid-signature"},
			{[]string{p("fw.bin"), "--signature", p("fw-wrongkey.sig"), "--cert", p("signer.pem")}, "invalid-signature"},
			{[]string{p("fw.bin"), "--signature", p("fw-rogue.sig"), "--cert", p("signer-rogue.pem")}, "untrusted"},
			{[]string{p("fw.bin"), "--signature", p("fw-expired.p7s")}, "expired"},
			{[]string{p("fw.bin"), "--bundle", p("fw-revoked.sigstore.json")}, "revoked"},
			{[]string{p("fw.bin"), "--signature", p("fw-devkey.sig"), "--cert", p("dev/valid.pem")}, "bad-usage"},
			{[]string{p("fw.bin"), "--signature", p("readme.txt"), "--format", "cms"}, "malformed"},
			{[]string{p("fw.bin"), "--bundle", p("fw.sig")}, "malformed"},
		}
		for _, tt := range tests {
			args := append(append([]string{"verify", "artifact"}, tt.args...), append(trust, "-o", "json")...)
			code, out, errs := run(t, args...)
			var res map[string]any
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Errorf("%v: %v\n%s%s", tt.args, err, out, errs)
				continue
			}
			wantCode := 0
			if tt.status != "valid" {
				wantCode = insurable.ExitVerifyFail
			}
			if res["status"] != tt.status || code != wantCode || (tt.status != "valid" && res["reason"] == "") {
				t.Errorf("%v: exit %d, %v (%v); want %s, exit %d", tt.args, code, res["status"], res["reason"], tt.status, wantCode)
			}
		}
	})

	t.Run("usage and input errors", func(t *testing.T) {
		tests := []struct {
			args []string
			code int
			msg  string
		}{
			{[]string{"verify", "artifact", p("fw.bin"), "--root", p("root.pem")}, insurable.ExitUsage, "either --signature"},
			{[]string{"verify", "artifact", p("fw.bin"), "--signature", p("fw.sig"), "--bundle", p("fw.sigstore.json"), "--root", p("root.pem")}, insurable.ExitUsage, "either --signature"},
			{[]string{"verify", "artifact", p("fw.bin"), "--signature", p("fw.sig"), "--cert", p("signer.pem")}, insurable.ExitUsage, "--root is required"},
			{[]string{"verify", "artifact", p("nope.bin"), "--signature", p("fw.sig"), "--cert", p("signer.pem"), "--root", p("root.pem")}, insurable.ExitNotFound, "nope.bin"},
			{[]string{"verify", "artifact", p("fw.bin"), "--signature", p("fw.sig"), "--cert", p("signer.pem"), "--root", p("dev/garbage.pem")}, insurable.ExitInput, "garbage.pem"},
			{[]string{"verify", "certs", "--root", p("root.pem"), "--crl", p("dev/valid.pem"), p("dev/valid.pem")}, insurable.ExitInput, "no PEM X509 CRL block"},
			{[]string{"verify", "certs", "--root", p("root.pem"), "--as-of", "someday", p("dev/valid.pem")}, insurable.ExitUsage, "--as-of"},
			{[]string{"verify", "certs", "--root", p("root.pem"), "--purpose", "fun", p("dev/valid.pem")}, insurable.ExitUsage, "--purpose"},
			{[]string{"verify", "certs", "--root", p("root.pem")}, insurable.ExitUsage, "requires at least 1 arg"},
		}
		for _, tt := range tests {
			code, out, errs := run(t, tt.args...)
			if code != tt.code || !strings.Contains(out+errs, tt.msg) {
				t.Errorf("%v: exit %d, want %d with %q\n%s%s", tt.args[:2], code, tt.code, tt.msg, out, errs)
			}
		}
	})

	t.Run("as of another date", func(t *testing.T) {
		code, out, _ := run(t, "verify", "certs", "--root", p("root.pem"), "--intermediate", p("int.pem"), "--as-of", "2020-06-01", p("dev/expired.pem"), "-o", "json")
		if code != insurable.ExitVerifyFail || !strings.Contains(out, "not valid before") {
			t.Errorf("exit %d\n%s", code, out)
		}
	})
}

// TestKeysSignVerifyRoundTrip makes a PKI with keys init and issue, signs
// with sign, and verifies both with verify and with openssl.
func TestKeysSignVerifyRoundTrip(t *testing.T) {
	t.Setenv("TEST_CA_PASS", "ca passphrase")
	t.Setenv("TEST_KEY_PASS", "signer passphrase")
	keysDir := filepath.Join(t.TempDir(), "pki")
	bundle := t.TempDir()
	out := t.TempDir()
	mustRun := func(args ...string) string {
		t.Helper()
		code, stdout, stderr := run(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, stdout, stderr)
		}
		return stdout
	}
	mustRun("keys", "init", "--dir", keysDir, "--org", "Acme Utilities", "--passphrase-env", "TEST_CA_PASS", "--bundle", bundle)
	if code, _, errs := run(t, "keys", "init", "--dir", keysDir, "--org", "Acme", "--passphrase-env", "TEST_CA_PASS"); code != insurable.ExitInput || !strings.Contains(errs, "already exists") {
		t.Errorf("second init: exit %d %s", code, errs)
	}
	rootKey, _ := os.ReadFile(filepath.Join(keysDir, "root.key"))
	if !strings.Contains(string(rootKey), "ENCRYPTED PRIVATE KEY") {
		t.Errorf("root key not encrypted:\n%.80s", rootKey)
	}
	if _, err := testpki.OpenSSL(keysDir, "pkey", "-in", "root.key", "-passin", "pass:ca passphrase", "-noout"); err != nil {
		t.Errorf("openssl cannot open the root key: %v", err)
	}
	if code, _, errs := run(t, "keys", "issue", "device", "--ca-dir", keysDir, "--name", "plc-1", "--no-key-passphrase", "--out", out); code != insurable.ExitUsage || !strings.Contains(errs, "passphrase") {
		t.Errorf("issue without the CA passphrase: exit %d %s", code, errs)
	}
	mustRun("keys", "issue", "device", "--ca-dir", keysDir, "--passphrase-env", "TEST_CA_PASS", "--name", "plc-1", "--dns", "plc-1.plant.example", "--no-key-passphrase", "--out", out, "--bundle", bundle)
	mustRun("keys", "issue", "device", "--ca-dir", keysDir, "--passphrase-env", "TEST_CA_PASS", "--name", "plc-2", "--no-key-passphrase", "--out", out, "--bundle", bundle)
	mustRun("keys", "issue", "signer", "--ca-dir", keysDir, "--passphrase-env", "TEST_CA_PASS", "--name", "Acme Release", "--key-passphrase-env", "TEST_KEY_PASS", "--out", out)
	mustRun("keys", "issue", "officer", "--ca-dir", keysDir, "--passphrase-env", "TEST_CA_PASS", "--name", "Dana Whitfield", "--no-key-passphrase", "--out", out, "--bundle", bundle)
	// A device that made its own key and request.
	if _, err := testpki.OpenSSL(out, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "rtu.key", "-subj", "/CN=rtu-9", "-out", "rtu.csr"); err != nil {
		t.Fatal(err)
	}
	mustRun("keys", "issue", "device", "--ca-dir", keysDir, "--passphrase-env", "TEST_CA_PASS", "--name", "rtu-9", "--csr", filepath.Join(out, "rtu.csr"), "--out", out)

	ca := filepath.Join(keysDir, "issuing-ca.pem")
	root := filepath.Join(keysDir, "root.pem")
	if res, err := testpki.OpenSSL(out, "verify", "-CAfile", root, "-untrusted", ca, "-purpose", "sslclient", "plc-1.pem", "rtu-9.pem"); err != nil || strings.Count(string(res), ": OK") != 2 {
		t.Errorf("openssl verify: %s %v", res, err)
	}

	// Revoke plc-2 and check the CRL filed in the bundle.
	mustRun("keys", "revoke", "--ca-dir", keysDir, "--passphrase-env", "TEST_CA_PASS", filepath.Join(out, "plc-2.pem"), "--reason", "keyCompromise", "--bundle", bundle)
	crl := filepath.Join(bundle, "pki", "crl", "issuing-ca.crl.pem")
	code, stdout, _ := run(t, "verify", "certs", "--root", root, "--intermediate", ca, "--crl", crl, "--crl", filepath.Join(bundle, "pki", "crl", "root.crl.pem"),
		filepath.Join(bundle, "pki", "devices", "plc-1.pem"), filepath.Join(bundle, "pki", "devices", "plc-2.pem"), "-o", "json")
	if code != insurable.ExitVerifyFail || strings.Count(stdout, `"status": "valid"`) != 1 || !strings.Contains(stdout, `"status": "revoked"`) {
		t.Errorf("after revoke: exit %d\n%s", code, stdout)
	}
	if res, err := testpki.OpenSSL(out, "verify", "-crl_check", "-CRLfile", crl, "-CAfile", root, "-untrusted", ca, "plc-2.pem"); err == nil || !strings.Contains(string(res), "certificate revoked") {
		t.Errorf("openssl does not see plc-2 revoked: %s", res)
	}

	// Sign an artifact in the three forms; verify with our command and with openssl.
	fw := filepath.Join(out, "fw.bin")
	os.WriteFile(fw, []byte("firmware\x00image\n\x00\x01\x02"), 0o644)
	signer := []string{"--key", filepath.Join(out, "acme-release.key"), "--cert", filepath.Join(out, "acme-release.pem"), "--passphrase-env", "TEST_KEY_PASS"}
	for _, f := range []string{"sigstore", "raw", "cms"} {
		mustRun(append([]string{"sign", "artifact", fw, "--format", f}, signer...)...)
	}
	vt := []string{"--root", root, "--intermediate", ca, "--crl", crl}
	for _, args := range [][]string{
		{"--bundle", fw + ".sigstore.json"},
		{"--signature", fw + ".sig", "--cert", filepath.Join(out, "acme-release.pem")},
		{"--signature", fw + ".p7s"},
	} {
		if code, stdout, _ := run(t, append(append([]string{"verify", "artifact", fw}, args...), vt...)...); code != 0 {
			t.Errorf("verify %v: exit %d %s", args, code, stdout)
		}
	}
	testpki.OpenSSL(out, "x509", "-in", "acme-release.pem", "-pubkey", "-noout", "-out", "release.pub")
	if res, err := testpki.OpenSSL(out, "dgst", "-sha256", "-verify", "release.pub", "-signature", "fw.bin.sig", "fw.bin"); err != nil || !strings.Contains(string(res), "Verified OK") {
		t.Errorf("openssl dgst -verify: %s %v", res, err)
	}
	chain := filepath.Join(out, "chain.pem")
	rootPEM, _ := os.ReadFile(root)
	caPEM, _ := os.ReadFile(ca)
	os.WriteFile(chain, append(rootPEM, caPEM...), 0o644)
	if res, err := testpki.OpenSSL(out, "cms", "-verify", "-binary", "-inform", "DER", "-in", "fw.bin.p7s", "-content", "fw.bin", "-CAfile", chain, "-purpose", "any", "-out", os.DevNull); err != nil || !strings.Contains(string(res), "Verification successful") {
		t.Errorf("openssl cms -verify: %s %v", res, err)
	}
	if code, _, errs := run(t, "sign", "artifact", fw, "--key", filepath.Join(out, "plc-1.key"), "--cert", filepath.Join(out, "plc-1.pem")); code != insurable.ExitInput || !strings.Contains(errs, "does not allow code signing") {
		t.Errorf("signing with a device key: exit %d %s", code, errs)
	}

	// A platform manifest from a reference image, and a drifted deployment.
	img := t.TempDir()
	for name, content := range map[string]string{"usr/bin/gatewayd": "daemon", "usr/lib/libgw.so.1": "lib", "etc/gatewayd.conf": "conf"} {
		os.MkdirAll(filepath.Join(img, filepath.Dir(name)), 0o755)
		os.WriteFile(filepath.Join(img, name), []byte(content), 0o644)
	}
	manifest := filepath.Join(bundle, "platform", "manifests", "gw.dsse.json")
	mustRun(append([]string{"sign", "manifest", "--platform", "gw", "--version", "1", "--dir", img, "--out", manifest}, signer...)...)
	sum, _ := testpki.OpenSSL(img, "dgst", "-sha256", "-r", "usr/bin/gatewayd")
	dep := filepath.Join(out, "gw-01.yaml")
	os.WriteFile(dep, []byte("host: gw-01\nmanifest: platform/manifests/gw.dsse.json\nsha256sum: |\n  "+strings.Fields(string(sum))[0]+"  /usr/bin/gatewayd\n  "+strings.Repeat("0", 64)+"  /etc/gatewayd.conf\n"), 0o644)
	code, stdout, _ = run(t, append([]string{"verify", "manifest", manifest, "--cert", filepath.Join(out, "acme-release.pem"), "--deployment", dep, "-o", "json"}, vt...)...)
	if code != insurable.ExitVerifyFail || !strings.Contains(stdout, `"status": "valid"`) || !strings.Contains(stdout, `"/usr/lib/libgw.so.1"`) || !strings.Contains(stdout, `"/etc/gatewayd.conf"`) {
		t.Errorf("verify manifest: exit %d\n%s", code, stdout)
	}

	// An attestation signed by the officer it names.
	os.MkdirAll(filepath.Join(bundle, "governance"), 0o755)
	os.WriteFile(filepath.Join(bundle, "governance", "board-reviews.yaml"), []byte("reviews:\n  - date: 2026-01-10\n    body: Board\n    covers: [prevention]\n    attestation:\n      name: Dana Whitfield\n      role: Chair\n      date: 2026-01-12\n      signature: governance/signatures/board.dsse.json\n"), 0o644)
	officer := []string{"--key", filepath.Join(out, "dana-whitfield.key"), "--cert", filepath.Join(out, "dana-whitfield.pem")}
	mustRun(append([]string{"sign", "attestation", "--bundle", bundle, "--record", "governance/board-reviews.yaml#/reviews/0"}, officer...)...)
	code, stdout, _ = run(t, append([]string{"verify", "attestation", filepath.Join(bundle, "governance", "signatures", "board.dsse.json"), "--bundle", bundle,
		"--record", "governance/board-reviews.yaml#/reviews/0", "--cert", filepath.Join(out, "dana-whitfield.pem"), "-o", "json"}, vt...)...)
	if code != 0 || !strings.Contains(stdout, `"status": "valid"`) {
		t.Errorf("verify attestation: exit %d\n%s", code, stdout)
	}
	if code, _, errs := run(t, "sign", "attestation", "--bundle", bundle, "--record", "governance/board-reviews.yaml#/reviews/0", "--key", filepath.Join(out, "plc-1.key"), "--cert", filepath.Join(out, "plc-1.pem")); code != insurable.ExitInput || !strings.Contains(errs, "document signing") {
		t.Errorf("attesting with a device key: exit %d %s", code, errs)
	}
}

// TestDemoBundlesVerify generates bundles with their cryptographic evidence
// and verifies them: the well-run firm's is all valid, the typical firm's
// shows the deliberate defects.
func TestDemoBundlesVerify(t *testing.T) {
	for _, tt := range []struct {
		scenario string
		code     int
		want     []string
	}{
		{"manufacturer", 0, []string{"Signed attestations: 11 valid", "Platform manifests: "}},
		{"typical", insurable.ExitVerifyFail, []string{"1 revoked", "1 untrusted", "2 duplicate-key", "1 invalid-signature", "1 missing-signature", "modified ", "unlisted ", "no change record is cited"}},
	} {
		dir := filepath.Join(t.TempDir(), tt.scenario)
		if code, _, errs := run(t, "demo", "generate", "--scenario", tt.scenario, "--devices", "60", "--seed", "2", "--as-of", "2026-11-26", "--out", dir); code != 0 {
			t.Fatalf("generate: %d %s", code, errs)
		}
		code, out, errs := run(t, "verify", "bundle", dir)
		if code != tt.code {
			t.Errorf("%s: exit %d, want %d\n%s%s", tt.scenario, code, tt.code, out, errs)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: output lacks %q\n%s", tt.scenario, w, out)
			}
		}
		if code, out, _ := run(t, "verify", "bundle", dir, "-o", "json"); code != tt.code || !json.Valid([]byte(out)) {
			t.Errorf("%s: JSON: exit %d", tt.scenario, code)
		}
	}
}
