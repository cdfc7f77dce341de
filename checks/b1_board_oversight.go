package checks

import (
	"context"
	"fmt"
	"strings"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
)

// boardOversight verifies B1: the board formally reviewed the IIoT cyber
// strategy (prevention, transfer and response) with the continuity plans,
// recently, and a named director attests it with a signature.
type boardOversight struct{ base }

func newBoardOversight() check.Check {
	return boardOversight{base{name: "b1-board-oversight", version: 1, item: "B1"}}
}

// strategyParts are what the board's review must cover.
var strategyParts = []string{"prevention", "transfer", "response"}

func (c boardOversight) Run(ctx context.Context, env *check.Env, r *check.Report) error {
	g := env.Bundle.Governance
	if len(g.BoardReviews) == 0 {
		r.Fact("board_review_age_days", -1)
		missing(r, "b1.no-board-review", check.High, "No board review of the IIoT cyber strategy",
			"Nothing shows that the board or senior leadership formally reviewed the IIoT cyber strategy.",
			"Have the board review the IIoT cyber strategy (prevention, transfer, response) with the continuity plans, minute it, and record it in governance/board-reviews.yaml with a signed attestation.", evidence.PathBoardReviews)
		return nil
	}
	i := latest(len(g.BoardReviews), func(i int) evidence.Date { return g.BoardReviews[i].Date })
	if i < 0 {
		missing(r, "b1.no-board-review", check.High, "No dated board review", "No board review carries a date.", "Date each board review.", evidence.PathBoardReviews)
		return nil
	}
	rev := &g.BoardReviews[i]
	age := env.AsOf.DaysSince(rev.Date)
	r.Fact("board_review_age_days", age)
	ok := true
	if rev.Date.Before(env.AsOf.Minus(env.Settings.BoardReview)) {
		ok = false
		r.Add(check.Finding{
			Code: "b1.board-review-stale", Status: check.Fail, Severity: check.High,
			Title:       "Latest board review is older than " + env.Settings.BoardReview.String(),
			Explanation: fmt.Sprintf("The board last reviewed the IIoT cyber strategy on %s, %d days before %s; the profile requires a review within %s.", rev.Date, age, env.AsOf, env.Settings.BoardReview),
			Remediation: "Put the IIoT cyber strategy on the board's agenda and record the review.",
			Evidence:    []evidence.Ref{rev.Ref.WithField("date")},
		})
	}
	have := map[string]bool{}
	for _, p := range rev.Covers {
		have[strings.ToLower(p)] = true
	}
	var lacking []string
	for _, p := range strategyParts {
		if !have[p] {
			lacking = append(lacking, p)
		}
	}
	if len(lacking) > 0 {
		ok = false
		r.Add(check.Finding{
			Code: "b1.strategy-incomplete", Status: check.Fail, Severity: check.Medium,
			Title:       "Board review did not cover " + strings.Join(lacking, ", "),
			Explanation: "The Protocol asks the board to review prevention, transfer (insurance) and response; the latest review covered " + orNone(rev.Covers) + ".",
			Remediation: "Cover all three parts of the strategy at the next review.",
			Evidence:    []evidence.Ref{rev.Ref.WithField("covers")},
		})
	}
	if !rev.ContinuityReviewed {
		ok = false
		r.Add(check.Finding{
			Code: "b1.continuity-not-reviewed", Status: check.Fail, Severity: check.Low,
			Title:       "Board review left out the business continuity plans",
			Explanation: "The Protocol places the cyber strategy within the risk management strategy and business continuity plans; the review did not take up the continuity plans.",
			Remediation: "Review the continuity plans together with the cyber strategy.",
			Evidence:    []evidence.Ref{rev.Ref.WithField("continuity_plan_reviewed")},
		})
	}
	if attestation(ctx, env, r, rev.Attestation, rev.Ref, "b1.board-review", "The board review of "+rev.Date.String(), nil) != check.Pass {
		ok = false
	}
	if ok {
		r.Add(check.Finding{
			Code: "b1.board-review", Status: check.Pass,
			Title:       fmt.Sprintf("Board reviewed the IIoT cyber strategy on %s", rev.Date),
			Explanation: fmt.Sprintf("%s reviewed prevention, transfer and response with the continuity plans %d days ago.", firstNonEmpty(rev.Body, "The board"), age),
			Evidence:    []evidence.Ref{rev.Ref},
		})
	}
	return nil
}
