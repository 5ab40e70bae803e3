package central

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

func TestKeyFilesRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s, err := GenerateSigner("central-2026-a", nil)
	if err != nil {
		t.Fatal(err)
	}
	files, err := WriteKeyFiles(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(files.Private)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode %v, %v", fi.Mode(), err)
	}
	if _, err := WriteKeyFiles(dir, s); err == nil {
		t.Fatal("overwrote an existing private key")
	}
	back, err := LoadSigner(files.Private)
	if err != nil || back.KeyID != s.KeyID || !back.Priv.Equal(s.Priv) {
		t.Fatalf("load: %v %q", err, back.KeyID)
	}
	pub, _ := os.ReadFile(files.Public)
	toml, _ := os.ReadFile(files.TOML)
	if strings.TrimSpace(string(pub)) != s.PublicBase64() || !strings.Contains(string(toml), `"central-2026-a" = "`+s.PublicBase64()+`"`) {
		t.Fatalf("public files: %q %q", pub, toml)
	}
	// The ring a kiosk builds from the config verifies what the key seals.
	kr, err := wire.NewKeyRing(map[string]string{s.KeyID: strings.TrimSpace(string(pub))})
	if err != nil {
		t.Fatal(err)
	}
	env, _ := back.Seal(wire.AuthzHead{Seq: 1})
	if _, _, err := kr.Open(env); err != nil {
		t.Fatal(err)
	}
	// A bare base64 key file takes its key ID from the file name.
	bare := filepath.Join(dir, "central-bare.key")
	os.WriteFile(bare, []byte(base64.StdEncoding.EncodeToString(s.Priv.Seed())+"\n"), 0o600)
	b2, err := LoadSigner(bare)
	if err != nil || b2.KeyID != "central-bare" || !b2.Priv.Equal(s.Priv) {
		t.Fatalf("bare: %v %q", err, b2.KeyID)
	}
}
