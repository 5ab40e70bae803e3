package mrz

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

var today = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

var specimenTD3 = []string{
	"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
	"L898902C36UTO7408122F1204159ZE184226B<<<<<10",
}

func date(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

func TestSpecimenTD3(t *testing.T) {
	r := Parse(specimenTD3, Options{Today: today})
	if !r.Valid || r.Format != TD3 || r.Err() != nil {
		t.Fatalf("valid %v format %v errors %v", r.Valid, r.Format, r.Errors)
	}
	want := Fields{Format: TD3, DocumentCode: "P", IssuingState: "UTO", Nationality: "UTO",
		DocumentNumber: "L898902C3", Surname: "ERIKSSON", GivenNames: "ANNA MARIA", Sex: "F",
		BirthDate: date(1974, 8, 12), ExpiryDate: date(2012, 4, 15), OptionalData: "ZE184226B"}
	if r.Fields != want {
		t.Fatalf("fields\n got %+v\nwant %+v", r.Fields, want)
	}
}

func TestCheckDigit(t *testing.T) {
	for _, c := range []struct {
		in   string
		want byte
	}{{"L898902C3", '6'}, {"740812", '2'}, {"120415", '9'}, {"ZE184226B<<<<<", '1'}, {"<<<<<<", '0'}, {"", '0'}, {"D23145890", '7'}} {
		if d, ok := CheckDigit(c.in); !ok || d != c.want {
			t.Errorf("CheckDigit(%q) = %c %v, want %c", c.in, d, ok, c.want)
		}
	}
	if _, ok := CheckDigit("AB*"); ok {
		t.Error("CheckDigit accepted *")
	}
}

func TestKnownState(t *testing.T) {
	for _, s := range []string{"D", "D<<", "UTO", "XXA", "XXB", "XXC", "XXX", "EUE", "UNO", "GBR", "FRA", "RKS"} {
		if !KnownState(s) {
			t.Errorf("KnownState(%q) = false", s)
		}
	}
	for _, s := range []string{"", "QQQ", "DE", "ABCD", "utO", "<<<", "1AB"} {
		if KnownState(s) {
			t.Errorf("KnownState(%q) = true", s)
		}
	}
}

func TestTransliterate(t *testing.T) {
	for in, want := range map[string]string{
		"Éloïse":           "ELOISE",
		"Müller":           "MUELLER",
		"Straße":           "STRASSE",
		"Øster-Gård":       "OESTER<GAARD",
		"O'Neill":          "ONEILL",
		"Łukasz Żółć":      "LUKASZ<ZOLC",
		"Ærøskøbing":       "AEROESKOEBING",
		"Þór":              "THOR",
		"Ĳsselmeer":        "IJSSELMEER",
		"Щукин":            "SHCHUKIN",
		"anna maria":       "ANNA<MARIA",
		"Ştefan Ţiriac":    "STEFAN<TIRIAC",
		"Nuñez Çelik":      "NUNEZ<CELIK",
		"José-María Ávila": "JOSE<MARIA<AVILA",
	} {
		got, err := Transliterate(in)
		if err != nil || got != want {
			t.Errorf("Transliterate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := Transliterate("李"); err == nil {
		t.Error("Transliterate(李) did not fail")
	}
}

func TestGenerateSpecimen(t *testing.T) {
	lines, err := Generate(Fields{DocumentCode: "P", IssuingState: "UTO", Nationality: "UTO",
		DocumentNumber: "L898902C3", Surname: "Eriksson", GivenNames: "Anna María", Sex: "F",
		BirthDate: date(1974, 8, 12), ExpiryDate: date(2012, 4, 15), OptionalData: "ZE184226B"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(lines, "\n") != strings.Join(specimenTD3, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(specimenTD3, "\n"))
	}
	td1, err := Generate(Fields{Format: TD1, DocumentCode: "I", IssuingState: "UTO", Nationality: "UTO",
		DocumentNumber: "D23145890", Surname: "ERIKSSON", GivenNames: "ANNA MARIA", Sex: "F",
		BirthDate: date(1974, 8, 12), ExpiryDate: date(2012, 4, 15)})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"}
	if strings.Join(td1, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got %q want %q", td1, want)
	}
}

// TestGenerateNational writes the two national formats that Generate
// learnt last: the Dutch licence rebuilds the real RDW line from its
// fields, and both parse back as valid with the same fields.
func TestGenerateNational(t *testing.T) {
	dl, err := Generate(Fields{Format: DutchDL, VersionNumber: "1", DocumentNumber: "5094962111", OptionalData: "659VW87Z78NB8"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "D1NLD15094962111659VW87Z78NB84"; len(dl) != 1 || dl[0] != want {
		t.Fatalf("Dutch licence: got %q, want %q", dl, want)
	}
	sk := Fields{Format: SlovakID, DocumentCode: "I", Nationality: "SVK", DocumentNumber: "AB1234567",
		Surname: "Novák", GivenNames: "Ján", Sex: "M", BirthDate: date(1981, 10, 25), ExpiryDate: date(2018, 1, 2), OptionalData: "749313"}
	lines, err := Generate(sk)
	if err != nil {
		t.Fatal(err)
	}
	r := Parse(lines, Options{Today: today})
	if !r.Valid || r.Format != SlovakID || r.IssuingState != "SVK" || r.DocumentNumber != "AB1234567" || r.Surname != "NOVAK" ||
		r.GivenNames != "JAN" || r.OptionalData != "749313" || !r.BirthDate.Equal(sk.BirthDate) || !r.ExpiryDate.Equal(sk.ExpiryDate) {
		t.Fatalf("Slovak card %q parses as %+v", lines, r)
	}
	for name, f := range map[string]Fields{
		"Dutch licence from FRA":     {Format: DutchDL, IssuingState: "FRA", VersionNumber: "1", DocumentNumber: "5094962111"},
		"Dutch number of 9 digits":   {Format: DutchDL, VersionNumber: "1", DocumentNumber: "509496211"},
		"Dutch number with a letter": {Format: DutchDL, VersionNumber: "1", DocumentNumber: "509496211X"},
		"Dutch licence, no version":  {Format: DutchDL, DocumentNumber: "5094962111"},
		"Dutch code P":               {Format: DutchDL, DocumentCode: "P", VersionNumber: "1", DocumentNumber: "5094962111"},
		"Slovak card from CZE":       {Format: SlovakID, DocumentCode: "I", IssuingState: "CZE", Nationality: "CZE", DocumentNumber: "1", Surname: "A"},
		"Slovak number of 10":        {Format: SlovakID, DocumentCode: "I", Nationality: "SVK", DocumentNumber: "1234567890", Surname: "A"},
		"Swiss licence":              {Format: SwissDL, DocumentNumber: "AAA001D", Surname: "A"},
	} {
		var ge *GenerateError
		if _, err := Generate(f); !errors.As(err, &ge) {
			t.Errorf("%s: err %v, want a *GenerateError", name, err)
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	base := Fields{Format: TD3, DocumentCode: "P", IssuingState: "UTO", Nationality: "UTO", DocumentNumber: "X1", Surname: "A"}
	for name, mod := range map[string]func(*Fields){
		"number too long for TD3": func(f *Fields) { f.DocumentNumber = "1234567890" },
		"no number":               func(f *Fields) { f.DocumentNumber = "" },
		"no code":                 func(f *Fields) { f.DocumentCode = "" },
		"digit in state":          func(f *Fields) { f.IssuingState = "U1O" },
		"state too long":          func(f *Fields) { f.IssuingState = "UTOP" },
		"bad sex":                 func(f *Fields) { f.Sex = "Q" },
		"han name":                func(f *Fields) { f.Surname = "李" },
		"optional too long":       func(f *Fields) { f.OptionalData = "123456789012345" },
		"optional2 on TD3":        func(f *Fields) { f.OptionalData2 = "X" },
		"bad format":              func(f *Fields) { f.Format = 42 },
	} {
		f := base
		mod(&f)
		_, err := Generate(f)
		var ge *GenerateError
		if !errors.As(err, &ge) {
			t.Errorf("%s: err %v, want a *GenerateError", name, err)
		}
	}
}

// normalized is what parsing a generated zone should give back.
func normalized(f Fields) Fields {
	tr := func(s string) string {
		t, _ := Transliterate(s)
		return strings.Join(strings.FieldsFunc(t, func(r rune) bool { return r == '<' }), " ")
	}
	f.Surname, f.GivenNames = tr(f.Surname), tr(f.GivenNames)
	if f.Sex == "" {
		f.Sex = "X"
	}
	if f.Format == FrenchID {
		f.Nationality = "FRA"
	}
	f.OptionalData = strings.Trim(f.OptionalData, "<")
	f.OptionalData2 = strings.Trim(f.OptionalData2, "<")
	return f
}

func TestRoundTripRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var r Result
	for i := 0; i < 5000; i++ {
		f := RandomFields(rng)
		lines, err := Generate(f)
		if err != nil {
			t.Fatalf("Generate(%+v): %v", f, err)
		}
		ParseInto(&r, lines, Options{Today: today})
		if !r.Valid {
			t.Fatalf("%q: errors %v", lines, r.Errors)
		}
		if want := normalized(f); r.Fields != want {
			t.Fatalf("%q\n got %+v\nwant %+v", lines, r.Fields, want)
		}
	}
}

func TestParseIntoKeepsEarlierStrings(t *testing.T) {
	var r Result
	ParseInto(&r, specimenTD3, Options{Today: today})
	given := r.GivenNames
	ParseInto(&r, []string{"I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "SMITH<<JOHN<ALBERT<<<<<<<<<<<<"}, Options{Today: today})
	if given != "ANNA MARIA" || r.GivenNames != "JOHN ALBERT" {
		t.Fatalf("given names %q then %q", given, r.GivenNames)
	}
}

func TestErrorsCarryPositions(t *testing.T) {
	bad := []string{specimenTD3[0], "L898902C37UTO7408122F1204159ZE184226B<<<<<10"}
	r := Parse(bad, Options{Today: today})
	if r.Valid || len(r.Errors) == 0 {
		t.Fatal("altered check digit accepted")
	}
	e := r.Errors[0]
	if e.Field != "documentNumber" || e.Code != CodeCheckDigit || e.Line != 2 || e.Col != 10 {
		t.Fatalf("first error %+v", e)
	}
	var err *Error
	if !errors.As(r.Err(), &err) || !strings.Contains(err.Error(), "line 2 column 10") {
		t.Fatalf("Err() = %v", r.Err())
	}
}

func TestJSONAlwaysValid(t *testing.T) {
	for _, lines := range [][]string{
		{"P<UTO\"ERIK\\SSON\x00<<ANNA\u2028<<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"},
		{"\xff\xfe", "x"},
		nil,
	} {
		b, _ := Parse(lines, Options{Today: today}).MarshalJSON()
		if !json.Valid(b) {
			t.Errorf("invalid JSON for %q: %s", lines, b)
		}
	}
}

func TestStrictMakesUnknownStatesErrors(t *testing.T) {
	lines := []string{"P<QQQERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"}
	if r := Parse(lines, Options{Today: today}); !r.Valid || len(r.Warnings) == 0 {
		t.Fatalf("lenient: valid %v warnings %v", r.Valid, r.Warnings)
	}
	if r := Parse(lines, Options{Today: today, Strict: true}); r.Valid {
		t.Fatal("strict accepted QQQ")
	}
}

func TestDefaultTodayIsNow(t *testing.T) {
	r := Parse(specimenTD3, Options{})
	if !r.Valid || r.BirthDate != date(1974, 8, 12) {
		t.Fatalf("%v %v", r.Valid, r.BirthDate)
	}
}

func TestSumFromMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
	for n := 0; n < 2000; n++ {
		b := make([]byte, rng.IntN(45))
		for i := range b {
			b[i] = chars[rng.IntN(len(chars))]
		}
		w0 := rng.IntN(3)
		want, w := 0, w0
		for _, c := range b {
			want += int(charValue[c]) * weights[w]
			w = (w + 1) % 3
		}
		got, gw, ok := sumFrom(string(b), 5, w0)
		if !ok || got != want+5 || gw != w {
			t.Fatalf("sumFrom(%q, 5, %d) = %d, %d, %v; want %d, %d", b, w0, got, gw, ok, want+5, w)
		}
	}
}

func TestLinesInOneString(t *testing.T) {
	for _, in := range [][]string{
		{specimenTD3[0] + "\n" + specimenTD3[1]},
		{specimenTD3[0] + "\r\n" + specimenTD3[1] + "\r\n"},
		{"", specimenTD3[0], "  ", specimenTD3[1], ""},
		{specimenTD3[0] + specimenTD3[1]},
	} {
		if r := Parse(in, Options{Today: today}); !r.Valid || r.DocumentNumber != "L898902C3" {
			t.Errorf("%q: valid %v errors %v", in, r.Valid, r.Errors)
		}
	}
}

func TestGivenNamesList(t *testing.T) {
	for _, c := range []struct {
		lines []string
		want  []string
	}{
		{[]string{"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"}, []string{"ANNA", "MARIA"}},
		{[]string{"IDFRAPETE<<<<<<<<<<<<<<<<<<<<<952042", "0509952018746NICOLAS<<PAUL<8206152M3"}, []string{"NICOLAS", "PAUL"}},
		{[]string{"D1FRA13AA000026181231MARTIN<<9"}, nil},
	} {
		r := Parse(c.lines, Options{Today: today})
		if got := r.GivenNamesList(); !slices.Equal(got, c.want) {
			t.Errorf("%q: GivenNamesList %q, want %q", r.GivenNames, got, c.want)
		}
		b, _ := r.MarshalJSON()
		var j struct{ GivenNamesList []string }
		if err := json.Unmarshal(b, &j); err != nil || !slices.Equal(j.GivenNamesList, c.want) || !bytes.Contains(b, []byte(`"givenNamesList":[`)) {
			t.Errorf("JSON givenNamesList %q (%v) in %s", j.GivenNamesList, err, b)
		}
	}
}
