package central

import (
	"fmt"
	"strings"
	"time"
)

// mrzDoc is what the generator needs to print a zone. Names are in MRZ
// character form with spaces (as in records).
type mrzDoc struct {
	Format       string // "TD3" or "TD1"
	Code         string // "P", "ID", "I"
	IssuingState string
	Number       string
	Nationality  string
	Surname      string
	GivenNames   string
	Sex          string
	BirthDate    time.Time
	ExpiryDate   time.Time
}

// generateMRZ prints an ICAO 9303 zone (TD3, TD1). The population uses
// mrz.Generate; this small independent generator exists so that a test can
// cross-check the two on every generated traveler.
func generateMRZ(d mrzDoc) ([]string, error) {
	switch d.Format {
	case "TD3":
		if len(d.Number) > 9 {
			return nil, fmt.Errorf("TD3 document number %q longer than 9", d.Number)
		}
		l1 := pad(pad(d.Code, 2)+pad(d.IssuingState, 3)+nameField(d.Surname, d.GivenNames, 39), 44)
		num := pad(d.Number, 9)
		birth := yymmdd(d.BirthDate)
		exp := yymmdd(d.ExpiryDate)
		opt := pad("", 14)
		l2 := num + cd(num) + pad(d.Nationality, 3) + birth + cd(birth) + sexChar(d.Sex) + exp + cd(exp) + opt + "<"
		comp := num + cd(num) + birth + cd(birth) + exp + cd(exp) + opt + "<"
		return []string{l1, l2 + cd(comp)}, nil
	case "TD1":
		if len(d.Number) > 9 {
			return nil, fmt.Errorf("TD1 document number %q longer than 9 (overflow not generated)", d.Number)
		}
		num := pad(d.Number, 9)
		l1 := pad(d.Code, 2) + pad(d.IssuingState, 3) + num + cd(num) + pad("", 15)
		birth := yymmdd(d.BirthDate)
		exp := yymmdd(d.ExpiryDate)
		l2 := birth + cd(birth) + sexChar(d.Sex) + exp + cd(exp) + pad(d.Nationality, 3) + pad("", 11)
		comp := l1[5:30] + birth + cd(birth) + exp + cd(exp) + pad("", 11)
		return []string{l1, l2 + cd(comp), nameField(d.Surname, d.GivenNames, 30)}, nil
	}
	return nil, fmt.Errorf("format %q not generated", d.Format)
}

// nameField is SURNAME<<GIVEN<NAMES fitted to n: the given names are cut
// first, and a surname too long is cut so that the first letter of the
// given names stays (ICAO 9303 Part 3, as mrz.Generate does).
func nameField(surname, given string, n int) string {
	sur := strings.ReplaceAll(surname, " ", "<")
	giv := strings.ReplaceAll(given, " ", "<")
	switch {
	case giv == "":
		return pad(sur, n)
	case len(sur)+2+len(giv) <= n:
		return pad(sur+"<<"+giv, n)
	case len(sur)+3 <= n:
		return sur + "<<" + giv[:n-len(sur)-2]
	}
	return sur[:n-3] + "<<" + giv[:1]
}

func pad(s string, n int) string {
	if len(s) >= n {
		return s[:n]
	}
	return s + strings.Repeat("<", n-len(s))
}

func yymmdd(t time.Time) string { return t.Format("060102") }

func sexChar(s string) string {
	if s == "" {
		return "<"
	}
	return s
}

func charValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 0
}

// cd is the ICAO 9303 check digit (weights 7, 3, 1).
func cd(s string) string {
	w := [3]int{7, 3, 1}
	sum := 0
	for i := 0; i < len(s); i++ {
		sum += charValue(s[i]) * w[i%3]
	}
	return string(rune('0' + sum%10))
}
