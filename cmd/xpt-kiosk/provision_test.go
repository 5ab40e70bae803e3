package main

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/agent/config"
)

const testPub = "WglVRRYdb37Gok2vDPf6BQComtKvf6ORKZRfFnWdHs0="

func cli(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := dispatch(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestProvisionConfigWritesALoadableConfig(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"central-a.pub":        testPub + "\n",
		"central-b.trust.toml": "[trust.keys]\n\"central-b\" = \"" + testPub + "\"\n",
		"lines.txt":            "# comment\ncentral-c " + testPub + "\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "kiosk.toml")
	trust := strings.Join([]string{filepath.Join(dir, "central-a.pub"), filepath.Join(dir, "central-b.trust.toml"), filepath.Join(dir, "lines.txt")}, ",")
	code, _, stderr := cli("provision", "config", "--id", "yyz-t1-k07", "--port", "YYZ", "--direction", "US>CA",
		"--trust", trust, "--broker", "ssl://broker.example:8883", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	cfg, err := config.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Trust.Keys) != 3 || cfg.Trust.Keys["central-a"] != testPub || cfg.Trust.Keys["central-c"] != testPub {
		t.Fatalf("keys %v", cfg.Trust.Keys)
	}
	// It does not overwrite without --force.
	if code, _, stderr := cli("provision", "config", "--id", "yyz-t1-k07", "--port", "YYZ", "--direction", "US>CA",
		"--trust", trust, "--broker", "ssl://broker.example:8883", "--out", out); code != exitFail || !strings.Contains(stderr, "--force") {
		t.Fatalf("overwrite: exit %d %s", code, stderr)
	}
	// A bad identity is reported with its key, and nothing is written.
	code, _, stderr = cli("provision", "config", "--id", "Bad ID", "--port", "YYZ", "--direction", "north",
		"--trust", trust, "--broker", "ssl://broker.example:8883")
	if code != exitFail || !strings.Contains(stderr, "kiosk.id") || !strings.Contains(stderr, "kiosk.direction") {
		t.Fatalf("bad identity: exit %d %s", code, stderr)
	}
}

func TestProvisionCSR(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := cli("provision", "csr", "--id", "yyz-t1-k07", "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "kiosk.csr"))
	blk, _ := pem.Decode(data)
	if blk == nil {
		t.Fatal("no PEM CSR")
	}
	csr, err := x509.ParseCertificateRequest(blk.Bytes)
	if err != nil || csr.CheckSignature() != nil || csr.Subject.CommonName != "xpt-kiosk-yyz-t1-k07" {
		t.Fatalf("csr %v %+v", err, csr.Subject)
	}
	if st, _ := os.Stat(filepath.Join(dir, "kiosk.key")); st.Mode().Perm() != 0o600 {
		t.Fatalf("key mode %v", st.Mode())
	}
	if code, _, _ := cli("provision", "csr", "--id", "yyz-t1-k07", "--out", dir); code != exitFail {
		t.Fatal("a second csr overwrote the key")
	}
}

func TestSelftestReportsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "kiosk.toml")
	cfg := testKioskTOML(`[mqtt]
broker = "tcp://127.0.0.1:1"
[devices.mrzReader]
port = "` + filepath.Join(dir, "no-such-tty") + `"
[devices.cardReader]
enabled = false
[devices.camera]
enabled = false
`)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ := cli("selftest", "--config", cfgPath, "--json")
	if code != exitFail {
		t.Fatalf("exit %d", code)
	}
	var res struct {
		OK     bool          `json:"ok"`
		Checks []checkResult `json:"checks"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, c := range res.Checks {
		status[c.Name] = c.Status
	}
	if res.OK || status["config"] != "ok" || status["dataDir"] != "ok" || status["devices.mrzReader"] != "fail" ||
		status["devices.cardReader"] != "ok" || status["broker"] != "fail" {
		t.Fatalf("checks %+v", res.Checks)
	}
	// A broken configuration is one failed check that lists every problem.
	if err := os.WriteFile(cfgPath, []byte(strings.Replace(cfg, `direction = "US>CA"`, "direction = \"up\"\nbaud = 3", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ = cli("selftest", "--config", cfgPath)
	if code != exitFail || !strings.Contains(out, "kiosk.direction") || !strings.Contains(out, "kiosk.baud: unknown key") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}
