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
	sk.Nationality = "" // the holder is Slovak
	if again, err := Generate(sk); err != nil || !slices.Equal(again, lines) {
		t.Fatalf("Slovak card without a nationality: %q %v, want %q", again, err, lines)
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
		"Slovak card, Czech holder":  {Format: SlovakID, DocumentCode: "I", Nationality: "CZE", DocumentNumber: "1", Surname: "A"},
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
	if f.Sex == "" && layouts[f.Format].sex.ok() {
		f.Sex = "X" // the driving licences hold no sex
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
	seen := map[Format]int{}
	for i := 0; i < 5000; i++ {
		f := RandomFields(rng)
		seen[f.Format]++
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
	if len(seen) != len(randomFormats) || len(randomFormats) != int(DutchDL) {
		t.Errorf("formats drawn %v, want every one of the %d formats", seen, DutchDL)
	}
}

// TestRandomFieldsOfTravelFormats: the CLI's --random, its simulators
// and the npm benchmark keep to the formats RandomFields drew from
// before the driving licences and the Slovak card, and get the same
// documents for the same seed (the first three below were generated,
// with seed (1, 2), by RandomFields before the change).
func TestRandomFieldsOfTravelFormats(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i, want := range [][]string{
		{"V<USAPAPADOPOULOS<<JOSE<<<<<<<<<<<<<", "7EO20SCLB5XXA7406047M2208132<<<<<<<<"},
		{"V<FRAONEILL<<AASA<<<<<<<<<<<<<<<<<<<<<<<<<<<", "AW8ZDN64N8UTO0412133X2809159<<<<<<<<<<<<<<<<"},
		{"V<UTONGUYEN<<KAI<<<<<<<<<<<<<<<<<<<<", "EV848QTO02USA1010248F3308095<<<<<<<<"},
	} {
		if got, err := Generate(RandomFieldsOf(rng, TravelFormats()...)); err != nil || !slices.Equal(got, want) {
			t.Errorf("document %d: %q, %v; want %q", i+1, got, err, want)
		}
	}
	for i := 0; i < 2000; i++ {
		f := RandomFieldsOf(rng, TravelFormats()...)
		if !slices.Contains(TravelFormats(), f.Format) {
			t.Fatalf("format %s drawn from %v", f.Format, TravelFormats())
		}
	}
	one := RandomFieldsOf(rand.New(rand.NewPCG(5, 5)), SwissDL)
	if one.Format != SwissDL {
		t.Errorf("RandomFieldsOf(SwissDL) drew %s", one.Format)
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

// TestGenerateLicences writes the French and Swiss driving licences: the
// real zones of the test tables come back byte for byte from the fields
// they parse to, and parse back, valid, to the fields written.
func TestGenerateLicences(t *testing.T) {
	for _, c := range []struct {
		name string
		in   Fields
		want []string
		back Fields // what Parse gives back
	}{
		{"French, defaults", Fields{Format: FrenchDL, DocumentNumber: "13AA00002", ExpiryDate: date(2018, 12, 31), Surname: "Martin"},
			[]string{"D1FRA13AA000026181231MARTIN<<9"},
			Fields{Format: FrenchDL, DocumentCode: "D1", IssuingState: "FRA", DocumentNumber: "13AA00002", ExpiryDate: date(2018, 12, 31), Surname: "MARTIN"}},
		{"French, what it does not hold is ignored", Fields{Format: FrenchDL, DocumentCode: "D1", IssuingState: "FRA", Nationality: "ITA", Sex: "M",
			DocumentNumber: "13BB14895", BirthDate: date(1970, 1, 1), ExpiryDate: date(2028, 9, 20), Surname: "Bettolo", GivenNames: "Marco"},
			[]string{"D1FRA13BB148959280920BETTOLO<7"},
			Fields{Format: FrenchDL, DocumentCode: "D1", IssuingState: "FRA", DocumentNumber: "13BB14895", ExpiryDate: date(2028, 9, 20), Surname: "BETTOLO"}},
		{"French, code B1, the surname's first 8", Fields{Format: FrenchDL, DocumentCode: "B1", DocumentNumber: "99ZZ12345", ExpiryDate: date(2030, 1, 1), Surname: "Longsurname"},
			[]string{"B1FRA99ZZ123455300101LONGSURN5"},
			Fields{Format: FrenchDL, DocumentCode: "B1", IssuingState: "FRA", DocumentNumber: "99ZZ12345", ExpiryDate: date(2030, 1, 1), Surname: "LONGSURN"}},
		{"French, short number, no expiry, spaced surname", Fields{Format: FrenchDL, DocumentNumber: "12345", Surname: "van der Berg"},
			[]string{"D1FRA12345<<<<1<<<<<<VAN<DER<4"},
			Fields{Format: FrenchDL, DocumentCode: "D1", IssuingState: "FRA", DocumentNumber: "12345", Surname: "VAN DER"}},
		{"Swiss, defaults", Fields{Format: SwissDL, DocumentNumber: "AAA001D", PINCode: "305142128", VersionNumber: "097",
			BirthDate: date(1980, 1, 26), Surname: "Marchand", GivenNames: "Fabienne"},
			[]string{"AAA001D<<", "FACHE305142128097<<800126<<<<<", "MARCHAND<<FABIENNE<<<<<<<<<<<<"},
			Fields{Format: SwissDL, DocumentCode: "FA", IssuingState: "CHE", DocumentNumber: "AAA001D", LanguageCode: "D", PINCode: "305142128", VersionNumber: "097",
				BirthDate: date(1980, 1, 26), Surname: "MARCHAND", GivenNames: "FABIENNE"}},
		{"Swiss, Liechtenstein, what it does not hold is ignored", Fields{Format: SwissDL, DocumentCode: "FA", IssuingState: "LIE", Nationality: "LIE", Sex: "M",
			DocumentNumber: "FL0123F", LanguageCode: "F", PINCode: "000012345", VersionNumber: "001", BirthDate: date(1975, 12, 31), ExpiryDate: date(2030, 1, 1),
			Surname: "Muster", GivenNames: "Hans Peter"},
			[]string{"FL0123F<<", "FALIE000012345001<<751231<<<<<", "MUSTER<<HANS<PETER<<<<<<<<<<<<"},
			Fields{Format: SwissDL, DocumentCode: "FA", IssuingState: "LIE", DocumentNumber: "FL0123F", LanguageCode: "F", PINCode: "000012345", VersionNumber: "001",
				BirthDate: date(1975, 12, 31), Surname: "MUSTER", GivenNames: "HANS PETER"}},
		{"Swiss, unknown birth date", Fields{Format: SwissDL, DocumentNumber: "aaa000i", PINCode: "000123456", VersionNumber: "789", Surname: "Sample", GivenNames: "Angela"},
			[]string{"AAA000I<<", "FACHE000123456789<<<<<<<<<<<<<", "SAMPLE<<ANGELA<<<<<<<<<<<<<<<<"},
			Fields{Format: SwissDL, DocumentCode: "FA", IssuingState: "CHE", DocumentNumber: "AAA000I", LanguageCode: "I", PINCode: "000123456", VersionNumber: "789",
				Surname: "SAMPLE", GivenNames: "ANGELA"}},
	} {
		lines, err := Generate(c.in)
		if err != nil || !slices.Equal(lines, c.want) {
			t.Errorf("%s: %q, %v; want %q", c.name, lines, err, c.want)
			continue
		}
		r := Parse(lines, Options{Today: today})
		if !r.Valid || r.Fields != c.back {
			t.Errorf("%s: %q parses (valid %v, %v) as\n %+v\nwant %+v", c.name, lines, r.Valid, r.Errors, r.Fields, c.back)
		}
	}

	// Every valid licence of the tables is rebuilt from its fields.
	var all []testCase
	readJSON(t, "testdata/peers.json", &all)
	n := 0
	for _, c := range append(all, loadCases(t)...) {
		r := Parse(c.Lines, Options{Today: today})
		if !r.Valid || r.Format != FrenchDL && r.Format != SwissDL {
			continue
		}
		n++
		if lines, err := Generate(r.Fields); err != nil || !slices.Equal(lines, r.Lines) {
			t.Errorf("%q: rebuilt as %q, %v", r.Lines, lines, err)
		}
	}
	if n < 10 {
		t.Errorf("only %d valid licences in the tables", n)
	}

	fr := Fields{Format: FrenchDL, DocumentNumber: "13AA00002", ExpiryDate: date(2018, 12, 31), Surname: "Martin"}
	ch := Fields{Format: SwissDL, DocumentNumber: "AAA001D", PINCode: "305142128", VersionNumber: "097", BirthDate: date(1980, 1, 26), Surname: "Marchand", GivenNames: "Fabienne"}
	for _, c := range []struct {
		name, field string
		base        Fields
		mod         func(*Fields)
	}{
		{"French code without its digit", "documentCode", fr, func(f *Fields) { f.DocumentCode = "D" }},
		{"French code P1", "documentCode", fr, func(f *Fields) { f.DocumentCode = "P1" }},
		{"French code of 3", "documentCode", fr, func(f *Fields) { f.DocumentCode = "D12" }},
		{"French licence from NLD", "issuingState", fr, func(f *Fields) { f.IssuingState = "NLD" }},
		{"French, no number", "documentNumber", fr, func(f *Fields) { f.DocumentNumber = "" }},
		{"French number of 10", "documentNumber", fr, func(f *Fields) { f.DocumentNumber = "13AA000021" }},
		{"French number with a space", "documentNumber", fr, func(f *Fields) { f.DocumentNumber = "13 AA0000" }},
		{"French, given names only", "surname", fr, func(f *Fields) { f.Surname, f.GivenNames = "", "Jean" }},
		{"French, no name", "surname", fr, func(f *Fields) { f.Surname = "" }},
		{"French surname with a digit", "surname", fr, func(f *Fields) { f.Surname = "M4rtin" }},
		{"French optional data", "optionalData", fr, func(f *Fields) { f.OptionalData = "X" }},
		{"French optional data 2", "optionalData2", fr, func(f *Fields) { f.OptionalData2 = "X" }},
		{"Swiss code FB", "documentCode", ch, func(f *Fields) { f.DocumentCode = "FB" }},
		{"Swiss licence from DEU", "issuingState", ch, func(f *Fields) { f.IssuingState = "DEU" }},
		{"Swiss licence from CHE LIE", "issuingState", ch, func(f *Fields) { f.IssuingState = "CHE LIE" }},
		{"Swiss number of 6", "documentNumber", ch, func(f *Fields) { f.DocumentNumber = "AAA001" }},
		{"Swiss number of 8", "documentNumber", ch, func(f *Fields) { f.DocumentNumber = "AAA0001D" }},
		{"Swiss number, letter among the digits", "documentNumber", ch, func(f *Fields) { f.DocumentNumber = "AAA0O1D" }},
		{"Swiss number, filler in the office", "documentNumber", ch, func(f *Fields) { f.DocumentNumber = "AA 001D" }},
		{"Swiss number, language X", "documentNumber", ch, func(f *Fields) { f.DocumentNumber = "AAA001X" }},
		{"Swiss language code not the number's", "languageCode", ch, func(f *Fields) { f.LanguageCode = "F" }},
		{"Swiss, no PIN", "pinCode", ch, func(f *Fields) { f.PINCode = "" }},
		{"Swiss PIN of 8", "pinCode", ch, func(f *Fields) { f.PINCode = "30514212" }},
		{"Swiss PIN with a letter", "pinCode", ch, func(f *Fields) { f.PINCode = "30514212B" }},
		{"Swiss version of 2", "versionNumber", ch, func(f *Fields) { f.VersionNumber = "97" }},
		{"Swiss version with a letter", "versionNumber", ch, func(f *Fields) { f.VersionNumber = "O97" }},
		{"Swiss optional data", "optionalData", ch, func(f *Fields) { f.OptionalData = "X" }},
		{"Swiss optional data 2", "optionalData2", ch, func(f *Fields) { f.OptionalData2 = "X" }},
		{"Swiss, no name", "surname", ch, func(f *Fields) { f.Surname, f.GivenNames = "", "" }},
		{"Swiss given names with a digit", "givenNames", ch, func(f *Fields) { f.GivenNames = "Fab1enne" }},
	} {
		f := c.base
		c.mod(&f)
		lines, err := Generate(f)
		var ge *GenerateError
		if !errors.As(err, &ge) || ge.Field != c.field {
			t.Errorf("%s: %q, %v; want a *GenerateError on %s", c.name, lines, err, c.field)
		}
	}
}
