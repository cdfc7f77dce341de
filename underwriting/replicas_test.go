package underwriting_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/internal/pgtest"
	"github.com/insurable/insurable/policy"
	"github.com/insurable/insurable/postgres"
	"github.com/insurable/insurable/underwriting"
)

// TestReplicasOnPostgres runs two services on one PostgreSQL database, as
// two `insurable serve` replicas: an import made through one is seen by
// both, its job runs exactly once though both look for jobs, and the
// affected policy is re-evaluated once.
func TestReplicasOnPostgres(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Fresh(t)
	clk := &testClock{t: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	replica := func(seed byte) *underwriting.Service {
		store, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		svc, err := underwriting.New(underwriting.Config{Store: store, Engine: testEngine(t), DataDir: filepath.Join(t.TempDir(), "data"),
			Now: clk.Now, Rand: chacha{rand.NewChaCha8([32]byte{seed})}, Replica: fmt.Sprint("replica-", seed)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { svc.Close(); store.Close() })
		return svc
	}
	a, b := replica(1), replica(2)
	cons := must(a.Bootstrap(ctx, access.Consortium, "Consortium", "op", 0))
	ins := must(a.Bootstrap(ctx, access.Insurer, "Insurer", "uw", 0))
	firm := must(a.Bootstrap(ctx, access.Firm, "Firm", "ciso", 0))
	insP, fp := principal(ins), principal(firm)
	lenient, _ := os.ReadFile("testdata/lenient.yaml")
	prof := must(a.CreateProfile(ctx, insP, underwriting.NewProfile{YAML: string(lenient)}))
	must(a.PutGrant(ctx, fp, firm.Org.ID, ins.Org.ID))
	must3(a.UploadEvidence(ctx, fp, firm.Org.ID, bytes.NewReader(manufacturer(t, "2.3.41"))))
	pol := must(a.Apply(ctx, fp, underwriting.NewApplication{Insurer: ins.Org.ID, Profile: prof.ID}))
	// Replica b assesses and issues what replica a recorded; b unpacks the
	// evidence from the database.
	must(b.Assess(ctx, insP, pol.ID, underwriting.AssessRequest{}))
	must(b.Transition(ctx, insP, pol.ID, underwriting.Act{Event: policy.Quote, Premium: 1, Currency: "EUR"}))
	must(a.Transition(ctx, insP, pol.ID, underwriting.Act{Event: policy.Issue}))

	doc, _ := os.ReadFile("testdata/icsa-26-900-01.json")
	res := must(a.ImportAdvisories(ctx, principal(cons), [][]byte{doc}))
	fa, fb := must(a.Feeds(ctx, insP)), must(b.Feeds(ctx, insP))
	if fa.Digest != fb.Digest || fa.Generation != fb.Generation {
		t.Errorf("the replicas assess with different feeds: %s@%d and %s@%d", fa.Digest, fa.Generation, fb.Digest, fb.Generation)
	}
	before, _ := must2(a.ListAssessments(ctx, insP, pol.ID, underwriting.Page{}))
	var wg sync.WaitGroup
	ran := make([]bool, 2)
	for i, svc := range []*underwriting.Service{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				ok, err := svc.RunOneJob(ctx)
				if err != nil {
					t.Error(err)
				}
				if !ok {
					return
				}
				ran[i] = true
			}
		}()
	}
	wg.Wait()
	if ran[0] == ran[1] {
		t.Errorf("the job ran on replica a: %v, on b: %v; want exactly one", ran[0], ran[1])
	}
	job := must(a.GetJob(ctx, principal(cons), res.Job))
	if job.State != underwriting.JobDone || job.Attempts != 1 {
		t.Errorf("job %+v", job)
	}
	after, _ := must2(b.ListAssessments(ctx, insP, pol.ID, underwriting.Page{}))
	if len(after) != len(before)+1 {
		t.Errorf("%d assessments after the import, want %d", len(after), len(before)+1)
	}
}
