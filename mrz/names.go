package mrz

import "strings"

// parseName splits a "PRIMARY<<SECONDARY<NAMES" field. A name without <<
// is a single-name holder's primary identifier. Fillers become single
// spaces.
func (r *Result) parseName(s span) {
	raw := s.of(r.Lines)
	// One pass: the end of the name, the first digit, the first <<, and
	// a second << after a given name.
	end, digit, sep, inner := 0, -1, -1, -1
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '<' {
			if i+1 < len(raw) && raw[i+1] == '<' {
				if sep < 0 {
					sep = i
				} else if inner < 0 && end > sep+2 {
					inner = i // a second << after a given name
				}
			}
			continue
		}
		end = i + 1
		if digit < 0 && c >= '0' && c <= '9' {
			digit = i
		}
	}
	if end == len(raw) {
		r.warnAt("surname", CodeTruncated, s, "the name fills its field and may be truncated")
	}
	if end == 0 {
		r.errAt("surname", CodeName, s, "the name field is empty")
		return
	}
	if digit >= 0 && !(r.Format == TD3 && russianInternal(raw0(r.Lines))) {
		d := s
		d.start += uint8(digit)
		r.errAt("surname", CodeName, d, "a name holds the digit "+raw[digit:digit+1]+": names use only A-Z and <")
	}
	t := raw[:end]
	sur, giv := t, ""
	if sep >= 0 && sep < end {
		sur, giv = t[:sep], trimFillers(t[sep+2:])
		// ICAO 9303 Part 3 separates the secondary identifier's components
		// by one filler; a second << inside it would be a third name
		// component (gmrtd refuses it the same way).
		if inner >= 0 && inner < end && isLetter(raw[end-1]) {
			d := s
			d.start += uint8(inner)
			r.errAt("givenNames", CodeName, d, "a double filler inside the given names: ICAO 9303 Part 3 separates their components by one filler")
		}
	}
	r.Surname, r.GivenNames = spaced(trimFillers(sur), giv)
}

// parseSplitName reads the French card's separate surname and given-name
// fields, or the French driving licence's surname alone (gs is zero).
func (r *Result) parseSplitName(ss, gs span) {
	sur, giv := ss.of(r.Lines), gs.of(r.Lines)
	if sur[len(sur)-1] != '<' {
		r.warnAt("surname", CodeTruncated, ss, "the surname fills its field and may be truncated")
	}
	if gs.ok() && giv[len(giv)-1] != '<' {
		r.warnAt("givenNames", CodeTruncated, gs, "the given names fill their field and may be truncated")
	}
	r.checkNameChars("surname", ss, sur)
	r.checkNameChars("givenNames", gs, giv)
	r.Surname, r.GivenNames = spaced(trimFillers(sur), trimFillers(giv))
	if r.Surname == "" && r.GivenNames == "" {
		r.errAt("surname", CodeName, ss, "both name fields are empty")
	}
}

func (r *Result) checkNameChars(field string, s span, raw string) {
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; isDigit(c) {
			s.start += uint8(i)
			r.errAt(field, CodeName, s, "a name holds the digit "+string(rune(c))+": names use only A-Z and <")
			return
		}
	}
}

// spaced turns every run of fillers in a and b into one space. When either
// needs it, both are built in one buffer: one allocation at most.
func spaced(a, b string) (string, string) {
	if strings.IndexByte(a, '<') < 0 && strings.IndexByte(b, '<') < 0 {
		return a, b
	}
	var buf [96]byte
	n := squeeze(buf[:0], a)
	all := squeeze(n, b)
	s := string(all)
	return s[:len(n)], s[len(n):]
}

func squeeze(dst []byte, s string) []byte {
	prev := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '<' {
			if !prev {
				dst = append(dst, ' ')
			}
			prev = true
			continue
		}
		prev = false
		dst = append(dst, c)
	}
	return dst
}

// russianInternal tells a Russian internal passport (PN, RUS), whose MRZ
// writes some Cyrillic letters as digits in the names (Ё 2, Ч 3, Ш 4, Э 6,
// Ю 7, Я 8, Ь 9: "ZDRIL7K" is ЗДРИЛЮК), as MRZParser for iOS reads it.
func russianInternal(line1 string) bool {
	return len(line1) >= 5 && line1[:5] == "PNRUS"
}

func raw0(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return lines[0]
}
