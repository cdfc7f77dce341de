package vulnassess

import (
	"sync"

	"github.com/insurable/insurable/advisory"
	"github.com/insurable/insurable/evidence"
)

// SBOMCache remembers the SBOMs and VEX documents read from each bundle,
// by the bundle's digest, so that assessing the same evidence again
// against newer feeds (as the service does after every import) neither
// re-reads nor re-validates them. The matching itself is always redone.
// It is safe for concurrent use and may be shared by assessors built on
// different snapshots.
type SBOMCache struct {
	mu  sync.Mutex
	max int
	m   map[string]sbomsRead
}

type sbomsRead struct {
	entries []*sbomEntry
	vex     []*advisory.Advisory
}

// NewSBOMCache returns a cache of the SBOMs of up to max bundles.
func NewSBOMCache(max int) *SBOMCache {
	return &SBOMCache{max: max, m: map[string]sbomsRead{}}
}

// WithSBOMCache returns a copy of the assessor that reads SBOMs through c.
func (a *Assessor) WithSBOMCache(c *SBOMCache) *Assessor {
	b := *a
	b.sboms = c
	return &b
}

// readSBOMsCached is readSBOMs through the cache, when there is one. The
// summaries are copied, since each assessment fills in its own counts.
func (a *Assessor) readSBOMsCached(b *evidence.Bundle) ([]*sbomEntry, []*advisory.Advisory) {
	c := a.sboms
	if c == nil || b.Digest == "" {
		return a.readSBOMs(b)
	}
	c.mu.Lock()
	r, ok := c.m[b.Digest]
	c.mu.Unlock()
	if !ok {
		r.entries, r.vex = a.readSBOMs(b)
		c.mu.Lock()
		if len(c.m) >= c.max {
			clear(c.m)
		}
		c.m[b.Digest] = r
		c.mu.Unlock()
	}
	out := make([]*sbomEntry, len(r.entries))
	for i, e := range r.entries {
		cp := *e
		out[i] = &cp
	}
	return out, r.vex
}
