package attest

import (
	"crypto"
	"fmt"
)

// SignManifest signs a platform manifest as an in-toto statement in a DSSE
// envelope.
func SignManifest(m *Manifest, key crypto.Signer) (*Envelope, error) {
	st, err := m.Statement()
	if err != nil {
		return nil, err
	}
	payload, err := MarshalStatement(st)
	if err != nil {
		return nil, err
	}
	return Sign(PayloadType, payload, key)
}

// ClaimFor builds the claim that attests the record at pointer of the
// governance file (data, at bundle path file), with the name, role and date
// its attestation block already states.
func ClaimFor(file string, data []byte, pointer, text string) (*Claim, error) {
	rec, err := RecordAt(data, pointer)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	if rec.Name == "" || rec.Role == "" || rec.Date == "" {
		return nil, fmt.Errorf("%s#%s: fill in the attestation block (name, role, date) before signing it", file, pointer)
	}
	return &Claim{File: file, Pointer: rec.Pointer, Digest: rec.Digest, Name: rec.Name, Role: rec.Role, Date: rec.Date, Text: text}, nil
}

// SignClaim signs a governance claim as an in-toto statement in a DSSE
// envelope.
func SignClaim(c *Claim, key crypto.Signer) (*Envelope, error) {
	st, err := c.Statement()
	if err != nil {
		return nil, err
	}
	payload, err := MarshalStatement(st)
	if err != nil {
		return nil, err
	}
	return Sign(PayloadType, payload, key)
}
