package ui

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/accounts"
)

// role is one of the two consoles.
type role struct {
	Name   string // officer | tech
	title  string
	Cookie string
	Title  string          // shown on the login form
	roles  []accounts.Role // the account roles that may sign in (and supervisors)
}

var (
	roleOfficer    = role{Name: "officer", title: "officer", Cookie: "xpt_officer", Title: "Officer console", roles: []accounts.Role{accounts.Officer}}
	roleTechnician = role{Name: "tech", title: "technician", Cookie: "xpt_tech", Title: "Technician console", roles: []accounts.Role{accounts.Technician}}
)

// The session limits, when Options leave them zero.
const (
	// DefaultIdleLock ends a console session with no user activity.
	DefaultIdleLock = 5 * time.Minute
	// DefaultSessionLifetime ends every session, active or not: a shift.
	DefaultSessionLifetime = 12 * time.Hour
)

// apiUser names the caller of a bearer-token request in logs and audit
// records: a program, not a person, so it may read but not decide.
const apiUser = "api-token"

// auth guards one console: per-person sign-in with an account and a
// password (the accounts store), and an optional API token given as
// "Authorization: Bearer" for programs. Every password or token attempt
// takes its slots in the limiters (per source, and per account) before it
// is looked at. A session cookie holds only a random ID; the session
// (account, role, times) is kept here, so signing out, an idle lock, the
// lifetime or a disabled account ends it on the server.
type auth struct {
	role     role
	digest   [32]byte // sha256 of the API token, compared in constant time
	token    bool
	accts    *accounts.Store
	idle     time.Duration
	life     time.Duration
	now      func() time.Time
	lim      *limiter // per source address
	acctLim  *limiter // per account ID tried
	log      *slog.Logger
	audit    func(Access)
	secure   bool // cookies are Secure even on a plain request (TLS in front)
	mu       sync.Mutex
	sessions map[[32]byte]*session // by sha256 of the cookie's ID
}

type session struct {
	user    string
	role    accounts.Role
	name    string
	start   time.Time
	active  time.Time // the last sign of a person at the console
	exp     time.Time // start + lifetime
	source  string
	stopped bool
}

// Access is one console access fact for the audit log: a sign-in, a
// sign-out (why: signed-out, idle, lifetime, account-changed), a refused
// or held-back attempt. Account is the account ID tried as typed when it
// is a valid ID, "" otherwise; never a password or a token.
type Access struct {
	// console.sign-in | console.sign-out | console.refused | console.held-back;
	// the technician's actions: console.selftest (Detail: how many checks
	// passed, warned, failed), console.capture (Detail: the device and the
	// limits, never what was captured), console.capture-refused,
	// console.maintenance (Detail: on | off).
	Kind    string
	Console string // officer | tech
	Account string
	Role    string
	Source  string
	Detail  string
}

// maxSessions bounds the open sessions of one console; past it the one
// closest to expiry is ended.
const maxSessions = 256

type authOptions struct {
	token    string
	accounts *accounts.Store
	idle     time.Duration
	life     time.Duration
	now      func() time.Time
	log      *slog.Logger
	audit    func(Access)
	secure   bool
}

func newAuth(r role, o authOptions) *auth {
	a := &auth{role: r, accts: o.accounts, idle: o.idle, life: o.life, now: o.now,
		lim: newLimiter(o.now), acctLim: newLimiter(o.now), log: o.log, audit: o.audit,
		secure: o.secure, sessions: map[[32]byte]*session{}}
	if a.idle <= 0 {
		a.idle = DefaultIdleLock
	}
	if a.life <= 0 {
		a.life = DefaultSessionLifetime
	}
	if a.audit == nil {
		a.audit = func(Access) {}
	}
	if o.token != "" {
		a.digest = sha256.Sum256([]byte(o.token))
		a.token = true
	}
	return a
}

// configured says whether anyone can get in: accounts or an API token.
func (a *auth) configured() bool { return a.token || a.accts != nil }

// notConfigured answers a request to a console nobody can open.
func (a *auth) notConfigured(w http.ResponseWriter) {
	writeError(w, http.StatusServiceUnavailable, a.role.title+" console is not configured (no accounts file, no API token)")
}

// verdict is what an attempt came to.
type verdict int

const (
	refused verdict = iota // wrong credentials, or none
	passed
	heldBack // too many attempts from this source or on this account: not looked at
)

// accountLabel is the account ID to log for an attempt: only a valid ID,
// so a password typed in the ID field or markup never reaches a log.
func accountLabel(id string) string {
	if accounts.IDPattern.MatchString(id) {
		return id
	}
	return ""
}

// hold logs (once per run of held-back attempts) and audits an attempt
// the limiters did not let through.
func (a *auth) hold(src, account string, retry time.Duration, first bool) {
	if !first {
		return
	}
	a.log.Warn("ui: console sign-in attempts held back", "console", a.role.Name, "account", account,
		"source", src, "retryIn", retry.Round(time.Second))
	a.audit(Access{Kind: "console.held-back", Console: a.role.Name, Account: account, Source: src,
		Detail: "retry in " + retry.Round(time.Second).String()})
}

// tryToken compares an API token, after taking the source's attempt slot,
// and logs what it refused (the source and the console, never the token).
func (a *auth) tryToken(r *http.Request, token string) (verdict, time.Duration) {
	if !a.token {
		return refused, 0
	}
	src := source(r)
	ok, retry, first := a.lim.acquire(src)
	if !ok {
		a.hold(src, apiUser, retry, first)
		return heldBack, retry
	}
	d := sha256.Sum256([]byte(token))
	good := subtle.ConstantTimeCompare(d[:], a.digest[:]) == 1
	failures, wait := a.lim.release(src, good)
	if !good {
		a.log.Warn("ui: console API token refused", "console", a.role.Name, "source", src,
			"failures", failures, "nextIn", wait.Round(time.Second))
		a.audit(Access{Kind: "console.refused", Console: a.role.Name, Account: apiUser, Source: src, Detail: "wrong API token"})
		return refused, 0
	}
	return passed, 0
}

// tryPassword checks an account's password. The source's slot and then
// the account's slot are taken before the hash is computed, so neither
// many guesses from one place nor guesses at one account from many places
// get past the back-off, however many run at once.
func (a *auth) tryPassword(r *http.Request, id, password string) (accounts.Account, verdict, time.Duration) {
	src := source(r)
	label := accountLabel(id)
	ok, retry, first := a.lim.acquire(src)
	if !ok {
		a.hold(src, label, retry, first)
		return accounts.Account{}, heldBack, retry
	}
	ok, retry, first = a.acctLim.acquire("account:" + id)
	if !ok {
		a.lim.cancel(src)
		a.hold(src, label, retry, first)
		return accounts.Account{}, heldBack, retry
	}
	acct, err := a.accts.Authenticate(id, password, a.role.roles...)
	good := err == nil
	failures, wait := a.lim.release(src, good)
	if af, aw := a.acctLim.release("account:"+id, good); af > failures {
		failures, wait = af, aw
	}
	if !good {
		detail := "wrong account or password"
		if !errors.Is(err, accounts.ErrBadCredentials) {
			detail = "accounts file: " + err.Error()
			a.log.Error("ui: accounts file unreadable: every sign-in refused", "err", err)
		}
		a.log.Warn("ui: console sign-in refused", "console", a.role.Name, "account", label, "source", src,
			"failures", failures, "nextIn", wait.Round(time.Second))
		a.audit(Access{Kind: "console.refused", Console: a.role.Name, Account: label, Source: src, Detail: detail})
		return accounts.Account{}, refused, 0
	}
	return acct, passed, 0
}

// newSession opens a session for an account and returns its cookie value.
func (a *auth) newSession(acct accounts.Account, src string) (string, time.Time) {
	var id [32]byte
	rand.Read(id[:])
	v := base64.RawURLEncoding.EncodeToString(id[:])
	now := a.now()
	s := &session{user: acct.ID, role: acct.Role, name: acct.Name, start: now, active: now, exp: now.Add(a.life), source: src}
	a.mu.Lock()
	a.sweepLocked(now)
	if len(a.sessions) >= maxSessions {
		var oldest [32]byte
		var oldestExp time.Time
		for k, s := range a.sessions {
			if oldestExp.IsZero() || s.exp.Before(oldestExp) {
				oldest, oldestExp = k, s.exp
			}
		}
		a.endLocked(oldest, "too many sessions")
	}
	a.sessions[sha256.Sum256([]byte(v))] = s
	a.mu.Unlock()
	return v, s.exp
}

// why a session cannot go on at now, "" when it can.
func (a *auth) why(s *session, now time.Time) string {
	switch {
	case now.After(s.exp):
		return "lifetime"
	case now.Sub(s.active) > a.idle:
		return "idle"
	}
	if a.accts != nil {
		acct, ok := a.accts.Get(s.user)
		if !ok || acct.Disabled || acct.Role != s.role || !accounts.Allowed(acct.Role, a.role.roles...) {
			return "account-changed"
		}
	}
	return ""
}

// endLocked ends a session, logging and auditing why.
func (a *auth) endLocked(k [32]byte, why string) {
	s, ok := a.sessions[k]
	if !ok {
		return
	}
	delete(a.sessions, k)
	s.stopped = true
	a.log.Info("ui: console sign-out", "console", a.role.Name, "user", s.user, "why", why)
	a.audit(Access{Kind: "console.sign-out", Console: a.role.Name, Account: s.user, Role: string(s.role),
		Source: s.source, Detail: why})
}

// sweepLocked ends the sessions that cannot go on (idle, past their
// lifetime), so that each is audited close to when it ended.
func (a *auth) sweepLocked(now time.Time) {
	for k, s := range a.sessions {
		if now.After(s.exp) || now.Sub(s.active) > a.idle {
			a.endLocked(k, a.why(s, now))
		}
	}
}

// session returns the session of a cookie's value, if it may go on;
// active marks a sign of a person (it puts the idle lock back).
func (a *auth) session(v string, active bool) (*session, bool) {
	k := sha256.Sum256([]byte(v))
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sweepLocked(now)
	s, ok := a.sessions[k]
	if !ok {
		return nil, false
	}
	if why := a.why(s, now); why != "" {
		a.endLocked(k, why)
		return nil, false
	}
	if active {
		s.active = now
	}
	return s, true
}

// alive says whether a session is still open (for event streams).
func (a *auth) alive(s *session) bool {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if s.stopped {
		return false
	}
	for k, t := range a.sessions {
		if t == s {
			if why := a.why(s, now); why != "" {
				a.endLocked(k, why)
				return false
			}
			return true
		}
	}
	return false
}

// endSession ends the session of a cookie's value, if there is one.
func (a *auth) endSession(v string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.endLocked(sha256.Sum256([]byte(v)), "signed-out")
}

// caller is who a request comes from: a signed-in person, or a program
// with the API token (sess nil).
type caller struct {
	user string
	sess *session
}

// activityHeader marks a request a person made (a click, a key), as
// opposed to the console refreshing itself: only those, and state changes,
// put the idle lock back.
const activityHeader = "X-XPT-Activity"

// check returns the caller behind the request and whether it may pass.
func (a *auth) check(r *http.Request) (caller, verdict, time.Duration) {
	if !a.configured() {
		return caller{}, refused, 0
	}
	if h := r.Header.Get("Authorization"); h != "" {
		tok, found := strings.CutPrefix(h, "Bearer ")
		if !found {
			return caller{}, refused, 0
		}
		v, retry := a.tryToken(r, strings.TrimSpace(tok))
		return caller{user: apiUser}, v, retry
	}
	c, err := r.Cookie(a.role.Cookie)
	if err != nil {
		return caller{}, refused, 0
	}
	active := r.Method != http.MethodGet || r.Header.Get(activityHeader) != ""
	if s, ok := a.session(c.Value, active); ok {
		return caller{user: s.user, sess: s}, passed, 0
	}
	return caller{}, refused, 0
}

// writeHeldBack answers an attempt the limiter did not let through.
func writeHeldBack(w http.ResponseWriter, retry time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int((retry+time.Second-1)/time.Second)))
	writeError(w, http.StatusTooManyRequests, "too many attempts: try again later")
}

type callerKey struct{}

// require lets through only signed-in people and the API token, and marks
// every answer as not to be stored: the consoles show personal data.
func (a *auth) require(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
		if !a.configured() {
			a.notConfigured(w)
			return
		}
		c, v, retry := a.check(r)
		if v == heldBack {
			writeHeldBack(w, retry)
			return
		}
		if v != passed {
			w.Header().Set("WWW-Authenticate", `Bearer realm="xpt-`+a.role.Name+`"`)
			writeError(w, http.StatusUnauthorized, "sign in to the "+a.role.title+" console")
			return
		}
		ctx := context.WithValue(r.Context(), callerKey{}, c)
		if c.sess != nil {
			ctx = context.WithValue(ctx, aliveKey{}, func() bool { return a.alive(c.sess) })
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// callerFrom is who made a request that passed require.
func callerFrom(r *http.Request) caller {
	c, _ := r.Context().Value(callerKey{}).(caller)
	return c
}

// person is the signed-in account of a request, "" for the API token.
func person(r *http.Request) string {
	if c := callerFrom(r); c.sess != nil {
		return c.user
	}
	return ""
}

type aliveKey struct{}

// aliveFrom returns the check an event stream makes to end with its session.
func aliveFrom(r *http.Request) func() bool {
	f, _ := r.Context().Value(aliveKey{}).(func() bool)
	return f
}

type loginRequest struct {
	Account  string `json:"account"`
	Password string `json:"password"`
}

// sessionJSON is what the console learns of its session.
type sessionJSON struct {
	User     string    `json:"user"`
	Name     string    `json:"name,omitempty"`
	Role     string    `json:"role"`
	IdleLock int       `json:"idleLockSeconds"`
	Expires  time.Time `json:"expires"`
}

func (a *auth) sessionOf(s *session) sessionJSON {
	return sessionJSON{User: s.user, Name: s.name, Role: string(s.role), IdleLock: int(a.idle / time.Second), Expires: s.exp}
}

func (s *server) login(a *auth) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if !a.configured() {
			a.notConfigured(w)
			return
		}
		if a.accts == nil {
			writeError(w, http.StatusServiceUnavailable, a.role.title+" console: no accounts on this kiosk (xpt-kiosk users add)")
			return
		}
		var req loginRequest
		if !readJSON(w, r, &req) {
			return
		}
		id := strings.TrimSpace(req.Account)
		if id == "" || req.Password == "" {
			writeError(w, http.StatusBadRequest, "account and password are required")
			return
		}
		acct, v, retry := a.tryPassword(r, id, req.Password)
		switch v {
		case heldBack:
			writeHeldBack(w, retry)
			return
		case refused:
			writeError(w, http.StatusUnauthorized, "wrong account or password")
			return
		}
		src := source(r)
		val, exp := a.newSession(acct, src)
		http.SetCookie(w, &http.Cookie{
			Name:     a.role.Cookie,
			Value:    val,
			Path:     "/",
			Expires:  exp,
			HttpOnly: true,
			Secure:   a.secure || r.TLS != nil,
			SameSite: http.SameSiteStrictMode,
		})
		s.log.Info("ui: console sign-in", "console", a.role.Name, "user", acct.ID, "role", acct.Role, "source", src)
		a.audit(Access{Kind: "console.sign-in", Console: a.role.Name, Account: acct.ID, Role: string(acct.Role), Source: src})
		writeJSON(w, http.StatusOK, sessionJSON{User: acct.ID, Name: acct.Name, Role: string(acct.Role),
			IdleLock: int(a.idle / time.Second), Expires: exp})
	}
}

// whoami answers the console's question of its own session, and marks
// the person active when the console says so (activityHeader).
func (s *server) whoami(a *auth) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := callerFrom(r)
		if c.sess == nil {
			writeJSON(w, http.StatusOK, sessionJSON{User: c.user, Role: "api"})
			return
		}
		writeJSON(w, http.StatusOK, a.sessionOf(c.sess))
	}
}

func (s *server) logout(a *auth) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie(a.role.Cookie); err == nil {
			a.endSession(c.Value)
		}
		http.SetCookie(w, &http.Cookie{Name: a.role.Cookie, Value: "", Path: "/", MaxAge: -1,
			HttpOnly: true, Secure: a.secure || r.TLS != nil, SameSite: http.SameSiteStrictMode})
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNoContent)
	}
}
