package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
	"github.com/transparency-dev/merkle/rfc6962"
)

// Format names the version of the entry encoding. A new version of the
// encoding gets a new name; entries of every version stay readable.
const Format = "insurable.ledger/v1"

// Entry kinds.
const (
	KindAssessment = "assessment"
	KindTransition = "transition"
)

// MaxEntryBytes bounds an entry: the tlog-tiles entry bundle keeps each
// entry's length in two bytes.
const MaxEntryBytes = 1<<16 - 1

// Entry is one record of the decision log: an assessment (the digests of
// its inputs and result, and the decision) or a policy transition. It
// carries no evidence and no free text: only identifiers, digests,
// decisions and states, so that the log can be public. Its encoding is
// the JSON Canonicalization Scheme (RFC 8785) of these fields.
type Entry struct {
	Format string `json:"format"`
	Kind   string `json:"kind"`
	// Record is the id of the database record (asm_… or trn_…) the entry
	// logs.
	Record  string `json:"record"`
	Policy  string `json:"policy"`
	Firm    string `json:"firm"`
	Insurer string `json:"insurer"`
	// Actor is the user who acted, or system:monitor.
	Actor string `json:"actor"`
	// At is when the record was made, in RFC 3339 UTC with nanoseconds.
	At         string          `json:"at"`
	Assessment *AssessmentFact `json:"assessment,omitempty"`
	Transition *TransitionFact `json:"transition,omitempty"`
}

// AssessmentFact is what an assessment entry says: the decision and the
// digests of everything it was made from.
type AssessmentFact struct {
	// Kind is underwriting (asked for by the insurer) or monitoring
	// (continuous underwriting).
	Kind    string  `json:"kind"`
	AsOf    string  `json:"as_of"`
	Outcome string  `json:"outcome"`
	Tier    string  `json:"tier"`
	Score   float64 `json:"score"`
	// Evidence is the digest of the evidence bundle assessed.
	Evidence string `json:"evidence"`
	Catalog  Input  `json:"catalog"`
	Profile  Input  `json:"profile"`
	// Feeds are the advisory feeds' digests, in the result's order;
	// FeedSet is the service's digest over them.
	Feeds   []Input `json:"feeds"`
	FeedSet string  `json:"feed_set"`
	// Result is the SHA-256 of the assessment result, the exact bytes
	// `insurable assess -o json` writes.
	Result string `json:"result"`
	// Resolved and Reopened are the remediation items this assessment
	// verified as closed, and found again after the firm said they were
	// done (the remediation verification).
	Resolved []string `json:"resolved"`
	Reopened []string `json:"reopened"`
}

// Input names an input of an assessment by its digest.
type Input struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Digest  string `json:"digest"`
}

// TransitionFact is what a transition entry says.
type TransitionFact struct {
	Seq   int    `json:"seq"`
	Event string `json:"event"`
	From  string `json:"from"`
	To    string `json:"to"`
	// Assessment is the assessment the transition rests on, if any.
	Assessment string `json:"assessment"`
	// Reason is the SHA-256 of the reason's text: the text itself may
	// describe the firm's weaknesses and stays in the database.
	Reason string `json:"reason"`
}

// Time formats a record's time as entries carry it.
func Time(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// Digest is the "sha256:<hex>" of data, as entries carry digests.
func Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Encode returns the entry's canonical bytes: the RFC 8785 form of its
// JSON. Lists are never null, so that an empty list and a missing one
// encode alike.
func Encode(e *Entry) ([]byte, error) {
	c := *e
	if c.Format == "" {
		c.Format = Format
	}
	if c.Kind != KindAssessment && c.Kind != KindTransition {
		return nil, fmt.Errorf("ledger entry: unknown kind %q", c.Kind)
	}
	if a := c.Assessment; a != nil {
		ac := *a
		ac.Feeds = nonNil(ac.Feeds)
		ac.Resolved = nonNil(ac.Resolved)
		ac.Reopened = nonNil(ac.Reopened)
		c.Assessment = &ac
	}
	raw, err := json.Marshal(&c)
	if err != nil {
		return nil, fmt.Errorf("ledger entry: %w", err)
	}
	out, err := jsoncanonicalizer.Transform(raw)
	if err != nil {
		return nil, fmt.Errorf("ledger entry: %w", err)
	}
	if len(out) > MaxEntryBytes {
		return nil, fmt.Errorf("ledger entry of %s is %d bytes, more than %d", c.Record, len(out), MaxEntryBytes)
	}
	return out, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Decode reads an entry. It refuses entries of an unknown format and
// bytes that are not the entry's canonical encoding, so that one entry
// has exactly one form.
func Decode(data []byte) (*Entry, error) {
	var e Entry
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("ledger entry: %w", err)
	}
	if e.Format != Format {
		return nil, fmt.Errorf("ledger entry: unknown format %q", e.Format)
	}
	canon, err := Encode(&e)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(canon, data) {
		return nil, fmt.Errorf("ledger entry of %s is not in canonical form", e.Record)
	}
	return &e, nil
}

// LeafHash is the entry's Merkle leaf hash (RFC 6962: SHA-256 of a zero
// byte and the entry).
func LeafHash(entry []byte) []byte { return rfc6962.DefaultHasher.HashLeaf(entry) }

// Diff lists the fields in which two entries differ, as "field: a ≠ b",
// for reports of records that no longer match their log entry.
func Diff(logged, now *Entry) []string {
	var out []string
	diffValue("", reflect.ValueOf(*logged), reflect.ValueOf(*now), &out)
	return out
}

func diffValue(path string, a, b reflect.Value, out *[]string) {
	if a.Kind() == reflect.Pointer {
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				*out = append(*out, fmt.Sprintf("%s: %s ≠ %s", path, show(a), show(b)))
			}
			return
		}
		a, b = a.Elem(), b.Elem()
	}
	if a.Kind() == reflect.Struct {
		t := a.Type()
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			p := name
			if path != "" {
				p = path + "." + name
			}
			diffValue(p, a.Field(i), b.Field(i), out)
		}
		return
	}
	if a.Kind() == reflect.Slice && a.Len() == 0 && b.Len() == 0 {
		return
	}
	if !reflect.DeepEqual(a.Interface(), b.Interface()) {
		*out = append(*out, fmt.Sprintf("%s: %s ≠ %s", path, show(a), show(b)))
	}
}

func show(v reflect.Value) string {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return "none"
	}
	if v.Kind() == reflect.Slice {
		var parts []string
		for i := range v.Len() {
			parts = append(parts, fmt.Sprint(v.Index(i).Interface()))
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	if v.Kind() == reflect.String {
		return fmt.Sprintf("%q", v.String())
	}
	return fmt.Sprint(v.Interface())
}
