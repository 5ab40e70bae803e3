package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers/sim"
)

func devRun(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := dispatch(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestDevicesList(t *testing.T) {
	code, out, errs := devRun("devices", "list", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var v struct {
		SerialPorts  []map[string]any `json:"serialPorts"`
		VideoDevices []map[string]any `json:"videoDevices"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.SerialPorts == nil || v.VideoDevices == nil {
		t.Fatalf("%v: %s", err, out)
	}
	if code, out, _ := devRun("devices", "list"); code != exitOK || !strings.Contains(out, "Serial ports:") || !strings.Contains(out, "Video devices:") {
		t.Fatalf("exit %d: %s", code, out)
	}
}

func TestDevicesUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"devices", "read", "--port", "/dev/null"}, exitUsage, "--profile is required"},
		{[]string{"devices", "read", "--port", "/dev/null", "--profile", "acme"}, exitUsage, "unknown (MRZ readers: desko"},
		{[]string{"devices", "read", "--port", "/dev/null", "--profile", "desko", "--kind", "card"}, exitUsage, "does not fit"},
		{[]string{"devices", "read", "--profile", "desko"}, exitUsage, "give --port"},
		{[]string{"devices", "read", "--port", "/nonexistent/ttyUSB9", "--profile", "em4100"}, exitFail, "cannot open /nonexistent/ttyUSB9 (not_found): no such device"},
		{[]string{"devices", "capture", "--port", "/nonexistent/ttyUSB9"}, exitFail, "plugged in and powered"},
		{[]string{"devices", "capture", "--port", "/dev/x", "--profile", "acme"}, exitUsage, "unknown"},
		{[]string{"devices", "capture", "--usb", "ftdi"}, exitUsage, "--usb: \"ftdi\" is not VID:PID"},
	}
	for _, c := range cases {
		code, _, errs := devRun(c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.want)
		}
	}
	for _, sub := range []string{"list", "capture", "read"} {
		if code, out, _ := devRun("devices", sub, "--help"); code != exitOK || !strings.Contains(out, "Usage: xpt-kiosk devices "+sub) {
			t.Errorf("devices %s --help: exit %d %q", sub, code, out)
		}
	}
}

// TestDevicesRead reads a document and a card from simulators on real
// pseudo-terminals, as a technician would.
func TestDevicesRead(t *testing.T) {
	ms, err := sim.New(sim.Options{Kind: sim.KindMRZ, Profile: "desko", Baud: 115200})
	if err != nil {
		t.Fatal(err)
	}
	defer ms.Close()
	type result struct {
		code     int
		out, err string
	}
	done := make(chan result)
	go func() {
		c, o, e := devRun("devices", "read", "--port", ms.Path(), "--profile", "desko", "--kind", "mrz", "--timeout", "5s", "--today", "2010-06-01")
		done <- result{c, o, e}
	}()
	present := func(s *sim.Sim, f func() error) result {
		for {
			select {
			case r := <-done:
				return r
			case <-time.After(100 * time.Millisecond):
				if err := f(); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	r := present(ms, func() error { _, err := ms.PresentDocument(sim.Specimens[0], sim.Faults{Noise: true}); return err })
	if r.code != exitOK {
		t.Fatalf("exit %d: %s %s", r.code, r.out, r.err)
	}
	var doc struct {
		Device, Profile string
		Lines           []string
		MRZ             struct {
			Format         string
			Valid          bool
			DocumentNumber string
		}
	}
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatalf("%v: %s", err, r.out)
	}
	if doc.Profile != "desko" || len(doc.Lines) != 2 || doc.MRZ.Format != "TD3" || !doc.MRZ.Valid || doc.MRZ.DocumentNumber != "L898902C3" {
		t.Fatalf("%+v", doc)
	}
	if !strings.Contains(r.out, "P<UTO") {
		t.Errorf("fillers escaped in the JSON: %s", r.out)
	}

	cs, err := sim.New(sim.Options{Kind: sim.KindCard, Profile: "uhf-m100", Link: filepath.Join(t.TempDir(), "card")})
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	go func() {
		c, o, e := devRun("devices", "read", "--port", cs.Path(), "--profile", "uhf-m100", "--timeout", "5s")
		done <- result{c, o, e}
	}()
	r = present(cs, func() error { return cs.PresentCard("E2801170AABB", 50*time.Millisecond, sim.Faults{}) })
	if r.code != exitOK || !strings.Contains(r.out, `"tag":"E2801170AABB"`) || !strings.Contains(r.out, `"rssi":-55`) {
		t.Fatalf("exit %d: %s %s", r.code, r.out, r.err)
	}
}

func TestDevicesReadTimeout(t *testing.T) {
	s, err := sim.New(sim.Options{Kind: sim.KindMRZ, Profile: "3m"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Send([]byte("\xf0\x80\xfe garbage at the wrong baud rate"))
	code, _, errs := devRun("devices", "read", "--port", s.Path(), "--profile", "3m", "--timeout", "300ms")
	if code != exitFail || !strings.Contains(errs, "no document within 300ms") || !strings.Contains(errs, "devices capture --port "+s.Path()) {
		t.Fatalf("exit %d: %s", code, errs)
	}
}

func TestDevicesCapture(t *testing.T) {
	s, err := sim.New(sim.Options{Kind: sim.KindCard, Profile: "em4100"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	save := filepath.Join(t.TempDir(), "trace.bin")
	go func() {
		time.Sleep(200 * time.Millisecond)
		s.Exec("card 0A1B2C3D4F 50ms +badsum")
		s.Exec("card 0A1B2C3D4F 50ms")
	}()
	code, out, errs := devRun("devices", "capture", "--port", s.Path(), "--profile", "em4100", "--frames", "1", "--duration", "5s", "--save", save)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"capturing " + s.Path(), "02 30 41 31", "refused 14 byte(s): bad_check", "frame end: card tag 0A1B2C3D4F", "frames 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("capture output lacks %q:\n%s", want, out)
		}
	}
	if b, _ := os.ReadFile(save); !bytes.Contains(b, []byte("\x020A1B2C3D4F")) {
		t.Errorf("saved trace %q", b)
	}
}

func TestDevicesCaptureAuto(t *testing.T) {
	for _, c := range []struct{ kind, profile, cmd string }{
		{sim.KindMRZ, "desko", "present 1"}, {sim.KindMRZ, "3m", "present 2"}, {sim.KindMRZ, "lines", "present 3"},
		{sim.KindCard, "em4100", "card 300ms"}, {sim.KindCard, "uhf-m100", "card 300ms"}, {sim.KindCard, "ascii", "card"},
	} {
		t.Run(c.profile, func(t *testing.T) {
			t.Parallel()
			s, err := sim.New(sim.Options{Kind: c.kind, Profile: c.profile})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			go func() {
				time.Sleep(200 * time.Millisecond)
				s.Exec(c.cmd)
			}()
			code, out, errs := devRun("devices", "capture", "--port", s.Path(), "--profile", "auto", "--duration", "1200ms")
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			for _, want := range []string{"[" + c.profile + "] ==== frame end: ", "profile " + c.profile + " fits best"} {
				if !strings.Contains(out, want) {
					t.Errorf("capture output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}
