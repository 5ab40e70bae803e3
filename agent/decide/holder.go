package decide

import (
	"strings"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// Holder matching. Records carry names in MRZ character form (A-Z, spaces
// for fillers), so they compare with what the MRZ yields after three
// allowances:
//
//   - Fillers and spaces do not count: "O BRIEN", "O<BRIEN" and "OBRIEN"
//     are one name (an apostrophe becomes a filler on some documents and
//     disappears on others).
//   - Transliteration: ICAO 9303 writes Ä, Ö, Ü, Å, Æ, Ø as AE, OE, UE, AA,
//     AE, OE or as the bare vowel, and ß as SS; both sides are folded
//     (AE→A, OE→O, UE→U, AA→A, SS→S) before comparing.
//   - Truncation: when the MRZ name field was full (Document.NameTruncated),
//     the MRZ's given names need only be a prefix of the record's, name by
//     name or as a whole ("ANNA M" and "A M" both match "ANNA MARIA"), and
//     a surname cut before any given name need only be a prefix.
//
// Birth date, sex and nationality must be equal; the birth year compares
// on its last two digits only, since that is all an MRZ holds.

// holderMatches is holderMatch without the detail.
func holderMatches(doc *Document, h *wire.Holder) bool {
	ok, _ := holderMatch(doc, h)
	return ok
}

// holderMatch compares the document read with a record's holder and names
// the first field that differs (never its value).
func holderMatch(doc *Document, h *wire.Holder) (bool, string) {
	if !sameBirthDate(doc.BirthDate, h.BirthDate) {
		return false, "birth date"
	}
	if normCode(doc.Nationality) == "" || normCode(doc.Nationality) != normCode(h.Nationality) {
		return false, "nationality"
	}
	if normSex(doc.Sex) != normSex(h.Sex) {
		return false, "sex"
	}
	if !surnameMatches(doc.Surname, h.Surname, doc.NameTruncated, strings.Trim(doc.GivenNames, "< ") == "") {
		return false, "surname"
	}
	if !givenMatches(doc.GivenNames, h.GivenNames, doc.NameTruncated) {
		return false, "given names"
	}
	return true, ""
}

func sameBirthDate(a, b string) bool {
	if _, ok := parseDate(a); !ok {
		return false
	}
	if _, ok := parseDate(b); !ok {
		return false
	}
	// YY-MM-DD: the century is the agent's guess, not the document's data.
	return a[2:] == b[2:]
}

func normSex(s string) string {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "M":
		return "M"
	case "F":
		return "F"
	}
	return "X"
}

// surnameMatches compares surnames. When the name field is full, the MRZ
// surname may be a prefix of the record's: ICAO 9303 Part 3 cuts the
// primary identifier too once the secondary is down to initials
// (WOLFESCHLEGELSTEINHAUSENBER<<J), so a following given name does not
// rule a cut surname out.
func surnameMatches(mrz, rec string, truncated, _ bool) bool {
	m, r := fold(squash(mrz)), fold(squash(rec))
	if m == "" || r == "" {
		return false
	}
	if m == r {
		return true
	}
	return truncated && len(m) >= 2 && strings.HasPrefix(r, m)
}

func givenMatches(mrz, rec string, truncated bool) bool {
	mt, rt := tokens(mrz), tokens(rec)
	m, r := fold(strings.Join(mt, "")), fold(strings.Join(rt, ""))
	if m == r {
		return true
	}
	if !truncated {
		return false
	}
	if strings.HasPrefix(r, m) {
		return true
	}
	// Name by name: each given name of the MRZ a prefix of the record's.
	if len(mt) == 0 || len(mt) > len(rt) {
		return false
	}
	for i, t := range mt {
		if !strings.HasPrefix(fold(rt[i]), fold(t)) {
			return false
		}
	}
	return true
}

// tokens splits a name in MRZ form (fillers or spaces) into its names,
// upper case, keeping only A-Z and 0-9.
func tokens(s string) []string {
	return strings.FieldsFunc(strings.Map(func(r rune) rune {
		switch {
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r == '<' || r == ' ':
			return ' '
		}
		return -1
	}, s), func(r rune) bool { return r == ' ' })
}

func squash(s string) string { return strings.Join(tokens(s), "") }

var folder = strings.NewReplacer("AE", "A", "OE", "O", "UE", "U", "AA", "A", "SS", "S")

func fold(s string) string { return folder.Replace(s) }

func normCode(s string) string { return wire.NormalizeCode(s) }

func normTag(s string) string { return wire.NormalizeTag(s) }
