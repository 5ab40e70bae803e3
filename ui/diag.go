package ui

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Diagnostics is what the technician console's self-test and raw capture
// ask of the running agent (Options.Diagnostics); nil: the console offers
// neither. The agent must not open a device it holds: device checks read
// the live device registry and the running drivers, and a raw capture taps
// the running driver.
type Diagnostics interface {
	// SelfTest runs the self-test's checks (the same list as
	// `xpt-kiosk selftest`) and returns them in order.
	SelfTest(ctx context.Context) []SelfTestCheck
	// CaptureDevices lists the devices whose raw input can be captured.
	CaptureDevices() []CaptureDevice
	// CaptureSerial records what arrives from a serial device for d, or
	// until maxBytes arrived, whichever is first (or ctx ends), calling
	// progress with the capture so far now and then, and returns it.
	CaptureSerial(ctx context.Context, device string, d time.Duration, maxBytes int, progress func(SerialCapture)) (SerialCapture, error)
	// CaptureCamera takes the camera's current frame with the face
	// detector's overlay, and the quality figures of that frame.
	CaptureCamera(ctx context.Context) (CameraCapture, error)
}

// SelfTestCheck is one check of the self-test.
type SelfTestCheck struct {
	Name   string `json:"name"`
	Status string `json:"status"` // ok | warn | fail
	Detail string `json:"detail"` // in English, no personal data
}

// CaptureDevice is a device the raw capture offers.
type CaptureDevice struct {
	Name    string `json:"name"`              // mrzReader, cardReader, camera
	Kind    string `json:"kind"`              // serial | camera
	Profile string `json:"profile,omitempty"` // the serial reader's framing profile
}

// SerialCapture is a serial device's raw input and what its framer made
// of it. It holds personal data: kept in memory, for its technician only.
type SerialCapture struct {
	Device    string         `json:"device"`
	Profile   string         `json:"profile"`
	ElapsedMs int64          `json:"elapsedMs"`
	Bytes     int            `json:"bytes"`
	Dropped   int            `json:"dropped"`   // arrived past the byte limit
	Truncated bool           `json:"truncated"` // the byte limit was reached
	High      int            `json:"high"`      // bytes above 0x7F
	Blocks    []CaptureBlock `json:"blocks"`
	Notes     []CaptureNote  `json:"notes"`
	Stats     CaptureStats   `json:"stats"`
}

// CaptureBlock is what one read returned.
type CaptureBlock struct {
	Offset int    `json:"offset"`
	AtMs   int64  `json:"atMs"` // from the start of the capture
	Hex    string `json:"hex"`  // "02 49 3c …"
	// Chars are the bytes as characters: printable ASCII as itself, a
	// control character by its name (STX, CR), "" above 0x7F.
	Chars []string `json:"chars"`
}

// CaptureNote is what the framer made of some bytes.
type CaptureNote struct {
	AtMs    int64    `json:"atMs"`
	Kind    string   `json:"kind"` // document | card | refused
	Bytes   int      `json:"bytes"`
	Lines   []string `json:"lines,omitempty"`
	Format  string   `json:"format,omitempty"`
	Valid   bool     `json:"valid,omitempty"`
	Problem string   `json:"problem,omitempty"`
	Tag     string   `json:"tag,omitempty"`
	RSSI    int      `json:"rssi,omitempty"`
	Reject  string   `json:"reject,omitempty"` // partial | oversize | bad_check | malformed
	Reason  string   `json:"reason,omitempty"`
}

// CaptureStats are the framer's counters over the capture.
type CaptureStats struct {
	Frames    uint64 `json:"frames"`
	Partial   uint64 `json:"partial"`
	Oversize  uint64 `json:"oversize"`
	BadCheck  uint64 `json:"badCheck"`
	Malformed uint64 `json:"malformed"`
	Ignored   uint64 `json:"ignored"`
	Skipped   uint64 `json:"skipped"` // bytes outside any frame
}

// CameraCapture is the camera's current frame and its quality figures.
type CameraCapture struct {
	JPEG     []byte         `json:"-"`
	Width    int            `json:"width"`
	Height   int            `json:"height"`
	Faces    int            `json:"faces"`
	OK       bool           `json:"ok"`       // the frame passes every quality rule
	Guidance string         `json:"guidance"` // the guidance code a traveler would see
	Figures  []CameraFigure `json:"figures"`
}

// CameraFigure is one quality figure and the range the rules want.
type CameraFigure struct {
	Name  string   `json:"name"` // faceRatio, offset, sharpness, brightness, contrast, eyes, score
	Value float64  `json:"value"`
	Min   *float64 `json:"min,omitempty"`
	Max   *float64 `json:"max,omitempty"`
}

// The raw capture's limits.
const (
	// MaxCaptureSeconds bounds a serial capture's duration.
	MaxCaptureSeconds = 60
	// DefaultCaptureSeconds is a capture's duration when none is asked.
	DefaultCaptureSeconds = 10
	// MaxCaptureBytes bounds what a serial capture keeps.
	MaxCaptureBytes = 64 << 10
	// CaptureKeep is how long a finished capture is kept at most, however
	// long its session lasts.
	CaptureKeep = 15 * time.Minute
	// selfTestTimeout bounds one self-test run.
	selfTestTimeout = 30 * time.Second
)

// selfTestLimit is how long one self-test run may take.
func (s *server) selfTestLimit() time.Duration {
	if s.selfTestMax > 0 {
		return s.selfTestMax
	}
	return selfTestTimeout
}

// captureWatch is how often a kept capture checks that its session goes
// on and the kiosk is still locked (Options.captureWatch when set).
const captureWatch = 250 * time.Millisecond

// diag is the console's side of the self-test and the raw capture: at
// most one self-test at a time, and one capture kept on the whole kiosk,
// for the session that made it.
type diag struct {
	mu       sync.Mutex
	selftest bool // running
	cur      *captureSlot
}

type captureSlot struct {
	owner     *session
	user      string
	device    string
	kind      string
	seconds   int
	startedAt time.Time
	running   bool
	serial    *SerialCapture
	camera    *CameraCapture
	err       string
	cancel    context.CancelFunc
}

// captureJSON is a capture as the console sees it.
type captureJSON struct {
	Device    string         `json:"device"`
	Kind      string         `json:"kind"`
	By        string         `json:"by"`
	Seconds   int            `json:"seconds,omitempty"`
	StartedAt time.Time      `json:"startedAt"`
	EndsAt    time.Time      `json:"endsAt,omitzero"`
	Running   bool           `json:"running"`
	Error     string         `json:"error,omitempty"`
	Serial    *SerialCapture `json:"serial,omitempty"`
	Camera    *cameraJSON    `json:"camera,omitempty"`
}

type cameraJSON struct {
	CameraCapture
	Image string `json:"image"`
}

type captureState struct {
	Locked     bool            `json:"locked"`
	Devices    []CaptureDevice `json:"devices"`
	MaxSeconds int             `json:"maxSeconds"`
	MaxBytes   int             `json:"maxBytes"`
	Capture    *captureJSON    `json:"capture"`
	// Busy: another technician's capture is running.
	Busy bool `json:"busy,omitempty"`
}

func (c *captureSlot) view() *captureJSON {
	out := &captureJSON{Device: c.device, Kind: c.kind, By: c.user, Seconds: c.seconds, StartedAt: c.startedAt,
		Running: c.running, Error: c.err, Serial: c.serial}
	if c.kind == "serial" {
		out.EndsAt = c.startedAt.Add(time.Duration(c.seconds) * time.Second)
	}
	if c.camera != nil {
		out.Camera = &cameraJSON{CameraCapture: *c.camera, Image: fmt.Sprintf("/api/tech/capture/frame.jpg?at=%d", c.startedAt.UnixMilli())}
	}
	return out
}

// locked says whether the kiosk is out of service: locked by the central
// system, or taken out of service by a technician (maintenance). It is
// the only time raw input may be shown to a technician.
func (s *server) locked() bool {
	t := s.k.Technician()
	return t.State == "locked" || t.Maintenance
}

func (s *server) needDiag(w http.ResponseWriter) bool {
	if s.diagnostics == nil {
		writeError(w, http.StatusNotFound, "no self-test or raw capture on this kiosk")
		return false
	}
	return true
}

// auditTech reports a technician's action for the audit log, with who did it.
func (s *server) auditTech(r *http.Request, kind, detail string) {
	c := callerFrom(r)
	a := Access{Kind: kind, Console: roleTechnician.Name, Account: c.user, Source: source(r), Detail: detail}
	if c.sess != nil {
		a.Role = string(c.sess.role)
	}
	s.audit(a)
}

// techSelfTest runs the self-test in the running agent.
func (s *server) techSelfTest(w http.ResponseWriter, r *http.Request) {
	if !s.needDiag(w) {
		return
	}
	var req struct{}
	if !readJSON(w, r, &req) {
		return
	}
	s.diag.mu.Lock()
	if s.diag.selftest {
		s.diag.mu.Unlock()
		writeError(w, http.StatusConflict, "a self-test is already running")
		return
	}
	s.diag.selftest = true
	s.diag.mu.Unlock()
	// The run is bounded here, whatever the checks do with ctx: past the
	// limit the console gets an answer at once, and the run still counts
	// as running (no second one beside it) until its checks return.
	ctx, cancel := context.WithTimeout(r.Context(), s.selfTestLimit())
	start := time.Now()
	done := make(chan []SelfTestCheck, 1)
	go func() {
		defer func() {
			cancel()
			s.diag.mu.Lock()
			s.diag.selftest = false
			s.diag.mu.Unlock()
		}()
		done <- s.diagnostics.SelfTest(ctx)
	}()
	var checks []SelfTestCheck
	select {
	case checks = <-done:
	case <-ctx.Done():
		select {
		case checks = <-done: // finished as the limit came
		default:
			s.log.Warn("ui: self-test did not finish in time", "limit", s.selfTestLimit())
			checks = []SelfTestCheck{{Name: "selftest", Status: "fail", Detail: fmt.Sprintf(
				"did not finish in %v: a check is hanging (it goes on in the background; run `xpt-kiosk selftest` on the kiosk to see which)",
				s.selfTestLimit())}}
		}
	}
	if checks == nil {
		checks = []SelfTestCheck{}
	}
	n := map[string]int{}
	for _, c := range checks {
		n[c.Status]++
	}
	summary := fmt.Sprintf("%d ok, %d warn, %d fail", n["ok"], n["warn"], n["fail"])
	s.log.Info("ui: self-test run", "user", callerFrom(r).user, "result", summary)
	s.auditTech(r, "console.selftest", summary)
	writeJSON(w, http.StatusOK, map[string]any{"at": start, "ok": n["fail"] == 0, "by": callerFrom(r).user,
		"elapsedMs": time.Since(start).Milliseconds(), "checks": checks})
}

// techCaptureGet answers the capture panel: whether the kiosk is locked,
// the devices, and this session's capture. When the kiosk is not locked
// any capture kept is dropped first.
func (s *server) techCaptureGet(w http.ResponseWriter, r *http.Request) {
	if !s.needDiag(w) {
		return
	}
	writeJSON(w, http.StatusOK, s.captureState(r))
}

func (s *server) captureState(r *http.Request) captureState {
	st := captureState{Locked: s.locked(), Devices: s.diagnostics.CaptureDevices(), MaxSeconds: MaxCaptureSeconds, MaxBytes: MaxCaptureBytes}
	if st.Devices == nil {
		st.Devices = []CaptureDevice{}
	}
	if !st.Locked {
		s.dropCapture(nil, "the kiosk is not locked")
	}
	me := callerFrom(r).sess
	s.diag.mu.Lock()
	defer s.diag.mu.Unlock()
	if c := s.diag.cur; c != nil {
		if me != nil && c.owner == me {
			st.Capture = c.view()
		} else if c.running {
			st.Busy = true
		}
	}
	return st
}

// dropCapture forgets the capture kept (only owner's, unless nil).
func (s *server) dropCapture(owner *session, why string) {
	s.dropWhere(func(c *captureSlot) bool { return owner == nil || c.owner == owner }, why)
}

// dropSlot forgets this capture, if it is still the one kept.
func (s *server) dropSlot(slot *captureSlot, why string) {
	s.dropWhere(func(c *captureSlot) bool { return c == slot }, why)
}

func (s *server) dropWhere(match func(*captureSlot) bool, why string) {
	s.diag.mu.Lock()
	c := s.diag.cur
	if c == nil || !match(c) {
		s.diag.mu.Unlock()
		return
	}
	s.diag.cur = nil
	s.diag.mu.Unlock()
	c.cancel()
	s.log.Info("ui: raw capture dropped", "user", c.user, "device", c.device, "why", why)
}

type captureRequest struct {
	Device  string `json:"device"`
	Seconds int    `json:"seconds"`
}

// techCaptureStart starts a raw capture: a serial device's next seconds,
// or the camera's current frame. Only a signed-in person (the capture
// belongs to a session and ends with it), only while the kiosk is locked.
func (s *server) techCaptureStart(w http.ResponseWriter, r *http.Request) {
	if !s.needDiag(w) {
		return
	}
	var req captureRequest
	if !readJSON(w, r, &req) {
		return
	}
	c := callerFrom(r)
	if c.sess == nil {
		writeError(w, http.StatusForbidden, "a raw capture belongs to a person's session: sign in with your own account")
		return
	}
	devs := s.diagnostics.CaptureDevices()
	i := slices.IndexFunc(devs, func(d CaptureDevice) bool { return d.Name == req.Device })
	if i < 0 {
		writeError(w, http.StatusBadRequest, "device: one of the devices the capture offers")
		return
	}
	dev := devs[i]
	if req.Seconds == 0 {
		req.Seconds = DefaultCaptureSeconds
	}
	if dev.Kind == "serial" && (req.Seconds < 1 || req.Seconds > MaxCaptureSeconds) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("seconds: 1 to %d", MaxCaptureSeconds))
		return
	}
	if !s.locked() {
		s.log.Warn("ui: raw capture refused: the kiosk is not locked", "user", c.user, "device", dev.Name)
		s.auditTech(r, "console.capture-refused", dev.Name+": the kiosk is not locked")
		writeJSON(w, http.StatusConflict, map[string]any{"error": "raw capture only while the kiosk is locked for maintenance", "locked": false})
		return
	}
	s.diag.mu.Lock()
	if cur := s.diag.cur; cur != nil && cur.running {
		s.diag.mu.Unlock()
		msg := "a capture is running"
		if cur.owner != c.sess {
			msg = "another technician's capture is running"
		}
		writeError(w, http.StatusConflict, msg)
		return
	}
	old := s.diag.cur
	ctx, cancel := context.WithCancel(context.Background())
	slot := &captureSlot{owner: c.sess, user: c.user, device: dev.Name, kind: dev.Kind, startedAt: time.Now(), running: true, cancel: cancel}
	if dev.Kind == "serial" {
		slot.seconds = req.Seconds
	}
	s.diag.cur = slot
	s.diag.mu.Unlock()
	if old != nil {
		old.cancel()
	}
	detail := dev.Name + ": the current frame"
	if dev.Kind == "serial" {
		detail = fmt.Sprintf("%s: %d s, at most %d bytes", dev.Name, req.Seconds, MaxCaptureBytes)
	}
	s.log.Info("ui: raw capture", "user", c.user, "device", dev.Name, "seconds", slot.seconds)
	s.auditTech(r, "console.capture", detail)
	go s.watchCapture(ctx, slot)

	if dev.Kind == "camera" {
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		cam, err := s.diagnostics.CaptureCamera(cctx)
		ccancel()
		s.diag.mu.Lock()
		slot.running = false
		if err != nil {
			slot.err = err.Error()
		} else {
			slot.camera = &cam
		}
		s.diag.mu.Unlock()
		writeJSON(w, http.StatusOK, s.captureState(r))
		return
	}
	go func() {
		sctx, scancel := context.WithTimeout(ctx, time.Duration(req.Seconds)*time.Second+2*time.Second)
		defer scancel()
		res, err := s.diagnostics.CaptureSerial(sctx, dev.Name, time.Duration(req.Seconds)*time.Second, MaxCaptureBytes,
			func(p SerialCapture) {
				s.diag.mu.Lock()
				if s.diag.cur == slot {
					slot.serial = &p
				}
				s.diag.mu.Unlock()
			})
		s.diag.mu.Lock()
		defer s.diag.mu.Unlock()
		if s.diag.cur != slot {
			return
		}
		slot.running = false
		slot.serial = &res
		if err != nil && ctx.Err() == nil {
			slot.err = err.Error()
		}
	}()
	writeJSON(w, http.StatusAccepted, s.captureState(r))
}

// watchCapture drops a capture when its session ends (sign-out, idle
// lock, lifetime, account changed), when the kiosk is unlocked, or after
// CaptureKeep, whichever comes first.
func (s *server) watchCapture(ctx context.Context, slot *captureSlot) {
	t := time.NewTicker(s.captureWatch)
	defer t.Stop()
	keep := time.NewTimer(CaptureKeep)
	defer keep.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-keep.C:
			s.dropSlot(slot, "kept long enough")
			return
		case <-t.C:
			if !s.tech.alive(slot.owner) {
				s.dropSlot(slot, "the session ended")
				return
			}
			if !s.locked() {
				s.dropSlot(slot, "the kiosk is not locked")
				return
			}
		}
	}
}

// techCaptureClear drops this session's capture.
func (s *server) techCaptureClear(w http.ResponseWriter, r *http.Request) {
	if !s.needDiag(w) {
		return
	}
	var req struct{}
	if !readJSON(w, r, &req) {
		return
	}
	if me := callerFrom(r).sess; me != nil {
		s.dropCapture(me, "cleared")
	}
	w.WriteHeader(http.StatusNoContent)
}

// techCaptureFrame serves this session's camera frame, while the kiosk is
// locked.
func (s *server) techCaptureFrame(w http.ResponseWriter, r *http.Request) {
	if !s.needDiag(w) {
		return
	}
	if !s.locked() {
		s.dropCapture(nil, "the kiosk is not locked")
		writeError(w, http.StatusConflict, "raw capture only while the kiosk is locked for maintenance")
		return
	}
	me := callerFrom(r).sess
	s.diag.mu.Lock()
	var jpg []byte
	if c := s.diag.cur; c != nil && me != nil && c.owner == me && c.camera != nil {
		jpg = c.camera.JPEG
	}
	s.diag.mu.Unlock()
	if len(jpg) == 0 {
		writeError(w, http.StatusNotFound, "no camera frame captured")
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Write(jpg)
}
