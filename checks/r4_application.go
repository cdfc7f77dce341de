package checks

import "github.com/insurable/insurable/check"

// newR4 verifies R4: someone is accountable and responsible for
// secure application assessment and its remediation plan.
func newR4() check.Check { return newRAMArea("R4", "r4-application") }
