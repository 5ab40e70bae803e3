package ui

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/accounts"
)

// Options configure the screens.
type Options struct {
	// Kiosk is the agent as the screens see it. Required.
	Kiosk Kiosk
	// Sim drives the simulated devices of the demo from the technician
	// console; nil on a kiosk with real devices.
	Sim Simulator
	// Preview serves the camera's live MJPEG stream on the technician
	// console; nil when there is none.
	Preview http.Handler
	// Diagnostics runs the technician console's self-test and raw capture
	// in the running agent; nil when there is none.
	Diagnostics Diagnostics
	// Receipts shows the last receipt printed on the technician console;
	// nil when there is none to show (no printer, or a real one).
	Receipts Receipts
	// Accounts are the people who may sign in to the consoles (officers,
	// technicians, supervisors). Nil: nobody can sign in.
	Accounts *accounts.Store
	// IdleLock ends a console session after this long with no sign of the
	// person (zero: DefaultIdleLock); SessionLifetime ends it in any case
	// (zero: DefaultSessionLifetime).
	IdleLock        time.Duration
	SessionLifetime time.Duration
	// OfficerToken and TechnicianToken are optional API tokens for
	// programs ("Authorization: Bearer"): they read the consoles' API, and
	// drive the technician's commands, but an officer decision needs a
	// person's own sign-in. Empty: no API access. A console with neither
	// accounts nor a token is closed (503), never open.
	OfficerToken    string
	TechnicianToken string
	// Audit receives every console access fact (sign-in, sign-out,
	// refusal) for the audit log. Nil drops them.
	Audit func(Access)
	// SecureCookies marks the session cookies Secure (sent only over
	// HTTPS) on every answer; they are on requests that came over TLS
	// anyway. Set it when the consoles are served over TLS.
	SecureCookies bool
	// AllowedHosts are the host names (without port) a request's Host
	// header may name; any other is refused (403), a defence against DNS
	// rebinding. Empty means the loopback names: localhost, 127.0.0.1, ::1.
	AllowedHosts []string
	// Logger receives request errors and commands, never personal data
	// above debug level. Nil discards.
	Logger *slog.Logger

	now          func() time.Time // the clock, for tests; nil is time.Now
	captureWatch time.Duration    // for tests; zero is captureWatch
	selfTestMax  time.Duration    // for tests; zero is selfTestTimeout
}

// loopbackHosts are the Host names allowed when Options.AllowedHosts is empty.
var loopbackHosts = []string{"localhost", "127.0.0.1", "::1"}

//go:embed assets
var assetsFS embed.FS

// assets is the embedded directory served under /assets/.
var assets, _ = fs.Sub(assetsFS, "assets")

var loginPage = template.Must(template.ParseFS(assetsFS, "assets/login.html"))

// etags lets screens revalidate the embedded files cheaply (they have no
// modification time): a content hash per file, computed once.
var etags = func() map[string]string {
	m := map[string]string{}
	fs.WalkDir(assets, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, err := fs.ReadFile(assets, p); err == nil {
				sum := sha256.Sum256(b)
				m[p] = `"` + hex.EncodeToString(sum[:8]) + `"`
			}
		}
		return nil
	})
	return m
}()

type server struct {
	k        Kiosk
	sim      Simulator
	preview  http.Handler
	receipts Receipts
	log      *slog.Logger
	audit    func(Access)

	diagnostics  Diagnostics
	diag         diag
	captureWatch time.Duration
	selfTestMax  time.Duration
	officer      *auth
	tech         *auth
	hosts        map[string]bool
}

// New returns the handler serving the traveler kiosk at /, the officer
// console at /officer, the technician console at /tech, their JSON API
// under /api/ and the embedded assets under /assets/.
func New(o Options) http.Handler {
	if o.Kiosk == nil {
		panic("ui.New: Options.Kiosk is nil")
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := o.now
	if now == nil {
		now = time.Now
	}
	s := &server{
		k:        o.Kiosk,
		sim:      o.Sim,
		preview:  o.Preview,
		receipts: o.Receipts,
		log:      log,
		audit:    o.Audit,

		diagnostics:  o.Diagnostics,
		captureWatch: o.captureWatch,
		selfTestMax:  o.selfTestMax,
		officer: newAuth(roleOfficer, authOptions{token: o.OfficerToken, accounts: o.Accounts, idle: o.IdleLock,
			life: o.SessionLifetime, now: now, log: log, audit: o.Audit, secure: o.SecureCookies}),
		tech: newAuth(roleTechnician, authOptions{token: o.TechnicianToken, accounts: o.Accounts, idle: o.IdleLock,
			life: o.SessionLifetime, now: now, log: log, audit: o.Audit, secure: o.SecureCookies}),
		hosts: map[string]bool{},
	}
	if s.captureWatch <= 0 {
		s.captureWatch = captureWatch
	}
	if s.audit == nil {
		s.audit = func(Access) {}
	}
	hosts := o.AllowedHosts
	if len(hosts) == 0 {
		hosts = loopbackHosts
	}
	for _, h := range hosts {
		s.hosts[canonicalHost(h)] = true
	}
	mux := http.NewServeMux()

	// Traveler: public (the kiosk's own screen).
	mux.HandleFunc("GET /{$}", s.page("kiosk.html"))
	mux.HandleFunc("GET /api/traveler", s.travelerGet)
	mux.HandleFunc("GET /api/traveler/events", s.travelerEvents)
	mux.HandleFunc("POST /api/traveler/start", s.travelerCommand("start"))
	mux.HandleFunc("POST /api/traveler/language", s.travelerCommand("language"))
	mux.HandleFunc("POST /api/traveler/cancel", s.travelerCommand("cancel"))
	mux.HandleFunc("POST /api/traveler/finish", s.travelerCommand("finish"))
	mux.HandleFunc("POST /api/traveler/more-time", s.travelerCommand("more-time"))

	// Officer console.
	mux.HandleFunc("GET /officer", s.consolePage(s.officer, "officer.html"))
	mux.HandleFunc("POST /api/officer/login", s.login(s.officer))
	mux.HandleFunc("POST /api/officer/logout", s.logout(s.officer))
	mux.Handle("GET /api/officer/session", s.officer.require(s.whoami(s.officer)))
	mux.Handle("GET /api/officer/referrals", s.officer.require(http.HandlerFunc(s.referralsGet)))
	mux.Handle("GET /api/officer/events", s.officer.require(http.HandlerFunc(s.referralsEvents)))
	mux.Handle("GET /api/officer/referrals/{id}", s.officer.require(http.HandlerFunc(s.referralGet)))
	mux.Handle("GET /api/officer/referrals/{id}/photo", s.officer.require(http.HandlerFunc(s.referralPhoto)))
	mux.Handle("GET /api/officer/referrals/{id}/chip-photo", s.officer.require(http.HandlerFunc(s.referralChipPhoto)))
	mux.Handle("POST /api/officer/referrals/{id}/decision", s.officer.require(http.HandlerFunc(s.referralDecide)))

	// Technician console.
	mux.HandleFunc("GET /tech", s.consolePage(s.tech, "tech.html"))
	mux.HandleFunc("POST /api/tech/login", s.login(s.tech))
	mux.HandleFunc("POST /api/tech/logout", s.logout(s.tech))
	mux.Handle("GET /api/tech/session", s.tech.require(s.whoami(s.tech)))
	mux.Handle("GET /api/tech", s.tech.require(http.HandlerFunc(s.techGet)))
	mux.Handle("GET /api/tech/events", s.tech.require(http.HandlerFunc(s.techEvents)))
	mux.Handle("GET /api/tech/preview", s.tech.require(http.HandlerFunc(s.techPreview)))
	mux.Handle("GET /api/tech/receipt.png", s.tech.require(http.HandlerFunc(s.techReceipt)))
	mux.Handle("POST /api/tech/maintenance", s.tech.require(http.HandlerFunc(s.techMaintenance)))
	mux.Handle("POST /api/tech/selftest", s.tech.require(http.HandlerFunc(s.techSelfTest)))
	mux.Handle("GET /api/tech/capture", s.tech.require(http.HandlerFunc(s.techCaptureGet)))
	mux.Handle("POST /api/tech/capture", s.tech.require(http.HandlerFunc(s.techCaptureStart)))
	mux.Handle("POST /api/tech/capture/clear", s.tech.require(http.HandlerFunc(s.techCaptureClear)))
	mux.Handle("GET /api/tech/capture/frame.jpg", s.tech.require(http.HandlerFunc(s.techCaptureFrame)))
	mux.Handle("POST /api/tech/sim/present", s.tech.require(http.HandlerFunc(s.simPresent)))
	mux.Handle("POST /api/tech/sim/card", s.tech.require(http.HandlerFunc(s.simCard)))
	mux.Handle("POST /api/tech/sim/fault", s.tech.require(http.HandlerFunc(s.simFault)))

	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.HandlerFunc(s.asset)))
	return s.guard(mux)
}

// contentSecurityPolicy allows nothing from outside and no inline script
// or style: every script is a file under /assets/.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; connect-src 'self'; font-src 'self'; manifest-src 'self'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// guard refuses requests for a host that is not ours, sets the security
// headers on every answer and refuses state changes that do not come from
// our own pages: a POST must carry a JSON
// body (which a cross-site form cannot send without a preflight we never
// answer) and, when the browser says where it comes from, come from here.
func (s *server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
		if !s.hosts[canonicalHost(r.Host)] {
			// A page elsewhere whose name now resolves to this kiosk (DNS
			// rebinding) would otherwise read and drive the screens.
			s.log.Warn("ui: request for an unknown host refused", "host", r.Host, "source", source(r),
				"method", r.Method, "path", r.URL.Path)
			writeError(w, http.StatusForbidden, "unknown host")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if !sameOrigin(r) {
				s.log.Warn("ui: cross-origin request refused", "method", r.Method, "path", r.URL.Path)
				writeError(w, http.StatusForbidden, "cross-origin request refused")
				return
			}
			if r.Method == http.MethodPost {
				mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
				if err != nil || mt != "application/json" {
					writeError(w, http.StatusUnsupportedMediaType, "send a JSON body (Content-Type: application/json)")
					return
				}
				r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// canonicalHost is the host name of a Host header or an allowed host,
// without port, brackets, final dot or capitals.
func canonicalHost(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.ToLower(strings.TrimSuffix(h, "."))
}

// sameOrigin reports whether a state-changing request comes from our own
// origin, as far as the browser tells (clients other than browsers send
// neither header and are held by the token).
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || origin == "null" {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

// page serves an embedded HTML page.
func (s *server) page(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.servePage(w, name, http.StatusOK)
	}
}

func (s *server) servePage(w http.ResponseWriter, name string, status int) {
	b, err := fs.ReadFile(assets, name)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "page missing")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.WriteHeader(status)
	w.Write(b)
}

// consolePage serves a console to whoever is signed in, and the login
// form (with 401) to anyone else.
func (s *server) consolePage(a *auth, name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if !a.configured() {
			a.notConfigured(w)
			return
		}
		switch _, v, retry := a.check(r); v {
		case passed:
			s.servePage(w, name, http.StatusOK)
			return
		case heldBack:
			writeHeldBack(w, retry)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		if err := loginPage.Execute(w, a.role); err != nil {
			s.log.Error("ui: login page", "err", err)
		}
	}
}

// asset serves the embedded files. They hold no data, only code and text.
func (s *server) asset(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Path
	if name == "" || strings.HasSuffix(name, "/") || strings.HasSuffix(name, ".html") {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	if tag, ok := etags[name]; ok {
		w.Header().Set("ETag", tag)
	}
	http.ServeFileFS(w, r, assets, name)
}

// readJSON decodes a command body into v; an empty body is an empty object.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "body too large")
		} else {
			writeError(w, http.StatusBadRequest, "bad JSON body: "+err.Error())
		}
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encoding failed")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// apiError is the body of every error answer.
type apiError struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(apiError{msg})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
