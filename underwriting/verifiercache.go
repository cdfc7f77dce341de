package underwriting

import (
	"context"
	"sync"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
)

// reportCache remembers the reports of the verifiers whose output depends
// only on the bundle's content and the date (not on the feeds), so that
// re-evaluating a portfolio after a feed import repeats only the work the
// new feeds change. Keys are the bundle digest and the date; a bundle's
// digest names its exact content. Reports are shared read-only, as the
// checks of one assessment already share them.
type reportCache struct {
	mu  sync.Mutex
	max int
	m   map[cacheKey]any
}

type cacheKey struct {
	kind   string
	digest string
	asOf   evidence.Date
}

func newReportCache(max int) *reportCache {
	return &reportCache{max: max, m: map[cacheKey]any{}}
}

// lookup returns the report remembered under k, or computes and
// remembers it. Errors (a cancelled context) are not remembered.
func lookup[R any](c *reportCache, k cacheKey, compute func() (*R, error)) (*R, error) {
	c.mu.Lock()
	v, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return v.(*R), nil
	}
	r, err := compute()
	if err != nil {
		return r, err
	}
	c.mu.Lock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[k] = r
	c.mu.Unlock()
	return r, nil
}

// wrap returns verifiers that consult the cache before the given ones.
// The vulnerability assessor and the attestation verifier pass through:
// the first depends on the feeds, the second is called per attestation.
func (c *reportCache) wrap(v check.Verifiers) check.Verifiers {
	out := v
	if v.Scans != nil {
		out.Scans = cachedScans{c, v.Scans}
	}
	if v.Certificates != nil {
		out.Certificates = cachedCerts{c, v.Certificates}
	}
	if v.Firmware != nil {
		out.Firmware = cachedFirmware{c, v.Firmware}
	}
	if v.Platform != nil {
		out.Platform = cachedPlatform{c, v.Platform}
	}
	if v.Hardware != nil {
		out.Hardware = cachedHardware{c, v.Hardware}
	}
	return out
}

type cachedScans struct {
	c *reportCache
	v check.ScanReader
}

func (s cachedScans) ReadScans(ctx context.Context, b *evidence.Bundle) (*check.ScanReport, error) {
	return lookup(s.c, cacheKey{"scans", b.Digest, evidence.Date{}}, func() (*check.ScanReport, error) { return s.v.ReadScans(ctx, b) })
}

type cachedCerts struct {
	c *reportCache
	v check.CertificateVerifier
}

func (s cachedCerts) VerifyDeviceCertificates(ctx context.Context, b *evidence.Bundle, asOf evidence.Date) (*check.CertificateReport, error) {
	return lookup(s.c, cacheKey{"certs", b.Digest, asOf}, func() (*check.CertificateReport, error) { return s.v.VerifyDeviceCertificates(ctx, b, asOf) })
}

type cachedFirmware struct {
	c *reportCache
	v check.FirmwareVerifier
}

func (s cachedFirmware) VerifyFirmware(ctx context.Context, b *evidence.Bundle, asOf evidence.Date) (*check.FirmwareReport, error) {
	return lookup(s.c, cacheKey{"firmware", b.Digest, asOf}, func() (*check.FirmwareReport, error) { return s.v.VerifyFirmware(ctx, b, asOf) })
}

type cachedPlatform struct {
	c *reportCache
	v check.PlatformVerifier
}

func (s cachedPlatform) VerifyPlatform(ctx context.Context, b *evidence.Bundle, asOf evidence.Date) (*check.PlatformReport, error) {
	return lookup(s.c, cacheKey{"platform", b.Digest, asOf}, func() (*check.PlatformReport, error) { return s.v.VerifyPlatform(ctx, b, asOf) })
}

type cachedHardware struct {
	c *reportCache
	v check.HardwareComparer
}

func (s cachedHardware) CompareHardware(ctx context.Context, b *evidence.Bundle) (*check.HardwareReport, error) {
	return lookup(s.c, cacheKey{"hardware", b.Digest, evidence.Date{}}, func() (*check.HardwareReport, error) { return s.v.CompareHardware(ctx, b) })
}
