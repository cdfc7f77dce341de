package main

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/probe"
	"github.com/insurable/insurable/scan"
)

func (a *App) probeCommand() *cobra.Command {
	var (
		out         output
		portList    string
		concurrency int
		rateLimit   float64
		timeout     time.Duration
		dryRun      bool
		rootFile    string
		assessor    string
		noCreds     bool
	)
	cmd := &cobra.Command{
		Use:   "probe TARGET...",
		Short: "Probe endpoints for encryption, standard protocols and exposure",
		Long: `probe actively validates the endpoints a firm exposes. A target is a host,
host:port, or a CIDR prefix given explicitly (at most 65,536 addresses); only
those are contacted. On each open port it detects the protocol and learns:

  TLS      every version from SSLv3 to TLS 1.3 with the cipher suites accepted
           under each, key exchange groups, the certificate (chain verified to
           --root when given, else to the system roots, expiry, key strength)
           and whether a client certificate is required
  MQTT     whether a CONNECT without credentials is accepted
  OPC UA   endpoints, security policies and modes, anonymous user tokens
  Modbus   whether a read (device identification 43/14, or one holding
           register) is answered without authentication; never a write
  SSH      key exchange, host key, cipher and MAC algorithms; password auth
  HTTP(S)  security headers, login pages over plain HTTP, documented default
           credentials on basic authentication (bounded attempts)
  Telnet, FTP and services on ports not registered for their protocol

Probes are read-only. At most --concurrency endpoints are probed at once and
each endpoint never has more than one connection open; new connections are
limited to --rate per second; every connect, read and write times out after
--timeout. --dry-run prints what would be sent and sends nothing.

-o json prints the scan results file (insurable.scan/v1) an evidence bundle
keeps under scans/. The exit code is 0 whenever the probe ran, whatever it
found. See docs/probe.md.`,
		Example: `  insurable probe 192.0.2.10 --ports modbus,opcua,mqtt,mqtts,https
  insurable probe plc-7.plant.example:502 gw.plant.example:8883 -o json > scans/site.json
  insurable probe 192.0.2.0/28 --rate 50 --concurrency 8 --root pki/root.pem
  insurable probe 192.0.2.0/28 --dry-run`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			cfg := probe.Config{Concurrency: concurrency, Rate: rateLimit, Timeout: timeout, NoCredentials: noCreds, Now: a.Now, Log: a.Log}
			if concurrency < 1 || concurrency > 4096 {
				return usagef("--concurrency %d: want 1 to 4096", concurrency)
			}
			if rateLimit <= 0 {
				return usagef("--rate %g: want a positive number of connections per second", rateLimit)
			}
			if timeout <= 0 || timeout > 5*time.Minute {
				return usagef("--timeout %s: want more than 0 and at most 5m", timeout)
			}
			if portList != "" {
				ps, err := probe.ParsePorts(portList)
				if err != nil {
					return usagef("--ports: %v", err)
				}
				cfg.Ports = ps
			}
			var targets []probe.Target
			for _, arg := range args {
				t, err := probe.ParseTarget(arg)
				if err != nil {
					return usagef("%v", err)
				}
				targets = append(targets, t)
			}
			if _, err := probe.Count(targets, cfg.Ports); err != nil {
				return usagef("%v", err)
			}
			if rootFile != "" {
				pool, err := readRoots(rootFile)
				if err != nil {
					return err
				}
				cfg.Roots = pool
			}
			if dryRun {
				plan, err := probe.DryRun(cfg, targets)
				if err != nil {
					return usagef("%v", err)
				}
				if out.format == "json" {
					return writeJSON(a.Stdout, plan)
				}
				return writePlan(a.Stdout, plan)
			}
			bar := a.progress(-1, "probing")
			cfg.Progress = func(done, total int) {
				bar.ChangeMax(total)
				_ = bar.Set(done)
			}
			start := time.Now()
			f, err := probe.Run(cmd.Context(), cfg, targets)
			_ = bar.Finish()
			if err != nil {
				// Only an interruption (the context ended) gets here.
				return insurable.Wrap("probe", insurable.Internal, err)
			}
			f.Scanner = scan.Tool{Name: "insurable probe", Version: toolVersion()}
			f.Assessor = assessor
			a.Log.Info("probe finished", "endpoints", len(f.Endpoints), "elapsed", time.Since(start))
			if out.format == "json" {
				return writeJSON(a.Stdout, f)
			}
			return writeProbeText(a.Stdout, f, time.Since(start))
		},
	}
	out.register(cmd, "text", "text", "json")
	cmd.Flags().StringVar(&portList, "ports", "", "ports for targets without one: numbers, ranges (8000-8010) and protocol names (modbus, mqtts), comma-separated (default: the registered ports of docs/ports.md and common management ports)")
	cmd.Flags().IntVar(&concurrency, "concurrency", probe.DefaultConcurrency, "endpoints probed at once (each with at most one connection open)")
	cmd.Flags().Float64Var(&rateLimit, "rate", probe.DefaultRate, "new connections per second, over the whole run")
	cmd.Flags().DurationVar(&timeout, "timeout", probe.DefaultTimeout, "timeout of every connect, read and write")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the endpoints and the messages that would be sent, and send nothing")
	cmd.Flags().StringVar(&rootFile, "root", "", "PEM file of the firm's root certificate(s): TLS chains are verified to it instead of the system roots")
	cmd.Flags().StringVar(&assessor, "assessor", "", "who runs the probe, recorded in the results")
	cmd.Flags().BoolVar(&noCreds, "no-default-creds", false, "do not try default credentials on HTTP basic authentication")
	return cmd
}

// readRoots reads a PEM file of root certificates.
func readRoots(name string) (*x509.CertPool, error) {
	const op insurable.Op = "probe.readRoots"
	data, err := os.ReadFile(name)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, &insurable.Error{Op: op, Kind: insurable.NotExist, Path: name, Msg: "root certificate file not found"}
		}
		return nil, &insurable.Error{Op: op, Kind: insurable.Invalid, Path: name, Err: err}
	}
	pool := x509.NewCertPool()
	n := 0
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, &insurable.Error{Op: op, Kind: insurable.Invalid, Path: name, Msg: "a certificate does not parse", Err: err}
		}
		pool.AddCert(c)
		n++
	}
	if n == 0 {
		return nil, insurable.FileError(op, insurable.Invalid, name, 0, "no PEM CERTIFICATE block")
	}
	return pool, nil
}

func writePlan(w io.Writer, p *probe.Plan) error {
	fmt.Fprintf(w, "dry run: nothing is sent. %d endpoint(s) of %s; at most %d endpoints at once, %g new connections/s, timeout %s\n",
		len(p.Endpoints), strings.Join(p.Targets, " "), p.Concurrency, p.Rate, p.Timeout)
	// Endpoints with the same steps are listed together.
	var order []string
	groups := map[string][]string{}
	for _, e := range p.Endpoints {
		k := strings.Join(e.Steps, "\n")
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], hostPort(e.Host, e.Port))
	}
	for _, k := range order {
		fmt.Fprintf(w, "\n%s\n", strings.Join(groups[k], " "))
		for _, s := range strings.Split(k, "\n") {
			fmt.Fprintf(w, "  %s\n", s)
		}
	}
	return nil
}

// writeProbeText prints the findings for a person: one block per endpoint,
// with the problems the checks will see.
func writeProbeText(w io.Writer, f *scan.File, elapsed time.Duration) error {
	fmt.Fprintf(w, "insurable probe: %d open endpoint(s) on %s in %s\n", len(f.Endpoints), strings.Join(f.Targets, " "), elapsed.Round(time.Millisecond))
	for i := range f.Endpoints {
		e := &f.Endpoints[i]
		s := scan.Summarize("", e)
		fmt.Fprintf(w, "\n%s  %s", hostPort(e.Host, e.Port), e.Protocol)
		if !s.StandardPort && e.Protocol != "unknown" {
			fmt.Fprint(w, "  (not its registered port)")
		}
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		row := func(k, v string) {
			if v != "" {
				fmt.Fprintf(tw, "  %s\t%s\n", k, v)
			}
		}
		if e.Banner != "" && e.SSH == nil {
			row("banner", e.Banner)
		}
		if t := e.TLS; t != nil {
			var vs []string
			for _, v := range t.Versions {
				if v.Offered {
					vs = append(vs, fmt.Sprintf("%s (%d suites)", v.Version, len(v.Ciphers)))
				}
			}
			row("tls", strings.Join(vs, ", "))
			row("groups", strings.Join(t.Groups, ", "))
			if c := t.Certificate; c != nil {
				chain := "valid"
				if !c.ChainValid {
					chain = "INVALID: " + c.ChainError
				}
				row("certificate", fmt.Sprintf("%s; %s %d; expires %s; chain to %s roots %s", c.Subject, c.KeyType, c.KeyBits, c.NotAfter, c.TrustRoot, chain))
			}
			row("client cert", t.ClientAuth)
		}
		if m := e.MQTT; m != nil {
			row("anonymous", fmt.Sprint(m.Anonymous))
		}
		if o := e.OPCUA; o != nil {
			for _, ep := range o.Endpoints {
				row("endpoint", fmt.Sprintf("%s %s %s tokens %s", ep.URL, ep.SecurityPolicy, ep.SecurityMode, strings.Join(ep.UserTokens, ",")))
			}
			row("anonymous", fmt.Sprint(o.Anonymous))
		}
		if m := e.Modbus; m != nil {
			row("unauth read", fmt.Sprint(m.UnauthenticatedRead))
			keys := make([]string, 0, len(m.DeviceID))
			for k := range m.DeviceID {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				row(k, m.DeviceID[k])
			}
		}
		if sh := e.SSH; sh != nil {
			row("banner", sh.Banner)
			row("kex", strings.Join(sh.KEX, ","))
			row("host keys", strings.Join(sh.HostKeys, ","))
			row("ciphers", strings.Join(sh.Ciphers, ","))
			row("macs", strings.Join(sh.MACs, ","))
			row("password auth", fmt.Sprint(sh.PasswordAuth))
		}
		if h := e.HTTP; h != nil {
			row("server", h.Server)
			if h.LoginPage {
				row("login", h.AuthScheme)
			}
			row("default creds", strings.Join(h.DefaultCredentials, ", "))
			row("missing headers", strings.Join(h.MissingHeaders, ", "))
		}
		var problems []string
		if s.Plaintext {
			problems = append(problems, "plaintext")
		}
		for _, v := range s.LegacyTLS {
			problems = append(problems, "legacy "+v)
		}
		if n := len(s.WeakCiphers); n > 0 {
			problems = append(problems, fmt.Sprintf("%d weak suite(s)", n))
		}
		if s.CertProblem != "" {
			problems = append(problems, s.CertProblem)
		}
		if s.Anonymous {
			problems = append(problems, "anonymous access")
		}
		if s.DefaultCreds {
			problems = append(problems, "default credentials work")
		}
		problems = append(problems, s.Problems...)
		row("problems", strings.Join(problems, "; "))
		for _, err := range e.Errors {
			row("note", err)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func hostPort(h string, p int) string {
	if strings.Contains(h, ":") {
		return fmt.Sprintf("[%s]:%d", h, p)
	}
	return fmt.Sprintf("%s:%d", h, p)
}
