package ui_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/ui"
)

// spyDiag wraps the development kiosk's fake diagnostics and records the
// limits a capture was asked with.
type spyDiag struct {
	ui.Diagnostics
	mu       sync.Mutex
	d        time.Duration
	maxBytes int
}

func (s *spyDiag) CaptureSerial(ctx context.Context, dev string, d time.Duration, maxBytes int, progress func(ui.SerialCapture)) (ui.SerialCapture, error) {
	s.mu.Lock()
	s.d, s.maxBytes = d, maxBytes
	s.mu.Unlock()
	return s.Diagnostics.CaptureSerial(ctx, dev, d, maxBytes, progress)
}

func diagFixture(t *testing.T) (*fixture, *spyDiag) {
	t.Helper()
	spy := &spyDiag{}
	f := newFixture(t, func(o *ui.Options) {
		ui.SetCaptureWatch(o, 10*time.Millisecond)
		spy.Diagnostics = o.Kiosk.(ui.Diagnostics)
		o.Diagnostics = spy
	})
	return f, spy
}

func auditedKinds(f *fixture, prefix string) []ui.Access {
	var out []ui.Access
	for _, a := range f.audited() {
		if strings.HasPrefix(a.Kind, prefix) {
			out = append(out, a)
		}
	}
	return out
}

func TestSelfTestRolesAndAudit(t *testing.T) {
	f, _ := diagFixture(t)
	officer := login(t, f, "officer", signIn("B1"))
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/selftest", body: `{}`, cookie: officer}), 401)
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/selftest", body: `{}`}), 401)
	// A GET is not a command.
	tech := login(t, f, "tech", signIn("T1"))
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/tech/selftest", cookie: tech}), 405)
	if got := auditedKinds(f, "console.selftest"); len(got) != 0 {
		t.Fatalf("audited before any run: %+v", got)
	}

	w := f.do(t, req{method: "POST", path: "/api/tech/selftest", body: `{}`, cookie: tech})
	wantStatus(t, w, 200)
	res := decode[struct {
		OK     bool               `json:"ok"`
		By     string             `json:"by"`
		Checks []ui.SelfTestCheck `json:"checks"`
	}](t, w)
	if !res.OK || res.By != "T1" || len(res.Checks) < 5 || res.Checks[0].Name != "config" {
		t.Fatalf("self-test %+v", res)
	}
	// A supervisor may too; the API token runs it as a program.
	sup := login(t, f, "tech", signIn("S1"))
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/selftest", body: `{}`, cookie: sup}), 200)
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/selftest", body: `{}`, bearer: techToken}), 200)
	got := auditedKinds(f, "console.selftest")
	if len(got) != 3 || got[0].Account != "T1" || got[0].Role != "technician" || got[0].Console != "tech" ||
		got[1].Account != "S1" || got[2].Account != "api-token" || !strings.Contains(got[0].Detail, "ok") {
		t.Fatalf("audit %+v", got)
	}

	// A device fault fails its check.
	f.k.Fault("mrz-disconnect")
	res = decode[struct {
		OK     bool               `json:"ok"`
		By     string             `json:"by"`
		Checks []ui.SelfTestCheck `json:"checks"`
	}](t, f.do(t, req{method: "POST", path: "/api/tech/selftest", body: `{}`, cookie: tech}))
	if res.OK {
		t.Fatalf("self-test ok with the MRZ reader unplugged: %+v", res.Checks)
	}
}

func TestSelfTestAbsent(t *testing.T) {
	f := newFixture(t)
	tech := login(t, f, "tech", signIn("T1"))
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/selftest", body: `{}`, cookie: tech}), 404)
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/tech/capture", cookie: tech}), 404)
	snap := decode[map[string]any](t, f.do(t, req{method: "GET", path: "/api/tech", cookie: tech}))
	if snap["diagnostics"] != false {
		t.Fatalf("diagnostics %v", snap["diagnostics"])
	}
}

type captureAnswer struct {
	Locked  bool `json:"locked"`
	Busy    bool `json:"busy"`
	Devices []ui.CaptureDevice
	Capture *struct {
		Device  string            `json:"device"`
		By      string            `json:"by"`
		Running bool              `json:"running"`
		Seconds int               `json:"seconds"`
		Serial  *ui.SerialCapture `json:"serial"`
		Camera  *struct {
			Image string `json:"image"`
			Faces int    `json:"faces"`
		} `json:"camera"`
	} `json:"capture"`
}

func getCapture(t *testing.T, f *fixture, c *http.Cookie) captureAnswer {
	t.Helper()
	w := f.do(t, req{method: "GET", path: "/api/tech/capture", cookie: c})
	wantStatus(t, w, 200)
	return decode[captureAnswer](t, w)
}

func waitCapture(t *testing.T, f *fixture, c *http.Cookie, ok func(captureAnswer) bool) captureAnswer {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		a := getCapture(t, f, c)
		if ok(a) {
			return a
		}
		if time.Now().After(deadline) {
			t.Fatalf("capture never came to the state wanted: %+v", a)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCaptureNeedsLock(t *testing.T) {
	f, _ := diagFixture(t)
	tech := login(t, f, "tech", signIn("T1"))
	a := getCapture(t, f, tech)
	if a.Locked || len(a.Devices) != 3 || a.Capture != nil {
		t.Fatalf("%+v", a)
	}
	w := f.do(t, req{method: "POST", path: "/api/tech/capture", body: `{"device":"mrzReader","seconds":1}`, cookie: tech})
	wantStatus(t, w, 409)
	if got := auditedKinds(f, "console.capture"); len(got) != 1 || got[0].Kind != "console.capture-refused" || got[0].Account != "T1" {
		t.Fatalf("audit %+v", got)
	}
	// Nothing reached the device.
	for _, c := range f.k.Commands() {
		if strings.HasPrefix(c, "capture") {
			t.Fatalf("the device was captured while the kiosk was in service: %v", f.k.Commands())
		}
	}
	// The officer console cannot; the API token cannot either (a capture
	// belongs to a person's session).
	officer := login(t, f, "officer", signIn("B1"))
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/capture", body: `{"device":"mrzReader"}`, cookie: officer}), 401)
	f.k.Fault("lock")
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/capture", body: `{"device":"mrzReader"}`, bearer: techToken}), 403)
}

func TestCaptureLimits(t *testing.T) {
	f, spy := diagFixture(t)
	tech := login(t, f, "tech", signIn("T1"))
	f.k.Fault("lock")
	for _, body := range []string{`{"device":"mrzReader","seconds":61}`, `{"device":"mrzReader","seconds":-1}`,
		`{"device":"nope","seconds":1}`, `{"device":"","seconds":1}`, `{"device":"mrzReader","seconds":1,"extra":1}`} {
		wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/capture", body: body, cookie: tech}), 400)
	}
	w := f.do(t, req{method: "POST", path: "/api/tech/capture", body: `{"device":"mrzReader","seconds":1}`, cookie: tech})
	wantStatus(t, w, 202)
	// One at a time.
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/capture", body: `{"device":"cardReader","seconds":1}`, cookie: tech}), 409)
	other := login(t, f, "tech", signIn("S1"))
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/capture", body: `{"device":"cardReader","seconds":1}`, cookie: other}), 409)
	if a := getCapture(t, f, other); a.Capture != nil || !a.Busy {
		t.Fatalf("another technician sees the capture: %+v", a)
	}
	a := waitCapture(t, f, tech, func(a captureAnswer) bool { return a.Capture != nil && !a.Capture.Running })
	spy.mu.Lock()
	d, max := spy.d, spy.maxBytes
	spy.mu.Unlock()
	if d != time.Second || max != ui.MaxCaptureBytes {
		t.Fatalf("asked for %v and %d bytes", d, max)
	}
	s := a.Capture.Serial
	if a.Capture.By != "T1" || a.Capture.Seconds != 1 || s == nil || s.Bytes == 0 || len(s.Blocks) == 0 || len(s.Notes) != 2 ||
		s.Notes[1].Kind != "document" || s.Blocks[0].Chars[0] != "NUL" {
		t.Fatalf("capture %+v", a.Capture)
	}
	// Audited: who, what device, the limits; never the content.
	got := auditedKinds(f, "console.capture")
	if len(got) != 1 || got[0].Kind != "console.capture" || got[0].Account != "T1" || !strings.HasPrefix(got[0].Detail, "mrzReader") {
		t.Fatalf("audit %+v", got)
	}
	for _, e := range f.audited() {
		if strings.Contains(e.Detail, "ERIKSSON") {
			t.Fatalf("capture content in the audit: %+v", e)
		}
	}
	if strings.Contains(f.log.String(), "ERIKSSON") {
		t.Fatal("capture content in the log")
	}
	// Default duration.
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/capture", body: `{"device":"cardReader"}`, cookie: tech}), 202)
	if a := getCapture(t, f, tech); a.Capture == nil || a.Capture.Seconds != ui.DefaultCaptureSeconds || a.Capture.Device != "cardReader" {
		t.Fatalf("%+v", a.Capture)
	}
}

func TestCaptureDropped(t *testing.T) {
	f, _ := diagFixture(t)
	tech := login(t, f, "tech", signIn("T1"))
	f.k.Fault("lock")
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/capture", body: `{"device":"mrzReader","seconds":1}`, cookie: tech}), 202)
	waitCapture(t, f, tech, func(a captureAnswer) bool { return a.Capture != nil && !a.Capture.Running })
	// Unlocked: gone, and not shown again when locked once more.
	f.k.Fault("clear")
	if a := getCapture(t, f, tech); a.Locked || a.Capture != nil {
		t.Fatalf("shown while in service: %+v", a)
	}
	f.k.Fault("lock")
	if a := getCapture(t, f, tech); a.Capture != nil {
		t.Fatalf("kept after the kiosk was unlocked: %+v", a)
	}

	// Cleared by the technician.
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/capture", body: `{"device":"camera"}`, cookie: tech}), 200)
	a := getCapture(t, f, tech)
	if a.Capture == nil || a.Capture.Camera == nil || a.Capture.Camera.Faces != 1 {
		t.Fatalf("camera %+v", a.Capture)
	}
	w := f.do(t, req{method: "GET", path: a.Capture.Camera.Image, cookie: tech})
	wantStatus(t, w, 200)
	if w.Header().Get("Content-Type") != "image/jpeg" || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("frame headers %v", w.Header())
	}
	other := login(t, f, "tech", signIn("S1"))
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/tech/capture/frame.jpg", cookie: other}), 404)
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/capture/clear", body: `{}`, cookie: tech}), 204)
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/tech/capture/frame.jpg", cookie: tech}), 404)

	// The session ends: gone with it.
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/capture", body: `{"device":"camera"}`, cookie: tech}), 200)
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/logout", body: `{}`, cookie: tech}), 204)
	deadline := time.Now().Add(2 * time.Second)
	for !strings.Contains(f.log.String(), "why=\"the session ended\"") {
		if time.Now().After(deadline) {
			t.Fatalf("capture kept after sign-out; log:\n%s", f.log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	tech2 := login(t, f, "tech", signIn("T1"))
	if a := getCapture(t, f, tech2); a.Capture != nil {
		t.Fatalf("a new session of the same account sees the old capture: %+v", a)
	}
	// Unlocked: the frame is refused.
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/capture", body: `{"device":"camera"}`, cookie: tech2}), 200)
	f.k.Fault("clear")
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/tech/capture/frame.jpg", cookie: tech2}), 409)
}

// Taking the kiosk out of service: a person's action (a technician or a
// supervisor with their own account, never the API token nor an officer),
// audited; it allows the raw capture, and returning to service drops it.
func TestMaintenanceRolesAuditAndCapture(t *testing.T) {
	f, _ := diagFixture(t)
	on, off := `{"on":true}`, `{"on":false}`
	officer := login(t, f, "officer", signIn("B1"))
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/maintenance", body: on, cookie: officer}), 401)
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/maintenance", body: on}), 401)
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/login", body: signIn("B1")}), 401) // no officer account on this console
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/maintenance", body: on, bearer: techToken}), 403)
	tech := login(t, f, "tech", signIn("T1"))
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/tech/maintenance", cookie: tech}), 405)
	for _, bad := range []string{`{}`, `{"on":"yes"}`, `{"on":true,"extra":1}`} {
		wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/maintenance", body: bad, cookie: tech}), 400)
	}
	if got := auditedKinds(f, "console.maintenance"); len(got) != 0 || f.k.Technician().Maintenance {
		t.Fatalf("taken out of service by a refused request: %+v", got)
	}
	if a := getCapture(t, f, tech); a.Locked {
		t.Fatal("locked before any maintenance")
	}

	w := f.do(t, req{method: "POST", path: "/api/tech/maintenance", body: on, cookie: tech})
	wantStatus(t, w, 200)
	snap := decode[struct {
		State          string   `json:"state"`
		Reasons        []string `json:"reasons"`
		Maintenance    bool     `json:"maintenance"`
		TravelerScreen string   `json:"travelerScreen"`
	}](t, w)
	if snap.State != "locked" || !snap.Maintenance || len(snap.Reasons) != 1 || snap.Reasons[0] != "maintenance" || snap.TravelerScreen != "closed" {
		t.Fatalf("after maintenance on: %+v", snap)
	}
	// Travelers are refused: the traveler screen is closed.
	if tr := decode[map[string]any](t, f.do(t, req{method: "GET", path: "/api/traveler"})); tr["screen"] != "closed" {
		t.Fatalf("traveler screen %v", tr["screen"])
	}
	// The raw capture is allowed now.
	if a := getCapture(t, f, tech); !a.Locked {
		t.Fatal("capture refused in maintenance")
	}
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/capture", body: `{"device":"mrzReader","seconds":1}`, cookie: tech}), 202)
	waitCapture(t, f, tech, func(a captureAnswer) bool { return a.Capture != nil && !a.Capture.Running })

	// A supervisor returns it to service: the capture is dropped.
	sup := login(t, f, "tech", signIn("S1"))
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/maintenance", body: off, cookie: sup}), 200)
	if a := getCapture(t, f, tech); a.Locked || a.Capture != nil {
		t.Fatalf("capture kept after the return to service: %+v", a)
	}
	if !strings.Contains(f.log.String(), "ui: raw capture dropped") {
		t.Fatalf("the capture was not dropped at the return to service; log:\n%s", f.log.String())
	}
	if tr := decode[map[string]any](t, f.do(t, req{method: "GET", path: "/api/traveler"})); tr["screen"] != "welcome" {
		t.Fatalf("traveler screen %v after the return to service", tr["screen"])
	}
	got := auditedKinds(f, "console.maintenance")
	if len(got) != 2 || got[0].Account != "T1" || got[0].Role != "technician" || got[0].Console != "tech" || got[0].Source == "" ||
		!strings.HasPrefix(got[0].Detail, "on") || got[1].Account != "S1" || got[1].Role != "supervisor" || !strings.HasPrefix(got[1].Detail, "off") {
		t.Fatalf("audit %+v", got)
	}
}

// The central lock and the local maintenance are separate: returning to
// service leaves a central lock on (and the capture with it).
func TestMaintenanceLeavesTheCentralLock(t *testing.T) {
	f, _ := diagFixture(t)
	tech := login(t, f, "tech", signIn("T1"))
	f.k.Fault("lock")
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/maintenance", body: `{"on":true}`, cookie: tech}), 200)
	if r := f.k.Technician().Reasons; len(r) != 2 {
		t.Fatalf("reasons %v", r)
	}
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/capture", body: `{"device":"camera"}`, cookie: tech}), 200)
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/maintenance", body: `{"on":false}`, cookie: tech}), 200)
	if st := f.k.Technician(); st.State != "locked" || st.Maintenance || len(st.Reasons) != 1 || st.Reasons[0] != "locked" {
		t.Fatalf("after the return to service under a central lock: %+v %v", st.State, st.Reasons)
	}
	if a := getCapture(t, f, tech); !a.Locked || a.Capture == nil {
		t.Fatalf("capture dropped while still locked centrally: %+v", a)
	}
	// And the central unlock does not end a maintenance.
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/maintenance", body: `{"on":true}`, cookie: tech}), 200)
	f.k.Fault("clear")
	if st := f.k.Technician(); st.State != "locked" || !st.Maintenance {
		t.Fatalf("maintenance ended by the unlock: %+v", st)
	}
}

// hangingDiag is a self-test whose checks hang, ignoring ctx, until
// released.
type hangingDiag struct {
	ui.Diagnostics
	release chan struct{}
}

func (h *hangingDiag) SelfTest(ctx context.Context) []ui.SelfTestCheck {
	<-h.release
	return []ui.SelfTestCheck{{Name: "config", Status: "ok"}}
}

// A self-test whose checks hang answers at the limit with a failed check
// saying so, and counts as running (409 for a second one) until its
// checks return; then the next one runs.
func TestSelfTestBoundedEvenIfChecksHang(t *testing.T) {
	h := &hangingDiag{release: make(chan struct{})}
	f := newFixture(t, func(o *ui.Options) {
		ui.SetSelfTestLimit(o, 200*time.Millisecond)
		h.Diagnostics = o.Kiosk.(ui.Diagnostics)
		o.Diagnostics = h
	})
	tech := login(t, f, "tech", signIn("T1"))
	t0 := time.Now()
	w := f.do(t, req{method: "POST", path: "/api/tech/selftest", body: `{}`, cookie: tech})
	wantStatus(t, w, 200)
	res := decode[struct {
		OK     bool               `json:"ok"`
		Checks []ui.SelfTestCheck `json:"checks"`
	}](t, w)
	if el := time.Since(t0); el > 5*time.Second {
		t.Errorf("answered after %v", el)
	}
	if res.OK || len(res.Checks) != 1 || res.Checks[0].Status != "fail" || !strings.Contains(res.Checks[0].Detail, "did not finish") {
		t.Fatalf("a hanging self-test: %+v", res)
	}
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/selftest", body: `{}`, cookie: tech}), 409)
	close(h.release)
	deadline := time.Now().Add(5 * time.Second)
	for {
		w := f.do(t, req{method: "POST", path: "/api/tech/selftest", body: `{}`, cookie: tech})
		if w.Code == 200 {
			if r := decode[struct {
				OK bool `json:"ok"`
			}](t, w); !r.OK {
				t.Errorf("the run after the release: %s", w.Body)
			}
			break
		}
		if w.Code != 409 || time.Now().After(deadline) {
			t.Fatalf("after the release: %d %s", w.Code, w.Body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
