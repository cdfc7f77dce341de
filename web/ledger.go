package web

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/ledger"
	"github.com/insurable/insurable/underwriting"
)

// maxProofBytes bounds a proof pasted into the check form.
const maxProofBytes = 256 << 10

// ledgerView is the decision log's page: its latest checkpoint and key,
// and the form that checks an inclusion proof.
type ledgerView struct {
	Info *underwriting.LedgerInfo
	// Proof is the proof in the form (pasted, or the one just shown).
	Proof string
	// Key is the public key the proof was checked with.
	Key string
	// Checked is set after a check: the entry the proof proves, or the
	// reason it does not.
	Checked *checkResult
}

// checkResult is the outcome of a proof check.
type checkResult struct {
	OK    bool
	Error string
	Entry *ledger.Entry
	// Index and Size place the entry in the checkpoint's tree.
	Index, Size uint64
	// EntryJSON is the entry, indented for reading.
	EntryJSON string
}

func (h *Handler) ledger(w http.ResponseWriter, r *http.Request, s *session) (*page, error) {
	info, err := h.svc.LedgerInfo(r.Context())
	if err != nil {
		return nil, err
	}
	return &page{Name: "ledger", Title: "Decision log", View: &ledgerView{Info: info, Key: info.PublicKey}}, nil
}

// checkProof checks a pasted proof with the log's public key, or with a
// key the visitor gives: nothing of the service's database is consulted.
func (h *Handler) checkProof(w http.ResponseWriter, r *http.Request, s *session) (*page, error) {
	info, err := h.svc.LedgerInfo(r.Context())
	if err != nil {
		return nil, err
	}
	v := &ledgerView{Info: info, Proof: r.PostForm.Get("proof"), Key: strings.TrimSpace(r.PostForm.Get("key"))}
	if v.Key == "" {
		v.Key = info.PublicKey
	}
	v.Checked = checkProofText(v.Proof, v.Key)
	pg := &page{Name: "ledger", Title: "Decision log", View: v}
	if !v.Checked.OK {
		pg.Status = http.StatusUnprocessableEntity
	}
	return pg, nil
}

// checkProofText verifies a proof document with a verifier key.
func checkProofText(doc, key string) *checkResult {
	res := &checkResult{}
	if len(doc) > maxProofBytes {
		res.Error = "the proof is larger than any proof of this log can be"
		return res
	}
	if strings.TrimSpace(doc) == "" {
		res.Error = "paste a proof first"
		return res
	}
	verifier, err := ledger.NewVerifier(key)
	if err != nil {
		res.Error = "the public key is not a signed-note verifier key (name+hash+key): " + err.Error()
		return res
	}
	pr, err := ledger.ParseProof([]byte(doc))
	if err != nil {
		res.Error = err.Error()
		return res
	}
	e, cp, err := pr.Check(verifier)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.OK, res.Entry, res.Index, res.Size = true, e, pr.Index, cp.Size
	pretty, _ := json.MarshalIndent(e, "", "  ")
	res.EntryJSON = string(pretty)
	return res
}

// proofView is the page of one record's proof.
type proofView struct {
	ledgerView
	Record string
}

// proof shows the inclusion proof of a record the caller may read, ready
// to download or to check; ?download=1 sends the JSON document itself.
func (h *Handler) proof(w http.ResponseWriter, r *http.Request, s *session) (*page, error) {
	record := r.PathValue("record")
	pr, err := h.svc.LedgerProof(r.Context(), s.principal, record)
	if err != nil {
		return nil, err
	}
	doc, err := json.MarshalIndent(pr, "", "  ")
	if err != nil {
		return nil, insurable.Wrap("web", insurable.Internal, err)
	}
	if r.URL.Query().Get("download") != "" {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Disposition", `attachment; filename="`+safeFileName(record)+`.proof.json"`)
		w.Write(append(doc, '\n'))
		return nil, nil
	}
	info, err := h.svc.LedgerInfo(r.Context())
	if err != nil {
		return nil, err
	}
	v := &proofView{ledgerView: ledgerView{Info: info, Proof: string(doc), Key: info.PublicKey}, Record: record}
	v.Checked = checkProofText(v.Proof, v.Key)
	return &page{Name: "proof", Title: "Inclusion proof of " + record, View: v}, nil
}

// safeFileName keeps the characters of a record id that are safe in a
// header's file name.
func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			return r
		}
		return -1
	}, s)
}
