package checks

import "github.com/insurable/insurable/check"

// newR6 verifies R6: someone is accountable and responsible for
// secure data transport and storage assessment and its remediation plans.
func newR6() check.Check { return newRAMArea("R6", "r6-data-protection") }
