package checks

import (
	"context"
	"fmt"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/protocol"
)

// internalSafeguards derives O1 from the verdicts on Section I: the firm's
// internal safeguards show compliance when every requirement A1–C2 passes.
// It runs after the requirement checks.
type internalSafeguards struct{ base }

func newInternalSafeguards() check.Check {
	return internalSafeguards{base{name: "o1-internal-safeguards", version: 1, item: "O1"}}
}

func (c internalSafeguards) Run(ctx context.Context, env *check.Env, r *check.Report) error {
	var failing, review []string
	total := 0
	for _, it := range protocol.Default().Items {
		if it.Kind != protocol.Requirement {
			continue
		}
		total++
		st, ok := env.Prior(string(it.ID))
		switch {
		case !ok:
			review = append(review, string(it.ID))
		case st == check.Fail:
			failing = append(failing, string(it.ID))
		case st == check.NeedsReview:
			review = append(review, string(it.ID))
		}
	}
	passing := total - len(failing) - len(review)
	r.Fact("section1_passing", passing)
	r.Fact("section1_failing", len(failing))
	switch {
	case len(failing) > 0:
		r.Add(check.Finding{
			Code: "o1.requirements-failing", Status: check.Fail, Severity: check.Medium,
			Title:       fmt.Sprintf("%d of %d Section I requirements fail", len(failing), total),
			Explanation: "Internal safeguards do not yet show compliance with Section I: " + list(failing, 18) + " fail.",
			Remediation: "Work through the remediation plan for the failing requirements.",
			Subjects:    failing,
			Evidence:    []evidence.Ref{},
		})
	case len(review) > 0:
		r.Add(check.Finding{
			Code: "o1.requirements-need-review", Status: check.NeedsReview, Severity: check.Low,
			Title:       fmt.Sprintf("%d of %d Section I requirements need review", len(review), total),
			Explanation: "No requirement fails, but the evidence for " + list(review, 18) + " needs review before compliance is shown.",
			Remediation: "Supply verified evidence for the requirements under review.",
			Subjects:    review,
		})
	default:
		r.Add(check.Finding{
			Code: "o1.section1-met", Status: check.Pass,
			Title:       fmt.Sprintf("All %d Section I requirements pass", total),
			Explanation: "The firm's internal safeguards meet every requirement of Section I on verified evidence.",
		})
	}
	return nil
}
