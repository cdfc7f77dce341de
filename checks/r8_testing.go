package checks

import "github.com/insurable/insurable/check"

// newR8 verifies R8: someone is accountable and responsible for
// integration, penetration and compliance testing and their remediation plans.
func newR8() check.Check { return newRAMArea("R8", "r8-testing") }
