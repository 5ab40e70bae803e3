package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// selftest watches the camera: no frame is a failure, frames without a face
// (the test pattern) a warning that says travelers would be referred, and a
// face is ok.
func TestSelftestSaysWhetherTheCameraSeesAFace(t *testing.T) {
	dir := t.TempDir()
	faceCam, err := demoCameraTOML(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, camera, status, detail string
	}{
		{"test pattern", "[devices.camera]\nsource = \"test\"\n", "warn", "none with a face"},
		{"face", faceCam, "ok", "a face in"},
		{"missing device", "[devices.camera]\nsource = \"v4l2\"\ndevice = \"/dev/video99\"\n", "fail", "/dev/video99"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfgPath := filepath.Join(dir, "kiosk.toml")
			cfg := testKioskTOML(`[devices.mrzReader]
enabled = false
[devices.cardReader]
enabled = false
` + c.camera)
			if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			_, out, _ := cli("selftest", "--config", cfgPath, "--offline", "--json")
			var res struct {
				Checks []checkResult `json:"checks"`
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			for _, ch := range res.Checks {
				if ch.Name == "camera" {
					if ch.Status != c.status || !strings.Contains(ch.Detail, c.detail) {
						t.Fatalf("camera check %+v, want %s with %q", ch, c.status, c.detail)
					}
					return
				}
			}
			t.Fatalf("no camera check in %s", out)
		})
	}
}

// testKioskTOML is a kiosk configuration's identity and trust, then body.
func testKioskTOML(body string) string {
	return `[kiosk]
id = "yyz-t1-k07"
portCode = "YYZ"
direction = "US>CA"
dataDir = "data"
[trust.keys]
"central-a" = "` + testPub + `"
` + body
}
