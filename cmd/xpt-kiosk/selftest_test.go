package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/agent/accounts"
	"github.com/xpt-pilot/xpt-kiosk/agent/authz"
	"github.com/xpt-pilot/xpt-kiosk/agent/config"
	"github.com/xpt-pilot/xpt-kiosk/agent/outbox"
	"github.com/xpt-pilot/xpt-kiosk/drivers/sim"
	"github.com/xpt-pilot/xpt-kiosk/internal/demo"
	"github.com/xpt-pilot/xpt-kiosk/internal/testbroker"
)

// selftest watches the camera: no frame is a failure, frames without a face
// (the test pattern) a warning that says travelers would be referred, and a
// face is ok.
func TestSelftestSaysWhetherTheCameraSeesAFace(t *testing.T) {
	dir := t.TempDir()
	faceCam, err := demo.CameraTOML(dir)
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
			if ch := selftestCheck(t, cfgPath, "camera"); ch.Status != c.status || !strings.Contains(ch.Detail, c.detail) {
				t.Fatalf("camera check %+v, want %s with %q", ch, c.status, c.detail)
			}
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

// The service's pre-start check, as configs/xpt-kiosk.service runs it, lets
// the agent start with a reader unplugged (it reports the fault), and still
// stops it on a broken configuration.
func TestServicePreStartToleratesAMissingReader(t *testing.T) {
	unit, err := os.ReadFile("../../configs/xpt-kiosk.service")
	if err != nil {
		t.Fatal(err)
	}
	var pre []string
	for _, line := range strings.Split(string(unit), "\n") {
		if v, ok := strings.CutPrefix(line, "ExecStartPre="); ok {
			pre = strings.Fields(v)[1:] // without the binary
		}
	}
	if len(pre) == 0 {
		t.Fatal("no ExecStartPre in the unit")
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "kiosk.toml")
	args := make([]string, len(pre))
	for i, a := range pre {
		args[i] = strings.ReplaceAll(a, "/etc/xpt-kiosk/kiosk.toml", cfgPath)
	}
	cfg := testKioskTOML(`[mqtt]
broker = "tcp://127.0.0.1:1"
[devices.mrzReader]
port = "` + filepath.Join(dir, "unplugged") + `"
[devices.cardReader]
usb = "0403:6001"
[devices.camera]
enabled = false
`)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ := cli(args...)
	if code != exitOK || !strings.Contains(out, "warn  devices.mrzReader") || !strings.Contains(out, "the agent starts and reports it") ||
		strings.Contains(out, "broker") {
		t.Fatalf("unplugged reader: exit %d\n%s", code, out)
	}
	// The plain selftest still fails on it.
	if code, out, _ := cli("selftest", "--config", cfgPath, "--offline"); code != exitFail {
		t.Fatalf("selftest: exit %d\n%s", code, out)
	}
	// A broken configuration still keeps the service from starting.
	if err := os.WriteFile(cfgPath, []byte(strings.Replace(cfg, `direction = "US>CA"`, `direction = "up"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := cli(args...); code != exitFail || !strings.Contains(out, "kiosk.direction") {
		t.Fatalf("broken configuration: exit %d\n%s", code, out)
	}
}

// selftest loads the broker credentials as the agent will, and names the
// file that is missing or wrong.
func TestSelftestChecksTheBrokerCredentials(t *testing.T) {
	dir := t.TempDir()
	pki, err := testbroker.NewPKI(filepath.Join(dir, "pki"))
	if err != nil {
		t.Fatal(err)
	}
	cert, key, err := pki.Client("xpt-kiosk-yyz-t1-k07")
	if err != nil {
		t.Fatal(err)
	}
	pw := filepath.Join(dir, "password")
	os.WriteFile(pw, []byte("s3cret\n"), 0o600)
	cfgPath := filepath.Join(dir, "kiosk.toml")
	for _, c := range []struct {
		name, mqtt, status, detail string
	}{
		{"good", `caFile = "` + pki.CAFile() + `"` + "\ncertFile = \"" + cert + "\"\nkeyFile = \"" + key + "\"\npasswordFile = \"" + pw + "\"\n",
			"warn", "expires on"}, // the test PKI issues one-day certificates
		{"missing CA", `caFile = "` + filepath.Join(dir, "nope.pem") + `"` + "\n", "fail", "nope.pem"},
		{"not a certificate", `caFile = "` + pw + `"` + "\n", "fail", "no certificate in it"},
		{"missing password file", "username = \"k07\"\npasswordFile = \"" + filepath.Join(dir, "pw-typo") + "\"\n", "fail", "pw-typo"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := testKioskTOML("[mqtt]\nbroker = \"ssl://127.0.0.1:1\"\n" + c.mqtt + noDevicesTOML)
			if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			if ch := selftestCheck(t, cfgPath, "mqtt.credentials"); ch.Status != c.status || !strings.Contains(ch.Detail, c.detail) {
				t.Fatalf("%+v, want %s with %q", ch, c.status, c.detail)
			}
		})
	}
}

// noDevicesTOML turns every device off.
const noDevicesTOML = `[devices.mrzReader]
enabled = false
[devices.cardReader]
enabled = false
[devices.camera]
enabled = false
`

// selftestCheck runs selftest --offline --json and returns one check.
func selftestCheck(t *testing.T, cfgPath, name string) checkResult {
	t.Helper()
	_, out, _ := cli("selftest", "--config", cfgPath, "--offline", "--json")
	var res struct {
		Checks []checkResult `json:"checks"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, ch := range res.Checks {
		if ch.Name == name {
			return ch
		}
	}
	t.Fatalf("no %s check in %s", name, out)
	return checkResult{}
}

// A face check the configuration asks for but that cannot run makes the
// kiosk refer (requireFace), never admit unchecked.
func TestMisconfiguredFaceCheckRefers(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, extra, why string
	}{
		{"no camera", "[devices.camera]\nenabled = false\n", ""},
		{"model missing", "[devices.camera]\nsource = \"test\"\n[face]\nmodelFile = \"" + filepath.Join(dir, "gone.onnx") + "\"\nthreshold = 0.5\n", "face model: "},
		{"detector missing", "[devices.camera]\nsource = \"test\"\n[face]\ncascadeDir = \"" + filepath.Join(dir, "no-cascades") + "\"\n", "camera: "},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := config.Parse([]byte(testKioskTOML("[devices.mrzReader]\nenabled = false\n[devices.cardReader]\nenabled = false\n" + c.extra)))
			if err != nil {
				t.Fatal(err)
			}
			f, desc := openFace(cfg, slog.New(slog.DiscardHandler))
			if f != nil {
				defer f.Close()
			}
			why := faceMisconfigured(cfg, f, desc)
			if (c.why == "") != (why == "") || !strings.HasPrefix(why, c.why) {
				t.Fatalf("why %q, want prefix %q", why, c.why)
			}
		})
	}
}

// selftest loads the consoles' TLS files and warns when the consoles are
// reachable from the network in clear.
func TestSelftestChecksTheConsoles(t *testing.T) {
	dir := t.TempDir()
	pki, err := testbroker.NewPKI(filepath.Join(dir, "pki"))
	if err != nil {
		t.Fatal(err)
	}
	cert, key, err := pki.Server("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "kiosk.toml")
	for _, c := range []struct {
		name, ui, status, detail string
	}{
		{"loopback", "listen = \"127.0.0.1:8080\"\n", "ok", "loopback only"},
		{"network in clear", "listen = \"0.0.0.0:8080\"\n", "warn", "reachable from the network without TLS"},
		{"TLS", "listen = \"0.0.0.0:8443\"\ncertFile = \"" + cert + "\"\nkeyFile = \"" + key + "\"\n",
			"warn", "expires on"}, // the test PKI issues one-day certificates
		{"missing certificate", "certFile = \"" + filepath.Join(dir, "ui-typo.pem") + "\"\nkeyFile = \"" + key + "\"\n", "fail", "ui-typo.pem"},
		{"key is not a key", "certFile = \"" + cert + "\"\nkeyFile = \"" + cert + "\"\n", "fail", cert},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := os.WriteFile(cfgPath, []byte(testKioskTOML(noDevicesTOML+"[ui]\n"+c.ui)), 0o600); err != nil {
				t.Fatal(err)
			}
			if ch := selftestCheck(t, cfgPath, "ui"); ch.Status != c.status || !strings.Contains(ch.Detail, c.detail) {
				t.Fatalf("%+v, want %s with %q", ch, c.status, c.detail)
			}
		})
	}
}

// An earlier version's (or a copied) data folder is made private at start.
func TestTightenPermissions(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	os.MkdirAll(filepath.Join(dir, "authz"), 0o755)
	os.Chmod(filepath.Join(dir, "authz"), 0o755)
	os.WriteFile(filepath.Join(dir, "authz", "000001.sst"), []byte("population"), 0o644)
	os.Chmod(filepath.Join(dir, "authz", "000001.sst"), 0o644)
	os.WriteFile(filepath.Join(dir, "audit.log"), nil, 0o600)
	n, err := tightenPermissions(dir)
	if err != nil || n != 2 {
		t.Fatalf("changed %d, err %v", n, err)
	}
	for p, want := range map[string]os.FileMode{"authz": 0o700, "authz/000001.sst": 0o600, "audit.log": 0o600} {
		if info, _ := os.Stat(filepath.Join(dir, p)); info.Mode().Perm() != want {
			t.Errorf("%s: %v, want %v", p, info.Mode().Perm(), want)
		}
	}
}

func TestSelftestChecksTheAccounts(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "kiosk.toml")
	if err := os.WriteFile(cfgPath, []byte(testKioskTOML(noDevicesTOML)), 0o600); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "data"), 0o700)
	if ch := selftestCheck(t, cfgPath, "accounts"); ch.Status != "warn" || !strings.Contains(ch.Detail, "nobody can sign in to the officer console and the technician console") {
		t.Fatalf("no accounts: %+v", ch)
	}
	st, err := accounts.Open(filepath.Join(dir, "data", "accounts.json"), accounts.Options{Params: accounts.Params{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Add("B1", "", accounts.Officer, "a long password 1"); err != nil {
		t.Fatal(err)
	}
	if ch := selftestCheck(t, cfgPath, "accounts"); ch.Status != "warn" || !strings.Contains(ch.Detail, "the technician console") || strings.Contains(ch.Detail, "officer console") {
		t.Fatalf("an officer only: %+v", ch)
	}
	if err := st.Add("S1", "", accounts.Supervisor, "a long password 2"); err != nil {
		t.Fatal(err)
	}
	if ch := selftestCheck(t, cfgPath, "accounts"); ch.Status != "ok" || !strings.Contains(ch.Detail, "1 officer, 0 technician, 1 supervisor") {
		t.Fatalf("%+v", ch)
	}
	os.WriteFile(st.Path(), []byte("{broken"), 0o600)
	if ch := selftestCheck(t, cfgPath, "accounts"); ch.Status != "fail" || !strings.Contains(ch.Detail, "nobody can sign in") {
		t.Fatalf("broken file: %+v", ch)
	}
}

// selftest reads the receipt printer's status: ready, paper nearly out
// (warn), out of paper (fail), not configured.
func TestSelftestChecksThePrinter(t *testing.T) {
	dir := t.TempDir()
	p, err := sim.NewPrinter(sim.PrinterOptions{Link: filepath.Join(dir, "printer")})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cfgPath := filepath.Join(dir, "kiosk.toml")
	cfg := testKioskTOML(`[devices.mrzReader]
enabled = false
[devices.cardReader]
enabled = false
[devices.camera]
enabled = false
[devices.printer]
enabled = true
port = "` + p.Path() + `"
`)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ cmd, want string }{
		{"ok", "ok    devices.printer"}, {"paper low", "warn  devices.printer"}, {"paper out", "fail  devices.printer"},
	} {
		p.Exec(c.cmd)
		_, out, _ := cli("selftest", "--config", cfgPath, "--offline")
		if !strings.Contains(out, c.want) {
			t.Errorf("%s: want %q in\n%s", c.cmd, c.want, out)
		}
	}
	os.WriteFile(cfgPath, []byte(strings.Replace(cfg, "enabled = true\nport", "enabled = false\nport", 1)), 0o600)
	if _, out, _ := cli("selftest", "--config", cfgPath, "--offline"); !strings.Contains(out, "devices.printer") || !strings.Contains(out, "not configured") {
		t.Errorf("no printer:\n%s", out)
	}
}

func TestSelftestChecksTheStorageKey(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "kiosk.toml")
	write := configWriter(t, cfgPath)
	write("")
	if ch := selftestCheck(t, cfgPath, "storage.keyFile"); ch.Status != "warn" || !strings.Contains(ch.Detail, "in clear") {
		t.Fatalf("no key: %+v", ch)
	}
	if code, out, errs := runCmd(func(a []string, o, e *bytes.Buffer) int { return dispatch(a, nil, o, e) },
		"provision", "storage-key", "--out", filepath.Join(dir, "storage.key")); code != exitOK {
		t.Fatalf("provision storage-key: %d %s %s", code, out, errs)
	}
	// [storage] keyFile, and its older name [outbox] keyFile, seal every store.
	for _, section := range []string{"storage", "outbox"} {
		write("[" + section + "]\nkeyFile = \"storage.key\"\n")
		if ch := selftestCheck(t, cfgPath, "storage.keyFile"); ch.Status != "ok" || !strings.Contains(ch.Detail, "replica") || !strings.Contains(ch.Detail, "sealed at rest") {
			t.Fatalf("[%s] key: %+v", section, ch)
		}
		if ch := selftestCheck(t, cfgPath, "storage.outbox"); ch.Status != "ok" {
			t.Fatalf("[%s] outbox: %+v", section, ch)
		}
	}
	write("[storage]\nkeyFile = \"storage.key\"\n[outbox]\nkeyFile = \"other.key\"\n")
	if ch := selftestCheck(t, cfgPath, "config"); ch.Status != "fail" || !strings.Contains(ch.Detail, "one storage key") {
		t.Fatalf("two keys: %+v", ch)
	}
	write("[storage]\nkeyFile = \"storage.key\"\n")
	os.Chmod(filepath.Join(dir, "storage.key"), 0o644)
	if ch := selftestCheck(t, cfgPath, "storage.keyFile"); ch.Status != "fail" || !strings.Contains(ch.Detail, "readable by others") {
		t.Fatalf("open key: %+v", ch)
	}
	// A key inside the data folder is a configuration error.
	write("[outbox]\nkeyFile = \"data/storage.key\"\n")
	if ch := selftestCheck(t, cfgPath, "config"); ch.Status != "fail" || !strings.Contains(ch.Detail, "outbox.keyFile") {
		t.Fatalf("key in the data folder: %+v", ch)
	}
}

// selftest says whether the replica is sealed: in clear with no key, in
// clear under a key until the agent seals it, sealed once it has, and a
// failure when the key is not the replica's.
func TestSelftestSaysWhetherTheReplicaIsSealed(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "kiosk.toml")
	write := configWriter(t, cfgPath)
	path := filepath.Join(dir, "data", authz.DirName)
	os.MkdirAll(filepath.Dir(path), 0o700)
	r, err := authz.Open(authz.Options{Path: path, NoPrewarm: true})
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	write("")
	if ch := selftestCheck(t, cfgPath, "storage.authz"); ch.Status != "warn" || !strings.Contains(ch.Detail, "in clear") {
		t.Fatalf("no key: %+v", ch)
	}
	for _, k := range []string{"storage.key", "other.key"} {
		os.WriteFile(filepath.Join(dir, k), outbox.NewKey(), 0o400)
	}
	write("[storage]\nkeyFile = \"storage.key\"\n")
	// An empty replica opened by the agent with the key is sealed from the start.
	key, _ := outbox.LoadKey(filepath.Join(dir, "storage.key"))
	if r, err = authz.Open(authz.Options{Path: path, NoPrewarm: true, Key: key}); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if ch := selftestCheck(t, cfgPath, "storage.authz"); ch.Status != "ok" || !strings.Contains(ch.Detail, "sealed") {
		t.Fatalf("sealed: %+v", ch)
	}
	write("[storage]\nkeyFile = \"other.key\"\n")
	if ch := selftestCheck(t, cfgPath, "storage.authz"); ch.Status != "fail" || !strings.Contains(ch.Detail, "another storage key") {
		t.Fatalf("another key: %+v", ch)
	}
}

// configWriter writes a kiosk configuration without devices, with extra
// sections, to cfgPath.
func configWriter(t *testing.T, cfgPath string) func(extra string) {
	return func(extra string) {
		t.Helper()
		if err := os.WriteFile(cfgPath, []byte(testKioskTOML(noDevicesTOML+extra)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
