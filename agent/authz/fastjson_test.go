package authz

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// checkRecordFast asserts the contract of decodeRecordFast on data and
// returns what it said: if true, json.Unmarshal into a zero record
// succeeds and gives a deep-equal record (nil and empty slices apart).
func checkRecordFast(t *testing.T, data []byte) bool {
	t.Helper()
	var fast wire.AuthzRecord
	if !decodeRecordFast(data, &fast) {
		return false
	}
	var slow wire.AuthzRecord
	if err := json.Unmarshal(data, &slow); err != nil {
		t.Fatalf("decodeRecordFast(%q) = true, json.Unmarshal: %v", data, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("decodeRecordFast(%q):\n fast %#v\n json %#v", data, fast, slow)
	}
	return true
}

func mustMarshal(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// recordFastSeeds are records in canonical form and variants the fast path
// must refuse or get right.
func recordFastSeeds(tb testing.TB) [][]byte {
	var seeds [][]byte
	for _, i := range []int{0, 1, 2, 3, 10, 20, 12345} {
		seeds = append(seeds, mustMarshal(tb, synRecord(i, int64(i)+1)))
	}
	minimal := wire.AuthzRecord{AuthorizationID: "XPT-2026-00000001", Version: 1, Status: wire.StatusActive,
		Holder:    wire.Holder{Surname: "LEE", GivenNames: "", BirthDate: "1980-01-01", Sex: "X", Nationality: "KOR"},
		Documents: []wire.Document{{IssuingState: "KOR", Number: "M12345678"}},
		ValidFrom: "2026-01-01", ValidUntil: "2027-01-01", Entries: []string{wire.DirUStoCA}, RequireCard: true}
	twoDocs := synRecord(5, 9)
	twoDocs.Documents = append(twoDocs.Documents, wire.Document{Code: "ID", IssuingState: "USA", Number: "X1", ExpiryDate: "2030-01-01"})
	twoDocs.TrustedTraveler = nil
	noTT := synRecord(6, 2)
	noTT.TrustedTraveler = nil
	noTT.MaxStayDays = 0
	empties := wire.AuthzRecord{Documents: []wire.Document{}, Entries: []string{}}
	unicode := synRecord(7, 3)
	unicode.Employer = "Société Générale — Zürich ☃ 𝄞"
	unicode.Holder.GivenNames = "JOSÉ"
	escapes := synRecord(8, 4)
	escapes.Employer = "Procter & Gamble <R&D> \"quoted\" back\\slash\ttab\nnl\x01\x1f/slash\u2028\u2029"
	escapes.Occupation = "\x7f del"
	invalidUTF8 := synRecord(9, 5)
	invalidUTF8.Employer = "bad \xff\xfe utf8"
	negative := synRecord(11, -5)
	negative.MaxStayDays = -1
	big := synRecord(12, 999999999999999999)
	big.MaxStayDays = 1 << 40
	for _, r := range []wire.AuthzRecord{minimal, twoDocs, noTT, empties, {}, unicode, escapes, invalidUTF8, negative, big} {
		seeds = append(seeds, mustMarshal(tb, r))
	}
	indented, _ := json.MarshalIndent(synRecord(13, 1), " ", "\t")
	seeds = append(seeds, indented)
	base := string(mustMarshal(tb, synRecord(14, 7)))
	repl := func(old, new string) string {
		if !strings.Contains(base, old) {
			tb.Fatalf("seed base lacks %q", old)
		}
		return strings.Replace(base, old, new, 1)
	}
	for _, s := range []string{
		// Numbers encoding/json takes differently or not at all.
		repl(`"version":7`, `"version":7.0`),
		repl(`"version":7`, `"version":1e3`),
		repl(`"version":7`, `"version":1E3`),
		repl(`"version":7`, `"version":-0`),
		repl(`"version":7`, `"version":0`),
		repl(`"version":7`, `"version":-7`),
		repl(`"version":7`, `"version":07`),
		repl(`"version":7`, `"version":+7`),
		repl(`"version":7`, `"version":9223372036854775807`),
		repl(`"version":7`, `"version":-9223372036854775808`),
		repl(`"version":7`, `"version":9223372036854775808`),
		repl(`"version":7`, `"version":123456789012345678901234567890`),
		repl(`"version":7`, `"version":999999999999999999`),
		repl(`"version":7`, `"version":1000000000000000000`),
		repl(`"version":7`, `"version":"7"`),
		repl(`"version":7`, `"version":null`),
		repl(`"maxStayDays":180`, `"maxStayDays":180.5`),
		repl(`"maxStayDays":180`, `"maxStayDays":-2147483649`),
		repl(`"maxStayDays":180`, `"maxStayDays":true`),
		// Nulls, wrong types.
		repl(`"status":"active"`, `"status":null`),
		repl(`"status":"active"`, `"status":1`),
		repl(`"status":"active"`, `"status":["active"]`),
		repl(`"requireCard":false`, `"requireCard":true`),
		repl(`"requireCard":false`, `"requireCard":null`),
		repl(`"requireCard":false`, `"requireCard":"false"`),
		repl(`"requireCard":false`, `"requireCard":0`),
		repl(`"requireCard":false`, `"requireCard":fals`),
		repl(`"requireCard":false`, `"requireCard":falsey`),
		repl(`"documents":[`, `"documents":null,"x":[`),
		repl(`"documents":[`, `"documents":[null,`),
		repl(`"documents":[`, `"documents":[{},`),
		repl(`"entries":["CA\u003eUS","US\u003eCA"]`, `"entries":[]`),
		repl(`"entries":["CA\u003eUS","US\u003eCA"]`, `"entries":null`),
		repl(`"entries":["CA\u003eUS","US\u003eCA"]`, `"entries":["a",null]`),
		repl(`"entries":["CA\u003eUS","US\u003eCA"]`, `"entries":["a",1]`),
		repl(`"entries":["CA\u003eUS","US\u003eCA"]`, `"entries":"CA>US"`),
		repl(`"entries":["CA\u003eUS","US\u003eCA"]`, `"entries":["CA>US","US>CA","A","B","C","D"]`),
		repl(`"trustedTraveler":{`, `"trustedTraveler":null,"y":{`),
		repl(`"trustedTraveler":{`, `"trustedTraveler":{},"y":{`),
		repl(`"holder":{`, `"holder":null,"z":{`),
		repl(`"holder":{`, `"holder":[],"z":{`),
		// Keys: unknown, case variants, escaped, duplicated.
		repl(`"status":"active"`, `"status":"active","extra":"x"`),
		repl(`"status":"active"`, `"status":"active","extra":{"a":[1,2,{"b":null}]}`),
		repl(`"status":"active"`, `"Status":"active"`),
		repl(`"status":"active"`, `"STATUS":"active"`),
		repl(`"status":"active"`, `"st\u0061tus":"active"`),
		repl(`"status":"active"`, `"status":"active","status":"revoked"`),
		repl(`"status":"active"`, `"status":"active","Status":"revoked"`),
		repl(`"surname":`, `"Surname":`),
		repl(`"surname":`, `"surname":"X","surname":`),
		repl(`"cardTag":`, `"cardtag":`),
		repl(`"number":`, `"Number":`),
		repl(`"number":`, `"nümber":`),
		// Strings.
		repl(`"status":"active"`, `"status":"act\u0069ve"`),
		repl(`"status":"active"`, `"status":"\"\\\/\b\f\n\r\t"`),
		repl(`"status":"active"`, `"status":"\u00e9\u20AC\uFFFD\u0000"`),
		repl(`"status":"active"`, `"status":"\ud834\udd1e"`),
		repl(`"status":"active"`, `"status":"\ud834"`),
		repl(`"status":"active"`, `"status":"\udd1e\ud834x"`),
		repl(`"status":"active"`, `"status":"\x"`),
		repl(`"status":"active"`, `"status":"\u12"`),
		repl(`"status":"active"`, `"status":"\u12g4"`),
		repl(`"status":"active"`, `"status":"actïve"`),
		repl(`"status":"active"`, "\"status\":\"act\xffve\""),
		repl(`"status":"active"`, "\"status\":\"act\tve\""),
		repl(`"status":"active"`, "\"status\":\"act\x00ve\""),
		repl(`"status":"active"`, "\"status\":\"active"),
		// Structure.
		repl(`{`, ` {`),
		repl(`{`, `[{`),
		base + ` `,
		base + `x`,
		base + `{}`,
		base[:len(base)-1],
		base[:len(base)/2],
		repl(`,`, ` , `),
		repl(`:`, "\n:\r"),
		repl(`,`, `,,`),
		repl(`}`, `,}`),
		`{}`,
		` { } `,
		`{"documents":[],"entries":[]}`,
		`{"documents":[ ],"entries":[ ]}`,
		`{"documents":[{}],"trustedTraveler":{},"holder":{}}`,
		`{"authorizationId":"A","authorizationId":"A"}`,
		`null`,
		`[]`,
		`""`,
		`1`,
		``,
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

func TestDecodeRecordFastTable(t *testing.T) {
	cases := []struct {
		in string
		ok bool
	}{
		{`{}`, true},
		{" {\n\t} \r\n", true},
		{`{"documents":[],"entries":[]}`, true},
		{`{"documents":[ ],"entries":[ ] , "holder" : { } }`, true},
		{`{"trustedTraveler":{}}`, true},
		{`{"documents":[{},{"number":"X"}]}`, true},
		{`{"entries":["a","b","c","d","e","f","g"]}`, true},
		{`{"documents":[{"number":"1"},{"number":"2"},{"number":"3"},{"number":"4"},{"number":"5"}]}`, true},
		{`{"version":0}`, true},
		{`{"version":-0}`, true},
		{`{"version":-12}`, true},
		{`{"version":999999999999999999}`, true},
		{`{"version":-999999999999999999}`, true},
		{`{"maxStayDays":-1}`, true},
		{`{"requireCard":true}`, true},
		{`{"requireCard":false}`, true},
		{`{"status":"a\"b\\c\/d\be\ff\ng\rh\ti"}`, true},
		{`{"status":"\u0041\u00e9\u20ac\uFFFD\u0000\u001f\u007f"}`, true},
		{`{"status":"x\u0041"}`, true},
		{`{"status":"\u0041x"}`, true},
		{`{"employer":"Procter \u0026 Gamble"}`, true},
		{"{\"status\":\"\x7f\"}", true},

		{`{"version":1000000000000000000}`, false}, // 19 digits: left to encoding/json
		{`{"version":9223372036854775808}`, false},
		{`{"version":1.0}`, false},
		{`{"version":1e3}`, false},
		{`{"version":1E3}`, false},
		{`{"version":1.5}`, false},
		{`{"version":01}`, false},
		{`{"version":-01}`, false},
		{`{"version":+1}`, false},
		{`{"version":-}`, false},
		{`{"version":"1"}`, false},
		{`{"version":null}`, false},
		{`{"version":1x}`, false},
		{`{"requireCard":1}`, false},
		{`{"requireCard":tru}`, false},
		{`{"requireCard":truee}`, false},
		{`{"requireCard":null}`, false},
		{`{"status":null}`, false},
		{`{"holder":null}`, false},
		{`{"trustedTraveler":null}`, false},
		{`{"documents":null}`, false},
		{`{"documents":[null]}`, false},
		{`{"entries":null}`, false},
		{`{"entries":[null]}`, false},
		{`{"entries":[1]}`, false},
		{`{"entries":["a",]}`, false},
		{`{"entries":[,"a"]}`, false},
		{`{"entries":["a" "b"]}`, false},
		{`{"documents":{}}`, false},
		{`{"holder":[]}`, false},
		{`{"holder":{"surname":"A","surname":"B"}}`, false},
		{`{"holder":{"Surname":"A"}}`, false},
		{`{"holder":{"middleName":"A"}}`, false},
		{`{"documents":[{"Number":"1"}]}`, false},
		{`{"trustedTraveler":{"cardtag":"1"}}`, false},
		{`{"status":"a","status":"a"}`, false},
		{`{"Status":"a"}`, false},
		{`{"authorizationID":"a"}`, false},
		{`{"extra":1}`, false},
		{`{"st\u0061tus":"a"}`, false},
		{`{"status":"\ud834\udd1e"}`, false},
		{`{"status":"\ud834"}`, false},
		{`{"status":"\x41"}`, false},
		{`{"status":"\u004"}`, false},
		{`{"status":"\u004g"}`, false},
		{`{"status":"\`, false},
		{`{"status":"\"`, false},
		{`{"status":"a`, false},
		{`{"status":"é"}`, false},
		{"{\"status\":\"\xff\"}", false},
		{"{\"status\":\"a\tb\"}", false},
		{"{\"status\":\"a\\u0041\nb\"}", false},
		{`{"status":"a"`, false},
		{`{"status":"a",}`, false},
		{`{,"status":"a"}`, false},
		{`{"status" "a"}`, false},
		{`{"status":"a"}}`, false},
		{`{"status":"a"} x`, false},
		{`{}{}`, false},
		{`[{}]`, false},
		{`null`, false},
		{``, false},
		{` `, false},
		{`{`, false},
		{"\v{}", false},
	}
	for _, c := range cases {
		if got := checkRecordFast(t, []byte(c.in)); got != c.ok {
			t.Errorf("decodeRecordFast(%s) = %v, want %v", c.in, got, c.ok)
		}
	}
}

// TestDecodeRecordFastCanonical: what json.Marshal writes for realistic
// records is all taken by the fast path, with encoding/json's result.
func TestDecodeRecordFastCanonical(t *testing.T) {
	for i := range 2000 {
		rec := synRecord(i, int64(i)*7-3)
		data := mustMarshal(t, rec)
		if !checkRecordFast(t, data) {
			t.Fatalf("refused synRecord(%d): %s", i, data)
		}
		var got wire.AuthzRecord
		decodeRecordFast(data, &got)
		if !reflect.DeepEqual(got, rec) {
			t.Fatalf("synRecord(%d):\n got %#v\nwant %#v", i, got, rec)
		}
	}
	seeds := recordFastSeeds(t)
	taken := 0
	for _, s := range seeds {
		if checkRecordFast(t, s) {
			taken++
		}
	}
	t.Logf("%d of %d seeds taken by the fast path", taken, len(seeds))
}

// TestDecodeRecordFastRandom marshals random records with strings that
// need escapes or are not ASCII: the fast path takes exactly those whose
// strings are ASCII (with escapes), and agrees with encoding/json.
func TestDecodeRecordFastRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	alphabet := []string{"A", "z", "0", " ", "-", "<", ">", "&", "\"", "\\", "/", "\n", "\t", "\x00", "\x1f", "\x7f",
		"é", "€", "𝄞", "\u2028", "\xff", "\ufffd", "\ufeff"}
	str := func() string {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		return b.String()
	}
	for i := range 20000 {
		rec := wire.AuthzRecord{AuthorizationID: str(), Version: r.Int64N(2e15) - 1e15, Status: str(),
			Category: str(), Occupation: str(), Employer: str(),
			Holder:    wire.Holder{Surname: str(), GivenNames: str(), BirthDate: str(), Sex: str(), Nationality: str()},
			ValidFrom: str(), ValidUntil: str(), MaxStayDays: r.IntN(2000) - 1000, RequireCard: r.IntN(2) == 0}
		if r.IntN(3) > 0 {
			rec.Documents = make([]wire.Document, r.IntN(6))
			for j := range rec.Documents {
				rec.Documents[j] = wire.Document{Code: str(), IssuingState: str(), Number: str(), ExpiryDate: str()}
			}
		}
		if r.IntN(3) > 0 {
			rec.Entries = make([]string, r.IntN(7))
			for j := range rec.Entries {
				rec.Entries[j] = str()
			}
		}
		if r.IntN(2) == 0 {
			rec.TrustedTraveler = &wire.TrustedTraveler{Program: str(), MembershipID: str(), CardTag: str()}
		}
		data := mustMarshal(t, rec)
		if i%2 == 1 {
			var buf bytes.Buffer
			json.Indent(&buf, data, "", "  ")
			data = buf.Bytes()
		}
		got := checkRecordFast(t, data)
		ascii := !bytes.ContainsFunc(data, func(c rune) bool { return c >= 0x80 }) && !bytes.Contains(data, []byte(`\ud`))
		if got != ascii {
			t.Fatalf("decodeRecordFast(%s) = %v, want %v", data, got, ascii)
		}
	}
}

// FuzzDecodeRecordFast: whatever the fast path takes, encoding/json takes
// and decodes the same.
func FuzzDecodeRecordFast(f *testing.F) {
	for _, s := range recordFastSeeds(f) {
		f.Add(s)
	}
	wraps := [][2]string{
		{`{"employer":"`, `"}`},
		{`{"version":`, `}`},
		{`{"maxStayDays":`, `,"requireCard":true}`},
		{`{"entries":["a",`, `]}`},
		{`{"documents":[{"number":"`, `"}],"holder":{}}`},
		{`{"holder":{"surname":"X",`, `}}`},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Stricter than needed: the fast path validates what it takes,
		// so even on text that is not valid JSON a true must be right.
		checkRecordFast(t, data)
		// The same input as a string, a number, an element, a member:
		// far more of these get through to the decoding.
		for _, w := range wraps {
			checkRecordFast(t, []byte(w[0]+string(data)+w[1]))
		}
		// Completeness: what json.Marshal writes for a record decoded from
		// data is taken, unless it has bytes from 0x80 on (json.Marshal
		// writes them raw), a nil slice (written as null) or numbers of
		// 19 digits.
		var rec wire.AuthzRecord
		if json.Unmarshal(data, &rec) != nil || rec.Documents == nil || rec.Entries == nil {
			return
		}
		canon := mustMarshal(t, rec)
		if bytes.ContainsFunc(canon, func(c rune) bool { return c >= 0x80 }) ||
			rec.Version <= -1e18 || rec.Version >= 1e18 || rec.MaxStayDays <= -1e18 || rec.MaxStayDays >= 1e18 {
			return
		}
		if !checkRecordFast(t, canon) {
			t.Fatalf("decodeRecordFast refused canonical %s", canon)
		}
	})
}

func TestSplitJSONArrayFast(t *testing.T) {
	cases := []struct {
		in   string
		want []string // nil: not ok
	}{
		{`[]`, []string{}},
		{" [ \n ] ", []string{}},
		{`[1]`, []string{`1`}},
		{` [ 1 , "a" ,null,true ] `, []string{`1`, `"a"`, `null`, `true`}},
		{`[{"a":[1,2,{"b":"]"}]},[[]],{}]`, []string{`{"a":[1,2,{"b":"]"}]}`, `[[]]`, `{}`}},
		{`["a\"b","c\\","d\\\"e","\\\\",",","[","{"]`, []string{`"a\"b"`, `"c\\"`, `"d\\\"e"`, `"\\\\"`, `","`, `"["`, `"{"`}},
		{"[\n\t{\"x\": \"y , z\"}\r\n]", []string{`{"x": "y , z"}`}},
		{`["é","\u0022"]`, []string{`"é"`, `"\u0022"`}},
		{`null`, nil},
		{`{}`, nil},
		{`"[1]"`, nil},
		{`1`, nil},
		{``, nil},
		{`[`, nil},
		{`]`, nil},
		{`[1,]`, nil},
		{`[,1]`, nil},
		{`[1]]`, nil},
		{`["a]`, nil},
		{`[{]`, nil},
	}
	for _, c := range cases {
		got, ok := splitJSONArray([]byte(c.in))
		if ok != (c.want != nil) {
			t.Errorf("splitJSONArray(%q): ok %v", c.in, ok)
			continue
		}
		if !ok {
			continue
		}
		if got == nil || len(got) != len(c.want) {
			t.Errorf("splitJSONArray(%q) = %q, want %q", c.in, got, c.want)
			continue
		}
		for i := range got {
			if string(got[i]) != c.want[i] {
				t.Errorf("splitJSONArray(%q) = %q, want %q", c.in, got, c.want)
				break
			}
		}
		if json.Valid([]byte(c.in)) {
			checkSplit(t, []byte(c.in))
		}
	}
}

// checkSplit compares splitJSONArray with json.Unmarshal into
// []json.RawMessage on arr; on text that is not valid JSON it only checks
// that the elements are sub-slices of arr.
func checkSplit(t *testing.T, arr []byte) {
	t.Helper()
	got, ok := splitJSONArray(arr)
	if ok && got == nil {
		t.Fatalf("splitJSONArray(%q): ok with nil elements", arr)
	}
	for _, e := range got {
		// A sub-slice arr[a:b] has capacity cap(arr)-a.
		a := cap(arr) - cap(e)
		if len(e) == 0 || a < 0 || a+len(e) > len(arr) || &arr[a] != &e[0] {
			t.Fatalf("splitJSONArray(%q): element %q is not a sub-slice", arr, e)
		}
	}
	if !json.Valid(arr) {
		return
	}
	var want []json.RawMessage
	err := json.Unmarshal(arr, &want)
	isNull := string(bytes.TrimSpace(arr)) == "null"
	if (err == nil && !isNull) != ok {
		t.Fatalf("splitJSONArray(%q): ok %v, json.Unmarshal: %v", arr, ok, err)
	}
	if !ok {
		return
	}
	if len(got) != len(want) {
		t.Fatalf("splitJSONArray(%q) = %q, want %q", arr, got, want)
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("splitJSONArray(%q) = %q, want %q", arr, got, want)
		}
	}
}

func FuzzSplitJSONArray(f *testing.F) {
	recs := mustMarshal(f, []wire.AuthzRecord{synRecord(1, 1), synRecord(2, 2)})
	for _, s := range []string{
		string(recs),
		`[]`, ` [ ] `, `[1, 2 ,3 ]`, `["a\"b","c\\",{"d":["]"]}]`, `[[[]],{},"",null]`,
		`null`, `{}`, `"x"`, `[1,]`, `[`, `["\\\"]"]`, "[\n{\"a\":\"\\u005c\"}\t]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, arr []byte) {
		if len(arr) == 0 {
			if _, ok := splitJSONArray(arr); ok {
				t.Fatal("empty input split")
			}
		} else {
			checkSplit(t, arr)
		}
		// Random bytes are seldom valid JSON: also build a valid array
		// from them.
		gen := genJSONArray(arr)
		if !json.Valid(gen) {
			t.Fatalf("genJSONArray made %q", gen)
		}
		checkSplit(t, gen)
	})
}

// genJSONArray builds a valid JSON array from src, as a program: nested
// values, strings with escapes and with the bytes the split looks at,
// whitespace everywhere.
func genJSONArray(src []byte) []byte {
	g := jsonGen{src: src}
	b := g.ws(nil)
	b = g.array(b, 0)
	return g.ws(b)
}

type jsonGen struct {
	src []byte
	i   int
}

func (g *jsonGen) next() byte {
	if g.i >= len(g.src) {
		return 0
	}
	g.i++
	return g.src[g.i-1]
}

func (g *jsonGen) ws(b []byte) []byte {
	for c := g.next(); c&3 == 3; c = g.next() {
		b = append(b, " \t\n\r"[c>>2&3])
	}
	return b
}

func (g *jsonGen) array(b []byte, depth int) []byte {
	b = append(b, '[')
	b = g.ws(b)
	for n := 0; g.i < len(g.src) && g.next()%4 != 0; n++ {
		if n > 0 {
			b = append(b, ',')
			b = g.ws(b)
		}
		b = g.value(b, depth+1)
		b = g.ws(b)
	}
	return append(b, ']')
}

var genStringParts = []string{`a`, `,`, `[`, `]`, `{`, `}`, `:`, ` `, `\"`, `\\`, `\\\"`, `\\\\`, `\/`, `\n`, `\u0022`, `\u005c`, `\u005C`, `é`, `\ud834\udd1e`}

func (g *jsonGen) str(b []byte) []byte {
	b = append(b, '"')
	for k := g.next() % 8; k > 0; k-- {
		b = append(b, genStringParts[int(g.next())%len(genStringParts)]...)
	}
	return append(b, '"')
}

func (g *jsonGen) value(b []byte, depth int) []byte {
	switch c := g.next(); c % 8 {
	case 0, 1:
		return g.str(b)
	case 2:
		return append(b, []string{"0", "-1", "1.5e3", "123456789012345678901234567890", "-0.0"}[c>>3%5]...)
	case 3:
		return append(b, []string{"true", "false", "null"}[c>>3%3]...)
	case 4, 5:
		if depth < 5 {
			return g.array(b, depth)
		}
		return append(b, "[]"...)
	default:
		b = append(b, '{')
		b = g.ws(b)
		for n := 0; depth < 5 && g.i < len(g.src) && g.next()%3 != 0; n++ {
			if n > 0 {
				b = append(b, ',')
				b = g.ws(b)
			}
			b = g.str(b)
			b = g.ws(b)
			b = append(b, ':')
			b = g.ws(b)
			b = g.value(b, depth+1)
			b = g.ws(b)
		}
		return append(b, '}')
	}
}

func BenchmarkDecodeRecordFast(b *testing.B) {
	data := mustMarshal(b, synRecord(42, 3))
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var r wire.AuthzRecord
			if !decodeRecordFast(data, &r) {
				b.Fatal("refused")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var r wire.AuthzRecord
			if err := json.Unmarshal(data, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkSplitJSONArray(b *testing.B) {
	recs := make([]wire.AuthzRecord, 1000)
	for i := range recs {
		recs[i] = synRecord(i, 1)
	}
	data := mustMarshal(b, recs)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if e, ok := splitJSONArray(data); !ok || len(e) != len(recs) {
				b.Fatal("bad split")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var e []json.RawMessage
			if err := json.Unmarshal(data, &e); err != nil || len(e) != len(recs) {
				b.Fatal(err)
			}
		}
	})
}
