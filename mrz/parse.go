package mrz

import (
	"fmt"
	"strings"
	"time"
)

// reset empties r for reuse, keeping the capacity of its slices.
func (r *Result) reset() {
	r.Fields = Fields{}
	r.Valid = false
	r.Lines = nil
	r.Errors = r.Errors[:0]
	r.Warnings = r.Warnings[:0]
	r.Corrections = r.Corrections[:0]
	r.lineBuf = [3]string{}
}

func (r *Result) addError(field string, code Code, line, col int, msg string) {
	r.Errors = append(r.Errors, Error{Field: field, Code: code, Line: line, Col: col, Message: msg})
}

func (r *Result) addWarning(field string, code Code, line, col int, msg string) {
	r.Warnings = append(r.Warnings, Error{Field: field, Code: code, Line: line, Col: col, Message: msg})
}

func (r *Result) errAt(field string, code Code, s span, msg string) {
	r.addError(field, code, int(s.line)+1, int(s.start)+1, msg)
}

func (r *Result) warnAt(field string, code Code, s span, msg string) {
	r.addWarning(field, code, int(s.line)+1, int(s.start)+1, msg)
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'
}

func trimSpace(s string) string {
	i, j := 0, len(s)
	for i < j && isSpace(s[i]) {
		i++
	}
	for j > i && isSpace(s[j-1]) {
		j--
	}
	return s[i:j]
}

// trimFillers drops leading and trailing fillers.
func trimFillers(s string) string {
	i, j := 0, len(s)
	for i < j && s[i] == '<' {
		i++
	}
	for j > i && s[j-1] == '<' {
		j--
	}
	return s[i:j]
}

func trimRightFillers(s string) string {
	j := len(s)
	for j > 0 && s[j-1] == '<' {
		j--
	}
	return s[:j]
}

func allFillers(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '<' {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' }

// normalize trims the lines, drops empty ones and splits a whole zone given
// as one string. With OCR correction (junk) it also drops what cannot be
// part of a zone: a line under 20 characters without spaces that holds no
// "<<" (a caption, a stray word), as PassportEye does. It reports false when
// there are too many lines.
func (r *Result) normalize(lines []string, junk bool) bool {
	n, in0 := 0, 0
	for _, in := range lines {
		// A caller may hand over the whole zone, newlines included, as
		// one string or in any mix.
		for in != "" {
			l := in
			if i := strings.IndexByte(in, '\n'); i >= 0 {
				l, in = in[:i], in[i+1:]
			} else {
				in = ""
			}
			l = trimSpace(l)
			if len(l) > 44 {
				// Longer than any MRZ line: lines ended by a lone CR (old
				// Mac text, some scanners) are split here, off the common
				// path. (CRLF is trimmed as a space.)
				if j := strings.IndexByte(l, '\r'); j >= 0 {
					in = l[j+1:] + "\n" + in
					l = trimSpace(l[:j])
				}
			}
			if l == "" {
				continue
			}
			in0++
			if junk && junkLine(l) {
				r.addWarning("lines", CodeCleaned, in0, 0, fmt.Sprintf("input line %d dropped: too short to be part of an MRZ", in0))
				continue
			}
			if n == 3 {
				r.addError("lines", CodeShape, 0, 0, "more than 3 lines: an MRZ has 2 or 3")
				return false
			}
			r.lineBuf[n] = l
			n++
		}
	}
	if n == 1 {
		// A zone read as one string: 90 = 3×30, 72 = 2×36, 88 = 2×44,
		// 68 = 2×34.
		l := r.lineBuf[0]
		if junk && strings.IndexByte(l, ' ') >= 0 {
			if t := strings.ReplaceAll(l, " ", ""); len(t) == 90 || len(t) == 72 || len(t) == 88 || len(t) == 69 || len(t) == 68 {
				r.addWarning("lines", CodeCleaned, 1, 0, "spaces inside the line were removed")
				l = t
			}
		}
		switch len(l) {
		case 90:
			r.lineBuf[0], r.lineBuf[1], r.lineBuf[2] = l[:30], l[30:60], l[60:]
			n = 3
		case 72:
			r.lineBuf[0], r.lineBuf[1] = l[:36], l[36:]
			n = 2
		case 88:
			r.lineBuf[0], r.lineBuf[1] = l[:44], l[44:]
			n = 2
		case 68: // the Slovak card: 2×34
			r.lineBuf[0], r.lineBuf[1] = l[:34], l[34:]
			n = 2
		case 69: // a Swiss driving licence: 9 + 30 + 30
			r.lineBuf[0], r.lineBuf[1], r.lineBuf[2] = l[:9], l[9:39], l[39:]
			n = 3
		}
	}
	r.Lines = r.lineBuf[:n]
	return true
}

// junkLine reports whether a trimmed input line is too short to belong to
// any zone (the shortest, a Swiss licence's first line, is 9 characters
// ending in "<<").
func junkLine(l string) bool {
	n := 0
	for i := 0; i < len(l); i++ {
		if l[i] != ' ' {
			n++
		}
	}
	return n < 20 && !strings.Contains(l, "<<")
}

func parseInto(r *Result, lines []string, opts *Options) {
	r.reset()
	if !r.normalize(lines, opts.Correct) {
		return
	}
	today := opts.Today
	if today.IsZero() {
		today = time.Now()
	}
	if opts.Correct {
		correct(r, opts)
	}
	l := detect(r.Lines)
	if l == nil {
		r.addError("lines", CodeShape, 0, 0, shapeMessage(r.Lines))
		return
	}
	r.Format = l.format
	var ref refDate
	ref.y, ref.m, ref.d = today.Date()
	r.parseFields(l, &ref, opts.Strict)
	r.Valid = len(r.Errors) == 0
}

func shapeMessage(lines []string) string {
	if len(lines) == 0 {
		return "no MRZ lines"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d line(s) of length", len(lines))
	for i, l := range lines {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, " %d", len(l))
	}
	b.WriteString(": not TD1 (3×30), TD2/MRV-B/French ID (2×36), TD3/MRV-A (2×44), Slovak ID (2×34), French or Dutch driving licence (1×30) or Swiss driving licence (9, 30, 30)")
	if n, l := len(lines), len(lines[0]); sameLength(lines) && (l == 36 || l == 44) && n < 2 || l == 30 && n == 2 {
		fmt.Fprintf(&b, " (lines of %d belong to a zone of %d lines: a partial read?)", l, map[bool]int{true: 3, false: 2}[l == 30])
	}
	return b.String()
}

// refDate is Options.Today split once per parse.
type refDate struct {
	y int
	m time.Month
	d int
}

func (r *Result) parseFields(l *layout, today *refDate, strict bool) {
	lines := r.Lines
	// Characters outside the MRZ set: one error per line, at the first.
	for i, s := range lines {
		for j := 0; j < len(s); j++ {
			if c := s[j]; charValue[c] < 0 {
				r.addError("lines", CodeCharset, i+1, j+1, charsetMessage(c))
				break
			}
		}
	}

	r.parseDocumentCode(l)
	r.IssuingState = r.parseState("issuingState", l.state, strict)
	if l.nat.ok() {
		r.Nationality = r.parseState("nationality", l.nat, strict)
	} else if l.format == FrenchID {
		r.Nationality = "FRA"
	}
	r.parseNumber(l)
	if l.format == FrenchID {
		// The card number: issue YYMM, department and office, sequence.
		// The prefix is not the document's number (cheminfo/mrz splits it
		// the same way); the check digit covers all 12 characters.
		raw := l.number.of(r.Lines)
		r.IssueDate = stripFillers(raw[:4])
		r.OfficeCode = stripFillers(raw[4:7])
		r.DocumentNumber = stripFillers(raw[7:])
	}
	if l.birth.ok() {
		r.BirthDate = r.parseDate("birthDate", l.birth, l.birthCD, today, true)
	}
	if l.expiry.ok() {
		r.ExpiryDate = r.parseDate("expiryDate", l.expiry, l.expiryCD, today, false)
	}
	if l.sex.ok() {
		r.parseSex(l.sex)
	}
	if l.format == SwissDL {
		r.parseSwiss(l)
	}
	if l.format == DutchDL {
		r.VersionNumber = l.version.of(lines)
	}
	switch {
	case l.optCD.ok():
		r.parsePersonalNumber(l)
	case r.longNumberUsed(l):
		// parseNumber took the overflow and left the rest in OptionalData.
	default:
		r.OptionalData = trimFillers(l.opt.of(lines))
	}
	if l.opt2.ok() {
		r.OptionalData2 = trimFillers(l.opt2.of(lines))
	}
	if l.composite.ok() {
		c := l.composite.of(lines)[0]
		if d, ok := compositeDigit(l, lines); ok {
			r.checkDigit("composite", "composite", l.composite, c, d)
		}
	}
	if l.name.ok() {
		r.parseName(l.name)
	} else if l.surname.ok() {
		r.parseSplitName(l.surname, l.given)
	}
}

func charsetMessage(c byte) string {
	if c >= 'a' && c <= 'z' {
		return fmt.Sprintf("lower-case %q: an MRZ uses only A-Z, 0-9 and <", c)
	}
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("character %q is not allowed: an MRZ uses only A-Z, 0-9 and <", c)
	}
	return fmt.Sprintf("byte 0x%02x is not allowed: an MRZ uses only A-Z, 0-9 and <", c)
}

func checkMessage(what string, found, want byte) string {
	if found == '<' {
		return fmt.Sprintf("%s check digit is missing (filler found, %c expected)", what, want)
	}
	return fmt.Sprintf("%s check digit is %c, the data gives %c", what, found, want)
}

func (r *Result) parseDocumentCode(l *layout) {
	raw := l.code.of(r.Lines)
	r.DocumentCode = trimRightFillers(raw)
	if l.format == FrenchDL {
		r.DocumentCode = raw // "D1": the code and the BAP configuration digit
	}
	if !codeFits(l.format, raw) {
		r.errAt("documentCode", CodeDocumentCode, l.code,
			fmt.Sprintf("document code %q does not fit %s (%s)", raw, l.format, allowedCodes(l.format)))
	}
}

// codeFits reports whether a 2-character document code suits the format:
// P for passports, V for visas, A, C or I for TD1 and TD2 (and P, which
// some TD2 passports use), ID for the French card.
func codeFits(f Format, raw string) bool {
	c0, c1 := raw[0], raw[1]
	switch f {
	case FrenchDL:
		return (c0 == 'D' || c0 == 'A' || c0 == 'B') && isDigit(c1)
	case SwissDL:
		return raw == "FA"
	case DutchDL:
		return c0 == 'D' && (isDigit(c1) || c1 == '<')
	}
	if !isLetter(c0) || !(isLetter(c1) || c1 == '<') {
		return false
	}
	switch f {
	case TD3:
		return c0 == 'P'
	case MRVA, MRVB:
		return c0 == 'V'
	case TD1, SlovakID:
		return c0 == 'I' || c0 == 'A' || c0 == 'C'
	case TD2:
		return c0 == 'I' || c0 == 'A' || c0 == 'C' || c0 == 'P'
	case FrenchID:
		return raw == "ID"
	}
	return false
}

func allowedCodes(f Format) string {
	switch f {
	case TD3:
		return "passports start with P"
	case MRVA, MRVB:
		return "visas start with V"
	case FrenchID:
		return "ID"
	case FrenchDL:
		return "D, A or B then the BAP configuration digit"
	case SwissDL:
		return "FA"
	case DutchDL:
		return "D then the BAP configuration digit or <"
	case TD2:
		return "A, C, I or P then a letter or <"
	}
	return "A, C or I then a letter or <"
}

func (r *Result) parseState(field string, s span, strict bool) string {
	raw := s.of(r.Lines)
	code := trimRightFillers(raw)
	if want := nationalIssuers[r.Format]; want != "" {
		// A national format: only its own issuers print it.
		if !strings.Contains(want, raw) || len(raw) != 3 {
			r.errAt(field, CodeState, s, fmt.Sprintf("%q: a %s is issued by %s", raw, formatTitles[r.Format], strings.ReplaceAll(want, " ", " or ")))
		}
		return code
	}
	if KnownState(raw) {
		return code
	}
	msg := fmt.Sprintf("%q is not an ICAO state or organization code", raw)
	if !isLetter(raw[0]) || !(isLetter(raw[1]) || raw[1] == '<' && raw[2] == '<') || !(isLetter(raw[2]) || raw[2] == '<') {
		// Like any unknown code it is a warning (an error when strict),
		// but say why: a misread character is the likely cause.
		msg = fmt.Sprintf("%q is not a state code: codes are 1 to 3 letters padded with < (a misread character? try --correct)", raw)
	}
	if strict {
		r.errAt(field, CodeState, s, msg)
	} else {
		r.warnAt(field, CodeState, s, msg)
	}
	return code
}

// stripFillers trims a number's fillers and turns each filler inside it
// into a space ("C<0000000" is "C 0000000", as cheminfo/mrz, mrz-java and
// MrzParser (PHP) report it); it allocates only when a filler sits inside
// the value.
func stripFillers(s string) string {
	s = trimFillers(s)
	if strings.IndexByte(s, '<') < 0 {
		return s
	}
	return strings.ReplaceAll(s, "<", " ")
}

// nationalIssuers are the states that issue each national format; the
// ICAO formats have none here (any known code).
var nationalIssuers = [...]string{FrenchID: "FRA", FrenchDL: "FRA", SwissDL: "CHE LIE", SlovakID: "SVK", DutchDL: "NLD"}

var formatTitles = [...]string{FrenchID: "French national identity card",
	FrenchDL: "French driving licence", SwissDL: "Swiss driving licence",
	SlovakID: "Slovak identity card (2×34)", DutchDL: "Dutch driving licence"}

func (r *Result) parseNumber(l *layout) {
	lines := r.Lines
	raw := l.number.of(lines)
	if !l.numberCD.ok() {
		r.parseSwissNumber(l, raw)
		return
	}
	cd := l.numberCD.of(lines)[0]
	if l.numberOver.ok() {
		r.DocumentNumber = stripFillers(raw)
		if r.DocumentNumber == "" {
			r.errAt("documentNumber", CodeFiller, l.number, "document number is empty")
		}
		if d, ok := CheckDigit(l.numberOver.of(lines)); ok {
			r.checkDigit("documentNumber", "document number", l.numberCD, cd, d)
		}
		return
	}
	if l.longNumber && cd == '<' && raw[len(raw)-1] != '<' {
		r.parseLongNumber(l, raw)
		return
	}
	r.DocumentNumber = stripFillers(raw)
	if r.DocumentNumber == "" {
		r.errAt("documentNumber", CodeFiller, l.number, "document number is empty")
	}
	if d, ok := CheckDigit(raw); ok {
		r.checkDigit("documentNumber", "document number", l.numberCD, cd, d)
	}
}

// checkDigit compares a check digit with the one the data gives. A filler
// where the digit is 0 is accepted with a warning: the filler's value is 0,
// and some issuers (Estonian cards, Dutch personal numbers) print it so.
func (r *Result) checkDigit(field, what string, at span, found, want byte) {
	switch {
	case found == want:
	case found == '<' && want == '0':
		r.warnAt(field, CodeFillerDigit, at, what+" check digit 0 is written as <")
	default:
		r.errAt(field, CodeCheckDigit, at, checkMessage(what, found, want))
	}
}

// longNumberUsed reports whether the number's check digit position holds
// the long-number marker, so the optional data starts with the overflow.
func (r *Result) longNumberUsed(l *layout) bool {
	raw := l.number.of(r.Lines)
	return l.longNumber && l.numberCD.of(r.Lines)[0] == '<' && raw[len(raw)-1] != '<'
}

// parseLongNumber reads a document number longer than 9 characters: the
// first 9 in the number field, < in the check digit position, the rest and
// the check digit at the start of the optional data, ended by a filler.
// Issuers compute that check digit either over the whole number (ICAO) or
// over the number field, the filler and the rest; both are accepted.
func (r *Result) parseLongNumber(l *layout, head string) {
	opt := l.opt.of(r.Lines)
	k := strings.IndexByte(opt, '<')
	if k < 0 {
		k = len(opt)
	}
	if k == 0 || k > 7 && !longNumberOK(head, opt, k) {
		// Not a long number after all: nothing overflows, or what would
		// overflow is too long for a document number (over 15 characters
		// in all) and does not validate. A 9-character number whose check
		// digit is 0 written as < (Estonian cards, with the personal code
		// in the optional data) reads this way.
		if d, ok := CheckDigit(head); ok && d == '0' {
			r.DocumentNumber = stripFillers(head)
			r.OptionalData = trimFillers(opt)
			r.warnAt("documentNumber", CodeFillerDigit, l.numberCD, "document number check digit 0 is written as <")
			return
		}
		if k == 0 {
			r.DocumentNumber = stripFillers(head)
			r.OptionalData = trimFillers(opt)
			r.errAt("documentNumber", CodeCheckDigit, l.numberCD,
				"document number check digit is a filler but no overflow follows in the optional data")
			return
		}
	}
	tail, cd := opt[:k-1], opt[k-1]
	if k < len(opt) {
		r.OptionalData = trimFillers(opt[k+1:])
	}
	r.DocumentNumber = stripFillers(head) + tail
	sum, w, ok := sumFrom(head, 0, 0)
	a, _, ok2 := sumFrom(tail, sum, w)
	if !ok || !ok2 {
		return // the charset error is already reported
	}
	if !longNumberOK(head, opt, k) {
		s := l.opt
		s.start += uint8(k - 1)
		r.errAt("documentNumber", CodeCheckDigit, s, checkMessage("long document number", cd, byte('0'+a%10)))
	}
}

// longNumberOK reports whether the overflow ending at k (check digit at
// k-1) validates the long number, by either issuer variant.
func longNumberOK(head, opt string, k int) bool {
	tail, cd := opt[:k-1], opt[k-1]
	sum, w, ok := sumFrom(head, 0, 0)
	a, _, ok2 := sumFrom(tail, sum, w)
	b, _, _ := sumFrom(tail, sum, (w+1)%3)
	return ok && ok2 && (byte('0'+a%10) == cd || byte('0'+b%10) == cd)
}

func (r *Result) parsePersonalNumber(l *layout) {
	raw := l.opt.of(r.Lines)
	cd := l.optCD.of(r.Lines)[0]
	r.OptionalData = trimFillers(raw)
	if allFillers(raw) {
		// ICAO 9303 Part 4: an unused personal number has a filler or
		// zero as its check digit.
		if cd != '<' && cd != '0' {
			r.errAt("optionalData", CodeCheckDigit, l.optCD,
				fmt.Sprintf("personal number is empty, so its check digit must be < or 0, not %c", cd))
		}
		return
	}
	if d, ok := CheckDigit(raw); ok {
		r.checkDigit("optionalData", "personal number", l.optCD, cd, d)
	}
}

func (r *Result) parseSex(s span) {
	switch c := s.of(r.Lines)[0]; c {
	case 'M':
		r.Sex = "M"
	case 'F':
		r.Sex = "F"
	case 'X', '<':
		r.Sex = "X"
	default:
		r.Sex = "X"
		r.errAt("sex", CodeSex, s, fmt.Sprintf("sex %q is not M, F, X or <", c))
	}
}

var daysIn = [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func validDay(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 || d > daysIn[m] {
		return false
	}
	if m == 2 && d == 29 {
		return y%4 == 0 && (y%100 != 0 || y%400 == 0)
	}
	return true
}

func dateBefore(y1, m1, d1, y2, m2, d2 int) bool {
	if y1 != y2 {
		return y1 < y2
	}
	if m1 != m2 {
		return m1 < m2
	}
	return d1 < d2
}

// parseDate reads YYMMDD and its check digit. Birth dates are never in the
// future; expiry dates fall within [today-69y, today+30y], or the century
// after (up to today+50y) when that would put them before the birth date.
func (r *Result) parseDate(field string, s, cdSpan span, today *refDate, birth bool) time.Time {
	raw := s.of(r.Lines)
	var cd byte
	if cdSpan.ok() {
		cd = cdSpan.of(r.Lines)[0]
	}
	name := "date of birth"
	if !birth {
		name = "date of expiry"
	}
	if !cdSpan.ok() {
		// A driving licence's dates have no check digit.
	} else if d, ok := CheckDigit(raw); ok && !(cd == '<' && allFillers(raw)) {
		r.checkDigit(field, name, cdSpan, cd, d)
	}
	var v [6]int
	fillers := 0
	for i := 0; i < 6; i++ {
		c := raw[i]
		switch {
		case isDigit(c):
			v[i] = int(c - '0')
		case c == '<':
			fillers++
		default:
			r.errAt(field, CodeDate, s, fmt.Sprintf("%s %q is not YYMMDD", name, raw))
			return time.Time{}
		}
	}
	if fillers > 0 {
		// ICAO 9303 Part 3: an unknown date, or an unknown day or month,
		// is written with fillers. Only trailing parts may be unknown.
		if raw == "<<<<<<" || (raw[4:] == "<<" && fillers == 2) || (raw[2:] == "<<<<" && fillers == 4) {
			r.warnAt(field, CodeDateUnknown, s, name+" is unknown or partly unknown")
			return time.Time{}
		}
		r.errAt(field, CodeDate, s, fmt.Sprintf("%s %q mixes digits and fillers", name, raw))
		return time.Time{}
	}
	yy, mm, dd := v[0]*10+v[1], v[2]*10+v[3], v[4]*10+v[5]
	ty, tm, td := today.y, today.m, today.d
	var year int
	if birth {
		year = ty - ((ty-yy)%100+100)%100
		if dateBefore(ty, int(tm), td, year, mm, dd) {
			year -= 100
		}
	} else {
		base := ty + 30
		year = base - ((base-yy)%100+100)%100
		// A document cannot expire before its holder was born: such an
		// expiry is in the next century (GioviQ/MRZ places it so too),
		// when that is at most 50 years ahead.
		if b := r.BirthDate; !b.IsZero() && year+100 <= ty+50 && dateBefore(year, mm, dd, b.Year(), int(b.Month()), b.Day()) {
			year += 100
		}
	}
	if !validDay(year, mm, dd) {
		r.errAt(field, CodeDate, s, fmt.Sprintf("%s %s is not a calendar date (YYMMDD)", name, raw))
		return time.Time{}
	}
	t := time.Date(year, time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
	if !birth && dateBefore(year, mm, dd, ty, int(tm), td) {
		r.warnAt(field, CodeExpired, s, "the document has expired")
	}
	return t
}

// parseSwissNumber reads a Swiss driving licence's number: three letters
// or digits (the issuing office), three digits and the language code.
func (r *Result) parseSwissNumber(l *layout, raw string) {
	r.DocumentNumber = raw
	for i := 0; i < 6; i++ {
		c := raw[i]
		if i < 3 && !isLetter(c) && !isDigit(c) || i >= 3 && !isDigit(c) {
			r.errAt("documentNumber", CodeFiller, l.number,
				fmt.Sprintf("Swiss driving licence number %q is not 3 letters or digits, 3 digits and the language code", raw))
			return
		}
	}
}

// parseSwiss reads the Swiss driving licence's own fields and checks its
// fixed fillers.
func (r *Result) parseSwiss(l *layout) {
	lines := r.Lines
	r.LanguageCode = l.lang.of(lines)
	switch r.LanguageCode {
	case "D", "F", "I", "R":
	default:
		r.errAt("languageCode", CodeDocumentCode, l.lang,
			fmt.Sprintf("language code %q is not D, F, I or R", r.LanguageCode))
	}
	r.PINCode = l.pin.of(lines)
	r.VersionNumber = l.version.of(lines)
	if !allDigits(r.PINCode) {
		r.errAt("pinCode", CodeFiller, l.pin, fmt.Sprintf("PIN %q is not 9 digits", r.PINCode))
	}
	if !allDigits(r.VersionNumber) {
		r.errAt("versionNumber", CodeFiller, l.version, fmt.Sprintf("version number %q is not 3 digits", r.VersionNumber))
	}
	for _, s := range l.fillers {
		if !allFillers(s.of(lines)) {
			r.errAt("lines", CodeFiller, s, fmt.Sprintf("line %d columns %d-%d must be fillers, not %q", s.line+1, s.start+1, s.end, s.of(lines)))
		}
	}
}
