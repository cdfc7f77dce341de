package cryptoevidence

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/internal/strictyaml"
	"github.com/insurable/insurable/pki"
)

const opCerts insurable.Op = "cryptoevidence.VerifyDeviceCertificates"

// deviceMap is pki/devices.yaml: which certificate file belongs to which
// inventoried asset, for bundles whose file names are not asset ids.
type deviceMap struct {
	Devices []struct {
		Asset       string `yaml:"asset"`
		Certificate string `yaml:"certificate"`
	} `yaml:"devices"`
}

// VerifyDeviceCertificates validates every certificate under pki/devices/
// for device identity against the bundle's root, intermediates and CRLs as
// of the end of asOf, and ties each to an inventoried asset: through
// pki/devices.yaml, else by file name (pki/devices/<asset-id>.pem), else by
// the certificate's common name or subject serial number. It returns an
// error only when ctx ends.
func (v *Verifiers) VerifyDeviceCertificates(ctx context.Context, b *evidence.Bundle, asOf evidence.Date) (*check.CertificateReport, error) {
	t := v.trustFor(b, instant(asOf))
	rep := &check.CertificateReport{Root: t.root, CRLs: t.crls, Problems: append([]string(nil), t.problems...)}
	pkiFiles := b.Files[evidence.DirPKI]
	files := withExt(under(pkiFiles, DirDevices), certExts...)

	byID := map[string]string{}
	bySerial := map[string]string{}
	serialCount := map[string]int{}
	for _, a := range b.Assets {
		byID[a.ID] = a.ID
		if _, ok := byID[strings.ToLower(a.ID)]; !ok {
			byID[strings.ToLower(a.ID)] = a.ID
		}
		if a.Serial != "" {
			bySerial[a.Serial] = a.ID
			serialCount[a.Serial]++
		}
	}
	mapped := map[string]string{}
	if contains(pkiFiles, PathDeviceMap) {
		var m deviceMap
		data, err := b.ReadFile(PathDeviceMap, 64<<20)
		if err == nil {
			err = strictyaml.Decode(opCerts, PathDeviceMap, data, &m)
		}
		if err != nil {
			rep.Problems = append(rep.Problems, err.Error())
		}
		for i, d := range m.Devices {
			switch {
			case d.Asset == "" || d.Certificate == "":
				rep.Problems = append(rep.Problems, fmt.Sprintf("%s: entry %d names no asset or no certificate", PathDeviceMap, i+1))
			case !contains(pkiFiles, d.Certificate):
				rep.Problems = append(rep.Problems, fmt.Sprintf("%s: entry %d: certificate %s is not a file under pki/", PathDeviceMap, i+1, d.Certificate))
			default:
				mapped[d.Certificate] = d.Asset
				if !contains(files, d.Certificate) {
					files = append(files, d.Certificate)
				}
			}
		}
	}
	sort.Strings(files)

	items, err := readItems(ctx, b, files)
	if err != nil {
		return nil, err
	}
	assetOf := make([]string, len(items))
	for i, it := range items {
		switch a, ok := mapped[files[i]]; {
		case ok:
			assetOf[i] = a
		case byID[stem(files[i])] != "":
			assetOf[i] = byID[stem(files[i])]
		case byID[strings.ToLower(stem(files[i]))] != "":
			assetOf[i] = byID[strings.ToLower(stem(files[i]))]
		case it.Cert != nil && byID[it.Cert.Subject.CommonName] != "":
			assetOf[i] = byID[it.Cert.Subject.CommonName]
		case it.Cert != nil && it.Cert.Subject.SerialNumber != "" && serialCount[it.Cert.Subject.SerialNumber] == 1:
			assetOf[i] = bySerial[it.Cert.Subject.SerialNumber]
		}
		items[i].Owner = assetOf[i]
		if items[i].Owner == "" {
			items[i].Owner = "file:" + files[i]
		}
	}

	var results []pki.Result
	if t.verifier != nil {
		if results, err = t.verifier.VerifyAll(ctx, items, pki.DeviceIdentity); err != nil {
			return nil, err
		}
	} else {
		results = make([]pki.Result, len(items))
		for i, it := range items {
			results[i] = pki.Result{Status: pki.Untrusted, Reason: t.noRoot()}
			if it.Cert == nil {
				results[i] = pki.Unreadable(it.Err)
			}
		}
	}
	has := map[string]bool{}
	issuers := map[string]string{} // a fleet has few issuers: format each once
	rep.Results = make([]check.CertificateResult, len(items))
	for i, it := range items {
		r := check.CertificateResult{File: files[i], AssetID: assetOf[i], Status: string(results[i].Status), Reason: results[i].Reason}
		var uk *pki.UnsupportedKeyError
		if errors.As(it.Err, &uk) {
			r.Subject = uk.Subject
		}
		if it.Cert != nil {
			r.Subject = it.Cert.Subject.String()
			iss, ok := issuers[string(it.Cert.RawIssuer)]
			if !ok {
				iss = it.Cert.Issuer.String()
				issuers[string(it.Cert.RawIssuer)] = iss
			}
			r.Issuer = iss
			r.Serial = it.Cert.SerialNumber.Text(16)
			r.Expires = dateOf(it.Cert.NotAfter)
		}
		if r.AssetID != "" {
			has[r.AssetID] = true
		}
		rep.Results[i] = r
	}
	for _, a := range b.Assets {
		if !has[a.ID] {
			rep.Missing = append(rep.Missing, a.ID)
		}
	}
	return rep, nil
}

// readItems reads and parses certificate files concurrently; a fleet keeps
// one file per device.
func readItems(ctx context.Context, b *evidence.Bundle, files []string) ([]pki.Item, error) {
	items := make([]pki.Item, len(files))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(files), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(files) || ctx.Err() != nil {
					return
				}
				items[i].Name = files[i]
				certs, err := readCerts(b, files[i])
				if err != nil {
					items[i].Err = err
					continue
				}
				items[i].Cert, items[i].Extra = certs[0], certs[1:]
			}
		}()
	}
	wg.Wait()
	return items, ctx.Err()
}

// subject names a certificate for reports.
func subject(c *x509.Certificate) string {
	if c == nil {
		return ""
	}
	return c.Subject.String()
}
