package underwriting_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/internal/sqlstore"
	"github.com/insurable/insurable/ledger"
	"github.com/insurable/insurable/ledger/tlog"
	"github.com/insurable/insurable/policy"
	"github.com/insurable/insurable/sqlite"
	"github.com/insurable/insurable/underwriting"
)

// loggedService is a service on SQLite whose decisions go to a log in
// its data directory.
type loggedService struct {
	svc   *underwriting.Service
	store *sqlstore.Store
	log   *tlog.Log
	clk   *testClock
}

func newLoggedService(t *testing.T) *loggedService {
	dir := t.TempDir()
	store, err := sqlite.Open(context.Background(), filepath.Join(dir, "db"))
	if err != nil {
		t.Fatal(err)
	}
	skey, _, err := ledger.GenerateKey(nil, "insurable.ledger/test")
	if err != nil {
		t.Fatal(err)
	}
	l, err := tlog.OpenPOSIX(context.Background(), filepath.Join(dir, "ledger"), skey, tlog.Options{CheckpointInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c := &testClock{t: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	svc, err := underwriting.New(underwriting.Config{Store: store, Engine: testEngine(t), DataDir: filepath.Join(dir, "data"), Now: c.Now,
		Rand: chacha{rand.NewChaCha8([32]byte{2})}, Ledger: l})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.PinLedgerKey(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(); l.Close(context.Background()); store.Close() })
	return &loggedService{svc: svc, store: store, log: l, clk: c}
}

// sync appends everything queued and waits for a checkpoint covering it.
func (ls *loggedService) sync(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	known := int64(-1)
	if _, err := ls.svc.PumpLedger(ctx, &known); err != nil {
		t.Fatal(err)
	}
	size, err := ls.log.Size(ctx)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		cp, err := ls.log.Latest(ctx)
		if err == nil && cp.Size >= size {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint of %d entries: %v %v", size, cp, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (ls *loggedService) verify(t *testing.T) *ledger.Report {
	t.Helper()
	rep, _, err := underwriting.VerifyLedger(context.Background(), ls.store, ls.log, ls.log.Verifier(), underwriting.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestLedger takes a policy through its life — application, assessment,
// issue, continuous underwriting's grace period and suspension, patched
// evidence, reinstatement — and checks that every decision and
// transition is in the log, provable to the firm and no one else, and
// that each way of altering the database by hand is reported.
func TestLedger(t *testing.T) {
	ctx := context.Background()
	ls := newLoggedService(t)
	svc := ls.svc
	cons := must(svc.Bootstrap(ctx, access.Consortium, "Consortium", "op", 0))
	ins := must(svc.Bootstrap(ctx, access.Insurer, "Insurer", "uw", 0))
	lenient, err := os.ReadFile("testdata/lenient.yaml")
	if err != nil {
		t.Fatal(err)
	}
	insP := principal(ins)
	prof := must(svc.CreateProfile(ctx, insP, underwriting.NewProfile{YAML: string(lenient)}))
	firm := must(svc.Bootstrap(ctx, access.Firm, "Exposed Works", "ciso", 0))
	fp := principal(firm)
	other := principal(must(svc.Bootstrap(ctx, access.Firm, "Other Works", "ciso", 0)))
	must(svc.PutGrant(ctx, fp, firm.Org.ID, ins.Org.ID))
	must3(svc.UploadEvidence(ctx, fp, firm.Org.ID, bytes.NewReader(manufacturer(t, "2.3.41"))))
	pol := must(svc.Apply(ctx, fp, underwriting.NewApplication{Insurer: ins.Org.ID, Profile: prof.ID}))
	first := must(svc.Assess(ctx, insP, pol.ID, underwriting.AssessRequest{}))
	must(svc.Transition(ctx, insP, pol.ID, underwriting.Act{Event: policy.Quote, Premium: 1000, Currency: "EUR"}))
	must(svc.Transition(ctx, insP, pol.ID, underwriting.Act{Event: policy.Issue}))
	adv, _ := os.ReadFile("testdata/icsa-26-900-01.json")
	must(svc.ImportAdvisories(ctx, principal(cons), [][]byte{adv}))
	kevDoc, _ := os.ReadFile("testdata/kev.json")
	must(svc.ImportKEV(ctx, principal(cons), kevDoc))
	for range 2 {
		if ran, err := svc.RunOneJob(ctx); !ran || err != nil {
			t.Fatalf("job: %v %v", ran, err)
		}
	}
	ls.clk.Add(20 * 24 * time.Hour)
	must(svc.Sweep(ctx))
	ls.clk.Add(11 * 24 * time.Hour)
	must(svc.Sweep(ctx))
	must3(svc.UploadEvidence(ctx, fp, firm.Org.ID, bytes.NewReader(manufacturer(t, "2.4.1"))))
	last := must(svc.Assess(ctx, insP, pol.ID, underwriting.AssessRequest{AsOf: "2026-12-28"}))
	if p := must(svc.Transition(ctx, insP, pol.ID, underwriting.Act{Event: policy.Reinstate, Reason: "patched"})); p.State != policy.Issued {
		t.Fatalf("reinstate: %s", p.State)
	}
	if len(last.Resolved) == 0 {
		t.Errorf("the patched evidence resolved no remediation item")
	}
	ls.sync(t)

	rep := ls.verify(t)
	ts, _ := must2(svc.ListTransitions(ctx, fp, pol.ID, underwriting.Page{Limit: 500}))
	as, _ := must2(svc.ListAssessments(ctx, fp, pol.ID, underwriting.Page{Limit: 500}))
	if !rep.OK() || rep.Records != len(ts)+len(as) || rep.Verified != rep.Records || rep.Pending != 0 {
		t.Fatalf("verification of an untouched database: %d records, %d verified, %d pending, problems %v", rep.Records, rep.Verified, rep.Pending, rep.Problems)
	}
	if n, _ := ls.log.Size(ctx); n != uint64(rep.Records) {
		t.Errorf("the log holds %d entries for %d records", n, rep.Records)
	}

	// The firm checks the decision it received against the log.
	pr := must(svc.LedgerProof(ctx, fp, first.ID))
	e, _, err := pr.Check(ls.log.Verifier())
	if err != nil {
		t.Fatal(err)
	}
	if e.Assessment == nil || e.Assessment.Result != first.Digest || e.Assessment.Outcome != string(first.Outcome) || e.Firm != firm.Org.ID {
		t.Errorf("the logged entry %+v is not the assessment %s", e, first.ID)
	}
	if _, err := svc.LedgerProof(ctx, other, first.ID); insurable.ErrorKind(err) != insurable.NotExist {
		t.Errorf("another firm asked for the proof: %v, want NotExist", err)
	}
	if _, err := svc.LedgerProof(ctx, nil, first.ID); err == nil {
		t.Error("an anonymous caller got the proof")
	}

	db := ls.store.DB()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// editDoc changes a record's JSON document and returns its undo.
	editDoc := func(table, id string, edit func(map[string]any)) func() {
		var doc string
		if err := db.QueryRow(`SELECT doc FROM `+table+` WHERE id = ?`, id).Scan(&doc); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.Unmarshal([]byte(doc), &m)
		edit(m)
		data, _ := json.Marshal(m)
		exec(`UPDATE `+table+` SET doc = ? WHERE id = ?`, string(data), id)
		return func() { exec(`UPDATE `+table+` SET doc = ? WHERE id = ?`, doc, id) }
	}
	suspend := ts[len(ts)-3]
	if suspend.Event != policy.Suspend {
		t.Fatalf("transition %d is %s", len(ts)-3, suspend.Event)
	}
	var item string
	if err := db.QueryRow(`SELECT id FROM remediation WHERE policy = ? AND doc NOT LIKE '%"status":"resolved"%' LIMIT 1`, pol.ID).Scan(&item); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		kind   string
		record string
		tamper func() func()
	}{
		{"a decision's outcome", ledger.ProblemChanged, first.ID, func() func() {
			return editDoc("assessments", first.ID, func(m map[string]any) {
				if m["outcome"] == "declined" {
					t.Fatal("the first assessment is declined")
				}
				m["outcome"] = "declined"
			})
		}},
		{"a decision's score", ledger.ProblemChanged, last.ID, func() func() {
			return editDoc("assessments", last.ID, func(m map[string]any) { m["score"] = 0.99 })
		}},
		{"the evidence an assessment names", ledger.ProblemChanged, first.ID, func() func() {
			return editDoc("assessments", first.ID, func(m map[string]any) { m["evidence"] = last.Evidence })
		}},
		{"a stored result", ledger.ProblemChanged, first.ID, func() func() {
			var res []byte
			db.QueryRow(`SELECT result FROM assessments WHERE id = ?`, first.ID).Scan(&res)
			zr, _ := gzip.NewReader(bytes.NewReader(res))
			plain, _ := io.ReadAll(zr)
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			zw.Write(bytes.Replace(plain, []byte(`"outcome": "`), []byte(`"outcome": "x`), 1))
			zw.Close()
			exec(`UPDATE assessments SET result = ? WHERE id = ?`, buf.Bytes(), first.ID)
			return func() { exec(`UPDATE assessments SET result = ? WHERE id = ?`, res, first.ID) }
		}},
		{"a transition's reason", ledger.ProblemChanged, suspend.ID, func() func() {
			return editDoc("transitions", suspend.ID, func(m map[string]any) { m["reason"] = "asked for by the firm" })
		}},
		{"a transition's actor", ledger.ProblemChanged, ts[3].ID, func() func() {
			return editDoc("transitions", ts[3].ID, func(m map[string]any) { m["actor"] = "usr_someone_else" })
		}},
		{"a transition's event", ledger.ProblemChanged, suspend.ID, func() func() {
			return editDoc("transitions", suspend.ID, func(m map[string]any) { m["event"] = "grace-end"; m["to"] = "issued" })
		}},
		{"a policy's state", ledger.ProblemPolicyState, pol.ID, func() func() {
			exec(`UPDATE policies SET state = 'cancelled' WHERE id = ?`, pol.ID)
			undo := editDoc("policies", pol.ID, func(m map[string]any) { m["state"] = "cancelled" })
			return func() { undo(); exec(`UPDATE policies SET state = 'issued' WHERE id = ?`, pol.ID) }
		}},
		{"a transition deleted", ledger.ProblemDeleted, suspend.ID, func() func() {
			var doc string
			var seq int
			db.QueryRow(`SELECT doc, seq FROM transitions WHERE id = ?`, suspend.ID).Scan(&doc, &seq)
			exec(`DELETE FROM transitions WHERE id = ?`, suspend.ID)
			return func() {
				exec(`INSERT INTO transitions(id, policy, seq, doc) VALUES (?, ?, ?, ?)`, suspend.ID, pol.ID, seq, doc)
			}
		}},
		{"a transition added by hand", ledger.ProblemNotLogged, "trn_forged", func() func() {
			doc, _ := json.Marshal(underwriting.Transition{ID: "trn_forged", Policy: pol.ID, Seq: 99, Event: policy.Cancel, From: policy.Issued, To: policy.Cancelled, Actor: "usr_x", At: ls.clk.Now()})
			exec(`INSERT INTO transitions(id, policy, seq, doc) VALUES (?, ?, ?, ?)`, "trn_forged", pol.ID, 99, string(doc))
			return func() { exec(`DELETE FROM transitions WHERE id = 'trn_forged'`) }
		}},
		{"a remediation item resolved by hand", ledger.ProblemRemediation, pol.ID, func() func() {
			var doc string
			db.QueryRow(`SELECT doc FROM remediation WHERE policy = ? AND id = ?`, pol.ID, item).Scan(&doc)
			exec(`UPDATE remediation SET doc = ? WHERE policy = ? AND id = ?`, strings.Replace(doc, `"status":"`, `"status":"resolved","was":"`, 1), pol.ID, item)
			return func() { exec(`UPDATE remediation SET doc = ? WHERE policy = ? AND id = ?`, doc, pol.ID, item) }
		}},
		{"a record pointed at another entry", ledger.ProblemWrongEntry, first.ID, func() func() {
			exec(`UPDATE ledger SET idx = idx + 1 WHERE record = ?`, first.ID)
			return func() { exec(`UPDATE ledger SET idx = idx - 1 WHERE record = ?`, first.ID) }
		}},
		{"a record and its queued entry, changed together", ledger.ProblemChanged, first.ID, func() func() {
			undo := editDoc("assessments", first.ID, func(m map[string]any) { m["outcome"] = "declined" })
			var entry []byte
			db.QueryRow(`SELECT entry FROM ledger WHERE record = ?`, first.ID).Scan(&entry)
			forged := bytes.Replace(entry, []byte(`"outcome":"`+string(first.Outcome)+`"`), []byte(`"outcome":"declined"`), 1)
			if bytes.Equal(forged, entry) {
				t.Fatal("the queued entry was not changed")
			}
			exec(`UPDATE ledger SET entry = ? WHERE record = ?`, forged, first.ID)
			return func() { undo(); exec(`UPDATE ledger SET entry = ? WHERE record = ?`, entry, first.ID) }
		}},
	}
	for _, c := range cases {
		undo := c.tamper()
		rep := ls.verify(t)
		found := false
		for _, p := range rep.Problems {
			if p.Kind == c.kind && p.Record == c.record {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: not reported as %s of %s; problems: %v", c.name, c.kind, c.record, rep.Problems)
		}
		undo()
		if rep := ls.verify(t); !rep.OK() {
			t.Fatalf("after undoing %s: %v", c.name, rep.Problems)
		}
	}
}

// TestLedgerRecoversAfterACrash appends queued entries to the log without
// recording their indices, as a replica killed between the two would:
// the next pump records the indices from the log instead of appending the
// entries a second time.
func TestLedgerRecoversAfterACrash(t *testing.T) {
	ctx := context.Background()
	ls := newLoggedService(t)
	for i := range 5 {
		must(ls.svc.Bootstrap(ctx, access.Firm, "Firm "+string(rune('A'+i)), "ciso", 0))
	}
	ins := must(ls.svc.Bootstrap(ctx, access.Insurer, "Insurer", "uw", 0))
	must(ls.svc.CreateProfile(ctx, principal(ins), underwriting.NewProfile{Builtin: "baseline"}))
	for i := range 3 {
		f := principal(must(ls.svc.Bootstrap(ctx, access.Firm, "Applicant "+string(rune('A'+i)), "ciso", 0)))
		must(ls.svc.PutGrant(ctx, f, f.Org, ins.Org.ID))
		must(ls.svc.Apply(ctx, f, underwriting.NewApplication{Insurer: ins.Org.ID}))
	}
	var pending []*underwriting.LedgerEntry
	ls.store.View(ctx, func(tx underwriting.Tx) error {
		var err error
		pending, err = tx.PendingLedgerEntries(ctx, 100)
		return err
	})
	if len(pending) != 3 {
		t.Fatalf("%d entries queued, want 3", len(pending))
	}
	var data [][]byte
	for _, e := range pending[:2] {
		data = append(data, e.Entry)
	}
	if _, err := ls.log.Append(ctx, data); err != nil { // the crash: no index recorded
		t.Fatal(err)
	}
	ls.sync(t)
	if n, _ := ls.log.Size(ctx); n != 3 {
		t.Errorf("the log holds %d entries after recovery, want 3 (none twice)", n)
	}
	if rep := ls.verify(t); !rep.OK() || rep.Verified != 3 {
		t.Errorf("after recovery: %d verified, problems %v", rep.Verified, rep.Problems)
	}
	// A batch whose indices were recorded in part (below the highest
	// one recorded), as a replica killed while its transactions commit
	// leaves it: the indices are found in the log, nothing is appended
	// twice.
	db := ls.store.DB()
	if _, err := db.Exec(`UPDATE ledger SET idx = NULL WHERE idx IN (0, 1)`); err != nil {
		t.Fatal(err)
	}
	known := int64(-1)
	if n, err := ls.svc.PumpLedger(ctx, &known); err != nil || n != 0 || known != 3 {
		t.Errorf("after a batch recorded in part: appended %d, known %d, %v", n, known, err)
	}
	if n, _ := ls.log.Size(ctx); n != 3 {
		t.Errorf("the log holds %d entries after recovery, want 3 (none twice)", n)
	}
	if rep := ls.verify(t); !rep.OK() || rep.Verified != 3 || rep.Pending != 0 {
		t.Errorf("after a batch recorded in part: %d verified, %d pending, problems %v", rep.Verified, rep.Pending, rep.Problems)
	}
	// A proof carries the logged entry, even when the database's copy of
	// it was changed.
	var rec string
	var entry []byte
	if err := db.QueryRow(`SELECT record, entry FROM ledger WHERE idx = 1`).Scan(&rec, &entry); err != nil {
		t.Fatal(err)
	}
	forged := bytes.Replace(entry, []byte(`"seq":1`), []byte(`"seq":7`), 1)
	if bytes.Equal(forged, entry) {
		t.Fatalf("the entry was not changed: %s", entry)
	}
	if _, err := db.Exec(`UPDATE ledger SET entry = ? WHERE record = ?`, forged, rec); err != nil {
		t.Fatal(err)
	}
	var policyID string
	db.QueryRow(`SELECT policy FROM ledger WHERE record = ?`, rec).Scan(&policyID)
	arbiter := principal(must(ls.svc.Bootstrap(ctx, access.Arbiter, "Arbiter", "arb", 0)))
	pr, err := ls.svc.LedgerProof(ctx, arbiter, rec)
	if err != nil {
		t.Fatal(err)
	}
	if pr.Entry != string(entry) {
		t.Errorf("the proof carries %s, not the logged %s", pr.Entry, entry)
	}
	// A log whose key changed is refused.
	other, _, _ := ledger.GenerateKey(nil, "insurable.ledger/test")
	l2, err := tlog.OpenPOSIX(ctx, t.TempDir(), other, tlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close(ctx)
	svc2, err := underwriting.New(underwriting.Config{Store: ls.store, Engine: testEngine(t), DataDir: t.TempDir(), Ledger: l2})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc2.PinLedgerKey(ctx); insurable.ErrorKind(err) != insurable.Conflict {
		t.Errorf("a service with another log key started: %v", err)
	}
}
