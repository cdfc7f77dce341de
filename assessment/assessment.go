// Package assessment runs an assessment: it loads a firm's evidence bundle,
// runs every check of the Protocol against it, decides under the insurer's
// profile and plans the remediation of every gap. The result records the
// digests of every input, so that anyone holding the same evidence, catalog,
// profile and feeds gets byte-identical output. The result's JSON form is
// described in docs/assessment-result.md.
package assessment

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/checks"
	"github.com/insurable/insurable/decision"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/profile"
	"github.com/insurable/insurable/protocol"
	"github.com/insurable/insurable/remediation"
)

// Format identifies the JSON form of a Result.
const Format = "insurable.assessment/v1"

// Options say what to assess and how.
type Options struct {
	// Dir is the evidence bundle to assess.
	Dir string
	// Catalog defaults to the embedded catalog.
	Catalog *protocol.Catalog
	// Profile is the insurer's underwriting profile (required).
	Profile *profile.Profile
	// AsOf is the date that counts as today. When zero, the bundle's
	// snapshot date is used, and failing that Today.
	AsOf evidence.Date
	// Today is the fallback when neither AsOf nor a snapshot date is given.
	Today evidence.Date
	// Verifiers are the verifiers of machine evidence this build has.
	Verifiers check.Verifiers
	// Feeds records the feed snapshots the verifiers use.
	Feeds []check.FeedDigest
	// Checks defaults to checks.All().
	Checks []check.Check
	// Tool names the program and version, for the record.
	Tool Tool
	// Limits bound the bundle; zero means evidence.DefaultLimits.
	Limits evidence.Limits
	// OnCheck, when set, is called before each check runs.
	OnCheck func(done, total int, name string)
	// Log receives warnings; nil discards them.
	Log *slog.Logger
}

// Tool names the program that made an assessment.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Result is a complete assessment.
type Result struct {
	Format   string            `json:"format"`
	Tool     Tool              `json:"tool"`
	AsOf     evidence.Date     `json:"as_of"`
	Firm     Firm              `json:"firm"`
	Inputs   Inputs            `json:"inputs"`
	Decision decision.Decision `json:"decision"`
	Summary  Summary           `json:"summary"`
	Verdicts []Verdict         `json:"verdicts"`
	Facts    map[string]any    `json:"facts"`
	Plan     remediation.Plan  `json:"plan"`
	Checks   []CheckInfo       `json:"checks"`
	// Notes are observations about the evidence that are not findings
	// (columns of an export that were not used, for instance).
	Notes []string `json:"notes"`
}

// Firm summarises who was assessed.
type Firm struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	NAICS    string `json:"naics"`
	Industry string `json:"industry,omitempty"`
	Sites    int    `json:"sites"`
	Assets   int    `json:"assets"`
}

// Inputs identify exactly what the assessment was made from.
type Inputs struct {
	Bundle  Digest             `json:"bundle"`
	Catalog Digest             `json:"catalog"`
	Profile Digest             `json:"profile"`
	Feeds   []check.FeedDigest `json:"feeds"`
	// Standards are the standards the profile applies to this firm's
	// industry; verdicts list their mappings to these.
	Standards []protocol.StandardID `json:"standards"`
}

// Digest names an input, its version and its content digest.
type Digest struct {
	ID      string `json:"id,omitempty"`
	Version string `json:"version,omitempty"`
	Digest  string `json:"digest"`
	Files   int    `json:"files,omitempty"`
}

// Verdict is the outcome for one catalog item.
type Verdict struct {
	ID           protocol.ID        `json:"id"`
	Kind         protocol.Kind      `json:"kind"`
	Section      string             `json:"section"`
	Title        string             `json:"title"`
	Verification protocol.Method    `json:"verification"`
	Area         protocol.ID        `json:"area,omitempty"`
	Mandatory    bool               `json:"mandatory"`
	Weight       float64            `json:"weight"`
	Status       check.Status       `json:"status"`
	Severity     check.Severity     `json:"severity"`
	Headline     string             `json:"headline"`
	Check        CheckInfo          `json:"check"`
	Findings     []check.Finding    `json:"findings"`
	Mappings     []protocol.Mapping `json:"mappings"`
}

// CheckInfo names a check and its version.
type CheckInfo struct {
	Name    string      `json:"name"`
	Version int         `json:"version"`
	Item    protocol.ID `json:"item"`
}

// Summary counts verdicts.
type Summary struct {
	Items      int                             `json:"items"`
	ByStatus   map[check.Status]int            `json:"by_status"`
	BySection  map[string]map[check.Status]int `json:"by_section"`
	Findings   int                             `json:"findings"`
	PlanItems  int                             `json:"plan_items"`
	Unverified int                             `json:"unverified"`
}

// Run assesses the bundle in opts.Dir.
func Run(ctx context.Context, opts Options) (*Result, error) {
	const op insurable.Op = "assessment.Run"
	if opts.Profile == nil {
		return nil, insurable.Errorf(op, insurable.Invalid, "no underwriting profile")
	}
	if opts.Catalog == nil {
		opts.Catalog = protocol.Default()
	}
	if opts.Checks == nil {
		opts.Checks = checks.All()
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	b, err := evidence.Load(opts.Dir, evidence.Options{Limits: opts.Limits})
	opts.Log.Debug("bundle loaded", "dir", opts.Dir, "files", fileCount(b), "took", time.Since(start))
	if err != nil {
		return nil, err
	}
	defer b.Close()
	if opts.AsOf.IsZero() {
		opts.AsOf = b.Manifest.SnapshotDate
	}
	if opts.AsOf.IsZero() {
		opts.AsOf = opts.Today
	}
	return Evaluate(ctx, b, opts)
}

// coverage makes sure there is exactly one check per catalog item.
func coverage(cat *protocol.Catalog, cs []check.Check) error {
	seen := map[protocol.ID]string{}
	for _, c := range cs {
		if _, ok := cat.Item(c.Item()); !ok {
			return fmt.Errorf("check %s verifies %s, which is not in catalog %s %s", c.Name(), c.Item(), cat.ID, cat.Version)
		}
		if other, dup := seen[c.Item()]; dup {
			return fmt.Errorf("checks %s and %s both verify %s", other, c.Name(), c.Item())
		}
		seen[c.Item()] = c.Name()
	}
	for _, id := range cat.IDs() {
		if _, ok := seen[id]; !ok {
			return fmt.Errorf("no check verifies %s", id)
		}
	}
	return nil
}

// Evaluate assesses a bundle that is already loaded.
func Evaluate(ctx context.Context, b *evidence.Bundle, opts Options) (*Result, error) {
	if opts.Catalog == nil {
		opts.Catalog = protocol.Default()
	}
	if opts.Checks == nil {
		opts.Checks = checks.All()
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.AsOf.IsZero() {
		return nil, insurable.Errorf("assessment.Evaluate", insurable.Invalid, "no as-of date")
	}
	if err := coverage(opts.Catalog, opts.Checks); err != nil {
		return nil, insurable.Wrap("assessment.Evaluate", insurable.Internal, err)
	}
	cat, prof := opts.Catalog, opts.Profile
	env := &check.Env{Bundle: b, AsOf: opts.AsOf, Settings: prof.Settings(), Verifiers: opts.Verifiers}
	industry, standards := prof.StandardsFor(b.Firm.NAICS)
	applicable := map[protocol.StandardID]bool{}
	for _, s := range standards {
		applicable[s] = true
	}

	res := &Result{
		Format: Format,
		Tool:   opts.Tool,
		AsOf:   opts.AsOf,
		Firm: Firm{ID: b.Firm.ID, Name: b.Firm.Name, NAICS: b.Firm.NAICS, Industry: industry,
			Sites: len(b.Firm.Sites), Assets: len(b.Assets)},
		Inputs: Inputs{
			Bundle:    Digest{Digest: b.Digest, Files: b.FileCount},
			Catalog:   Digest{ID: cat.ID, Version: cat.Version, Digest: cat.Digest()},
			Profile:   Digest{ID: prof.ID, Version: prof.Version, Digest: prof.Digest()},
			Feeds:     append([]check.FeedDigest{}, opts.Feeds...),
			Standards: append([]protocol.StandardID{}, standards...),
		},
		Facts: map[string]any{},
		Notes: append([]string{}, b.Notes...),
	}
	factOwner := map[string]string{}
	var all []check.Finding
	for i, c := range opts.Checks {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if opts.OnCheck != nil {
			opts.OnCheck(i, len(opts.Checks), c.Name())
		}
		item, _ := cat.Item(c.Item())
		rep := check.NewReport(c)
		start := time.Now()
		err := c.Run(ctx, env, rep)
		opts.Log.Debug("check ran", "check", c.Name(), "took", time.Since(start))
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return nil, err
			}
			opts.Log.Warn("check could not run", "check", c.Name(), "err", err)
			rep.Add(check.Finding{
				Code: strings.ToLower(string(c.Item())) + ".check-error", Status: check.NeedsReview, Severity: check.High,
				Title:       "Check could not run",
				Explanation: "The check stopped with an error, so this requirement is not verified: " + err.Error(),
				Remediation: "Correct the evidence the error names and assess again.",
			})
		}
		findings := rep.Findings()
		if len(findings) == 0 {
			rep.Add(check.Finding{
				Code: strings.ToLower(string(c.Item())) + ".no-findings", Status: check.NeedsReview, Severity: check.Medium,
				Title:       "Check reported nothing",
				Explanation: "The check produced no finding, so nothing supports a verdict.",
			})
			findings = rep.Findings()
		}
		for k, v := range rep.Facts() {
			if owner, dup := factOwner[k]; dup {
				return nil, insurable.Errorf("assessment.Evaluate", insurable.Internal, "checks %s and %s both set fact %s", owner, c.Name(), k)
			}
			factOwner[k] = c.Name()
			res.Facts[k] = v
		}
		status := check.Aggregate(findings)
		env.SetPrior(string(c.Item()), status)
		var maps []protocol.Mapping
		for _, m := range item.Mappings {
			if applicable[m.Standard] {
				maps = append(maps, m)
			}
		}
		if maps == nil {
			maps = []protocol.Mapping{}
		}
		info := CheckInfo{Name: c.Name(), Version: c.Version(), Item: c.Item()}
		res.Checks = append(res.Checks, info)
		res.Verdicts = append(res.Verdicts, Verdict{
			ID: item.ID, Kind: item.Kind, Section: item.Section, Title: item.Title, Verification: item.Verification,
			Area: item.Area, Mandatory: prof.IsMandatory(item.ID), Weight: prof.Weight(item.ID),
			Status: status, Severity: check.MaxSeverity(findings), Headline: headline(status, findings),
			Check: info, Findings: findings, Mappings: maps,
		})
		all = append(all, findings...)
	}
	// Verdicts are listed in catalog order whatever order the checks ran in.
	order := map[protocol.ID]int{}
	for i, id := range cat.IDs() {
		order[id] = i
	}
	sort.SliceStable(res.Verdicts, func(i, j int) bool { return order[res.Verdicts[i].ID] < order[res.Verdicts[j].ID] })

	dv := make([]decision.Verdict, len(res.Verdicts))
	for i, v := range res.Verdicts {
		dv[i] = decision.Verdict{ID: v.ID, Title: v.Title, Status: v.Status, Severity: v.Severity, Headline: v.Headline}
	}
	res.Decision = decision.Decide(decision.Input{
		Profile: prof, Verdicts: dv, Facts: res.Facts, AsOf: opts.AsOf,
		Firm: map[string]any{"naics": b.Firm.NAICS, "assets": len(b.Assets), "sites": len(b.Firm.Sites), "id": b.Firm.ID},
	})
	res.Plan = remediation.Build(remediation.Input{
		Catalog: cat, Profile: prof, Findings: all, RAM: b.RAM, Officers: b.Governance.Officers,
		Tracked: b.Remediation, AsOf: opts.AsOf,
	})
	res.Summary = summarize(res, all)
	return res, nil
}

// headline phrases the most serious non-passing findings, or the passing
// ones, for the decision's explanation.
func headline(status check.Status, fs []check.Finding) string {
	var pick []check.Finding
	for _, f := range fs {
		if (status == check.Pass && f.Status == check.Pass) || (status != check.Pass && f.Status == status) {
			pick = append(pick, f)
		}
	}
	sort.SliceStable(pick, func(i, j int) bool { return pick[i].Severity.Rank() > pick[j].Severity.Rank() })
	titles := make([]string, 0, 3)
	for i, f := range pick {
		if i == 3 {
			titles = append(titles, fmt.Sprintf("%d more", len(pick)-3))
			break
		}
		titles = append(titles, f.Title)
	}
	return strings.Join(titles, "; ")
}

func summarize(res *Result, all []check.Finding) Summary {
	s := Summary{Items: len(res.Verdicts), ByStatus: map[check.Status]int{}, BySection: map[string]map[check.Status]int{},
		Findings: len(all), PlanItems: len(res.Plan.Items)}
	for _, v := range res.Verdicts {
		s.ByStatus[v.Status]++
		sec := string(v.ID[:1])
		if s.BySection[sec] == nil {
			s.BySection[sec] = map[check.Status]int{}
		}
		s.BySection[sec][v.Status]++
	}
	for _, f := range all {
		if f.Unverified != "" {
			s.Unverified++
		}
	}
	return s
}

func fileCount(b *evidence.Bundle) int {
	if b == nil {
		return 0
	}
	return b.FileCount
}
