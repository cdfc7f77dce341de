package cryptoevidence

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/hardware"
)

type state struct {
	file string
	s    *hardware.State
}

// CompareHardware compares, for every device, its latest baseline under
// hardware/baselines/ with its latest snapshot under hardware/snapshots/
// (by the date each was taken), approving each difference by the change
// records of changes/changes.yaml that the snapshot cites. It returns an
// error only when ctx ends.
func (v *Verifiers) CompareHardware(ctx context.Context, b *evidence.Bundle) (*check.HardwareReport, error) {
	rep := &check.HardwareReport{}
	files := b.Files[evidence.DirHardware]
	read := func(dir string) map[string]state {
		names := withExt(under(files, dir), ".yaml", ".yml", ".json", ".jsonl")
		states := make([][]*hardware.State, len(names))
		errs := make([][]error, len(names))
		// A fleet keeps two states per device: read and parse them on all
		// processors.
		_ = parallel(len(names), func(i int) error {
			data, err := b.ReadFile(names[i], 256<<20)
			switch {
			case err != nil:
				errs[i] = []error{err}
			case strings.HasSuffix(strings.ToLower(names[i]), ".jsonl"):
				states[i], errs[i] = hardware.ParseLines(names[i], data)
			default:
				var s *hardware.State
				if s, err = hardware.Parse(names[i], data); err != nil {
					errs[i] = []error{err}
				} else {
					states[i] = []*hardware.State{s}
				}
			}
			return nil
		})
		latest := map[string]state{}
		for i := range names {
			for _, err := range errs[i] {
				rep.Problems = append(rep.Problems, err.Error())
			}
			for _, s := range states[i] {
				if prev, ok := latest[s.Asset]; !ok || prev.s.Taken.Before(s.Taken) {
					latest[s.Asset] = state{names[i], s}
				}
			}
		}
		return latest
	}
	baselines, snapshots := read(DirBaselines), read(DirSnapshots)
	inventory := map[string]bool{}
	for _, a := range b.Assets {
		inventory[a.ID] = true
	}
	assets := map[string]bool{}
	for a := range baselines {
		assets[a] = true
	}
	for a := range snapshots {
		assets[a] = true
	}
	ids := make([]string, 0, len(assets))
	for a := range assets {
		ids = append(ids, a)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		base, hasBase := baselines[id]
		snap, hasSnap := snapshots[id]
		r := check.HardwareResult{AssetID: id, Baseline: base.file, Snapshot: snap.file}
		switch {
		case !hasBase:
			r.Problem = fmt.Sprintf("snapshot %s has no baseline under %s/ to compare with", snap.file, DirBaselines)
		case !hasSnap:
			r.Problem = fmt.Sprintf("baseline %s has no current snapshot under %s/", base.file, DirSnapshots)
		case snap.s.Taken.Before(base.s.Taken):
			r.Problem = fmt.Sprintf("the latest snapshot (%s, %s) is older than the baseline (%s, %s)", snap.file, snap.s.Taken, base.file, base.s.Taken)
		default:
			for _, c := range hardware.Compare(base.s, snap.s, b.Changes) {
				r.Changes = append(r.Changes, c.Description)
				if !c.Approved() {
					r.Unapproved = append(r.Unapproved, c.String())
				}
			}
		}
		if !inventory[id] && r.Problem == "" {
			r.Problem = fmt.Sprintf("device %s is not in the inventory", id)
		}
		rep.Devices = append(rep.Devices, r)
	}
	for _, a := range b.Assets {
		if _, ok := baselines[a.ID]; !ok {
			rep.Missing = append(rep.Missing, a.ID)
		}
	}
	return rep, nil
}
