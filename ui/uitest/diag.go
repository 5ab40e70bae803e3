package uitest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers/capture"
	"github.com/xpt-pilot/xpt-kiosk/ui"
)

var _ ui.Diagnostics = (*Kiosk)(nil)

// SelfTest implements ui.Diagnostics: a plausible self-test, its device
// checks following the devices' states (a fault injected fails its check).
func (k *Kiosk) SelfTest(ctx context.Context) []ui.SelfTestCheck {
	t := k.Technician()
	k.mu.Lock()
	k.commands = append(k.commands, "selftest")
	k.mu.Unlock()
	out := []ui.SelfTestCheck{
		{Name: "config", Status: "ok", Detail: "/etc/xpt-kiosk/kiosk.toml: kiosk " + t.KioskID + " at " + t.PortCode + ", direction " + t.Direction},
		{Name: "trust", Status: "ok", Detail: "2 trusted central key(s)"},
		{Name: "dataDir", Status: "ok", Detail: "/var/lib/xpt-kiosk writable"},
		{Name: "authz", Status: "ok", Detail: fmt.Sprintf("seq %d, %d records, last sync %s ago", t.Authz.Seq, t.Authz.Records, t.Authz.Staleness)},
		{Name: "audit", Status: "ok", Detail: "4211 entries, chain intact"},
	}
	// The devices the self-test checks (the scanner's spool folder is not one).
	for _, d := range t.Devices {
		name := "devices." + d.Name
		switch d.Name {
		case "camera":
			name = "camera"
		case "scanner":
			continue
		}
		switch d.State {
		case "ok":
			out = append(out, ui.SelfTestCheck{Name: name, Status: "ok", Detail: d.Path + ", " + d.Kind + ": working (live)"})
		case "disabled":
			out = append(out, ui.SelfTestCheck{Name: name, Status: "ok", Detail: "disabled"})
		default:
			out = append(out, ui.SelfTestCheck{Name: name, Status: "fail", Detail: d.Path + ": " + d.Code + ": " + d.Message})
		}
	}
	return append(out,
		ui.SelfTestCheck{Name: "outbox.keyFile", Status: "warn", Detail: "not set: undelivered events (names, document numbers) are kept in clear in the data folder (0700); xpt-kiosk provision storage-key makes a key"},
		ui.SelfTestCheck{Name: "ui", Status: "ok", Detail: "consoles on 127.0.0.1:8080 (loopback only), without TLS"},
		ui.SelfTestCheck{Name: "accounts", Status: "ok", Detail: "/var/lib/xpt-kiosk/accounts.json: 4 officer, 1 technician, 1 supervisor account(s) enabled"},
		ui.SelfTestCheck{Name: "face.verify", Status: "warn", Detail: "face verification: not_supported: no face model configured"},
		ui.SelfTestCheck{Name: "broker", Status: "ok", Detail: t.Broker.URL + " reachable"},
	)
}

// CaptureDevices implements ui.Diagnostics.
func (k *Kiosk) CaptureDevices() []ui.CaptureDevice {
	return []ui.CaptureDevice{
		{Name: "mrzReader", Kind: "serial", Profile: "desko"},
		{Name: "cardReader", Kind: "serial", Profile: "em4100"},
		{Name: "camera", Kind: "camera"},
	}
}

// The fake wire: what each simulated reader "sends" during a capture, and
// when. The MRZ reader sends noise, a frame cut short and the ICAO TD2
// specimen (no real person's data); the card reader a tag.
var fakeWire = map[string][]struct {
	at    time.Duration
	bytes string
}{
	"mrzReader": {
		{150 * time.Millisecond, "\x00\xff\x7f"},
		{300 * time.Millisecond, "\x02I<UTOERIK"},
		{500 * time.Millisecond, "\x1c\x02I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\r"},
		{520 * time.Millisecond, "D231458907UTO7408122F1204159<<<<<<<6\r\x03\x1d"},
	},
	"cardReader": {
		{200 * time.Millisecond, "\x020A1B2C3D4E4E\x03"},
	},
}

// fakeNotes is what the framer makes of the fake wire.
var fakeNotes = map[string][]ui.CaptureNote{
	"mrzReader": {
		{AtMs: 500, Kind: "refused", Bytes: 10, Reject: "partial", Reason: "a new STX before ETX"},
		{AtMs: 520, Kind: "document", Bytes: 76, Format: "TD2", Valid: true,
			Lines: []string{"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"}},
	},
	"cardReader": {{AtMs: 200, Kind: "card", Bytes: 14, Tag: "0A1B2C3D4E"}},
}

// CaptureSerial implements ui.Diagnostics: the fake wire, played at its
// times, cut at d or maxBytes.
func (k *Kiosk) CaptureSerial(ctx context.Context, device string, d time.Duration, maxBytes int, progress func(ui.SerialCapture)) (ui.SerialCapture, error) {
	wire, ok := fakeWire[device]
	if !ok {
		return ui.SerialCapture{}, fmt.Errorf("uitest: no serial device %q", device)
	}
	k.mu.Lock()
	k.commands = append(k.commands, "capture "+device)
	k.mu.Unlock()
	profile := map[string]string{"mrzReader": "desko", "cardReader": "em4100"}[device]
	c := ui.SerialCapture{Device: device, Profile: profile, Blocks: []ui.CaptureBlock{}, Notes: []ui.CaptureNote{}}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for _, w := range wire {
		select {
		case <-ctx.Done():
			c.ElapsedMs = time.Since(start).Milliseconds()
			return c, nil
		case <-time.After(time.Until(start.Add(w.at))):
		}
		b := []byte(w.bytes)
		if room := maxBytes - c.Bytes; len(b) > room {
			c.Dropped += len(b) - room
			c.Truncated = true
			b = b[:room]
		}
		if len(b) > 0 {
			blk := ui.CaptureBlock{Offset: c.Bytes, AtMs: w.at.Milliseconds()}
			var hex []string
			for _, x := range b {
				hex = append(hex, fmt.Sprintf("%02x", x))
				blk.Chars = append(blk.Chars, capture.Glyph(x))
				if x >= 0x80 {
					c.High++
				}
			}
			blk.Hex = strings.Join(hex, " ")
			c.Blocks = append(c.Blocks, blk)
			c.Bytes += len(b)
		}
		for _, n := range fakeNotes[device] {
			if n.AtMs == w.at.Milliseconds() {
				c.Notes = append(c.Notes, n)
				switch n.Kind {
				case "refused":
					c.Stats.Partial++
				default:
					c.Stats.Frames++
				}
			}
		}
		c.ElapsedMs = time.Since(start).Milliseconds()
		progress(c)
	}
	if device == "mrzReader" {
		c.Stats.Skipped = 5
	}
	<-ctx.Done()
	c.ElapsedMs = time.Since(start).Milliseconds()
	return c, nil
}

// CaptureCamera implements ui.Diagnostics: a placeholder head, and
// figures that pass.
func (k *Kiosk) CaptureCamera(ctx context.Context) (ui.CameraCapture, error) {
	k.mu.Lock()
	k.commands = append(k.commands, "capture camera")
	k.mu.Unlock()
	return ui.CameraCapture{JPEG: portrait(7), Width: 240, Height: 300, Faces: 1, OK: true, Guidance: "ok",
		Figures: []ui.CameraFigure{
			{Name: "faceRatio", Value: 0.46, Min: ptr(0.2), Max: ptr(0.8)},
			{Name: "offset", Value: 0.03, Max: ptr(0.15)},
			{Name: "sharpness", Value: 112, Min: ptr(40)},
			{Name: "brightness", Value: 141, Min: ptr(60), Max: ptr(200)},
			{Name: "contrast", Value: 38, Min: ptr(20)},
			{Name: "eyes", Value: 2},
			{Name: "score", Value: 0.912},
		}}, nil
}
