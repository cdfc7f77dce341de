package attest

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"go.step.sm/crypto/pemutil"

	"github.com/insurable/insurable/internal/testpki"
	"github.com/insurable/insurable/pki"
)

var fixtures string

func TestMain(m *testing.M) { os.Exit(testpki.Main(m, &fixtures)) }

func read(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtures, rel))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func cert(t testing.TB, rel string) *x509.Certificate {
	t.Helper()
	cs, err := pki.ParseCertificates(rel, read(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return cs[0]
}

func key(t testing.TB, rel string) crypto.Signer {
	t.Helper()
	k, err := pemutil.Parse(read(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return k.(crypto.Signer)
}

func verifier(t testing.TB, at time.Time) *pki.Verifier {
	t.Helper()
	l, err := pki.ParseCRLs("int.crl", read(t, "crl/int.crl.pem"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := pki.New(pki.Config{Roots: []*x509.Certificate{cert(t, "root.pem")}, Intermediates: []*x509.Certificate{cert(t, "int.pem")}, CRLs: []pki.CRL{{File: "int.crl", List: l[0]}}, Time: at})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// opensslEnvelope signs payload with openssl dgst over the DSSE
// pre-authentication encoding, so that our verifier is tested against a
// signature our own code did not make.
func opensslEnvelope(t testing.TB, keyFile string, payload []byte) *Envelope {
	t.Helper()
	dir := t.TempDir()
	pae := filepath.Join(dir, "pae")
	if err := os.WriteFile(pae, dsse.PAE(PayloadType, payload), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := testpki.OpenSSL(fixtures, "dgst", "-sha256", "-sign", keyFile, "-out", filepath.Join(dir, "sig"), pae); err != nil {
		t.Fatal(err)
	}
	sig, err := os.ReadFile(filepath.Join(dir, "sig"))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(map[string]any{
		"payloadType": PayloadType,
		"payload":     base64.StdEncoding.EncodeToString(payload),
		"signatures":  []map[string]string{{"keyid": "", "sig": base64.StdEncoding.EncodeToString(sig)}},
	})
	env, err := ParseEnvelope("openssl.dsse.json", data)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

const boardReviews = `reviews:
  - date: 2026-01-10
    body: Board of Directors
    covers: [prevention, transfer, response]
    continuity_plan_reviewed: true
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
`

func TestGovernanceAttestations(t *testing.T) {
	const file = "governance/board-reviews.yaml"
	claim, err := ClaimFor(file, []byte(boardReviews), "/reviews/0", "The board reviewed the IIoT cyber strategy.")
	if err != nil {
		t.Fatal(err)
	}
	if claim.Name != "Alice Example" || claim.Role != "Chair of the Board" || claim.Date != "2026-01-12" {
		t.Fatalf("claim %+v", claim)
	}
	st, err := claim.Statement()
	if err != nil {
		t.Fatal(err)
	}
	payload, err := MarshalStatement(st)
	if err != nil {
		t.Fatal(err)
	}
	signed := opensslEnvelope(t, "officer.key", payload)
	bySigner := opensslEnvelope(t, "signer.key", payload)
	tampered := *signed
	tampered.Payload = base64.StdEncoding.EncodeToString([]byte(strings.Replace(string(payload), "Chair", "Chain", 1)))
	ours, err := SignClaim(claim, key(t, "officer.key"))
	if err != nil {
		t.Fatal(err)
	}

	officers := []*x509.Certificate{cert(t, "officer.pem")}
	line := func(yaml string, n int) int { // the line of the n-th attestation block's first key
		seen := 0
		for i, l := range strings.Split(yaml, "\n") {
			if strings.TrimSpace(l) == "attestation:" {
				seen++
				if seen == n {
					return i + 2
				}
			}
		}
		t.Fatalf("no attestation %d", n)
		return 0
	}
	edited := strings.Replace(boardReviews, "covers: [prevention, transfer, response]", "covers: [prevention, transfer]", 1)
	renamed := strings.Replace(boardReviews, "name: Alice Example\n      role: Chair of the Board\n      date: 2026-01-12", "name: Bob Other\n      role: Chair of the Board\n      date: 2026-01-12", 1)
	appended := boardReviews + "  - date: 2024-01-15\n    body: Board\n    covers: [response]\n"
	resigned := strings.Replace(boardReviews, "board-2026.dsse.json", "board-2026-v2.dsse.json", 1)

	tests := []struct {
		name       string
		env        *Envelope
		candidates []*x509.Certificate
		yaml       string
		record     int
		at         time.Time
		want       Status
		reason     string
	}{
		{"signed by the officer with openssl", signed, officers, boardReviews, 1, time.Now(), Valid, ""},
		{"signed by the officer with our code", ours, officers, boardReviews, 1, time.Now(), Valid, ""},
		{"other records added later", signed, officers, appended, 1, time.Now(), Valid, ""},
		{"signature field renamed", signed, officers, resigned, 1, time.Now(), Valid, ""},
		{"record changed after signing", signed, officers, edited, 1, time.Now(), InvalidSignature, "changed after signing"},
		{"signature moved to another record", signed, officers, boardReviews, 2, time.Now(), InvalidSignature, "belongs to another record"},
		{"payload changed", &tampered, officers, boardReviews, 1, time.Now(), InvalidSignature, "verifies with none of the 1 officer certificates"},
		{"signed by an unknown key", bySigner, officers, boardReviews, 1, time.Now(), InvalidSignature, "verifies with none"},
		{"signed by a code-signing certificate", bySigner, append(officers, cert(t, "signer.pem")), boardReviews, 1, time.Now(), Untrusted, "documentSigning"},
		{"no officer certificate at all", signed, nil, boardReviews, 1, time.Now(), Untrusted, "no officer certificate"},
		{"officer's certificate expired", signed, officers, boardReviews, 1, time.Now().AddDate(2, 0, 0), Expired, "expired on"},
		{"record names someone else", signed, officers, renamed, 1, time.Now(), InvalidSignature, "changed after signing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := FindRecord([]byte(tt.yaml), line(tt.yaml, tt.record))
			if err != nil {
				t.Fatal(err)
			}
			got := VerifyClaim(tt.env, tt.candidates, verifier(t, tt.at), file, rec)
			if got.Status != tt.want || !strings.Contains(got.Reason, tt.reason) {
				t.Errorf("got %s (%s), want %s (…%s…)", got.Status, got.Reason, tt.want, tt.reason)
			}
		})
	}
}

func TestSignerMustBeTheNamedPerson(t *testing.T) {
	// A record that names Bob, signed (validly) by Alice, the officer.
	yaml := strings.ReplaceAll(boardReviews, "Alice Example", "Bob Other")
	claim, err := ClaimFor("g.yaml", []byte(yaml), "/reviews/0", "")
	if err != nil {
		t.Fatal(err)
	}
	env, err := SignClaim(claim, key(t, "officer.key"))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := RecordAt([]byte(yaml), "/reviews/0")
	if err != nil {
		t.Fatal(err)
	}
	got := VerifyClaim(env, []*x509.Certificate{cert(t, "officer.pem")}, verifier(t, time.Now()), "g.yaml", rec)
	if got.Status != SignerMismatch || !strings.Contains(got.Reason, `signed by "Alice Example"`) {
		t.Errorf("got %s (%s), want signer-mismatch", got.Status, got.Reason)
	}
	if got := VerifyClaim(env, []*x509.Certificate{cert(t, "officer.pem")}, verifier(t, time.Now()), "other.yaml", rec); got.Status != InvalidSignature {
		t.Errorf("claim of another file: got %s (%s)", got.Status, got.Reason)
	}
}

func TestRecordDigestIgnoresOnlyTheSignatureField(t *testing.T) {
	base, err := RecordAt([]byte(boardReviews), "/reviews/0")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		yaml string
		same bool
	}{
		{"signature path changed", strings.Replace(boardReviews, "board-2026.dsse.json", "x.json", 1), true},
		{"comment and spacing", strings.Replace(boardReviews, "body: Board of Directors", "body:   Board of Directors   # the board", 1), true},
		{"key order", strings.Replace(boardReviews, "    date: 2026-01-10\n    body: Board of Directors", "    body: Board of Directors\n    date: 2026-01-10", 1), true},
		{"quoted scalar", strings.Replace(boardReviews, "date: 2026-01-10", `date: "2026-01-10"`, 1), true},
		{"date changed", strings.Replace(boardReviews, "date: 2026-01-10", "date: 2026-01-11", 1), false},
		{"attester changed", strings.Replace(boardReviews, "role: Chair of the Board\n      date: 2026-01-12", "role: Secretary\n      date: 2026-01-12", 1), false},
	}
	for _, tt := range tests {
		got, err := RecordAt([]byte(tt.yaml), "/reviews/0")
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if (got.Digest == base.Digest) != tt.same {
			t.Errorf("%s: digest equal = %v, want %v", tt.name, got.Digest == base.Digest, tt.same)
		}
	}
	for _, bad := range []string{"/reviews/9", "/nothing", "reviews", "/reviews/0/covers"} {
		if _, err := RecordAt([]byte(boardReviews), bad); err == nil {
			t.Errorf("pointer %q: no error", bad)
		}
	}
	if _, err := FindRecord([]byte(boardReviews), 1); err == nil {
		t.Error("line with no attestation: no error")
	}
	bomb := "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
	if _, err := RecordAt([]byte(bomb), ""); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("alias bomb: got %v", err)
	}
}

func TestPlatformManifests(t *testing.T) {
	m := &Manifest{Platform: "edge-gateway", Version: "2026.02", Files: []ManifestFile{
		{Path: "/usr/bin/gatewayd", SHA256: strings.Repeat("a", 64), Kind: KindApplication},
		{Path: "/usr/lib/libmodbus.so.5", SHA256: strings.Repeat("b", 64), Kind: KindLibrary},
		{Path: "/etc/gatewayd.conf", SHA256: strings.Repeat("c", 64), Kind: KindConfiguration},
	}}
	st, err := m.Statement()
	if err != nil {
		t.Fatal(err)
	}
	payload, err := MarshalStatement(st)
	if err != nil {
		t.Fatal(err)
	}
	signers := []*x509.Certificate{cert(t, "signer.pem"), cert(t, "dev/valid.pem")}
	tests := []struct {
		name string
		env  *Envelope
		want Status
		part string
	}{
		{"signed with openssl", opensslEnvelope(t, "signer.key", payload), Valid, ""},
		{"signed by a device key", opensslEnvelope(t, "dev/valid.key", payload), Untrusted, "lacks codeSigning"},
		{"signed by an expired signer", opensslEnvelope(t, "signer-expired.key", payload), InvalidSignature, "verifies with none"},
	}
	for _, tt := range tests {
		got := VerifyManifest(tt.env, signers, verifier(t, time.Now()))
		if got.Status != tt.want || !strings.Contains(got.Reason, tt.part) {
			t.Errorf("%s: got %s (%s), want %s (…%s…)", tt.name, got.Status, got.Reason, tt.want, tt.part)
		}
		if got.Status == Valid && (len(got.Manifest.Files) != 3 || got.Manifest.Platform != "edge-gateway" || got.Manifest.Files[0].Path != "/etc/gatewayd.conf" || got.Manifest.Files[0].Kind != KindConfiguration) {
			t.Errorf("%s: manifest %+v", tt.name, got.Manifest)
		}
	}
	// Our signature verifies with openssl.
	env, err := SignManifest(m, key(t, "signer.key"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	body, _ := env.DecodeB64Payload()
	sig, _ := base64.StdEncoding.DecodeString(env.Signatures[0].Sig)
	os.WriteFile(filepath.Join(dir, "pae"), dsse.PAE(env.PayloadType, body), 0o600)
	os.WriteFile(filepath.Join(dir, "sig"), sig, 0o600)
	if _, err := testpki.OpenSSL(fixtures, "x509", "-in", "signer.pem", "-pubkey", "-noout", "-out", filepath.Join(dir, "pub.pem")); err != nil {
		t.Fatal(err)
	}
	if out, err := testpki.OpenSSL(dir, "dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig", "pae"); err != nil || !strings.Contains(string(out), "Verified OK") {
		t.Errorf("openssl does not verify our DSSE signature: %s %v", out, err)
	}
	for _, bad := range []Manifest{
		{Platform: "p", Files: []ManifestFile{{Path: "relative", SHA256: strings.Repeat("a", 64), Kind: KindOther}}},
		{Platform: "p", Files: []ManifestFile{{Path: "/a", SHA256: "abc", Kind: KindOther}}},
		{Platform: "p", Files: []ManifestFile{{Path: "/a", SHA256: strings.Repeat("a", 64), Kind: "binary"}}},
		{Platform: "p", Files: []ManifestFile{{Path: "/a", SHA256: strings.Repeat("a", 64), Kind: KindOther}, {Path: "/a", SHA256: strings.Repeat("b", 64), Kind: KindOther}}},
		{Platform: "", Files: []ManifestFile{{Path: "/a", SHA256: strings.Repeat("a", 64), Kind: KindOther}}},
		{Platform: "p"},
	} {
		if _, err := bad.Statement(); err == nil {
			t.Errorf("manifest %+v: no error", bad)
		}
	}
}

func TestParseEnvelope(t *testing.T) {
	tests := []struct{ name, data, err string }{
		{"not JSON", "hello", "not a DSSE envelope"},
		{"unknown field", `{"payloadType":"x","payload":"","signatures":[],"extra":1}`, "unknown field"},
		{"no signature", `{"payloadType":"x","payload":"aGk=","signatures":[]}`, "no signature"},
		{"no payload type", `{"payload":"aGk=","signatures":[{"sig":"aGk="}]}`, "no payloadType"},
		{"payload not base64", `{"payloadType":"x","payload":"!!","signatures":[{"sig":"aGk="}]}`, "not base64"},
		{"message bundle", string(read(t, "fw.sigstore.json")), "not a DSSE envelope"},
	}
	for _, tt := range tests {
		if _, err := ParseEnvelope("e.json", []byte(tt.data)); err == nil || !strings.Contains(err.Error(), tt.err) || !strings.HasPrefix(err.Error(), "e.json") {
			t.Errorf("%s: got %v, want an error naming e.json and saying %q", tt.name, err, tt.err)
		}
	}
}

// FuzzEnvelope feeds arbitrary envelopes to the parser and the verifier.
func FuzzEnvelope(f *testing.F) {
	env, _ := SignManifest(&Manifest{Platform: "p", Files: []ManifestFile{{Path: "/a", SHA256: strings.Repeat("a", 64), Kind: KindOther}}}, key(f, "signer.key"))
	seed, _ := env.Marshal()
	f.Add(seed)
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"sig":"AA=="}]}`))
	v := verifier(f, time.Now())
	signers := []*x509.Certificate{cert(f, "signer.pem")}
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := ParseEnvelope("fuzz.json", data)
		if err != nil {
			return
		}
		if r := VerifyManifest(env, signers, v); r.Status == "" {
			t.Fatal("no status")
		}
	})
}

// FuzzRecord feeds arbitrary YAML to the record digester.
func FuzzRecord(f *testing.F) {
	f.Add([]byte(boardReviews), 6)
	f.Add([]byte("a: &a [*a]\n"), 1)
	f.Fuzz(func(t *testing.T, data []byte, line int) {
		_, _ = FindRecord(data, line)
		_, _ = RecordAt(data, "/reviews/0")
	})
}
