package main

import (
	"context"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	f_log "github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/internal/pgtest"
	"github.com/insurable/insurable/ledger"
	"github.com/insurable/insurable/underwriting"
)

// ledgerWorld is a stopped service's data directory whose log holds a
// few transitions, to copy and tamper with.
type ledgerWorld struct {
	data    string // the untouched data directory
	records []string
	size    uint64
	root    []byte
	root1   []byte      // the root of the log's first entry alone
	signer  note.Signer // the log's own signing key
	pubKey  string
}

func newLedgerWorld(t *testing.T) *ledgerWorld {
	t.Helper()
	w := &ledgerWorld{data: filepath.Join(t.TempDir(), "data")}
	r := startMain(t, serveConfig{DataDir: w.data})
	ctx := context.Background()
	svc := r.m.Service
	ins, err := svc.Bootstrap(ctx, access.Insurer, "Insurer", "uw", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateProfile(ctx, seedPrincipal(ins), underwriting.NewProfile{Builtin: "baseline"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Firm A", "Firm B", "Firm C"} {
		f, err := svc.Bootstrap(ctx, access.Firm, name, "ciso", 0)
		if err != nil {
			t.Fatal(err)
		}
		fp := seedPrincipal(f)
		if _, err := svc.PutGrant(ctx, fp, f.Org.ID, ins.Org.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Apply(ctx, fp, underwriting.NewApplication{Insurer: ins.Org.ID}); err != nil {
			t.Fatal(err)
		}
	}
	r.waitLogged(t)
	_, w.records = records(t, r.m.Store)
	cp, err := r.m.Ledger.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.size, w.root, w.pubKey = cp.Size, cp.Root, r.m.Ledger.PublicKey()
	first, err := ledger.EntryAt(ctx, r.m.Ledger, 0, cp.Size)
	if err != nil {
		t.Fatal(err)
	}
	w.root1 = ledger.LeafHash(first)
	r.stop()
	skey, err := os.ReadFile(filepath.Join(w.data, ledgerKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if w.signer, err = ledger.NewSigner(string(skey)); err != nil {
		t.Fatal(err)
	}
	if len(w.records) != 3 || w.size != 3 {
		t.Fatalf("%d records, a log of %d entries", len(w.records), w.size)
	}
	return w
}

// copy returns a copy of the data directory.
func (w *ledgerWorld) copy(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "data")
	err := filepath.Walk(w.data, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(w.data, p)
		if fi.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(filepath.Join(dst, rel), os.O_CREATE|os.O_WRONLY, fi.Mode())
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// sign signs a checkpoint of the given size and root with key.
func signCheckpoint(t *testing.T, s note.Signer, size uint64, root []byte) []byte {
	t.Helper()
	cp, err := note.Sign(&note.Note{Text: string(f_log.Checkpoint{Origin: s.Name(), Size: size, Hash: root}.Marshal())}, s)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// TestLedgerVerifyCLI runs ledger verify on copies of one data directory,
// each prepared in its own way: the exit status, the JSON document and
// what the trusted checkpoint file becomes.
func TestLedgerVerifyCLI(t *testing.T) {
	w := newLedgerWorld(t)
	otherKey, otherPub, err := ledger.GenerateKey(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	otherSigner, _ := ledger.NewSigner(otherKey)
	type env struct {
		data, checkpoint string
	}
	write := func(t *testing.T, p string, data []byte) {
		t.Helper()
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	removeGlob := func(t *testing.T, pattern string) {
		t.Helper()
		ms, _ := filepath.Glob(pattern)
		if len(ms) == 0 {
			t.Fatalf("nothing matches %s", pattern)
		}
		for _, m := range ms {
			if err := os.RemoveAll(m); err != nil {
				t.Fatal(err)
			}
		}
	}
	cases := []struct {
		name    string
		prepare func(t *testing.T, e env) []string // extra arguments
		code    int
		in      string // in the output
		trusted bool   // the JSON says a trusted checkpoint was there
		saved   bool
	}{
		{name: "first verification", code: 0, saved: true},
		{name: "from a trusted checkpoint", code: 0, trusted: true, saved: true, prepare: func(t *testing.T, e env) []string {
			// As a verification after the first append would have kept.
			write(t, e.checkpoint, signCheckpoint(t, w.signer, 1, w.root1))
			return nil
		}},
		{name: "trusted checkpoint of the same size", code: 0, trusted: true, saved: true, prepare: func(t *testing.T, e env) []string {
			write(t, e.checkpoint, signCheckpoint(t, w.signer, w.size, w.root))
			return nil
		}},
		{name: "no-save", code: 0, prepare: func(t *testing.T, e env) []string { return []string{"--no-save"} }},
		{name: "rolled back", code: insurable.ExitVerifyFail, trusted: true, in: "rolled back", prepare: func(t *testing.T, e env) []string {
			write(t, e.checkpoint, signCheckpoint(t, w.signer, w.size+5, w.root))
			return nil
		}},
		{name: "rewritten", code: insurable.ExitVerifyFail, trusted: true, in: "rewritten", prepare: func(t *testing.T, e env) []string {
			write(t, e.checkpoint, signCheckpoint(t, w.signer, w.size, make([]byte, 32)))
			return nil
		}},
		{name: "forked", code: insurable.ExitVerifyFail, trusted: true, in: "does not extend", prepare: func(t *testing.T, e env) []string {
			write(t, e.checkpoint, signCheckpoint(t, w.signer, 2, make([]byte, 32)))
			return nil
		}},
		{name: "trusted checkpoint of another key", code: insurable.ExitVerifyFail, trusted: true, in: "not a checkpoint of this log", prepare: func(t *testing.T, e env) []string {
			write(t, e.checkpoint, signCheckpoint(t, otherSigner, w.size, w.root))
			return nil
		}},
		{name: "trusted checkpoint that is not one", code: insurable.ExitVerifyFail, trusted: true, in: "not a checkpoint of this log", prepare: func(t *testing.T, e env) []string {
			write(t, e.checkpoint, []byte("hello\n"))
			return nil
		}},
		{name: "another log's key", code: insurable.ExitVerifyFail, in: "does not verify", prepare: func(t *testing.T, e env) []string {
			return []string{"--key", otherPub}
		}},
		{name: "the published key, given", code: 0, saved: true, prepare: func(t *testing.T, e env) []string {
			return []string{"--key", w.pubKey}
		}},
		{name: "the key file, given", code: 0, saved: true, prepare: func(t *testing.T, e env) []string {
			return []string{"--key", filepath.Join(e.data, ledgerPubFile)}
		}},
		{name: "tiles deleted", code: insurable.ExitVerifyFail, in: "inclusion", prepare: func(t *testing.T, e env) []string {
			removeGlob(t, filepath.Join(e.data, ledgerLogDir, "tile", "0", "*"))
			return nil
		}},
		{name: "a tile cut short", code: insurable.ExitVerifyFail, in: "inclusion", prepare: func(t *testing.T, e env) []string {
			ms, _ := filepath.Glob(filepath.Join(e.data, ledgerLogDir, "tile", "0", "000.p", "*"))
			if len(ms) == 0 {
				t.Fatal("no partial tile")
			}
			for _, m := range ms {
				write(t, m, make([]byte, 40))
			}
			return nil
		}},
		{name: "entries deleted", code: insurable.ExitVerifyFail, in: "lacks entries", prepare: func(t *testing.T, e env) []string {
			removeGlob(t, filepath.Join(e.data, ledgerLogDir, "tile", "entries", "*"))
			return nil
		}},
		{name: "entries garbled", code: insurable.ExitVerifyFail, in: "does not verify", prepare: func(t *testing.T, e env) []string {
			ms, _ := filepath.Glob(filepath.Join(e.data, ledgerLogDir, "tile", "entries", "000.p", "*"))
			for _, m := range ms {
				write(t, m, []byte{0xff})
			}
			return nil
		}},
		{name: "the log deleted", code: insurable.ExitVerifyFail, in: "records 3 entries appended", prepare: func(t *testing.T, e env) []string {
			removeGlob(t, filepath.Join(e.data, ledgerLogDir))
			return nil
		}},
		{name: "the log deleted, a trusted checkpoint kept", code: insurable.ExitVerifyFail, trusted: true, in: "deleted or replaced", prepare: func(t *testing.T, e env) []string {
			write(t, e.checkpoint, signCheckpoint(t, w.signer, w.size, w.root))
			removeGlob(t, filepath.Join(e.data, ledgerLogDir))
			return nil
		}},
		{name: "a checkpoint signed by another key in the log", code: insurable.ExitVerifyFail, in: "does not verify", prepare: func(t *testing.T, e env) []string {
			write(t, filepath.Join(e.data, ledgerLogDir, "checkpoint"), signCheckpoint(t, otherSigner, w.size, w.root))
			return nil
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := env{data: w.copy(t), checkpoint: filepath.Join(t.TempDir(), "trusted.checkpoint")}
			var extra []string
			if c.prepare != nil {
				extra = c.prepare(t, e)
			}
			before, _ := os.ReadFile(e.checkpoint)
			args := append([]string{"ledger", "verify", "--data", e.data, "--checkpoint", e.checkpoint, "-o", "json"}, extra...)
			code, out, stderr := run(t, args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, c.code, out, stderr)
			}
			var res verifyResult
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, out)
			}
			if res.OK != (c.code == 0) || res.Trusted != c.trusted || res.Saved != c.saved || res.TrustedCheckpoint != e.checkpoint {
				t.Errorf("ok %v, trusted %v, saved %v, file %s\n%s", res.OK, res.Trusted, res.Saved, res.TrustedCheckpoint, out)
			}
			if c.in != "" && !strings.Contains(out, c.in) {
				t.Errorf("the output lacks %q:\n%s", c.in, out)
			}
			after, _ := os.ReadFile(e.checkpoint)
			switch {
			case c.saved:
				if _, err := ledger.OpenCheckpoint(after, ledgerVerifier(t, w.pubKey)); err != nil || !strings.Contains(string(after), "\n3\n") {
					t.Errorf("the saved checkpoint: %v\n%s", err, after)
				}
			case string(after) != string(before):
				t.Errorf("the trusted checkpoint changed:\n%s\nwas\n%s", after, before)
			}
			if c.code == 0 {
				if res.Report == nil || res.Report.Records != 3 || res.Report.Verified != 3 || len(res.Report.Problems) != 0 {
					t.Errorf("report %+v", res.Report)
				}
			}
			// The text report says the same.
			code, text, _ := run(t, append([]string{"ledger", "verify", "--no-save", "--data", e.data, "--checkpoint", e.checkpoint}, extra...)...)
			if code != c.code || (c.code == 0) != strings.Contains(text, "OK: everything verifies") || (c.code != 0) != strings.Contains(text, "FAILED") {
				t.Errorf("text: exit %d\n%s", code, text)
			}
		})
	}

	t.Run("default trusted checkpoint", func(t *testing.T) {
		state := t.TempDir()
		t.Setenv("XDG_STATE_HOME", state)
		data := w.copy(t)
		for i, want := range []bool{false, true} {
			code, out, stderr := run(t, "ledger", "verify", "--data", data, "-o", "json")
			var res verifyResult
			json.Unmarshal([]byte(out), &res)
			if code != 0 || res.Trusted != want || !res.Saved || !strings.HasPrefix(res.TrustedCheckpoint, filepath.Join(state, "insurable", "ledger")) {
				t.Fatalf("run %d: exit %d, %+v %s", i, code, res, stderr)
			}
		}
		// The same database named another way keeps the same file.
		rel, err := filepath.Rel(mustGetwd(t), data)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := trustedPath((&ledgerSource{data: data}).id())
		b, _ := trustedPath((&ledgerSource{data: rel + "/"}).id())
		if a != b {
			t.Errorf("%s and %s", a, b)
		}
		// A database whose pinned key was replaced, with a log signed by
		// the new key: the trusted checkpoint, signed by the old key,
		// does not verify.
		if code, out, _ := run(t, "ledger", "verify", "--data", data, "--key", otherPub); code != insurable.ExitVerifyFail || !strings.Contains(out, "not a checkpoint of this log") {
			t.Errorf("another key against the kept checkpoint: exit %d\n%s", code, out)
		}
	})

	for _, c := range []struct {
		name string
		args []string
		code int
		in   string
	}{
		{"both places", []string{"--data", w.data, "--database", "postgres://x/y"}, insurable.ExitUsage, "not both"},
		{"bad output", []string{"--data", w.data, "-o", "yaml"}, insurable.ExitUsage, "-o"},
		{"an argument", []string{"--data", w.data, "extra"}, insurable.ExitUsage, "unknown command"},
		{"no database", []string{"--data", t.TempDir()}, insurable.ExitNotFound, "no service database"},
		{"a key that is not one", []string{"--data", w.data, "--key", "a+b+c"}, insurable.ExitInput, "public key"},
		{"a key file that is not there", []string{"--data", w.data, "--key", filepath.Join(t.TempDir(), "nope.pub")}, insurable.ExitNotFound, "nope.pub"},
		{"a trusted checkpoint that is a directory", []string{"--data", w.data, "--checkpoint", t.TempDir()}, insurable.ExitInput, "trusted checkpoint"},
		{"a database URL that is not one", []string{"--database", "postgres://%zz"}, insurable.ExitInput, "--database"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, stderr := run(t, append([]string{"ledger", "verify", "--no-save"}, c.args...)...)
			if code != c.code || !strings.Contains(out+stderr, c.in) {
				t.Errorf("exit %d, want %d with %q\n%s%s", code, c.code, c.in, out, stderr)
			}
		})
	}
}

func mustGetwd(t *testing.T) string {
	d, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func ledgerVerifier(t *testing.T, key string) note.Verifier {
	v, err := ledger.NewVerifier(key)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestLedgerProofCLI prints proofs and checks them with the public key
// alone; and the key commands.
func TestLedgerProofCLI(t *testing.T) {
	w := newLedgerWorld(t)
	dir := t.TempDir()
	pub := filepath.Join(dir, "log.pub")
	if code, out, _ := run(t, "ledger", "key", "--data", w.data); code != 0 || strings.TrimSpace(out) != w.pubKey {
		t.Fatalf("ledger key: %d %q", code, out)
	} else if err := os.WriteFile(pub, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	var kj keyJSON
	if code, out, _ := run(t, "ledger", "key", "--data", w.data, "-o", "json"); code != 0 || json.Unmarshal([]byte(out), &kj) != nil || kj.PublicKey != w.pubKey || !strings.HasPrefix(kj.Origin, ledger.OriginPrefix) {
		t.Errorf("ledger key -o json: %d %s", code, out)
	}
	if code, out, _ := run(t, "ledger", "key", "--ledger-key", filepath.Join(w.data, ledgerKeyFile)); code != 0 || strings.TrimSpace(out) != w.pubKey {
		t.Errorf("ledger key --ledger-key: %d %q", code, out)
	}
	proofFile := filepath.Join(dir, "proof.json")
	code, out, stderr := run(t, "ledger", "proof", w.records[1], "--data", w.data, "--out", proofFile)
	if code != 0 || out != "" {
		t.Fatalf("ledger proof: %d %s%s", code, out, stderr)
	}
	stdoutProof := func() string {
		code, out, stderr := run(t, "ledger", "proof", w.records[1], "--data", w.data)
		if code != 0 {
			t.Fatalf("ledger proof: %d %s", code, stderr)
		}
		return out
	}()
	if string(mustRead(t, proofFile)) != stdoutProof {
		t.Error("--out and standard output differ")
	}
	// A proof that does not verify, the other key's.
	_, otherPub, _ := ledger.GenerateKey(nil, "")
	tampered := filepath.Join(dir, "tampered.json")
	var p map[string]any
	json.Unmarshal([]byte(stdoutProof), &p)
	changed := strings.Replace(p["entry"].(string), `"actor":"`, `"actor":"x`, 1)
	if changed == p["entry"] {
		t.Fatalf("the entry was not changed: %s", changed)
	}
	p["entry"] = changed
	data, _ := json.Marshal(p)
	os.WriteFile(tampered, data, 0o644)
	os.WriteFile(filepath.Join(dir, "garbage.json"), []byte(`{"format":"insurable.ledger.proof/v1","index":"x"}`), 0o644)

	for _, c := range []struct {
		name string
		args []string
		code int
		in   string
	}{
		{"proof as text", []string{"proof", w.records[1], "--data", w.data, "-o", "text"}, 0, "It logs transition 1 of policy"},
		{"proof of no record", []string{"proof", "trn_nothing", "--data", w.data}, insurable.ExitNotFound, "trn_nothing"},
		{"proof without an id", []string{"proof", "--data", w.data}, insurable.ExitUsage, "arg"},
		{"proof as yaml", []string{"proof", w.records[1], "--data", w.data, "-o", "yaml"}, insurable.ExitUsage, "-o"},
		{"check", []string{"check-proof", proofFile, "--key", pub}, 0, "The proof verifies"},
		{"check, the key given inline", []string{"check-proof", proofFile, "--key", w.pubKey}, 0, "The proof verifies"},
		{"check as JSON", []string{"check-proof", proofFile, "--key", pub, "-o", "json"}, 0, `"ok": true`},
		{"check with another key", []string{"check-proof", proofFile, "--key", otherPub}, insurable.ExitVerifyFail, "does not verify"},
		{"check with another key, as JSON", []string{"check-proof", proofFile, "--key", otherPub, "-o", "json"}, insurable.ExitVerifyFail, `"ok": false`},
		{"check a changed entry", []string{"check-proof", tampered, "--key", pub}, insurable.ExitVerifyFail, "does not verify"},
		{"check a document that is not a proof", []string{"check-proof", filepath.Join(dir, "garbage.json"), "--key", pub}, insurable.ExitInput, "not an inclusion proof"},
		{"check a file that is not there", []string{"check-proof", filepath.Join(dir, "none.json"), "--key", pub}, insurable.ExitNotFound, "none.json"},
		{"check without a key", []string{"check-proof", proofFile}, insurable.ExitUsage, "--key is required"},
		{"check a transition as an assessment", []string{"check-proof", proofFile, "--key", pub, "--result", proofFile}, insurable.ExitVerifyFail, "not an assessment"},
		{"keygen as JSON", []string{"keygen", "--out", filepath.Join(dir, "new.key"), "-o", "json"}, 0, `"signing_key_file"`},
		{"keygen over a file", []string{"keygen", "--out", proofFile}, insurable.ExitInput, "exists"},
		{"keygen without --out", []string{"keygen"}, insurable.ExitUsage, "--out"},
		{"keygen of a bad origin", []string{"keygen", "--origin", "a b", "--out", filepath.Join(dir, "bad.key")}, insurable.ExitInput, "origin"},
		{"key from nowhere", []string{"key", "--data", t.TempDir()}, insurable.ExitNotFound, "no service database"},
		{"key from two places", []string{"key", "--data", w.data, "--ledger-key", pub}, insurable.ExitUsage, "not both"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, stderr := run(t, append([]string{"ledger"}, c.args...)...)
			if code != c.code || !strings.Contains(out+stderr, c.in) {
				t.Errorf("exit %d, want %d with %q\n%s%s", code, c.code, c.in, out, stderr)
			}
		})
	}

	// The proof is what the service's API would give: checked with the
	// library too.
	pr, err := ledger.ParseProof(mustRead(t, proofFile))
	if err != nil {
		t.Fatal(err)
	}
	if e, cp, err := pr.Check(ledgerVerifier(t, w.pubKey)); err != nil || e.Record != w.records[1] || cp.Size != w.size {
		t.Errorf("check: %v %v %v", e, cp, err)
	}
	// A log whose tiles are gone gives no proof.
	broken := w.copy(t)
	os.RemoveAll(filepath.Join(broken, ledgerLogDir, "tile", "0"))
	if code, out, stderr := run(t, "ledger", "proof", w.records[1], "--data", broken); code != insurable.ExitVerifyFail || out != "" || !strings.Contains(stderr, "does not verify") {
		t.Errorf("a proof from a broken log: exit %d\n%s%s", code, out, stderr)
	}
}

// TestLedgerVerifyDatabases: a PostgreSQL database that is not there, or
// holds no log.
func TestLedgerVerifyDatabases(t *testing.T) {
	empty := pgtest.Fresh(t)
	u, err := url.Parse(empty)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/no_such_database"
	_, pub, _ := ledger.GenerateKey(nil, "")
	for _, c := range []struct {
		name string
		args []string
		code int
		in   string
	}{
		{"a database that is not there", []string{"--database", u.String()}, insurable.ExitNotFound, "no_such_database"},
		{"a database that never held a log", []string{"--database", empty}, insurable.ExitNotFound, "no decision log's key"},
		{"a database that never held a log, a key given", []string{"--database", empty, "--key", pub}, insurable.ExitNotFound, "published no checkpoint"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, stderr := run(t, append([]string{"ledger", "verify", "--no-save", "--checkpoint", filepath.Join(t.TempDir(), "cp")}, c.args...)...)
			if code != c.code || !strings.Contains(out+stderr, c.in) {
				t.Errorf("exit %d, want %d with %q\n%s%s", code, c.code, c.in, out, stderr)
			}
		})
	}
}
