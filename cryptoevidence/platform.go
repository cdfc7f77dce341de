package cryptoevidence

import (
	"context"
	"fmt"
	"sort"

	"github.com/insurable/insurable/attest"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/platform"
)

// VerifyPlatform verifies every signed manifest under platform/manifests/
// (its signer must chain to the bundle's root with the codeSigning usage)
// and compares every deployment under platform/deployments/ with the
// manifest it names. It returns an error only when ctx ends.
func (v *Verifiers) VerifyPlatform(ctx context.Context, b *evidence.Bundle, asOf evidence.Date) (*check.PlatformReport, error) {
	rep := &check.PlatformReport{}
	files := b.Files[evidence.DirPlatform]
	if len(files) == 0 {
		return rep, nil
	}
	t := v.trustFor(b, instant(asOf))
	manifests := map[string]*attest.Manifest{}
	index := map[string]int{}
	for _, f := range withExt(under(files, DirManifests), ".json", ".jsonl") {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		res := check.ManifestResult{File: f}
		m, signer, status, reason := verifyManifest(b, t, f)
		res.Status, res.Reason, res.Signer = status, reason, signer
		if m != nil {
			res.Platform, res.Version, res.Files = m.Platform, m.Version, len(m.Files)
			manifests[f] = m
		}
		index[f] = len(rep.Manifests)
		rep.Manifests = append(rep.Manifests, res)
	}
	for _, f := range withExt(under(files, DirDeployments), ".yaml", ".yml") {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		data, err := b.ReadFile(f, 512<<20)
		if err != nil {
			rep.Problems = append(rep.Problems, err.Error())
			continue
		}
		d, err := platform.ParseDeployment(f, data)
		if err != nil {
			rep.Problems = append(rep.Problems, err.Error())
			continue
		}
		i, ok := index[d.Manifest]
		if !ok {
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s: names manifest %s, which is not a manifest under %s/", f, d.Manifest, DirManifests))
			continue
		}
		mr := &rep.Manifests[i]
		mr.Deployments++
		mr.Hosts = append(mr.Hosts, d.Host)
		m := manifests[d.Manifest]
		if m == nil || mr.Status != "valid" {
			continue // an unverified manifest is no reference to compare with
		}
		diff := platform.Compare(m, d)
		for _, p := range diff.Missing {
			mr.Missing = append(mr.Missing, d.Host+":"+p)
		}
		for _, p := range diff.Modified {
			mr.Modified = append(mr.Modified, d.Host+":"+p)
		}
		for _, p := range diff.Unlisted {
			mr.Unlisted = append(mr.Unlisted, d.Host+":"+p)
		}
	}
	for i := range rep.Manifests {
		sort.Strings(rep.Manifests[i].Hosts)
	}
	return rep, nil
}

// verifyManifest returns the verified manifest, its signer and the verdict
// in the terms of check.ManifestResult (valid, invalid-signature,
// untrusted, malformed).
func verifyManifest(b *evidence.Bundle, t *trust, f string) (*attest.Manifest, string, string, string) {
	data, err := b.ReadFile(f, attest.MaxEnvelopeBytes)
	if err != nil {
		return nil, "", string(attest.Malformed), err.Error()
	}
	env, err := attest.ParseEnvelope(f, data)
	if err != nil {
		return nil, "", string(attest.Malformed), err.Error()
	}
	if t.verifier == nil {
		return nil, "", string(attest.Untrusted), t.noRoot()
	}
	r := attest.VerifyManifest(env, t.signers, t.verifier)
	status := r.Status
	switch status {
	case attest.Valid, attest.InvalidSignature, attest.Malformed, attest.Untrusted:
	default: // revoked, expired: the signer is not to be trusted; the reason says why
		status = attest.Untrusted
	}
	return r.Manifest, subject(r.Signer), string(status), r.Reason
}
