package decision

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/profile"
	"github.com/insurable/insurable/protocol"
)

func testProfile(t *testing.T) *profile.Profile {
	t.Helper()
	data, err := os.ReadFile("testdata/profile.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := profile.Parse("testdata/profile.yaml", data, protocol.Default())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// verdicts builds the verdicts of A1, A8, B1, B2 and O1 (weights 2, 2, 1, 1
// and 0 under the test profile), all passing unless overridden.
func verdicts(override map[protocol.ID]check.Status) []Verdict {
	var vs []Verdict
	for _, id := range []protocol.ID{"A1", "A8", "B1", "B2", "O1"} {
		st := check.Pass
		if s, ok := override[id]; ok {
			st = s
		}
		sev := check.Info
		if st == check.Fail || st == check.NeedsReview {
			sev = check.High
		}
		vs = append(vs, Verdict{ID: id, Title: "Item " + string(id), Status: st, Severity: sev, Headline: "what " + string(id) + " found"})
	}
	return vs
}

var asOf = evidence.MustDate("2026-06-30")

func TestDecide(t *testing.T) {
	p := testProfile(t)
	type cond struct{ id, due string }
	tests := []struct {
		name       string
		statuses   map[protocol.ID]check.Status
		facts      map[string]any // default: no KEV past due, no critical fix pending
		outcome    Outcome
		tier       string
		score      float64
		reasons    []string // kinds, in order
		conditions []cond
		gates      []string // results of no-kev, fixes, board
		summary    string   // substring
	}{
		{name: "everything passes",
			outcome: Insurable, tier: "A", score: 1,
			reasons: []string{"mandatory-pass", "tier"}, gates: []string{"pass", "pass", "pass"},
			summary: "Insurable at tier A (score 1.00)"},
		{name: "mandatory requirement fails",
			statuses: map[protocol.ID]check.Status{"A8": check.Fail},
			outcome:  Declined, tier: "", score: 0.6667,
			reasons: []string{"mandatory-fail", "tier"}, gates: []string{"pass", "pass", "pass"},
			summary: "Declined: 1 mandatory requirement fails (A8)."},
		{name: "mandatory requirement needs review",
			statuses: map[protocol.ID]check.Status{"A1": check.NeedsReview},
			outcome:  Conditional, tier: "B", score: 0.8333, // (2*0.5+2+1+1)/6
			reasons: []string{"mandatory-review", "tier"}, conditions: []cond{{"C-A1", "2026-08-14"}}, gates: []string{"pass", "pass", "pass"},
			summary: "Conditionally insurable at tier B: 1 condition to meet, the first by 2026-08-14."},
		{name: "decline gate fails",
			facts:   map[string]any{"kev_past_due": 2, "critical_fix_available": 0},
			outcome: Declined, score: 1,
			reasons: []string{"gate-fail", "tier"}, gates: []string{"fail", "pass", "pass"},
			summary: "Declined: gate no-kev fails."},
		{name: "condition gate fails, with its own deadline",
			facts:   map[string]any{"kev_past_due": 0, "critical_fix_available": 3},
			outcome: Conditional, tier: "A", score: 1,
			reasons: []string{"gate-fail", "tier"}, conditions: []cond{{"G-fixes", "2026-07-30"}}, gates: []string{"pass", "fail", "pass"}},
		{name: "condition gate over a verdict, with the profile's deadline",
			statuses: map[protocol.ID]check.Status{"B1": check.Fail},
			outcome:  Conditional, tier: "B", score: 0.8333,
			reasons: []string{"gate-fail", "tier"}, conditions: []cond{{"G-board", "2026-08-14"}}, gates: []string{"pass", "pass", "fail"}},
		{name: "gate on an absent fact is unknown and becomes a condition",
			facts:   map[string]any{"critical_fix_available": 0},
			outcome: Conditional, tier: "A", score: 1,
			reasons: []string{"gate-unknown", "tier"}, conditions: []cond{{"G-no-kev", "2026-08-14"}}, gates: []string{"unknown", "pass", "pass"}},
		{name: "every fact absent",
			facts:   map[string]any{},
			outcome: Conditional, tier: "A", score: 1,
			reasons: []string{"gate-unknown", "gate-unknown", "tier"}, conditions: []cond{{"G-fixes", "2026-07-30"}, {"G-no-kev", "2026-08-14"}},
			gates: []string{"unknown", "unknown", "pass"}},
		{name: "conditions are ordered by due date",
			statuses: map[protocol.ID]check.Status{"A8": check.NeedsReview},
			facts:    map[string]any{"kev_past_due": 0, "critical_fix_available": 1},
			outcome:  Conditional, tier: "B", score: 0.8333,
			reasons: []string{"mandatory-review", "gate-fail", "tier"}, conditions: []cond{{"G-fixes", "2026-07-30"}, {"C-A8", "2026-08-14"}},
			gates: []string{"pass", "fail", "pass"}},
		{name: "score below the floor declines",
			statuses: map[protocol.ID]check.Status{"A1": check.NeedsReview, "A8": check.NeedsReview, "B1": check.Fail, "B2": check.Fail},
			outcome:  Declined, score: 0.3333,
			reasons: []string{"mandatory-review", "mandatory-review", "gate-fail", "score"}, gates: []string{"pass", "pass", "fail"},
			summary: "Declined: score 0.33 below 0.50."},
		{name: "score exactly at the floor is the lowest tier",
			statuses: map[protocol.ID]check.Status{"A8": check.NeedsReview, "B1": check.Fail, "B2": check.Fail},
			outcome:  Conditional, tier: "C", score: 0.5,
			reasons: []string{"mandatory-review", "gate-fail", "tier"}, conditions: []cond{{"C-A8", "2026-08-14"}, {"G-board", "2026-08-14"}},
			gates: []string{"pass", "pass", "fail"}},
		{name: "optional failure lowers the tier without conditions",
			statuses: map[protocol.ID]check.Status{"B2": check.Fail},
			outcome:  Insurable, tier: "B", score: 0.8333,
			reasons: []string{"mandatory-pass", "tier"}, gates: []string{"pass", "pass", "pass"}},
		{name: "needs-review earns partial credit",
			statuses: map[protocol.ID]check.Status{"B2": check.NeedsReview},
			outcome:  Insurable, tier: "A", score: 0.9167,
			reasons: []string{"mandatory-pass", "tier"}, gates: []string{"pass", "pass", "pass"}},
		{name: "not-applicable items leave the score",
			statuses: map[protocol.ID]check.Status{"B2": check.NotApplicable},
			outcome:  Insurable, tier: "A", score: 1,
			reasons: []string{"mandatory-pass", "tier"}, gates: []string{"pass", "pass", "pass"}},
		{name: "weight 0 counts for nothing",
			statuses: map[protocol.ID]check.Status{"O1": check.Fail},
			outcome:  Insurable, tier: "A", score: 1,
			reasons: []string{"mandatory-pass", "tier"}, gates: []string{"pass", "pass", "pass"}},
		{name: "everything at once: declined, and conditions dropped",
			statuses: map[protocol.ID]check.Status{"A1": check.Fail, "A8": check.NeedsReview, "B1": check.Fail},
			facts:    map[string]any{"kev_past_due": 1},
			outcome:  Declined, score: 0.3333,
			reasons: []string{"mandatory-fail", "mandatory-review", "gate-fail", "gate-unknown", "gate-fail", "score"},
			gates:   []string{"fail", "unknown", "fail"},
			summary: "Declined: 1 mandatory requirement fails (A1); gate no-kev fails; score 0.33 below 0.50."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			facts := tt.facts
			if facts == nil {
				facts = map[string]any{"kev_past_due": 0, "critical_fix_available": 0}
			}
			in := Input{Profile: p, Verdicts: verdicts(tt.statuses), Facts: facts, AsOf: asOf,
				Firm: map[string]any{"naics": "221310", "assets": 5, "sites": 1, "id": "f"}}
			d := Decide(in)
			if d.Outcome != tt.outcome || d.Tier != tt.tier {
				t.Errorf("outcome %s tier %q, want %s tier %q", d.Outcome, d.Tier, tt.outcome, tt.tier)
			}
			if d.Score != round4(tt.score) {
				t.Errorf("score %v, want %v", d.Score, round4(tt.score))
			}
			var kinds []string
			for _, r := range d.Reasons {
				kinds = append(kinds, r.Kind)
				if r.Text == "" || (r.Effect != "decline" && r.Effect != "condition" && r.Effect != "grade") {
					t.Errorf("reason %+v", r)
				}
			}
			if !reflect.DeepEqual(kinds, tt.reasons) {
				t.Errorf("reasons %q, want %q", kinds, tt.reasons)
			}
			var conds []cond
			for _, c := range d.Conditions {
				conds = append(conds, cond{c.ID, c.Due.String()})
				if c.Text == "" || c.Ref == "" {
					t.Errorf("condition %+v", c)
				}
			}
			if !reflect.DeepEqual(conds, tt.conditions) {
				t.Errorf("conditions %v, want %v", conds, tt.conditions)
			}
			var gates []string
			for _, g := range d.Gates {
				gates = append(gates, g.Result)
				if (g.Result == "unknown") != (g.Error != "") {
					t.Errorf("gate %s: result %s, error %q", g.ID, g.Result, g.Error)
				}
			}
			if !reflect.DeepEqual(gates, tt.gates) {
				t.Errorf("gates %q, want %q", gates, tt.gates)
			}
			if !strings.Contains(d.Summary, tt.summary) {
				t.Errorf("summary %q does not say %q", d.Summary, tt.summary)
			}
			if d.Reasons == nil || d.Conditions == nil || d.Gates == nil {
				t.Error("nil slice in the decision; the JSON would hold null")
			}
			// The decision is a pure function of its input.
			if again := Decide(in); !reflect.DeepEqual(again, d) {
				t.Error("a second decision on the same input differs")
			}
		})
	}
}

// A mandatory item the assessment did not judge is not passed in silence.
func TestDecideMandatoryWithoutVerdict(t *testing.T) {
	p := testProfile(t)
	var vs []Verdict
	for _, v := range verdicts(nil) {
		if v.ID != "A8" {
			vs = append(vs, v)
		}
	}
	d := Decide(Input{Profile: p, Verdicts: vs, AsOf: asOf, Facts: map[string]any{"kev_past_due": 0, "critical_fix_available": 0}})
	if d.Outcome != Conditional || len(d.Conditions) != 1 || d.Conditions[0].ID != "C-A8" || d.Reasons[0].Kind != "mandatory-review" {
		t.Errorf("decision without an A8 verdict: %+v", d)
	}
}

func round4(f float64) float64 { return float64(int(f*10000+0.5)) / 10000 }

func TestDecideTexts(t *testing.T) {
	p := testProfile(t)
	d := Decide(Input{Profile: p, Verdicts: verdicts(map[protocol.ID]check.Status{"A8": check.NeedsReview}), AsOf: asOf,
		Facts: map[string]any{"kev_past_due": 0, "critical_fix_available": 2}})
	byID := map[string]Condition{}
	for _, c := range d.Conditions {
		byID[c.ID] = c
	}
	if c := byID["G-fixes"]; c.Text != "Deploy the vendor fixes." || c.Ref != "fixes" {
		t.Errorf("gate condition takes the gate's remediation: %+v", c)
	}
	if c := byID["C-A8"]; c.Ref != "A8" || !strings.Contains(c.Text, "what A8 found") {
		t.Errorf("review condition names the item and its headline: %+v", c)
	}
	d = Decide(Input{Profile: p, Verdicts: verdicts(map[protocol.ID]check.Status{"B1": check.Fail}), AsOf: asOf,
		Facts: map[string]any{"kev_past_due": 0, "critical_fix_available": 0}})
	if len(d.Conditions) != 1 || d.Conditions[0].Text != "Meet the gate: Board review passes." {
		t.Errorf("a gate without a remediation: %+v", d.Conditions)
	}
	d = Decide(Input{Profile: p, Verdicts: verdicts(nil), AsOf: asOf, Facts: map[string]any{"critical_fix_available": 0}})
	if g := d.Gates[0]; !strings.Contains(g.Error, "kev_past_due") || g.Expr != "facts.kev_past_due == 0" || g.Effect != profile.Decline {
		t.Errorf("unknown gate: %+v", g)
	}
	if !strings.Contains(d.Reasons[0].Text, "could not be evaluated") {
		t.Errorf("unknown gate reason: %q", d.Reasons[0].Text)
	}
}

// The built-in profiles decide too: the baseline declines a firm that fails a
// requirement of Section I and accepts one that passes everything.
func TestDecideBaseline(t *testing.T) {
	cat := protocol.Default()
	p, err := profile.Load("baseline", cat)
	if err != nil {
		t.Fatal(err)
	}
	var vs []Verdict
	for _, id := range cat.IDs() {
		vs = append(vs, Verdict{ID: id, Title: string(id), Status: check.Pass, Severity: check.Info})
	}
	facts := map[string]any{"kev_past_due": 0, "critical_fix_available": 0}
	if d := Decide(Input{Profile: p, Verdicts: vs, Facts: facts, AsOf: asOf}); d.Outcome != Insurable || d.Tier != "A" || d.Score != 1 {
		t.Errorf("all pass: %+v", d)
	}
	vs[0].Status = check.Fail
	if d := Decide(Input{Profile: p, Verdicts: vs, Facts: facts, AsOf: asOf}); d.Outcome != Declined {
		t.Errorf("A1 fails: %s", d.Outcome)
	}
	vs[0].Status = check.Pass
	for i := range vs {
		if vs[i].ID == "R3" {
			vs[i].Status = check.Fail
		}
	}
	if d := Decide(Input{Profile: p, Verdicts: vs, Facts: facts, AsOf: asOf}); d.Outcome != Insurable || d.Score >= 1 {
		t.Errorf("R3 (not mandatory) fails: %s %v", d.Outcome, d.Score)
	}
}
