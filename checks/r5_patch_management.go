package checks

import "github.com/insurable/insurable/check"

// newR5 verifies R5: someone is accountable and responsible for
// secure management and patch assessments and their remediation plans.
func newR5() check.Check { return newRAMArea("R5", "r5-patch-management") }
