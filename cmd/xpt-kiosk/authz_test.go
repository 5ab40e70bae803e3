package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/outbox"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

func runAuthzCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := dispatch(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestAuthzCLI(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	seed := bytes.Repeat([]byte{7}, ed25519.SeedSize)
	priv := ed25519.NewKeyFromSeed(seed)
	pub := base64.StdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey))
	pubFile := filepath.Join(dir, "central-test.pub")
	tomlFile := filepath.Join(dir, "keys.trust.toml")
	os.WriteFile(pubFile, []byte(pub+"\n"), 0o644)
	os.WriteFile(tomlFile, []byte("[trust.keys]\n\"central-test\" = \""+pub+"\"\n"), 0o644)

	rec := wire.AuthzRecord{AuthorizationID: "XPT-2026-0000123", Version: 1, Status: "active",
		Holder:          wire.Holder{Surname: "ERIKSSON", GivenNames: "ANNA MARIA", BirthDate: "1974-08-12", Sex: "F", Nationality: "CAN"},
		Documents:       []wire.Document{{Code: "P", IssuingState: "CAN", Number: "L898902C3"}},
		TrustedTraveler: &wire.TrustedTraveler{Program: "NEXUS", MembershipID: "123456789", CardTag: "0A1B2C3D4E"},
		ValidFrom:       "2026-01-01", ValidUntil: "2031-01-01", Entries: []string{"CA>US"}}
	write := func(name string, b wire.AuthzBatch, key ed25519.PrivateKey) string {
		b.IssuedAt = wire.FormatTime(time.Now())
		raw, err := wire.Seal("central-test", key, b)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		os.WriteFile(p, raw, 0o644)
		return p
	}
	b1 := write("0001.json", wire.AuthzBatch{Seq: 1, Records: []wire.AuthzRecord{rec}}, priv)
	rec2 := rec
	rec2.AuthorizationID, rec2.Documents = "XPT-2026-0000124", []wire.Document{{IssuingState: "USA", Number: "X12345678"}}
	rec2.TrustedTraveler = nil
	b2 := write("0002.json", wire.AuthzBatch{Seq: 2, Records: []wire.AuthzRecord{rec2}}, priv)
	forged := write("forged.json", wire.AuthzBatch{Seq: 3}, ed25519.NewKeyFromSeed(make([]byte, 32)))

	if code, _, errs := runAuthzCLI("authz", "status", "--data", data); code != exitUsage || !strings.Contains(errs, "no replica at") {
		t.Fatalf("status before import: %d %s", code, errs)
	}
	code, out, errs := runAuthzCLI("authz", "import", "--data", data, "--trust", pubFile, b1, b2)
	if code != exitOK || !strings.Contains(out, "2 batches applied") || !strings.Contains(out, "seq 2 with 2 records") {
		t.Fatalf("import: %d %q %q", code, out, errs)
	}
	code, out, errs = runAuthzCLI("authz", "import", "--data", data, "--trust", tomlFile, forged)
	if code != exitFail || !strings.Contains(errs, "bad_signature") {
		t.Fatalf("forged import: %d %q %q", code, out, errs)
	}
	code, out, _ = runAuthzCLI("authz", "status", "--data", data)
	if code != exitOK || !strings.Contains(out, "Records     2") || !strings.Contains(out, "current") {
		t.Fatalf("status: %d %s", code, out)
	}
	code, out, _ = runAuthzCLI("authz", "status", "--data", data, "--json")
	var st struct {
		Seq     uint64 `json:"seq"`
		Records int64  `json:"records"`
		Stale   bool   `json:"stale"`
	}
	if code != exitOK || json.Unmarshal([]byte(out), &st) != nil || st.Seq != 2 || st.Records != 2 || st.Stale {
		t.Fatalf("status --json: %d %s", code, out)
	}
	code, _, _ = runAuthzCLI("authz", "status", "--data", data, "--max-staleness", "1ns")
	if code != exitFail {
		t.Fatalf("stale status exit %d", code)
	}
	for _, q := range [][]string{{"--doc", "can:L898902C3<"}, {"--card", "0a1b2c3d4e"}, {"--membership", "123456789"}, {"--auth", "XPT-2026-0000123"}} {
		code, out, errs := runAuthzCLI(append([]string{"authz", "lookup", "--data", data}, q...)...)
		var recs []wire.AuthzRecord
		if code != exitOK || json.Unmarshal([]byte(out), &recs) != nil || len(recs) != 1 || recs[0].AuthorizationID != "XPT-2026-0000123" {
			t.Fatalf("lookup %v: %d %s %s", q, code, out, errs)
		}
	}
	if code, out, _ := runAuthzCLI("authz", "lookup", "--data", data, "--doc", "CAN:NOPE"); code != exitFail || strings.TrimSpace(out) != "[]" {
		t.Fatalf("lookup of nothing: %d %s", code, out)
	}
	for _, bad := range [][]string{{"--doc", "L898902C3"}, {}, {"--card", "A", "--auth", "B"}} {
		if code, _, errs := runAuthzCLI(append([]string{"authz", "lookup", "--data", data}, bad...)...); code != exitUsage || errs == "" {
			t.Fatalf("lookup %v: %d", bad, code)
		}
	}
	if code, out, _ := runAuthzCLI("authz", "lookup", "--help"); code != exitOK || !strings.Contains(out, "--doc") && !strings.Contains(out, "-doc") {
		t.Fatalf("help: %d %s", code, out)
	}
	if code, _, errs := runAuthzCLI("authz", "import", "--data", data, b1); code != exitUsage || !strings.Contains(errs, "--trust") {
		t.Fatalf("import without trust: %d %s", code, errs)
	}
	// With --key the replica is sealed (the import seals the one in
	// clear); look-ups then need the key, and say so without it.
	keyFile := filepath.Join(dir, "storage.key")
	os.WriteFile(keyFile, outbox.NewKey(), 0o400)
	b3 := write("0003.json", wire.AuthzBatch{Seq: 3}, priv)
	if code, out, errs := runAuthzCLI("authz", "import", "--data", data, "--key", keyFile, "--trust", pubFile, b3); code != exitOK || !strings.Contains(out, "seq 3 with 2 records") {
		t.Fatalf("sealing import: %d %q %q", code, out, errs)
	}
	if code, out, errs := runAuthzCLI("authz", "lookup", "--data", data, "--key", keyFile, "--doc", "CAN:L898902C3"); code != exitOK || !strings.Contains(out, "ERIKSSON") {
		t.Fatalf("sealed lookup: %d %s %s", code, out, errs)
	}
	if code, _, errs := runAuthzCLI("authz", "status", "--data", data); code == exitOK || !strings.Contains(errs, "storage key") {
		t.Fatalf("sealed status without the key: %d %s", code, errs)
	}
}
