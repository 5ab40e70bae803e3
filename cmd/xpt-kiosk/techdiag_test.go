package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/config"
	"github.com/xpt-pilot/xpt-kiosk/central"
	"github.com/xpt-pilot/xpt-kiosk/internal/demo"
	"github.com/xpt-pilot/xpt-kiosk/ui"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// The technician console's self-test runs the command line's checks in the
// running agent, the devices' live; the raw capture taps the running MRZ
// reader while the kiosk is locked, and sees what the simulator sends.
func TestTechnicianSelfTestAndCapture(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo kiosk")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	k := startTestKiosk(t, ctx, demo.Options{})
	c := k.c
	c.signIn("tech", "T100", "technician-demo-password")

	var st struct {
		OK     bool               `json:"ok"`
		Checks []ui.SelfTestCheck `json:"checks"`
	}
	c.do("POST", "/api/tech/selftest", map[string]any{}, 200, &st)
	byName := map[string]ui.SelfTestCheck{}
	for _, ch := range st.Checks {
		byName[ch.Name] = ch
	}
	for _, name := range []string{"config", "trust", "dataDir", "authz", "audit", "devices.mrzReader", "devices.cardReader", "devices.printer", "camera", "accounts", "broker"} {
		if _, ok := byName[name]; !ok {
			t.Errorf("no %s check in %+v", name, st.Checks)
		}
	}
	if ch := byName["devices.mrzReader"]; ch.Status != "ok" || !strings.Contains(ch.Detail, "(live)") {
		t.Errorf("MRZ reader check %+v", ch)
	}
	if ch := byName["config"]; ch.Status != "ok" || !strings.Contains(ch.Detail, "running configuration") {
		t.Errorf("config check %+v", ch)
	}

	// In service: refused.
	c.do("POST", "/api/tech/capture", map[string]any{"device": "mrzReader", "seconds": 2}, 409, nil)
	// Locked by the central system: allowed.
	cmd, err := central.NewCommand(demo.KioskID, wire.CommandLock, nil, time.Minute, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := central.SendCommand(k.env.Client, k.env.Signer, cmd); err != nil {
		t.Fatal(err)
	}
	var tech struct {
		State string `json:"state"`
	}
	for deadline := time.Now().Add(10 * time.Second); tech.State != "locked"; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("kiosk not locked: %q", tech.State)
		}
		c.get("/api/tech", &tech)
	}
	c.do("POST", "/api/tech/capture", map[string]any{"device": "mrzReader", "seconds": 2}, 202, nil)
	time.Sleep(200 * time.Millisecond)
	if _, err := k.env.MRZSim.Exec("noise 8"); err != nil {
		t.Fatal(err)
	}
	if _, err := k.env.MRZSim.Exec("present 1"); err != nil {
		t.Fatal(err)
	}
	var capt struct {
		Capture struct {
			Running bool              `json:"running"`
			Serial  *ui.SerialCapture `json:"serial"`
		} `json:"capture"`
	}
	for deadline := time.Now().Add(10 * time.Second); capt.Capture.Serial == nil || capt.Capture.Running; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("capture never finished")
		}
		c.get("/api/tech/capture", &capt)
	}
	s := capt.Capture.Serial
	docs := 0
	for _, n := range s.Notes {
		if n.Kind == "document" && len(n.Lines) >= 2 {
			docs++
		}
	}
	if s.Bytes < 8 || docs != 1 || len(s.Blocks) == 0 || s.Profile == "" {
		t.Fatalf("capture %+v", s)
	}
	stopAgent(t, cancel, k.done, &k.logs)
}

// The console's self-test tells a configuration file edited since the
// agent started: unchanged ok, changed and loading a warning (it takes
// effect at the next start), changed and broken or gone a failure (the
// next start would fail); none for a configuration from no file.
func TestConfigFileCheck(t *testing.T) {
	example, err := os.ReadFile("../../configs/kiosk.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kiosk.toml")
	os.WriteFile(path, example, 0o600)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	check := func(want, detail string) {
		t.Helper()
		r, ok := configFileCheck(cfg)
		if !ok || r.Name != "config.file" || r.Status != want || !strings.Contains(r.Detail, detail) {
			t.Errorf("%+v %v, want %s with %q", r, ok, want, detail)
		}
	}
	check("ok", "unchanged")
	os.WriteFile(path, append(append([]byte{}, example...), "\n# edited\n"...), 0o600)
	check("warn", "takes effect when the agent restarts")
	os.WriteFile(path, append(append([]byte{}, example...), "\n[nosuchsection]\nx = 1\n"...), 0o600)
	check("fail", "no longer loads")
	os.Remove(path)
	check("fail", "cannot read")
	parsed, err := config.Parse(example)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := configFileCheck(parsed); ok {
		t.Errorf("a configuration from no file checked: %+v", r)
	}
}
