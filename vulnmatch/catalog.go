package vulnmatch

import (
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
	AdvisoryID string `json:"advisory_id"`
	// CVE is the vulnerability's CVE id, or its first other id when it
	// has none.
	CVE string `json:"cve"`
	// Status is affected, unknown (a person must look: the advisory's
	// version range or the asset's version could not be read) or
	// under-investigation.
	Status string `json:"status"`
	// Reason says why the status is unknown, or what was ignored in the
	// advisory's range to read it.
	Reason    string `json:"reason,omitempty"`
	ProductID string `json:"product_id"`
	Product   string `json:"product"`
	// Versions is the advisory's version or range text for the product.
	Versions string `json:"versions,omitempty"`
	// MatchedBy says how the asset and the product met: identifier, name,
	// base name, name without version, name without brand.
	MatchedBy string  `json:"matched_by"`
	CVSS      float64 `json:"cvss"`
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
	// Unparsed is set when the status is unknown because the advisory's
	// range could not be read.
	Unparsed bool `json:"unparsed,omitempty"`
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

	memo memo
}

// compiled is an advisory prepared for matching.
type compiled struct {
	a        *advisory.Advisory
	products []compiledProduct
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
// CVE and product, and shared between assets with the same vendor, product,
// model, version, CPE and purl: callers must not modify it.
func (c *Catalog) Match(a *Asset) []Match {
	key := memoKey(a)
	if m, ok := c.memo.get(key); ok {
		return m
	}
	m := c.match(a)
	c.memo.put(key, m)
	return m
}

func memoKey(a *Asset) string {
	return strings.Join([]string{a.Vendor, a.Product, a.Model, a.Version, a.CPE, a.PURL}, "\x00")
}

// candidate is a product that an asset met, at a tier.
type candidate struct {
	adv, prod int32
	tier      Tier
	version   []string
}

func (c *Catalog) match(a *Asset) []Match {
	var cands []candidate
	for _, k := range assetLookupKeys(a) {
		for _, r := range c.index[k.key] {
			cands = append(cands, candidate{adv: r.adv, prod: r.prod, tier: max(k.tier, r.tier), version: r.version})
		}
	}
	if len(cands) == 0 {
		return nil
	}
	version := assetVersion(a)
	v, vok := ParseVersion(version)
	slices.SortFunc(cands, func(x, y candidate) int {
		if x.adv != y.adv {
			return int(x.adv - y.adv)
		}
		if x.tier != y.tier {
			return int(x.tier) - int(y.tier)
		}
		return int(x.prod - y.prod)
	})
	var out []Match
	for i := 0; i < len(cands); {
		j := i
		for j < len(cands) && cands[j].adv == cands[i].adv {
			j++
		}
		// Only the best tier within an advisory counts.
		best := cands[i].tier
		k := i
		for k < j && cands[k].tier == best {
			k++
		}
		out = append(out, evaluate(c.advs[cands[i].adv], cands[i:k], v, vok, version, c.feeds)...)
		i = j
	}
	sortMatches(out)
	return out
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
// an asset that met the candidate products.
func evaluate(ca *compiled, cands []candidate, v Version, vok bool, version string, feeds Feeds) []Match {
	type seen struct {
		prod    int32
		verdict Verdict
	}
	verdicts := make([]seen, 0, len(cands))
	for _, cd := range cands {
		if cd.tier == TierNoVersion && !versionStartsWith(v, vok, cd.version) {
			continue
		}
		if slices.ContainsFunc(verdicts, func(s seen) bool { return s.prod == cd.prod }) {
			continue
		}
		verdicts = append(verdicts, seen{prod: cd.prod, verdict: ca.products[cd.prod].spec.Contains(v, vok)})
	}
	var out []Match
	for vi := range ca.a.Vulns {
		var affIn, affUnknown, spared, invIn, invUnknown = -1, -1, false, -1, -1
		exactSpared := false
		for _, s := range verdicts {
			cp := &ca.products[s.prod]
			switch cp.status[vi] {
			case stAffected:
				switch s.verdict {
				case Inside:
					if affIn < 0 {
						affIn = int(s.prod)
					}
				case Undecided:
					if affUnknown < 0 {
						affUnknown = int(s.prod)
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
						invIn = int(s.prod)
					}
				case Undecided:
					if invUnknown < 0 {
						invUnknown = int(s.prod)
					}
				}
			}
		}
		var status string
		prod := -1
		switch {
		case exactSpared:
			continue
		case affIn >= 0:
			status, prod = StatusAffected, affIn
		case spared:
			continue
		case invIn >= 0:
			status, prod = StatusUnderInvestigation, invIn
		case affUnknown >= 0:
			status, prod = StatusUnknown, affUnknown
		case invUnknown >= 0:
			status, prod = StatusUnderInvestigation, invUnknown
		default:
			continue
		}
		out = append(out, newMatch(ca, vi, prod, status, vok, version, cands, feeds))
	}
	return out
}

func newMatch(ca *compiled, vi, pi int, status string, vok bool, version string, cands []candidate, feeds Feeds) Match {
	a := ca.a
	vul := &a.Vulns[vi]
	cp := &ca.products[pi]
	p := cp.p
	m := Match{
		AdvisoryID: a.ID,
		CVE:        vul.CVE,
		Status:     status,
		ProductID:  p.ID,
		Product:    p.Name,
		Versions:   cp.spec.Raw,
		Published:  dateOf(a.Released),
	}
	if m.CVE == "" && len(vul.IDs) > 0 {
		m.CVE = vul.IDs[0]
	}
	for _, cd := range cands {
		if int(cd.prod) == pi {
			m.MatchedBy = cd.tier.String()
			break
		}
	}
	switch {
	case status == StatusUnknown && !cp.spec.Parsed():
		m.Reason = "advisory version range not understood: " + cp.spec.Reason
		m.Unparsed = true
	case status == StatusUnknown && version == "":
		m.Reason = "the inventory gives no version"
	case status == StatusUnknown && !vok:
		m.Reason = "cannot read the inventory version " + quote(version)
	case cp.spec.Note != "":
		m.Reason = "range read as given, " + cp.spec.Note
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

// memo caches match results per distinct asset description, in shards so
// that parallel matching does not contend on one lock.
type memo struct {
	shards [64]struct {
		sync.RWMutex
		m map[string][]Match
	}
}

func (m *memo) shard(key string) int {
	var h uint32 = 2166136261
	for i := 0; i < len(key); i++ {
		h = (h ^ uint32(key[i])) * 16777619
	}
	return int(h % uint32(len(m.shards)))
}

func (m *memo) get(key string) ([]Match, bool) {
	s := &m.shards[m.shard(key)]
	s.RLock()
	r, ok := s.m[key]
	s.RUnlock()
	return r, ok
}

func (m *memo) put(key string, r []Match) {
	s := &m.shards[m.shard(key)]
	s.Lock()
	if s.m == nil {
		s.m = map[string][]Match{}
	}
	s.m[key] = r
	s.Unlock()
}
