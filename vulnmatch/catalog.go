package vulnmatch

import (
	"hash/maphash"
	"slices"
	"strings"
	"sync"

	"github.com/insurable/insurable/advisory"
	"github.com/insurable/insurable/epss"
	"github.com/insurable/insurable/kev"
)

// Match statuses.
const (
	StatusAffected           = "affected"
	StatusUnknown            = "unknown"
	StatusUnderInvestigation = "under-investigation"
)

// Match is one vulnerability of one advisory that affects (or may affect)
// an asset.
type Match struct {
	// MatchInfo is what the match owes to the advisory and the feeds; it
	// is shared by every asset the same product and vulnerability match,
	// and must not be modified.
	*MatchInfo
	// Status is affected, unknown (a person must look: the advisory's
	// version range or the asset's version could not be read) or
	// under-investigation.
	Status string `json:"status"`
	// Reason says why the status is unknown, or what was ignored in the
	// advisory's range to read it.
	Reason string `json:"reason,omitempty"`
	// MatchedBy says how the asset and the product met: identifier, name,
	// base name, name without version, name without brand.
	MatchedBy string `json:"matched_by"`
	// Unparsed is set when the status is unknown because the advisory's
	// range could not be read.
	Unparsed bool `json:"unparsed,omitempty"`
}

// MatchInfo is the part of a match that depends on the advisory, the
// product and the feeds, not on the asset.
type MatchInfo struct {
	AdvisoryID string `json:"advisory_id"`
	// CVE is the vulnerability's CVE id, or its first other id when it
	// has none.
	CVE       string `json:"cve"`
	ProductID string `json:"product_id"`
	Product   string `json:"product"`
	// Versions is the advisory's version or range text for the product.
	Versions string  `json:"versions,omitempty"`
	CVSS     float64 `json:"cvss"`
	// CVSSVersion is "3.1", "3.0" or "2.0"; empty when the advisory scores
	// nothing.
	CVSSVersion string `json:"cvss_version,omitempty"`
	Vector      string `json:"vector,omitempty"`
	// Severity is the CVSS qualitative rating: critical, high, medium, low
	// or none; empty when unscored.
	Severity   string  `json:"severity,omitempty"`
	KEV        bool    `json:"kev"`
	KEVAdded   string  `json:"kev_added,omitempty"`
	KEVDue     string  `json:"kev_due,omitempty"`
	Ransomware bool    `json:"ransomware,omitempty"`
	EPSS       float64 `json:"epss,omitempty"`
	// EPSSPercentile is the CVE's EPSS percentile, when scores were given.
	EPSSPercentile float64 `json:"epss_percentile,omitempty"`
	FixAvailable   bool    `json:"fix_available"`
	NoFixPlanned   bool    `json:"no_fix_planned"`
	// FixedIn is the first version outside the affected range, when the
	// range says so ("< V4.3.8").
	FixedIn string `json:"fixed_in,omitempty"`
	// Published is the advisory's initial release date.
	Published string `json:"published,omitempty"`
	// Note says what was ignored in the advisory's range to read it; it
	// becomes the match's Reason.
	Note string `json:"-"`

	unparsedReason string
}

// Feeds are the enrichments applied to every match.
type Feeds struct {
	KEV  *kev.Catalog
	EPSS *epss.Scores
}

// Catalog indexes advisories for matching assets against them. It is safe
// for concurrent use.
type Catalog struct {
	advs  []*compiled
	index map[string][]productRef
	feeds Feeds

	// targets remembers what each asset description meets, by the
	// description as written and by its normalised form.
	targets    memo[description, *target]
	normalised memo[string, *target]
	versions   memo[string, parsedVersion]
}

// compiled is an advisory prepared for matching.
type compiled struct {
	a        *advisory.Advisory
	products []compiledProduct

	once sync.Once
	// tmpl[p][v] is the match of product p for vulnerability v, less what
	// depends on the asset; built on first use.
	tmpl [][]*MatchInfo
}

type compiledProduct struct {
	p     *advisory.Product
	spec  Range
	exact bool // the advisory gives one exact version (product_version)
	// status[i] is the product's status for vulnerability i.
	status []uint8
	keys   []indexKey
}

// Product statuses, in compiled form.
const (
	stNone uint8 = iota
	stAffected
	stFixed
	stNotAffected
	stUnderInvestigation
)

type productRef struct {
	adv, prod int32
	tier      Tier
	version   []string
}

// NewCatalog indexes advisories. Advisories of category csaf_vex are
// indexed like any other: their known_affected statements match, their
// not-affected statements spare.
func NewCatalog(advs []*advisory.Advisory, feeds Feeds) *Catalog {
	c := &Catalog{index: map[string][]productRef{}, feeds: feeds}
	for _, a := range advs {
		ai := int32(len(c.advs))
		ca := compile(a)
		c.advs = append(c.advs, ca)
		for pi := range ca.products {
			for _, k := range ca.products[pi].keys {
				c.index[k.key] = append(c.index[k.key], productRef{adv: ai, prod: int32(pi), tier: k.tier, version: k.version})
			}
			ca.products[pi].keys = nil
		}
	}
	return c
}

// Advisories returns how many advisories the catalogue holds.
func (c *Catalog) Advisories() int { return len(c.advs) }

// compile parses the product versions of an advisory and records each
// product's status per vulnerability.
func compile(a *advisory.Advisory) *compiled {
	ca := &compiled{a: a, products: make([]compiledProduct, len(a.Products))}
	pos := make(map[string]int, len(a.Products))
	for i := range a.Products {
		p := &a.Products[i]
		pos[p.ID] = i
		cp := &ca.products[i]
		cp.p = p
		cp.spec, cp.exact = versionSpec(p)
		cp.status = make([]uint8, len(a.Vulns))
		cp.keys = productIndexKeys(a, p)
	}
	for vi := range a.Vulns {
		v := &a.Vulns[vi]
		set := func(ids []string, st uint8) {
			for _, id := range ids {
				if i, ok := pos[id]; ok && ca.products[i].status[vi] == stNone {
					ca.products[i].status[vi] = st
				}
			}
		}
		set(v.Affected, stAffected)
		set(v.Fixed, stFixed)
		set(v.NotAffected, stNotAffected)
		set(v.UnderInvestigation, stUnderInvestigation)
	}
	return ca
}

// versionSpec reads the versions a product covers: its range, or its exact
// version (which some advisories fill with a range or a list).
func versionSpec(p *advisory.Product) (Range, bool) {
	switch {
	case p.Range != "":
		return ParseRange(p.Range), false
	case p.Version != "":
		if strings.ContainsAny(p.Version, "<>=|,*") || strings.HasPrefix(strings.ToLower(p.Version), "vers:") || strings.Contains(strings.ToLower(p.Version), "all") {
			return ParseRange(p.Version), false
		}
		v, ok := ParseVersion(p.Version)
		if !ok {
			return Range{Raw: p.Version, Reason: "cannot read " + quote(p.Version) + " as a version"}, true
		}
		return Range{Raw: p.Version, cons: []Constraint{{Op: OpEQ, Version: v}}}, true
	}
	return Range{Reason: "the advisory gives no version for this product"}, false
}

// Match returns the vulnerabilities that affect the asset, or may: status
// unknown when the advisory's range or the asset's version cannot be read,
// so that nothing is silently dropped. The result is sorted by advisory,
// CVE and product.
func (c *Catalog) Match(a *Asset) []Match {
	return c.AppendMatches(nil, a)
}

// AppendMatches appends the matches of an asset to dst, as Match returns
// them, and returns the extended slice; reusing dst saves allocations when
// matching a large inventory.
func (c *Catalog) AppendMatches(dst []Match, a *Asset) []Match {
	t := c.target(a)
	if len(t.groups) == 0 {
		return dst
	}
	version := assetVersion(a)
	pv := c.parseVersion(version)
	start := len(dst)
	for _, g := range t.groups {
		dst = evaluate(dst, c.advs[g.adv], g.cands, pv.v, pv.ok, version, c.feeds)
	}
	sortMatches(dst[start:])
	return dst
}

// Matcher matches assets against a catalogue with caches of its own, so
// that a goroutine matching a large inventory neither locks nor hashes
// twice; the catalogue's shared caches back it. A Matcher is not safe for
// concurrent use: give each goroutine its own.
type Matcher struct {
	c        *Catalog
	targets  map[description]*target
	versions map[string]parsedVersion
	// results remembers the matches of a description at a version seen
	// twice (seen holds those seen once): fleets hold many identical
	// devices, and remembering every unique row would only cost.
	results map[resultKey][]Match
	seen    map[resultKey]struct{}
}

type resultKey struct {
	t       *target
	version string
}

// maxResults bounds the results a Matcher remembers.
const maxResults = 1 << 16

// Matcher returns a new matcher on the catalogue.
func (c *Catalog) Matcher() *Matcher {
	return &Matcher{c: c, targets: map[description]*target{}, versions: map[string]parsedVersion{}, results: map[resultKey][]Match{}, seen: map[resultKey]struct{}{}}
}

// AppendMatches is Catalog.AppendMatches.
func (m *Matcher) AppendMatches(dst []Match, a *Asset) []Match {
	raw := description{a.Vendor, a.Product, a.Model, a.CPE, a.PURL}
	t, ok := m.targets[raw]
	if !ok {
		t = m.c.target(a)
		m.targets[raw] = t
	}
	if len(t.groups) == 0 {
		return dst
	}
	version := assetVersion(a)
	rk := resultKey{t, version}
	if r, ok := m.results[rk]; ok {
		return append(dst, r...)
	}
	pv, ok := m.versions[version]
	if !ok {
		pv = m.c.parseVersion(version)
		m.versions[version] = pv
	}
	start := len(dst)
	for _, g := range t.groups {
		dst = evaluate(dst, m.c.advs[g.adv], g.cands, pv.v, pv.ok, version, m.c.feeds)
	}
	sortMatches(dst[start:])
	if _, again := m.seen[rk]; again && len(m.results) < maxResults {
		m.results[rk] = slices.Clone(dst[start:])
	} else if len(m.seen) < 4*maxResults {
		m.seen[rk] = struct{}{}
	}
	return dst
}

type parsedVersion struct {
	v  Version
	ok bool
}

func (c *Catalog) parseVersion(s string) parsedVersion {
	if pv, ok := c.versions.get(s); ok {
		return pv
	}
	v, ok := ParseVersion(s)
	pv := parsedVersion{v: v, ok: ok}
	c.versions.put(s, pv)
	return pv
}

// target is what an asset description (vendor, product, model, CPE, purl)
// meets in the catalogue: per advisory, the products at the best tier.
type target struct {
	groups []advGroup
}

type advGroup struct {
	adv   int32
	cands []candidate
}

// candidate is a product that an asset met, at a tier.
type candidate struct {
	adv, prod int32
	tier      Tier
	version   []string
}

// description is an asset less its id and version.
type description struct {
	vendor, product, model, cpe, purl string
}

func (c *Catalog) target(a *Asset) *target {
	raw := description{a.Vendor, a.Product, a.Model, a.CPE, a.PURL}
	if t, ok := c.targets.get(raw); ok {
		return t
	}
	key := descKey(a)
	if t, ok := c.normalised.get(key); ok {
		c.targets.put(raw, t)
		return t
	}
	t := &target{}
	var cands []candidate
	for _, k := range assetLookupKeys(a) {
		for _, r := range c.index[k.key] {
			cands = append(cands, candidate{adv: r.adv, prod: r.prod, tier: max(k.tier, r.tier), version: r.version})
		}
	}
	t.groups = groupCandidates(cands, func(cd candidate) int32 { return cd.adv })
	c.normalised.put(key, t)
	c.targets.put(raw, t)
	return t
}

// groupCandidates sorts candidates by group (advisory, or asset group) and
// keeps, within each group, only those at the best tier.
func groupCandidates(cands []candidate, group func(candidate) int32) []advGroup {
	slices.SortFunc(cands, func(x, y candidate) int {
		if gx, gy := group(x), group(y); gx != gy {
			return int(gx - gy)
		}
		if x.tier != y.tier {
			return int(x.tier) - int(y.tier)
		}
		return int(x.prod - y.prod)
	})
	var out []advGroup
	for i := 0; i < len(cands); {
		g := group(cands[i])
		j := i
		for j < len(cands) && group(cands[j]) == g {
			j++
		}
		k := i
		for k < j && cands[k].tier == cands[i].tier {
			k++
		}
		out = append(out, advGroup{adv: g, cands: slices.Clip(cands[i:k])})
		i = j
	}
	return out
}

// descKey identifies an asset description for the memo: vendors that
// normalise alike share an entry.
func descKey(a *Asset) string {
	return strings.Join([]string{NormalizeVendor(a.Vendor).id, a.Product, a.Model, a.CPE, a.PURL}, "\x00")
}

func memoKey(a *Asset) string {
	return strings.Join([]string{a.Vendor, a.Product, a.Model, a.Version, a.CPE, a.PURL}, "\x00")
}

// assetVersion returns the asset's version, or the version its CPE or purl
// carries when the inventory gives none.
func assetVersion(a *Asset) string {
	if a.Version != "" {
		return a.Version
	}
	if v := CPEVersion(a.CPE); v != "" {
		return v
	}
	if a.PURL != "" {
		return PURLVersion(a.PURL)
	}
	return ""
}

// evaluate decides, for each vulnerability of an advisory, the status of
// an asset that met the candidate products, and appends the matches.
func evaluate(dst []Match, ca *compiled, cands []candidate, v Version, vok bool, version string, feeds Feeds) []Match {
	type seen struct {
		prod    int32
		verdict Verdict
		tier    Tier
	}
	var buf [16]seen
	verdicts := buf[:0]
	for _, cd := range cands {
		if cd.tier == TierNoVersion && !versionStartsWith(v, vok, cd.version) {
			continue
		}
		if slices.ContainsFunc(verdicts, func(s seen) bool { return s.prod == cd.prod }) {
			continue
		}
		verdicts = append(verdicts, seen{prod: cd.prod, verdict: ca.products[cd.prod].spec.Contains(v, vok), tier: cd.tier})
	}
	if len(verdicts) == 0 {
		return dst
	}
	ca.once.Do(func() { ca.buildTemplates(feeds) })
	for vi := range ca.a.Vulns {
		affIn, affUnknown, invIn, invUnknown := -1, -1, -1, -1
		spared, exactSpared := false, false
		for i, s := range verdicts {
			cp := &ca.products[s.prod]
			switch cp.status[vi] {
			case stAffected:
				switch s.verdict {
				case Inside:
					if affIn < 0 {
						affIn = i
					}
				case Undecided:
					if affUnknown < 0 {
						affUnknown = i
					}
				}
			case stFixed, stNotAffected:
				if s.verdict == Inside {
					spared = true
					exactSpared = exactSpared || cp.exact
				}
			case stUnderInvestigation:
				switch s.verdict {
				case Inside:
					if invIn < 0 {
						invIn = i
					}
				case Undecided:
					if invUnknown < 0 {
						invUnknown = i
					}
				}
			}
		}
		var status string
		pick := -1
		switch {
		case exactSpared:
			continue
		case affIn >= 0:
			status, pick = StatusAffected, affIn
		case spared:
			continue
		case invIn >= 0:
			status, pick = StatusUnderInvestigation, invIn
		case affUnknown >= 0:
			status, pick = StatusUnknown, affUnknown
		case invUnknown >= 0:
			status, pick = StatusUnderInvestigation, invUnknown
		default:
			continue
		}
		s := verdicts[pick]
		cp := &ca.products[s.prod]
		m := Match{MatchInfo: ca.tmpl[s.prod][vi], Status: status, MatchedBy: s.tier.String()}
		m.Reason = m.Note
		switch {
		case status != StatusAffected && !cp.spec.Parsed():
			m.Reason = m.unparsedReason
			m.Unparsed = true
		case status != StatusAffected && version == "":
			m.Reason = "the inventory gives no version"
		case status != StatusAffected && !vok:
			m.Reason = "cannot read the inventory version " + quote(version)
		}
		dst = append(dst, m)
	}
	return dst
}

// buildTemplates fills the asset-independent part of every match the
// advisory can give.
func (ca *compiled) buildTemplates(feeds Feeds) {
	ca.tmpl = make([][]*MatchInfo, len(ca.products))
	for pi := range ca.products {
		cp := &ca.products[pi]
		ca.tmpl[pi] = make([]*MatchInfo, len(ca.a.Vulns))
		for vi := range ca.a.Vulns {
			if cp.status[vi] != stNone {
				ca.tmpl[pi][vi] = ca.newMatch(vi, pi, feeds)
			}
		}
	}
}

func (ca *compiled) newMatch(vi, pi int, feeds Feeds) *MatchInfo {
	a := ca.a
	vul := &a.Vulns[vi]
	cp := &ca.products[pi]
	p := cp.p
	m := &MatchInfo{
		AdvisoryID: a.ID,
		CVE:        vul.CVE,
		ProductID:  p.ID,
		Product:    p.Name,
		Versions:   cp.spec.Raw,
		Published:  dateOf(a.Released),
	}
	if m.CVE == "" && len(vul.IDs) > 0 {
		m.CVE = vul.IDs[0]
	}
	if cp.spec.Note != "" {
		m.Note = "range read as given, " + cp.spec.Note
	}
	if !cp.spec.Parsed() {
		m.unparsedReason = "advisory version range not understood: " + cp.spec.Reason
	}
	if s, ok := vul.ScoreFor(p.ID); ok {
		m.CVSS, m.CVSSVersion, m.Vector = s.Base, s.Version, s.Vector
		m.Severity = severity(s)
	}
	if e, ok := feeds.KEV.Lookup(m.CVE); ok {
		m.KEV, m.KEVAdded, m.KEVDue = true, e.DateAdded, e.DueDate
		m.Ransomware = e.Ransomware == "Known"
	}
	if e, ok := feeds.EPSS.Lookup(m.CVE); ok {
		m.EPSS, m.EPSSPercentile = e.EPSS, e.Percentile
	}
	m.NoFixPlanned = vul.HasRemediation(advisory.RemediationNoFixPlanned, p.ID)
	fixed, hasFixed := cp.spec.FixedIn()
	if hasFixed {
		m.FixedIn = fixed
	}
	m.FixAvailable = !m.NoFixPlanned && (vul.HasRemediation(advisory.RemediationVendorFix, p.ID) || hasFixed || hasFixedSibling(ca, vi, p))
	return m
}

// hasFixedSibling reports whether the advisory lists a fixed version of the
// same product for the vulnerability.
func hasFixedSibling(ca *compiled, vi int, p *advisory.Product) bool {
	for i := range ca.products {
		q := ca.products[i].p
		if ca.products[i].status[vi] == stFixed && q.Vendor == p.Vendor && q.Product == p.Product {
			return true
		}
	}
	return false
}

// severity returns the CVSS qualitative rating of a score: the advisory's
// v3 baseSeverity, or the rating its base score falls in.
func severity(s advisory.Score) string {
	if s.Severity != "" {
		return strings.ToLower(s.Severity)
	}
	b := s.Base
	if s.Version == "2.0" {
		switch {
		case b >= 7:
			return "high"
		case b >= 4:
			return "medium"
		}
		return "low"
	}
	switch {
	case b >= 9:
		return "critical"
	case b >= 7:
		return "high"
	case b >= 4:
		return "medium"
	case b > 0:
		return "low"
	}
	return "none"
}

func dateOf(ts string) string {
	if len(ts) >= 10 {
		return ts[:10]
	}
	return ts
}

// sortMatches orders matches by advisory, CVE, product.
func sortMatches(ms []Match) {
	slices.SortFunc(ms, func(a, b Match) int {
		if c := strings.Compare(a.AdvisoryID, b.AdvisoryID); c != 0 {
			return c
		}
		if c := strings.Compare(a.CVE, b.CVE); c != 0 {
			return c
		}
		return strings.Compare(a.ProductID, b.ProductID)
	})
}

// memo is a concurrent map in shards, so that parallel matching does not
// contend on one lock.
type memo[K comparable, V any] struct {
	seed   maphash.Seed
	once   sync.Once
	shards [64]struct {
		sync.RWMutex
		m map[K]V
	}
}

func (m *memo[K, V]) shard(key K) int {
	m.once.Do(func() { m.seed = maphash.MakeSeed() })
	return int(maphash.Comparable(m.seed, key) % uint64(len(m.shards)))
}

func (m *memo[K, V]) get(key K) (V, bool) {
	s := &m.shards[m.shard(key)]
	s.RLock()
	r, ok := s.m[key]
	s.RUnlock()
	return r, ok
}

func (m *memo[K, V]) put(key K, r V) {
	s := &m.shards[m.shard(key)]
	s.Lock()
	if s.m == nil {
		s.m = map[K]V{}
	}
	s.m[key] = r
	s.Unlock()
}
