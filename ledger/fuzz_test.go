package ledger_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	f_log "github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"

	"github.com/insurable/insurable/ledger"
)

// The parsers of what a log, a service or a third party hands over:
// entries, proof documents, checkpoints and keys. None may panic; what
// they refuse, they refuse with an error; what they accept is what it
// claims to be.
//
//	go test ./ledger -run '^$' -fuzz FuzzDecode -fuzztime 2m

func FuzzDecode(f *testing.F) {
	fuzzLog, _ := newMemLog(f, 3)
	for _, e := range fuzzLog.entries[:3] {
		f.Add(e)
	}
	good, _ := ledger.Encode(assessmentEntry())
	f.Add(good)
	f.Add([]byte(`{"format":"insurable.ledger/v1","kind":"transition"}`))
	f.Add([]byte(`{"score":1e400}`))
	f.Add([]byte("null"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ledger.Decode(data)
		if err != nil {
			if e != nil {
				t.Fatal("an entry and an error")
			}
			if !strings.HasPrefix(err.Error(), "ledger entry") {
				t.Errorf("the error does not say what it is about: %v", err)
			}
			return
		}
		// An entry decodes only from its one canonical form.
		again, err := ledger.Encode(e)
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("decoded, but encodes to %q, %v", again, err)
		}
		if e.Format != ledger.Format || (e.Kind != ledger.KindAssessment && e.Kind != ledger.KindTransition) {
			t.Fatalf("decoded an entry of format %q, kind %q", e.Format, e.Kind)
		}
		if d := ledger.Diff(e, e); len(d) != 0 {
			t.Fatalf("an entry differs from itself: %v", d)
		}
	})
}

func FuzzParseProof(f *testing.F) {
	fuzzLog, fuzzVerifier := newMemLog(f, 40)
	for _, i := range []uint64{0, 7, 39} {
		p, err := ledger.Prove(context.Background(), fuzzLog, fuzzVerifier, fmt.Sprintf("trn_%d", i), i)
		if err != nil {
			f.Fatal(err)
		}
		data, _ := json.Marshal(p)
		f.Add(data)
	}
	f.Add([]byte(`{"format":"insurable.ledger.proof/v1","index":18446744073709551615,"inclusion":["AA=="]}`))
	f.Add([]byte(`{"format":"insurable.ledger.proof/v1","checkpoint":"x\n1\nAA==\n\n— x AAAA\n"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ledger.ParseProof(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "not an inclusion proof") {
				t.Errorf("the error does not say what it is about: %v", err)
			}
			return
		}
		e, cp, err := p.Check(fuzzVerifier)
		if err != nil {
			if !errors.Is(err, ledger.ErrNotVerified) {
				t.Fatalf("a proof that does not check, without ErrNotVerified: %v", err)
			}
			return
		}
		// What checks is an entry of the log, at its index, under a
		// checkpoint the log's key signed.
		if p.Index >= uint64(len(fuzzLog.entries)) || !bytes.Equal([]byte(p.Entry), fuzzLog.entries[p.Index]) || e.Record != p.Record || cp.Size > uint64(len(fuzzLog.entries)) {
			t.Fatalf("a proof checked that should not: index %d, entry %q, checkpoint of %d", p.Index, p.Entry, cp.Size)
		}
	})
}

func FuzzOpenCheckpoint(f *testing.F) {
	fuzzLog, fuzzVerifier := newMemLog(f, 40)
	f.Add(fuzzLog.cp)
	f.Add(fuzzLog.sign(f, 0, fuzzLog.tree.HashAt(0)))
	f.Add([]byte("insurable.ledger/mem\n1\n\n\n— insurable.ledger/mem AAAA\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cp, err := ledger.OpenCheckpoint(data, fuzzVerifier)
		if err != nil {
			if !errors.Is(err, ledger.ErrNotVerified) {
				t.Fatalf("a checkpoint refused without ErrNotVerified: %v", err)
			}
			return
		}
		if cp.Origin != fuzzVerifier.Name() || len(cp.Root) != 32 {
			t.Fatalf("opened a checkpoint of %q with a root of %d bytes", cp.Origin, len(cp.Root))
		}
	})
}

// FuzzCheckpointBody signs whatever text it is given with the log's key,
// so that the checkpoint's body, past its signature, is what is fuzzed.
func FuzzCheckpointBody(f *testing.F) {
	fuzzLog, fuzzVerifier := newMemLog(f, 40)
	f.Add(string(f_log.Checkpoint{Origin: fuzzLog.signer.Name(), Size: 40, Hash: fuzzLog.tree.Hash()}.Marshal()))
	f.Add(fuzzLog.signer.Name() + "\n18446744073709551616\nAAAA\n")
	f.Add(fuzzLog.signer.Name() + "\n-1\n\n")
	f.Add(fuzzLog.signer.Name() + "\n5\nbm90IGEgaGFzaA==\nextension line\n")
	f.Fuzz(func(t *testing.T, text string) {
		signed, err := note.Sign(&note.Note{Text: text}, fuzzLog.signer)
		if err != nil {
			return // not a note's text
		}
		cp, err := ledger.OpenCheckpoint(signed, fuzzVerifier)
		if err != nil {
			if !errors.Is(err, ledger.ErrNotVerified) {
				t.Fatalf("a checkpoint refused without ErrNotVerified: %v", err)
			}
			return
		}
		if cp.Origin != fuzzVerifier.Name() || len(cp.Root) != 32 || !strings.HasPrefix(text, cp.Origin+"\n") {
			t.Fatalf("opened %q as a checkpoint of %q with a root of %d bytes", text, cp.Origin, len(cp.Root))
		}
	})
}

func FuzzKeys(f *testing.F) {
	skey, vkey, _ := ledger.GenerateKey(nil, "insurable.ledger/fuzz")
	f.Add(skey)
	f.Add(vkey)
	f.Add("PRIVATE+KEY+a+00000000+AQ==")
	f.Add("a+00000000+AQ==")
	f.Fuzz(func(t *testing.T, key string) {
		if v, err := ledger.NewVerifier(key); err == nil && v.Name() == "" {
			t.Fatal("a verifier without a name")
		}
		if s, err := ledger.NewSigner(key); err == nil {
			vk, err := ledger.VerifierKey(key)
			if err != nil {
				return // a signing key, but not Ed25519
			}
			v, err := ledger.NewVerifier(vk)
			if err != nil || v.Name() != s.Name() {
				t.Fatalf("the public key of %q is %q: %v", key, vk, err)
			}
		} else if _, err := ledger.VerifierKey(key); err == nil {
			t.Fatalf("a public key derived from %q, which is no signing key", key)
		}
	})
}
