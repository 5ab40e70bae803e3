package ui

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xpt-pilot/xpt-kiosk/agent/view"
)

// referralsJSON is the officer's queue: open referrals first, oldest
// first (the traveler waiting longest), then decided ones, newest first.
type referralsJSON struct {
	Referrals []view.Referral `json:"referrals"`
	Open      int             `json:"open"`
	// Officer is the signed-in officer ("" with the API token).
	Officer string `json:"officer"`
}

func (s *server) referralsSnapshot(officer string) referralsJSON {
	rs := s.k.Referrals()
	out := referralsJSON{Referrals: make([]view.Referral, 0, len(rs)), Officer: officer}
	for _, r := range rs {
		if r.Decision == "" {
			out.Referrals = append(out.Referrals, r)
		}
	}
	out.Open = len(out.Referrals)
	slices.SortStableFunc(out.Referrals, func(a, b view.Referral) int { return a.OpenedAt.Compare(b.OpenedAt) })
	decided := make([]view.Referral, 0, len(rs)-out.Open)
	for _, r := range rs {
		if r.Decision != "" {
			decided = append(decided, r)
		}
	}
	slices.SortStableFunc(decided, func(a, b view.Referral) int { return b.OpenedAt.Compare(a.OpenedAt) })
	out.Referrals = append(out.Referrals, decided...)
	return out
}

func (s *server) referralsGet(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.referralsSnapshot(person(r)))
}

func (s *server) referralsEvents(w http.ResponseWriter, r *http.Request) {
	user := person(r)
	s.stream(w, r, func() (any, string) { return s.referralsSnapshot(user), "" })
}

func (s *server) findReferral(id string) (view.Referral, bool) {
	for _, r := range s.k.Referrals() {
		if r.ReferralID == id {
			return r, true
		}
	}
	return view.Referral{}, false
}

func (s *server) referralGet(w http.ResponseWriter, r *http.Request) {
	ref, ok := s.findReferral(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, "no such referral")
		return
	}
	writeJSON(w, http.StatusOK, ref)
}

func (s *server) referralPhoto(w http.ResponseWriter, r *http.Request) {
	servePhoto(w, s.k.Photo, r.PathValue("id"), "no photo for this referral")
}

func (s *server) referralChipPhoto(w http.ResponseWriter, r *http.Request) {
	servePhoto(w, s.k.ChipPhoto, r.PathValue("id"), "no chip photo for this referral")
}

func servePhoto(w http.ResponseWriter, get func(string) ([]byte, bool), id, missing string) {
	b, ok := get(id)
	if !ok || len(b) == 0 {
		writeError(w, http.StatusNotFound, missing)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Content-Disposition", "inline")
	w.Write(b)
}

type decisionRequest struct {
	Decision  string `json:"decision"`
	Note      string `json:"note"`
	OfficerID string `json:"officerId,omitempty"`
}

// decisions an officer may take, as the central protocol names them.
var decisions = map[string]bool{"admit": true, "refuse": true, "secondary": true}

const maxNote = 1000

func (s *server) referralDecide(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var req decisionRequest
	if !readJSON(w, r, &req) {
		return
	}
	if !decisions[req.Decision] {
		writeError(w, http.StatusBadRequest, "decision: admit, refuse or secondary")
		return
	}
	note := strings.TrimSpace(req.Note)
	if utf8.RuneCountInString(note) > maxNote || !utf8.ValidString(note) {
		writeError(w, http.StatusBadRequest, "note: at most 1000 characters")
		return
	}
	// A decision is a person's: the signed-in officer's own account. The
	// API token, which anyone holding it could use, reads but never decides.
	officer := person(r)
	if officer == "" {
		writeError(w, http.StatusForbidden, "a decision needs an officer's own sign-in, not the API token")
		return
	}
	if req.OfficerID != "" && req.OfficerID != officer {
		writeError(w, http.StatusForbidden, "officerId differs from the signed-in officer")
		return
	}
	ref, ok := s.findReferral(id)
	if !ok {
		writeError(w, http.StatusNotFound, "no such referral")
		return
	}
	if ref.Decision != "" {
		writeJSON(w, http.StatusConflict, struct {
			Error    string        `json:"error"`
			Referral view.Referral `json:"referral"`
		}{"already decided: " + ref.Decision + " by " + ref.DecidedBy, ref})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	if err := s.k.Decide(ctx, id, officer, req.Decision, note); err != nil {
		s.log.Warn("ui: officer decision failed", "referral", id, "officer", officer, "decision", req.Decision, "err", err)
		writeError(w, http.StatusConflict, "decision not recorded: "+err.Error())
		return
	}
	s.log.Info("ui: officer decision", "referral", id, "officer", officer, "decision", req.Decision)
	s.log.Debug("ui: officer decision note", "referral", id, "note", note)
	if ref, ok = s.findReferral(id); !ok {
		ref = view.Referral{ReferralID: id, Decision: req.Decision, DecidedBy: officer}
	}
	writeJSON(w, http.StatusOK, ref)
}
