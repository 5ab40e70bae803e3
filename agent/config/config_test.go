package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
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

// The camera section is the driver's configuration: its problems come
// from the driver's Validate, each on its own key, all at once; a key the
// driver has but that is no configuration key (its name) is unknown.
func TestCameraSectionIsTheDriversConfig(t *testing.T) {
	bad := strings.Replace(minimal, cameraSection, "[devices.camera]\nsource = \"file\"\nwidth = 100\nheight = 9000\nfps = 120\n", 1)
	_, err := Parse([]byte(bad))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"devices.camera.files: the file source needs", "devices.camera.width: 100 is out of range",
		"devices.camera.height: 9000 is out of range", "devices.camera.fps: 120 is out of range"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("no %q in %v", want, err)
		}
	}
	if _, err := Parse([]byte(strings.Replace(minimal, cameraSection, cameraSection+"name = \"cam0\"\n", 1))); err == nil ||
		!strings.Contains(err.Error(), "devices.camera.name") {
		t.Errorf("the driver's Name taken as a key: %v", err)
	}
	c, err := Parse([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if cam := c.Devices.Camera.Config; cam.Width != 640 || cam.Height != 480 || cam.FPS != 15 || cam.Device != "/dev/video0" {
		t.Errorf("camera defaults: %+v", cam)
	}
}

func TestEveryProblemAtOnceWithFieldPaths(t *testing.T) {
	bad := strings.NewReplacer(`id = "yyz-t1-k07"`, `id = "YYZ T1"`, `direction = "US>CA"`, `direction = "north"`).Replace(minimal) +
		"[policy]\nrandomReferal = 0.1\nmaxStaleness = \"soon\"\n"
	_, err := Parse([]byte(bad))
	if err == nil {
		t.Fatal("bad config accepted")
	}
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("want Errors, got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"kiosk.id", "kiosk.direction", "policy.randomReferal: unknown key (did you mean policy.randomReferralRate?)",
		`policy.maxStaleness: "soon" is not a duration`} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
}

// Values of the wrong type are all reported, in the project's format with
// their paths, together with the unknown keys and the invalid values.
func TestEveryTypeErrorAtOnce(t *testing.T) {
	bad := strings.Replace(minimal, `port = "/dev/ttyUSB0"`, "port = 7\nbaud = \"fast\"\nbcc = \"yes\"\nframeTimeout = 500", 1) +
		"[policy]\nrandomReferralRate = \"2%\"\nmaxStaleness = \"soon\"\nrequireCard = 1\n" +
		"[ui]\nlisten = [\"a\"]\nlistn = \"x\"\n[outbox]\nmaxEvents = -1\n"
	_, err := Parse([]byte(bad))
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("want Errors, got %v", err)
	}
	want := []string{
		`devices.mrzReader.baud: "fast" is a string, want a whole number`,
		`devices.mrzReader.bcc: "yes" is a string, want true or false`,
		`devices.mrzReader.frameTimeout: 500 is a number, want a duration in quotes`,
		`devices.mrzReader.port: 7 is a number, want a string in quotes`,
		`policy.maxStaleness: "soon" is not a duration`,
		`policy.randomReferralRate: "2%" is a string, want a number`,
		`policy.requireCard: 1 is a number, want true or false`,
		`ui.listen: a list, want a string in quotes`,
		`ui.listn: unknown key (did you mean ui.listen?)`,
		`outbox.maxEvents`,
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("missing %q in:\n%s", w, msg)
		}
	}
	// The dropped values' defaults raise nothing more: one problem each.
	if strings.Count(msg, "devices.mrzReader.port") != 1 {
		t.Errorf("devices.mrzReader.port reported more than once:\n%s", msg)
	}
	if strings.Contains(msg, "toml:") {
		t.Errorf("the TOML library's own format leaked:\n%s", msg)
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

func TestUISection(t *testing.T) {
	_, err := Parse([]byte(minimal + `[ui]
officerToken = "x"
technicianToken = "short token here"
certFile = "ui.pem"
allowedHosts = ["kiosk-07.yyz.example", "http://evil.example", "10.0.0.1:8080", "10.0.0.1", "::1"]
`))
	if err == nil {
		t.Fatal("accepted")
	}
	msg := err.Error()
	for _, want := range []string{
		"ui.officerToken: too short: 1 characters, at least 16",
		"ui.technicianToken: must not hold spaces",
		"ui.certFile: TLS needs both certFile and keyFile",
		`ui.allowedHosts[1]: "http://evil.example" must be a host name`,
		`ui.allowedHosts[2]: "10.0.0.1:8080"`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "allowedHosts[0]") || strings.Contains(msg, "allowedHosts[3]") || strings.Contains(msg, "allowedHosts[4]") {
		t.Errorf("a good host refused:\n%s", msg)
	}
	_, err = Parse([]byte(minimal + "[ui]\nofficerToken = \"same-token-0123456789\"\ntechnicianToken = \"same-token-0123456789\"\n"))
	if err == nil || !strings.Contains(err.Error(), "ui.technicianToken: must differ") {
		t.Errorf("the same token twice: %v", err)
	}

	c, err := Parse([]byte(minimal + "[ui]\nofficerToken = \"officer-0123456789\"\ntechnicianToken = \"tech-0123456789ab\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.UI.TLS() || !c.UI.ListenLoopback() || !slices.Equal(c.UI.Hosts(), []string{"localhost", "127.0.0.1", "::1"}) {
		t.Errorf("defaults: TLS %v loopback %v hosts %q", c.UI.TLS(), c.UI.ListenLoopback(), c.UI.Hosts())
	}
	for listen, want := range map[string][]string{
		"10.1.2.3:8080":         {"localhost", "127.0.0.1", "::1", "10.1.2.3"},
		"Kiosk-07.example:8443": {"localhost", "127.0.0.1", "::1", "kiosk-07.example"},
		"0.0.0.0:8080":          {"localhost", "127.0.0.1", "::1"},
		"[::]:8080":             {"localhost", "127.0.0.1", "::1"},
		":8080":                 {"localhost", "127.0.0.1", "::1"},
		"localhost:8080":        {"localhost", "127.0.0.1", "::1"},
	} {
		u := UI{Listen: listen}
		if got := u.Hosts(); !slices.Equal(got, want) {
			t.Errorf("listen %s: hosts %q, want %q", listen, got, want)
		}
		if u.ListenLoopback() != (listen == "localhost:8080") {
			t.Errorf("listen %s: loopback %v", listen, u.ListenLoopback())
		}
	}
	u := UI{Listen: "0.0.0.0:8080", AllowedHosts: []string{"kiosk.example"}}
	if got := u.Hosts(); !slices.Equal(got, []string{"kiosk.example"}) {
		t.Errorf("allowedHosts: %q", got)
	}
}

func TestUITLSPathsResolved(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kiosk.toml")
	if err := os.WriteFile(path, []byte(minimal+"[ui]\ncertFile = \"tls/ui.pem\"\nkeyFile = \"tls/ui.key\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !c.UI.TLS() || c.UI.CertFile != filepath.Join(dir, "tls/ui.pem") || c.UI.KeyFile != filepath.Join(dir, "tls/ui.key") {
		t.Errorf("TLS %v cert %s key %s", c.UI.TLS(), c.UI.CertFile, c.UI.KeyFile)
	}
}

// The receipt printer is off unless enabled; enabled, it is validated with
// field paths like the readers.
func TestPrinterSection(t *testing.T) {
	c, err := Parse([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if c.Devices.Printer.On() || c.Devices.Printer.Profile != "escpos" || c.Devices.Printer.PaperWidth != 80 ||
		c.Devices.Printer.Timeout.Seconds() != 10 || c.Devices.Printer.Queue != 4 {
		t.Fatalf("printer defaults: %+v", c.Devices.Printer)
	}
	c, err = Parse([]byte(minimal + "[devices.printer]\nenabled = true\nusb = \"04b8:0e15\"\npaperWidth = 58\nprofile = \"escpos-barcode\"\n"))
	if err != nil || !c.Devices.Printer.On() || c.Devices.Printer.Baud != 9600 {
		t.Fatalf("%v %+v", err, c)
	}
	_, err = Parse([]byte(minimal + "[devices.printer]\nenabled = true\nprofile = \"star\"\npaperWidth = 76\ntimeout = \"1h\"\nqueue = 0\nbaud = 1234\n"))
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("want Errors, got %v", err)
	}
	fields := map[string]bool{}
	for _, e := range es {
		fields[e.Field] = true
	}
	for _, f := range []string{"devices.printer.port", "devices.printer.profile", "devices.printer.paperWidth", "devices.printer.timeout", "devices.printer.baud"} {
		if !fields[f] {
			t.Errorf("no problem reported for %s: %v", f, err)
		}
	}
	// Off, a printer section may be incomplete.
	if _, err := Parse([]byte(minimal + "[devices.printer]\nenabled = false\nprofile = \"star\"\n")); err != nil {
		t.Fatal(err)
	}
}

func TestChipSection(t *testing.T) {
	c, err := Parse([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if ch := c.Devices.Chip; ch.On() || ch.Timeout.Duration != 15*time.Second || ch.Access != "auto" || ch.OnInvalid != ChipRefer || ch.OnNoTrustAnchor != ChipRefer {
		t.Fatalf("chip defaults %+v", ch)
	}
	_, err = Parse([]byte(minimal + "[devices.chip]\nenabled = true\naccess = \"SAC\"\ntimeout = \"2h\"\nonInvalid = \"admit\"\nonNoTrustAnchor = \"maybe\"\n"))
	for _, want := range []string{`devices.chip.access: "SAC" must be auto, BAC or PACE`, "devices.chip.timeout", `devices.chip.onInvalid: "admit" must be refer or ignore`,
		"devices.chip.onNoTrustAnchor", "devices.chip.cscaDir: the chip reader needs a folder"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
	dir := t.TempDir()
	path := dir + "/kiosk.toml"
	if err := os.WriteFile(path, []byte(minimal+"[devices.chip]\nenabled = true\ncscaDir = \"csca\"\nonInvalid = \"ignore\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Devices.Chip.On() || c.Devices.Chip.CSCADir != dir+"/csca" || c.Devices.Chip.OnInvalid != ChipIgnore {
		t.Fatalf("chip %+v", c.Devices.Chip)
	}
}
