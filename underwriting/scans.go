package underwriting

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/attest"
	"github.com/insurable/insurable/scan"
	"github.com/insurable/insurable/signature"
	"github.com/insurable/insurable/tarball"
)

// ScanPayloadType is the DSSE payload type of an assessor's signed scan
// results: the payload is a scan results file (docs/scan-results.md).
const ScanPayloadType = "application/vnd.insurable.scan+json"

// RegisterKey records a public key (PEM) of an assessor, against which
// its signed scan results are verified.
func (s *Service) RegisterKey(ctx context.Context, p *access.Principal, org, pemText string) (*Key, error) {
	const op insurable.Op = "underwriting.RegisterKey"
	if err := authorize(op, p, access.KeyRegister, ownIf(p != nil && p.Org == org), "organisation", org); err != nil {
		return nil, err
	}
	pub, err := parsePublicKey(pemText)
	if err != nil {
		return nil, insurable.Errorf(op, insurable.Invalid, "%v", err)
	}
	k := &Key{ID: attest.KeyID(pub), Org: org, PEM: pemText, Created: s.now()}
	return k, s.tx(ctx, func(tx Tx) error { return tx.CreateKey(ctx, k) })
}

// ListKeys lists an organisation's public keys.
func (s *Service) ListKeys(ctx context.Context, p *access.Principal, org string) ([]*Key, error) {
	if err := authorize("underwriting.ListKeys", p, access.KeyRead, access.Any, "", ""); err != nil {
		return nil, err
	}
	var out []*Key
	err := s.view(ctx, func(tx Tx) error {
		if _, err := tx.Org(ctx, org); err != nil {
			return notFoundAs("underwriting.ListKeys", err, "organisation", org)
		}
		var err error
		out, err = tx.Keys(ctx, org)
		return err
	})
	return out, err
}

func parsePublicKey(text string) (crypto.PublicKey, error) {
	blk, _ := pem.Decode([]byte(text))
	if blk == nil {
		return nil, errors.New("not a PEM public key")
	}
	switch blk.Type {
	case "PUBLIC KEY":
		return x509.ParsePKIXPublicKey(blk.Bytes)
	case "CERTIFICATE":
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		return c.PublicKey, nil
	}
	return nil, errors.New("want a PEM PUBLIC KEY or CERTIFICATE block")
}

// keyVerifier verifies DSSE signatures with one registered key.
type keyVerifier struct {
	id  string
	pub crypto.PublicKey
}

func (k keyVerifier) Verify(_ context.Context, data, sig []byte) error {
	if !signature.VerifyRaw(k.pub, data, sig) {
		return errors.New("signature does not verify")
	}
	return nil
}
func (k keyVerifier) KeyID() (string, error)   { return k.id, nil }
func (k keyVerifier) Public() crypto.PublicKey { return k.pub }

// AttachScan verifies an assessor's DSSE envelope of scan results against
// the assessor's registered keys and attaches the results to the firm: a
// new evidence version is derived from the firm's latest, with the file
// under scans/, so that the next assessment judges it.
func (s *Service) AttachScan(ctx context.Context, p *access.Principal, firm string, envelope []byte) (*Scan, *EvidenceVersion, error) {
	const op insurable.Op = "underwriting.AttachScan"
	var keys []*Key
	var latest *EvidenceVersion
	err := s.view(ctx, func(tx Tx) error {
		if err := s.firmAccess(ctx, tx, op, p, firm, access.ScanAttach); err != nil {
			return err
		}
		var err error
		if keys, err = tx.Keys(ctx, p.Org); err != nil {
			return err
		}
		latest, err = tx.LatestEvidence(ctx, firm)
		if insurable.ErrorKind(err) == insurable.NotExist {
			return insurable.Errorf(op, insurable.Conflict, "the firm has uploaded no evidence to attach scan results to")
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if len(keys) == 0 {
		return nil, nil, insurable.Errorf(op, insurable.Conflict, "register a public key for %s first", p.Org)
	}
	var env dsse.Envelope
	if len(envelope) > 64<<20 {
		return nil, nil, insurable.Errorf(op, insurable.TooLarge, "an envelope is at most 64 MiB")
	}
	if err := json.Unmarshal(envelope, &env); err != nil || len(env.Signatures) == 0 {
		return nil, nil, insurable.Errorf(op, insurable.Invalid, "not a signed DSSE envelope")
	}
	if env.PayloadType != ScanPayloadType {
		return nil, nil, insurable.Errorf(op, insurable.Invalid, "payloadType %q: want %s", env.PayloadType, ScanPayloadType)
	}
	var vs []dsse.Verifier
	for _, k := range keys {
		pub, err := parsePublicKey(k.PEM)
		if err == nil {
			vs = append(vs, keyVerifier{id: k.ID, pub: pub})
		}
	}
	ev, err := dsse.NewEnvelopeVerifier(vs...)
	if err != nil {
		return nil, nil, insurable.Wrap(op, insurable.Internal, err)
	}
	accepted, payload, err := ev.VerifyAndDecode(ctx, &env)
	if err != nil || len(accepted) == 0 {
		return nil, nil, insurable.Errorf(op, insurable.Permission, "the envelope's signature does not verify with a key of %s", p.Org)
	}
	if _, err := scan.Parse("scan.json", payload); err != nil {
		return nil, nil, insurable.Wrap(op, insurable.Invalid, err)
	}
	digest := sum(payload)
	file := "scans/assessor-" + strings.TrimPrefix(p.Org, "org_") + "-" + short(digest) + ".json"

	// Derive the new version: the latest archive plus the scan file.
	var data []byte
	if err := s.view(ctx, func(tx Tx) error {
		var err error
		data, err = tx.Blob(ctx, latest.Archive)
		return err
	}); err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp(filepath.Join(s.cfg.DataDir, "tmp"), "derive-")
	if err != nil {
		return nil, nil, insurable.Wrap(op, insurable.Internal, err)
	}
	defer os.RemoveAll(dir)
	if err := tarball.Extract(bytes.NewReader(data), dir, s.cfg.Archive); err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "scans"), 0o755); err != nil {
		return nil, nil, insurable.Wrap(op, insurable.Internal, err)
	}
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(file)), payload, 0o644); err != nil {
		return nil, nil, insurable.Wrap(op, insurable.Internal, err)
	}
	packed, err := tarball.Pack(dir)
	if err != nil {
		return nil, nil, err
	}
	derived, _, err := s.storeEvidence(ctx, firm, p.User, latest.ID, packed)
	if err != nil {
		return nil, nil, err
	}
	sc := &Scan{ID: s.newID("scn"), Firm: firm, Assessor: p.Org, KeyID: accepted[0].KeyID, Digest: digest, File: file, Evidence: derived.ID, Created: s.now()}
	return sc, derived, s.tx(ctx, func(tx Tx) error { return tx.CreateScan(ctx, sc) })
}

// ListScans lists the scan results attached to a firm: to the firm, the
// insurers it granted, and the assessors that wrote them.
func (s *Service) ListScans(ctx context.Context, p *access.Principal, firm string, pg Page) ([]*Scan, string, error) {
	const op insurable.Op = "underwriting.ListScans"
	pg = clampPage(pg)
	var out []*Scan
	err := s.view(ctx, func(tx Tx) error {
		if p != nil && p.Kind == access.Assessor {
			if err := s.firmAccess(ctx, tx, op, p, firm, access.ScanAttach); err != nil && insurable.ErrorKind(err) != insurable.Permission {
				return err
			}
		} else if err := s.firmAccess(ctx, tx, op, p, firm, access.ScanRead); err != nil {
			return err
		}
		all, err := tx.Scans(ctx, firm, pg)
		for _, sc := range all {
			if p.Kind != access.Assessor || sc.Assessor == p.Org {
				out = append(out, sc)
			}
		}
		return err
	})
	return out, nextCursor(out, pg, func(x *Scan) string { return x.ID }), err
}
