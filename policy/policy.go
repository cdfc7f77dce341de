// Package policy is the lifecycle of an insurance policy under the
// Protocol, as a pure state machine: Apply takes a policy and an event and
// returns the policy after it, or the reason the event is refused. It
// knows nothing of storage or HTTP; the service records every transition it
// returns, with who asked, when and why.
//
//	application ──assess──▶ assessed ──quote──▶ quoted ──issue──▶ issued
//	     │                     ▲  │                │                │ ▲
//	     └──────decline────────┼──┴────────────────┘      begin-renewal│
//	                           └─assess (again)          ▼          │ │renew
//	                                                  renewal ──────┘ │
//	issued/renewal ──suspend──▶ suspended ──reinstate──▶ issued ──────┘
//	issued/renewal/suspended ──lapse (term over)──▶ lapsed
//	any open state ──cancel──▶ cancelled
//
// Issuance needs an assessment younger than the profile's
// assessment_validity that did not decline the firm; renewal needs a new
// assessment made since the renewal began (legacy devices are judged again,
// nothing is carried over); reinstatement needs a new assessment since the
// suspension that passes. Monitor decides what continuous underwriting does
// when a firm falls out of compliance: start a grace period, then suspend.
package policy

import (
	"fmt"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/evidence"
)

// State is where a policy is in its lifecycle.
type State string

// The states.
const (
	Application State = "application" // the firm applied; nothing assessed yet
	Assessed    State = "assessed"    // an assessment under the insurer's profile decided
	Quoted      State = "quoted"      // the insurer offered terms
	Issued      State = "issued"      // in force
	Renewal     State = "renewal"     // in force, renewal under way
	Suspended   State = "suspended"   // cover suspended until remediation is verified
	Lapsed      State = "lapsed"      // the term ended without renewal
	Cancelled   State = "cancelled"   // ended by the firm or the insurer
	Declined    State = "declined"    // the insurer declined the application
)

// States lists every state.
var States = []State{Application, Assessed, Quoted, Issued, Renewal, Suspended, Lapsed, Cancelled, Declined}

// Terminal reports whether no event leaves s.
func (s State) Terminal() bool { return s == Lapsed || s == Cancelled || s == Declined }

// InForce reports whether the policy covers the firm in state s.
func (s State) InForce() bool { return s == Issued || s == Renewal }

// Event is something that happens to a policy.
type Event string

// The events.
const (
	Assess       Event = "assess"
	Quote        Event = "quote"
	Issue        Event = "issue"
	BeginRenewal Event = "begin-renewal"
	Renew        Event = "renew"
	Suspend      Event = "suspend"
	Reinstate    Event = "reinstate"
	Lapse        Event = "lapse"
	Cancel       Event = "cancel"
	Decline      Event = "decline"
)

// Events lists every event.
var Events = []Event{Assess, Quote, Issue, BeginRenewal, Renew, Suspend, Reinstate, Lapse, Cancel, Decline}

// Outcome is an assessment's decision, as the lifecycle sees it.
type Outcome string

// The outcomes (the values of decision.Outcome).
const (
	Insurable   Outcome = "insurable"
	Conditional Outcome = "conditional"
	NotInsured  Outcome = "declined"
)

// Assessment is what the lifecycle needs to know of an assessment.
type Assessment struct {
	ID string `json:"id"`
	// AsOf is the date the evidence was judged as of; the assessment's
	// age is counted from it.
	AsOf evidence.Date `json:"as_of"`
	// Recorded is the day the service made the assessment.
	Recorded evidence.Date `json:"recorded"`
	Outcome  Outcome       `json:"outcome"`
}

// Passes reports whether the assessment did not decline the firm.
func (a *Assessment) Passes() bool {
	return a != nil && (a.Outcome == Insurable || a.Outcome == Conditional)
}

// Policy is the lifecycle state of a policy and the dates its rules use.
type Policy struct {
	State State `json:"state"`
	// Assessment is the latest assessment the policy rests on.
	Assessment *Assessment `json:"assessment,omitempty"`
	// IssuedOn and Expires bound the current term; zero before issuance.
	IssuedOn evidence.Date `json:"issued_on"`
	Expires  evidence.Date `json:"expires"`
	// RenewalStarted is when the current renewal began.
	RenewalStarted evidence.Date `json:"renewal_started"`
	// SuspendedOn is when the current suspension began.
	SuspendedOn evidence.Date `json:"suspended_on"`
	// Reason is why the policy is suspended, cancelled or declined.
	Reason string `json:"reason,omitempty"`
	// Grace, when set, is the last day a firm found out of compliance
	// has to remediate before the policy is suspended; OutSince is when it
	// was found out of compliance.
	Grace    evidence.Date `json:"grace_until"`
	OutSince evidence.Date `json:"out_of_compliance_since"`
}

// Input is an event and what it needs.
type Input struct {
	Event Event
	Today evidence.Date
	// Assessment is the new assessment, for Assess.
	Assessment *Assessment
	// Validity is the profile's assessment_validity.
	Validity evidence.Period
	// Term is the length of cover, for Issue and Renew.
	Term evidence.Period
	// Reason is required for Suspend, Cancel and Decline.
	Reason string
}

const op insurable.Op = "policy.Apply"

func refuse(format string, args ...any) error {
	return insurable.Errorf(op, insurable.Conflict, format, args...)
}

// Fresh reports whether a is young enough on today to issue or renew on:
// strictly younger than validity.
func Fresh(a *Assessment, today evidence.Date, validity evidence.Period) bool {
	if a == nil || a.AsOf.IsZero() {
		return false
	}
	if a.AsOf.After(today) {
		return true
	}
	return a.AsOf.Plus(validity).After(today)
}

// Apply returns the policy after the event, or an *insurable.Error of kind
// Conflict saying why the event is not allowed now (Invalid when the input
// itself is incomplete). It does not modify p.
func Apply(p Policy, in Input) (Policy, error) {
	if in.Today.IsZero() {
		return p, insurable.Errorf(op, insurable.Invalid, "no date")
	}
	if p.State.Terminal() {
		return p, refuse("the policy is %s; nothing more can happen to it", p.State)
	}
	next := p
	switch in.Event {
	case Assess:
		if in.Assessment == nil {
			return p, insurable.Errorf(op, insurable.Invalid, "assess needs an assessment")
		}
		next.Assessment = in.Assessment
		switch p.State {
		case Application, Assessed, Quoted:
			next.State = Assessed
		case Issued, Renewal, Suspended:
			// The policy keeps its state; monitoring, renewal and
			// reinstatement read the new assessment.
		default:
			return p, refuse("cannot assess a policy that is %s", p.State)
		}
	case Quote:
		if p.State != Assessed {
			return p, refuse("only an assessed application can be quoted (the policy is %s)", p.State)
		}
		if !p.Assessment.Passes() {
			return p, refuse("the latest assessment declined the firm; it cannot be quoted")
		}
	case Issue:
		if p.State != Quoted {
			return p, refuse("only a quoted application can be issued (the policy is %s)", p.State)
		}
		if err := usable(p.Assessment, in, evidence.Date{}, "issue"); err != nil {
			return p, err
		}
		if in.Term == (evidence.Period{}) {
			return p, insurable.Errorf(op, insurable.Invalid, "issue needs a term")
		}
		next.IssuedOn, next.Expires = in.Today, in.Today.Plus(in.Term)
		next.Grace, next.OutSince, next.Reason = evidence.Date{}, evidence.Date{}, ""
	case BeginRenewal:
		if p.State != Issued {
			return p, refuse("only a policy in force can begin renewal (the policy is %s)", p.State)
		}
		next.RenewalStarted = in.Today
	case Renew:
		if p.State != Renewal {
			return p, refuse("renewal has not begun (the policy is %s)", p.State)
		}
		if err := usable(p.Assessment, in, p.RenewalStarted, "renew"); err != nil {
			return p, err
		}
		if in.Term == (evidence.Period{}) {
			return p, insurable.Errorf(op, insurable.Invalid, "renew needs a term")
		}
		start := p.Expires
		if start.Before(in.Today) {
			start = in.Today
		}
		next.IssuedOn, next.Expires = start, start.Plus(in.Term)
		next.RenewalStarted = evidence.Date{}
	case Suspend:
		if !p.State.InForce() {
			return p, refuse("only a policy in force can be suspended (the policy is %s)", p.State)
		}
		if in.Reason == "" {
			return p, insurable.Errorf(op, insurable.Invalid, "a suspension needs a reason")
		}
		next.SuspendedOn, next.Reason = in.Today, in.Reason
	case Reinstate:
		if p.State != Suspended {
			return p, refuse("only a suspended policy can be reinstated (the policy is %s)", p.State)
		}
		if err := usable(p.Assessment, in, p.SuspendedOn, "reinstate"); err != nil {
			return p, err
		}
		next.SuspendedOn, next.Reason = evidence.Date{}, ""
		next.Grace, next.OutSince = evidence.Date{}, evidence.Date{}
	case Lapse:
		if !p.State.InForce() && p.State != Suspended {
			return p, refuse("only an issued policy lapses (the policy is %s)", p.State)
		}
		if in.Today.Before(p.Expires) {
			return p, refuse("the term runs until %s", p.Expires)
		}
	case Cancel, Decline:
		if in.Reason == "" {
			return p, insurable.Errorf(op, insurable.Invalid, "%s needs a reason", in.Event)
		}
		if in.Event == Decline && p.State != Application && p.State != Assessed && p.State != Quoted {
			return p, refuse("only an application can be declined (the policy is %s); cancel a policy instead", p.State)
		}
		next.Reason = in.Reason
	default:
		return p, insurable.Errorf(op, insurable.Invalid, "unknown event %q", in.Event)
	}
	next.State = target(p.State, in.Event, next.State)
	return next, nil
}

// target is the state an allowed event leads to.
func target(from State, e Event, cur State) State {
	switch e {
	case Quote:
		return Quoted
	case Issue, Renew, Reinstate:
		return Issued
	case BeginRenewal:
		return Renewal
	case Suspend:
		return Suspended
	case Lapse:
		return Lapsed
	case Cancel:
		return Cancelled
	case Decline:
		return Declined
	}
	return cur
}

// usable checks that the policy's assessment may carry an issuance,
// renewal or reinstatement: it exists, passes, is fresh, and was made on or
// after since (when since is set).
func usable(a *Assessment, in Input, since evidence.Date, what string) error {
	switch {
	case a == nil:
		return refuse("cannot %s without an assessment", what)
	case !since.IsZero() && a.Recorded.Before(since):
		return refuse("cannot %s on assessment %s of %s: a new assessment made since %s is required (nothing is grandfathered)", what, a.ID, a.Recorded, since)
	case !a.Passes():
		return refuse("cannot %s: assessment %s declined the firm", what, a.ID)
	case !Fresh(a, in.Today, in.Validity):
		return refuse("cannot %s: assessment %s as of %s is not younger than the profile's assessment validity of %s", what, a.ID, a.AsOf, in.Validity)
	}
	return nil
}

// Step is what monitoring does to a policy.
type Step int

// The steps of monitoring.
const (
	Nothing    Step = iota
	StartGrace      // the firm fell out of compliance: alert it and start the grace period
	EndGrace        // the firm is back in compliance before the grace period ended
	SuspendNow      // the grace period is over and the firm is still out of compliance
	LapseNow        // the term is over
)

func (s Step) String() string {
	return [...]string{"nothing", "start-grace", "end-grace", "suspend", "lapse"}[s]
}

// Monitor decides what continuous underwriting does to a policy on today,
// given whether the firm is in compliance now. It returns the step and
// the policy's grace fields after it (the caller applies Suspend or Lapse
// through Apply, so that they are recorded as transitions).
func Monitor(p Policy, compliant bool, today evidence.Date, grace evidence.Period) (Step, Policy) {
	if p.State.InForce() || p.State == Suspended {
		if !p.Expires.IsZero() && !today.Before(p.Expires) {
			return LapseNow, p
		}
	}
	if !p.State.InForce() {
		return Nothing, p
	}
	switch {
	case compliant && !p.Grace.IsZero():
		p.Grace, p.OutSince = evidence.Date{}, evidence.Date{}
		return EndGrace, p
	case compliant:
		return Nothing, p
	case p.Grace.IsZero():
		p.OutSince, p.Grace = today, today.Plus(grace)
		return StartGrace, p
	case today.After(p.Grace):
		return SuspendNow, p
	}
	return Nothing, p
}

// Describe phrases a transition for the record.
func Describe(from, to State, e Event) string {
	if from == to {
		return fmt.Sprintf("%s (stays %s)", e, to)
	}
	return fmt.Sprintf("%s: %s → %s", e, from, to)
}
