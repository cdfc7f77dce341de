package ledger_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/insurable/insurable/ledger"
)

// checkByHand is the check docs/ledger.md walks a third party through,
// written with nothing of insurable: the standard library and
// golang.org/x/mod/sumdb/note. It returns the entry's bytes.
//
// The code between the markers is copied into docs/ledger.md; keep them
// the same.
//
// --- begin byhand ---
func checkByHand(proofJSON []byte, publicKey string) ([]byte, error) {
	var p struct {
		Record     string   `json:"record"`
		Index      uint64   `json:"index"`
		Entry      string   `json:"entry"`
		Checkpoint string   `json:"checkpoint"`
		Inclusion  []string `json:"inclusion"`
	}
	if err := json.Unmarshal(proofJSON, &p); err != nil {
		return nil, err
	}
	// 1. The checkpoint is a signed note: its signature must verify with
	//    the log's public key, whose name is the log's origin.
	v, err := note.NewVerifier(publicKey)
	if err != nil {
		return nil, err
	}
	n, err := note.Open([]byte(p.Checkpoint), note.VerifierList(v))
	if err != nil {
		return nil, fmt.Errorf("checkpoint signature: %w", err)
	}
	// Its text: the origin, the tree size, the root hash in base64 (and
	// perhaps more lines, which are not needed here).
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != v.Name() {
		return nil, errors.New("not a checkpoint of this log")
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil {
		return nil, err
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != sha256.Size {
		return nil, errors.New("bad root hash")
	}
	// 2. The entry's leaf hash: SHA-256 of a zero byte and the entry's
	//    exact bytes (RFC 6962 §2.1).
	entry := []byte(p.Entry)
	h := sha256.Sum256(append([]byte{0}, entry...))
	r := h[:]
	// 3. Up the inclusion path to the root (RFC 9162 §2.1.3.2): each step
	//    hashes 0x01, the left child and the right child.
	node := func(left, right []byte) []byte {
		s := sha256.Sum256(append(append([]byte{1}, left...), right...))
		return s[:]
	}
	if p.Index >= size {
		return nil, errors.New("index beyond the tree")
	}
	fn, sn := p.Index, size-1
	for _, b64 := range p.Inclusion {
		sibling, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(sibling) != sha256.Size || sn == 0 {
			return nil, errors.New("bad inclusion path")
		}
		if fn&1 == 1 || fn == sn {
			r = node(sibling, r)
			for fn&1 == 0 && fn != 0 {
				fn, sn = fn>>1, sn>>1
			}
		} else {
			r = node(r, sibling)
		}
		fn, sn = fn>>1, sn>>1
	}
	if sn != 0 || !bytes.Equal(r, root) {
		return nil, errors.New("the entry is not in the tree the checkpoint signs")
	}
	// 4. The entry is the record's.
	var e struct {
		Record string `json:"record"`
	}
	if err := json.Unmarshal(entry, &e); err != nil || e.Record != p.Record {
		return nil, errors.New("the entry is not the record's")
	}
	return entry, nil
}

// --- end byhand ---

// TestCheckByHand: the hand-written check agrees with Proof.Check on
// every index of logs of many sizes, and on each way of tampering.
func TestCheckByHand(t *testing.T) {
	for _, size := range []int{1, 2, 3, 7, 8, 9, 255, 256, 257, 1000} {
		l, v := newMemLog(t, size)
		pub := l.vkey
		for i := range size {
			if size > 50 && i%37 != 0 && i != size-1 {
				continue
			}
			rec := fmt.Sprintf("trn_%d", i)
			p, err := ledger.Prove(context.Background(), l, v, rec, uint64(i))
			if err != nil {
				t.Fatal(err)
			}
			data, _ := json.Marshal(p)
			entry, err := checkByHand(data, pub)
			if err != nil || !bytes.Equal(entry, l.entries[i]) {
				t.Fatalf("size %d, entry %d: %v", size, i, err)
			}
			if i != 0 || size < 3 {
				continue
			}
			for name, tamper := range map[string]func(p *ledger.Proof){
				"index":  func(p *ledger.Proof) { p.Index++ },
				"entry":  func(p *ledger.Proof) { p.Entry = strings.Replace(p.Entry, "assess", "issue!", 1) },
				"path":   func(p *ledger.Proof) { p.Inclusion[0], p.Inclusion[1] = p.Inclusion[1], p.Inclusion[0] },
				"short":  func(p *ledger.Proof) { p.Inclusion = p.Inclusion[1:] },
				"record": func(p *ledger.Proof) { p.Record = "trn_x" },
				"signed": func(p *ledger.Proof) {
					p.Checkpoint = strings.Replace(p.Checkpoint, "\n"+strconv.Itoa(size)+"\n", "\n"+strconv.Itoa(size+1)+"\n", 1)
				},
			} {
				q := *p
				q.Inclusion = append([]string(nil), p.Inclusion...)
				tamper(&q)
				data, _ := json.Marshal(&q)
				_, errHand := checkByHand(data, pub)
				_, _, errLib := q.Check(v)
				if errHand == nil || errLib == nil {
					t.Errorf("size %d, %s changed: by hand %v, Check %v", size, name, errHand, errLib)
				}
			}
		}
	}
}

// TestByHandIsDocumented: docs/ledger.md shows checkByHand as it is here.
func TestByHandIsDocumented(t *testing.T) {
	src, err := os.ReadFile("byhand_test.go")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join("..", "docs", "ledger.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, code, _ := strings.Cut(string(src), "// --- begin byhand ---\n")
	code, _, _ = strings.Cut(code, "\n// --- end byhand ---")
	if code = strings.TrimSpace(code); !strings.Contains(string(doc), "```go\n"+code+"\n```") {
		t.Error("docs/ledger.md does not show checkByHand as byhand_test.go has it")
	}
}
