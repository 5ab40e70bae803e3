package ui

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// role is one of the two consoles behind a token.
type role struct {
	Name   string // officer | tech
	title  string
	Cookie string
	Title  string // shown on the login form
	AskID  bool   // the login form asks for an officer ID
}

var (
	roleOfficer    = role{Name: "officer", title: "officer", Cookie: "xpt_officer", Title: "Officer console", AskID: true}
	roleTechnician = role{Name: "tech", title: "technician", Cookie: "xpt_tech", Title: "Technician console"}
)

// sessionTTL bounds a console login: a shift, not forever.
const sessionTTL = 12 * time.Hour

// userIDPattern is what an officer ID may look like (badge numbers,
// initials): it is written into cookies and decisions.
var userIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,40}$`)

// auth checks one console's token, given as "Authorization: Bearer" or
// at the login form, and the sessions the login form opens. Every token
// attempt goes through the limiter first. A session cookie holds only a
// random ID; the session (user, expiry) is kept here, so logging out ends
// it and a restart or a new token ends them all.
type auth struct {
	role     role
	digest   [32]byte // sha256 of the token, compared in constant time
	on       bool
	now      func() time.Time
	lim      *limiter
	log      *slog.Logger
	secure   bool // cookies are Secure even on a plain request (TLS in front)
	mu       sync.Mutex
	sessions map[[32]byte]session // by sha256 of the cookie's ID
}

type session struct {
	user string
	exp  time.Time
}

// maxSessions bounds the open sessions of one console; past it the one
// closest to expiry is ended.
const maxSessions = 256

func newAuth(r role, token string, now func() time.Time, log *slog.Logger, secure bool) *auth {
	a := &auth{role: r, now: now, lim: newLimiter(now), log: log, secure: secure, sessions: map[[32]byte]session{}}
	if token != "" {
		a.digest = sha256.Sum256([]byte(token))
		a.on = true
	}
	return a
}

func (a *auth) configured() bool { return a.on }

// verdict is what a token attempt came to.
type verdict int

const (
	refused verdict = iota // wrong token, or none
	passed
	heldBack // too many attempts from this source: not looked at
)

// tryToken compares a token, after taking the source's attempt slot, and
// logs what it refused (the source and the console, never the token).
func (a *auth) tryToken(r *http.Request, token string) (verdict, time.Duration) {
	if !a.configured() {
		return refused, 0
	}
	src := source(r)
	ok, retry, first := a.lim.acquire(src)
	if !ok {
		if first {
			a.log.Warn("ui: console token attempts held back", "console", a.role.Name, "source", src,
				"retryIn", retry.Round(time.Second))
		}
		return heldBack, retry
	}
	d := sha256.Sum256([]byte(token))
	good := subtle.ConstantTimeCompare(d[:], a.digest[:]) == 1
	failures, wait := a.lim.release(src, good)
	if !good {
		a.log.Warn("ui: console token refused", "console", a.role.Name, "source", src,
			"failures", failures, "nextIn", wait.Round(time.Second))
		return refused, 0
	}
	return passed, 0
}

// newSession opens a session for user and returns its cookie value.
func (a *auth) newSession(user string) (string, time.Time) {
	var id [32]byte
	rand.Read(id[:])
	v := base64.RawURLEncoding.EncodeToString(id[:])
	now := a.now()
	exp := now.Add(sessionTTL)
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.sessions) >= maxSessions {
		var oldest [32]byte
		var oldestExp time.Time
		for k, s := range a.sessions {
			if now.After(s.exp) {
				delete(a.sessions, k)
			} else if oldestExp.IsZero() || s.exp.Before(oldestExp) {
				oldest, oldestExp = k, s.exp
			}
		}
		if len(a.sessions) >= maxSessions {
			delete(a.sessions, oldest)
		}
	}
	a.sessions[sha256.Sum256([]byte(v))] = session{user: user, exp: exp}
	return v, exp
}

// session returns the user of a session cookie's value.
func (a *auth) session(v string) (string, bool) {
	k := sha256.Sum256([]byte(v))
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.sessions[k]
	if !ok {
		return "", false
	}
	if a.now().After(s.exp) {
		delete(a.sessions, k)
		return "", false
	}
	return s.user, true
}

// endSession ends the session of a cookie's value, if there is one.
func (a *auth) endSession(v string) (user string, ended bool) {
	k := sha256.Sum256([]byte(v))
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.sessions[k]
	delete(a.sessions, k)
	return s.user, ok
}

// check returns the user behind the request ("" for a bearer token: the
// caller names itself in the body), and whether the request may pass.
func (a *auth) check(r *http.Request) (user string, v verdict, retry time.Duration) {
	if !a.configured() {
		return "", refused, 0
	}
	if h := r.Header.Get("Authorization"); h != "" {
		tok, found := strings.CutPrefix(h, "Bearer ")
		if !found {
			return "", refused, 0
		}
		v, retry := a.tryToken(r, strings.TrimSpace(tok))
		return "", v, retry
	}
	c, err := r.Cookie(a.role.Cookie)
	if err != nil {
		return "", refused, 0
	}
	if user, ok := a.session(c.Value); ok {
		return user, passed, 0
	}
	return "", refused, 0
}

// writeHeldBack answers an attempt the limiter did not let through.
func writeHeldBack(w http.ResponseWriter, retry time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int((retry+time.Second-1)/time.Second)))
	writeError(w, http.StatusTooManyRequests, "too many attempts: try again later")
}

type userKey struct{}

// require lets through only requests with the console's token, and marks
// every answer as not to be stored: the consoles show personal data.
func (a *auth) require(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
		if !a.configured() {
			writeError(w, http.StatusServiceUnavailable, a.role.title+" console is not configured (no token)")
			return
		}
		user, v, retry := a.check(r)
		if v == heldBack {
			writeHeldBack(w, retry)
			return
		}
		if v != passed {
			w.Header().Set("WWW-Authenticate", `Bearer realm="xpt-`+a.role.Name+`"`)
			writeError(w, http.StatusUnauthorized, "sign in to the "+a.role.title+" console")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, user)))
	})
}

// userFrom is the signed-in user of a cookie session, "" for a bearer token.
func userFrom(r *http.Request) string {
	u, _ := r.Context().Value(userKey{}).(string)
	return u
}

type loginRequest struct {
	Token     string `json:"token"`
	OfficerID string `json:"officerId,omitempty"`
}

func (s *server) login(a *auth) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if !a.configured() {
			writeError(w, http.StatusServiceUnavailable, a.role.title+" console is not configured (no token)")
			return
		}
		var req loginRequest
		if !readJSON(w, r, &req) {
			return
		}
		user := a.role.Name
		if a.role.AskID {
			user = strings.TrimSpace(req.OfficerID)
			if !userIDPattern.MatchString(user) {
				writeError(w, http.StatusBadRequest, "officer ID: 1 to 40 letters, digits, '.', '_' or '-'")
				return
			}
		}
		switch v, retry := a.tryToken(r, req.Token); v {
		case heldBack:
			writeHeldBack(w, retry)
			return
		case refused:
			writeError(w, http.StatusUnauthorized, "wrong token")
			return
		}
		val, exp := a.newSession(user)
		http.SetCookie(w, &http.Cookie{
			Name:     a.role.Cookie,
			Value:    val,
			Path:     "/",
			Expires:  exp,
			HttpOnly: true,
			Secure:   a.secure || r.TLS != nil,
			SameSite: http.SameSiteStrictMode,
		})
		s.log.Info("ui: console sign-in", "console", a.role.Name, "user", user)
		writeJSON(w, http.StatusOK, map[string]string{"user": user})
	}
}

func (s *server) logout(a *auth) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie(a.role.Cookie); err == nil {
			if user, ok := a.endSession(c.Value); ok {
				s.log.Info("ui: console sign-out", "console", a.role.Name, "user", user)
			}
		}
		http.SetCookie(w, &http.Cookie{Name: a.role.Cookie, Value: "", Path: "/", MaxAge: -1,
			HttpOnly: true, Secure: a.secure || r.TLS != nil, SameSite: http.SameSiteStrictMode})
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNoContent)
	}
}
