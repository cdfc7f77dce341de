package server

import (
	"errors"
	"net/http"
	"os"
	"strings"

	"github.com/transparency-dev/tessera/api/layout"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/access"
)

// ledgerRoutes serve the decision log: its public key at a well-known
// URL, its description, the inclusion proof of a record, and the log's
// own resources in the C2SP tlog-tiles layout, so that any tlog client
// (tessera's among them) can follow it with the public key alone.
func (s *Server) ledgerRoutes() []Route {
	svc := s.svc
	public := func(pattern string, h handler) Route {
		return Route{Method: "GET", Pattern: pattern, Public: true, handler: h}
	}
	text := func(w http.ResponseWriter, data []byte) error {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, err := w.Write(data)
		return err
	}
	return []Route{
		public("/.well-known/insurable/ledger-key", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			info, err := svc.LedgerInfo(r.Context())
			if err != nil {
				return err
			}
			return text(w, []byte(info.PublicKey+"\n"))
		}),
		public("/api/ledger", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			info, err := svc.LedgerInfo(r.Context())
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusOK, info)
		}),
		{Method: "GET", Pattern: "/api/ledger/proofs/{record}", handler: func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			pr, err := svc.LedgerProof(r.Context(), p, r.PathValue("record"))
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusOK, pr)
		}},
		public("/api/ledger/log/checkpoint", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			if s.files == nil {
				return insurable.Errorf("server", insurable.NotExist, "this service keeps no decision log")
			}
			cp, err := s.files.ReadCheckpoint(r.Context())
			if err != nil || len(cp) == 0 {
				return logNotFound(err, "checkpoint")
			}
			return text(w, cp)
		}),
		public("/api/ledger/log/tile/{level}/{index...}", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			if s.files == nil {
				return insurable.Errorf("server", insurable.NotExist, "this service keeps no decision log")
			}
			level, index := r.PathValue("level"), r.PathValue("index")
			var data []byte
			var err error
			if level == "entries" {
				i, w, perr := layout.ParseTileIndexPartial(index)
				if perr != nil {
					return insurable.Errorf("server", insurable.NotExist, "no entry bundle %q", index)
				}
				data, err = s.files.ReadEntryBundle(r.Context(), i, w)
			} else {
				l, i, w, perr := layout.ParseTileLevelIndexPartial(level, index)
				if perr != nil {
					return insurable.Errorf("server", insurable.NotExist, "no tile %s/%s", level, index)
				}
				data, err = s.files.ReadTile(r.Context(), l, i, w)
			}
			if err != nil {
				return logNotFound(err, "tile/"+level+"/"+index)
			}
			w.Header().Set("Content-Type", "application/octet-stream")
			if !strings.Contains(index, ".p/") {
				// Full tiles and bundles never change.
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			}
			_, err = w.Write(data)
			return err
		}),
	}
}

func logNotFound(err error, what string) error {
	if err == nil || errors.Is(err, os.ErrNotExist) {
		return insurable.Errorf("server", insurable.NotExist, "the log has no %s", what)
	}
	return insurable.Wrap("server", insurable.Internal, err)
}
