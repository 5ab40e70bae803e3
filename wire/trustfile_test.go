package wire

import (
	"crypto/ed25519"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every form the central tools and technicians write reads as the same
// key under the same ID; bad files are errors that name the line.
func TestReadTrustFileForms(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(nil)
	k := base64.StdEncoding.EncodeToString(pub)
	dir := t.TempDir()
	for name, body := range map[string]string{
		"plain.txt":                 "# trusted\ncentral-2026-a " + k + "\n",
		"snippet.toml":              "[trust.keys]\n\"central-2026-a\" = \"" + k + "\"  # from central keygen\n",
		"bare.toml":                 "central-2026-a = " + k + "\n",
		"tight.toml":                "central-2026-a=" + k + "\n",
		"central-2026-a.pub":        k + "\n",
		"central-2026-a.trust.toml": k + "\n",
		"kiosk.toml":                "kioskId = \"yyz-t1-k07\"\n[link]\nbroker = \"tcp://x:1883\"\n[trust.keys]\ncentral-2026-a = \"" + k + "\"\n[log]\nlevel = \"info\"\n",
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		got, err := ReadTrustFile(p)
		if err != nil || len(got) != 1 || got["central-2026-a"] != k {
			t.Errorf("%s: %v %v", name, got, err)
		}
	}
	for name, c := range map[string]struct{ body, want string }{
		"badkey":  {"central-2026-a notbase64!\n", "line 1"},
		"three":   {"a b c\n", "line 1"},
		"empty":   {"# nothing\n", "no key"},
		"other":   {"[link]\nbroker = \"tcp://x:1883\"\n", "no key"},
		"twice":   {"a " + k + "\na " + base64.StdEncoding.EncodeToString(make([]byte, 32)) + "\n", "twice"},
		"nokeyid": {"= " + k + "\n", "line 1"},
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(c.body), 0o644)
		if got, err := ReadTrustFile(p); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v %v, want an error with %q", name, got, err, c.want)
		}
	}
	if _, err := ReadTrustFile(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing file was read")
	}
}
