package underwriting

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/assessment"
	"github.com/insurable/insurable/ledger"
)

// Ledger is the transparency log every decision and transition is
// appended to (package ledger/tlog, on tessera). The service queues each
// record's entry in the transaction that makes the record, and RunLedger
// moves queued entries to the log.
type Ledger interface {
	// Append adds entries and returns their indices, once durable.
	Append(ctx context.Context, entries [][]byte) ([]uint64, error)
	// Size is the number of entries integrated, published or not yet.
	Size(ctx context.Context) (uint64, error)
	ledger.LogReader
	// Verifier checks the log's checkpoints; PublicKey is its key in
	// the signed-note format, as published.
	Verifier() note.Verifier
	PublicKey() string
}

// Names of the log's settings and lease.
const (
	ledgerLease       = "ledger"
	metaVerifierKey   = "verifier_key"
	ledgerBatch       = 4096
	defaultLedgerWait = 5 * time.Second
)

// TransitionEntry is the log entry of a transition of pol.
func TransitionEntry(t *Transition, pol *Policy) *ledger.Entry {
	return &ledger.Entry{Kind: ledger.KindTransition, Record: t.ID, Policy: pol.ID, Firm: pol.Firm, Insurer: pol.Insurer,
		Actor: t.Actor, At: ledger.Time(t.At),
		Transition: &ledger.TransitionFact{Seq: t.Seq, Event: string(t.Event), From: string(t.From), To: string(t.To),
			Assessment: t.Assessment, Reason: ledger.Digest([]byte(t.Reason))}}
}

// AssessmentEntry is the log entry of an assessment of pol, whose result
// was made from inputs.
func AssessmentEntry(a *Assessment, pol *Policy, in *assessment.Inputs) *ledger.Entry {
	f := &ledger.AssessmentFact{Kind: a.Kind, AsOf: a.AsOf.String(), Outcome: string(a.Outcome), Tier: a.Tier, Score: a.Score,
		Evidence: a.Evidence, FeedSet: a.Feeds, Result: a.Digest,
		Catalog:  ledger.Input{ID: in.Catalog.ID, Version: in.Catalog.Version, Digest: in.Catalog.Digest},
		Profile:  ledger.Input{ID: in.Profile.ID, Version: in.Profile.Version, Digest: in.Profile.Digest},
		Resolved: a.Resolved, Reopened: a.Reopened}
	for _, fd := range in.Feeds {
		f.Feeds = append(f.Feeds, ledger.Input{ID: fd.Name, Version: fd.Version, Digest: fd.Digest})
	}
	return &ledger.Entry{Kind: ledger.KindAssessment, Record: a.ID, Policy: pol.ID, Firm: pol.Firm, Insurer: pol.Insurer,
		Actor: a.Actor, At: ledger.Time(a.Created), Assessment: f}
}

// resultInputs reads the inputs of a stored result.
func resultInputs(result []byte) (*assessment.Inputs, error) {
	var r struct {
		Inputs assessment.Inputs `json:"inputs"`
	}
	if err := json.Unmarshal(result, &r); err != nil {
		return nil, err
	}
	return &r.Inputs, nil
}

// addTransition records a transition and queues its log entry.
func (s *Service) addTransition(ctx context.Context, tx Tx, pol *Policy, t *Transition) error {
	if err := tx.AddTransition(ctx, t); err != nil {
		return err
	}
	return queueEntry(ctx, tx, TransitionEntry(t, pol), pol.ID)
}

// createAssessment records an assessment and queues its log entry.
func (s *Service) createAssessment(ctx context.Context, tx Tx, a *Assessment, pol *Policy, in *assessment.Inputs) error {
	if err := tx.CreateAssessment(ctx, a); err != nil {
		return err
	}
	return queueEntry(ctx, tx, AssessmentEntry(a, pol, in), pol.ID)
}

func queueEntry(ctx context.Context, tx Tx, e *ledger.Entry, policyID string) error {
	data, err := ledger.Encode(e)
	if err != nil {
		return insurable.Wrap("underwriting.queueEntry", insurable.Internal, err)
	}
	at, _ := time.Parse(time.RFC3339Nano, e.At)
	return tx.QueueLedgerEntry(ctx, &LedgerEntry{Record: e.Record, Kind: e.Kind, Policy: policyID, Entry: data, Index: -1, Created: at})
}

// kickLedger wakes the log's appender after a commit.
func (s *Service) kickLedger() {
	select {
	case s.ledgerKick <- struct{}{}:
	default:
	}
}

// PinLedgerKey records the log's public key in the database on first
// use, and refuses to go on when the database was logged under another
// key: replicas must share one log and one key.
func (s *Service) PinLedgerKey(ctx context.Context) error {
	const op insurable.Op = "underwriting.PinLedgerKey"
	l := s.cfg.Ledger
	if l == nil {
		return nil
	}
	key := l.PublicKey()
	return s.tx(ctx, func(tx Tx) error {
		old, err := tx.LedgerMeta(ctx, metaVerifierKey)
		switch {
		case insurable.ErrorKind(err) == insurable.NotExist:
			return tx.PutLedgerMeta(ctx, metaVerifierKey, key)
		case err != nil:
			return err
		case old != key:
			return insurable.Errorf(op, insurable.Conflict, "this database's decisions are logged under the key %s, not %s: give the log's own signing key", old, key)
		}
		return nil
	})
}

// BackfillLedger queues the entries of records made before the log
// existed (a database upgraded from an earlier version), so that they
// are logged from now on. It returns how many it queued.
func (s *Service) BackfillLedger(ctx context.Context) (int, error) {
	n := 0
	for {
		added := 0
		err := s.tx(ctx, func(tx Tx) error {
			ts, err := tx.UnloggedTransitions(ctx, 500)
			if err != nil {
				return err
			}
			for _, t := range ts {
				pol, err := tx.Policy(ctx, t.Policy)
				if err != nil {
					return err
				}
				if err := queueEntry(ctx, tx, TransitionEntry(t, pol), pol.ID); err != nil {
					return err
				}
				added++
			}
			as, err := tx.UnloggedAssessments(ctx, 100)
			if err != nil {
				return err
			}
			for _, a := range as {
				full, err := tx.Assessment(ctx, a.ID)
				if err != nil {
					return err
				}
				pol, err := tx.Policy(ctx, a.Policy)
				if err != nil {
					return err
				}
				in, err := storedInputs(full)
				if err != nil {
					return err
				}
				if err := queueEntry(ctx, tx, AssessmentEntry(a, pol, in), pol.ID); err != nil {
					return err
				}
				added++
			}
			return nil
		})
		if err != nil || added == 0 {
			return n, err
		}
		n += added
	}
}

// storedInputs reads the inputs of a stored (compressed) result.
func storedInputs(a *Assessment) (*assessment.Inputs, error) {
	data, err := Gunzip(a.Result)
	if err != nil {
		return nil, fmt.Errorf("assessment %s: the stored result: %w", a.ID, err)
	}
	return resultInputs(data)
}

// RunLedger appends queued entries to the log until ctx ends: right
// after a commit on this replica, and every poll for those of others.
// One replica at a time appends, through a lease in the database; one
// that dies loses it and another takes over. Entries are appended before
// their indices are recorded, so a crash in between leaves entries in the
// log that the database does not know yet: the next run finds them at
// the log's end and records their indices instead of appending them
// again.
func (s *Service) RunLedger(ctx context.Context, poll time.Duration) {
	if s.cfg.Ledger == nil {
		return
	}
	if poll <= 0 {
		poll = time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	known := int64(-1) // the log's size as this replica last saw it
	for {
		if _, err := s.PumpLedger(ctx, &known); err != nil && ctx.Err() == nil {
			s.log.Warn("appending to the decision log", "err", err)
			known = -1
		}
		select {
		case <-ctx.Done():
			return
		case <-s.ledgerKick:
		case <-t.C:
		}
	}
}

// PumpLedger appends every queued entry to the log, if this replica holds
// the log's lease, and records their indices; it returns how many it
// appended. known carries the log's size from one call to the next (-1
// when unknown).
func (s *Service) PumpLedger(ctx context.Context, known *int64) (int, error) {
	l := s.cfg.Ledger
	if l == nil {
		return 0, nil
	}
	lease := func() (bool, error) {
		var held bool
		err := s.store.Tx(ctx, func(tx Tx) error {
			var err error
			held, err = tx.ClaimLease(ctx, ledgerLease, s.cfg.Replica, s.now(), s.now().Add(s.cfg.JobLease))
			return err
		})
		return held, err
	}
	held, err := lease()
	if err != nil || !held {
		*known = -1
		return 0, err
	}
	if err := s.recoverLedger(ctx, known); err != nil {
		return 0, err
	}
	total := 0
	for {
		var pending []*LedgerEntry
		if err := s.view(ctx, func(tx Tx) error {
			var err error
			pending, err = tx.PendingLedgerEntries(ctx, ledgerBatch)
			return err
		}); err != nil {
			return total, err
		}
		if len(pending) == 0 {
			return total, nil
		}
		data := make([][]byte, len(pending))
		for i, e := range pending {
			data[i] = e.Entry
		}
		idx, err := l.Append(ctx, data)
		if err != nil {
			*known = -1
			return total, err
		}
		if err := s.recordIndices(context.WithoutCancel(ctx), pending, idx); err != nil {
			// Some of the batch's indices may be recorded and others not:
			// the next run looks at the log from the batch's first entry.
			*known = int64(slices.Min(idx))
			return total, err
		}
		for _, i := range idx {
			*known = max(*known, int64(i)+1)
		}
		total += len(pending)
		s.observe("ledger_appended", len(pending))
		if held, err := lease(); err != nil || !held {
			return total, err
		}
	}
}

// ledgerRecorders is how many transactions record a batch's indices at
// once: on PostgreSQL each index is a round trip, and several
// connections overlap them (SQLite's one writer takes them in turn).
const ledgerRecorders = 4

// recordIndices records the index the log gave each pending entry, in up
// to ledgerRecorders transactions at once.
func (s *Service) recordIndices(ctx context.Context, pending []*LedgerEntry, idx []uint64) error {
	n := len(pending)
	if n == 0 {
		return nil
	}
	chunks := min(ledgerRecorders, (n+511)/512)
	size := (n + chunks - 1) / chunks
	errs := make([]error, chunks)
	var wg sync.WaitGroup
	for c := range chunks {
		from, to := c*size, min(n, (c+1)*size)
		wg.Go(func() {
			errs[c] = s.store.Tx(ctx, func(tx Tx) error {
				for i := from; i < to; i++ {
					if _, err := tx.SetLedgerIndex(ctx, pending[i].Record, idx[i]); err != nil {
						return err
					}
				}
				return nil
			})
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// recoverLedger records the indices of entries in the log that the
// database does not know: appended by a replica that stopped before
// recording them (at the log's end), or whose batch was recorded in part
// (within the last batch below the highest index recorded, since a batch
// is appended only once the one before is recorded). known is where this
// replica knows the log to be recorded up to; -1 when it does not know.
func (s *Service) recoverLedger(ctx context.Context, known *int64) error {
	l := s.cfg.Ledger
	size, err := l.Size(ctx)
	if err != nil {
		return err
	}
	if *known < 0 {
		var maxIdx int64
		if err := s.view(ctx, func(tx Tx) error {
			var err error
			maxIdx, err = tx.MaxLedgerIndex(ctx)
			return err
		}); err != nil {
			return err
		}
		*known = max(0, maxIdx+1-ledgerBatch)
	}
	if uint64(*known) >= size {
		return nil
	}
	// The entries since known, by record; the records still waiting for
	// an index among them are the oldest queued (a batch takes the oldest).
	inLog := map[string]uint64{}
	err = l.Entries(ctx, uint64(*known), size, func(i uint64, data []byte) error {
		e, err := ledger.Decode(data)
		if err != nil {
			return fmt.Errorf("log entry %d: %w", i, err)
		}
		if _, dup := inLog[e.Record]; !dup {
			inLog[e.Record] = i
		}
		return nil
	})
	if err != nil {
		return err
	}
	var waiting []*LedgerEntry
	if err := s.view(ctx, func(tx Tx) error {
		var err error
		waiting, err = tx.PendingLedgerEntries(ctx, 2*ledgerBatch)
		return err
	}); err != nil {
		return err
	}
	var found []*LedgerEntry
	var idx []uint64
	for _, e := range waiting {
		if i, ok := inLog[e.Record]; ok {
			found, idx = append(found, e), append(idx, i)
		}
	}
	if len(found) > 0 {
		if err := s.recordIndices(ctx, found, idx); err != nil {
			return err
		}
		s.log.Info("recorded the indices of entries appended before a stop", "entries", len(found), "from", *known, "to", size)
	}
	*known = int64(size)
	return nil
}

// LedgerInfo describes the log: its name, public key and latest
// checkpoint. It is public.
type LedgerInfo struct {
	Origin string `json:"origin"`
	// PublicKey is the verifier key (C2SP signed-note) of the log's
	// checkpoints.
	PublicKey  string `json:"public_key"`
	Size       uint64 `json:"size"`
	Root       string `json:"root"`
	Checkpoint string `json:"checkpoint"`
	// Pending counts the records queued and not yet in the log.
	Pending int `json:"pending"`
}

// LedgerInfo returns the log's description; NotExist when the service
// keeps no log.
func (s *Service) LedgerInfo(ctx context.Context) (*LedgerInfo, error) {
	const op insurable.Op = "underwriting.LedgerInfo"
	l := s.cfg.Ledger
	if l == nil {
		return nil, insurable.Errorf(op, insurable.NotExist, "this service keeps no decision log")
	}
	info := &LedgerInfo{Origin: l.Verifier().Name(), PublicKey: l.PublicKey()}
	if raw, err := l.Checkpoint(ctx); err == nil {
		cp, err := ledger.OpenCheckpoint(raw, l.Verifier())
		if err != nil {
			return nil, insurable.Wrap(op, insurable.Internal, err)
		}
		info.Size, info.Root, info.Checkpoint = cp.Size, cp.RootBase64(), string(cp.Note)
	}
	err := s.view(ctx, func(tx Tx) error {
		var err error
		info.Pending, err = tx.CountPendingLedgerEntries(ctx)
		return err
	})
	return info, err
}

// LedgerProof returns the inclusion proof of a record's log entry (an
// assessment's or a transition's) against the latest checkpoint, to those
// who may read the record: the firm, the policy's insurer, arbiters.
// NotExist when the record is not there or not theirs to see; Conflict
// while its entry waits to be appended or published (it waits a few
// seconds for that first).
func (s *Service) LedgerProof(ctx context.Context, p *access.Principal, record string) (*ledger.Proof, error) {
	const op insurable.Op = "underwriting.LedgerProof"
	l := s.cfg.Ledger
	if l == nil {
		return nil, insurable.Errorf(op, insurable.NotExist, "this service keeps no decision log")
	}
	deadline := time.Now().Add(defaultLedgerWait)
	for {
		var e *LedgerEntry
		err := s.view(ctx, func(tx Tx) error {
			var err error
			if e, err = tx.LedgerEntry(ctx, record); err != nil {
				return notFoundAs(op, err, "record", record)
			}
			_, err = s.policyFor(ctx, tx, op, p, e.Policy, access.AssessmentRead)
			if insurable.ErrorKind(err) == insurable.NotExist {
				return notFound(op, "record", record)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		if e.Index >= 0 {
			pr, err := ledger.ProveEntry(ctx, l, l.Verifier(), record, uint64(e.Index), e.Entry)
			if err == nil {
				return pr, nil
			}
			if !errors.Is(err, ledger.ErrNotPublished) {
				return nil, insurable.Wrap(op, insurable.Internal, err)
			}
		}
		if time.Now().After(deadline) {
			return nil, insurable.Errorf(op, insurable.Conflict, "the log entry of %s is not yet in a published checkpoint; retry in a few seconds", record)
		}
		s.kickLedger()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// PolicyLedger returns the log entries of a policy's records (without
// their bytes), by record id: where each is in the log, or -1 while
// queued.
func (s *Service) PolicyLedger(ctx context.Context, p *access.Principal, policyID string) (map[string]*LedgerEntry, error) {
	out := map[string]*LedgerEntry{}
	err := s.view(ctx, func(tx Tx) error {
		if _, err := s.policyFor(ctx, tx, "underwriting.PolicyLedger", p, policyID, access.PolicyRead); err != nil {
			return err
		}
		es, err := tx.PolicyLedgerEntries(ctx, policyID)
		for _, e := range es {
			out[e.Record] = e
		}
		return err
	})
	return out, err
}

// VerifyOptions configure VerifyLedger.
type VerifyOptions struct {
	// Trusted is the checkpoint consistency is proved from (a signed
	// note); none on a first verification.
	Trusted []byte
	// Now and PendingGrace: a record queued for longer than PendingGrace
	// before Now and still not in a published checkpoint is a problem;
	// one queued since is counted as pending.
	Now          time.Time
	PendingGrace time.Duration
}

// VerifyLedger verifies the database against the log: the log itself
// (ledger.CheckLog: signature, consistency with the trusted checkpoint,
// every entry under the root), then every assessment and transition in
// the database — that it has an entry in the log, that an inclusion proof
// from the log's tiles verifies for it, and that the entry rebuilt from
// the record as it is now is byte for byte the logged one — and every log
// entry, whose record must still exist. It also checks that each policy's
// state is the one its last transition left, and that every remediation
// item marked resolved was resolved by a logged assessment. A log that
// does not verify gives an error wrapping ledger.ErrNotVerified; the
// report lists everything else.
func VerifyLedger(ctx context.Context, store Store, r ledger.LogReader, v note.Verifier, opts VerifyOptions) (*ledger.Report, *ledger.Checkpoint, error) {
	st, err := ledger.CheckLog(ctx, r, v, opts.Trusted)
	if errors.Is(err, ledger.ErrNoCheckpoint) && !ledger.IsNotVerified(err) {
		// No log at all: a failed verification when the database says
		// records were appended to it.
		var maxIdx int64
		if verr := store.View(ctx, func(tx Tx) error {
			var err error
			maxIdx, err = tx.MaxLedgerIndex(ctx)
			return err
		}); verr != nil {
			return nil, nil, verr
		}
		if maxIdx >= 0 {
			return nil, nil, fmt.Errorf("log %w: the database records %d entries appended to the log, but %w", ledger.ErrNotVerified, maxIdx+1, err)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	cp := st.Checkpoint
	rep := &ledger.Report{Origin: cp.Origin, Size: cp.Size, Root: cp.RootBase64(), TrustedSize: -1, Problems: append([]ledger.Problem{}, st.Problems...)}
	if st.Trusted != nil {
		rep.TrustedSize = int64(st.Trusted.Size)
	}
	logged := map[string][]uint64{}
	for i, l := range st.Leaves {
		if l.Record != "" {
			logged[l.Record] = append(logged[l.Record], uint64(i))
		}
	}
	problem := func(kind, record string, idx int64, format string, args ...any) {
		p := ledger.Problem{Kind: kind, Record: record, Detail: fmt.Sprintf(format, args...)}
		if idx >= 0 {
			i := uint64(idx)
			p.Index = &i
		}
		rep.Problems = append(rep.Problems, p)
	}
	seen := map[string]bool{}
	// resolution events of remediation items, from verified assessments.
	type event struct {
		at     time.Time
		status string
	}
	itemEvents := map[string]map[string]event{} // policy -> item -> last event
	lastTransition := map[string]*Transition{}

	check := func(tx Tx, record, kind string, rebuilt []byte, onVerified func()) error {
		seen[record] = true
		rep.Records++
		q, err := tx.LedgerEntry(ctx, record)
		if insurable.ErrorKind(err) == insurable.NotExist {
			if len(logged[record]) == 0 {
				problem(ledger.ProblemNotLogged, record, -1, "the %s is in the database but has no entry in the log and none queued", kind)
				return nil
			}
			q = &LedgerEntry{Record: record, Index: int64(logged[record][0])}
		} else if err != nil {
			return err
		}
		idx := q.Index
		if idx < 0 && len(logged[record]) > 0 {
			idx = int64(logged[record][0]) // appended; its index not recorded yet
		}
		if idx < 0 || uint64(idx) >= cp.Size {
			if !opts.Now.IsZero() && opts.Now.Sub(q.Created) > opts.PendingGrace {
				problem(ledger.ProblemPending, record, idx, "queued for the log at %s and still in no published checkpoint: is the service appending?", q.Created.Format(time.RFC3339))
			} else {
				rep.Pending++
			}
			return nil
		}
		leaf := st.Leaves[idx]
		if leaf.Record != record {
			problem(ledger.ProblemWrongEntry, record, idx, "the database says the %s is entry %d, which logs %q", kind, idx, leaf.Record)
			return nil
		}
		sum := sha256.Sum256(rebuilt)
		changed := false
		for _, i := range logged[record] {
			if st.Leaves[i].Hash != sum {
				changed = true
				problem(ledger.ProblemChanged, record, int64(i), "the %s no longer matches its log entry: %s", kind, diffEntry(ctx, r, i, cp.Size, rebuilt))
			}
		}
		if changed {
			return nil
		}
		if err := ledger.VerifyInclusion(ctx, r, cp, uint64(idx), rebuilt); err != nil {
			if ledger.IsNotVerified(err) {
				problem(ledger.ProblemInclusion, record, idx, "%v", err)
				return nil
			}
			return err
		}
		rep.Verified++
		if onVerified != nil {
			onVerified()
		}
		return nil
	}
	var policies []*Policy
	err = store.View(ctx, func(tx Tx) error {
		pols := map[string]*Policy{}
		getPolicy := func(id string) (*Policy, error) {
			if p, ok := pols[id]; ok {
				return p, nil
			}
			p, err := tx.Policy(ctx, id)
			if err != nil {
				return nil, err
			}
			pols[id] = p
			return p, nil
		}
		for pg := (Page{Limit: 1000}); ; {
			ts, err := tx.AllTransitions(ctx, pg)
			if err != nil {
				return err
			}
			for _, t := range ts {
				pol, err := getPolicy(t.Policy)
				if err != nil {
					return err
				}
				data, err := ledger.Encode(TransitionEntry(t, pol))
				if err != nil {
					return err
				}
				if err := check(tx, t.ID, "transition", data, func() {
					if last := lastTransition[t.Policy]; last == nil || t.Seq > last.Seq {
						lastTransition[t.Policy] = t
					}
				}); err != nil {
					return err
				}
			}
			if len(ts) < pg.Limit {
				break
			}
			pg.After = ts[len(ts)-1].ID
		}
		for pg := (Page{Limit: 200}); ; {
			as, err := tx.AllAssessments(ctx, pg)
			if err != nil {
				return err
			}
			for _, a := range as {
				pol, err := getPolicy(a.Policy)
				if err != nil {
					return err
				}
				full, err := tx.Assessment(ctx, a.ID)
				if err != nil {
					return err
				}
				result, err := Gunzip(full.Result)
				if err != nil {
					return fmt.Errorf("assessment %s: the stored result: %w", a.ID, err)
				}
				if got := ledger.Digest(result); got != a.Digest {
					problem(ledger.ProblemChanged, a.ID, -1, "the stored result's digest is %s, the record says %s: the result was changed", got, a.Digest)
				}
				in, err := resultInputs(result)
				if err != nil {
					return fmt.Errorf("assessment %s: %w", a.ID, err)
				}
				data, err := ledger.Encode(AssessmentEntry(a, pol, in))
				if err != nil {
					return err
				}
				if err := check(tx, a.ID, "assessment", data, func() {
					m := itemEvents[a.Policy]
					if m == nil {
						m = map[string]event{}
						itemEvents[a.Policy] = m
					}
					for _, list := range []struct {
						ids    []string
						status string
					}{{a.Resolved, StatusResolved}, {a.Reopened, "reopened"}} {
						for _, id := range list.ids {
							if e, ok := m[id]; !ok || !a.Created.Before(e.at) {
								m[id] = event{a.Created, list.status}
							}
						}
					}
				}); err != nil {
					return err
				}
			}
			if len(as) < pg.Limit {
				break
			}
			pg.After = as[len(as)-1].ID
		}
		for pg := (PolicyFilter{Page: Page{Limit: 1000}}); ; {
			ps, err := tx.Policies(ctx, pg)
			if err != nil {
				return err
			}
			policies = append(policies, ps...)
			if len(ps) < pg.Limit {
				break
			}
			pg.After = ps[len(ps)-1].ID
		}
		for _, pol := range policies {
			if last := lastTransition[pol.ID]; last != nil && last.To != pol.State {
				problem(ledger.ProblemPolicyState, pol.ID, -1, "the policy is %s in the database, but its last logged transition (%d, %s) left it %s", pol.State, last.Seq, last.Event, last.To)
			}
			items, err := tx.Remediation(ctx, pol.ID)
			if err != nil {
				return err
			}
			for _, it := range items {
				if it.Status != StatusResolved {
					continue
				}
				if e, ok := itemEvents[pol.ID][it.ID]; !ok || e.status != StatusResolved {
					problem(ledger.ProblemRemediation, pol.ID, -1, "remediation item %s (%s) is resolved in the database, but no logged assessment resolved it", it.ID, it.Requirement)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	recs := make([]string, 0, len(logged))
	for rec := range logged {
		if !seen[rec] {
			recs = append(recs, rec)
		}
	}
	sort.Strings(recs)
	for _, rec := range recs {
		problem(ledger.ProblemDeleted, rec, int64(logged[rec][0]), "the log holds an entry for %s, which is no longer in the database", rec)
	}
	sort.SliceStable(rep.Problems, func(i, j int) bool { return rep.Problems[i].Kind < rep.Problems[j].Kind })
	return rep, cp, nil
}

// diffEntry says how the entry rebuilt from a record differs from the
// logged one at index i.
func diffEntry(ctx context.Context, r ledger.LogReader, i, size uint64, rebuilt []byte) string {
	logged, err := ledger.EntryAt(ctx, r, i, size)
	if err != nil {
		return "the entries differ"
	}
	a, err1 := ledger.Decode(logged)
	b, err2 := ledger.Decode(rebuilt)
	if err1 != nil || err2 != nil || bytes.Equal(logged, rebuilt) {
		return "the entries differ"
	}
	d := ledger.Diff(a, b)
	if len(d) == 0 {
		return "the entries differ"
	}
	return "log ≠ database: " + joinLimit(d, 6)
}

func joinLimit(s []string, n int) string {
	out := ""
	for i, x := range s {
		if i == n {
			return out + fmt.Sprintf("; and %d more", len(s)-n)
		}
		if i > 0 {
			out += "; "
		}
		out += x
	}
	return out
}

// sortedIDs returns the ids sorted, or nil when there are none.
func sortedIDs(ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}
