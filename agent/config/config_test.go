package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestExampleConfigsParse(t *testing.T) {
	files, _ := filepath.Glob("../../configs/*.toml")
	if len(files) == 0 {
		t.Fatal("no example configuration in configs/")
	}
	for _, f := range files {
		if _, err := Load(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

const minimal = `
[kiosk]
id = "yyz-t1-k07"
portCode = "YYZ"
direction = "US>CA"
[trust.keys]
"central-2026-a" = "Dr9YJ9Jg1ubd4B3Xy5Nv8nSWl8J7nC2ETTzQ3lmBq3s="
` + cameraSection + `[devices.mrzReader]
port = "/dev/ttyUSB0"
[devices.cardReader]
port = "/dev/ttyUSB1"
`

const cameraSection = `[devices.camera]
source = "v4l2"
device = "/dev/video0"
`

func TestDefaults(t *testing.T) {
	c, err := Parse([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if c.MQTT.KeepAlive.Seconds() != 30 || c.Devices.MRZReader.Profile != "desko" || c.Devices.MRZReader.Baud != 9600 {
		t.Fatalf("defaults not applied: %+v", c)
	}
	if c.Devices.Scanner.On() || !c.Devices.MRZReader.On() {
		t.Fatal("wrong device enablement defaults")
	}
}

// A configuration without a camera is an error that says what to write,
// never a test pattern that refers every traveler.
func TestNoCameraSectionIsAnError(t *testing.T) {
	noCamera := strings.Replace(minimal, cameraSection, "", 1)
	_, err := Parse([]byte(noCamera))
	if err == nil || !strings.Contains(err.Error(), "devices.camera.source: no camera is configured") ||
		!strings.Contains(err.Error(), "enabled = false") {
		t.Fatalf("err %v", err)
	}
	c, err := Parse([]byte(strings.Replace(minimal, cameraSection, "[devices.camera]\nenabled = false\n", 1)))
	if err != nil || c.Devices.Camera.On() {
		t.Fatalf("a kiosk without a camera: %v", err)
	}
}

func TestEveryProblemAtOnceWithFieldPaths(t *testing.T) {
	bad := strings.NewReplacer(`id = "yyz-t1-k07"`, `id = "YYZ T1"`, `direction = "US>CA"`, `direction = "north"`).Replace(minimal) +
		"[policy]\nrandomReferal = 0.1\nmaxStaleness = \"soon\"\n"
	_, err := Parse([]byte(bad))
	if err == nil {
		t.Fatal("bad config accepted")
	}
	msg := err.Error()
	// A bad duration is a decode error, reported alone with its line.
	if !strings.Contains(msg, "soon") {
		t.Fatalf("duration error not reported: %s", msg)
	}
	bad = strings.Replace(bad, `maxStaleness = "soon"`, ``, 1)
	_, err = Parse([]byte(bad))
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("want Errors, got %v", err)
	}
	msg = err.Error()
	for _, want := range []string{"kiosk.id", "kiosk.direction", "policy.randomReferal: unknown key (did you mean policy.randomReferralRate?)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
}

func TestSerialValidation(t *testing.T) {
	src := minimal + "baud = 12345\nprofile = \"acme\"\nusb = \"zz\"\n"
	_, err := Parse([]byte(src))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"devices.cardReader.baud", "devices.cardReader.profile", "devices.cardReader.usb"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %s in %v", want, err)
		}
	}
}
