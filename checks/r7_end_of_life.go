package checks

import "github.com/insurable/insurable/check"

// newR7 verifies R7: someone is accountable and responsible for
// upgrades and end-of-life assessments and their remediation plan.
func newR7() check.Check { return newRAMArea("R7", "r7-end-of-life") }
