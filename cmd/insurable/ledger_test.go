package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/internal/pgtest"
	"github.com/insurable/insurable/ledger"
	"github.com/insurable/insurable/policy"
	"github.com/insurable/insurable/sqlite"
	"github.com/insurable/insurable/tarball"
	"github.com/insurable/insurable/underwriting"
)

// testApp is an App writing to buffers, for a ServeMain.
func testApp(t *testing.T) (*App, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	a := &App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: io.Discard, Now: time.Now, logLevel: "warn", logFormat: "text"}
	if err := a.setupLogging(); err != nil {
		t.Fatal(err)
	}
	return a, &out
}

// running is a ServeMain serving in the background.
type running struct {
	m      *ServeMain
	c      client
	out    *bytes.Buffer
	cancel context.CancelFunc
	done   chan error
}

func startMain(t *testing.T, cfg serveConfig) *running {
	t.Helper()
	a, out := testApp(t)
	ready := make(chan string, 1)
	cfg.Addr, cfg.Poll, cfg.Drain, cfg.MaxUpload = "127.0.0.1:0", 100*time.Millisecond, 5*time.Second, 64<<20
	cfg.CheckpointInterval = 100 * time.Millisecond
	cfg.Ready = func(addr string) { ready <- addr }
	m, err := a.newServeMain(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{m: m, out: out, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- m.Run(ctx) }()
	select {
	case addr := <-ready:
		r.c = client{t: t, base: "http://" + addr}
	case err := <-r.done:
		t.Fatalf("serve stopped: %v", err)
	}
	t.Cleanup(r.stop)
	return r
}

// stop stops the service; a second call does nothing.
func (r *running) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	<-r.done
}

// waitLogged waits until nothing is queued for the log and a published
// checkpoint covers it.
func (r *running) waitLogged(t *testing.T) *underwriting.LedgerInfo {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(20 * time.Second); ; {
		info, err := r.m.Service.LedgerInfo(ctx)
		size, _ := r.m.Ledger.Size(ctx)
		if err == nil && info.Pending == 0 && info.Size == size && size > 0 {
			return info
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log did not catch up: %+v, %v", info, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func seedPrincipal(s *underwriting.Seed) *access.Principal {
	return principalOf(s)
}

// lifecycle takes a policy through its life on the service: application,
// assessment, quote, issue, suspension, a new assessment, reinstatement
// (with the evidence of insurable); and a second firm's application,
// assessed (on declined) and declined. It returns the first policy.
func lifecycle(t *testing.T, svc *underwriting.Service, insurable, declined []byte) *underwriting.Policy {
	t.Helper()
	ctx := context.Background()
	ins, err := svc.Bootstrap(ctx, access.Insurer, "Insurer", "uw", 0)
	if err != nil {
		t.Fatal(err)
	}
	insP := seedPrincipal(ins)
	if _, err := svc.CreateProfile(ctx, insP, underwriting.NewProfile{Builtin: "baseline"}); err != nil {
		t.Fatal(err)
	}
	var first *underwriting.Policy
	for i, name := range []string{"Firm One", "Firm Two"} {
		f, err := svc.Bootstrap(ctx, access.Firm, name, "ciso", 0)
		if err != nil {
			t.Fatal(err)
		}
		fp := seedPrincipal(f)
		step := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		_, err = svc.PutGrant(ctx, fp, f.Org.ID, ins.Org.ID)
		step(err)
		bundle := insurable
		if i == 1 {
			bundle = declined
		}
		_, _, err = svc.UploadEvidence(ctx, fp, f.Org.ID, bytes.NewReader(bundle))
		step(err)
		pol, err := svc.Apply(ctx, fp, underwriting.NewApplication{Insurer: ins.Org.ID})
		step(err)
		_, err = svc.Assess(ctx, insP, pol.ID, underwriting.AssessRequest{})
		step(err)
		if i == 1 {
			_, err = svc.Transition(ctx, insP, pol.ID, underwriting.Act{Event: policy.Decline, Reason: "not this year"})
			step(err)
			continue
		}
		_, err = svc.Transition(ctx, insP, pol.ID, underwriting.Act{Event: policy.Quote, Premium: 900, Currency: "EUR"})
		step(err)
		_, err = svc.Transition(ctx, insP, pol.ID, underwriting.Act{Event: policy.Issue})
		step(err)
		_, err = svc.Transition(ctx, insP, pol.ID, underwriting.Act{Event: policy.Suspend, Reason: "the pen test is overdue"})
		step(err)
		_, err = svc.Assess(ctx, insP, pol.ID, underwriting.AssessRequest{})
		step(err)
		first, err = svc.Transition(ctx, insP, pol.ID, underwriting.Act{Event: policy.Reinstate, Reason: "pen test done"})
		step(err)
	}
	return first
}

// records lists the assessments and transitions in the database.
func records(t *testing.T, store underwriting.Store) (asms, trns []string) {
	err := store.View(context.Background(), func(tx underwriting.Tx) error {
		as, err := tx.AllAssessments(context.Background(), underwriting.Page{})
		for _, a := range as {
			asms = append(asms, a.ID)
		}
		if err != nil {
			return err
		}
		ts, err := tx.AllTransitions(context.Background(), underwriting.Page{})
		for _, tr := range ts {
			trns = append(trns, tr.ID)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return asms, trns
}

// TestLedgerVerifyDetectsTampering runs the service on SQLite and on
// PostgreSQL, stops it, and alters by hand each decision and each
// transition in the database in turn: `insurable ledger verify` passes on
// the untouched database, reports every alteration, naming the record, with
// exit status 7, and passes again once it is undone.
func TestLedgerVerifyDetectsTampering(t *testing.T) {
	declined, err := tarball.Pack(generated(t, "typical", 40))
	if err != nil {
		t.Fatal(err)
	}
	good, err := tarball.Pack(filepath.Join("..", "..", "examples", "keystone-precision"))
	if err != nil {
		t.Fatal(err)
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			cfg := serveConfig{DataDir: filepath.Join(dir, "data")}
			where := []string{"--data", cfg.DataDir}
			var db *sql.DB
			if backend == "postgres" {
				cfg.Database = pgtest.Fresh(t)
				keyFile := filepath.Join(dir, "log.key")
				if code, _, stderr := run(t, "ledger", "keygen", "--out", keyFile); code != 0 {
					t.Fatalf("keygen: %d %s", code, stderr)
				}
				cfg.LedgerKey = keyFile
				where = []string{"--database", cfg.Database}
				db = mustOpen(t, "pgx", cfg.Database)
			}
			r := startMain(t, cfg)
			lifecycle(t, r.m.Service, good, declined)
			r.waitLogged(t)
			asms, trns := records(t, r.m.Store)
			r.stop()
			if backend == "sqlite" {
				db = mustOpen(t, "sqlite", filepath.Join(cfg.DataDir, sqlite.FileName))
			}
			trusted := filepath.Join(dir, "trusted.checkpoint")
			verify := func() (int, string) {
				code, out, stderr := run(t, append([]string{"ledger", "verify", "--checkpoint", trusted}, where...)...)
				return code, out + stderr
			}
			if code, out := verify(); code != 0 {
				t.Fatalf("the untouched database: exit %d:\n%s", code, out)
			}
			if _, err := os.Stat(trusted); err != nil {
				t.Fatalf("no trusted checkpoint saved: %v", err)
			}
			if len(asms) != 3 || len(trns) != 10 {
				t.Fatalf("%d assessments and %d transitions", len(asms), len(trns))
			}
			ph := func(q string) string {
				if backend == "postgres" {
					return strings.Replace(strings.Replace(q, "?", "$1", 1), "?", "$2", 1)
				}
				return q
			}
			tamper := func(table, id string) {
				var doc string
				if err := db.QueryRow(ph(`SELECT doc FROM `+table+` WHERE id = ?`), id).Scan(&doc); err != nil {
					t.Fatal(err)
				}
				var m map[string]any
				json.Unmarshal([]byte(doc), &m)
				switch table {
				case "assessments":
					m["score"] = m["score"].(float64) + 0.01
				case "transitions":
					m["at"] = "2026-01-01T00:00:00Z"
				}
				changed, _ := json.Marshal(m)
				if _, err := db.Exec(ph(`UPDATE `+table+` SET doc = ? WHERE id = ?`), string(changed), id); err != nil {
					t.Fatal(err)
				}
				code, out := verify()
				if code != insurable.ExitVerifyFail || !strings.Contains(out, id) || !strings.Contains(out, "changed") {
					t.Errorf("%s %s altered: exit %d:\n%s", table, id, code, out)
				}
				if _, err := db.Exec(ph(`UPDATE `+table+` SET doc = ? WHERE id = ?`), doc, id); err != nil {
					t.Fatal(err)
				}
			}
			for _, id := range asms {
				tamper("assessments", id)
			}
			for _, id := range trns {
				tamper("transitions", id)
			}
			if code, out := verify(); code != 0 {
				t.Errorf("after undoing every alteration: exit %d:\n%s", code, out)
			}
			// A transition removed, and one added by hand.
			if _, err := db.Exec(ph(`DELETE FROM transitions WHERE id = ?`), trns[len(trns)-1]); err != nil {
				t.Fatal(err)
			}
			if code, out := verify(); code != insurable.ExitVerifyFail || !strings.Contains(out, "deleted") {
				t.Errorf("a transition removed: exit %d:\n%s", code, out)
			}
		})
	}
}

func mustOpen(t *testing.T, driver, dsn string) *sql.DB {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestAuditorRerunsALoggedAssessment follows the procedure of
// docs/ledger.md: the firm fetches the proof of the decision it received
// and checks it with the log's public key alone; an auditor takes the
// logged entry, the evidence archive and the profile, re-runs the
// assessment with insurable assess, and finds the logged result digest.
func TestAuditorRerunsALoggedAssessment(t *testing.T) {
	dir := generated(t, "typical", 40)
	bundle, err := tarball.Pack(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := startMain(t, serveConfig{DataDir: filepath.Join(t.TempDir(), "data")})
	ctx := context.Background()
	svc := r.m.Service
	ins, _ := svc.Bootstrap(ctx, access.Insurer, "Insurer", "uw", 0)
	firm, _ := svc.Bootstrap(ctx, access.Firm, "Firm", "ciso", 0)
	fp, insP := seedPrincipal(firm), seedPrincipal(ins)
	svc.CreateProfile(ctx, insP, underwriting.NewProfile{Builtin: "baseline"})
	svc.PutGrant(ctx, fp, firm.Org.ID, ins.Org.ID)
	svc.UploadEvidence(ctx, fp, firm.Org.ID, bytes.NewReader(bundle))
	pol, err := svc.Apply(ctx, fp, underwriting.NewApplication{Insurer: ins.Org.ID})
	if err != nil {
		t.Fatal(err)
	}
	var asm underwriting.Assessment
	r.c.must(ins.Token.Secret, "POST", "/api/policies/"+pol.ID+"/assessments", map[string]string{}, 201, &asm)
	work := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(work, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	get := func(token, path string) []byte {
		status, body, err := r.c.do(token, "GET", path, nil)
		if err != nil || status != 200 {
			t.Fatalf("GET %s: %d %v %s", path, status, err, body)
		}
		return body
	}

	// The firm: the public key, the proof, the assessment it received.
	key := write("log.pub", get("", "/.well-known/insurable/ledger-key"))
	proof := write("proof.json", get(firm.Token.Secret, "/api/ledger/proofs/"+asm.ID))
	received := write("assessment.json", get(firm.Token.Secret, "/api/assessments/"+asm.ID))
	if code, out, stderr := run(t, "ledger", "check-proof", proof, "--key", key, "--assessment", received); code != 0 || !strings.Contains(out, "What you hold is what is on record") {
		t.Fatalf("the firm's check: exit %d\n%s%s", code, out, stderr)
	}
	var m map[string]any
	json.Unmarshal(get(firm.Token.Secret, "/api/assessments/"+asm.ID), &m)
	m["outcome"], m["tier"] = "insurable", "A"
	forged, _ := json.Marshal(m)
	if code, out, _ := run(t, "ledger", "check-proof", proof, "--key", key, "--assessment", write("forged.json", forged)); code != insurable.ExitVerifyFail || !strings.Contains(out, "outcome") {
		t.Errorf("a decision that is not the one on record: exit %d\n%s", code, out)
	}

	// The auditor: the logged entry names the inputs; the evidence is the
	// archive of that version; the profile and as-of date are the logged
	// ones; the feeds are the service's snapshot (here the built-in one).
	p, err := ledger.ParseProof(mustRead(t, proof))
	if err != nil {
		t.Fatal(err)
	}
	e, err := ledger.Decode([]byte(p.Entry))
	if err != nil {
		t.Fatal(err)
	}
	archive := get(ins.Token.Secret, "/api/firms/"+firm.Org.ID+"/evidence/"+e.Assessment.Evidence+"/archive")
	unpacked := filepath.Join(work, "evidence")
	os.MkdirAll(unpacked, 0o755)
	if err := tarball.Extract(bytes.NewReader(archive), unpacked, tarball.Limits{MaxBytes: 1 << 30, MaxFileBytes: 1 << 28, MaxFiles: 100000}); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := run(t, "assess", unpacked, "--profile", e.Assessment.Profile.ID, "--as-of", e.Assessment.AsOf, "-o", "json")
	if code > 2 {
		t.Fatalf("assess: exit %d %s", code, stderr)
	}
	result := write("result.json", []byte(out))
	if code, out, stderr := run(t, "ledger", "check-proof", proof, "--key", key, "--result", result); code != 0 {
		t.Fatalf("the auditor's re-run does not give the logged digest: exit %d\n%s%s", code, out, stderr)
	}
	var res struct {
		Inputs struct {
			Bundle struct{ Digest string }
		}
	}
	json.Unmarshal([]byte(out), &res)
	if ledger.Digest([]byte(out)) != e.Assessment.Result || res.Inputs.Bundle.Digest != e.Assessment.Evidence {
		t.Errorf("re-run: result %s bundle %s; logged %s %s", ledger.Digest([]byte(out)), res.Inputs.Bundle.Digest, e.Assessment.Result, e.Assessment.Evidence)
	}
	if code, _, _ := run(t, "ledger", "check-proof", proof, "--key", key, "--result", write("other.json", []byte(strings.Replace(out, `"score"`, `"score" `, 1)))); code != insurable.ExitVerifyFail {
		t.Errorf("another result passed: exit %d", code)
	}
}

func mustRead(t *testing.T, p string) []byte {
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
