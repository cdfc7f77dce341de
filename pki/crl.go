package pki

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// CRL is a parsed certificate revocation list and the file it came from.
type CRL struct {
	File string
	List *x509.RevocationList
}

// CRLState is what a Verifier concluded about one CRL.
type CRLState string

// The states of a CRL. Only a current CRL is used for revocation.
const (
	CRLCurrent       CRLState = "current"
	CRLStale         CRLState = "stale"          // its nextUpdate is before the time of verification
	CRLNotYetValid   CRLState = "not-yet-valid"  // its thisUpdate is after the time of verification
	CRLBadSignature  CRLState = "bad-signature"  // not signed by the CA it names
	CRLUnknownIssuer CRLState = "unknown-issuer" // names no CA among the roots and intermediates
	CRLUnsupported   CRLState = "unsupported"    // a delta, indirect or reason-partitioned CRL
)

// CRLStatus describes one CRL as the Verifier saw it.
type CRLStatus struct {
	File       string    `json:"file"`
	Issuer     string    `json:"issuer"`
	State      CRLState  `json:"status"`
	Reason     string    `json:"reason,omitempty"`
	Entries    int       `json:"entries"`
	ThisUpdate time.Time `json:"this_update"`
	NextUpdate time.Time `json:"next_update,omitzero"`
}

// revocation is one entry of a current CRL.
type revocation struct {
	when   time.Time
	reason int
	file   string
}

// issuerCRLs gathers the current CRLs of one CA.
type issuerCRLs struct {
	serials    map[string]revocation
	users, cas bool     // which kinds of certificate the CRLs cover
	rejected   []string // why other CRLs of this CA were not used
}

type crlIndex struct {
	byIssuer map[[32]byte]*issuerCRLs       // keyed by the SHA-256 of the CA certificate
	keys     map[*x509.Certificate][32]byte // certKey of the known CAs, computed once
	rejected map[string][]string            // by issuer subject, for CAs with no current CRL
	states   []CRLStatus
}

var (
	oidDeltaCRLIndicator = asn1.ObjectIdentifier{2, 5, 29, 27}
	oidIssuingDistPoint  = asn1.ObjectIdentifier{2, 5, 29, 28}
)

// The CRL reason codes of RFC 5280 §5.3.1.
var reasonNames = map[int]string{
	0: "unspecified", 1: "keyCompromise", 2: "cACompromise", 3: "affiliationChanged",
	4: "superseded", 5: "cessationOfOperation", 6: "certificateHold", 8: "removeFromCRL",
	9: "privilegeWithdrawn", 10: "aACompromise",
}

func certKey(c *x509.Certificate) [32]byte { return sha256.Sum256(c.Raw) }

func serialKey(n *big.Int) string { return string(n.Bytes()) + "/" + fmt.Sprint(n.Sign()) }

// indexCRLs checks every CRL against the CAs and keeps the entries of the
// current, correctly signed ones.
func indexCRLs(crls []CRL, cas []*x509.Certificate, at time.Time) *crlIndex {
	idx := &crlIndex{byIssuer: map[[32]byte]*issuerCRLs{}, rejected: map[string][]string{}, keys: map[*x509.Certificate][32]byte{}}
	for _, ca := range cas {
		idx.keys[ca] = certKey(ca)
	}
	for _, c := range crls {
		st := CRLStatus{File: c.File, Issuer: c.List.Issuer.String(), Entries: len(c.List.RevokedCertificateEntries), ThisUpdate: c.List.ThisUpdate, NextUpdate: c.List.NextUpdate}
		issuer, state, reason := checkCRL(c.List, cas, at)
		st.State, st.Reason = state, reason
		idx.states = append(idx.states, st)
		if state != CRLCurrent {
			msg := fmt.Sprintf("CRL %s is %s: %s", c.File, state, reason)
			if issuer != nil {
				ic := idx.forCA(issuer)
				ic.rejected = append(ic.rejected, msg)
			} else {
				idx.rejected[string(c.List.RawIssuer)] = append(idx.rejected[string(c.List.RawIssuer)], msg)
			}
			continue
		}
		users, cas2, _ := crlScope(c.List)
		ic := idx.forCA(issuer)
		if ic.serials == nil {
			ic.serials = make(map[string]revocation, len(c.List.RevokedCertificateEntries))
		}
		ic.users = ic.users || users
		ic.cas = ic.cas || cas2
		for _, e := range c.List.RevokedCertificateEntries {
			if e.SerialNumber == nil || e.ReasonCode == 8 { // removeFromCRL belongs to delta CRLs
				continue
			}
			ic.serials[serialKey(e.SerialNumber)] = revocation{when: e.RevocationTime, reason: e.ReasonCode, file: c.File}
		}
	}
	return idx
}

func (idx *crlIndex) forCA(ca *x509.Certificate) *issuerCRLs {
	k := certKey(ca)
	ic := idx.byIssuer[k]
	if ic == nil {
		ic = &issuerCRLs{}
		idx.byIssuer[k] = ic
	}
	return ic
}

// lookup returns the current CRLs of CA issuer that cover cert (a CA or an
// end entity), or nil with the reasons no CRL could be used.
func (idx *crlIndex) lookup(issuer, cert *x509.Certificate) (*issuerCRLs, []string) {
	k, ok := idx.keys[issuer]
	if !ok {
		k = certKey(issuer)
	}
	ic := idx.byIssuer[k]
	if ic == nil {
		return nil, idx.rejected[string(issuer.RawSubject)]
	}
	isCA := cert.BasicConstraintsValid && cert.IsCA
	if ic.serials == nil || (isCA && !ic.cas) || (!isCA && !ic.users) {
		return nil, ic.rejected
	}
	return ic, nil
}

// checkCRL finds the CA that signed crl and decides whether it is current.
func checkCRL(crl *x509.RevocationList, cas []*x509.Certificate, at time.Time) (*x509.Certificate, CRLState, string) {
	var named *x509.Certificate
	var sigErr error
	var issuer *x509.Certificate
	for _, ca := range cas {
		if !bytes.Equal(ca.RawSubject, crl.RawIssuer) {
			continue
		}
		if len(crl.AuthorityKeyId) > 0 && len(ca.SubjectKeyId) > 0 && !bytes.Equal(crl.AuthorityKeyId, ca.SubjectKeyId) {
			if named == nil {
				named = ca
				sigErr = fmt.Errorf("its authority key identifier does not match the CA's key")
			}
			continue
		}
		if err := crl.CheckSignatureFrom(ca); err != nil {
			if named == nil {
				named, sigErr = ca, err
			}
			continue
		}
		issuer = ca
		break
	}
	if issuer == nil {
		if named != nil {
			return named, CRLBadSignature, fmt.Sprintf("it names %q as issuer but is not validly signed by that CA (%v)", crl.Issuer.String(), sigErr)
		}
		return nil, CRLUnknownIssuer, fmt.Sprintf("its issuer %q is not among the root and intermediate CAs", crl.Issuer.String())
	}
	for _, e := range crl.Extensions {
		if e.Id.Equal(oidDeltaCRLIndicator) {
			return issuer, CRLUnsupported, "delta CRLs are not supported; supply the complete CRL"
		}
	}
	if _, _, err := crlScope(crl); err != nil {
		return issuer, CRLUnsupported, err.Error()
	}
	for _, e := range crl.Extensions {
		if e.Critical && !e.Id.Equal(oidIssuingDistPoint) {
			return issuer, CRLUnsupported, fmt.Sprintf("unknown critical extension %s", e.Id)
		}
	}
	if crl.ThisUpdate.After(at) {
		return issuer, CRLNotYetValid, fmt.Sprintf("issued %s, after the time of verification %s", day(crl.ThisUpdate), day(at))
	}
	if !crl.NextUpdate.IsZero() && crl.NextUpdate.Before(at) {
		return issuer, CRLStale, fmt.Sprintf("its next update was due %s; a current CRL is needed as of %s", day(crl.NextUpdate), day(at))
	}
	return issuer, CRLCurrent, ""
}

// crlScope reads the issuing distribution point extension: which
// certificates the CRL covers. Indirect CRLs and CRLs limited to some
// reasons would give an incomplete answer and are refused.
func crlScope(crl *x509.RevocationList) (users, cas bool, err error) {
	for _, e := range crl.Extensions {
		if !e.Id.Equal(oidIssuingDistPoint) {
			continue
		}
		in := cryptobyte.String(e.Value)
		var seq cryptobyte.String
		if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
			return false, false, fmt.Errorf("malformed issuing distribution point extension")
		}
		var onlyUsers, onlyCAs bool
		for !seq.Empty() {
			var v cryptobyte.String
			var tag cbasn1.Tag
			if !seq.ReadAnyASN1(&v, &tag) {
				return false, false, fmt.Errorf("malformed issuing distribution point extension")
			}
			flag := len(v) == 1 && v[0] != 0
			switch tag {
			case cbasn1.Tag(0).Constructed().ContextSpecific():
				// distributionPoint: the CRL's own location; it does not limit scope here.
			case cbasn1.Tag(1).ContextSpecific():
				onlyUsers = flag
			case cbasn1.Tag(2).ContextSpecific():
				onlyCAs = flag
			case cbasn1.Tag(3).ContextSpecific():
				return false, false, fmt.Errorf("the CRL covers only some revocation reasons (onlySomeReasons); supply a complete CRL")
			case cbasn1.Tag(4).ContextSpecific():
				if flag {
					return false, false, fmt.Errorf("indirect CRLs are not supported")
				}
			case cbasn1.Tag(5).ContextSpecific():
				if flag {
					return false, false, fmt.Errorf("the CRL covers only attribute certificates")
				}
			default:
				return false, false, fmt.Errorf("malformed issuing distribution point extension")
			}
		}
		return !onlyCAs, !onlyUsers, nil
	}
	return true, true, nil
}

func (r revocation) describe() string {
	s := "revoked on " + day(r.when)
	if n, ok := reasonNames[r.reason]; ok && r.reason != 0 {
		s += " (" + n + ")"
	}
	return s + " according to " + r.file
}

// day writes a time as a date, with the time of day only when it is not
// midnight UTC.
func day(t time.Time) string {
	t = t.UTC()
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
		return t.Format("2006-01-02")
	}
	return t.Format("2006-01-02 15:04:05 UTC")
}
