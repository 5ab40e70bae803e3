package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

const specimen = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n"

func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := dispatch(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestMrzParseOne(t *testing.T) {
	code, out, _ := run(t, specimen, "mrz", "parse", "--today", "2026-11-26")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, out)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"format", "valid", "documentCode", "issuingState", "documentNumber", "nationality",
		"birthDate", "expiryDate", "sex", "surname", "givenNames", "givenNamesList", "optionalData", "errors", "warnings", "corrections"} {
		if _, ok := r[k]; !ok {
			t.Errorf("field %q missing", k)
		}
	}
	if r["format"] != "TD3" || r["valid"] != true || r["givenNames"] != "ANNA MARIA" || r["birthDate"] != "1974-08-12" {
		t.Errorf("result %v", r)
	}
	if l, _ := r["givenNamesList"].([]any); len(l) != 2 || l[0] != "ANNA" || l[1] != "MARIA" {
		t.Errorf("givenNamesList %v", r["givenNamesList"])
	}
}

func TestMrzParseDrivingLicences(t *testing.T) {
	in := `["D1FRA13AA000026181231MARTIN<<9"]
["AAA001D<<","FACHE305142128097<<800126<<<<<","MARCHAND<<FABIENNE<<<<<<<<<<<<"]
`
	code, out, _ := run(t, in, "mrz", "parse", "--jsonl", "--today", "2026-11-26")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, out)
	}
	var rs []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	if len(rs) != 2 || rs[0]["format"] != "FRENCH_DRIVING_LICENSE" || rs[0]["valid"] != true || rs[0]["documentNumber"] != "13AA00002" ||
		rs[1]["format"] != "SWISS_DRIVING_LICENSE" || rs[1]["valid"] != true || rs[1]["pinCode"] != "305142128" || rs[1]["languageCode"] != "D" {
		t.Errorf("results %v", rs)
	}
}

func TestMrzParseSlovakCardAndDutchLicence(t *testing.T) {
	in := `["I<SVKNOVAK<<JAN<<<<<<<<<<<<<<<<<<<","123456<AA5SVK8110251M1801020749313"]
["D1NLD15094962111659VW87Z78NB84"]
`
	code, out, _ := run(t, in, "mrz", "parse", "--jsonl", "--today", "2026-11-26")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, out)
	}
	var rs []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	if len(rs) != 2 || rs[0]["format"] != "SLOVAK_ID" || rs[0]["valid"] != true || rs[0]["documentNumber"] != "123456 AA" ||
		rs[1]["format"] != "DUTCH_DRIVING_LICENSE" || rs[1]["valid"] != true || rs[1]["documentNumber"] != "5094962111" || rs[1]["versionNumber"] != "1" {
		t.Errorf("results %v", rs)
	}
}

func TestMrzParseInvalidAndUsage(t *testing.T) {
	bad := strings.Replace(specimen, "L898902C36", "L898902C37", 1)
	if code, _, _ := run(t, bad, "mrz", "parse", "--today", "2026-11-26"); code != exitFail {
		t.Errorf("invalid document: exit %d, want %d", code, exitFail)
	}
	if code, _, _ := run(t, "", "mrz", "parse"); code != exitFail {
		t.Errorf("empty input: exit %d, want %d", code, exitFail)
	}
	for _, args := range [][]string{
		{"mrz", "parse", "--no-such-flag"},
		{"mrz", "parse", "--today", "26/11/2026"},
		{"mrz", "parse", "extra"},
		{"mrz", "frobnicate"},
		{"mrz"},
		{"mrz", "generate", "--birth", "yesterday"},
		{"mrz", "generate", "--format", "TD9"},
		{"mrz", "generate", "--number", ""},
	} {
		if code, _, errs := run(t, "", args...); code != exitUsage || errs == "" {
			t.Errorf("%v: exit %d, stderr %q; want %d and a message", args, code, errs, exitUsage)
		}
	}
}

func TestMrzHelp(t *testing.T) {
	for _, args := range [][]string{{"mrz", "--help"}, {"mrz", "parse", "--help"}, {"mrz", "generate", "-h"}, {"mrz", "read", "--help"}} {
		if code, out, _ := run(t, "", args...); code != exitOK || out == "" {
			t.Errorf("%v: exit %d, stdout %q", args, code, out)
		}
	}
	if code, _, _ := run(t, "", "mrz", "read"); code != exitUsage {
		t.Errorf("mrz read: exit %d, want %d (not available yet)", code, exitUsage)
	}
}

func TestMrzParseJSONL(t *testing.T) {
	in := strings.Join([]string{
		`["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<","L898902C36UTO7408122F1204159ZE184226B<<<<<10"]`,
		`not json at all`,
		``,
		`["TOO SHORT"]`,
		` [ "I<UTOD231458907<<<<<<<<<<<<<<<" , "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<" ] `,
		`["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<","L898902C36UTO7408122F1204159ZE184226B\u003c\u003c\u003c\u003c\u003c10"]`,
		`[]`,
		`["a",]`,
		`["unterminated`,
	}, "\n") // no final newline: the last line still counts
	code, out, errs := run(t, in, "mrz", "parse", "--jsonl", "--today", "2026-11-26")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := []bool{true, false, false, false, true, true, false, false, false}
	if len(lines) != len(want) {
		t.Fatalf("%d results for %d lines:\n%s", len(lines), len(want), out)
	}
	for i, l := range lines {
		var r struct {
			Valid  bool
			Errors []struct{ Code string }
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %d: %v: %s", i+1, err, l)
		}
		if r.Valid != want[i] {
			t.Errorf("line %d: valid %v, want %v", i+1, r.Valid, want[i])
		}
	}
}

func TestMrzGenerateThenParse(t *testing.T) {
	code, out, errs := run(t, "", "mrz", "generate", "--code", "P", "--state", "D", "--number", "C01X0006H",
		"--surname", "Müller", "--given", "Zoë", "--sex", "F", "--birth", "1964-08-12", "--expiry", "2030-10-31")
	if code != exitOK {
		t.Fatalf("generate: exit %d: %s", code, errs)
	}
	code, out, _ = run(t, out, "mrz", "parse", "--today", "2026-11-26")
	if code != exitOK || !strings.Contains(out, `"surname":"MUELLER"`) || !strings.Contains(out, `"issuingState":"D"`) {
		t.Fatalf("parse: exit %d: %s", code, out)
	}
	code, out, errs = run(t, "", "mrz", "generate", "--format", "DUTCH_DRIVING_LICENSE", "--code", "D1", "--state", "NLD",
		"--version-number", "1", "--number", "5094962111", "--optional", "659VW87Z78NB8")
	if code != exitOK || out != "D1NLD15094962111659VW87Z78NB84\n" {
		t.Fatalf("generate Dutch licence: exit %d: %q %s", code, out, errs)
	}
	code, out, _ = run(t, "", "mrz", "generate", "--random", "50", "--seed", "7")
	if code != exitOK || strings.Count(out, "\n") != 50 {
		t.Fatalf("random: exit %d, %d lines", code, strings.Count(out, "\n"))
	}
	code, res, _ := run(t, out, "mrz", "parse", "--jsonl", "--today", "2026-11-26")
	if code != exitOK || strings.Count(res, `"valid":true`) != 50 {
		t.Fatalf("random documents do not all parse valid:\n%s", res)
	}
}

func TestMrzParseIgnoresBOM(t *testing.T) {
	if code, out, _ := run(t, "\xef\xbb\xbf"+specimen, "mrz", "parse", "--today", "2026-11-26"); code != exitOK {
		t.Fatalf("exit %d: %s", code, out)
	}
	in := "\xef\xbb\xbf" + `["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<","L898902C36UTO7408122F1204159ZE184226B<<<<<10"]` + "\n"
	if _, out, _ := run(t, in, "mrz", "parse", "--jsonl", "--today", "2026-11-26"); !strings.Contains(out, `"valid":true`) {
		t.Fatalf("jsonl with BOM: %s", out)
	}
}

// TestMrzGenerateLicences writes the French and Swiss driving licences
// through --format, the real zones byte for byte, and random ones of one
// format with --random and --format.
func TestMrzGenerateLicences(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--format", "FRENCH_DRIVING_LICENSE", "--code", "D1", "--state", "FRA", "--number", "13AA00002", "--expiry", "2018-12-31", "--surname", "Martin"},
			"D1FRA13AA000026181231MARTIN<<9\n"},
		{[]string{"--format", "swiss_driving_license", "--code", "FA", "--state", "CHE", "--number", "AAA001D", "--pin", "305142128",
			"--version-number", "097", "--birth", "1980-01-26", "--surname", "Marchand", "--given", "Fabienne"},
			"AAA001D<<\nFACHE305142128097<<800126<<<<<\nMARCHAND<<FABIENNE<<<<<<<<<<<<\n"},
	} {
		code, out, errs := run(t, "", append([]string{"mrz", "generate"}, c.args...)...)
		if code != exitOK || out != c.want {
			t.Fatalf("generate %q: exit %d: %q, want %q %s", c.args, code, out, c.want, errs)
		}
		if code, res, _ := run(t, out, "mrz", "parse", "--today", "2026-11-26"); code != exitOK {
			t.Fatalf("parse %q: exit %d: %s", out, code, res)
		}
	}
	// The French licence is a D1 of FRA, not a P of UTO (the defaults).
	code, _, errs := run(t, "", "mrz", "generate", "--format", "FRENCH_DRIVING_LICENSE", "--number", "13AA00002", "--surname", "Martin")
	if code != exitUsage || !strings.Contains(errs, "issuingState") {
		t.Errorf("French licence with the default code: exit %d: %s", code, errs)
	}
	code, _, errs = run(t, "", "mrz", "generate", "--format", "SWISS_DRIVING_LICENSE", "--code", "FA", "--state", "CHE",
		"--number", "AAA001D", "--pin", "3051421", "--version-number", "097", "--surname", "Marchand")
	if code != exitUsage || !strings.Contains(errs, "pinCode") {
		t.Errorf("Swiss licence with a PIN of 7: exit %d: %s", code, errs)
	}
	for _, f := range []string{"FRENCH_DRIVING_LICENSE", "SWISS_DRIVING_LICENSE", "SLOVAK_ID", "DUTCH_DRIVING_LICENSE"} {
		code, out, _ := run(t, "", "mrz", "generate", "--random", "20", "--seed", "3", "--format", f)
		if code != exitOK || strings.Count(out, "\n") != 20 {
			t.Fatalf("random %s: exit %d, %d lines", f, code, strings.Count(out, "\n"))
		}
		code, res, _ := run(t, out, "mrz", "parse", "--jsonl", "--today", "2026-11-26")
		if code != exitOK || strings.Count(res, `"valid":true`) != 20 || strings.Count(res, `"format":"`+f+`"`) != 20 {
			t.Fatalf("random %s documents do not all parse valid as %s:\n%s", f, f, res)
		}
	}
}
