package wire

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// fastTestKey is a fixed Ed25519 key: seeded corpora stay stable.
func fastTestKey() ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, "xpt envelope fast path seed 000")
	return ed25519.NewKeyFromSeed(seed)
}

// sealedForTest returns a real envelope around an inner payload of n
// pseudo-random bytes (so a base64 payload of about 4n/3 bytes).
func sealedForTest(tb testing.TB, n int) []byte {
	tb.Helper()
	inner := make([]byte, n)
	r := rand.New(rand.NewPCG(1, uint64(n)))
	for i := range inner {
		inner[i] = byte(r.Uint32())
	}
	raw, err := SealBytes("central-test", fastTestKey(), inner)
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

// checkEnvelopeFast asserts the contract of parseEnvelopeFast on raw,
// starting from a copy of start: if it reports true, json.Unmarshal from
// the same start succeeds and gives the same envelope; if it reports
// false, the envelope is untouched. It returns what the fast path said.
func checkEnvelopeFast(t *testing.T, raw []byte, start SignedEnvelope) bool {
	t.Helper()
	fast := start
	ok := parseEnvelopeFast(raw, &fast)
	if !ok {
		if fast != start {
			t.Fatalf("parseEnvelopeFast(%q) = false but changed the envelope: %+v", raw, fast)
		}
		return false
	}
	slow := start
	if err := json.Unmarshal(raw, &slow); err != nil {
		t.Fatalf("parseEnvelopeFast(%q) = true, json.Unmarshal: %v", raw, err)
	}
	if fast != slow {
		t.Fatalf("parseEnvelopeFast(%q):\n fast %+v\n json %+v", raw, fast, slow)
	}
	return true
}

func TestParseEnvelopeFastTable(t *testing.T) {
	real := sealedForTest(t, 300)
	var realEnv SignedEnvelope
	if err := json.Unmarshal(real, &realEnv); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		in   string
		ok   bool
	}{
		{"sealed", string(real), true},
		{"sealed with spaces", " \t\r\n" + string(real) + "\n\r\t ", true},
		{"all keys spaced", " { \"keyId\" : \"k\" ,\n\"alg\"\t:\t\"ed25519\" ,\r\n \"payload\":\"cGF5\",\"sig\" :\"c2ln\" } ", true},
		{"other order", `{"sig":"c2ln","payload":"cGF5","alg":"ed25519","keyId":"k"}`, true},
		{"subset", `{"payload":"cGF5"}`, true},
		{"empty object", `{}`, true},
		{"empty object spaced", " {\n} ", true},
		{"empty strings", `{"keyId":"","alg":"","payload":"","sig":""}`, true},
		{"printable ascii", `{"keyId":"!#$%&'()*+,-./:;<=>?@[]^_{|}~` + "\x7f" + `"}`, true},

		{"empty input", ``, false},
		{"whitespace only", " \n\t", false},
		{"array", `[]`, false},
		{"null", `null`, false},
		{"string", `"keyId"`, false},
		{"unclosed object", `{`, false},
		{"unclosed after member", `{"keyId":"k"`, false},
		{"unclosed after comma", `{"keyId":"k",`, false},
		{"trailing comma", `{"keyId":"k",}`, false},
		{"leading comma", `{,"keyId":"k"}`, false},
		{"double comma", `{"keyId":"k",,"alg":"a"}`, false},
		{"missing comma", `{"keyId":"k" "alg":"a"}`, false},
		{"missing colon", `{"keyId" "k"}`, false},
		{"double colon", `{"keyId"::"k"}`, false},
		{"missing value", `{"keyId":}`, false},
		{"unclosed value", `{"keyId":"k}`, false},
		{"unclosed key", `{"keyId`, false},
		{"unquoted key", `{keyId:"k"}`, false},
		{"single quotes", `{'keyId':'k'}`, false},
		{"escape in value", `{"keyId":"a\/b"}`, false},
		{"escaped quote in value", `{"keyId":"a\"b"}`, false},
		{"unicode escape in value", `{"payload":"\u0041"}`, false},
		{"escape in key", `{"key\u0049d":"k"}`, false},
		{"duplicate key", `{"keyId":"a","keyId":"b"}`, false},
		{"duplicate payload", `{"payload":"a","sig":"s","payload":"b"}`, false},
		{"upper-case key", `{"KeyId":"k"}`, false},
		{"all-caps key", `{"PAYLOAD":"p"}`, false},
		{"key with space", `{"keyId ":"k"}`, false},
		{"unknown key", `{"keyId":"k","extra":"x"}`, false},
		{"empty key", `{"":"k"}`, false},
		{"null value", `{"keyId":null}`, false},
		{"number value", `{"keyId":1}`, false},
		{"bool value", `{"alg":true}`, false},
		{"object value", `{"payload":{}}`, false},
		{"array value", `{"sig":["a"]}`, false},
		{"control char in value", "{\"keyId\":\"a\tb\"}", false},
		{"newline in value", "{\"keyId\":\"a\nb\"}", false},
		{"nul in value", "{\"keyId\":\"a\x00b\"}", false},
		{"utf-8 in value", `{"keyId":"clé"}`, false},
		{"invalid utf-8 in value", "{\"keyId\":\"a\xffb\"}", false},
		{"utf-8 in key", `{"kéyId":"k"}`, false},
		{"trailing garbage", `{"keyId":"k"}x`, false},
		{"trailing object", `{"keyId":"k"} {}`, false},
		{"trailing nul", "{\"keyId\":\"k\"}\x00", false},
		{"leading garbage", `x{"keyId":"k"}`, false},
		{"non-JSON whitespace", "\v{\"keyId\":\"k\"}", false},
		{"nbsp", "\u00a0{\"keyId\":\"k\"}", false},
		{"bom", "\ufeff{\"keyId\":\"k\"}", false},
	}
	starts := []SignedEnvelope{{}, {KeyID: "old-key", Alg: "old-alg", Payload: "old-payload", Sig: "old-sig"}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, start := range starts {
				if got := checkEnvelopeFast(t, []byte(c.in), start); got != c.ok {
					t.Fatalf("parseEnvelopeFast(%q) = %v, want %v", c.in, got, c.ok)
				}
				if !c.ok {
					continue
				}
				if err := json.Unmarshal([]byte(c.in), new(SignedEnvelope)); err != nil {
					t.Fatalf("case marked ok is not an envelope: %v", err)
				}
			}
		})
	}
	var env SignedEnvelope
	if !parseEnvelopeFast(real, &env) || env != realEnv {
		t.Fatalf("sealed envelope: %+v, want %+v", env, realEnv)
	}
}

// TestParseEnvelopeFastPartial: on false nothing is written, even after
// members that did parse.
func TestParseEnvelopeFastPartial(t *testing.T) {
	start := SignedEnvelope{KeyID: "a", Alg: "b", Payload: "c", Sig: "d"}
	env := start
	if parseEnvelopeFast([]byte(`{"keyId":"k","alg":"ed25519","payload":"cGF5","sig":1}`), &env) {
		t.Fatal("accepted a number")
	}
	if env != start {
		t.Fatalf("changed on failure: %+v", env)
	}
}

// TestParseEnvelopeFastStringScan checks the word-at-a-time string scan
// against a byte-at-a-time one: every byte value at every position of
// strings crossing several word boundaries.
func TestParseEnvelopeFastStringScan(t *testing.T) {
	ref := func(b []byte, i int) int {
		for ; i < len(b); i++ {
			switch c := b[i]; {
			case c == '"':
				return i
			case c < 0x20 || c >= 0x80 || c == '\\':
				return -1
			}
		}
		return -1
	}
	buf := make([]byte, 0, 64)
	for n := 0; n <= 40; n++ {
		for start := 0; start < 3; start++ {
			for pos := start; pos <= n; pos++ {
				for v := 0; v < 256; v++ {
					buf = buf[:0]
					for k := 0; k < n; k++ {
						buf = append(buf, 'A'+byte(k%26))
					}
					if pos < n {
						buf[pos] = byte(v)
					}
					for _, tail := range []string{"", `"`, `"xyz`, "\\\"", "\x00"} {
						b := append(buf[:n:n], tail...)
						if got, want := plainStringEnd(b, start), ref(b, start); got != want {
							t.Fatalf("plainStringEnd(%q, %d) = %d, want %d", b, start, got, want)
						}
					}
				}
			}
		}
	}
	// Two special bytes in one word: the lower one decides.
	for i := 0; i < 8; i++ {
		for j := i + 1; j < 16; j++ {
			for _, pair := range [][2]byte{{'"', '\\'}, {'\\', '"'}, {0x1f, '"'}, {'"', 0x80}, {0x00, '"'}, {'"', 0x00}, {0xff, '"'}, {'"', '"'}} {
				b := bytes.Repeat([]byte{'a'}, 24)
				b[i], b[j] = pair[0], pair[1]
				if got, want := plainStringEnd(b, 0), ref(b, 0); got != want {
					t.Fatalf("plainStringEnd(%q) = %d, want %d", b, got, want)
				}
			}
		}
	}
}

func envelopeFastSeeds(tb testing.TB) [][]byte {
	real := sealedForTest(tb, 64)
	small := sealedForTest(tb, 1)
	s := string(real)
	seeds := []string{
		s,
		string(small),
		" \n" + s + "\t\r ",
		s + "x",
		s + " {}",
		s[:len(s)-1],
		s[:len(s)/2],
		strings.Replace(s, `"keyId"`, `"KeyId"`, 1),
		strings.Replace(s, `"keyId"`, `"KEYID"`, 1),
		strings.Replace(s, `"payload"`, `"Payload"`, 1),
		strings.Replace(s, `"keyId":"central-test"`, `"keyId":"central\/test"`, 1),
		strings.Replace(s, `"keyId":"central-test"`, `"keyId":"central\u002dtest"`, 1),
		strings.Replace(s, `"keyId":"central-test"`, `"key\u0049d":"central-test"`, 1),
		strings.Replace(s, `"keyId":"central-test"`, `"keyId":null`, 1),
		strings.Replace(s, `"keyId":"central-test"`, `"keyId":"a","keyId":"b"`, 1),
		strings.Replace(s, `"alg":"ed25519"`, `"alg":"ed25519","alg":"none"`, 1),
		strings.Replace(s, `"alg":"ed25519"`, `"alg":7`, 1),
		strings.Replace(s, `"alg":"ed25519"`, `"alg":{"x":"y"}`, 1),
		strings.Replace(s, `"alg":"ed25519"`, `"extra":"x"`, 1),
		strings.Replace(s, `"alg":"ed25519"`, "\"alg\":\"ed\t25519\"", 1),
		strings.Replace(s, `"alg":"ed25519"`, `"alg":"édé"`, 1),
		strings.Replace(s, `"alg":"ed25519"`, "\"alg\":\"ed\xff\"", 1),
		strings.Replace(s, `,`, ` , `, -1),
		strings.Replace(s, `:`, "\n:\n", -1),
		strings.Replace(s, `}`, `,}`, 1),
		`{}`,
		` { } `,
		``,
		` `,
		`null`,
		`[]`,
		`""`,
		`{"keyId":"k","alg":"ed25519","payload":"cGF5","sig":"c2ln"}`,
		`{"sig":"c2ln","payload":"cGF5"}`,
		`{"payload":"0123456789abcdef0123456789abcdef\"x"}`,
		`{"payload":"0123456789abcdef\\0123456789abcdef"}`,
		`{"payload":"0123456789abcde"`,
	}
	out := make([][]byte, len(seeds))
	for i, s := range seeds {
		out[i] = []byte(s)
	}
	return out
}

// FuzzEnvelopeFast: whatever the fast path accepts, encoding/json accepts
// with the same result, from a zero envelope and from a filled one.
func FuzzEnvelopeFast(f *testing.F) {
	for _, s := range envelopeFastSeeds(f) {
		f.Add(s)
	}
	filled := SignedEnvelope{KeyID: "a", Alg: "b", Payload: "c", Sig: "d"}
	f.Fuzz(func(t *testing.T, raw []byte) {
		ok := checkEnvelopeFast(t, raw, SignedEnvelope{})
		if ok2 := checkEnvelopeFast(t, raw, filled); ok2 != ok {
			t.Fatalf("parseEnvelopeFast(%q) depends on the envelope it fills", raw)
		}
		// The same bytes as a value and as a key: far more of these get
		// through to the string scan.
		checkEnvelopeFast(t, []byte(`{"keyId":"k","payload":"`+string(raw)+`","sig":"s"}`), filled)
		checkEnvelopeFast(t, []byte(`{"`+string(raw)+`":"x"}`), filled)
		// Completeness: an envelope with strings of plain bytes only is
		// taken, whatever their length.
		env := SignedEnvelope{KeyID: string(raw), Payload: string(raw) + string(raw)}
		canon, err := json.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		if plainStringEnd([]byte(string(raw)+`"`), 0) == len(raw) && !bytes.ContainsAny(raw, "<>&") {
			if !checkEnvelopeFast(t, canon, SignedEnvelope{}) {
				t.Fatalf("parseEnvelopeFast refused %s", canon)
			}
		}
	})
}

// BenchmarkParseEnvelopeFast compares the fast path with json.Unmarshal on
// an envelope with a 4 MB payload.
func BenchmarkParseEnvelopeFast(b *testing.B) {
	raw := sealedForTest(b, 3<<20) // base64: 4 MiB
	var want SignedEnvelope
	if err := json.Unmarshal(raw, &want); err != nil {
		b.Fatal(err)
	}
	b.Run("fast", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			var env SignedEnvelope
			if !parseEnvelopeFast(raw, &env) || env.Payload != want.Payload {
				b.Fatal("fast path refused a sealed envelope")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			var env SignedEnvelope
			if err := json.Unmarshal(raw, &env); err != nil {
				b.Fatal(err)
			}
		}
	})
}
