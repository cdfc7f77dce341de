package underwriting

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/advisory"
	"github.com/insurable/insurable/assessment"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/feeds"
	"github.com/insurable/insurable/kev"
	"github.com/insurable/insurable/profile"
	"github.com/insurable/insurable/protocol"
	"github.com/insurable/insurable/report"
	"github.com/insurable/insurable/vulnmatch"
)

// Engine is the assessment engine of `insurable assess`, as the command
// line wires it: the same catalog, verifiers and feeds, so that the service
// and the command give identical results for the same inputs.
type Engine struct {
	Catalog   *protocol.Catalog
	Verifiers check.Verifiers
	// Feeds are the digests of the snapshot Verifiers.Vulnerabilities was
	// built on, as assess records them.
	Feeds []check.FeedDigest
	// Snapshot is that snapshot. Advisories and KEV catalogues imported
	// into the service are merged into it; nil disables imports.
	Snapshot *feeds.Snapshot
	// NewVulnerabilityAssessor builds the vulnerability assessor on a
	// merged snapshot (vulnassess.New in production).
	NewVulnerabilityAssessor func(*feeds.Snapshot) check.VulnerabilityAssessor
	Tool                     assessment.Tool
}

// feedState is the feeds the service assesses with at one generation.
type feedState struct {
	gen       int64
	verifiers check.Verifiers
	digests   []check.FeedDigest
	digest    string // over digests, names the generation's content
	snapshot  *feeds.Snapshot
	match     vulnmatch.Feeds
	advs      map[string]*advisory.Advisory // imported, by id
}

func digestOf(fs []check.FeedDigest) string {
	data, _ := json.Marshal(fs)
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// currentFeeds returns the feed state of the database's generation,
// rebuilding it when another replica or an import changed it.
func (s *Service) currentFeeds(ctx context.Context) (*feedState, error) {
	var gen int64
	if err := s.view(ctx, func(tx Tx) error {
		var err error
		gen, err = tx.FeedGeneration(ctx)
		return err
	}); err != nil {
		return nil, err
	}
	s.feedMu.Lock()
	defer s.feedMu.Unlock()
	if s.feeds != nil && s.feeds.gen == gen {
		return s.feeds, nil
	}
	e := s.cfg.Engine
	st := &feedState{gen: gen, verifiers: s.reports.wrap(e.Verifiers), digests: slices.Clone(e.Feeds), snapshot: e.Snapshot, advs: map[string]*advisory.Advisory{}}
	if e.Snapshot != nil {
		st.match = vulnmatch.Feeds{KEV: e.Snapshot.KEV, EPSS: e.Snapshot.EPSS}
	}
	var imported []*Advisory
	if err := s.view(ctx, func(tx Tx) error {
		var err error
		imported, err = tx.Advisories(ctx)
		return err
	}); err != nil {
		return nil, err
	}
	if len(imported) > 0 && e.Snapshot != nil && e.NewVulnerabilityAssessor != nil {
		merged, advs, err := mergeFeeds(e.Snapshot, imported)
		if err != nil {
			return nil, err
		}
		st.advs = advs
		st.snapshot = merged
		st.verifiers.Vulnerabilities = e.NewVulnerabilityAssessor(merged) // the other verifiers stay wrapped
		st.digests = merged.Manifest.Digests()
		st.match = vulnmatch.Feeds{KEV: merged.KEV, EPSS: merged.EPSS}
	}
	st.digest = digestOf(st.digests)
	s.feeds = st
	return st, nil
}

// kevRecordID names the imported KEV catalogue among the advisories.
const kevRecordID = "cisa-kev"

// mergeFeeds adds the imported advisories (replacing those of the same
// id) and the latest imported KEV catalogue to the base snapshot, and
// records the result's digests as feeds.Build would.
func mergeFeeds(base *feeds.Snapshot, imported []*Advisory) (*feeds.Snapshot, map[string]*advisory.Advisory, error) {
	m := *base
	m.Manifest.Feeds = slices.Clone(base.Manifest.Feeds)
	byID := map[string]int{}
	m.Advisories = slices.Clone(base.Advisories)
	for i, a := range m.Advisories {
		byID[a.ID] = i
	}
	advs := map[string]*advisory.Advisory{}
	for _, rec := range imported {
		if rec.ID == kevRecordID {
			c, err := kev.Parse("kev.json", rec.Doc)
			if err != nil {
				return nil, nil, err
			}
			m.KEV = c
			continue
		}
		a, err := advisory.Parse(rec.ID+".json", rec.Doc)
		if err != nil {
			return nil, nil, err
		}
		advs[a.ID] = a
		if i, ok := byID[a.ID]; ok {
			m.Advisories[i] = a
		} else {
			byID[a.ID] = len(m.Advisories)
			m.Advisories = append(m.Advisories, a)
		}
	}
	for i, f := range m.Manifest.Feeds {
		switch f.Name {
		case feeds.NameCSAF:
			f.Version, f.Digest, f.Records = advisory.LatestUpdate(m.Advisories), advisory.DigestOf(m.Advisories), len(m.Advisories)
		case feeds.NameKEV:
			if m.KEV != nil {
				f.Version, f.Digest, f.Records = m.KEV.Version, m.KEV.Digest, len(m.KEV.Entries)
			}
		}
		m.Manifest.Feeds[i] = f
	}
	if m.KEV != nil && base.KEV == nil {
		m.Manifest.Feeds = append(m.Manifest.Feeds, feeds.Feed{Name: feeds.NameKEV, Version: m.KEV.Version, Digest: m.KEV.Digest, Records: len(m.KEV.Entries)})
	}
	return &m, advs, nil
}

// evaluate assesses a loaded bundle with the engine under a profile, as
// of a date, and returns the result and its JSON in the form assess -o
// json writes.
func (s *Service) evaluate(ctx context.Context, b *evidence.Bundle, prof *profile.Profile, asOf evidence.Date, fs *feedState) (*assessment.Result, []byte, error) {
	e := s.engine()
	if asOf.IsZero() {
		asOf = b.Manifest.SnapshotDate
	}
	if asOf.IsZero() {
		asOf = s.today()
	}
	res, err := assessment.Evaluate(ctx, b, assessment.Options{
		Catalog: e.Catalog, Profile: prof, AsOf: asOf, Verifiers: fs.verifiers, Feeds: fs.digests,
		Tool: e.Tool, Log: s.log,
	})
	if err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	if err := report.JSON(&buf, res); err != nil {
		return nil, nil, insurable.Wrap("underwriting.evaluate", insurable.Internal, err)
	}
	return res, buf.Bytes(), nil
}

// loadProfile parses a stored profile, once per digest: profiles are
// immutable records and parsing compiles their gates.
func (s *Service) loadProfile(p *Profile) (*profile.Profile, error) {
	key := p.ID + "\x00" + p.Digest
	if v, ok := s.profiles.Load(key); ok {
		return v.(*profile.Profile), nil
	}
	pr, err := profile.Parse(profileFile(p.Name, p.Name), []byte(p.YAML), s.engine().Catalog)
	if err != nil {
		return nil, err
	}
	s.profiles.Store(key, pr)
	return pr, nil
}

// profileFile is the name profiles are parsed under, as profile.Load
// names built-in ones.
func profileFile(name, fallback string) string {
	if name == "" {
		name = fallback
	}
	return name + ".yaml"
}

// engine returns the engine; ReplaceBaseFeeds may swap it.
func (s *Service) engine() *Engine {
	s.feedMu.Lock()
	defer s.feedMu.Unlock()
	return s.cfg.Engine
}
