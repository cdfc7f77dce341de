package underwriting

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/assessment"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/policy"
	"github.com/insurable/insurable/profile"
	"github.com/insurable/insurable/remediation"
)

// NewProfile is what CreateProfile needs: a built-in profile's name, or
// the YAML of the insurer's own.
type NewProfile struct {
	Builtin string `json:"builtin,omitempty"`
	YAML    string `json:"yaml,omitempty"`
}

// CreateProfile records an insurer's underwriting profile, checked
// against the catalog.
func (s *Service) CreateProfile(ctx context.Context, p *access.Principal, n NewProfile) (*Profile, error) {
	const op insurable.Op = "underwriting.CreateProfile"
	if err := authorize(op, p, access.ProfileWrite, access.Own, "", ""); err != nil {
		return nil, err
	}
	var data []byte
	name := n.Builtin
	switch {
	case n.Builtin != "" && n.YAML != "":
		return nil, insurable.Errorf(op, insurable.Invalid, "give either builtin or yaml, not both")
	case n.Builtin != "":
		if !slices.Contains(profile.Builtin(), n.Builtin) {
			return nil, insurable.Errorf(op, insurable.Invalid, "no built-in profile %q (built in: %s)", n.Builtin, strings.Join(profile.Builtin(), ", "))
		}
		pr, err := profile.Load(n.Builtin, s.engine().Catalog)
		if err != nil {
			return nil, err
		}
		data, err = builtinYAML(n.Builtin)
		if err != nil {
			return nil, err
		}
		_ = pr
	case n.YAML != "":
		if len(n.YAML) > 4<<20 {
			return nil, insurable.Errorf(op, insurable.TooLarge, "a profile is at most 4 MiB")
		}
		data = []byte(n.YAML)
	default:
		return nil, insurable.Errorf(op, insurable.Invalid, "give builtin (a built-in profile's name) or yaml")
	}
	pr, err := profile.Parse(profileFile(name, "profile"), data, s.engine().Catalog)
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = pr.ID
	}
	rec := &Profile{ID: s.newID("prf"), Insurer: p.Org, Name: name, Version: pr.Version, Digest: pr.Digest(), YAML: string(data), Created: s.now()}
	return rec, s.tx(ctx, func(tx Tx) error { return tx.CreateProfile(ctx, rec) })
}

// builtinYAML returns the text of a built-in profile, read the way
// profile.Load reads it, so that its digest is the one assess records.
func builtinYAML(name string) ([]byte, error) {
	return profile.BuiltinYAML(name)
}

// GetProfile returns a profile: to its insurer, and to firms that hold a
// policy under it.
func (s *Service) GetProfile(ctx context.Context, p *access.Principal, id string) (*Profile, error) {
	const op insurable.Op = "underwriting.GetProfile"
	var pr *Profile
	err := s.view(ctx, func(tx Tx) error {
		var err error
		if pr, err = tx.Profile(ctx, id); err != nil {
			return notFoundAs(op, err, "profile", id)
		}
		rel := ownIf(p != nil && p.Org == pr.Insurer)
		if p != nil && p.Kind == access.Firm {
			pols, err := tx.Policies(ctx, PolicyFilter{Firm: p.Org, Insurer: pr.Insurer, Page: Page{Limit: 500}})
			if err != nil {
				return err
			}
			for _, pol := range pols {
				if pol.Profile == id {
					rel |= access.PolicyInsurer
				}
			}
		}
		return authorize(op, p, access.ProfileRead, rel, "profile", id)
	})
	return pr, err
}

// ListProfiles lists the caller's own profiles (an insurer's).
func (s *Service) ListProfiles(ctx context.Context, p *access.Principal, pg Page) ([]*Profile, string, error) {
	const op insurable.Op = "underwriting.ListProfiles"
	if err := authorize(op, p, access.ProfileRead, access.Own, "", ""); err != nil {
		return nil, "", err
	}
	pg = clampPage(pg)
	var out []*Profile
	err := s.view(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Profiles(ctx, p.Org, pg)
		return err
	})
	return out, nextCursor(out, pg, func(x *Profile) string { return x.ID }), err
}

// NewApplication is a firm's application to an insurer.
type NewApplication struct {
	Insurer string `json:"insurer"`
	// Profile is one of the insurer's profiles; empty means its first.
	Profile string `json:"profile,omitempty"`
}

// Apply starts a firm's application to an insurer: a policy in state
// application. The firm must have granted the insurer access to its
// evidence.
func (s *Service) Apply(ctx context.Context, p *access.Principal, n NewApplication) (*Policy, error) {
	const op insurable.Op = "underwriting.Apply"
	if err := authorize(op, p, access.PolicyApply, access.Own, "", ""); err != nil {
		return nil, err
	}
	pol := &Policy{ID: s.newID("pol"), Firm: p.Org, Insurer: n.Insurer, Profile: n.Profile, Policy: policy.Policy{State: policy.Application}, Created: s.now(), Updated: s.now()}
	err := s.tx(ctx, func(tx Tx) error {
		o, err := tx.Org(ctx, n.Insurer)
		if err != nil || o.Kind != access.Insurer {
			return insurable.Errorf(op, insurable.Invalid, "no insurer %q", n.Insurer)
		}
		ok, err := s.granted(ctx, tx, p.Org, n.Insurer)
		if err != nil {
			return err
		}
		if !ok {
			return insurable.Errorf(op, insurable.Conflict, "grant the insurer access to your evidence first (PUT /api/firms/%s/grants/%s)", p.Org, n.Insurer)
		}
		if pol.Profile == "" {
			prs, err := tx.Profiles(ctx, n.Insurer, Page{Limit: 1})
			if err != nil {
				return err
			}
			if len(prs) == 0 {
				return insurable.Errorf(op, insurable.Conflict, "insurer %s has no underwriting profile yet", n.Insurer)
			}
			pol.Profile = prs[0].ID
		} else if pr, err := tx.Profile(ctx, pol.Profile); err != nil || pr.Insurer != n.Insurer {
			return insurable.Errorf(op, insurable.Invalid, "insurer %s has no profile %q", n.Insurer, pol.Profile)
		}
		if err := tx.CreatePolicy(ctx, pol); err != nil {
			return err
		}
		return s.addTransition(ctx, tx, pol, &Transition{ID: s.newID("trn"), Policy: pol.ID, Seq: 1, Event: "apply", From: "", To: policy.Application, Actor: p.User, Reason: "application to " + o.Name, At: s.now()})
	})
	return pol, err
}

// policyFor loads a policy and checks p may do a to it.
func (s *Service) policyFor(ctx context.Context, tx Tx, op insurable.Op, p *access.Principal, id string, a access.Action) (*Policy, error) {
	if p == nil {
		return nil, insurable.Errorf(op, insurable.Unauthorized, "authentication required")
	}
	pol, err := tx.Policy(ctx, id)
	if err != nil {
		return nil, notFoundAs(op, err, "policy", id)
	}
	var rel access.Relation
	if p.Org == pol.Firm {
		rel |= access.Own
	}
	if p.Org == pol.Insurer {
		rel |= access.PolicyInsurer
	}
	return pol, authorize(op, p, a, rel, "policy", id)
}

// GetPolicy returns a policy.
func (s *Service) GetPolicy(ctx context.Context, p *access.Principal, id string) (*Policy, error) {
	var pol *Policy
	err := s.view(ctx, func(tx Tx) error {
		var err error
		pol, err = s.policyFor(ctx, tx, "underwriting.GetPolicy", p, id, access.PolicyRead)
		return err
	})
	return pol, err
}

// ListPolicies lists the policies the caller may see: a firm's own, an
// insurer's book, every policy for an arbiter.
func (s *Service) ListPolicies(ctx context.Context, p *access.Principal, f PolicyFilter) ([]*Policy, string, error) {
	f.Page = clampPage(f.Page)
	var out []*Policy
	err := s.view(ctx, func(tx Tx) error {
		var err error
		out, err = s.policiesPage(ctx, tx, "underwriting.ListPolicies", p, f)
		return err
	})
	return out, nextCursor(out, f.Page, func(x *Policy) string { return x.ID }), err
}

// nextSeq is the sequence number of a policy's next transition.
func nextSeq(ctx context.Context, tx Tx, policyID string) (int, error) {
	ts, err := tx.Transitions(ctx, policyID, Page{Limit: 1, After: "last"})
	if err != nil || len(ts) == 0 {
		return 1, err
	}
	return ts[0].Seq + 1, nil
}

// transition applies an event to a policy within tx and records it.
func (s *Service) transition(ctx context.Context, tx Tx, pol *Policy, in policy.Input, actor, reason, assessmentID string) error {
	from := pol.State
	next, err := policy.Apply(pol.Policy, in)
	if err != nil {
		return err
	}
	pol.Policy = next
	pol.Updated = s.now()
	if err := tx.UpdatePolicy(ctx, pol); err != nil {
		return err
	}
	seq, err := nextSeq(ctx, tx, pol.ID)
	if err != nil {
		return err
	}
	if reason == "" {
		reason = policy.Describe(from, next.State, in.Event)
	}
	s.observe("transition_"+string(in.Event), 1)
	return s.addTransition(ctx, tx, pol, &Transition{ID: s.newID("trn"), Policy: pol.ID, Seq: seq, Event: in.Event, From: from, To: next.State, Actor: actor, Reason: reason, Assessment: assessmentID, At: s.now()})
}

// AssessRequest asks for an assessment of a policy's firm.
type AssessRequest struct {
	// Evidence is the version to assess; empty means the firm's latest.
	Evidence string `json:"evidence,omitempty"`
	// AsOf is the date that counts as today; empty means the bundle's
	// snapshot date, as assess does.
	AsOf string `json:"as_of,omitempty"`
}

// Assess runs an assessment of the firm's evidence under the policy's
// profile with the engine of `insurable assess`, records it with the
// remediation plan, and applies the assess transition, all in one
// transaction: when Assess returns, the decision is on record.
func (s *Service) Assess(ctx context.Context, p *access.Principal, policyID string, req AssessRequest) (*Assessment, error) {
	const op insurable.Op = "underwriting.Assess"
	var asOf evidence.Date
	var pol *Policy
	var ev *EvidenceVersion
	var prof *Profile
	err := s.view(ctx, func(tx Tx) error {
		var err error
		if pol, err = s.policyFor(ctx, tx, op, p, policyID, access.PolicyUnderwrite); err != nil {
			return err
		}
		if req.AsOf != "" {
			if asOf, err = evidence.ParseDate(req.AsOf); err != nil {
				return insurable.Errorf(op, insurable.Invalid, "as_of: %v", err)
			}
		}
		if req.Evidence == "" {
			ev, err = tx.LatestEvidence(ctx, pol.Firm)
			if insurable.ErrorKind(err) == insurable.NotExist {
				return insurable.Errorf(op, insurable.Conflict, "the firm has uploaded no evidence")
			}
		} else {
			ev, err = tx.Evidence(ctx, pol.Firm, req.Evidence)
			err = notFoundAs(op, err, "evidence version", req.Evidence)
		}
		if err != nil {
			return err
		}
		prof, err = tx.Profile(ctx, pol.Profile)
		return err
	})
	if err != nil {
		return nil, err
	}
	if pol.State.Terminal() {
		return nil, insurable.Errorf(op, insurable.Conflict, "the policy is %s", pol.State)
	}
	a, _, err := s.runAssessment(ctx, pol, ev, prof, asOf, KindUnderwriting, p.User)
	return a, err
}

// runAssessment evaluates and records an assessment of pol's firm.
func (s *Service) runAssessment(ctx context.Context, pol *Policy, ev *EvidenceVersion, prof *Profile, asOf evidence.Date, kind, actor string) (*Assessment, *assessment.Result, error) {
	fs, err := s.currentFeeds(ctx)
	if err != nil {
		return nil, nil, err
	}
	pr, err := s.loadProfile(prof)
	if err != nil {
		return nil, nil, err
	}
	b, release, err := s.bundles.acquire(ctx, ev)
	if err != nil {
		return nil, nil, err
	}
	res, data, err := s.evaluate(ctx, b, pr, asOf, fs)
	release()
	if err != nil {
		return nil, nil, err
	}
	a, err := s.recordAssessment(ctx, pol.ID, ev, res, data, fs, kind, actor, pr)
	return a, res, err
}

// recordAssessment stores an assessment, syncs the remediation plan and
// applies the assess transition (and, for monitoring, what compliance
// demands) in one transaction.
func (s *Service) recordAssessment(ctx context.Context, policyID string, ev *EvidenceVersion, res *assessment.Result, data []byte, fs *feedState, kind, actor string, pr *profile.Profile) (*Assessment, error) {
	sum := sha256.Sum256(data)
	a := &Assessment{
		ID: s.newID("asm"), Policy: policyID, Firm: ev.Firm, Evidence: ev.ID, Kind: kind, AsOf: res.AsOf,
		Outcome: policy.Outcome(res.Decision.Outcome), Tier: res.Decision.Tier, Score: res.Decision.Score,
		Feeds: fs.digest, Digest: "sha256:" + hex.EncodeToString(sum[:]), Actor: actor, Created: s.now(),
		Summary: summarize(res), Result: gz(data),
	}
	err := s.tx(ctx, func(tx Tx) error {
		pol, err := tx.Policy(ctx, policyID)
		if err != nil {
			return err
		}
		if pol.State.Terminal() {
			return insurable.Errorf("underwriting.Assess", insurable.Conflict, "the policy is %s", pol.State)
		}
		overdue, resolved, reopened, err := s.syncRemediation(ctx, tx, pol.ID, res.Plan, s.today())
		if err != nil {
			return err
		}
		a.Resolved, a.Reopened = resolved, reopened
		if err := s.createAssessment(ctx, tx, a, pol, &res.Inputs); err != nil {
			return err
		}
		pol.Overdue = overdue
		info := &policy.Assessment{ID: a.ID, AsOf: a.AsOf, Recorded: s.today(), Outcome: a.Outcome}
		reason := fmt.Sprintf("%s assessment %s of evidence %s: %s", kind, a.ID, short(ev.ID), res.Decision.Summary)
		if err := s.transition(ctx, tx, pol, policy.Input{Event: policy.Assess, Today: s.today(), Assessment: info}, actor, reason, a.ID); err != nil {
			return err
		}
		if kind == KindMonitoring {
			pol.Monitored = s.today()
			return s.applyCompliance(ctx, tx, pol, res, pr)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.observe("assessment_"+kind, 1)
	a.Result = data
	return a, nil
}

func short(digest string) string {
	d := strings.TrimPrefix(digest, "sha256:")
	if len(d) > 12 {
		d = d[:12]
	}
	return d
}

func gz(data []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zw.Write(data)
	zw.Close()
	return buf.Bytes()
}

// Gunzip reverses the compression of stored results.
func Gunzip(data []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// syncRemediation records the plan's items for the policy: new items
// open, items the firm marked done that are still found reopen, items no
// longer found are resolved. It returns how many are overdue on today,
// and the items it resolved and reopened (the remediation verification).
func (s *Service) syncRemediation(ctx context.Context, tx Tx, policyID string, plan remediation.Plan, today evidence.Date) (overdue int, resolved, reopened []string, err error) {
	old, err := tx.Remediation(ctx, policyID)
	if err != nil {
		return 0, nil, nil, err
	}
	prev := map[string]*RemediationItem{}
	for _, it := range old {
		prev[it.ID] = it
	}
	seen := map[string]bool{}
	for _, it := range plan.Items {
		seen[it.ID] = true
		rec := &RemediationItem{Policy: policyID, ID: it.ID, Requirement: string(it.Requirement), Title: it.Title, Severity: string(it.Severity),
			Owner: it.Accountable, Due: it.Due, Status: it.Status, Updated: s.now()}
		if rec.Owner == "" && len(it.Responsible) > 0 {
			rec.Owner = it.Responsible[0]
		}
		if o, ok := prev[it.ID]; ok {
			switch o.Status {
			case StatusDone, StatusResolved:
				rec.Status = remediation.Reopened
				reopened = append(reopened, it.ID)
			case remediation.Reopened:
				rec.Status = remediation.Reopened
			case remediation.InProgress:
				rec.Status = remediation.InProgress
			}
			if !o.Due.IsZero() && o.Due.Before(rec.Due) {
				rec.Due = o.Due // a deadline once set does not move back
			}
		}
		if rec.Due.Before(today) {
			overdue++
		}
		if o, ok := prev[it.ID]; ok && sameItem(o, rec) {
			continue // unchanged: no write
		}
		if err := tx.PutRemediation(ctx, rec); err != nil {
			return 0, nil, nil, err
		}
	}
	for id, o := range prev {
		if !seen[id] && o.Status != StatusResolved {
			o.Status, o.Updated = StatusResolved, s.now()
			if err := tx.PutRemediation(ctx, o); err != nil {
				return 0, nil, nil, err
			}
			resolved = append(resolved, id)
		}
	}
	return overdue, sortedIDs(resolved), sortedIDs(reopened), nil
}

func sameItem(a, b *RemediationItem) bool {
	return a.Requirement == b.Requirement && a.Title == b.Title && a.Severity == b.Severity && a.Owner == b.Owner && a.Due == b.Due && a.Status == b.Status
}

// GetAssessment returns an assessment with its full result.
func (s *Service) GetAssessment(ctx context.Context, p *access.Principal, id string) (*Assessment, error) {
	const op insurable.Op = "underwriting.GetAssessment"
	var a *Assessment
	err := s.view(ctx, func(tx Tx) error {
		var err error
		if a, err = tx.Assessment(ctx, id); err != nil {
			return notFoundAs(op, err, "assessment", id)
		}
		pol, err := tx.Policy(ctx, a.Policy)
		if err != nil {
			return err
		}
		rel := ownIf(p != nil && p.Org == pol.Firm)
		if p != nil && p.Org == pol.Insurer {
			rel |= access.PolicyInsurer
		}
		return authorize(op, p, access.AssessmentRead, rel, "assessment", id)
	})
	if err != nil {
		return nil, err
	}
	if len(a.Result) > 0 {
		if a.Result, err = Gunzip(a.Result); err != nil {
			return nil, insurable.Wrap(op, insurable.Internal, err)
		}
	}
	return a, nil
}

// ListAssessments lists a policy's assessments, without results.
func (s *Service) ListAssessments(ctx context.Context, p *access.Principal, policyID string, pg Page) ([]*Assessment, string, error) {
	pg = clampPage(pg)
	var out []*Assessment
	err := s.view(ctx, func(tx Tx) error {
		if _, err := s.policyFor(ctx, tx, "underwriting.ListAssessments", p, policyID, access.AssessmentRead); err != nil {
			return err
		}
		var err error
		out, err = tx.Assessments(ctx, policyID, pg)
		return err
	})
	return out, nextCursor(out, pg, func(x *Assessment) string { return x.ID }), err
}

// ListTransitions lists a policy's transitions in order.
func (s *Service) ListTransitions(ctx context.Context, p *access.Principal, policyID string, pg Page) ([]*Transition, string, error) {
	pg = clampPage(pg)
	var out []*Transition
	err := s.view(ctx, func(tx Tx) error {
		if _, err := s.policyFor(ctx, tx, "underwriting.ListTransitions", p, policyID, access.PolicyRead); err != nil {
			return err
		}
		var err error
		out, err = tx.Transitions(ctx, policyID, pg)
		return err
	})
	return out, nextCursor(out, pg, func(x *Transition) string { return x.ID }), err
}

// Act is an underwriting action on a policy.
type Act struct {
	Event  policy.Event `json:"-"`
	Reason string       `json:"reason,omitempty"`
	// Quote terms, for the quote event.
	Premium  float64 `json:"premium,omitempty"`
	Currency string  `json:"currency,omitempty"`
	// Term is the length of cover, such as "12mo"; default 12 months.
	Term string `json:"term,omitempty"`
}

// Transition applies an underwriting event (quote, issue, begin-renewal,
// renew, suspend, reinstate, cancel, decline) to a policy, checking the
// lifecycle's rules, and records who, when and why.
func (s *Service) Transition(ctx context.Context, p *access.Principal, policyID string, act Act) (*Policy, error) {
	const op insurable.Op = "underwriting.Transition"
	action := access.PolicyUnderwrite
	switch act.Event {
	case policy.Quote, policy.Issue, policy.BeginRenewal, policy.Renew, policy.Suspend, policy.Reinstate, policy.Decline:
	case policy.Cancel:
		action = access.PolicyCancel
	default:
		return nil, insurable.Errorf(op, insurable.Invalid, "unknown action %q", act.Event)
	}
	term := evidence.Period{Months: 12}
	var pol *Policy
	err := s.tx(ctx, func(tx Tx) error {
		var err error
		if pol, err = s.policyFor(ctx, tx, op, p, policyID, action); err != nil {
			return err
		}
		if act.Term != "" {
			t, err := evidence.ParsePeriod(act.Term)
			if err != nil || t.Months*31+t.Days > 5*366 {
				return insurable.Errorf(op, insurable.Invalid, "term %q: want a period such as 12mo, at most 5 years", act.Term)
			}
			term = t
		}
		prof, err := tx.Profile(ctx, pol.Profile)
		if err != nil {
			return err
		}
		pr, err := s.loadProfile(prof)
		if err != nil {
			return err
		}
		if act.Event == policy.Quote {
			if act.Premium <= 0 || len(act.Currency) != 3 {
				return insurable.Errorf(op, insurable.Invalid, "a quote needs a positive premium and a 3-letter currency")
			}
			tier := ""
			if pol.Assessment != nil {
				if a, err := tx.Assessment(ctx, pol.Assessment.ID); err == nil {
					tier = a.Tier
				}
			}
			pol.Quote = &Quote{Premium: act.Premium, Currency: strings.ToUpper(act.Currency), Term: term.String(), Tier: tier}
		}
		if pol.Quote != nil && (act.Event == policy.Issue || act.Event == policy.Renew) && act.Term == "" {
			if t, err := evidence.ParsePeriod(pol.Quote.Term); err == nil {
				term = t
			}
		}
		in := policy.Input{Event: act.Event, Today: s.today(), Validity: pr.AssessmentValidity, Term: term, Reason: act.Reason}
		reason := act.Reason
		if err := s.transition(ctx, tx, pol, in, p.User, reason, ""); err != nil {
			return err
		}
		if act.Event == policy.Suspend {
			return s.alert(ctx, tx, pol, "suspended", "The policy is suspended: "+act.Reason, nil)
		}
		return nil
	})
	return pol, err
}

// ListRemediation lists a policy's remediation items.
func (s *Service) ListRemediation(ctx context.Context, p *access.Principal, policyID string) ([]*RemediationItem, error) {
	var out []*RemediationItem
	err := s.view(ctx, func(tx Tx) error {
		if _, err := s.policyFor(ctx, tx, "underwriting.ListRemediation", p, policyID, access.PolicyRead); err != nil {
			return err
		}
		var err error
		out, err = tx.Remediation(ctx, policyID)
		return err
	})
	return out, err
}

// UpdateRemediation lets the firm report progress on an item: in-progress
// or done. A done item that the next assessment still finds is reopened.
func (s *Service) UpdateRemediation(ctx context.Context, p *access.Principal, policyID, item, status string) (*RemediationItem, error) {
	const op insurable.Op = "underwriting.UpdateRemediation"
	var out *RemediationItem
	err := s.tx(ctx, func(tx Tx) error {
		if _, err := s.policyFor(ctx, tx, op, p, policyID, access.RemediationUpdate); err != nil {
			return err
		}
		if status != remediation.InProgress && status != StatusDone && status != remediation.Open {
			return insurable.Errorf(op, insurable.Invalid, "status %q: want open, in-progress or done", status)
		}
		items, err := tx.Remediation(ctx, policyID)
		if err != nil {
			return err
		}
		for _, it := range items {
			if it.ID == item {
				it.Status, it.Updated = status, s.now()
				out = it
				return tx.PutRemediation(ctx, it)
			}
		}
		return notFound(op, "remediation item", item)
	})
	return out, err
}

// ListAlerts lists the alerts of the caller's policies.
func (s *Service) ListAlerts(ctx context.Context, p *access.Principal, pg Page) ([]*Alert, string, error) {
	const op insurable.Op = "underwriting.ListAlerts"
	if err := authorize(op, p, access.AlertRead, access.Own|access.PolicyInsurer, "", ""); err != nil {
		return nil, "", err
	}
	pg = clampPage(pg)
	var out []*Alert
	err := s.view(ctx, func(tx Tx) error {
		var err error
		if p.Kind == access.Firm {
			out, err = tx.Alerts(ctx, p.Org, "", pg)
		} else {
			out, err = tx.Alerts(ctx, "", p.Org, pg)
		}
		return err
	})
	return out, nextCursor(out, pg, func(x *Alert) string { return x.ID }), err
}

func (s *Service) alert(ctx context.Context, tx Tx, pol *Policy, kind, msg string, detail []string) error {
	s.observe("alert_"+kind, 1)
	return tx.CreateAlert(ctx, &Alert{ID: s.newID("alr"), Policy: pol.ID, Firm: pol.Firm, Insurer: pol.Insurer, Kind: kind, Message: msg, Detail: detail, Created: s.now()})
}
