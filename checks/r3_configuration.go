package checks

import "github.com/insurable/insurable/check"

// newR3 verifies R3: someone is accountable and responsible for
// secure configuration assessment and its remediation plan.
func newR3() check.Check { return newRAMArea("R3", "r3-configuration") }
