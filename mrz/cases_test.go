package mrz

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"testing"
)

// testCase is one entry of testdata/cases.json: real-world zones from
// other MRZ libraries' test suites and issue threads, ICAO specimens, and
// constructed hard cases, with the fields and verdict we expect.
type testCase struct {
	Name        string         `json:"name"`
	Source      string         `json:"source"`
	Lines       []string       `json:"lines"`
	Correct     bool           `json:"correct"`
	Strict      bool           `json:"strict"`
	Want        map[string]any `json:"want"`
	Errors      []string       `json:"errors"`
	Warnings    []string       `json:"warnings"`
	Corrections int            `json:"corrections"`
}

func loadCases(t testing.TB) []testCase {
	var cs []testCase
	readJSON(t, "testdata/cases.json", &cs)
	return cs
}

// readJSON reads a test table into v.
func readJSON(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func codes(es []Error) []string {
	var out []string
	for _, e := range es {
		if !slices.Contains(out, string(e.Code)) {
			out = append(out, string(e.Code))
		}
	}
	slices.Sort(out)
	return out
}

func TestCases(t *testing.T) {
	cs := loadCases(t)
	if len(cs) < 90 {
		t.Fatalf("only %d cases", len(cs))
	}
	for _, c := range cs {
		t.Run(c.Name, func(t *testing.T) {
			r := Parse(c.Lines, Options{Today: today, Correct: c.Correct, Strict: c.Strict})
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("%v in %s", err, b)
			}
			for k, want := range c.Want {
				if !reflect.DeepEqual(got[k], want) {
					t.Errorf("%s = %#v, want %#v (%s)", k, got[k], want, c.Source)
				}
			}
			if g := codes(r.Errors); !slices.Equal(g, c.Errors) {
				t.Errorf("error codes %v, want %v: %v", g, c.Errors, r.Errors)
			}
			if g := codes(r.Warnings); !slices.Equal(g, c.Warnings) {
				t.Errorf("warning codes %v, want %v", g, c.Warnings)
			}
			if len(r.Corrections) != c.Corrections {
				t.Errorf("%d corrections, want %d: %v", len(r.Corrections), c.Corrections, r.Corrections)
			}
			if r.Valid != (len(r.Errors) == 0) {
				t.Errorf("valid %v with %d errors", r.Valid, len(r.Errors))
			}
		})
	}
}
