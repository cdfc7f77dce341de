package checks

import "github.com/insurable/insurable/check"

// newR1 verifies R1: someone is accountable and responsible for
// identifying the devices, processes and systems of the IIoT exposure.
func newR1() check.Check { return newRAMArea("R1", "r1-exposure") }
