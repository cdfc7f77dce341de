package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
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

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/ledger"
	"github.com/insurable/insurable/ledger/tlog"
	"github.com/insurable/insurable/postgres"
	"github.com/insurable/insurable/sqlite"
	"github.com/insurable/insurable/underwriting"
)

// ledgerExitStatus is the exit status paragraph of the ledger commands'
// help.
const ledgerExitStatus = `Exit status: 0 when everything verifies; 7 when the command ran and found
something that does not verify; 3 on a mistake in the command line, 4 on
malformed input (a key, a proof document, a file that cannot be read), 5
when the database, the log, the record or a file is not there, 6 on any
other failure.`

// ledgerCommand groups the commands of the tamper-evident decision log.
func (a *App) ledgerCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ledger",
		Short: "Verify the tamper-evident decision log, and prove and check its entries",
		Long: `Every assessment and policy transition the service records is appended to a
transparency log (tessera, C2SP tlog-tiles) whose checkpoints are signed notes
(Ed25519). An entry holds identifiers, digests and decisions, never evidence.

  verify       verify a service's database against its log (an operator, an
               auditor with a copy of the data)
  proof        print the inclusion proof of one decision or transition
  check-proof  check a proof with the log's public key alone (a firm, a
               third party)
  key, keygen  show the log's public key; make a signing key for replicas

docs/ledger.md describes the entries, the proofs and how to check them
without insurable.`,
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
	cmd.Flags().StringVar(&s.data, "data", "", "the service's data directory: its SQLite database and its log in ledger/log (default as for serve)")
	cmd.Flags().StringVar(&s.database, "database", "", "the service's PostgreSQL database (postgres://…), which holds its log too")
	if withKey {
		cmd.Flags().StringVar(&s.key, "key", "", "the log's public key (name+hash+key), or a file holding it (default: the key pinned in the database)")
	}
}

// dir is the data directory the source names.
func (s *ledgerSource) dir() string {
	if s.data != "" {
		return s.data
	}
	return defaultServiceDir()
}

// id names the database the source points at, the same however it is
// spelt: the PostgreSQL server and database (no user, no password), or
// the data directory's absolute path.
func (s *ledgerSource) id() string {
	if s.database != "" {
		if cfg, err := pgconn.ParseConfig(s.database); err == nil {
			return fmt.Sprintf("postgres://%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
		}
		return "postgres://" + s.database
	}
	dir, err := filepath.Abs(s.dir())
	if err != nil {
		dir = s.dir()
	}
	return "file://" + dir
}

// opened is a service's store and log, read-only.
type opened struct {
	store  underwriting.Store
	reader *tlog.Reader
	pool   *pgxpool.Pool
	// key is the log's public key; keySource says where it came from.
	key, keySource string
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
// noKey is the advice given when there is no key.
func (s *ledgerSource) open(ctx context.Context, noKey string) (*opened, error) {
	if s.data != "" && s.database != "" {
		return nil, usagef("give --data or --database, not both")
	}
	dir := s.dir()
	o := &opened{}
	var err error
	if s.database != "" {
		if _, perr := pgconn.ParseConfig(s.database); perr != nil {
			return nil, insurable.Wrap("ledger", insurable.Invalid, fmt.Errorf("--database: %w", perr))
		}
		if o.store, err = postgres.Open(ctx, s.database); err != nil {
			return nil, dbError(err)
		}
	} else {
		if _, serr := os.Stat(filepath.Join(dir, sqlite.FileName)); serr != nil {
			return nil, insurable.Errorf("ledger", insurable.NotExist, "no service database in %s (give --data DIR or --database URL)", dir)
		}
		o.store, err = sqlite.Open(ctx, dir)
	}
	if err != nil {
		return nil, err
	}
	if o.key, o.keySource, err = s.publicKey(ctx, o.store, dir, noKey); err != nil {
		o.Close()
		return nil, err
	}
	v, err := ledger.NewVerifier(o.key)
	if err != nil {
		o.Close()
		return nil, wrapInvalid(err)
	}
	if s.database != "" {
		if o.pool, err = pgxpool.New(ctx, s.database); err != nil {
			o.Close()
			return nil, dbError(err)
		}
		o.reader = tlog.PostgresReader(o.pool, v)
	} else {
		o.reader = tlog.POSIXReader(filepath.Join(dir, ledgerLogDir), v)
	}
	return o, nil
}

// dbError classifies a failure to open the service's PostgreSQL
// database: one that does not exist is not there (exit 5); any other is
// a failure to run (exit 6), not malformed input.
func dbError(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "3D000" { // invalid_catalog_name
		return insurable.Wrap("ledger", insurable.NotExist, err)
	}
	return insurable.Wrap("ledger", insurable.Internal, err)
}

// publicKey returns the log's public key and where it came from: --key,
// the key pinned in the database, or the data directory's log.pub.
func (s *ledgerSource) publicKey(ctx context.Context, store underwriting.Store, dir, noKey string) (key, source string, err error) {
	if s.key != "" {
		k, err := readKeyArg(s.key)
		return k, "--key", err
	}
	var pinned string
	err = store.View(ctx, func(tx underwriting.Tx) error {
		var err error
		pinned, err = tx.LedgerMeta(ctx, "verifier_key")
		return err
	})
	if err == nil {
		return pinned, "the key pinned in the database", nil
	}
	if insurable.ErrorKind(err) != insurable.NotExist {
		return "", "", err
	}
	if s.database == "" {
		if data, err := os.ReadFile(filepath.Join(dir, ledgerPubFile)); err == nil {
			return strings.TrimSpace(string(data)), filepath.Join(dir, ledgerPubFile), nil
		}
	}
	return "", "", insurable.Errorf("ledger", insurable.NotExist, "no decision log's key: the service has never run with a log on this database; %s", noKey)
}

func wrapInvalid(err error) error { return insurable.Wrap("ledger", insurable.Invalid, err) }

// readKeyArg takes a public key given on the command line, or the file
// that holds it (as the service serves it at
// /.well-known/insurable/ledger-key).
func readKeyArg(arg string) (string, error) {
	arg = strings.TrimSpace(arg)
	if _, err := note.NewVerifier(arg); err == nil {
		return arg, nil
	}
	data, err := os.ReadFile(arg)
	if err != nil {
		if strings.Count(arg, "+") >= 2 {
			_, verr := ledger.NewVerifier(arg)
			return "", wrapInvalid(fmt.Errorf("--key: %v", verr))
		}
		return "", insurable.Wrap("ledger", insurable.NotExist, fmt.Errorf("--key %s: neither a public key (name+hash+key) nor a readable file: %w", arg, err))
	}
	k := strings.TrimSpace(string(data))
	if _, err := ledger.NewVerifier(k); err != nil {
		return "", wrapInvalid(fmt.Errorf("--key %s: %v", arg, err))
	}
	return k, nil
}

// stateDir is where verify keeps trusted checkpoints: per user, outside
// any data directory it checks.
func stateDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "insurable", "ledger"), nil
	}
	h, err := os.UserHomeDir()
	if err != nil || h == "" {
		return "", usagef("no home directory to keep the trusted checkpoint in: give --checkpoint FILE")
	}
	return filepath.Join(h, ".local", "state", "insurable", "ledger"), nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// trustedPath is the file where verify keeps the last verified
// checkpoint of the database id names, unless --checkpoint says
// otherwise. It is named after the database, not after the log's key: a
// database whose pinned key was replaced, with a log signed by the new
// key, then fails against the checkpoint the old key signed.
func trustedPath(id string) (string, error) {
	dir, err := stateDir()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(id))
	name := strings.Trim(unsafeName.ReplaceAllString(id, "_"), "_")
	if len(name) > 80 {
		name = name[len(name)-80:]
	}
	return filepath.Join(dir, name+"-"+hex.EncodeToString(sum[:4])+".checkpoint"), nil
}

// saveCheckpoint replaces the trusted checkpoint file, atomically.
func saveCheckpoint(path string, note []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".checkpoint-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(note); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// verifyResult is what ledger verify -o json prints.
type verifyResult struct {
	// OK is true when everything verified.
	OK bool `json:"ok"`
	// LogError says why the log itself does not verify; then there is no
	// report.
	LogError string         `json:"log_error,omitempty"`
	Report   *ledger.Report `json:"report,omitempty"`
	// Key is the public key the log was verified with, KeySource where
	// it came from.
	Key       string `json:"key"`
	KeySource string `json:"key_source"`
	// TrustedCheckpoint is the file of the trusted checkpoint; Trusted
	// says whether it held one (false on a first verification).
	TrustedCheckpoint string `json:"trusted_checkpoint"`
	Trusted           bool   `json:"trusted"`
	// Saved says whether the verified checkpoint became the trusted one.
	Saved     bool   `json:"saved"`
	SaveError string `json:"save_error,omitempty"`
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

  1. the latest checkpoint is signed by the log's key;
  2. the log extends the trusted checkpoint: a consistency proof from the
     log's tiles verifies, and the trusted root is recomputed from the
     entries, so the log was neither rolled back nor rewritten;
  3. every entry hashes into the latest checkpoint's root, and no tile or
     entry the checkpoint commits to is missing or malformed;
  4. every assessment and transition in the database has an entry, its
     inclusion proof from the tiles verifies, and the entry rebuilt from the
     record as it is now is byte for byte the logged one;
  5. every entry's record is still in the database; every policy is in the
     state its last logged transition left it; every remediation item
     marked resolved was resolved by a logged assessment.

Each record that does not verify is listed with its id, its entry's index
and what differs, field by field (log ≠ database). Records queued less than
--pending-grace ago are counted as pending; older ones are problems (the
service is not appending).

The trusted checkpoint. Consistency is proved from a checkpoint kept outside
the database, which someone who can change the database cannot change:
--checkpoint FILE, or by default a file per database under
$XDG_STATE_HOME/insurable/ledger (~/.local/state/insurable/ledger). On the
first verification there is none: the log is checked as it is, and the
checkpoint becomes the trusted one. After every verification that passes,
the file is replaced by the newer checkpoint (--no-save keeps it). Keep it,
or copy it somewhere safe: a log that no longer extends it fails, as does a
log signed by another key.

The key. By default the checkpoints are checked with the key pinned in the
database when the service first ran. An auditor should give the key
published for the log (--key, as /.well-known/insurable/ledger-key serves
it), which does not depend on the database.

` + ledgerExitStatus,
		Example: `  # The service's own data directory, with the trusted checkpoint kept per user
  insurable ledger verify --data /var/lib/insurable

  # An auditor: the published key and a checkpoint file of their own
  curl -s https://insurer.example/.well-known/insurable/ledger-key > log.pub
  insurable ledger verify --database postgres://auditor@db/insurable \
      --key log.pub --checkpoint auditor.checkpoint

  # In a script
  insurable ledger verify --data DIR -o json > report.json || echo "exit $?"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			ctx := cmd.Context()
			if checkpoint == "" {
				var err error
				if checkpoint, err = trustedPath(src.id()); err != nil {
					return err
				}
			}
			trusted, err := os.ReadFile(checkpoint)
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				return insurable.Wrap("ledger verify", insurable.Invalid, fmt.Errorf("the trusted checkpoint: %w", err))
			}
			o, err := src.open(ctx, "give its public key with --key")
			if err != nil {
				return err
			}
			defer o.Close()
			res := verifyResult{Key: o.key, KeySource: o.keySource, TrustedCheckpoint: checkpoint, Trusted: len(bytes.TrimSpace(trusted)) > 0}
			v := o.reader.Verifier()
			if res.Trusted {
				if _, err := ledger.OpenCheckpoint(trusted, v); err != nil {
					// The log's key changed, or the file is not this log's.
					a.exit = insurable.ExitVerifyFail
					res.LogError = fmt.Sprintf("the trusted checkpoint in %s %v: it is not a checkpoint of this log signed by %s (%s)", checkpoint, strings.TrimPrefix(err.Error(), "checkpoint "), o.key, o.keySource)
					if out.format == "json" {
						return writeJSON(a.Stdout, res)
					}
					printVerifyReport(a.Stdout, &res)
					return nil
				}
			}
			rep, cp, err := underwriting.VerifyLedger(ctx, o.store, o.reader, v, underwriting.VerifyOptions{Trusted: trusted, Now: a.Now(), PendingGrace: grace})
			switch {
			case err != nil && ledger.IsNotVerified(err):
				res.LogError = err.Error()
			case errors.Is(err, ledger.ErrNoCheckpoint):
				return insurable.Errorf("ledger verify", insurable.NotExist, "%v: the service has appended nothing to the log yet, or the log is not in %s", err, logPlace(&src))
			case err != nil:
				return err
			default:
				res.Report, res.OK = rep, rep.OK()
			}
			if res.OK && !noSave {
				if err := saveCheckpoint(checkpoint, cp.Note); err != nil {
					res.SaveError = err.Error()
					fmt.Fprintf(a.Stderr, "insurable: warning: the trusted checkpoint was not saved: %v\n", err)
				} else {
					res.Saved = true
				}
			}
			if !res.OK {
				a.exit = insurable.ExitVerifyFail
			}
			if out.format == "json" {
				return writeJSON(a.Stdout, res)
			}
			printVerifyReport(a.Stdout, &res)
			return nil
		},
	}
	src.register(cmd, true)
	out.register(cmd, "text", "text", "json")
	cmd.Flags().StringVar(&checkpoint, "checkpoint", "", "the trusted checkpoint (a signed note) to prove consistency from, replaced by the newer one after a verification that passes (default: one file per database under $XDG_STATE_HOME/insurable/ledger)")
	cmd.Flags().BoolVar(&noSave, "no-save", false, "leave the trusted checkpoint as it is")
	cmd.Flags().DurationVar(&grace, "pending-grace", 10*time.Minute, "how long a record may wait to be appended to the log before it is a problem")
	return cmd
}

// logPlace says where the source's log is.
func logPlace(s *ledgerSource) string {
	if s.database != "" {
		return "the database's tessera_* tables"
	}
	return filepath.Join(s.dir(), ledgerLogDir)
}

func printVerifyReport(w io.Writer, res *verifyResult) {
	if res.LogError != "" {
		fmt.Fprintf(w, "FAILED: the decision log does not verify: %s.\n", res.LogError)
		fmt.Fprintf(w, "Key: %s (%s). Trusted checkpoint: %s.\n", res.Key, res.KeySource, res.TrustedCheckpoint)
		return
	}
	rep := res.Report
	fmt.Fprintf(w, "Log %s: %d entries, root %s; the checkpoint's signature verifies with %s.\n", rep.Origin, rep.Size, rep.Root, res.KeySource)
	if rep.TrustedSize >= 0 {
		fmt.Fprintf(w, "It extends the trusted checkpoint of %d entries (%s): consistency proven.\n", rep.TrustedSize, res.TrustedCheckpoint)
	} else {
		fmt.Fprintf(w, "No trusted checkpoint yet (%s): this is the first verification, so there is nothing to prove consistency from.\n", res.TrustedCheckpoint)
	}
	fmt.Fprintf(w, "Every entry hashes into the checkpoint's root.\n")
	fmt.Fprintf(w, "Database: %d decisions and transitions; %d proven in the log and unchanged; %d waiting to be logged.\n", rep.Records, rep.Verified, rep.Pending)
	if res.OK {
		fmt.Fprintf(w, "OK: everything verifies.")
		if res.Saved {
			fmt.Fprintf(w, " This checkpoint is now the trusted one (%s).", res.TrustedCheckpoint)
		}
		fmt.Fprintln(w)
		return
	}
	fmt.Fprintf(w, "FAILED: %s:\n", plural(len(rep.Problems), "problem", "problems"))
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
	var (
		src     ledgerSource
		out     output
		outFile string
	)
	cmd := &cobra.Command{
		Use:   "proof ID [--data DIR | --database URL] [--key KEY] [--out FILE]",
		Short: "Print the inclusion proof of an assessment's or a transition's log entry",
		Long: `proof prints the proof that the record ID (an assessment, asm_…, or a
transition, trn_…) is in the decision log, as a JSON document: the entry's
exact bytes, its index, the log's latest signed checkpoint and the Merkle
inclusion proof (RFC 6962) of the entry in the tree that checkpoint commits
to. The proof is checked before it is printed.

Anyone holding the log's public key can check it, with nothing else:
insurable ledger check-proof, or by hand as docs/ledger.md shows. The service
gives the same proof to those who may read the record:
GET /api/ledger/proofs/ID. -o text describes the proof instead of printing it.

` + ledgerExitStatus,
		Example: `  insurable ledger proof asm_01a21c3ba280edaf2a936f --data /var/lib/insurable > proof.json
  insurable ledger key --data /var/lib/insurable > log.pub
  insurable ledger check-proof proof.json --key log.pub`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			ctx := cmd.Context()
			o, err := src.open(ctx, "give its public key with --key")
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
			v := o.reader.Verifier()
			p, err := ledger.ProveEntry(ctx, o.reader, v, args[0], uint64(e.Index), e.Entry)
			switch {
			case errors.Is(err, ledger.ErrNotPublished):
				return insurable.Errorf("ledger proof", insurable.Conflict, "%v; retry in a few seconds", err)
			case errors.Is(err, ledger.ErrNoCheckpoint):
				return insurable.Errorf("ledger proof", insurable.NotExist, "%v (in %s)", err, logPlace(&src))
			case ledger.IsNotVerified(err):
				a.exit = insurable.ExitVerifyFail
				fmt.Fprintf(a.Stderr, "insurable: the log's proof of %s does not verify: %v\n", args[0], err)
				return nil
			case err != nil:
				return err
			}
			entry, cp, err := p.Check(v)
			if err != nil {
				a.exit = insurable.ExitVerifyFail
				fmt.Fprintf(a.Stderr, "insurable: the log's proof of %s does not verify: %v\n", args[0], err)
				return nil
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
			if out.format == "text" {
				fmt.Fprintf(w, "Entry %d of the log %s is in the tree of its checkpoint of %d entries (root %s): %d hashes prove it.\n", p.Index, cp.Origin, cp.Size, cp.RootBase64(), len(p.Inclusion))
				describeEntry(w, entry)
				return nil
			}
			return writeJSON(w, p)
		},
	}
	src.register(cmd, true)
	out.register(cmd, "json", "json", "text")
	cmd.Flags().StringVar(&outFile, "out", "", "write to this file instead of standard output")
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
record's. It needs no database and no access to the service. It prints what
the entry says.

A firm checks that the decision it received is the one on record with
--assessment, the assessment as the API gave it (GET /api/assessments/ID):
its outcome, tier, score, evidence and result digest must be the logged ones.
An auditor who re-ran the assessment checks the result with --result, the
output of insurable assess -o json: its SHA-256 must be the logged digest.

To hold on to a checkpoint, compare the proof's checkpoint with one you
trust: a later checkpoint must extend it (insurable ledger verify does that
for the whole log).

` + ledgerExitStatus,
		Example: `  curl -s $URL/.well-known/insurable/ledger-key > log.pub
  curl -s -H "Authorization: Bearer $TOKEN" $URL/api/ledger/proofs/asm_… > proof.json
  insurable ledger check-proof proof.json --key log.pub

  # A firm: the decision it received is the one on record
  curl -s -H "Authorization: Bearer $TOKEN" $URL/api/assessments/asm_… > assessment.json
  insurable ledger check-proof proof.json --key log.pub --assessment assessment.json

  # An auditor: a re-run of the assessment gives the logged result
  insurable ledger check-proof proof.json --key log.pub --result result.json -o json`,
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

// keyJSON is what ledger key and ledger keygen print with -o json.
type keyJSON struct {
	Origin    string `json:"origin"`
	PublicKey string `json:"public_key"`
	// SigningKey is the file keygen wrote the signing key to.
	SigningKey string `json:"signing_key_file,omitempty"`
}

func printKey(a *App, format, vkey, file string) error {
	if format == "json" {
		origin, _, _ := strings.Cut(vkey, "+")
		return writeJSON(a.Stdout, keyJSON{Origin: origin, PublicKey: vkey, SigningKey: file})
	}
	_, err := fmt.Fprintln(a.Stdout, vkey)
	return err
}

func (a *App) ledgerKeyCommand() *cobra.Command {
	var (
		src     ledgerSource
		out     output
		signing string
	)
	cmd := &cobra.Command{
		Use:   "key [--data DIR | --database URL | --ledger-key FILE]",
		Short: "Print the decision log's public key",
		Long: `key prints the public key that the log's checkpoints are signed with, a C2SP
signed-note verifier key (origin+hash+key, Ed25519): the one pinned in the
service's database when it first ran with its log, or the one of the signing
key in --ledger-key. The service publishes it at
/.well-known/insurable/ledger-key; whoever checks proofs needs it and nothing
else.

` + ledgerExitStatus,
		Example: `  insurable ledger key --data /var/lib/insurable > log.pub
  insurable ledger key --ledger-key /etc/insurable/log.key
  insurable ledger key --database postgres://insurable@db/insurable -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			if signing != "" {
				if src.data != "" || src.database != "" {
					return usagef("give --ledger-key, or --data or --database, not both")
				}
				data, err := os.ReadFile(signing)
				if err != nil {
					return insurable.Wrap("ledger key", insurable.NotExist, err)
				}
				k, err := ledger.VerifierKey(string(data))
				if err != nil {
					return wrapInvalid(err)
				}
				return printKey(a, out.format, k, "")
			}
			ctx := cmd.Context()
			o, err := src.open(ctx, "give the signing key with --ledger-key FILE")
			if err != nil {
				return err
			}
			defer o.Close()
			return printKey(a, out.format, o.key, "")
		},
	}
	src.register(cmd, false)
	out.register(cmd, "text", "text", "json")
	cmd.Flags().StringVar(&signing, "ledger-key", "", "a signing key file, whose public key to print")
	return cmd
}

func (a *App) ledgerKeygenCommand() *cobra.Command {
	var (
		origin, outFile string
		out             output
	)
	cmd := &cobra.Command{
		Use:   "keygen [--origin NAME] --out FILE",
		Short: "Make a signing key for a decision log (for replicas on PostgreSQL)",
		Long: `keygen makes an Ed25519 signing key in the C2SP signed-note format, writes
it to --out (readable by its owner only) and prints the public key. Give the
file to every replica with --ledger-key, or its content as
$INSURABLE_LEDGER_KEY. The origin names the log in every checkpoint; by
default insurable.ledger/ and a random suffix. On SQLite, serve makes its key
itself in the data directory (ledger/log.key).

The signing key is a secret: whoever holds it can sign checkpoints of a
forged log. Keep it where the service's other secrets are.

` + ledgerExitStatus,
		Example: `  insurable ledger keygen --origin insurable.ledger/acme-underwriting --out /etc/insurable/log.key
  insurable serve --database postgres://insurable@db/insurable --ledger-key /etc/insurable/log.key`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
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
			return printKey(a, out.format, vkey, outFile)
		},
	}
	out.register(cmd, "text", "text", "json")
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
