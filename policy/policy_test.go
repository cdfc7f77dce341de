package policy

import (
	"testing"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/evidence"
)

var (
	day      = evidence.MustDate
	validity = evidence.Period{Days: 90}
	term     = evidence.Period{Months: 12}
)

func assessment(id, asOf, recorded string, o Outcome) *Assessment {
	return &Assessment{ID: id, AsOf: day(asOf), Recorded: day(recorded), Outcome: o}
}

// TestEveryStateAndEvent lists, for every state, which events are allowed
// on a policy with a fresh passing assessment, and where they lead.
func TestEveryStateAndEvent(t *testing.T) {
	fresh := assessment("a2", "2026-06-01", "2026-06-01", Insurable)
	base := func(s State) Policy {
		return Policy{State: s, Assessment: fresh, IssuedOn: day("2025-06-01"), Expires: day("2026-05-01"),
			RenewalStarted: day("2026-05-20"), SuspendedOn: day("2026-05-25")}
	}
	want := map[State]map[Event]State{
		Application: {Assess: Assessed, Cancel: Cancelled, Decline: Declined},
		Assessed:    {Assess: Assessed, Quote: Quoted, Cancel: Cancelled, Decline: Declined},
		Quoted:      {Assess: Assessed, Issue: Issued, Cancel: Cancelled, Decline: Declined},
		Issued:      {Assess: Issued, BeginRenewal: Renewal, Suspend: Suspended, Lapse: Lapsed, Cancel: Cancelled},
		Renewal:     {Assess: Renewal, Renew: Issued, Suspend: Suspended, Lapse: Lapsed, Cancel: Cancelled},
		Suspended:   {Assess: Suspended, Reinstate: Issued, Lapse: Lapsed, Cancel: Cancelled},
		Lapsed:      {},
		Cancelled:   {},
		Declined:    {},
	}
	for _, s := range States {
		for _, e := range Events {
			in := Input{Event: e, Today: day("2026-06-02"), Assessment: fresh, Validity: validity, Term: term, Reason: "because"}
			got, err := Apply(base(s), in)
			to, ok := want[s][e]
			switch {
			case ok && err != nil:
				t.Errorf("%s + %s: refused: %v; want %s", s, e, err, to)
			case ok && got.State != to:
				t.Errorf("%s + %s → %s, want %s", s, e, got.State, to)
			case !ok && err == nil:
				t.Errorf("%s + %s allowed (→ %s); want refused", s, e, got.State)
			case !ok && insurable.ErrorKind(err) != insurable.Conflict:
				t.Errorf("%s + %s: error kind %v, want conflict: %v", s, e, insurable.ErrorKind(err), err)
			}
		}
	}
}

func TestRules(t *testing.T) {
	quoted := func(a *Assessment) Policy { return Policy{State: Quoted, Assessment: a} }
	tests := []struct {
		name  string
		p     Policy
		in    Input
		want  State
		fails bool
	}{
		{"issue on fresh assessment", quoted(assessment("a", "2026-04-01", "2026-04-01", Conditional)),
			Input{Event: Issue, Today: day("2026-06-29")}, Issued, false},
		{"issue on assessment exactly as old as validity", quoted(assessment("a", "2026-04-01", "2026-04-01", Insurable)),
			Input{Event: Issue, Today: day("2026-06-30")}, Quoted, true},
		{"issue on stale assessment", quoted(assessment("a", "2026-01-01", "2026-05-01", Insurable)),
			Input{Event: Issue, Today: day("2026-06-01")}, Quoted, true},
		{"issue on declining assessment", quoted(assessment("a", "2026-06-01", "2026-06-01", NotInsured)),
			Input{Event: Issue, Today: day("2026-06-02")}, Quoted, true},
		{"issue without assessment", quoted(nil), Input{Event: Issue, Today: day("2026-06-02")}, Quoted, true},
		{"quote a declined firm", Policy{State: Assessed, Assessment: assessment("a", "2026-06-01", "2026-06-01", NotInsured)},
			Input{Event: Quote, Today: day("2026-06-02")}, Assessed, true},
		{"renew on the assessment made before renewal began", Policy{State: Renewal, RenewalStarted: day("2026-05-01"), Expires: day("2026-06-01"),
			Assessment: assessment("old", "2026-04-20", "2026-04-20", Insurable)}, Input{Event: Renew, Today: day("2026-05-10")}, Renewal, true},
		{"renew on a new assessment", Policy{State: Renewal, RenewalStarted: day("2026-05-01"), Expires: day("2026-06-01"),
			Assessment: assessment("new", "2026-05-02", "2026-05-02", Insurable)}, Input{Event: Renew, Today: day("2026-05-10")}, Issued, false},
		{"reinstate on the assessment that led to suspension", Policy{State: Suspended, SuspendedOn: day("2026-05-01"), Expires: day("2027-01-01"),
			Assessment: assessment("old", "2026-04-20", "2026-04-20", Insurable)}, Input{Event: Reinstate, Today: day("2026-05-10")}, Suspended, true},
		{"reinstate on a failing new assessment", Policy{State: Suspended, SuspendedOn: day("2026-05-01"), Expires: day("2027-01-01"),
			Assessment: assessment("new", "2026-05-05", "2026-05-05", NotInsured)}, Input{Event: Reinstate, Today: day("2026-05-10")}, Suspended, true},
		{"reinstate on a passing new assessment", Policy{State: Suspended, SuspendedOn: day("2026-05-01"), Expires: day("2027-01-01"),
			Assessment: assessment("new", "2026-05-05", "2026-05-05", Conditional)}, Input{Event: Reinstate, Today: day("2026-05-10")}, Issued, false},
		{"suspend without reason", Policy{State: Issued}, Input{Event: Suspend, Today: day("2026-05-10")}, Issued, true},
		{"lapse before the term ends", Policy{State: Issued, Expires: day("2026-06-01")}, Input{Event: Lapse, Today: day("2026-05-31")}, Issued, true},
		{"lapse on the day the term ends", Policy{State: Issued, Expires: day("2026-06-01")}, Input{Event: Lapse, Today: day("2026-06-01")}, Lapsed, false},
		{"no date", Policy{State: Issued}, Input{Event: Cancel, Reason: "x"}, Issued, true},
		{"unknown event", Policy{State: Issued}, Input{Event: "explode", Today: day("2026-06-01")}, Issued, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.in.Validity == (evidence.Period{}) {
				tt.in.Validity = validity
			}
			tt.in.Term = term
			got, err := Apply(tt.p, tt.in)
			if (err != nil) != tt.fails {
				t.Fatalf("err = %v, want failure %v", err, tt.fails)
			}
			if err != nil {
				got = tt.p
			}
			if got.State != tt.want {
				t.Errorf("state %s, want %s", got.State, tt.want)
			}
		})
	}
}

func TestIssueAndRenewSetTheTerm(t *testing.T) {
	p := Policy{State: Quoted, Assessment: assessment("a", "2026-06-01", "2026-06-01", Insurable)}
	p, err := Apply(p, Input{Event: Issue, Today: day("2026-06-02"), Validity: validity, Term: term})
	if err != nil || p.IssuedOn != day("2026-06-02") || p.Expires != day("2027-06-02") {
		t.Fatalf("issued %+v, %v", p, err)
	}
	p, _ = Apply(p, Input{Event: BeginRenewal, Today: day("2027-05-01")})
	p, _ = Apply(p, Input{Event: Assess, Today: day("2027-05-03"), Assessment: assessment("b", "2027-05-03", "2027-05-03", Insurable)})
	p, err = Apply(p, Input{Event: Renew, Today: day("2027-05-04"), Validity: validity, Term: term})
	if err != nil || p.State != Issued || p.IssuedOn != day("2027-06-02") || p.Expires != day("2028-06-02") {
		t.Fatalf("renewed %+v, %v", p, err)
	}
}

func TestMonitor(t *testing.T) {
	grace := evidence.Period{Days: 30}
	inForce := Policy{State: Issued, Expires: day("2027-01-01")}
	inGrace := inForce
	inGrace.Grace, inGrace.OutSince = day("2026-07-01"), day("2026-06-01")
	tests := []struct {
		name      string
		p         Policy
		compliant bool
		today     string
		want      Step
		grace     string
	}{
		{"compliant", inForce, true, "2026-06-01", Nothing, ""},
		{"falls out", inForce, false, "2026-06-01", StartGrace, "2026-07-01"},
		{"still out within grace", inGrace, false, "2026-07-01", Nothing, "2026-07-01"},
		{"out past grace", inGrace, false, "2026-07-02", SuspendNow, "2026-07-01"},
		{"back in", inGrace, true, "2026-06-20", EndGrace, ""},
		{"term over", inForce, true, "2027-01-01", LapseNow, ""},
		{"suspended stays", Policy{State: Suspended, Expires: day("2027-01-01")}, false, "2026-08-01", Nothing, ""},
		{"application not monitored", Policy{State: Assessed}, false, "2026-08-01", Nothing, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			step, p := Monitor(tt.p, tt.compliant, day(tt.today), grace)
			if step != tt.want {
				t.Errorf("step %s, want %s", step, tt.want)
			}
			if got := p.Grace.String(); (tt.grace == "" && !p.Grace.IsZero()) || (tt.grace != "" && got != tt.grace) {
				t.Errorf("grace %q, want %q", got, tt.grace)
			}
		})
	}
}
