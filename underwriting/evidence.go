package underwriting

import (
	"bytes"
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/tarball"
	"github.com/insurable/insurable/vulnassess"
	"github.com/insurable/insurable/vulnmatch"
)

// UploadEvidence stores a firm's evidence bundle, sent as a tar.gz
// archive. The archive is unpacked into a staging directory within the
// limits, loaded with the evidence loader that assess uses, and recorded
// in one transaction with the archive itself; the version is named by the
// bundle's digest, so uploading the same evidence again returns the same
// version (created false). Nothing is left behind by a refused upload.
func (s *Service) UploadEvidence(ctx context.Context, p *access.Principal, firm string, r io.Reader) (*EvidenceVersion, bool, error) {
	const op insurable.Op = "underwriting.UploadEvidence"
	if err := s.view(ctx, func(tx Tx) error { return s.firmAccess(ctx, tx, op, p, firm, access.EvidenceUpload) }); err != nil {
		return nil, false, err
	}
	data, err := io.ReadAll(io.LimitReader(r, s.cfg.MaxUploadBytes+1))
	if err != nil {
		return nil, false, insurable.Errorf(op, insurable.Invalid, "reading the upload: %v", err)
	}
	if int64(len(data)) > s.cfg.MaxUploadBytes {
		return nil, false, insurable.Errorf(op, insurable.TooLarge, "the archive is larger than %d bytes", s.cfg.MaxUploadBytes)
	}
	return s.storeEvidence(ctx, firm, p.User, "", data)
}

// storeEvidence validates and records an archive.
func (s *Service) storeEvidence(ctx context.Context, firm, actor, parent string, data []byte) (*EvidenceVersion, bool, error) {
	const op insurable.Op = "underwriting.UploadEvidence"
	staging, err := os.MkdirTemp(filepath.Join(s.cfg.DataDir, "tmp"), "upload-")
	if err != nil {
		return nil, false, insurable.Wrap(op, insurable.Internal, err)
	}
	defer os.RemoveAll(staging)
	if err := tarball.Extract(bytes.NewReader(data), staging, s.cfg.Archive); err != nil {
		return nil, false, err
	}
	b, err := evidence.Load(staging, evidence.Options{Limits: s.cfg.Bundle})
	if err != nil {
		return nil, false, err
	}
	sum := sha256.Sum256(data)
	ev := &EvidenceVersion{
		ID: b.Digest, Firm: firm, Archive: "sha256:" + hex.EncodeToString(sum[:]), Bytes: int64(len(data)),
		Files: b.FileCount, Assets: len(b.Assets), BundleFirm: b.Firm.ID, SnapshotDate: b.Manifest.SnapshotDate,
		Parent: parent, CreatedBy: actor, Created: s.now(),
	}
	assets := fleetAssets(b)
	b.Close()
	var created bool
	err = s.tx(ctx, func(tx Tx) error {
		if err := tx.PutBlob(ctx, ev.Archive, data); err != nil {
			return err
		}
		var err error
		created, err = tx.CreateEvidence(ctx, ev)
		if err == nil && !created {
			ev, err = tx.Evidence(ctx, firm, ev.ID)
		}
		return err
	})
	if err != nil {
		return nil, false, err
	}
	// The unpacked copy is a cache of the archive: keep it if none is
	// there yet.
	dst := s.bundlePath(ev.ID)
	if _, err := os.Stat(dst); err != nil {
		if err := os.Rename(staging, dst); err != nil && !errors.Is(err, os.ErrExist) {
			s.log.Warn("keeping unpacked bundle", "evidence", ev.ID, "err", err)
		}
	}
	s.indexFleet(firm, ev.ID, assets)
	s.observe("evidence_uploaded", 1)
	return ev, created, nil
}

func fleetAssets(b *evidence.Bundle) []vulnmatch.Asset {
	out := make([]vulnmatch.Asset, len(b.Assets))
	for i := range b.Assets {
		out[i] = vulnassess.FromEvidence(&b.Assets[i])
	}
	return out
}

// bundlePath is where the unpacked copy of a version lives.
func (s *Service) bundlePath(digest string) string {
	return filepath.Join(s.cfg.DataDir, "bundles", strings.TrimPrefix(digest, "sha256:"))
}

// ensureUnpacked makes sure the version's bundle is unpacked on this
// replica's disk, from the archive in the database.
func (s *Service) ensureUnpacked(ctx context.Context, ev *EvidenceVersion) (string, error) {
	dst := s.bundlePath(ev.ID)
	if _, err := os.Stat(dst); err == nil {
		return dst, nil
	}
	var data []byte
	err := s.view(ctx, func(tx Tx) error {
		var err error
		data, err = tx.Blob(ctx, ev.Archive)
		return err
	})
	if err != nil {
		return "", err
	}
	staging, err := os.MkdirTemp(filepath.Join(s.cfg.DataDir, "tmp"), "unpack-")
	if err != nil {
		return "", insurable.Wrap("underwriting.unpack", insurable.Internal, err)
	}
	defer os.RemoveAll(staging)
	if err := tarball.Extract(bytes.NewReader(data), staging, s.cfg.Archive); err != nil {
		return "", err
	}
	if err := os.Rename(staging, dst); err != nil {
		if _, serr := os.Stat(dst); serr != nil {
			return "", insurable.Wrap("underwriting.unpack", insurable.Internal, err)
		}
	}
	return dst, nil
}

// GetEvidence returns one version of a firm's evidence.
func (s *Service) GetEvidence(ctx context.Context, p *access.Principal, firm, id string) (*EvidenceVersion, error) {
	const op insurable.Op = "underwriting.GetEvidence"
	var ev *EvidenceVersion
	err := s.view(ctx, func(tx Tx) error {
		if err := s.firmAccess(ctx, tx, op, p, firm, access.EvidenceRead); err != nil {
			return err
		}
		var err error
		ev, err = tx.Evidence(ctx, firm, id)
		return notFoundAs(op, err, "evidence version", id)
	})
	return ev, err
}

// EvidenceArchive returns the archive of a version, as uploaded.
func (s *Service) EvidenceArchive(ctx context.Context, p *access.Principal, firm, id string) ([]byte, error) {
	ev, err := s.GetEvidence(ctx, p, firm, id)
	if err != nil {
		return nil, err
	}
	var data []byte
	err = s.view(ctx, func(tx Tx) error {
		data, err = tx.Blob(ctx, ev.Archive)
		return err
	})
	return data, err
}

// ListEvidence lists a firm's evidence versions, oldest first.
func (s *Service) ListEvidence(ctx context.Context, p *access.Principal, firm string, pg Page) ([]*EvidenceVersion, string, error) {
	const op insurable.Op = "underwriting.ListEvidence"
	pg = clampPage(pg)
	var out []*EvidenceVersion
	err := s.view(ctx, func(tx Tx) error {
		if err := s.firmAccess(ctx, tx, op, p, firm, access.EvidenceRead); err != nil {
			return err
		}
		var err error
		out, err = tx.EvidenceVersions(ctx, firm, pg)
		return err
	})
	return out, nextCursor(out, pg, func(e *EvidenceVersion) string { return e.ID }), err
}

// bundleCache keeps loaded bundles in memory, least recently used out, so
// that continuous underwriting re-evaluates without reloading.
type bundleCache struct {
	s   *Service
	max int

	mu      sync.Mutex
	entries map[string]*list.Element
	order   *list.List
	loading map[string]*sync.Mutex
}

type cachedBundle struct {
	digest string
	b      *evidence.Bundle
	refs   int
	evict  bool
}

func newBundleCache(s *Service, max int) *bundleCache {
	return &bundleCache{s: s, max: max, entries: map[string]*list.Element{}, order: list.New(), loading: map[string]*sync.Mutex{}}
}

// take returns the cached bundle of a version with a reference taken, or
// nil; c.mu is held.
func (c *bundleCache) take(id string) *cachedBundle {
	el, ok := c.entries[id]
	if !ok {
		return nil
	}
	cb := el.Value.(*cachedBundle)
	cb.refs++
	c.order.MoveToFront(el)
	return cb
}

// acquire returns the loaded bundle of a version and a function to call
// when done with it.
func (c *bundleCache) acquire(ctx context.Context, ev *EvidenceVersion) (*evidence.Bundle, func(), error) {
	c.mu.Lock()
	if cb := c.take(ev.ID); cb != nil {
		c.mu.Unlock()
		return cb.b, func() { c.release(cb) }, nil
	}
	lm, ok := c.loading[ev.ID]
	if !ok {
		lm = &sync.Mutex{}
		c.loading[ev.ID] = lm
	}
	c.mu.Unlock()
	lm.Lock()
	defer lm.Unlock()
	c.mu.Lock()
	if cb := c.take(ev.ID); cb != nil {
		c.mu.Unlock()
		return cb.b, func() { c.release(cb) }, nil
	}
	c.mu.Unlock()
	dir, err := c.s.ensureUnpacked(ctx, ev)
	if err != nil {
		return nil, nil, err
	}
	b, err := evidence.Load(dir, evidence.Options{Limits: c.s.cfg.Bundle})
	if err != nil {
		return nil, nil, err
	}
	cb := &cachedBundle{digest: ev.ID, b: b, refs: 1}
	c.mu.Lock()
	c.entries[ev.ID] = c.order.PushFront(cb)
	delete(c.loading, ev.ID)
	for c.order.Len() > c.max {
		el := c.order.Back()
		old := el.Value.(*cachedBundle)
		c.order.Remove(el)
		delete(c.entries, old.digest)
		if old.refs == 0 {
			old.b.Close()
		} else {
			old.evict = true
		}
	}
	c.mu.Unlock()
	return b, func() { c.release(cb) }, nil
}

func (c *bundleCache) release(cb *cachedBundle) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cb.refs--
	if cb.refs == 0 && cb.evict {
		cb.b.Close()
	}
}

func (c *bundleCache) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for d, el := range c.entries {
		cb := el.Value.(*cachedBundle)
		if cb.refs == 0 {
			cb.b.Close()
		} else {
			cb.evict = true
		}
		delete(c.entries, d)
	}
	c.order.Init()
}
