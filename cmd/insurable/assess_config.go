package main

import "github.com/insurable/insurable/check"

// assessConfig is what the assess command was asked to do, beyond the
// bundle itself: the inputs that verifiers need.
type assessConfig struct {
	// FeedsDir is a directory holding advisory, KEV and vulnerability feed
	// snapshots; empty means the snapshot embedded in the binary.
	FeedsDir string
	// Feeds records the snapshots actually used, for the assessment record.
	Feeds []check.FeedDigest
}
