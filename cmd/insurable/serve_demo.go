package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/demo"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/policy"
	"github.com/insurable/insurable/tarball"
	"github.com/insurable/insurable/underwriting"
)

// demoFirm is one example firm of serve --demo: the bundle in examples/
// when serve runs in the repository, else the same bundle generated.
type demoFirm struct {
	name     string
	example  string
	scenario demo.Scenario
	devices  int
	seed     uint64
}

var demoFirms = []demoFirm{
	{name: "Riverbend Water Authority", example: "riverbend-water", scenario: demo.Water, devices: 150, seed: 1},
	{name: "Keystone Precision Components", example: "keystone-precision", scenario: demo.Manufacturer, devices: 80, seed: 1},
}

// demoAsOf is the snapshot date of the example bundles.
var demoAsOf = evidence.MustDate("2026-11-26")

func (m *ServeMain) demoBundle(f demoFirm) ([]byte, error) {
	if fi, err := os.Stat(filepath.Join("examples", f.example, evidence.PathManifest)); err == nil && fi.Mode().IsRegular() {
		return tarball.Pack(filepath.Join("examples", f.example))
	}
	dir := filepath.Join(m.cfg.DataDir, "tmp", "demo-"+f.example)
	os.RemoveAll(dir)
	defer os.RemoveAll(dir)
	err := demo.Generate(demo.Options{Scenario: f.scenario, Devices: f.devices, Seed: f.seed, AsOf: demoAsOf, Out: dir, Crypto: m.app.cryptoMaker()})
	if err != nil {
		return nil, err
	}
	return tarball.Pack(dir)
}

// seedDemo fills a fresh database with the demo: the consortium, an
// insurer with the baseline profile, an assessor, an arbiter and the
// example firms, who have granted the insurer and the assessor access,
// uploaded their evidence and applied; the insurer has assessed both
// applications and issued the policy the assessment allows.
func (m *ServeMain) seedDemo(ctx context.Context, out io.Writer) error {
	svc := m.Service
	ttl := 30 * 24 * time.Hour
	type seeded struct {
		what string
		seed *underwriting.Seed
	}
	var all []seeded
	mk := func(kind access.OrgKind, name, user string) (*underwriting.Seed, error) {
		s, err := svc.Bootstrap(ctx, kind, name, user, ttl)
		if err == nil {
			all = append(all, seeded{string(kind), s})
		}
		return s, err
	}
	if _, err := mk(access.Consortium, "Clearinghouse Consortium", "operator"); err != nil {
		return err
	}
	ins, err := mk(access.Insurer, "Harbor Mutual Insurance", "underwriter")
	if err != nil {
		return err
	}
	asr, err := mk(access.Assessor, "Northgate Security Assessors", "assessor")
	if err != nil {
		return err
	}
	if _, err := mk(access.Arbiter, "Neutral Arbitration Panel", "arbiter"); err != nil {
		return err
	}
	insP := principalOf(ins)
	if _, err := svc.CreateProfile(ctx, insP, underwriting.NewProfile{Builtin: "baseline"}); err != nil {
		return err
	}
	var notes []string
	for _, f := range demoFirms {
		firm, err := mk(access.Firm, f.name, "security-officer")
		if err != nil {
			return err
		}
		fp := principalOf(firm)
		for _, org := range []string{ins.Org.ID, asr.Org.ID} {
			if _, err := svc.PutGrant(ctx, fp, firm.Org.ID, org); err != nil {
				return err
			}
		}
		data, err := m.demoBundle(f)
		if err != nil {
			return err
		}
		ev, _, err := svc.UploadEvidence(ctx, fp, firm.Org.ID, bytes.NewReader(data))
		if err != nil {
			return err
		}
		pol, err := svc.Apply(ctx, fp, underwriting.NewApplication{Insurer: ins.Org.ID})
		if err != nil {
			return err
		}
		a, err := svc.Assess(ctx, insP, pol.ID, underwriting.AssessRequest{Evidence: ev.ID})
		if err != nil {
			return err
		}
		note := fmt.Sprintf("%s: policy %s, assessment %s: %s tier %q", f.name, pol.ID, a.ID, a.Outcome, a.Tier)
		if a.Outcome != policy.NotInsured {
			if _, err := svc.Transition(ctx, insP, pol.ID, underwriting.Act{Event: policy.Quote, Premium: 48000, Currency: "USD", Term: "12mo"}); err != nil {
				return err
			}
			if _, err := svc.Transition(ctx, insP, pol.ID, underwriting.Act{Event: policy.Issue}); err != nil {
				note += " (quoted; not issued: " + err.Error() + ")"
			} else {
				note += ", issued"
			}
		}
		notes = append(notes, note)
	}
	fmt.Fprintf(out, "Demo data (tokens valid for 30 days; the data is removed when serve stops):\n")
	for _, s := range all {
		fmt.Fprintf(out, "  %-10s %-32s %s  token %s\n", s.what, s.seed.Org.Name, s.seed.Org.ID, s.seed.Token.Secret)
	}
	for _, n := range notes {
		fmt.Fprintf(out, "  %s\n", n)
	}
	m.demoTry = func(addr string) string {
		return fmt.Sprintf("Open http://%s/ and log in with the insurer's token (the portfolio) or a firm's (its posture).\n"+
			"Or try the API:\n  curl -H 'Authorization: Bearer %s' http://%s/api/policies\n", addr, ins.Token.Secret, addr)
	}
	return nil
}

func principalOf(s *underwriting.Seed) *access.Principal {
	all, _ := access.ParseScopes(nil)
	return &access.Principal{User: s.User.ID, Org: s.Org.ID, Kind: s.Org.Kind, Role: s.User.Role, Scopes: all, Token: s.Token.ID}
}
