package cryptoevidence

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/insurable/insurable/attest"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/hardware"
	"github.com/insurable/insurable/keys"
	"github.com/insurable/insurable/platform"
	"github.com/insurable/insurable/signature"
)

// DemoOptions tune MakeDemo.
type DemoOptions struct {
	// Defects builds in a few deliberately bad devices (one in about 30:
	// expired, not yet valid, revoked, weak key, bad usage, untrusted,
	// duplicate key), firmware (tampered, unsigned, signed by an expired
	// signer), a deployment that drifts from its manifest and an
	// unapproved hardware change.
	Defects bool
	// Now is the time of issue (default: the bundle's snapshot_date at
	// noon UTC, else the current time).
	Now time.Time
	// Progress, when set, is told how many devices have their certificate.
	Progress func(done, total int)
}

// Limits on what MakeDemo writes for a large fleet.
const (
	demoMaxDeployments = 500 // deployment snapshots in all
)

// MakeDemo writes the cryptographic evidence of a generated bundle at dir,
// whose other evidence (bundle.yaml, firm.yaml, inventory, governance
// records, change records) is already written: the firm's PKI, a
// certificate for every networked device, a signer and a signed artifact
// for every firmware version in the fleet, a signed platform manifest for
// each kind of gateway or server with a deployment snapshot per host,
// hardware baselines and snapshots for every device (citing the change
// records), and an officer's certificate and a signed
// envelope for every attestation block that names a signature path.
func MakeDemo(dir string, opts DemoOptions) error {
	var man evidence.Manifest
	var firm evidence.Firm
	readYAML(filepath.Join(dir, evidence.PathManifest), &man)
	readYAML(filepath.Join(dir, evidence.PathFirm), &firm)
	if opts.Now.IsZero() {
		opts.Now = time.Now()
		if !man.SnapshotDate.IsZero() {
			opts.Now = man.SnapshotDate.Time().Add(12 * time.Hour)
		}
	}
	// The CAs sign with RSA-2048, as many industrial PKIs do; the devices'
	// own keys are ECDSA P-256. RSA signatures also verify several times
	// faster than ECDSA ones, which matters across a large fleet.
	w, err := NewWriter(dir, WriterOptions{Organization: firstNonEmpty(firm.Name, "Demo Org"), Now: opts.Now, CAAlgorithm: keys.RSA2048})
	if err != nil {
		return err
	}
	// Sign the attestations first: until their envelopes exist the bundle
	// does not load.
	if err := demoAttestations(w, dir); err != nil {
		return err
	}
	b, err := evidence.Load(dir, evidence.Options{})
	if err != nil {
		return err
	}
	defer b.Close()
	assets := append([]evidence.Asset(nil), b.Assets...)
	// Large fleets get their hardware states as JSON, which parses fast.
	w.HardwareJSON = len(assets) > 1000
	sort.Slice(assets, func(i, j int) bool { return assets[i].ID < assets[j].ID })
	if err := demoDevices(w, assets, opts); err != nil {
		return err
	}
	if err := demoFirmware(w, assets, opts.Defects); err != nil {
		return err
	}
	if err := demoPlatforms(w, assets, opts.Defects); err != nil {
		return err
	}
	if err := demoHardware(w, assets, b.Changes, opts.Defects); err != nil {
		return err
	}
	return w.Close()
}

func readYAML(path string, v any) {
	if data, err := os.ReadFile(path); err == nil {
		_ = yaml.Unmarshal(data, v) // a missing or odd file leaves the defaults
	}
}

// demoAttestations signs every attestation block that names a signature,
// in every YAML file of the bundle outside the cryptographic folders, as
// the officer it names.
func demoAttestations(w *Writer, dir string) error {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			switch rel {
			case "pki", "firmware", "platform", "hardware", "inventory", "observations", "metrics", "scans", "sboms":
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(rel, ".yaml") || strings.HasSuffix(rel, ".yml") {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			return err
		}
		recs, err := attest.Records(data)
		if err != nil {
			continue // not ours to judge here; the loader reports it
		}
		for _, r := range recs {
			if r.Signature == "" || r.Name == "" || r.Role == "" || r.Date == "" {
				continue
			}
			if w.officers[r.Name] == nil {
				if err := w.Officer(r.Name, ""); err != nil {
					return err
				}
			}
			if err := w.Attest(f, r.Pointer, r.Signature, None); err != nil {
				return err
			}
		}
	}
	return nil
}

// demoDefects are the device defects built in, in turn.
var demoDefects = []Defect{Expired, Revoked, WeakKey, BadUsage, Untrusted, DuplicateKey, NotYetValid}

func demoDevices(w *Writer, assets []evidence.Asset, opts DemoOptions) error {
	var ids []string
	for _, a := range assets {
		if a.IP != "" {
			ids = append(ids, a.ID)
		}
	}
	defect := map[int]Defect{}
	if opts.Defects && len(ids) >= 2*len(demoDefects) {
		per := max(1, len(ids)/200)
		total := per * len(demoDefects)
		for m := 0; m < total; m++ {
			i := m*len(ids)/total + len(ids)/(2*total)
			if defect[i-1] != "" || defect[i] != "" {
				continue
			}
			defect[i] = demoDefects[m%len(demoDefects)]
		}
	}
	// The devices before a duplicate-key one are written in order with
	// it; all others concurrently.
	ordered := map[int]bool{}
	for i, d := range defect {
		ordered[i] = true
		if d == DuplicateKey {
			ordered[i-1] = true
		}
	}
	var done atomic.Int64
	report := func() {
		n := int(done.Add(1))
		if opts.Progress != nil && (n%1000 == 0 || n == len(ids)) {
			opts.Progress(n, len(ids))
		}
	}
	var concurrent []string
	for i := range ids {
		if !ordered[i] {
			concurrent = append(concurrent, ids[i])
		}
	}
	if err := parallel(len(concurrent), func(i int) error {
		defer report()
		return w.validDevice(concurrent[i])
	}); err != nil {
		return err
	}
	idx := make([]int, 0, len(ordered))
	for i := range ordered {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		if err := w.Device(ids[i], defect[i]); err != nil {
			return err
		}
		report()
	}
	return nil
}

type fwKey struct{ vendor, product, version string }

func demoFirmware(w *Writer, assets []evidence.Asset, defects bool) error {
	seen := map[fwKey]bool{}
	var list []fwKey
	for _, a := range assets {
		k := fwKey{a.Vendor, a.Product, a.Version}
		if a.Version == "" || a.Vendor == "" || a.Product == "" || seen[k] {
			continue
		}
		seen[k] = true
		list = append(list, k)
	}
	sort.Slice(list, func(i, j int) bool {
		return list[i].vendor+"\x00"+list[i].product+"\x00"+list[i].version < list[j].vendor+"\x00"+list[j].product+"\x00"+list[j].version
	})
	formats := []signature.Format{signature.Sigstore, signature.Raw, signature.CMS}
	bad := map[int]Defect{}
	if defects && len(list) >= 6 {
		bad[len(list)/3], bad[len(list)/2], bad[2*len(list)/3] = Tampered, Unsigned, Expired
	}
	for i, k := range list {
		spec := FirmwareSpec{Vendor: k.vendor, Product: k.product, Version: k.version, Format: formats[i%len(formats)], Defect: bad[i]}
		if err := w.Firmware(spec); err != nil {
			return err
		}
	}
	return nil
}

// platformClasses are the classes of host whose software is a platform
// with a signed manifest.
var platformClasses = map[string]bool{"gateway": true, "server": true, "historian": true, "hmi": true, "workstation": true}

func demoPlatforms(w *Writer, assets []evidence.Asset, defects bool) error {
	groups := map[fwKey][]string{}
	var keys []fwKey
	for _, a := range assets {
		if !platformClasses[evidence.NormalizeClass(a.Class)] || a.Product == "" {
			continue
		}
		k := fwKey{a.Vendor, a.Product, a.Version}
		if groups[k] == nil {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], a.ID)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].vendor+keys[i].product+keys[i].version < keys[j].vendor+keys[j].product+keys[j].version
	})
	written := 0
	drifted := false
	for _, k := range keys {
		name := slug(k.product)
		m := &attest.Manifest{Platform: k.vendor + " " + k.product, Version: firstNonEmpty(k.version, "1"), Files: []attest.ManifestFile{
			{Path: "/usr/bin/" + name + "d", SHA256: digestOf(k, "daemon"), Kind: attest.KindApplication},
			{Path: "/usr/lib/lib" + name + ".so.1", SHA256: digestOf(k, "library"), Kind: attest.KindLibrary},
			{Path: "/usr/lib/libssl.so.3", SHA256: digestOf(k, "openssl"), Kind: attest.KindLibrary},
			{Path: "/etc/" + name + ".conf", SHA256: digestOf(k, "config"), Kind: attest.KindConfiguration},
		}}
		rel, err := w.Manifest(slug(k.vendor+"-"+k.product+"-"+k.version), m, None)
		if err != nil {
			return err
		}
		for _, host := range groups[k] {
			if written >= demoMaxDeployments {
				break
			}
			files := DeploymentOf(m)
			if defects && !drifted && len(groups[k]) > 1 {
				files[0].SHA256 = digestOf(k, "patched by hand")
				files = append(files, platform.File{Path: "/tmp/.cache/agent", SHA256: digestOf(k, "unknown binary")})
				drifted = true
			}
			if err := w.Deployment(host, rel, files); err != nil {
				return err
			}
			written++
		}
	}
	return nil
}

func digestOf(k fwKey, what string) string {
	sum := sha256.Sum256([]byte(k.vendor + "/" + k.product + "/" + k.version + "/" + what))
	return hex.EncodeToString(sum[:])
}

// demoHardware writes a baseline (a year old) and a snapshot (a week old)
// for every device; devices named by an approved change record show the
// firmware change it approves, and with defects one device shows a power
// supply swapped without a record.
func demoHardware(w *Writer, assets []evidence.Asset, changes []evidence.ChangeRecord, defects bool) error {
	cited := map[string]evidence.ChangeRecord{}
	for _, c := range changes {
		if c.Approved.IsZero() {
			continue
		}
		for _, a := range c.Assets {
			cited[a] = c
		}
	}
	type pair struct{ base, snap *hardware.State }
	pairs := make([]pair, 0, len(assets))
	swapped := false
	for _, a := range assets {
		serial := firstNonEmpty(a.Serial, strings.ToUpper(slug(a.ID)))
		base := &hardware.State{
			Asset: a.ID, Taken: evidence.NewDate(w.now.AddDate(-1, 0, 0)), HardwareRevision: a.HardwareRevision, Firmware: a.Version,
			ConfigDigest: "sha256:" + digestOf(fwKey{a.ID, "config", ""}, "v1"),
			Components: []hardware.Component{
				{ID: "main", Kind: evidence.NormalizeClass(a.Class), Model: firstNonEmpty(a.Model, a.Product), Serial: serial},
				{ID: "psu", Kind: "power-supply", Model: "PS-24V", Serial: "PSU-" + serial},
			},
		}
		snap := *base
		snap.Taken = evidence.NewDate(w.now.AddDate(0, 0, -7))
		snap.Components = append([]hardware.Component(nil), base.Components...)
		if c, ok := cited[a.ID]; ok {
			base.Firmware = "previous"
			snap.Changes = []hardware.Citation{{Record: c.ID, Covers: []string{"firmware"}}}
		} else if defects && !swapped && len(assets) >= 10 {
			snap.Components[1].Serial = "PSU-REPLACED"
			swapped = true
		}
		pairs = append(pairs, pair{base, &snap})
	}
	if w.HardwareJSON {
		// A large fleet's states come as one JSON Lines file per site.
		sites := map[string][]int{}
		var order []string
		for i, a := range assets {
			s := firstNonEmpty(slug(a.Site), "unassigned")
			if _, ok := sites[s]; !ok {
				order = append(order, s)
			}
			sites[s] = append(sites[s], i)
		}
		return parallel(len(order), func(k int) error {
			var bases, snaps []*hardware.State
			for _, i := range sites[order[k]] {
				bases, snaps = append(bases, pairs[i].base), append(snaps, pairs[i].snap)
			}
			if err := w.HardwareLines(DirBaselines+"/"+order[k]+".jsonl", bases); err != nil {
				return err
			}
			return w.HardwareLines(DirSnapshots+"/"+order[k]+".jsonl", snaps)
		})
	}
	return parallel(len(pairs), func(i int) error { return w.Hardware(pairs[i].base, pairs[i].snap) })
}

// parallel runs fn for 0..n-1 on all processors and returns the first
// error.
func parallel(n int, fn func(i int) error) error {
	work := make(chan int)
	var first error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	return first
}

// validDevice issues a valid device certificate; MakeDemo calls it
// concurrently.
func (w *Writer) validDevice(assetID string) error {
	iss, err := w.CA.Issue(keys.IssueOptions{Profile: keys.Device, CommonName: assetID, DNSNames: []string{slug(assetID) + ".devices.example"}, Algorithm: w.alg, Now: w.now})
	if err != nil {
		return err
	}
	return w.write(DirDevices+"/"+fileName(assetID)+".pem", keys.MarshalCertificates(iss.Cert))
}
