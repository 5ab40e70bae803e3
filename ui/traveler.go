package ui

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/view"
)

// travelerJSON is what the traveler screen receives: the snapshot, and
// the time left on the current step counted here, so that the screen's
// countdown does not depend on its own clock agreeing with the agent's.
// It is built from view.Traveler alone, which holds no reason.
type travelerJSON struct {
	view.Traveler
	RemainingMs int64 `json:"remainingMs,omitempty"`
}

func (s *server) travelerSnapshot() travelerJSON {
	t := s.k.Traveler()
	out := travelerJSON{Traveler: t}
	if !t.Deadline.IsZero() {
		if ms := time.Until(t.Deadline).Milliseconds(); ms > 0 {
			out.RemainingMs = ms
		}
	}
	return out
}

// travelerGet answers the snapshot. With ?since=V&wait=S it is a long
// poll (the fallback when server-sent events do not get through): it
// answers as soon as the version differs from V, or after S seconds.
func (s *server) travelerGet(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if since := q.Get("since"); since != "" {
		v, err := strconv.ParseUint(since, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, "since: not a version number")
			return
		}
		wait := 25 * time.Second
		if ws := q.Get("wait"); ws != "" {
			n, err := strconv.Atoi(ws)
			if err != nil || n < 0 || n > 60 {
				writeError(w, http.StatusBadRequest, "wait: 0 to 60 seconds")
				return
			}
			wait = time.Duration(n) * time.Second
		}
		ctx, cancel := context.WithTimeout(r.Context(), wait)
		defer cancel()
		for {
			ch := s.k.Changed()
			if s.k.Traveler().Version != v {
				break
			}
			select {
			case <-ch:
				continue
			case <-ctx.Done():
			}
			break
		}
	}
	writeJSON(w, http.StatusOK, s.travelerSnapshot())
}

func (s *server) travelerEvents(w http.ResponseWriter, r *http.Request) {
	s.stream(w, r, func() (any, string) {
		t := s.travelerSnapshot()
		return t, strconv.FormatUint(t.Version, 10) + "/" + t.Screen + "/" + t.Lang
	})
}

type travelerCommand struct {
	Lang string `json:"lang,omitempty"`
}

// travelerCommand runs one of the traveler's buttons. A command the agent
// refuses in its present state (a double tap, a stale screen) is a 409
// with the fresh snapshot, so the screen can catch up.
func (s *server) travelerCommand(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req travelerCommand
		if !readJSON(w, r, &req) {
			return
		}
		var err error
		switch name {
		case "start", "language":
			if req.Lang != "en" && req.Lang != "fr" {
				writeError(w, http.StatusBadRequest, "lang: en or fr")
				return
			}
			if name == "start" {
				err = s.k.Start(req.Lang)
			} else {
				err = s.k.SetLanguage(req.Lang)
			}
		case "cancel":
			err = s.k.Cancel()
		case "finish":
			err = s.k.Finish()
		case "more-time":
			err = s.k.MoreTime()
		}
		if err != nil {
			s.log.Debug("ui: traveler command refused", "command", name, "err", err)
			writeJSON(w, http.StatusConflict, struct {
				Error    string       `json:"error"`
				Traveler travelerJSON `json:"traveler"`
			}{"not possible now", s.travelerSnapshot()})
			return
		}
		s.log.Debug("ui: traveler command", "command", name)
		writeJSON(w, http.StatusOK, s.travelerSnapshot())
	}
}
