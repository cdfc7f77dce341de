package ledger_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	f_log "github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"
	"golang.org/x/mod/sumdb/note"

	"github.com/insurable/insurable/ledger"
)

func assessmentEntry() *ledger.Entry {
	return &ledger.Entry{Kind: ledger.KindAssessment, Record: "asm_1", Policy: "pol_1", Firm: "org_f", Insurer: "org_i", Actor: "usr_1",
		At: ledger.Time(time.Date(2026, 11, 27, 9, 0, 0, 123456789, time.FixedZone("CET", 3600))),
		Assessment: &ledger.AssessmentFact{Kind: "underwriting", AsOf: "2026-11-26", Outcome: "declined", Score: 0.0556,
			Evidence: "sha256:aa", Catalog: ledger.Input{ID: "iiot-ssdp", Version: "1.0.0", Digest: "sha256:bb"},
			Profile: ledger.Input{ID: "baseline", Version: "1.0.0", Digest: "sha256:cc"}, FeedSet: "sha256:dd", Result: "sha256:ee"}}
}

func TestEncodeIsCanonical(t *testing.T) {
	data, err := ledger.Encode(assessmentEntry())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"actor":"usr_1","assessment":{"as_of":"2026-11-26","catalog":{"digest":"sha256:bb","id":"iiot-ssdp","version":"1.0.0"},"evidence":"sha256:aa","feed_set":"sha256:dd","feeds":[],"kind":"underwriting","outcome":"declined","profile":{"digest":"sha256:cc","id":"baseline","version":"1.0.0"},"reopened":[],"resolved":[],"result":"sha256:ee","score":0.0556,"tier":""},"at":"2026-11-27T08:00:00.123456789Z","firm":"org_f","format":"insurable.ledger/v1","insurer":"org_i","kind":"assessment","policy":"pol_1","record":"asm_1"}`
	if string(data) != want {
		t.Errorf("encoding:\n%s\nwant\n%s", data, want)
	}
	e, err := ledger.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := ledger.Encode(e)
	if !bytes.Equal(again, data) {
		t.Error("decode and encode do not round-trip")
	}
}

func TestDecodeRefuses(t *testing.T) {
	good, _ := ledger.Encode(assessmentEntry())
	for name, data := range map[string]string{
		"not canonical":  strings.Replace(string(good), `"actor":"usr_1",`, `"actor": "usr_1",`, 1),
		"reordered":      `{"kind":"transition","format":"insurable.ledger/v1","record":"trn_1","policy":"","firm":"","insurer":"","actor":"","at":""}`,
		"unknown field":  strings.Replace(string(good), `{"actor"`, `{"extra":1,"actor"`, 1),
		"unknown format": strings.Replace(string(good), "insurable.ledger/v1", "insurable.ledger/v0", 1),
		"unknown kind":   strings.Replace(string(good), `"kind":"assessment"`, `"kind":"rumour"`, 1),
		"not json":       "assessment asm_1 declined",
	} {
		if _, err := ledger.Decode([]byte(data)); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

func TestDiff(t *testing.T) {
	a, b := assessmentEntry(), assessmentEntry()
	b.Assessment.Outcome, b.Assessment.Score, b.Actor = "insurable", 0.91, "usr_2"
	b.Assessment.Resolved = []string{"RP-1"}
	got := strings.Join(ledger.Diff(a, b), "; ")
	for _, want := range []string{`actor: "usr_1" ≠ "usr_2"`, `assessment.outcome: "declined" ≠ "insurable"`, "assessment.score: 0.0556 ≠ 0.91", "assessment.resolved: [] ≠ [RP-1]"} {
		if !strings.Contains(got, want) {
			t.Errorf("diff %q lacks %q", got, want)
		}
	}
	if d := ledger.Diff(a, assessmentEntry()); len(d) != 0 {
		t.Errorf("equal entries differ: %v", d)
	}
	c := assessmentEntry()
	c.Assessment = nil
	if d := ledger.Diff(a, c); len(d) != 1 || !strings.HasPrefix(d[0], "assessment:") {
		t.Errorf("diff with a missing part: %v", d)
	}
}

func TestKeys(t *testing.T) {
	skey, vkey, err := ledger.GenerateKey(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(vkey, ledger.OriginPrefix) {
		t.Errorf("verifier key %q does not name an insurable log", vkey)
	}
	derived, err := ledger.VerifierKey(skey)
	if err != nil || derived != vkey {
		t.Errorf("derived %q, %v; want %q", derived, err, vkey)
	}
	for _, bad := range []string{"", "PRIVATE+KEY+x", vkey} {
		if _, err := ledger.VerifierKey(bad); err == nil {
			t.Errorf("VerifierKey(%q) did not fail", bad)
		}
	}
	if _, _, err := ledger.GenerateKey(nil, "two words"); err == nil {
		t.Error("an origin with a space was accepted")
	}
}

// memLog is a log held in memory, its checkpoints signed with a test key.
type memLog struct {
	tree    *testonly.Tree
	entries [][]byte
	signer  note.Signer
	vkey    string // the public key, as published
	cp      []byte
}

func newMemLog(t testing.TB, n int) (*memLog, note.Verifier) {
	skey, vkey, err := ledger.GenerateKey(nil, "insurable.ledger/mem")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := ledger.NewSigner(skey)
	v, _ := ledger.NewVerifier(vkey)
	l := &memLog{tree: testonly.New(rfc6962.DefaultHasher), signer: s, vkey: vkey}
	l.add(t, n)
	return l, v
}

func (l *memLog) add(t testing.TB, n int) {
	for range n {
		i := len(l.entries)
		e, err := ledger.Encode(&ledger.Entry{Kind: ledger.KindTransition, Record: fmt.Sprintf("trn_%d", i), Policy: "pol_1",
			Transition: &ledger.TransitionFact{Seq: i + 1, Event: "assess", From: "assessed", To: "assessed"}})
		if err != nil {
			t.Fatal(err)
		}
		l.entries = append(l.entries, e)
		l.tree.AppendData(e)
	}
	l.cp = l.sign(t, l.tree.Size(), l.tree.Hash())
}

func (l *memLog) sign(t testing.TB, size uint64, root []byte) []byte {
	cp, err := note.Sign(&note.Note{Text: string(f_log.Checkpoint{Origin: l.signer.Name(), Size: size, Hash: root}.Marshal())}, l.signer)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

func (l *memLog) Checkpoint(context.Context) ([]byte, error) { return l.cp, nil }
func (l *memLog) InclusionProof(_ context.Context, i, size uint64) ([][]byte, error) {
	return l.tree.InclusionProof(i, size)
}
func (l *memLog) ConsistencyProof(_ context.Context, a, b uint64) ([][]byte, error) {
	return l.tree.ConsistencyProof(a, b)
}
func (l *memLog) Entries(_ context.Context, from, to uint64, fn func(uint64, []byte) error) error {
	for i := from; i < to && i < uint64(len(l.entries)); i++ {
		if err := fn(i, l.entries[i]); err != nil {
			return err
		}
	}
	return nil
}

func TestProofCheck(t *testing.T) {
	l, v := newMemLog(t, 300)
	p, err := ledger.Prove(context.Background(), l, v, "trn_200", 200)
	if err != nil {
		t.Fatal(err)
	}
	if e, cp, err := p.Check(v); err != nil || e.Record != "trn_200" || cp.Size != 300 {
		t.Fatalf("a good proof: %v, %v, %v", e, cp, err)
	}
	data, _ := json.Marshal(p)
	_, otherKey, _ := ledger.GenerateKey(nil, "insurable.ledger/mem")
	otherV, _ := ledger.NewVerifier(otherKey)
	tamper := map[string]func(p *ledger.Proof){
		"entry changed": func(p *ledger.Proof) {
			p.Entry = strings.Replace(p.Entry, `"to":"assessed"`, `"to":"issued"`, 1)
			p.LeafHash = ""
		},
		"leaf hash not the entry's": func(p *ledger.Proof) { p.LeafHash = base64.StdEncoding.EncodeToString(make([]byte, 32)) },
		"index moved":               func(p *ledger.Proof) { p.Index = 201 },
		"proof hash changed":        func(p *ledger.Proof) { p.Inclusion[0] = p.Inclusion[1] },
		"proof cut short":           func(p *ledger.Proof) { p.Inclusion = p.Inclusion[:len(p.Inclusion)-1] },
		"not base64":                func(p *ledger.Proof) { p.Inclusion[0] = "!!" },
		"another record named":      func(p *ledger.Proof) { p.Record = "trn_7" },
		"checkpoint resized":        func(p *ledger.Proof) { p.Checkpoint = strings.Replace(p.Checkpoint, "\n300\n", "\n301\n", 1) },
		"checkpoint unsigned":       func(p *ledger.Proof) { p.Checkpoint = p.Checkpoint[:strings.Index(p.Checkpoint, "\n\n")+2] },
		"checkpoint of a forged root": func(p *ledger.Proof) {
			p.Checkpoint = string(l.sign(t, 300, make([]byte, 32)))
		},
	}
	for name, f := range tamper {
		q, err := ledger.ParseProof(data)
		if err != nil {
			t.Fatal(err)
		}
		f(q)
		if _, _, err := q.Check(v); !errors.Is(err, ledger.ErrNotVerified) {
			t.Errorf("%s: %v, want ErrNotVerified", name, err)
		}
	}
	if _, _, err := p.Check(otherV); !errors.Is(err, ledger.ErrNotVerified) {
		t.Errorf("another key of the same name: %v, want ErrNotVerified", err)
	}
	if _, err := ledger.ParseProof([]byte(`{"format":"something/v1"}`)); err == nil {
		t.Error("a document of another format parsed as a proof")
	}
}

func TestCheckLog(t *testing.T) {
	ctx := context.Background()
	l, v := newMemLog(t, 40)
	trusted := l.cp
	l.add(t, 300)
	st, err := ledger.CheckLog(ctx, l, v, trusted)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Leaves) != 340 || st.Leaves[339].Record != "trn_339" || st.Trusted.Size != 40 {
		t.Errorf("state: %d leaves, trusted %v", len(st.Leaves), st.Trusted)
	}
	if _, err := ledger.CheckLog(ctx, l, v, nil); err != nil {
		t.Errorf("without a trusted checkpoint: %v", err)
	}

	cases := map[string]struct {
		log     ledger.LogReader
		trusted []byte
	}{
		"rolled back": {l, l.sign(t, 400, l.tree.Hash())},
		"same size, other root": {l, func() []byte {
			return l.sign(t, 340, make([]byte, 32))
		}()},
		"not consistent": {l, l.sign(t, 40, make([]byte, 32))},
		"trusted checkpoint of another key": {l, func() []byte {
			s, _, _ := ledger.GenerateKey(nil, "insurable.ledger/mem")
			sg, _ := ledger.NewSigner(s)
			cp, _ := note.Sign(&note.Note{Text: string(f_log.Checkpoint{Origin: sg.Name(), Size: 40, Hash: l.tree.HashAt(40)}.Marshal())}, sg)
			return cp
		}()},
		"entries rewritten under a signed root": {&tampered{memLog: l, at: 5}, nil},
	}
	for name, c := range cases {
		if _, err := ledger.CheckLog(ctx, c.log, v, c.trusted); !errors.Is(err, ledger.ErrNotVerified) {
			t.Errorf("%s: %v, want ErrNotVerified", name, err)
		}
	}
}

// tampered serves a log whose entry at is changed in its bundles.
type tampered struct {
	*memLog
	at uint64
}

func (l *tampered) Entries(ctx context.Context, from, to uint64, fn func(uint64, []byte) error) error {
	return l.memLog.Entries(ctx, from, to, func(i uint64, e []byte) error {
		if i == l.at {
			e = bytes.Replace(e, []byte("assess"), []byte("issue!"), 1)
		}
		return fn(i, e)
	})
}
