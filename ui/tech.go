package ui

import (
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/view"
)

// FaultLister is optionally implemented by a Simulator to name the faults
// it can inject; the simulator panel shows one button per fault. Without
// it the panel offers DefaultFaults.
type FaultLister interface {
	Faults() []string
}

// DefaultFaults are the fault kinds offered when the Simulator does not
// list its own.
var DefaultFaults = []string{"mrz-disconnect", "card-disconnect", "mrz-noise", "card-noise"}

// techJSON is the technician console's page: the status snapshot, plus
// what the console can offer on this kiosk.
type techJSON struct {
	view.Technician
	// StalenessText says the replica's staleness in words ("3m12s"), as
	// view.Authz.Staleness is nanoseconds in JSON.
	StalenessText string `json:"stalenessText"`
	Uptime        string `json:"uptime,omitempty"`
	// TravelerScreen is the screen the traveler sees now (no personal
	// data), so the technician can follow a simulated session.
	TravelerScreen string `json:"travelerScreen"`
	Preview        bool   `json:"preview"`
	// Diagnostics: the console offers the self-test and the raw capture.
	Diagnostics bool       `json:"diagnostics"`
	Simulator   *simulator `json:"simulator,omitempty"`
	// LastReceipt is the last receipt printed, when Options.Receipts can
	// show it: its text, and the URL of its image.
	LastReceipt *lastReceipt `json:"lastReceipt,omitempty"`
}

type lastReceipt struct {
	At    time.Time `json:"at"`
	Text  string    `json:"text"`
	Image string    `json:"image,omitempty"`
}

type simulator struct {
	Travelers []SimTraveler `json:"travelers"`
	Faults    []string      `json:"faults"`
}

func (s *server) techSnapshot() techJSON {
	t := s.k.Technician()
	out := techJSON{Technician: t, Preview: s.preview != nil, Diagnostics: s.diagnostics != nil, TravelerScreen: s.k.Traveler().Screen}
	out.StalenessText = t.Authz.Staleness.Round(time.Second).String()
	if !t.StartedAt.IsZero() {
		out.Uptime = time.Since(t.StartedAt).Round(time.Second).String()
	}
	if out.Devices == nil {
		out.Devices = []view.Device{}
	}
	if out.Recent == nil {
		out.Recent = []view.Transaction{}
	}
	if s.receipts != nil {
		if r, ok := s.receipts.LastReceipt(); ok {
			out.LastReceipt = &lastReceipt{At: r.At, Text: r.Text}
			if len(r.PNG) > 0 {
				out.LastReceipt.Image = fmt.Sprintf("/api/tech/receipt.png?at=%d", r.At.UnixMilli())
			}
		}
	}
	if s.sim != nil {
		sim := &simulator{Travelers: s.sim.Travelers(), Faults: DefaultFaults}
		if fl, ok := s.sim.(FaultLister); ok {
			sim.Faults = fl.Faults()
		}
		if sim.Travelers == nil {
			sim.Travelers = []SimTraveler{}
		}
		out.Simulator = sim
	}
	return out
}

func (s *server) techGet(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.techSnapshot())
}

func (s *server) techEvents(w http.ResponseWriter, r *http.Request) {
	// Uptime changes every second; only a change of the agent's state is
	// worth an event, so the key leaves it out.
	s.stream(w, r, func() (any, string) {
		t := s.techSnapshot()
		up := t.Uptime
		t.Uptime = ""
		key, _ := jsonString(t)
		t.Uptime = up
		return t, key
	})
}

func (s *server) techPreview(w http.ResponseWriter, r *http.Request) {
	if s.preview == nil {
		writeError(w, http.StatusNotFound, "no camera preview on this kiosk")
		return
	}
	s.log.Info("ui: camera preview opened")
	s.preview.ServeHTTP(w, r)
}

// techReceipt serves the last receipt's image.
func (s *server) techReceipt(w http.ResponseWriter, r *http.Request) {
	var rc Receipt
	ok := false
	if s.receipts != nil {
		rc, ok = s.receipts.LastReceipt()
	}
	if !ok || len(rc.PNG) == 0 {
		writeError(w, http.StatusNotFound, "no receipt printed yet, or none to show")
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(rc.PNG)
}

func (s *server) needSim(w http.ResponseWriter) bool {
	if s.sim == nil {
		writeError(w, http.StatusNotFound, "no simulator: this kiosk has real devices")
		return false
	}
	return true
}

type presentRequest struct {
	Index    *int `json:"index"`
	WithCard bool `json:"withCard"`
}

func (s *server) simPresent(w http.ResponseWriter, r *http.Request) {
	if !s.needSim(w) {
		return
	}
	var req presentRequest
	if !readJSON(w, r, &req) {
		return
	}
	n := len(s.sim.Travelers())
	if req.Index == nil || *req.Index < 0 || *req.Index >= n {
		writeError(w, http.StatusBadRequest, "index: a demo traveler's position in the list")
		return
	}
	if err := s.sim.Present(*req.Index, req.WithCard); err != nil {
		writeError(w, http.StatusConflict, err.Error())
		return
	}
	s.log.Info("ui: simulator present", "index", *req.Index, "withCard", req.WithCard)
	w.WriteHeader(http.StatusNoContent)
}

type cardRequest struct {
	Tag string `json:"tag"`
}

var cardTagPattern = regexp.MustCompile(`^[0-9A-Fa-f]{10}$`)

func (s *server) simCard(w http.ResponseWriter, r *http.Request) {
	if !s.needSim(w) {
		return
	}
	var req cardRequest
	if !readJSON(w, r, &req) {
		return
	}
	if !cardTagPattern.MatchString(req.Tag) {
		writeError(w, http.StatusBadRequest, "tag: 10 hexadecimal digits (EM4100)")
		return
	}
	if err := s.sim.PresentCard(req.Tag); err != nil {
		writeError(w, http.StatusConflict, err.Error())
		return
	}
	s.log.Info("ui: simulator card")
	w.WriteHeader(http.StatusNoContent)
}

type faultRequest struct {
	Kind string `json:"kind"`
}

var faultPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

func (s *server) simFault(w http.ResponseWriter, r *http.Request) {
	if !s.needSim(w) {
		return
	}
	var req faultRequest
	if !readJSON(w, r, &req) {
		return
	}
	if !faultPattern.MatchString(req.Kind) {
		writeError(w, http.StatusBadRequest, "kind: a fault name such as mrz-disconnect")
		return
	}
	if err := s.sim.Fault(req.Kind); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.log.Info("ui: simulator fault", "kind", req.Kind)
	w.WriteHeader(http.StatusNoContent)
}

type maintenanceRequest struct {
	On *bool `json:"on"`
}

// techMaintenance takes the kiosk out of service locally, or returns it
// to service: only a person signed in with their own account (a
// technician or a supervisor), never the API token, and audited. Leaving
// maintenance drops a raw capture kept, as the kiosk unlocking does, when
// the kiosk is no longer locked.
func (s *server) techMaintenance(w http.ResponseWriter, r *http.Request) {
	var req maintenanceRequest
	if !readJSON(w, r, &req) {
		return
	}
	if req.On == nil {
		writeError(w, http.StatusBadRequest, "on: true to take the kiosk out of service, false to return it to service")
		return
	}
	c := callerFrom(r)
	if c.sess == nil {
		writeError(w, http.StatusForbidden, "taking the kiosk out of service is a person's action: sign in with your own account")
		return
	}
	// The mode takes effect even when it cannot be kept across a restart
	// (the error then says so): it is audited either way.
	keepErr := s.k.SetMaintenance(*req.On)
	detail := "off: returned to service"
	if *req.On {
		detail = "on: out of service"
	}
	if keepErr != nil {
		detail += " (not kept across a restart: " + keepErr.Error() + ")"
	}
	s.log.Info("ui: maintenance", "user", c.user, "on", *req.On)
	s.auditTech(r, "console.maintenance", detail)
	if keepErr != nil {
		writeError(w, http.StatusInternalServerError, "in force now, but not kept across a restart: "+keepErr.Error())
		return
	}
	if !*req.On && s.diagnostics != nil && !s.locked() {
		s.dropCapture(nil, "the kiosk returned to service")
	}
	writeJSON(w, http.StatusOK, s.techSnapshot())
}
