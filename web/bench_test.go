package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/internal/servicetest"
	"github.com/insurable/insurable/policy"
	"github.com/insurable/insurable/server"
	"github.com/insurable/insurable/underwriting"
	"github.com/insurable/insurable/web"
)

// portfolioOf fills the store with an insurer's portfolio of n firms,
// each with a policy in one of the lifecycle's states and an assessment
// summary, written straight to the store (assessing 1,000 real bundles
// would take minutes and measure the engine, not the page). It returns
// a logged-in session cookie of the insurer and the handler.
func portfolioOf(tb testing.TB, n int) (http.Handler, *http.Cookie) {
	env := servicetest.New(tb)
	ctx := context.Background()
	ins := env.Bootstrap(access.Insurer, "Harbor Mutual Insurance")
	states := []policy.State{policy.Issued, policy.Issued, policy.Issued, policy.Renewal, policy.Suspended, policy.Quoted, policy.Declined, policy.Application}
	asOf := evidence.MustDate("2026-11-26")
	created := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	err := env.Store.Tx(ctx, func(tx underwriting.Tx) error {
		var asms []*underwriting.Assessment
		for i := range n {
			firm := &underwriting.Org{ID: fmt.Sprintf("org_f%05d", i), Kind: access.Firm, Name: fmt.Sprintf("Firm %05d Utilities", i), Created: created}
			if err := tx.CreateOrg(ctx, firm); err != nil {
				return err
			}
			st := states[i%len(states)]
			pol := &underwriting.Policy{ID: fmt.Sprintf("pol_%05d", i), Firm: firm.ID, Insurer: ins.Org.ID, Profile: "prf_baseline", Version: 1, Created: created, Updated: created}
			pol.State = st
			if st != policy.Application {
				out := policy.Insurable
				if st == policy.Declined {
					out = policy.NotInsured
				}
				asm := &underwriting.Assessment{ID: fmt.Sprintf("asm_%05d", i), Policy: pol.ID, Firm: firm.ID, Kind: underwriting.KindUnderwriting, AsOf: asOf,
					Outcome: out, Tier: string(rune('A' + i%4)), Score: float64(i%100) / 100, Digest: "sha256:00", Created: created, Result: []byte("{}"),
					Summary: &underwriting.AssessmentSummary{Exposure: underwriting.Exposure{Critical: i % 3, High: i % 7, Medium: i % 11, Low: i % 5, KEV: i % 2}, Failing: i % 9, PlanItems: i % 13}}
				asms = append(asms, asm)
				pol.Assessment = &policy.Assessment{ID: asm.ID, AsOf: asOf, Recorded: asOf, Outcome: out}
			}
			if st.InForce() || st == policy.Suspended {
				pol.IssuedOn, pol.Expires = asOf.Plus(evidence.Period{Months: -11}), asOf.Plus(evidence.Period{Days: i % 120})
			}
			if st == policy.Suspended {
				pol.SuspendedOn = asOf
			}
			if i%10 == 1 {
				pol.OutSince, pol.Grace = asOf, asOf.Plus(evidence.Period{Days: 30})
			}
			if err := tx.CreatePolicy(ctx, pol); err != nil {
				return err
			}
		}
		// An assessment refers to its policy.
		for _, a := range asms {
			if err := tx.CreateAssessment(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	secret, _, _, err := env.Svc.Login(ctx, ins.Token.Secret)
	if err != nil {
		tb.Fatal(err)
	}
	ui, err := web.New(web.Config{Service: env.Svc})
	if err != nil {
		tb.Fatal(err)
	}
	return server.New(server.Config{Service: env.Svc, Web: ui}), &http.Cookie{Name: web.SessionCookie, Value: secret}
}

// BenchmarkPortfolioPage renders the portfolio of 1,000 firms: the
// queries, the charts and the table. Target: ≤ 200 ms.
func BenchmarkPortfolioPage(b *testing.B) {
	h, cookie := portfolioOf(b, 1000)
	req := httptest.NewRequest("GET", "/portfolio", nil)
	req.AddCookie(cookie)
	var size int
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.String()[:min(rec.Body.Len(), 300)])
		}
		size = rec.Body.Len()
	}
	b.ReportMetric(float64(size)/1024, "KiB/page")
}

// TestPortfolioOfAThousand checks the benchmark's page: every firm is
// listed, once.
func TestPortfolioOfAThousand(t *testing.T) {
	h, cookie := portfolioOf(t, 1000)
	req := httptest.NewRequest("GET", "/portfolio", nil)
	req.AddCookie(cookie)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	for _, want := range []string{"Firm 00000 Utilities", "Firm 00999 Utilities", "1000 policies for 1000 firms"} {
		if strings.Count(string(body), want) < 1 {
			t.Errorf("the page lacks %q", want)
		}
	}
	if n := strings.Count(string(body), `<tr>`+"\n"+`<td><a href="/firms/`); n != 1000 {
		t.Errorf("%d rows in the table, want 1000", n)
	}
}
