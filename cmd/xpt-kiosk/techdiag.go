package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/config"
	"github.com/xpt-pilot/xpt-kiosk/agent/kiosk"
	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/facecam"
	"github.com/xpt-pilot/xpt-kiosk/drivers/capture"
	"github.com/xpt-pilot/xpt-kiosk/drivers/cardreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/mrzreader"
	"github.com/xpt-pilot/xpt-kiosk/ui"
)

// liveDiag is the technician console's self-test and raw capture in the
// running agent (ui.Diagnostics). It never opens a device the agent
// holds: the self-test's device checks read the live device registry and
// the running drivers, and a raw capture taps the running driver.
type liveDiag struct {
	cfg    *config.Config
	k      *kiosk.Kiosk
	serial map[string]tappable // the serial readers, by name
	order  []string
	face   *facecam.Device
}

// tappable is a running serial reader: its bytes can be tapped, and its
// framing decoded the same way.
type tappable interface {
	drivers.Device
	Tap(fn func(p []byte, now time.Time)) (stop func())
	Stats() drivers.Stats
}

func newLiveDiag(cfg *config.Config, k *kiosk.Kiosk, devs []drivers.Device, f *facecam.Device) *liveDiag {
	l := &liveDiag{cfg: cfg, k: k, serial: map[string]tappable{}, face: f}
	for _, d := range devs {
		switch d.(type) {
		case *mrzreader.Reader, *cardreader.Reader:
			l.serial[d.Name()] = d.(tappable)
			l.order = append(l.order, d.Name())
		}
	}
	return l
}

var _ ui.Diagnostics = (*liveDiag)(nil)

// SelfTest runs the self-test's checks (selftestChecks, the command
// line's list) with the devices' checks taken live.
func (l *liveDiag) SelfTest(ctx context.Context) []ui.SelfTestCheck {
	var out []ui.SelfTestCheck
	for _, c := range selftestChecks(selftestEnv{cfg: l.cfg, live: l.deviceChecks}) {
		out = append(out, ui.SelfTestCheck{Name: c.Name, Status: c.Status, Detail: c.Detail})
		if c.Name == "config" {
			if f, ok := configFileCheck(l.cfg); ok {
				out = append(out, ui.SelfTestCheck{Name: f.Name, Status: f.Status, Detail: f.Detail})
			}
		}
	}
	return out
}

// configFileCheck compares the configuration file with what the agent
// read at start: the running agent's checks are of the configuration in
// force, and a technician who edited the file needs to know whether the
// next start will take it. No check for a configuration that came from no
// file (the demo's).
func configFileCheck(cfg *config.Config) (checkResult, bool) {
	path, sum := cfg.Source()
	if path == "" {
		return checkResult{}, false
	}
	r := checkResult{Name: "config.file"}
	data, err := os.ReadFile(path)
	switch {
	case err != nil:
		r.Status, r.Detail = "fail", fmt.Sprintf("cannot read %s now: %v (the agent runs on with what it read at start; it would not start again)", path, err)
	case sha256.Sum256(data) == sum:
		r.Status, r.Detail = "ok", path+" unchanged since the agent started"
	default:
		if _, err := config.Load(path); err != nil {
			r.Status, r.Detail = "fail", fmt.Sprintf("%s changed since the agent started and no longer loads; the agent runs on as it was, but would not start again: %v", path, err)
		} else {
			r.Status, r.Detail = "warn", path+" changed since the agent started: it loads, and takes effect when the agent restarts"
		}
	}
	return r, true
}

func (l *liveDiag) device(name string) (view.Device, bool) {
	for _, d := range l.k.Technician().Devices {
		if d.Name == name {
			return d, true
		}
	}
	return view.Device{}, false
}

// deviceChecks are a device's self-test checks from its live health.
func (l *liveDiag) deviceChecks(check string) []checkResult {
	name := strings.TrimPrefix(check, "devices.")
	d, ok := l.device(name)
	where := strings.TrimSpace(d.Path + ", " + d.Kind)
	if d.Kind == "" {
		where = d.Path
	}
	one := func(status, format string, a ...any) []checkResult {
		return []checkResult{{Name: check, Status: status, Detail: fmt.Sprintf(format, a...)}}
	}
	switch {
	case !ok || d.State == "disabled":
		if name == "printer" {
			return one("ok", "not configured")
		}
		return one("ok", "disabled")
	case d.Code == "paper_near_end":
		return one("warn", "%s: %s (live)", where, d.Message)
	case d.State != "ok":
		msg := strings.TrimSpace(d.Code + ": " + d.Message)
		return one("fail", "%s: %s, since %s (live: the agent keeps trying and reports when it is back)", where, msg, d.Since.UTC().Format(time.TimeOnly))
	}
	if r, ok := l.serial[name]; ok {
		s := r.Stats()
		return one("ok", "%s: port open (live); since the start %d byte(s), %d frame(s), %d refused, %d fault(s)", where, s.Bytes, s.Frames, s.Rejected(), s.Faults)
	}
	if name == "camera" && l.face != nil {
		return faceChecks(l.face, deviceDesc{kind: d.Kind, path: d.Path})
	}
	return one("ok", "%s: working (live)", where)
}

// CaptureDevices are the running serial readers and the camera.
func (l *liveDiag) CaptureDevices() []ui.CaptureDevice {
	var out []ui.CaptureDevice
	for _, n := range l.order {
		out = append(out, ui.CaptureDevice{Name: n, Kind: "serial", Profile: l.profile(l.serial[n])})
	}
	if l.face != nil {
		out = append(out, ui.CaptureDevice{Name: "camera", Kind: "camera"})
	}
	return out
}

func (l *liveDiag) profile(d tappable) string {
	if p, ok := d.(interface{ Profile() string }); ok {
		return p.Profile()
	}
	return ""
}

// decoder decodes a reader's tapped bytes with the reader's own framing.
func decoderOf(d tappable) (capture.Decoder, error) {
	switch r := d.(type) {
	case *mrzreader.Reader:
		return capture.NewMRZDecoder(r.Framing())
	case *cardreader.Reader:
		return capture.NewCardDecoder(r.Framing())
	}
	return nil, errors.New("not a serial reader")
}

// CaptureSerial taps a running reader for d, or until maxBytes arrived.
func (l *liveDiag) CaptureSerial(ctx context.Context, name string, d time.Duration, maxBytes int, progress func(ui.SerialCapture)) (ui.SerialCapture, error) {
	r, ok := l.serial[name]
	if !ok {
		return ui.SerialCapture{}, fmt.Errorf("no serial reader %q", name)
	}
	dec, err := decoderOf(r)
	if err != nil {
		return ui.SerialCapture{}, err
	}
	profile := l.profile(r)
	rec := capture.NewRecorder(dec, maxBytes, time.Now())
	stop := r.Tap(rec.Feed)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			stop()
			rec.Tick(time.Now())
			return serialCaptureOf(name, profile, rec.Result()), nil
		case now := <-tick.C:
			rec.Tick(now)
			if rec.Full() {
				stop()
				return serialCaptureOf(name, profile, rec.Result()), nil
			}
			progress(serialCaptureOf(name, profile, rec.Result()))
		}
	}
}

// serialCaptureOf is a capture as the console shows it: the bytes in hex
// and as characters (control characters named).
func serialCaptureOf(name, profile string, r capture.Result) ui.SerialCapture {
	out := ui.SerialCapture{Device: name, Profile: profile, ElapsedMs: r.Elapsed.Milliseconds(), Bytes: r.Bytes, Dropped: r.Dropped,
		Truncated: r.Truncated, High: r.High, Blocks: []ui.CaptureBlock{}, Notes: []ui.CaptureNote{},
		Stats: ui.CaptureStats{Frames: r.Stats.Frames, Partial: r.Stats.Partial, Oversize: r.Stats.Oversize, BadCheck: r.Stats.BadCheck,
			Malformed: r.Stats.Malformed, Ignored: r.Stats.Ignored, Skipped: r.Stats.Skipped}}
	for _, b := range r.Blocks {
		blk := ui.CaptureBlock{Offset: b.Offset, AtMs: b.AtMs, Chars: make([]string, len(b.Data))}
		hex := make([]string, len(b.Data))
		for i, c := range b.Data {
			hex[i] = fmt.Sprintf("%02x", c)
			blk.Chars[i] = capture.Glyph(c)
		}
		blk.Hex = strings.Join(hex, " ")
		out.Blocks = append(out.Blocks, blk)
	}
	for _, n := range r.Notes {
		out.Notes = append(out.Notes, ui.CaptureNote{AtMs: n.At.Sub(r.Start).Milliseconds(), Kind: n.Kind, Bytes: n.Bytes, Lines: n.Lines,
			Format: n.Format, Valid: n.Valid, Problem: n.Problem, Tag: n.Tag, RSSI: n.RSSI, Reject: n.Reject, Reason: n.Reason})
	}
	return out
}

// CaptureCamera takes the running camera's current frame (another reader
// of its frames: the agent's capture is not disturbed), with the face
// detector's overlay and its quality figures.
func (l *liveDiag) CaptureCamera(ctx context.Context) (ui.CameraCapture, error) {
	if l.face == nil {
		return ui.CameraCapture{}, errors.New("no camera")
	}
	jpg, q, err := l.face.Snapshot(ctx)
	if err != nil {
		return ui.CameraCapture{}, err
	}
	o := l.face.DetectorOptions()
	f := func(v float64) *float64 { return &v }
	return ui.CameraCapture{JPEG: jpg, Width: q.Width, Height: q.Height, Faces: q.Faces, OK: q.OK, Guidance: string(q.Code),
		Figures: []ui.CameraFigure{
			{Name: "faceRatio", Value: q.FaceRatio, Min: f(o.MinFaceRatio), Max: f(o.MaxFaceRatio)},
			{Name: "offset", Value: q.Offset, Max: f(o.MaxOffset)},
			{Name: "sharpness", Value: q.Sharpness, Min: f(o.MinSharpness)},
			{Name: "brightness", Value: q.Brightness, Min: f(o.MinBrightness), Max: f(o.MaxBrightness)},
			{Name: "contrast", Value: q.Contrast, Min: f(o.MinContrast)},
			{Name: "eyes", Value: float64(len(q.Eyes))},
			{Name: "score", Value: q.Score},
		}}, nil
}
