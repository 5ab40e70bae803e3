package mrz

import "strings"

// parseName splits a "PRIMARY<<SECONDARY<NAMES" field. A name without <<
// is a single-name holder's primary identifier. Fillers become single
// spaces.
func (r *Result) parseName(s span) {
	raw := s.of(r.Lines)
	if raw[len(raw)-1] != '<' {
		r.warnAt("surname", CodeTruncated, s, "the name fills its field and may be truncated")
	}
	t := trimRightFillers(raw)
	if t == "" {
		r.errAt("surname", CodeName, s, "the name field is empty")
		return
	}
	r.checkNameChars("surname", s, raw)
	sur, giv := t, ""
	if i := strings.Index(t, "<<"); i >= 0 {
		sur, giv = t[:i], trimFillers(t[i+2:])
	}
	r.Surname, r.GivenNames = spaced(trimFillers(sur), giv)
}

// parseSplitName reads the French card's separate surname and given-name
// fields.
func (r *Result) parseSplitName(ss, gs span) {
	sur, giv := ss.of(r.Lines), gs.of(r.Lines)
	if sur[len(sur)-1] != '<' {
		r.warnAt("surname", CodeTruncated, ss, "the surname fills its field and may be truncated")
	}
	if giv[len(giv)-1] != '<' {
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
