package checks

import (
	"context"
	"fmt"
	"strings"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/protocol"
)

// ramArea verifies one area (R1–R8) of the Responsibility Assignment Matrix:
// exactly one person Accountable, at least one Responsible, everyone named
// listed among the matrix's people, and the area's remediation items not
// overdue. The eight checks differ only in their area; each is declared in
// its own file.
type ramArea struct{ base }

func newRAMArea(id protocol.ID, name string) check.Check {
	return ramArea{base{name: name, version: 1, item: id}}
}

func (c ramArea) Run(ctx context.Context, env *check.Env, r *check.Report) error {
	cat := protocol.Default()
	area, _ := cat.Item(c.item)
	ram := env.Bundle.RAM
	code := strings.ToLower(string(c.item))
	if ram == nil {
		missing(r, code+".no-ram", check.High, "No Responsibility Assignment Matrix",
			fmt.Sprintf("Nobody is assigned to %s: the bundle holds no ram.yaml.", lower(area.Title)),
			"Write ram.yaml assigning Responsible and Accountable people to each area.", evidence.PathRAM)
		return nil
	}
	raci := ram.Areas[string(c.item)]
	if raci == nil {
		missing(r, code+".unassigned", check.High, "Area not in the matrix",
			fmt.Sprintf("The matrix does not assign %s %s.", c.item, lower(area.Title)),
			fmt.Sprintf("Add %s to ram.yaml with one Accountable and at least one Responsible person.", c.item), evidence.PathRAM)
		return nil
	}
	ok := true
	if len(raci.Accountable) != 1 {
		ok = false
		r.Add(check.Finding{
			Code: code + ".accountable", Status: check.Fail, Severity: check.High,
			Title:       fmt.Sprintf("%d people accountable, not exactly one", len(raci.Accountable)),
			Explanation: fmt.Sprintf("Exactly one person must be accountable for %s; the matrix names %s.", lower(area.Title), orNone(raci.Accountable)),
			Remediation: "Name a single accountable person for the area.",
			Evidence:    []evidence.Ref{raci.Ref.WithField("accountable")},
		})
	}
	if len(raci.Responsible) == 0 {
		ok = false
		r.Add(check.Finding{
			Code: code + ".responsible", Status: check.Fail, Severity: check.High,
			Title:       "Nobody responsible",
			Explanation: fmt.Sprintf("No one is responsible for doing the work of %s.", lower(area.Title)),
			Remediation: "Name at least one responsible person for the area.",
			Evidence:    []evidence.Ref{raci.Ref.WithField("responsible")},
		})
	}
	if len(ram.People) > 0 {
		known := map[string]bool{}
		for _, p := range ram.People {
			known[p.Name] = true
		}
		var unknown []string
		for _, n := range append(append(append(append([]string{}, raci.Responsible...), raci.Accountable...), raci.Consulted...), raci.Informed...) {
			if !known[n] {
				unknown = append(unknown, n)
			}
		}
		if len(unknown) > 0 {
			ok = false
			r.Add(check.Finding{
				Code: code + ".unknown-people", Status: check.Fail, Severity: check.Low,
				Title:       "Matrix names people it does not list",
				Explanation: "These names appear in the area but not among the matrix's people: " + strings.Join(unknown, ", ") + ".",
				Remediation: "List every person with a role in ram.yaml's people, or correct the names.",
				Evidence:    []evidence.Ref{raci.Ref},
			})
		}
	}
	var overdue check.Set
	open := 0
	for i := range env.Bundle.Remediation {
		it := &env.Bundle.Remediation[i]
		if areaOf(cat, it.Requirement) != c.item || closedStatus(it.Status) {
			continue
		}
		open++
		if !it.Due.IsZero() && it.Due.Before(env.AsOf) {
			overdue.Add(fmt.Sprintf("%s (due %s)", it.ID, it.Due), it.Ref)
		}
	}
	r.Fact(code+"_remediation_overdue", overdue.Len())
	if overdue.Len() > 0 {
		ok = false
		r.Add(overdue.Fill(check.Finding{
			Code: code + ".remediation-overdue", Status: check.Fail, Severity: check.Medium,
			Title:       plural(overdue.Len(), "remediation item is", "remediation items are") + " overdue",
			Explanation: fmt.Sprintf("The firm's gap-remediation plan for %s has items past their due date.", lower(area.Title)),
			Remediation: "Close the overdue items, or re-plan them with the accountable person's approval.",
		}))
	}
	if ok {
		r.Add(check.Finding{
			Code: code + ".assigned", Status: check.Pass,
			Title:       fmt.Sprintf("%s accountable; %s responsible", raci.Accountable[0], list(raci.Responsible, 3)),
			Explanation: fmt.Sprintf("%s has one accountable person and %s; %s of its remediation plan open, none overdue.", area.Title, plural(len(raci.Responsible), "responsible person", "responsible people"), plural(open, "item", "items")),
			Evidence:    []evidence.Ref{raci.Ref},
		})
	}
	return nil
}

// areaOf returns the responsibility area that answers for a catalog item
// (the item itself for an area).
func areaOf(cat *protocol.Catalog, id string) protocol.ID {
	it, ok := cat.Item(protocol.ID(id))
	if !ok {
		return ""
	}
	if it.Kind == protocol.RAMArea {
		return it.ID
	}
	return it.Area
}

func closedStatus(s string) bool {
	switch strings.ToLower(s) {
	case "done", "closed", "verified", "accepted":
		return true
	}
	return false
}
