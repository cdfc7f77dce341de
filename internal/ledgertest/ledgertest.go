// Package ledgertest makes decision-log entries of the sizes and shapes
// the service logs, for the benchmarks of the log and of the service.
package ledgertest

import (
	"fmt"
	"time"

	"github.com/insurable/insurable/ledger"
)

// At is the time of the first entry; entry i is i milliseconds later.
var At = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

func digest(s string, i int) string { return ledger.Digest(fmt.Appendf(nil, "%s %d", s, i)) }

// Entry returns the i-th entry of a run for a policy: one in four an
// assessment (four feeds, two remediation items resolved; about 1 KB),
// the others transitions with sequence number seq (about 400 bytes).
func Entry(i int, policy, firm, insurer string, seq int) *ledger.Entry {
	e := &ledger.Entry{Policy: policy, Firm: firm, Insurer: insurer, Actor: "usr_01a21c3ba280edaf2a936f", At: ledger.Time(At.Add(time.Duration(i) * time.Millisecond))}
	if i%4 == 0 {
		e.Kind, e.Record = ledger.KindAssessment, fmt.Sprintf("asm_bench%017d", i)
		e.Assessment = &ledger.AssessmentFact{Kind: "monitoring", AsOf: "2026-11-27", Outcome: "conditional", Tier: "B", Score: 0.7312,
			Evidence: digest("evidence", i), Catalog: ledger.Input{ID: "iiot-ssdp", Version: "1.0.0", Digest: digest("catalog", 0)},
			Profile: ledger.Input{ID: "baseline", Version: "1.0.0", Digest: digest("profile", 0)}, FeedSet: digest("feeds", i/1000),
			Result: digest("result", i), Resolved: []string{"RP-A1-01", "RP-B6-04"}}
		for _, f := range []string{"csaf", "kev", "epss", "osv"} {
			e.Assessment.Feeds = append(e.Assessment.Feeds, ledger.Input{ID: f, Version: "2026-11-27", Digest: digest(f, i/1000)})
		}
		return e
	}
	e.Kind, e.Record = ledger.KindTransition, fmt.Sprintf("trn_bench%017d", i)
	e.Transition = &ledger.TransitionFact{Seq: seq, Event: "grace-start", From: "issued", To: "grace",
		Assessment: fmt.Sprintf("asm_bench%017d", i/4*4), Reason: digest("reason", i)}
	return e
}
