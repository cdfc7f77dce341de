// Package server is the HTTP adapter of the insurable service: a REST/JSON
// API over underwriting.Service, described by the OpenAPI 3.1 document it
// serves at /api/openapi.json. Errors are RFC 9457 problem details, mapped
// from the project's error kinds by one table (Status); lists are paged
// with opaque cursors; /metrics serves Prometheus metrics, /healthz and
// /readyz the process's and the database's health. Authentication is a
// bearer API token; authorisation is the service's.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/underwriting"
)

// Status maps each error kind to its HTTP status: the one table of the
// service.
var Status = map[insurable.Kind]int{
	insurable.Other:        http.StatusInternalServerError,
	insurable.Invalid:      http.StatusBadRequest,
	insurable.NotExist:     http.StatusNotFound,
	insurable.Permission:   http.StatusForbidden,
	insurable.Escape:       http.StatusBadRequest,
	insurable.TooLarge:     http.StatusRequestEntityTooLarge,
	insurable.Internal:     http.StatusInternalServerError,
	insurable.Conflict:     http.StatusConflict,
	insurable.Unauthorized: http.StatusUnauthorized,
}

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// Kind is the project's error kind, for programs.
	Kind string `json:"kind"`
}

// Config configures a Server.
type Config struct {
	Service *underwriting.Service
	Log     *slog.Logger
	// Registry receives the metrics; nil makes a new one.
	Registry *prometheus.Registry
	// MaxBodyBytes bounds request bodies other than evidence uploads.
	MaxBodyBytes int64
	// LogFiles serves the decision log's checkpoint, tiles and entry
	// bundles (C2SP tlog-tiles) under /api/ledger/log/; nil serves none.
	LogFiles LogFiles
	// Web, when set, answers every path that is no route of the API
	// (the web interface); otherwise those get a 404 problem.
	Web http.Handler
}

// LogFiles reads the decision log's static resources (package
// ledger/tlog's Fetcher).
type LogFiles interface {
	ReadCheckpoint(ctx context.Context) ([]byte, error)
	ReadTile(ctx context.Context, level, index uint64, p uint8) ([]byte, error)
	ReadEntryBundle(ctx context.Context, index uint64, p uint8) ([]byte, error)
}

// Server is the HTTP API.
type Server struct {
	svc     *underwriting.Service
	files   LogFiles
	log     *slog.Logger
	reg     *prometheus.Registry
	mux     *http.ServeMux
	maxBody int64

	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inflight prometheus.Gauge
}

// New builds the server and its routes.
func New(cfg Config) *Server {
	s := &Server{svc: cfg.Service, files: cfg.LogFiles, log: cfg.Log, reg: cfg.Registry, mux: http.NewServeMux(), maxBody: cfg.MaxBodyBytes}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.reg == nil {
		s.reg = prometheus.NewRegistry()
		s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	if s.maxBody <= 0 {
		s.maxBody = 16 << 20
	}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "insurable_http_requests_total", Help: "HTTP requests by route, method and status code."}, []string{"route", "code"})
	s.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "insurable_http_request_duration_seconds", Help: "HTTP request latency by route.", Buckets: prometheus.DefBuckets}, []string{"route"})
	s.inflight = prometheus.NewGauge(prometheus.GaugeOpts{Name: "insurable_http_requests_in_flight", Help: "Requests being served."})
	s.reg.MustRegister(s.requests, s.duration, s.inflight)
	for _, r := range s.routes() {
		s.mux.Handle(r.Method+" "+r.Pattern, s.wrap(r))
	}
	notFound := func(w http.ResponseWriter, r *http.Request) {
		s.problem(w, r, insurable.Errorf("server", insurable.NotExist, "no route %s %s", r.Method, r.URL.Path))
	}
	s.mux.HandleFunc("/api/", notFound)
	if cfg.Web != nil {
		s.mux.Handle("/", cfg.Web)
	} else {
		s.mux.HandleFunc("/", notFound)
	}
	return s
}

// Observer returns a function that counts the service's domain events
// (uploads, assessments by kind, transitions by event, alerts by kind,
// imports, jobs) into reg; pass it as underwriting.Config.Observe.
func Observer(reg *prometheus.Registry) func(string, int) {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "insurable_events_total", Help: "Domain events of the service: uploads, assessments, transitions, alerts, imports, jobs."}, []string{"event"})
	reg.MustRegister(c)
	return func(e string, n int) { c.WithLabelValues(e).Add(float64(n)) }
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Route is one endpoint.
type Route struct {
	Method  string
	Pattern string
	// Public routes need no token.
	Public  bool
	handler func(w http.ResponseWriter, r *http.Request, p *access.Principal) error
}

// Routes lists the endpoints, for the OpenAPI and access tests.
func (s *Server) Routes() []Route { return s.routes() }

type principalKey struct{}

// statusWriter records the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// wrap adds authentication, metrics, logging and panic recovery.
func (s *Server) wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.inflight.Inc()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				s.log.Error("panic", "route", rt.Pattern, "panic", v)
				s.problem(sw, r, insurable.Errorf("server", insurable.Internal, "internal error"))
			}
			s.inflight.Dec()
			d := time.Since(start)
			s.requests.WithLabelValues(rt.Method+" "+rt.Pattern, strconv.Itoa(sw.status)).Inc()
			s.duration.WithLabelValues(rt.Method + " " + rt.Pattern).Observe(d.Seconds())
			lvl := slog.LevelDebug
			if sw.status >= 500 {
				lvl = slog.LevelError
			}
			s.log.Log(r.Context(), lvl, "request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", d)
		}()
		var p *access.Principal
		if h := r.Header.Get("Authorization"); h != "" {
			tok, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				s.problem(sw, r, insurable.Errorf("server", insurable.Unauthorized, "use Authorization: Bearer TOKEN"))
				return
			}
			var err error
			if p, err = s.svc.Authenticate(r.Context(), strings.TrimSpace(tok)); err != nil {
				s.problem(sw, r, err)
				return
			}
		} else if !rt.Public {
			s.problem(sw, r, insurable.Errorf("server", insurable.Unauthorized, "authentication required: Authorization: Bearer TOKEN"))
			return
		}
		ctx := context.WithValue(r.Context(), principalKey{}, p)
		if err := rt.handler(sw, r.WithContext(ctx), p); err != nil {
			s.problem(sw, r, err)
		}
	})
}

// problem writes err as RFC 9457 problem details.
func (s *Server) problem(w http.ResponseWriter, r *http.Request, err error) {
	kind := insurable.ErrorKind(err)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		kind = insurable.TooLarge
	}
	if errors.Is(err, context.Canceled) {
		kind = insurable.Other
	}
	status := Status[kind]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	detail := err.Error()
	if status >= 500 {
		s.log.Error("internal error", "path", r.URL.Path, "err", err)
		detail = "internal error; the server's log has the details"
	}
	w.Header().Set("Content-Type", "application/problem+json")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="insurable"`)
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(Problem{
		Type: "https://insurable.dev/problems/" + strings.ReplaceAll(kind.String(), " ", "-"), Title: http.StatusText(status),
		Status: status, Detail: detail, Instance: r.URL.Path, Kind: kind.String(),
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// List is a page of items and the cursor of the next page.
type List[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

func writeList[T any](w http.ResponseWriter, r *http.Request, items []T, next string) error {
	if items == nil {
		items = []T{}
	}
	if next != "" {
		q := r.URL.Query()
		q.Set("after", next)
		w.Header().Set("Link", fmt.Sprintf("<%s?%s>; rel=\"next\"", r.URL.Path, q.Encode()))
	}
	return writeJSON(w, http.StatusOK, List[T]{Items: items, Next: next})
}

func page(r *http.Request) (underwriting.Page, error) {
	q := r.URL.Query()
	p := underwriting.Page{After: q.Get("after")}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return p, insurable.Errorf("server", insurable.Invalid, "limit %q: want 1 to 500", l)
		}
		p.Limit = n
	}
	if len(p.After) > 200 || p.After == "last" {
		return p, insurable.Errorf("server", insurable.Invalid, "malformed cursor")
	}
	return p, nil
}

// decode reads a JSON body into v, refusing unknown fields.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	body := http.MaxBytesReader(w, r.Body, s.maxBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return insurable.Errorf("server", insurable.TooLarge, "the request body is larger than %d bytes", s.maxBody)
		}
		return insurable.Errorf("server", insurable.Invalid, "malformed JSON body: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return insurable.Errorf("server", insurable.Invalid, "malformed JSON body: more than one value")
	}
	return nil
}

func (s *Server) readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, insurable.Errorf("server", insurable.TooLarge, "the request body is larger than %d bytes", max)
		}
		return nil, insurable.Errorf("server", insurable.Invalid, "reading the body: %v", err)
	}
	return data, nil
}

// Handler returns the API with the health and metrics endpoints.
func (s *Server) Handler() http.Handler { return s }

func (s *Server) metrics() http.Handler {
	return promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{})
}

func pathEscape(s string) string { return url.PathEscape(s) }
