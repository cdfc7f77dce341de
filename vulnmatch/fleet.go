package vulnmatch

import (
	"slices"
	"strings"
	"sync"

	"github.com/insurable/insurable/advisory"
)

// Fleet is an index over loaded inventories that answers "which assets does
// this new advisory affect?" without rescanning them: assets are grouped by
// their vendor, product, model, CPE and purl, each group indexed under the
// same keys an advisory's products are, and versions are evaluated once per
// distinct version string. Inventories can be added and removed at any
// time. A Fleet is safe for concurrent use.
type Fleet struct {
	mu     sync.RWMutex
	groups []*assetGroup
	byDesc map[string]int32   // group description -> group
	index  map[string][]gref  // lookup key -> groups
	invs   map[string][]entry // inventory -> its assets, for removal
	count  int
}

// AssetRef names an asset of an inventory.
type AssetRef struct {
	Inventory string `json:"inventory"`
	ID        string `json:"asset_id"`
}

type entry struct {
	group   int32
	version string
	id      string
}

type gref struct {
	group int32
	tier  Tier
}

// assetGroup is every asset with the same description, by version.
type assetGroup struct {
	desc     Asset // ID empty
	versions map[string][]AssetRef
}

// NewFleet returns an empty index.
func NewFleet() *Fleet {
	return &Fleet{byDesc: map[string]int32{}, index: map[string][]gref{}, invs: map[string][]entry{}}
}

// Len returns how many assets the index holds.
func (f *Fleet) Len() int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.count
}

// Add indexes the assets of an inventory, replacing what was indexed under
// the same inventory name before.
func (f *Fleet) Add(inventory string, assets []Asset) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.remove(inventory)
	es := make([]entry, 0, len(assets))
	for i := range assets {
		a := &assets[i]
		d := *a
		d.ID, d.Version = "", ""
		key := memoKey(&d)
		gi, ok := f.byDesc[key]
		if !ok {
			gi = int32(len(f.groups))
			f.groups = append(f.groups, &assetGroup{desc: d, versions: map[string][]AssetRef{}})
			f.byDesc[key] = gi
			for _, k := range assetLookupKeys(&d) {
				f.index[k.key] = append(f.index[k.key], gref{group: gi, tier: k.tier})
			}
		}
		g := f.groups[gi]
		g.versions[a.Version] = append(g.versions[a.Version], AssetRef{Inventory: inventory, ID: a.ID})
		es = append(es, entry{group: gi, version: a.Version, id: a.ID})
	}
	f.invs[inventory] = es
	f.count += len(es)
}

// Remove drops an inventory from the index.
func (f *Fleet) Remove(inventory string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.remove(inventory)
}

func (f *Fleet) remove(inventory string) {
	es, ok := f.invs[inventory]
	if !ok {
		return
	}
	for _, e := range es {
		g := f.groups[e.group]
		refs := g.versions[e.version]
		refs = slices.DeleteFunc(refs, func(r AssetRef) bool { return r.Inventory == inventory })
		if len(refs) == 0 {
			delete(g.versions, e.version)
		} else {
			g.versions[e.version] = refs
		}
	}
	f.count -= len(es)
	delete(f.invs, inventory)
}

// Impact is the effect of one advisory on a set of assets that share a
// description and version: the matches apply to every asset listed.
type Impact struct {
	Assets  []AssetRef `json:"assets"`
	Vendor  string     `json:"vendor"`
	Product string     `json:"product"`
	Model   string     `json:"model,omitempty"`
	Version string     `json:"version"`
	Matches []Match    `json:"matches"`
}

// Impact returns the assets the advisory affects, grouped by description
// and version, sorted. The matches are the same as Catalog.Match gives for
// each asset with a catalogue holding only this advisory.
func (f *Fleet) Impact(a *advisory.Advisory, feeds Feeds) []Impact {
	ca := compile(a)
	f.mu.RLock()
	defer f.mu.RUnlock()
	var cands []candidate
	for pi := range ca.products {
		for _, k := range ca.products[pi].keys {
			for _, r := range f.index[k.key] {
				// adv holds the asset group here.
				cands = append(cands, candidate{adv: r.group, prod: int32(pi), tier: max(k.tier, r.tier), version: k.version})
			}
		}
	}
	var out []Impact
	for _, grp := range groupCandidates(cands, func(cd candidate) int32 { return cd.adv }) {
		g := f.groups[grp.adv]
		for version, refs := range g.versions {
			desc := g.desc
			desc.Version = version
			ver := assetVersion(&desc)
			v, vok := ParseVersion(ver)
			ms := evaluate(nil, ca, grp.cands, v, vok, ver, feeds)
			if len(ms) == 0 {
				continue
			}
			sortMatches(ms)
			out = append(out, Impact{
				Assets:  slices.Clone(refs),
				Vendor:  g.desc.Vendor,
				Product: g.desc.Product,
				Model:   g.desc.Model,
				Version: version,
				Matches: ms,
			})
		}
	}
	for i := range out {
		slices.SortFunc(out[i].Assets, func(x, y AssetRef) int {
			if c := strings.Compare(x.Inventory, y.Inventory); c != 0 {
				return c
			}
			return strings.Compare(x.ID, y.ID)
		})
	}
	slices.SortStableFunc(out, func(x, y Impact) int {
		return strings.Compare(impactKey(&x), impactKey(&y))
	})
	return out
}

func impactKey(im *Impact) string {
	return strings.Join([]string{im.Vendor, im.Product, im.Model, im.Version}, "\x00")
}

// AffectedAssets counts the assets of an impact list.
func AffectedAssets(ims []Impact) int {
	n := 0
	for _, im := range ims {
		n += len(im.Assets)
	}
	return n
}
