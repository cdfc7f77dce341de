// Package demo writes evidence bundles: the two example firms shipped in
// examples/ (a water utility with old firmware and governance gaps, and a
// well-run manufacturer) and synthetic bundles of any size for scale tests.
// Output is deterministic for a given seed and date, and a bundle is
// written to a temporary directory and renamed into place, so that it
// appears whole or not at all.
package demo

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/evidence"
)

// Scenario names a kind of firm the generator can write.
type Scenario string

// The scenarios.
const (
	// Water is a water utility running old firmware, with governance gaps.
	Water Scenario = "water"
	// Manufacturer is a well-run discrete manufacturer.
	Manufacturer Scenario = "manufacturer"
	// Typical is a firm in between, with a mix of both fleets, for scale
	// tests.
	Typical Scenario = "typical"
)

// Options say what to generate.
type Options struct {
	Scenario Scenario
	// Devices is the number of inventoried devices.
	Devices int
	// Seed makes the output reproducible.
	Seed uint64
	// AsOf is the snapshot date; evidence dates are relative to it.
	AsOf evidence.Date
	// Out is the directory to create. It must not exist yet, unless Force.
	Out   string
	Force bool
	// Firm overrides the generated firm's id and name when set.
	FirmID, FirmName string
	// Crypto, when set, makes the keys, certificates and signatures of the
	// bundle. Without it the bundle holds no cryptographic evidence.
	Crypto CryptoMaker
	// Progress, when set, is told how many devices are done.
	Progress func(done, total int)
}

// MaxDevices bounds a generated fleet.
const MaxDevices = 5_000_000

// Generate writes a bundle.
func Generate(opts Options) error {
	const op insurable.Op = "demo.Generate"
	if opts.Devices < 1 || opts.Devices > MaxDevices {
		return insurable.Errorf(op, insurable.Invalid, "--devices %d: want 1 to %d", opts.Devices, MaxDevices)
	}
	if opts.AsOf.IsZero() {
		return insurable.Errorf(op, insurable.Invalid, "no snapshot date")
	}
	switch opts.Scenario {
	case Water, Manufacturer, Typical:
	case "":
		opts.Scenario = Typical
	default:
		return insurable.Errorf(op, insurable.Invalid, "scenario %q: want water, manufacturer or typical", opts.Scenario)
	}
	if opts.Out == "" {
		return insurable.Errorf(op, insurable.Invalid, "no output directory")
	}
	if _, err := os.Stat(opts.Out); err == nil && !opts.Force {
		return insurable.FileError(op, insurable.Conflict, opts.Out, 0, "already exists; choose another directory or pass --force")
	}
	parent := filepath.Dir(filepath.Clean(opts.Out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return &insurable.Error{Op: op, Kind: insurable.Invalid, Path: parent, Err: err}
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(opts.Out)+".tmp-*")
	if err != nil {
		return &insurable.Error{Op: op, Kind: insurable.Invalid, Path: parent, Err: err}
	}
	defer os.RemoveAll(tmp)

	g := newGenerator(opts, tmp)
	if err := g.run(); err != nil {
		return err
	}
	if opts.Force {
		if err := os.RemoveAll(opts.Out); err != nil {
			return &insurable.Error{Op: op, Kind: insurable.Invalid, Path: opts.Out, Err: err}
		}
	}
	if err := os.Rename(tmp, opts.Out); err != nil {
		return &insurable.Error{Op: op, Kind: insurable.Invalid, Path: opts.Out, Err: err}
	}
	return nil
}

// posture is how well the generated firm keeps its house.
type posture struct {
	oldFirmware    float64 // share of devices on a vulnerable firmware
	missingFields  float64 // share of inventory rows with a gap
	unlisted       int     // devices seen on the network but not inventoried
	legacyPlanned  bool    // legacy devices have controls and replacement dates
	governanceGood bool    // governance records fresh, complete and signed
	metricsGaps    bool
	cvdGood        bool
	dataEncrypted  bool
	scansClean     bool
	ramComplete    bool
	pkiCoverage    float64 // share of networked devices with a valid certificate
	hardwareClean  bool
	platformClean  bool
}

var postures = map[Scenario]posture{
	Water: {oldFirmware: 0.6, missingFields: 0.04, unlisted: 4, legacyPlanned: false, governanceGood: false,
		metricsGaps: false, cvdGood: true, dataEncrypted: true, scansClean: false, ramComplete: true,
		pkiCoverage: 0.55, hardwareClean: false, platformClean: false},
	Manufacturer: {oldFirmware: 0, missingFields: 0, unlisted: 0, legacyPlanned: true, governanceGood: true,
		metricsGaps: false, cvdGood: true, dataEncrypted: true, scansClean: true, ramComplete: true,
		pkiCoverage: 1, hardwareClean: true, platformClean: true},
	Typical: {oldFirmware: 0.2, missingFields: 0.01, unlisted: 2, legacyPlanned: true, governanceGood: true,
		metricsGaps: false, cvdGood: true, dataEncrypted: true, scansClean: false, ramComplete: true,
		pkiCoverage: 0.97, hardwareClean: false, platformClean: true},
}

// generator holds the state of one generation.
type generator struct {
	opts   Options
	dir    string
	rng    *rand.Rand
	p      posture
	asOf   evidence.Date
	firm   firmInfo
	assets []evidence.Asset
	fleet  []model // model of each asset, by index
	// attested lists the attestations the crypto maker signs.
	attested []attested
}

type firmInfo struct {
	id, name, naics, industry, country, website, domain string
	sites                                               []evidence.Site
	people                                              people
}

// people are the named staff of the generated firm.
type people struct {
	ceo, ciso, otLead, engineer, itLead, finance, quality, board string
}

func newGenerator(opts Options, dir string) *generator {
	return &generator{
		opts: opts, dir: dir, asOf: opts.AsOf, p: postures[opts.Scenario],
		rng: rand.New(rand.NewPCG(opts.Seed, 0x9e3779b97f4a7c15)),
	}
}

func (g *generator) run() error {
	g.firm = g.makeFirm()
	g.makeFleet()
	steps := []func() error{
		g.writeManifest, g.writeFirm, g.writeInventory, g.writeObservations,
		g.writeRisk, g.writeGovernance, g.writeRAM, g.writeRemediation,
		g.writeMetrics, g.writeCVD, g.writeDeclarations, g.writeChanges, g.writeScans, g.writeSBOMs,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	if g.opts.Crypto != nil {
		return g.writeCrypto()
	}
	return nil
}

// write creates a file of the bundle.
func (g *generator) write(name string, data []byte) error {
	path := filepath.Join(g.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return &insurable.Error{Op: "demo.Generate", Kind: insurable.Invalid, Path: name, Err: err}
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return &insurable.Error{Op: "demo.Generate", Kind: insurable.Invalid, Path: name, Err: err}
	}
	return nil
}

func (g *generator) writef(name, format string, args ...any) error {
	return g.write(name, []byte(fmt.Sprintf(format, args...)))
}

// chance reports true with probability p.
func (g *generator) chance(p float64) bool { return g.rng.Float64() < p }

// daysAgo returns the date n days before the snapshot.
func (g *generator) daysAgo(n int) evidence.Date { return g.asOf.AddDays(-n) }

func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
