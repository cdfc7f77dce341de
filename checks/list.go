// Package checks holds the checks of the Protocol, one per catalog item and
// one per file, and the list that registers them. Each check is versioned;
// the version of every check that ran is recorded on each assessment.
package checks

import "github.com/insurable/insurable/check"

// All returns every check, one per catalog item, in the order they run: the
// requirements of Section I, the responsibility areas, then the indicators,
// which may read the verdicts of the checks before them.
func All() []check.Check {
	return []check.Check{
		newRiskAssessment(),
		newHardwareIntegrity(),
		newEncryption(),
		newPatching(),
		newInteroperability(),
		newDevelopmentLifecycle(),
		newTrustedComputingBase(),
		newRootOfTrust(),
		newVulnerabilityDisclosure(),
		newBoardOversight(),
		newAccountability(),
		newCyberResilience(),
		newOngoingAssessment(),
		newOngoingTesting(),
		newLegacySystems(),
		newInformationSharing(),
		newPerformanceIndicators(),
		newSecurityMetrics(),
		newR1(), newR2(), newR3(), newR4(), newR5(), newR6(), newR7(), newR8(),
		newInternalSafeguards(),
		newCertification(),
		newClearinghouse(),
		newLegacyMeans(),
	}
}
