package wire

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func testRing(t *testing.T) (*KeyRing, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	kr, err := NewKeyRing(map[string]string{"central-test": base64.StdEncoding.EncodeToString(pub)})
	if err != nil {
		t.Fatal(err)
	}
	return kr, priv
}

func TestEnvelopeRoundTripAndRejections(t *testing.T) {
	kr, priv := testRing(t)
	_, other, _ := ed25519.GenerateKey(nil)
	good, err := Seal("central-test", priv, AuthzHead{Seq: 7, Records: 3})
	if err != nil {
		t.Fatal(err)
	}
	var head AuthzHead
	if _, err := kr.OpenInto(good, &head); err != nil || head.Seq != 7 {
		t.Fatalf("good envelope: %v %+v", err, head)
	}
	forged, _ := Seal("central-test", other, AuthzHead{Seq: 8})
	unknown, _ := Seal("central-other", priv, AuthzHead{Seq: 8})
	var env SignedEnvelope
	_ = json.Unmarshal(good, &env)
	env.Alg = "rsa"
	badAlg, _ := json.Marshal(env)
	notObj, _ := SealBytes("central-test", priv, []byte(`[1,2]`))
	schema, _ := SealBytes("central-test", priv, []byte(`{"seq":"x"}`))
	cases := map[string]struct {
		raw  []byte
		code string
	}{
		"forged":     {forged, RejectSignature},
		"unknown":    {unknown, RejectUnknownKey},
		"alg":        {badAlg, RejectAlg},
		"garbage":    {[]byte("nope"), RejectMalformed},
		"not object": {notObj, RejectMalformed},
		"schema":     {schema, RejectSchema},
		"huge":       {make([]byte, MaxEnvelopeBytes+1), RejectTooLarge},
	}
	for name, c := range cases {
		var h AuthzHead
		_, err := kr.OpenInto(c.raw, &h)
		if got := RejectCode(err); err == nil || got != c.code {
			t.Errorf("%s: got %v (%s), want %s", name, err, got, c.code)
		}
	}
}

func TestLetter(t *testing.T) {
	kr, priv := testRing(t)
	l := Letter{KID: "central-test", AuthorizationID: "XPT-2026-0000123",
		Document: LetterDocument{IssuingState: "CAN", Number: "L898902C3"},
		Holder:   LetterHolder{Surname: "ERIKSSON", BirthDate: "1974-08-12"}, ValidUntil: "2027-03-31"}
	text, err := SignLetter(priv, l)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text, "=") || !IsLetter(text) {
		t.Fatalf("bad letter text %q", text)
	}
	today := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	got, err := kr.VerifyLetter(text, today)
	if err != nil || got.Document.Number != "L898902C3" {
		t.Fatalf("verify: %v %+v", err, got)
	}
	if _, err := kr.VerifyLetter(text, time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC)); RejectCode(err) != RejectExpired {
		t.Fatalf("expired letter: %v", err)
	}
	tampered := text[:len(text)-3] + "AAA"
	if _, err := kr.VerifyLetter(tampered, today); err == nil {
		t.Fatal("tampered letter verified")
	}
}

func TestNewIDIsUUIDv7(t *testing.T) {
	id := NewID(time.Now())
	if len(id) != 36 || id[14] != '7' || strings.Count(id, "-") != 4 {
		t.Fatalf("bad id %q", id)
	}
	if NewID(time.Now()) == id {
		t.Fatal("ids repeat")
	}
}

func TestReference(t *testing.T) {
	seen := map[string]bool{}
	for range 2000 {
		r := NewReference()
		if len(r) != 7 || r[3] != '-' || NormalizeReference(r) != r {
			t.Fatalf("reference %q", r)
		}
		seen[r] = true
	}
	if len(seen) < 1990 {
		t.Fatalf("only %d distinct references in 2000", len(seen))
	}
	for in, want := range map[string]string{"k7h-4xm": "K7H-4XM", " K7H 4XM ": "K7H-4XM", "K7H4XM": "K7H-4XM",
		"K7H-4X": "", "K7H-4XMM": "", "O7Q-4XM": "", "K7H-4XM\x00": "", "": ""} {
		if got := NormalizeReference(in); got != want {
			t.Errorf("NormalizeReference(%q) = %q, want %q", in, got, want)
		}
	}
}
