package checks

import (
	"context"
	"fmt"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
)

// trustedComputingBase verifies A7: the service platform is defined by a
// signed manifest of applications, libraries and configuration files, and
// what is deployed matches it exactly.
type trustedComputingBase struct{ base }

func newTrustedComputingBase() check.Check {
	return trustedComputingBase{base{name: "a7-trusted-computing-base", version: 1, item: "A7"}}
}

func (c trustedComputingBase) Run(ctx context.Context, env *check.Env, r *check.Report) error {
	b := env.Bundle
	files := b.Files[evidence.DirPlatform]
	if len(files) == 0 {
		missing(r, "a7.no-platform-manifest", check.High, "No signed platform manifest",
			"The bundle holds no manifest of the service platform's applications, libraries and configuration, so the trusted computing base is undefined.",
			"Write the platform manifest (file paths with SHA-256 digests), sign it (insurable sign manifest) and add snapshots of each deployment under platform/.", evidence.DirPlatform)
		return nil
	}
	if env.Verifiers.Platform == nil {
		unverified(r, "a7.platform-unverified", "Platform manifest not verified",
			fmt.Sprintf("The bundle holds %s under platform/.", plural(len(files), "file", "files")),
			check.VerifierPlatform, fileRefs(files[:min(len(files), check.MaxEvidence)])...)
		return nil
	}
	rep, err := env.Verifiers.Platform.VerifyPlatform(ctx, b, env.AsOf)
	if err != nil {
		return err
	}
	if len(rep.Manifests) == 0 {
		missing(r, "a7.no-platform-manifest", check.High, "No signed platform manifest",
			"The platform/ folder holds no manifest the verifier recognises.",
			"Write and sign the platform manifest (insurable sign manifest).", evidence.DirPlatform)
		return nil
	}
	var badSig, modified, missingFiles, unlisted, undeployed check.Set
	deployments := 0
	for _, m := range rep.Manifests {
		ref := evidence.Ref{File: m.File}
		if m.Status != "valid" {
			badSig.Add(fmt.Sprintf("%s (%s: %s)", m.File, m.Status, m.Reason), ref)
			continue
		}
		deployments += m.Deployments
		if m.Deployments == 0 {
			undeployed.Add(m.File, ref)
		}
		for _, f := range m.Modified {
			modified.Add(f, ref)
		}
		for _, f := range m.Missing {
			missingFiles.Add(f, ref)
		}
		for _, f := range m.Unlisted {
			unlisted.Add(f, ref)
		}
	}
	r.Fact("platform_invalid_manifests", badSig.Len())
	r.Fact("platform_drift", modified.Len()+missingFiles.Len()+unlisted.Len())
	failSet(r, &badSig, "a7.manifest-signature-invalid", check.Critical, "platform manifest fails signature verification", "platform manifests fail signature verification",
		"A manifest whose signature does not verify to the firm's root cannot define the trusted computing base.",
		"Re-sign the manifest with a signer certified by the firm's root, after checking its content.")
	failSet(r, &modified, "a7.files-modified", check.High, "deployed file differs from the signed manifest", "deployed files differ from the signed manifest",
		"The deployed content of these files does not match the digest in the signed manifest: the platform was changed after signing.",
		"Investigate each change; restore the signed image or issue and sign a new manifest through change control.")
	failSet(r, &missingFiles, "a7.files-missing", check.Medium, "file of the signed manifest is missing from deployments", "files of the signed manifest are missing from deployments",
		"Files the manifest defines as part of the platform are absent from a deployment.",
		"Redeploy the signed image.")
	failSet(r, &unlisted, "a7.files-unlisted", check.Medium, "deployed file is not in the signed manifest", "deployed files are not in the signed manifest",
		"Files present on a deployment are not part of the defined set of applications, libraries and configuration.",
		"Remove them, or add them to the manifest through change control and re-sign it.")
	failSet(r, &undeployed, "a7.no-deployment-snapshots", check.Medium, "signed manifest has no deployment snapshot to compare", "signed manifests have no deployment snapshot to compare",
		"Without a snapshot of what is deployed, the Protocol's verification after signing cannot be made.",
		"Record a snapshot (paths and SHA-256 digests) of each deployment of the platform under platform/.")
	if badSig.Len()+modified.Len()+missingFiles.Len()+unlisted.Len()+undeployed.Len() == 0 {
		r.Add(check.Finding{
			Code: "a7.platform-verified", Status: check.Pass,
			Title:       fmt.Sprintf("Signed platform manifest matches all %d deployments", deployments),
			Explanation: fmt.Sprintf("%s verify to the firm's root, and every deployment holds exactly the files they list, with matching digests.", plural(len(rep.Manifests), "manifest's signature", "manifests' signatures")),
			Evidence:    fileRefs(files[:min(len(files), check.MaxEvidence)]),
		})
	}
	return nil
}
