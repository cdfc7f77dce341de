package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"
	"k8s.io/klog/v2"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/ledger"
	"github.com/insurable/insurable/ledger/tlog"
	"github.com/insurable/insurable/postgres"
	"github.com/insurable/insurable/sqlite"
	"github.com/insurable/insurable/underwriting"
)

// ledgerCommand groups the commands of the tamper-evident decision log.
func (a *App) ledgerCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ledger",
		Short: "Verify the tamper-evident decision log, and prove and check its entries",
		Long: `Every assessment and policy transition the service records is appended to a
transparency log (tessera, C2SP tlog-tiles) whose checkpoints are signed notes.
These commands verify a database against its log, print the inclusion proof of
a record, check a proof with the log's public key alone, and make and show
the log's keys. docs/ledger.md describes the entries, the proofs and how to
check them without insurable.`,
	}
	cmd.AddCommand(a.ledgerVerifyCommand(), a.ledgerProofCommand(), a.ledgerCheckProofCommand(), a.ledgerKeyCommand(), a.ledgerKeygenCommand())
	return cmd
}

// ledgerSource is where a service keeps its records and its log.
type ledgerSource struct {
	data     string
	database string
	key      string // the verifier key, or a file holding it
}

func (s *ledgerSource) register(cmd *cobra.Command, withKey bool) {
	cmd.Flags().StringVar(&s.data, "data", "", "the service's data directory: the SQLite database and the log (default as for serve)")
	cmd.Flags().StringVar(&s.database, "database", "", "the service's PostgreSQL database (postgres://…), which holds its log too")
	if withKey {
		cmd.Flags().StringVar(&s.key, "key", "", "the log's public key (name+hash+key), or a file holding it (default: the key the database was logged under)")
	}
}

// opened is a service's store and log, read-only.
type opened struct {
	store  underwriting.Store
	reader *tlog.Reader
	pool   *pgxpool.Pool
	// keySource says where the public key came from.
	keySource string
}

func (o *opened) Close() {
	if o.store != nil {
		o.store.Close()
	}
	if o.pool != nil {
		o.pool.Close()
	}
}

// open opens the store and a reader of the log, with the public key from
// --key, the database (pinned by serve), or the data directory's key.
func (s *ledgerSource) open(ctx context.Context, a *App) (*opened, error) {
	klog.SetSlogLogger(a.Log)
	if s.data != "" && s.database != "" {
		return nil, usagef("give --data or --database, not both")
	}
	dir := s.data
	if dir == "" {
		dir = defaultServiceDir()
	}
	o := &opened{}
	var err error
	if s.database != "" {
		o.store, err = postgres.Open(ctx, s.database)
	} else {
		if _, serr := os.Stat(filepath.Join(dir, sqlite.FileName)); serr != nil {
			return nil, insurable.Errorf("ledger", insurable.NotExist, "no service database in %s (give --data DIR or --database URL)", dir)
		}
		o.store, err = sqlite.Open(ctx, dir)
	}
	if err != nil {
		return nil, err
	}
	v, src, err := s.verifier(ctx, o.store, dir)
	if err != nil {
		o.Close()
		return nil, err
	}
	o.keySource = src
	if s.database != "" {
		if o.pool, err = pgxpool.New(ctx, s.database); err != nil {
			o.Close()
			return nil, insurable.Wrap("ledger", insurable.Invalid, err)
		}
		o.reader = tlog.PostgresReader(o.pool, v)
	} else {
		o.reader = tlog.POSIXReader(filepath.Join(dir, ledgerLogDir), v)
	}
	return o, nil
}

func (s *ledgerSource) verifier(ctx context.Context, store underwriting.Store, dir string) (note.Verifier, string, error) {
	if s.key != "" {
		k, err := readKeyArg(s.key)
		if err != nil {
			return nil, "", err
		}
		v, err := ledger.NewVerifier(k)
		return v, "--key", wrapInvalid(err)
	}
	var pinned string
	err := store.View(ctx, func(tx underwriting.Tx) error {
		var err error
		pinned, err = tx.LedgerMeta(ctx, "verifier_key")
		return err
	})
	if err == nil {
		v, err := ledger.NewVerifier(pinned)
		return v, "the key the database was logged under", wrapInvalid(err)
	}
	if insurable.ErrorKind(err) != insurable.NotExist {
		return nil, "", err
	}
	if s.database == "" {
		if data, err := os.ReadFile(filepath.Join(dir, ledgerPubFile)); err == nil {
			v, err := ledger.NewVerifier(string(data))
			return v, filepath.Join(dir, ledgerPubFile), wrapInvalid(err)
		}
	}
	return nil, "", insurable.Errorf("ledger", insurable.NotExist, "no decision log's key: the service has never run with a log here; give --key")
}

func wrapInvalid(err error) error { return insurable.Wrap("ledger", insurable.Invalid, err) }

// readKeyArg takes a key given on the command line, or the file that
// holds it.
func readKeyArg(arg string) (string, error) {
	arg = strings.TrimSpace(arg)
	if strings.Count(arg, "+") >= 2 && !strings.ContainsAny(arg, "/\\") || strings.HasPrefix(arg, ledger.OriginPrefix) && strings.Count(arg, "+") >= 2 {
		return arg, nil
	}
	data, err := os.ReadFile(arg)
	if err != nil {
		return "", insurable.Wrap("ledger", insurable.NotExist, fmt.Errorf("--key %s: neither a key (name+hash+key) nor a readable file: %w", arg, err))
	}
	return strings.TrimSpace(string(data)), nil
}

// trustedPath is where verify keeps the last verified checkpoint of a
// log, unless --checkpoint says otherwise: per user, outside the data
// directory it checks.
func trustedPath(origin string) string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		if h, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(h, ".local", "state")
		}
	}
	name := regexp.MustCompile(`[^A-Za-z0-9._-]+`).ReplaceAllString(origin, "_")
	return filepath.Join(dir, "insurable", "ledger", name+".checkpoint")
}

func (a *App) ledgerVerifyCommand() *cobra.Command {
	var (
		src        ledgerSource
		out        output
		checkpoint string
		grace      time.Duration
		noSave     bool
	)
	cmd := &cobra.Command{
		Use:   "verify [--data DIR | --database URL] [--key KEY] [--checkpoint FILE]",
		Short: "Verify the decision log and every decision and transition the database holds against it",
		Long: `verify checks the decision log, then the database against it:

  - the latest checkpoint is signed by the log's key;
  - it is consistent with the trusted checkpoint (the one this command saved
    after the last verification, or the file --checkpoint names): a
    consistency proof from the log's tiles, and the trusted root recomputed
    from the entries, so the log was neither rolled back nor rewritten;
  - every entry hashes into the checkpoint's root;
  - every assessment and transition in the database has an entry, an
    inclusion proof from the tiles verifies for it, and the entry rebuilt
    from the record as it is now is byte for byte the logged one;
  - every entry's record is still in the database; every policy is in the
    state its last logged transition left it; every remediation item
    marked resolved was resolved by a logged assessment.

It lists every record that no longer matches its entry, field by field.
Records queued for the log within --pending-grace are counted as pending;
older ones are problems (the service is not appending). On success the
checkpoint becomes the trusted one.

Exit status: 0 when everything verifies, 7 when anything does not, above 2
on other errors.`,
		Example: `  insurable ledger verify --data /var/lib/insurable
  insurable ledger verify --database postgres://insurable@db/insurable --key log.pub
  insurable ledger verify --data DIR --checkpoint auditor.checkpoint -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			ctx := cmd.Context()
			o, err := src.open(ctx, a)
			if err != nil {
				return err
			}
			defer o.Close()
			v := o.reader.Verifier()
			if checkpoint == "" {
				checkpoint = trustedPath(v.Name())
			}
			trusted, err := os.ReadFile(checkpoint)
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				return insurable.Wrap("ledger verify", insurable.Invalid, err)
			}
			rep, cp, err := underwriting.VerifyLedger(ctx, o.store, o.reader, v, underwriting.VerifyOptions{Trusted: trusted, Now: a.Now(), PendingGrace: grace})
			if err != nil {
				if !ledger.IsNotVerified(err) {
					return err
				}
				a.exit = insurable.ExitVerifyFail
				if out.format == "json" {
					return writeJSON(a.Stdout, map[string]any{"ok": false, "log": err.Error()})
				}
				fmt.Fprintf(a.Stdout, "The decision log does not verify: %v\n", err)
				return nil
			}
			saved := ""
			if rep.OK() && !noSave {
				if err := os.MkdirAll(filepath.Dir(checkpoint), 0o755); err == nil {
					if err := os.WriteFile(checkpoint, cp.Note, 0o644); err == nil {
						saved = checkpoint
					}
				}
			}
			if !rep.OK() {
				a.exit = insurable.ExitVerifyFail
			}
			if out.format == "json" {
				return writeJSON(a.Stdout, map[string]any{"ok": rep.OK(), "report": rep, "key": o.keySource, "trusted_checkpoint": checkpoint, "saved": saved != ""})
			}
			printVerifyReport(a.Stdout, rep, o.keySource, checkpoint, saved)
			return nil
		},
	}
	src.register(cmd, true)
	out.register(cmd, "text", "text", "json")
	cmd.Flags().StringVar(&checkpoint, "checkpoint", "", "the trusted checkpoint to prove consistency from, updated after a verification that passes (default: kept per log under $XDG_STATE_HOME/insurable/ledger)")
	cmd.Flags().BoolVar(&noSave, "no-save", false, "do not update the trusted checkpoint")
	cmd.Flags().DurationVar(&grace, "pending-grace", 10*time.Minute, "how long a record may wait to be appended to the log before it is a problem")
	return cmd
}

func printVerifyReport(w io.Writer, rep *ledger.Report, keySource, checkpoint, saved string) {
	fmt.Fprintf(w, "Log %s: %d entries, root %s; the checkpoint's signature verifies with %s.\n", rep.Origin, rep.Size, rep.Root, keySource)
	if rep.TrustedSize >= 0 {
		fmt.Fprintf(w, "It extends the trusted checkpoint of %d entries (%s): consistency proven.\n", rep.TrustedSize, checkpoint)
	} else {
		fmt.Fprintf(w, "No trusted checkpoint yet (%s): this is the first verification.\n", checkpoint)
	}
	fmt.Fprintf(w, "Every entry hashes into the checkpoint's root.\n")
	fmt.Fprintf(w, "Database: %d decisions and transitions; %d proven in the log and unchanged; %d waiting to be logged.\n", rep.Records, rep.Verified, rep.Pending)
	if rep.OK() {
		fmt.Fprintf(w, "OK: everything verifies.")
		if saved != "" {
			fmt.Fprintf(w, " Trusted checkpoint saved to %s.", saved)
		}
		fmt.Fprintln(w)
		return
	}
	fmt.Fprintf(w, "%s:\n", plural(len(rep.Problems), "problem", "problems"))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROBLEM\tRECORD\tENTRY\tDETAIL")
	for _, p := range rep.Problems {
		idx := "-"
		if p.Index != nil {
			idx = fmt.Sprint(*p.Index)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Kind, orDash(p.Record), idx, p.Detail)
	}
	tw.Flush()
}

func (a *App) ledgerProofCommand() *cobra.Command {
	var src ledgerSource
	var outFile string
	cmd := &cobra.Command{
		Use:   "proof ID [--data DIR | --database URL] [--out FILE]",
		Short: "Print the inclusion proof of an assessment's or a transition's log entry",
		Long: `proof prints, as JSON, the proof that the record ID (an assessment, asm_…, or
a transition, trn_…) is in the decision log: the entry's exact bytes, its
index, the log's latest signed checkpoint and the Merkle inclusion proof.
Anyone holding the log's public key can check it: insurable ledger check-proof,
or by hand as docs/ledger.md shows. The service gives the same proof to those
who may read the record: GET /api/ledger/proofs/ID.`,
		Example: `  insurable ledger proof asm_01a21c3ba280edaf2a936f --data /var/lib/insurable > proof.json
  insurable ledger check-proof proof.json --key "$(insurable ledger key --data /var/lib/insurable)"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			o, err := src.open(ctx, a)
			if err != nil {
				return err
			}
			defer o.Close()
			var e *underwriting.LedgerEntry
			err = o.store.View(ctx, func(tx underwriting.Tx) error {
				var err error
				e, err = tx.LedgerEntry(ctx, args[0])
				return err
			})
			if insurable.ErrorKind(err) == insurable.NotExist {
				return insurable.Errorf("ledger proof", insurable.NotExist, "no assessment or transition %q has a log entry", args[0])
			}
			if err != nil {
				return err
			}
			if e.Index < 0 {
				return insurable.Errorf("ledger proof", insurable.Conflict, "%s is queued for the log but not appended yet: is the service running?", args[0])
			}
			p, err := ledger.Prove(ctx, o.reader, o.reader.Verifier(), args[0], uint64(e.Index))
			if errors.Is(err, ledger.ErrNotPublished) {
				return insurable.Errorf("ledger proof", insurable.Conflict, "%v; retry in a few seconds", err)
			}
			if err != nil {
				return err
			}
			w := a.Stdout
			if outFile != "" {
				f, err := os.Create(outFile)
				if err != nil {
					return insurable.Wrap("ledger proof", insurable.Invalid, err)
				}
				defer f.Close()
				w = f
			}
			return writeJSON(w, p)
		},
	}
	src.register(cmd, true)
	cmd.Flags().StringVar(&outFile, "out", "", "write the proof to this file instead of standard output")
	return cmd
}

func (a *App) ledgerCheckProofCommand() *cobra.Command {
	var (
		key, result, asmFile string
		out                  output
	)
	cmd := &cobra.Command{
		Use:   "check-proof FILE --key KEY [--assessment FILE] [--result FILE]",
		Short: "Check an inclusion proof with the log's public key alone",
		Long: `check-proof checks a proof (from insurable ledger proof or the service's
GET /api/ledger/proofs/ID; - reads standard input) with nothing but the log's
public key: the checkpoint's signature, the Merkle inclusion of the entry at
its index in the tree the checkpoint commits to, and that the entry is the
record's. It prints what the entry says.

A firm checks that the decision it received is the one on record with
--assessment, the assessment as the API gave it (GET /api/assessments/ID):
its outcome, tier, score, evidence and result digest must be the logged ones.
An auditor who re-ran the assessment checks the result with --result, the
output of insurable assess -o json: its SHA-256 must be the logged digest.

Exit status: 0 when the proof and the comparisons verify, 7 when not.`,
		Example: `  insurable ledger check-proof proof.json --key insurable.ledger/1a2b3c4d5e6f+8e1f0c2a+AbC…
  curl -s -H "Authorization: Bearer $TOKEN" $URL/api/assessments/asm_… > assessment.json
  insurable ledger check-proof proof.json --key log.pub --assessment assessment.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			if key == "" {
				return usagef("--key is required: the log's public key, or a file holding it (GET /.well-known/insurable/ledger-key, or insurable ledger key)")
			}
			k, err := readKeyArg(key)
			if err != nil {
				return err
			}
			v, err := ledger.NewVerifier(k)
			if err != nil {
				return wrapInvalid(err)
			}
			data, err := readLedgerInput(a, args[0])
			if err != nil {
				return err
			}
			p, err := ledger.ParseProof(data)
			if err != nil {
				return wrapInvalid(err)
			}
			var problems []string
			e, cp, err := p.Check(v)
			if err != nil {
				problems = append(problems, err.Error())
			}
			if e != nil && err == nil {
				problems = append(problems, compareHeld(a, e, asmFile, result)...)
			}
			if len(problems) > 0 {
				a.exit = insurable.ExitVerifyFail
			}
			if out.format == "json" {
				res := map[string]any{"ok": len(problems) == 0, "problems": nonNil(problems)}
				if err == nil {
					res["entry"], res["index"], res["checkpoint_size"], res["origin"] = e, p.Index, cp.Size, cp.Origin
				}
				return writeJSON(a.Stdout, res)
			}
			if err != nil {
				fmt.Fprintf(a.Stdout, "The proof does not verify: %v\n", err)
				return nil
			}
			fmt.Fprintf(a.Stdout, "The proof verifies: entry %d of the log %s (checkpoint of %d entries, root %s) is in the log.\n", p.Index, cp.Origin, cp.Size, cp.RootBase64())
			describeEntry(a.Stdout, e)
			if len(problems) > 0 {
				fmt.Fprintf(a.Stdout, "But what you hold is not what is on record:\n")
				for _, pr := range problems {
					fmt.Fprintf(a.Stdout, "  %s\n", pr)
				}
			} else if asmFile != "" || result != "" {
				fmt.Fprintf(a.Stdout, "What you hold is what is on record.\n")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "the log's public key (name+hash+key), or a file holding it")
	cmd.Flags().StringVar(&asmFile, "assessment", "", "an assessment as the API returned it, to compare with the logged entry")
	cmd.Flags().StringVar(&result, "result", "", "an assessment result (insurable assess -o json), whose SHA-256 must be the logged one")
	out.register(cmd, "text", "text", "json")
	return cmd
}

func readLedgerInput(a *App, name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(a.Stdin)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, insurable.Wrap("ledger", insurable.NotExist, err)
	}
	return data, nil
}

// compareHeld compares what a firm or auditor holds with the entry.
func compareHeld(a *App, e *ledger.Entry, asmFile, resultFile string) []string {
	var problems []string
	if asmFile != "" || resultFile != "" {
		if e.Assessment == nil {
			return []string{fmt.Sprintf("the entry logs a %s, not an assessment", e.Kind)}
		}
	}
	if resultFile != "" {
		data, err := readLedgerInput(a, resultFile)
		if err != nil {
			return []string{err.Error()}
		}
		if d := ledger.Digest(data); d != e.Assessment.Result {
			problems = append(problems, fmt.Sprintf("the result's SHA-256 is %s; the log says %s", d, e.Assessment.Result))
		}
	}
	if asmFile != "" {
		data, err := readLedgerInput(a, asmFile)
		if err != nil {
			return []string{err.Error()}
		}
		var held underwriting.Assessment
		if err := json.Unmarshal(data, &held); err != nil {
			return []string{fmt.Sprintf("%s: not an assessment: %v", asmFile, err)}
		}
		f := e.Assessment
		for _, c := range []struct{ what, held, logged string }{
			{"id", held.ID, e.Record},
			{"policy", held.Policy, e.Policy},
			{"outcome", string(held.Outcome), f.Outcome},
			{"tier", held.Tier, f.Tier},
			{"score", fmt.Sprint(held.Score), fmt.Sprint(f.Score)},
			{"evidence", held.Evidence, f.Evidence},
			{"result digest", held.Digest, f.Result},
			{"as of", held.AsOf.String(), f.AsOf},
		} {
			if c.held != c.logged {
				problems = append(problems, fmt.Sprintf("%s: you hold %q; the log says %q", c.what, c.held, c.logged))
			}
		}
		if len(held.Result) > 0 {
			// The API serves the result's exact bytes, less the final
			// newline insurable assess -o json ends them with.
			if d := ledger.Digest(append(held.Result, '\n')); d != f.Result && ledger.Digest(held.Result) != f.Result {
				problems = append(problems, fmt.Sprintf("the result you hold hashes to %s; the log says %s", d, f.Result))
			}
		}
	}
	return problems
}

func describeEntry(w io.Writer, e *ledger.Entry) {
	switch {
	case e.Assessment != nil:
		f := e.Assessment
		tier := f.Tier
		if tier == "" {
			tier = "none"
		}
		fmt.Fprintf(w, "It logs the %s assessment %s of policy %s (firm %s, insurer %s) as of %s, made %s by %s:\n", f.Kind, e.Record, e.Policy, e.Firm, e.Insurer, f.AsOf, e.At, e.Actor)
		fmt.Fprintf(w, "  decision   %s, tier %s, score %v\n", f.Outcome, tier, f.Score)
		fmt.Fprintf(w, "  evidence   %s\n  catalog    %s %s %s\n  profile    %s %s %s\n", f.Evidence, f.Catalog.ID, f.Catalog.Version, f.Catalog.Digest, f.Profile.ID, f.Profile.Version, f.Profile.Digest)
		for _, fd := range f.Feeds {
			fmt.Fprintf(w, "  feed       %s %s %s\n", fd.ID, fd.Version, fd.Digest)
		}
		fmt.Fprintf(w, "  result     %s\n", f.Result)
		if len(f.Resolved)+len(f.Reopened) > 0 {
			fmt.Fprintf(w, "  remediation verified: %d resolved, %d reopened\n", len(f.Resolved), len(f.Reopened))
		}
	case e.Transition != nil:
		f := e.Transition
		fmt.Fprintf(w, "It logs transition %d of policy %s (firm %s, insurer %s): %s, %s → %s, by %s at %s", f.Seq, e.Policy, e.Firm, e.Insurer, f.Event, orDash(f.From), f.To, e.Actor, e.At)
		if f.Assessment != "" {
			fmt.Fprintf(w, ", on assessment %s", f.Assessment)
		}
		fmt.Fprintf(w, "; the reason's SHA-256 is %s.\n", f.Reason)
	}
}

func (a *App) ledgerKeyCommand() *cobra.Command {
	var src ledgerSource
	var signing string
	cmd := &cobra.Command{
		Use:   "key [--data DIR | --database URL | --ledger-key FILE]",
		Short: "Print the decision log's public key",
		Long: `key prints the public key (a C2SP signed-note verifier key) that the log's
checkpoints are signed with: the one the service's database was logged under,
or the one of the signing key in --ledger-key. The service publishes it at
/.well-known/insurable/ledger-key.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if signing != "" {
				data, err := os.ReadFile(signing)
				if err != nil {
					return insurable.Wrap("ledger key", insurable.NotExist, err)
				}
				k, err := ledger.VerifierKey(string(data))
				if err != nil {
					return wrapInvalid(err)
				}
				fmt.Fprintln(a.Stdout, k)
				return nil
			}
			ctx := cmd.Context()
			o, err := src.open(ctx, a)
			if err != nil {
				return err
			}
			defer o.Close()
			var k string
			err = o.store.View(ctx, func(tx underwriting.Tx) error {
				var err error
				k, err = tx.LedgerMeta(ctx, "verifier_key")
				return err
			})
			if err != nil {
				return err
			}
			fmt.Fprintln(a.Stdout, k)
			return nil
		},
	}
	src.register(cmd, false)
	cmd.Flags().StringVar(&signing, "ledger-key", "", "a signing key file, whose public key to print")
	return cmd
}

func (a *App) ledgerKeygenCommand() *cobra.Command {
	var origin, outFile string
	cmd := &cobra.Command{
		Use:   "keygen [--origin NAME] --out FILE",
		Short: "Make a signing key for a decision log (for replicas on PostgreSQL)",
		Long: `keygen makes an Ed25519 signing key in the C2SP signed-note format, writes
it to --out (readable by its owner only) and prints the public key. Give the
file to every replica with --ledger-key, or its content as
$INSURABLE_LEDGER_KEY. The origin names the log in every checkpoint; by
default insurable.ledger/ and a random suffix. On SQLite, serve makes its key
itself in the data directory.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if outFile == "" {
				return usagef("--out FILE is required: the signing key is a secret and is never printed")
			}
			skey, vkey, err := ledger.GenerateKey(nil, origin)
			if err != nil {
				return wrapInvalid(err)
			}
			f, err := os.OpenFile(outFile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return insurable.Wrap("ledger keygen", insurable.Conflict, err)
			}
			if _, err := f.WriteString(skey + "\n"); err != nil {
				f.Close()
				return insurable.Wrap("ledger keygen", insurable.Internal, err)
			}
			if err := f.Close(); err != nil {
				return insurable.Wrap("ledger keygen", insurable.Internal, err)
			}
			fmt.Fprintln(a.Stdout, vkey)
			return nil
		},
	}
	cmd.Flags().StringVar(&origin, "origin", "", "the log's name (default: insurable.ledger/ and a random suffix)")
	cmd.Flags().StringVar(&outFile, "out", "", "the file to write the signing key to (it must not exist)")
	return cmd
}

// plural says "1 thing" or "n things".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
