package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/policy"
	"github.com/insurable/insurable/underwriting"
)

type handler = func(w http.ResponseWriter, r *http.Request, p *access.Principal) error

func (s *Server) routes() []Route {
	svc := s.svc
	get := func(pattern string, h handler) Route { return Route{Method: "GET", Pattern: pattern, handler: h} }
	post := func(pattern string, h handler) Route { return Route{Method: "POST", Pattern: pattern, handler: h} }
	public := func(r Route) Route { r.Public = true; return r }
	act := func(e policy.Event) handler {
		return func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			var a underwriting.Act
			if err := s.decode(w, r, &a); err != nil {
				return err
			}
			a.Event = e
			pol, err := svc.Transition(r.Context(), p, r.PathValue("policy"), a)
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusOK, pol)
		}
	}
	rs := []Route{
		public(get("/healthz", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		})),
		public(get("/readyz", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			if err := svc.Ready(r.Context()); err != nil {
				return writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "detail": "the database does not answer"})
			}
			return writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "replica": svc.Replica()})
		})),
		public(get("/metrics", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			s.metrics().ServeHTTP(w, r)
			return nil
		})),
		public(get("/api/openapi.json", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			doc, err := OpenAPI()
			if err != nil {
				return insurable.Wrap("server.OpenAPI", insurable.Internal, err)
			}
			w.Header().Set("Content-Type", "application/json")
			_, err = w.Write(doc)
			return err
		})),
		get("/api/me", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			return writeJSON(w, http.StatusOK, p)
		}),

		get("/api/orgs", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			pg, err := page(r)
			if err != nil {
				return err
			}
			items, next, err := svc.ListOrgs(r.Context(), p, pg)
			if err != nil {
				return err
			}
			return writeList(w, r, items, next)
		}),
		post("/api/orgs", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			var n underwriting.NewOrg
			if err := s.decode(w, r, &n); err != nil {
				return err
			}
			o, err := svc.CreateOrg(r.Context(), p, n)
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusCreated, o)
		}),
		get("/api/orgs/{org}", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			o, err := svc.GetOrg(r.Context(), p, r.PathValue("org"))
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusOK, o)
		}),
		get("/api/orgs/{org}/users", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			pg, err := page(r)
			if err != nil {
				return err
			}
			items, next, err := svc.ListUsers(r.Context(), p, r.PathValue("org"), pg)
			if err != nil {
				return err
			}
			return writeList(w, r, items, next)
		}),
		post("/api/orgs/{org}/users", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			var n underwriting.NewUser
			if err := s.decode(w, r, &n); err != nil {
				return err
			}
			u, err := svc.CreateUser(r.Context(), p, r.PathValue("org"), n)
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusCreated, u)
		}),
		post("/api/users/{user}/tokens", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			var n underwriting.NewToken
			if err := s.decode(w, r, &n); err != nil {
				return err
			}
			t, err := svc.CreateToken(r.Context(), p, r.PathValue("user"), n)
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusCreated, t)
		}),
		get("/api/tokens", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			pg, err := page(r)
			if err != nil {
				return err
			}
			items, next, err := svc.ListTokens(r.Context(), p, pg)
			if err != nil {
				return err
			}
			return writeList(w, r, items, next)
		}),
		post("/api/tokens", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			var n underwriting.NewToken
			if err := s.decode(w, r, &n); err != nil {
				return err
			}
			t, err := svc.CreateToken(r.Context(), p, "", n)
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusCreated, t)
		}),
		{Method: "DELETE", Pattern: "/api/tokens/{token}", handler: func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			if err := svc.RevokeToken(r.Context(), p, r.PathValue("token")); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}},
		get("/api/orgs/{org}/keys", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			ks, err := svc.ListKeys(r.Context(), p, r.PathValue("org"))
			if err != nil {
				return err
			}
			return writeList(w, r, ks, "")
		}),
		post("/api/orgs/{org}/keys", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			var n struct {
				PEM string `json:"pem"`
			}
			if err := s.decode(w, r, &n); err != nil {
				return err
			}
			k, err := svc.RegisterKey(r.Context(), p, r.PathValue("org"), n.PEM)
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusCreated, k)
		}),

		get("/api/firms/{firm}/grants", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			gs, err := svc.ListGrants(r.Context(), p, r.PathValue("firm"))
			if err != nil {
				return err
			}
			return writeList(w, r, gs, "")
		}),
		{Method: "PUT", Pattern: "/api/firms/{firm}/grants/{org}", handler: func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			g, err := svc.PutGrant(r.Context(), p, r.PathValue("firm"), r.PathValue("org"))
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusOK, g)
		}},
		{Method: "DELETE", Pattern: "/api/firms/{firm}/grants/{org}", handler: func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			if err := svc.DeleteGrant(r.Context(), p, r.PathValue("firm"), r.PathValue("org")); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}},
		get("/api/firms/{firm}/evidence", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			pg, err := page(r)
			if err != nil {
				return err
			}
			items, next, err := svc.ListEvidence(r.Context(), p, r.PathValue("firm"), pg)
			if err != nil {
				return err
			}
			return writeList(w, r, items, next)
		}),
		post("/api/firms/{firm}/evidence", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			ev, created, err := svc.UploadEvidence(r.Context(), p, r.PathValue("firm"), r.Body)
			if err != nil {
				return err
			}
			w.Header().Set("Location", "/api/firms/"+pathEscape(ev.Firm)+"/evidence/"+pathEscape(ev.ID))
			status := http.StatusCreated
			if !created {
				status = http.StatusOK
			}
			return writeJSON(w, status, ev)
		}),
		get("/api/firms/{firm}/evidence/{version}", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			ev, err := svc.GetEvidence(r.Context(), p, r.PathValue("firm"), r.PathValue("version"))
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusOK, ev)
		}),
		get("/api/firms/{firm}/evidence/{version}/archive", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			data, err := svc.EvidenceArchive(r.Context(), p, r.PathValue("firm"), r.PathValue("version"))
			if err != nil {
				return err
			}
			w.Header().Set("Content-Type", "application/gzip")
			w.Header().Set("Content-Length", strconv.Itoa(len(data)))
			_, err = w.Write(data)
			return err
		}),
		get("/api/firms/{firm}/scans", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			pg, err := page(r)
			if err != nil {
				return err
			}
			items, next, err := svc.ListScans(r.Context(), p, r.PathValue("firm"), pg)
			if err != nil {
				return err
			}
			return writeList(w, r, items, next)
		}),
		post("/api/firms/{firm}/scans", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			data, err := s.readBody(w, r, 64<<20)
			if err != nil {
				return err
			}
			sc, ev, err := svc.AttachScan(r.Context(), p, r.PathValue("firm"), data)
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusCreated, map[string]any{"scan": sc, "evidence": ev})
		}),

		get("/api/profiles", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			pg, err := page(r)
			if err != nil {
				return err
			}
			items, next, err := svc.ListProfiles(r.Context(), p, pg)
			if err != nil {
				return err
			}
			return writeList(w, r, items, next)
		}),
		post("/api/profiles", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			var n underwriting.NewProfile
			if err := s.decode(w, r, &n); err != nil {
				return err
			}
			pr, err := svc.CreateProfile(r.Context(), p, n)
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusCreated, pr)
		}),
		get("/api/profiles/{profile}", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			pr, err := svc.GetProfile(r.Context(), p, r.PathValue("profile"))
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusOK, pr)
		}),

		get("/api/policies", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			pg, err := page(r)
			if err != nil {
				return err
			}
			f := underwriting.PolicyFilter{Page: pg}
			if st := r.URL.Query().Get("state"); st != "" {
				for _, x := range strings.Split(st, ",") {
					f.States = append(f.States, policy.State(x))
				}
			}
			items, next, err := svc.ListPolicies(r.Context(), p, f)
			if err != nil {
				return err
			}
			return writeList(w, r, items, next)
		}),
		post("/api/policies", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			var n underwriting.NewApplication
			if err := s.decode(w, r, &n); err != nil {
				return err
			}
			pol, err := svc.Apply(r.Context(), p, n)
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusCreated, pol)
		}),
		get("/api/policies/{policy}", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			pol, err := svc.GetPolicy(r.Context(), p, r.PathValue("policy"))
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusOK, pol)
		}),
		post("/api/policies/{policy}/assessments", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			var req underwriting.AssessRequest
			if err := s.decode(w, r, &req); err != nil {
				return err
			}
			a, err := svc.Assess(r.Context(), p, r.PathValue("policy"), req)
			if err != nil {
				return err
			}
			a.Result = nil
			return writeJSON(w, http.StatusCreated, a)
		}),
		get("/api/policies/{policy}/assessments", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			pg, err := page(r)
			if err != nil {
				return err
			}
			items, next, err := svc.ListAssessments(r.Context(), p, r.PathValue("policy"), pg)
			if err != nil {
				return err
			}
			return writeList(w, r, items, next)
		}),
		post("/api/policies/{policy}/quote", act(policy.Quote)),
		post("/api/policies/{policy}/issue", act(policy.Issue)),
		post("/api/policies/{policy}/begin-renewal", act(policy.BeginRenewal)),
		post("/api/policies/{policy}/renew", act(policy.Renew)),
		post("/api/policies/{policy}/suspend", act(policy.Suspend)),
		post("/api/policies/{policy}/reinstate", act(policy.Reinstate)),
		post("/api/policies/{policy}/cancel", act(policy.Cancel)),
		post("/api/policies/{policy}/decline", act(policy.Decline)),
		get("/api/policies/{policy}/transitions", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			pg, err := page(r)
			if err != nil {
				return err
			}
			items, next, err := svc.ListTransitions(r.Context(), p, r.PathValue("policy"), pg)
			if err != nil {
				return err
			}
			return writeList(w, r, items, next)
		}),
		get("/api/policies/{policy}/remediation", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			items, err := svc.ListRemediation(r.Context(), p, r.PathValue("policy"))
			if err != nil {
				return err
			}
			return writeList(w, r, items, "")
		}),
		{Method: "PATCH", Pattern: "/api/policies/{policy}/remediation/{item}", handler: func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			var n struct {
				Status string `json:"status"`
			}
			if err := s.decode(w, r, &n); err != nil {
				return err
			}
			it, err := svc.UpdateRemediation(r.Context(), p, r.PathValue("policy"), r.PathValue("item"), n.Status)
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusOK, it)
		}},
		get("/api/assessments/{assessment}", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			a, err := svc.GetAssessment(r.Context(), p, r.PathValue("assessment"))
			if err != nil {
				return err
			}
			// The result is stored as assess wrote it: splice it in
			// rather than decode and encode ~100 KiB again.
			res := a.Result
			a.Result = nil
			head, err := json.Marshal(a)
			if err != nil {
				return err
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			w.Write(head[:len(head)-1])
			if len(res) > 0 {
				w.Write([]byte(`,"result":`))
				w.Write(bytes.TrimSpace(res))
			}
			_, err = w.Write([]byte("}\n"))
			return err
		}),
		get("/api/alerts", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			pg, err := page(r)
			if err != nil {
				return err
			}
			items, next, err := svc.ListAlerts(r.Context(), p, pg)
			if err != nil {
				return err
			}
			return writeList(w, r, items, next)
		}),
		get("/api/feeds", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			info, err := svc.Feeds(r.Context(), p)
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusOK, info)
		}),
		post("/api/feeds/advisories", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			data, err := s.readBody(w, r, 64<<20)
			if err != nil {
				return err
			}
			docs := [][]byte{data}
			if t := strings.TrimSpace(string(data)); strings.HasPrefix(t, "[") {
				var arr []jsonRaw
				if err := jsonUnmarshal(data, &arr); err != nil {
					return insurable.Errorf("server", insurable.Invalid, "malformed JSON array of advisories: %v", err)
				}
				docs = docs[:0]
				for _, a := range arr {
					docs = append(docs, a)
				}
			}
			res, err := svc.ImportAdvisories(r.Context(), p, docs)
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusAccepted, res)
		}),
		post("/api/feeds/kev", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			data, err := s.readBody(w, r, 64<<20)
			if err != nil {
				return err
			}
			res, err := svc.ImportKEV(r.Context(), p, data)
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusAccepted, res)
		}),
		post("/api/monitor/sweep", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			j, err := svc.RequestSweep(r.Context(), p)
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusAccepted, j)
		}),
		get("/api/jobs/{job}", func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
			id, err := strconv.ParseInt(r.PathValue("job"), 10, 64)
			if err != nil {
				return insurable.Errorf("server", insurable.NotExist, "no job %q", r.PathValue("job"))
			}
			j, err := svc.GetJob(r.Context(), p, id)
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusOK, j)
		}),
	}
	return append(rs, s.ledgerRoutes()...)
}
