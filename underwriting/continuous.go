package underwriting

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/advisory"
	"github.com/insurable/insurable/assessment"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/feeds"
	"github.com/insurable/insurable/kev"
	"github.com/insurable/insurable/policy"
	"github.com/insurable/insurable/profile"
	"github.com/insurable/insurable/vulnmatch"
)

// Job kinds.
const (
	JobImpact = "impact" // re-evaluate the firms a feed import affects
	JobSweep  = "sweep"  // re-evaluate every policy in force: expiry, overdue items, grace, lapse
)

// ImportResult says what a feed import did.
type ImportResult struct {
	Imported []string `json:"imported"`
	// Unchanged lists advisories the service held already.
	Unchanged []string `json:"unchanged"`
	// Job is the background job that re-evaluates the affected firms.
	Job int64 `json:"job,omitempty"`
}

// ImportAdvisories adds CSAF advisories to the service's feeds (the
// consortium's members) and queues the re-evaluation of the firms they
// affect. Each document is validated against the CSAF schema first.
func (s *Service) ImportAdvisories(ctx context.Context, p *access.Principal, docs [][]byte) (*ImportResult, error) {
	const op insurable.Op = "underwriting.ImportAdvisories"
	if err := authorize(op, p, access.FeedsImport, access.Any, "", ""); err != nil {
		return nil, err
	}
	var recs []*Advisory
	for i, d := range docs {
		name := fmt.Sprintf("advisory %d", i+1)
		if err := advisory.Validate(name, d); err != nil {
			return nil, insurable.Wrap(op, insurable.Invalid, err)
		}
		a, err := advisory.Parse(name, d)
		if err != nil {
			return nil, insurable.Wrap(op, insurable.Invalid, err)
		}
		recs = append(recs, &Advisory{ID: a.ID, Digest: sum(d), Title: a.Title, Doc: d, Imported: s.now()})
	}
	return s.importRecords(ctx, recs)
}

// ImportKEV replaces the service's CISA KEV catalogue and queues the
// re-evaluation of the firms whose vulnerabilities it newly lists.
func (s *Service) ImportKEV(ctx context.Context, p *access.Principal, doc []byte) (*ImportResult, error) {
	const op insurable.Op = "underwriting.ImportKEV"
	if err := authorize(op, p, access.FeedsImport, access.Any, "", ""); err != nil {
		return nil, err
	}
	c, err := kev.Parse("kev.json", doc)
	if err != nil {
		return nil, insurable.Wrap(op, insurable.Invalid, err)
	}
	// Only the entries that are new or changed can change a decision.
	fs, err := s.currentFeeds(ctx)
	if err != nil {
		return nil, err
	}
	var changed []string
	for _, e := range c.Entries {
		if fs.match.KEV != nil {
			if old, ok := fs.match.KEV.Lookup(e.CVE); ok && old.DueDate == e.DueDate && old.Ransomware == e.Ransomware {
				continue
			}
		}
		changed = append(changed, e.CVE)
	}
	rec := &Advisory{ID: kevRecordID, Digest: sum(doc), Title: "CISA KEV " + c.Version, Doc: doc, Imported: s.now()}
	return s.importRecords(ctx, []*Advisory{rec}, changed...)
}

// ImportFeeds is the import without a caller, for `insurable feeds
// update` picked up by a running service.
func (s *Service) ImportFeeds(ctx context.Context, recs []*Advisory) (*ImportResult, error) {
	return s.importRecords(ctx, recs)
}

func sum(d []byte) string {
	h := sha256.Sum256(d)
	return "sha256:" + hex.EncodeToString(h[:])
}

type impactPayload struct {
	Advisories []string `json:"advisories"`
	// CVEs newly on the KEV list, or whose due date changed.
	CVEs       []string `json:"cves,omitempty"`
	Generation int64    `json:"generation"`
}

// importRecords stores the records, bumps the feed generation and queues
// one impact job, in one transaction.
func (s *Service) importRecords(ctx context.Context, recs []*Advisory, kevCVEs ...string) (*ImportResult, error) {
	res := &ImportResult{Imported: []string{}, Unchanged: []string{}}
	err := s.tx(ctx, func(tx Tx) error {
		var pl impactPayload
		for _, r := range recs {
			created, err := tx.CreateAdvisory(ctx, r)
			if err != nil {
				return err
			}
			if !created {
				res.Unchanged = append(res.Unchanged, r.ID)
				continue
			}
			res.Imported = append(res.Imported, r.ID)
			if r.ID == kevRecordID {
				pl.CVEs = kevCVEs
			} else {
				pl.Advisories = append(pl.Advisories, r.ID)
			}
		}
		if len(res.Imported) == 0 {
			return nil
		}
		if pl.CVEs == nil && len(pl.Advisories) == 0 {
			pl.CVEs = []string{}
		}
		gen, err := tx.BumpFeedGeneration(ctx)
		if err != nil {
			return err
		}
		pl.Generation = gen
		data, _ := json.Marshal(pl)
		res.Job, _, err = tx.EnqueueJob(ctx, JobImpact, fmt.Sprintf("impact:%d", gen), string(data), s.now())
		return err
	})
	if err != nil {
		return nil, err
	}
	s.observe("advisories_imported", len(res.Imported))
	return res, nil
}

// indexFleet records a firm's latest assets in the in-memory index.
func (s *Service) indexFleet(firm, version string, assets []vulnmatch.Asset) {
	s.fleetMu.Lock()
	defer s.fleetMu.Unlock()
	if s.fleetOf[firm] == version {
		return
	}
	s.fleet.Add(firm, assets)
	s.fleetOf[firm] = version
}

// syncFleet brings this replica's index of the portfolio's assets up to
// date with the latest evidence of every firm holding a policy.
func (s *Service) syncFleet(ctx context.Context) error {
	var pols []*Policy
	if err := s.view(ctx, func(tx Tx) error {
		var err error
		pols, err = s.monitored(ctx, tx)
		return err
	}); err != nil {
		return err
	}
	firms := map[string]bool{}
	for _, p := range pols {
		firms[p.Firm] = true
	}
	for firm := range firms {
		var ev *EvidenceVersion
		if err := s.view(ctx, func(tx Tx) error {
			var err error
			ev, err = tx.LatestEvidence(ctx, firm)
			return err
		}); err != nil {
			if insurable.ErrorKind(err) == insurable.NotExist {
				continue
			}
			return err
		}
		s.fleetMu.Lock()
		known := s.fleetOf[firm] == ev.ID
		s.fleetMu.Unlock()
		if known {
			continue
		}
		b, release, err := s.bundles.acquire(ctx, ev)
		if err != nil {
			s.log.Warn("indexing firm", "firm", firm, "err", err)
			continue
		}
		s.indexFleet(firm, ev.ID, fleetAssets(b))
		release()
	}
	return nil
}

// monitored lists the policies continuous underwriting watches: in force
// or suspended.
func (s *Service) monitored(ctx context.Context, tx Tx) ([]*Policy, error) {
	var out []*Policy
	after := ""
	for {
		batch, err := tx.Policies(ctx, PolicyFilter{States: []policy.State{policy.Issued, policy.Renewal, policy.Suspended}, Page: Page{After: after, Limit: 500}})
		if err != nil {
			return nil, err
		}
		out = append(out, batch...)
		if len(batch) < 500 {
			return out, nil
		}
		after = batch[len(batch)-1].ID
	}
}

// ImpactReport says what continuous underwriting did about a feed change.
type ImpactReport struct {
	Advisories  int            `json:"advisories"`
	Assets      int            `json:"assets"`
	Firms       []string       `json:"firms"`
	Reevaluated int            `json:"reevaluated"`
	Steps       map[string]int `json:"steps"`
	Elapsed     time.Duration  `json:"elapsed_ns"`
}

// Impact finds the firms the named advisories, and the advisories citing
// the named CVEs (newly on the KEV list), affect across the portfolio, and
// re-evaluates the policies of those firms only.
func (s *Service) Impact(ctx context.Context, ids []string, kevCVEs []string) (*ImpactReport, error) {
	start := time.Now()
	fs, err := s.currentFeeds(ctx)
	if err != nil {
		return nil, err
	}
	tFeeds := time.Since(start)
	if err := s.syncFleet(ctx); err != nil {
		return nil, err
	}
	tSync := time.Since(start)
	var advs []*advisory.Advisory
	for _, id := range ids {
		if a := fs.advs[id]; a != nil {
			advs = append(advs, a)
		} else if fs.snapshot != nil {
			for _, b := range fs.snapshot.Advisories {
				if b.ID == id {
					advs = append(advs, b)
					break
				}
			}
		}
	}
	if len(kevCVEs) > 0 && fs.snapshot != nil {
		// Every advisory citing one of the CVEs may now match as KEV.
		cves := map[string]bool{}
		for _, c := range kevCVEs {
			cves[c] = true
		}
		for _, a := range fs.snapshot.Advisories {
			for _, v := range a.Vulns {
				if cves[v.CVE] {
					advs = append(advs, a)
					break
				}
			}
		}
	}
	rep := &ImpactReport{Advisories: len(advs), Firms: []string{}, Steps: map[string]int{}}
	firms := map[string]bool{}
	for _, a := range advs {
		ims := s.fleet.Impact(a, fs.match)
		rep.Assets += vulnmatch.AffectedAssets(ims)
		for _, im := range ims {
			for _, r := range im.Assets {
				firms[r.Inventory] = true
			}
		}
	}
	for f := range firms {
		rep.Firms = append(rep.Firms, f)
	}
	sort.Strings(rep.Firms)
	tImpact := time.Since(start)
	if err := s.reevaluateFirms(ctx, rep.Firms, rep, "exposure"); err != nil {
		return rep, err
	}
	rep.Elapsed = time.Since(start)
	s.log.Debug("impact phases", "feeds", tFeeds, "fleet", tSync-tFeeds, "impact", tImpact-tSync, "reevaluation", rep.Elapsed-tImpact)
	s.observe("impact_firms", len(rep.Firms))
	return rep, nil
}

// reevaluateFirms re-evaluates the monitored policies of the firms, in
// parallel.
func (s *Service) reevaluateFirms(ctx context.Context, firms []string, rep *ImpactReport, why string) error {
	want := map[string]bool{}
	for _, f := range firms {
		want[f] = true
	}
	var pols []*Policy
	if err := s.view(ctx, func(tx Tx) error {
		all, err := s.monitored(ctx, tx)
		for _, p := range all {
			if firms == nil || want[p.Firm] {
				pols = append(pols, p)
			}
		}
		return err
	}); err != nil {
		return err
	}
	return s.reevaluate(ctx, pols, rep, why)
}

func (s *Service) reevaluate(ctx context.Context, pols []*Policy, rep *ImpactReport, why string) error {
	var mu sync.Mutex
	var errs []error
	work := make(chan *Policy)
	var wg sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range work {
				step, err := s.Monitor(ctx, p.ID, why)
				mu.Lock()
				if err != nil {
					errs = append(errs, fmt.Errorf("policy %s: %w", p.ID, err))
				} else {
					rep.Reevaluated++
					rep.Steps[step]++
				}
				mu.Unlock()
			}
		}()
	}
	for _, p := range pols {
		if ctx.Err() != nil {
			break
		}
		work <- p
	}
	close(work)
	wg.Wait()
	if len(errs) > 0 {
		for _, e := range errs[:min(3, len(errs))] {
			s.log.Warn("re-evaluation failed", "err", e)
		}
		return insurable.Errorf("underwriting.reevaluate", insurable.Internal, "%d of %d re-evaluations failed; first: %v", len(errs), len(pols), errs[0])
	}
	return ctx.Err()
}

// Monitor re-evaluates one policy as of today with the current feeds and
// the firm's latest evidence, records the monitoring assessment, and
// applies what compliance demands (grace period, suspension, lapse). It
// returns the step taken.
func (s *Service) Monitor(ctx context.Context, policyID, why string) (string, error) {
	var pol *Policy
	var ev *EvidenceVersion
	var prof *Profile
	err := s.view(ctx, func(tx Tx) error {
		var err error
		if pol, err = tx.Policy(ctx, policyID); err != nil {
			return err
		}
		if ev, err = tx.LatestEvidence(ctx, pol.Firm); err != nil {
			return err
		}
		prof, err = tx.Profile(ctx, pol.Profile)
		return err
	})
	if err != nil {
		return "", err
	}
	if !pol.State.InForce() && pol.State != policy.Suspended {
		return policy.Nothing.String(), nil
	}
	a, _, err := s.runAssessment(ctx, pol, ev, prof, s.today(), KindMonitoring, "system:monitor")
	if err != nil {
		return "", err
	}
	var step string
	err = s.view(ctx, func(tx Tx) error {
		ts, err := tx.Transitions(ctx, policyID, Page{Limit: 1, After: "last"})
		if err == nil && len(ts) > 0 && ts[0].Assessment != a.ID {
			step = string(ts[0].Event)
		} else {
			step = policy.Nothing.String()
		}
		return err
	})
	return step, err
}

// applyCompliance applies monitoring's verdict to pol within tx: the
// firm is in compliance when the decision does not decline it and no
// critical or high remediation item is overdue.
func (s *Service) applyCompliance(ctx context.Context, tx Tx, pol *Policy, res *assessment.Result, pr *profile.Profile) error {
	today := s.today()
	items, err := tx.Remediation(ctx, pol.ID)
	if err != nil {
		return err
	}
	var overdue []string
	var needed []string
	for _, it := range items {
		if it.Status == StatusResolved {
			continue
		}
		if len(needed) < 10 {
			needed = append(needed, fmt.Sprintf("%s %s: %s (owner %s, due %s)", it.ID, it.Requirement, it.Title, orNone(it.Owner), it.Due))
		}
		if it.Due.Before(today) && it.Status != StatusDone && (it.Severity == string(check.Critical) || it.Severity == string(check.High)) {
			overdue = append(overdue, it.ID)
		}
	}
	compliant := res.Decision.Outcome != "declined" && len(overdue) == 0
	var why []string
	for _, r := range res.Decision.Reasons {
		if r.Effect == "decline" {
			why = append(why, r.Text)
		}
	}
	if len(overdue) > 0 {
		why = append(why, fmt.Sprintf("%d critical or high remediation items are overdue: %s", len(overdue), strings.Join(overdue[:min(5, len(overdue))], ", ")))
	}
	step, next := policy.Monitor(pol.Policy, compliant, today, pr.GracePeriod)
	switch step {
	case policy.StartGrace:
		pol.Policy = next
		if err := tx.UpdatePolicy(ctx, pol); err != nil {
			return err
		}
		if err := s.alert(ctx, tx, pol, "out-of-compliance", fmt.Sprintf("The firm is out of compliance; the policy will be suspended after %s unless a new assessment passes.", next.Grace), append(why, needed...)); err != nil {
			return err
		}
		return s.recordStep(ctx, tx, pol, "grace-start", "out of compliance: "+strings.Join(why, " "))
	case policy.EndGrace:
		pol.Policy = next
		if err := tx.UpdatePolicy(ctx, pol); err != nil {
			return err
		}
		if err := s.alert(ctx, tx, pol, "back-in-compliance", "The firm is back in compliance; the grace period ends.", nil); err != nil {
			return err
		}
		return s.recordStep(ctx, tx, pol, "grace-end", "back in compliance")
	case policy.SuspendNow:
		reason := fmt.Sprintf("Out of compliance since %s and not remediated by the end of the grace period (%s): %s", pol.OutSince, pol.Grace, strings.Join(why, " "))
		if err := s.transition(ctx, tx, pol, policy.Input{Event: policy.Suspend, Today: today, Reason: reason}, "system:monitor", reason, ""); err != nil {
			return err
		}
		return s.alert(ctx, tx, pol, "suspended", "The policy is suspended. "+reason+" Reinstatement needs a new assessment that passes.", needed)
	case policy.LapseNow:
		if err := s.transition(ctx, tx, pol, policy.Input{Event: policy.Lapse, Today: today}, "system:monitor", "the term ended on "+pol.Expires.String()+" without renewal", ""); err != nil {
			return err
		}
		return s.alert(ctx, tx, pol, "lapsed", "The policy lapsed: its term ended on "+pol.Expires.String()+".", nil)
	}
	return tx.UpdatePolicy(ctx, pol)
}

// recordStep records a monitoring step that changes no state.
func (s *Service) recordStep(ctx context.Context, tx Tx, pol *Policy, event, reason string) error {
	seq, err := nextSeq(ctx, tx, pol.ID)
	if err != nil {
		return err
	}
	return s.addTransition(ctx, tx, pol, &Transition{ID: s.newID("trn"), Policy: pol.ID, Seq: seq, Event: policy.Event(event), From: pol.State, To: pol.State, Actor: "system:monitor", Reason: reason, At: s.now()})
}

func orNone(s string) string {
	if s == "" {
		return "unassigned"
	}
	return s
}

// Sweep re-evaluates every monitored policy not yet evaluated today:
// evidence that expired (an old board review, a stale pen test),
// remediation items now overdue, grace periods that ended and terms that
// ran out all show up here.
func (s *Service) Sweep(ctx context.Context) (*ImpactReport, error) {
	start := time.Now()
	rep := &ImpactReport{Firms: []string{}, Steps: map[string]int{}}
	var pols []*Policy
	today := s.today()
	if err := s.view(ctx, func(tx Tx) error {
		all, err := s.monitored(ctx, tx)
		for _, p := range all {
			if p.Monitored.Before(today) {
				pols = append(pols, p)
			}
		}
		return err
	}); err != nil {
		return nil, err
	}
	err := s.reevaluate(ctx, pols, rep, "sweep")
	rep.Elapsed = time.Since(start)
	return rep, err
}

// RequestSweep queues a sweep now (the consortium's admins).
func (s *Service) RequestSweep(ctx context.Context, p *access.Principal) (*Job, error) {
	const op insurable.Op = "underwriting.RequestSweep"
	if err := authorize(op, p, access.MonitorRun, access.Any, "", ""); err != nil {
		return nil, err
	}
	var j *Job
	err := s.tx(ctx, func(tx Tx) error {
		id, _, err := tx.EnqueueJob(ctx, JobSweep, s.newID("sweep"), "{}", s.now())
		if err != nil {
			return err
		}
		j, err = tx.Job(ctx, id)
		return err
	})
	return j, err
}

// GetJob returns a background job (the consortium's members, who queue
// them).
func (s *Service) GetJob(ctx context.Context, p *access.Principal, id int64) (*Job, error) {
	const op insurable.Op = "underwriting.GetJob"
	if err := authorize(op, p, access.FeedsImport, access.Any, "job", fmt.Sprint(id)); err != nil {
		return nil, err
	}
	var j *Job
	err := s.view(ctx, func(tx Tx) error {
		var err error
		j, err = tx.Job(ctx, id)
		return notFoundAs(op, err, "job", fmt.Sprint(id))
	})
	return j, err
}

// FeedsInfo describes the feeds the service assesses with.
type FeedsInfo struct {
	Generation int64              `json:"generation"`
	Digest     string             `json:"digest"`
	Feeds      []check.FeedDigest `json:"feeds"`
	Imported   []*Advisory        `json:"imported"`
}

// Feeds returns the service's current feeds.
func (s *Service) Feeds(ctx context.Context, p *access.Principal) (*FeedsInfo, error) {
	if err := authorize("underwriting.Feeds", p, access.FeedsRead, access.Any, "", ""); err != nil {
		return nil, err
	}
	fs, err := s.currentFeeds(ctx)
	if err != nil {
		return nil, err
	}
	info := &FeedsInfo{Generation: fs.gen, Digest: fs.digest, Feeds: slices.Clone(fs.digests), Imported: []*Advisory{}}
	err = s.view(ctx, func(tx Tx) error {
		var err error
		info.Imported, err = tx.Advisories(ctx)
		return err
	})
	return info, err
}

// RunJobs claims and runs background jobs until ctx ends, and queues the
// daily sweep. Any number of replicas may run it on one database: a job is
// leased to one replica at a time, and a lease that runs out (the replica
// died) lets another take it over.
func (s *Service) RunJobs(ctx context.Context, poll time.Duration) {
	if poll <= 0 {
		poll = time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if _, err := s.enqueueDailySweep(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("queueing the sweep", "err", err)
		}
		for ctx.Err() == nil {
			ran, err := s.RunOneJob(ctx)
			if err != nil && ctx.Err() == nil {
				s.log.Warn("job", "err", err)
			}
			if !ran {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Service) enqueueDailySweep(ctx context.Context) (bool, error) {
	var added bool
	err := s.tx(ctx, func(tx Tx) error {
		var err error
		_, added, err = tx.EnqueueJob(ctx, JobSweep, "sweep:"+s.today().String(), "{}", s.now())
		return err
	})
	return added, err
}

// DefaultJobLease is how long a claimed job stays with its replica.
const DefaultJobLease = 2 * time.Minute

// RunOneJob claims one job and runs it; it reports whether there was one.
func (s *Service) RunOneJob(ctx context.Context) (bool, error) {
	var j *Job
	err := s.tx(ctx, func(tx Tx) error {
		var err error
		j, err = tx.ClaimJob(ctx, s.cfg.Replica, s.now(), s.now().Add(s.cfg.JobLease))
		return err
	})
	if err != nil || j == nil {
		return false, err
	}
	var runErr error
	switch j.Kind {
	case JobImpact:
		var pl impactPayload
		if err := json.Unmarshal([]byte(j.Payload), &pl); err != nil {
			runErr = err
			break
		}
		var rep *ImpactReport
		rep, runErr = s.Impact(ctx, pl.Advisories, pl.CVEs)
		if rep != nil {
			s.log.Info("impact", "advisories", rep.Advisories, "assets", rep.Assets, "firms", len(rep.Firms), "reevaluated", rep.Reevaluated, "steps", rep.Steps, "elapsed", rep.Elapsed)
		}
	case JobSweep:
		var rep *ImpactReport
		rep, runErr = s.Sweep(ctx)
		if rep != nil {
			s.log.Info("sweep", "reevaluated", rep.Reevaluated, "steps", rep.Steps, "elapsed", rep.Elapsed)
		}
	default:
		runErr = fmt.Errorf("unknown job kind %q", j.Kind)
	}
	if ctx.Err() != nil {
		// Shutting down: leave the lease to run out so that a replica
		// takes the job over.
		return true, ctx.Err()
	}
	state, msg := JobDone, ""
	if runErr != nil {
		state, msg = JobFailed, runErr.Error()
		if j.Attempts < 3 {
			state = JobPending
		}
	}
	err = s.tx(context.WithoutCancel(ctx), func(tx Tx) error { return tx.FinishJob(ctx, j.ID, s.cfg.Replica, state, msg) })
	s.observe("job_"+j.Kind+"_"+state, 1)
	return true, err
}

// ReplaceBaseFeeds swaps the snapshot the service's feeds start from (a
// newer one written by `insurable feeds update`), with the vulnerability
// assessor built on it, and queues the re-evaluation of the firms its new
// or revised advisories affect. Replicas watching the same snapshot queue
// the same job only once.
func (s *Service) ReplaceBaseFeeds(ctx context.Context, snap *feeds.Snapshot, va check.VulnerabilityAssessor) (*ImportResult, error) {
	s.feedMu.Lock()
	old := s.cfg.Engine.Snapshot
	e := *s.cfg.Engine
	e.Snapshot, e.Verifiers.Vulnerabilities, e.Feeds = snap, va, snap.Manifest.Digests()
	s.cfg.Engine = &e
	s.feeds = nil
	s.feedMu.Unlock()
	before := map[string]string{}
	if old != nil {
		for _, a := range old.Advisories {
			before[a.ID] = a.Updated
		}
	}
	var pl impactPayload
	for _, a := range snap.Advisories {
		if u, ok := before[a.ID]; !ok || u != a.Updated {
			pl.Advisories = append(pl.Advisories, a.ID)
		}
	}
	if snap.KEV != nil {
		for _, e := range snap.KEV.Entries {
			if old != nil && old.KEV != nil {
				if o, ok := old.KEV.Lookup(e.CVE); ok && o.DueDate == e.DueDate {
					continue
				}
			}
			pl.CVEs = append(pl.CVEs, e.CVE)
		}
	}
	res := &ImportResult{Imported: pl.Advisories, Unchanged: []string{}}
	if len(pl.Advisories) == 0 && len(pl.CVEs) == 0 {
		return res, nil
	}
	data, _ := json.Marshal(pl)
	err := s.tx(ctx, func(tx Tx) error {
		var err error
		res.Job, _, err = tx.EnqueueJob(ctx, JobImpact, "base:"+digestOf(snap.Manifest.Digests()), string(data), s.now())
		return err
	})
	return res, err
}
