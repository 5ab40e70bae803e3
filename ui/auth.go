package ui

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"regexp"
	"strconv"
	"strings"
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
// as the session cookie its login form set. The cookie holds the user ID,
// an expiry and an HMAC keyed by the token, never the token itself, so
// changing the token ends every session.
type auth struct {
	role   role
	digest [32]byte // sha256 of the token, compared in constant time
	key    []byte
	now    func() time.Time
}

func newAuth(r role, token string) *auth {
	a := &auth{role: r, now: time.Now}
	if token != "" {
		a.digest = sha256.Sum256([]byte(token))
		k := sha256.Sum256([]byte("xpt-ui session " + r.Name + "\x00" + token))
		a.key = k[:]
	}
	return a
}

func (a *auth) configured() bool { return a.key != nil }

func (a *auth) tokenOK(token string) bool {
	if !a.configured() {
		return false
	}
	d := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(d[:], a.digest[:]) == 1
}

func (a *auth) mac(payload string) string {
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (a *auth) cookieValue(user string, exp time.Time) string {
	payload := user + "|" + strconv.FormatInt(exp.Unix(), 10)
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + a.mac(payload)
}

// check returns the user behind the request ("" for a bearer token: the
// caller names itself in the body), and whether the request may pass.
func (a *auth) check(r *http.Request) (user string, ok bool) {
	if !a.configured() {
		return "", false
	}
	if h := r.Header.Get("Authorization"); h != "" {
		tok, found := strings.CutPrefix(h, "Bearer ")
		return "", found && a.tokenOK(strings.TrimSpace(tok))
	}
	c, err := r.Cookie(a.role.Cookie)
	if err != nil {
		return "", false
	}
	enc, sig, found := strings.Cut(c.Value, ".")
	if !found {
		return "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", false
	}
	payload := string(raw)
	if !hmac.Equal([]byte(sig), []byte(a.mac(payload))) {
		return "", false
	}
	user, expS, found := strings.Cut(payload, "|")
	exp, err := strconv.ParseInt(expS, 10, 64)
	if !found || err != nil || a.now().Unix() > exp {
		return "", false
	}
	return user, true
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
		user, ok := a.check(r)
		if !ok {
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
		if !a.tokenOK(req.Token) {
			// A short pause makes guessing slow without a lockout that an
			// attacker could use to lock officers out.
			time.Sleep(300 * time.Millisecond)
			s.log.Warn("ui: console sign-in refused", "console", a.role.Name)
			writeError(w, http.StatusUnauthorized, "wrong token")
			return
		}
		exp := a.now().Add(sessionTTL)
		http.SetCookie(w, &http.Cookie{
			Name:     a.role.Cookie,
			Value:    a.cookieValue(user, exp),
			Path:     "/",
			Expires:  exp,
			HttpOnly: true,
			Secure:   r.TLS != nil,
			SameSite: http.SameSiteStrictMode,
		})
		s.log.Info("ui: console sign-in", "console", a.role.Name, "user", user)
		writeJSON(w, http.StatusOK, map[string]string{"user": user})
	}
}

func (s *server) logout(a *auth) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: a.role.Cookie, Value: "", Path: "/", MaxAge: -1,
			HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNoContent)
	}
}
