package mrz

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// GenerateError is why Generate refused a field.
type GenerateError struct {
	Field   string
	Message string
}

func (e *GenerateError) Error() string { return "mrz: generate: " + e.Field + ": " + e.Message }

func genErr(field, format string, a ...any) error {
	return &GenerateError{Field: field, Message: fmt.Sprintf(format, a...)}
}

// Generate builds the lines of a valid zone from f. The format is f.Format
// or, when unset, follows the document code (P: TD3, V: MRVA, otherwise
// TD1). Names are transliterated (ICAO 9303 Part 3) and truncated to fit;
// a TD1 or TD2 document number longer than 9 characters is written the
// ICAO way (< in the check digit position, the rest and the check digit,
// computed over the whole number, in the optional data). An empty Sex is
// written as <. A zero date is written as fillers. The national formats
// get their issuer when IssuingState is empty (the Swiss licence: CHE)
// and refuse any other. The driving licences get their document code
// when DocumentCode is empty (D1, FA) and ignore the fields their zones
// do not hold (nationality, sex, and the names and dates they lack). The
// Dutch licence takes VersionNumber, a 10-digit number and up to 13
// characters of OptionalData. The French licence takes a code of D, A or
// B and a digit, a number of up to 9 characters, the expiry date and the
// surname, of which it keeps the first 8 characters. The Swiss licence
// takes a 7-character number (office: 3 letters or digits, 3 digits,
// the language code D, F, I or R; LanguageCode, when set, must match),
// a 9-digit PINCode, a 3-digit VersionNumber, the birth date and the
// names; neither licence has optional data.
func Generate(f Fields) ([]string, error) {
	format := f.Format
	if format == FormatUnknown {
		switch {
		case strings.HasPrefix(f.DocumentCode, "P"):
			format = TD3
		case strings.HasPrefix(f.DocumentCode, "V"):
			format = MRVA
		default:
			format = TD1
		}
	}
	if format > DutchDL {
		return nil, genErr("format", "unknown format %d", format)
	}
	l := layouts[format]
	buf := make([][]byte, l.lines)
	for i := range buf {
		buf[i] = []byte(strings.Repeat("<", l.length))
	}
	put := func(s span, v string) { copy(buf[s.line][s.start:s.end], v) }

	switch format {
	case FrenchID:
		if f.DocumentCode == "" {
			f.DocumentCode = "ID"
		}
	case DutchDL, FrenchDL:
		if f.DocumentCode == "" {
			f.DocumentCode = "D1"
		}
	case SwissDL:
		if f.DocumentCode == "" {
			f.DocumentCode = "FA"
		}
	}
	var err error
	if f.IssuingState, err = nationalState(format, "issuingState", f.IssuingState, "is issued by"); err != nil {
		return nil, err
	}
	code, err := clean("documentCode", f.DocumentCode, 2, format != DutchDL && format != FrenchDL) // "D1": the BAP digit
	if err != nil {
		return nil, err
	}
	if code == "" {
		return nil, genErr("documentCode", "required")
	}
	if !codeFits(format, (code + "<")[:2]) {
		return nil, genErr("documentCode", "%q does not fit %s (%s)", code, format, allowedCodes(format))
	}
	put(l.code, code)
	state, err := clean("issuingState", f.IssuingState, 3, true)
	if err != nil {
		return nil, err
	}
	if state == "" || state[0] == '<' {
		return nil, genErr("issuingState", "required")
	}
	put(l.state, state)
	if l.nat.ok() {
		// The Slovak card's holder is Slovak: the parser takes only its
		// issuer as the nationality too.
		if f.Nationality, err = nationalState(format, "nationality", f.Nationality, "holder's nationality is"); err != nil {
			return nil, err
		}
		nat, err := clean("nationality", f.Nationality, 3, true)
		if err != nil {
			return nil, err
		}
		if nat == "" || nat[0] == '<' {
			return nil, genErr("nationality", "required")
		}
		put(l.nat, nat)
	}

	number, err := clean("documentNumber", f.DocumentNumber, 0, false)
	if err != nil {
		return nil, err
	}
	switch format {
	case DutchDL:
		return generateDutchDL(l, buf, f, number)
	case SwissDL:
		return generateSwissDL(l, buf, f, number)
	}
	if strings.Contains(number, "<") {
		return nil, genErr("documentNumber", "%q holds a filler, space or hyphen", f.DocumentNumber)
	}
	if format == FrenchID && (f.IssueDate != "" || f.OfficeCode != "") {
		// The card number is issue YYMM, department and office, sequence.
		issue, err := clean("issueDate", f.IssueDate, 4, false)
		if err != nil {
			return nil, err
		}
		office, err := clean("officeCode", f.OfficeCode, 3, false)
		if err != nil {
			return nil, err
		}
		number = (issue + "<<<<")[:4] + (office + "<<<")[:3] + number
	}
	opt, err := clean("optionalData", f.OptionalData, 0, false)
	if err != nil {
		return nil, err
	}
	if len(number) > l.number.n() {
		if !l.longNumber {
			return nil, genErr("documentNumber", "%d characters, %s holds at most %d", len(number), format, l.number.n())
		}
		head, tail := number[:l.number.n()], number[l.number.n():]
		d, _ := CheckDigit(number)
		if len(tail)+1 > l.opt.n() {
			return nil, genErr("documentNumber", "%d characters is too long for %s", len(number), format)
		}
		put(l.number, head)
		put(l.numberCD, "<")
		if opt != "" {
			opt = tail + string(d) + "<" + opt
		} else {
			opt = tail + string(d)
		}
	} else {
		if number == "" {
			return nil, genErr("documentNumber", "required")
		}
		put(l.number, number)
		over := l.number
		if l.numberOver.ok() {
			over = l.numberOver // FRENCH_DRIVING_LICENSE: code, state and number
		}
		d, _ := CheckDigit(string(over.ofBytes(buf)))
		put(l.numberCD, string(d))
	}
	if opt != "" && !l.opt.ok() {
		return nil, noOptionalData(format)
	}
	if len(opt) > l.opt.n() {
		return nil, genErr("optionalData", "%d characters, %s has room for %d here", len(opt), format, l.opt.n())
	}
	put(l.opt, opt)
	if l.optCD.ok() {
		if strings.Trim(opt, "<") == "" {
			put(l.optCD, "<")
		} else {
			d, _ := CheckDigit(string(l.opt.ofBytes(buf)))
			put(l.optCD, string(d))
		}
	}
	if l.opt2.ok() {
		o2, err := clean("optionalData2", f.OptionalData2, l.opt2.n(), false)
		if err != nil {
			return nil, err
		}
		put(l.opt2, o2)
	} else if f.OptionalData2 != "" {
		return nil, genErr("optionalData2", "%s has no second optional data field", format)
	}

	put(l.birth, yymmdd(f.BirthDate))
	d, _ := CheckDigit(yymmdd(f.BirthDate))
	put(l.birthCD, string(d))
	if l.expiry.ok() {
		put(l.expiry, yymmdd(f.ExpiryDate))
		d, _ := CheckDigit(yymmdd(f.ExpiryDate))
		put(l.expiryCD, string(d))
	}
	switch f.Sex {
	case "M", "F", "X", "<":
		put(l.sex, f.Sex)
	case "":
		put(l.sex, "<")
	default:
		return nil, genErr("sex", "%q is not M, F, X or empty", f.Sex)
	}

	sur, giv, err := cleanNames(f)
	if err != nil {
		return nil, err
	}
	if sur == "" && l.surname.ok() && !l.given.ok() {
		return nil, genErr("surname", "required: a %s holds the surname alone", formatTitles[format])
	}
	if l.name.ok() {
		put(l.name, fitName(sur, giv, l.name.n()))
	} else {
		if len(sur) > l.surname.n() {
			sur = sur[:l.surname.n()]
		}
		if len(giv) > l.given.n() {
			giv = giv[:l.given.n()]
		}
		put(l.surname, sur)
		put(l.given, giv)
	}

	out := make([]string, l.lines)
	for i := range buf {
		out[i] = string(buf[i])
	}
	if l.composite.ok() {
		d, _ := compositeDigit(l, out)
		buf[l.composite.line][l.composite.start] = d
		out[l.composite.line] = string(buf[l.composite.line])
	}
	return out, nil
}

// nationalState is v for a state field of a national format: its first
// issuer when v is empty, an error when v is none of them (the parser
// refuses others); v as given for the other formats.
func nationalState(format Format, field, v, says string) (string, error) {
	issuers := nationalIssuers[format]
	if issuers == "" {
		return v, nil
	}
	if v == "" {
		v, _, _ = strings.Cut(issuers, " ")
	}
	if !slices.Contains(strings.Fields(issuers), v) {
		return "", genErr(field, "%q: a %s %s %s", v, formatTitles[format], says, strings.ReplaceAll(issuers, " ", " or "))
	}
	return v, nil
}

func (s span) ofBytes(b [][]byte) []byte { return b[s.line][s.start:s.end] }

// generateDutchDL finishes the Dutch licence's one line, whose code and
// state are in buf: the version character, the 10-digit number, up to 13
// characters of optional data and the check digit over positions 1–29.
// The zone holds no name, dates or sex.
func generateDutchDL(l *layout, buf [][]byte, f Fields, number string) ([]string, error) {
	put := func(s span, v string) { copy(s.ofBytes(buf), v) }
	version, err := clean("versionNumber", f.VersionNumber, 1, false)
	if err != nil {
		return nil, err
	}
	if version == "" {
		return nil, genErr("versionNumber", "required (one character)")
	}
	put(l.version, version)
	if len(number) != l.number.n() || !allDigits(number) {
		return nil, genErr("documentNumber", "%q: a %s number is %d digits", f.DocumentNumber, formatTitles[DutchDL], l.number.n())
	}
	put(l.number, number)
	opt, err := clean("optionalData", f.OptionalData, l.opt.n(), false)
	if err != nil {
		return nil, err
	}
	put(l.opt, opt)
	d, _ := CheckDigit(string(l.numberOver.ofBytes(buf)))
	put(l.numberCD, string(d))
	return []string{string(buf[0])}, nil
}

// generateSwissDL finishes the Swiss licence's three lines, whose code
// and state are in buf: the number (office, 3 digits, language code) on a
// first line of 9 characters, the PIN, version and birth date on the
// second, the names on the third. The zone has no check digit, no
// optional data, no sex and no expiry date.
func generateSwissDL(l *layout, buf [][]byte, f Fields, number string) ([]string, error) {
	put := func(s span, v string) { copy(s.ofBytes(buf), v) }
	if !swissNumber(number) {
		return nil, genErr("documentNumber", "%q: a %s number is 3 letters or digits, 3 digits and the language code D, F, I or R (AAA001D)", f.DocumentNumber, formatTitles[SwissDL])
	}
	put(l.number, number)
	if lang := number[l.lang.start:l.lang.end]; f.LanguageCode != "" && f.LanguageCode != lang {
		return nil, genErr("languageCode", "%q, but the number %q ends in the language code %s", f.LanguageCode, number, lang)
	}
	for _, v := range []struct {
		field, v string
		s        span
	}{{"pinCode", f.PINCode, l.pin}, {"versionNumber", f.VersionNumber, l.version}} {
		if len(v.v) != v.s.n() || !allDigits(v.v) {
			return nil, genErr(v.field, "%q: a %s has %d digits here", v.v, formatTitles[SwissDL], v.s.n())
		}
		put(v.s, v.v)
	}
	if f.OptionalData != "" {
		return nil, noOptionalData(SwissDL)
	}
	if f.OptionalData2 != "" {
		return nil, genErr("optionalData2", "%s has no second optional data field", SwissDL)
	}
	put(l.birth, yymmdd(f.BirthDate))
	sur, giv, err := cleanNames(f)
	if err != nil {
		return nil, err
	}
	put(l.name, fitName(sur, giv, l.name.n()))
	// The first line is the number and two fillers: 9 characters.
	return []string{string(buf[0][:l.fillers[0].end]), string(buf[1]), string(buf[2])}, nil
}

// swissNumber reports whether a Swiss licence number reads as the parser
// wants it: 3 letters or digits, 3 digits and the language code.
func swissNumber(n string) bool {
	if len(n) != 7 || !allDigits(n[3:6]) || !strings.Contains("DFIR", n[6:]) {
		return false
	}
	for i := 0; i < 3; i++ {
		if !isLetter(n[i]) && !isDigit(n[i]) {
			return false
		}
	}
	return true
}

func noOptionalData(format Format) error {
	return genErr("optionalData", "%s has no optional data field", format)
}

// cleanNames transliterates the names and collapses their fillers; one
// of them is required.
func cleanNames(f Fields) (sur, giv string, err error) {
	if sur, err = clean("surname", f.Surname, 0, true); err != nil {
		return "", "", err
	}
	if giv, err = clean("givenNames", f.GivenNames, 0, true); err != nil {
		return "", "", err
	}
	sur, giv = collapseFillers(sur), collapseFillers(giv)
	if sur == "" && giv == "" {
		return "", "", genErr("surname", "a name is required")
	}
	return sur, giv, nil
}

// fitName joins the identifiers and truncates them to n characters the
// ICAO way: the secondary identifier loses characters first (keeping at
// least one), then the primary identifier.
func fitName(sur, giv string, n int) string {
	if giv == "" {
		if len(sur) > n {
			sur = sur[:n]
		}
		return sur
	}
	if len(sur)+2+len(giv) <= n {
		return sur + "<<" + giv
	}
	if len(sur)+3 <= n {
		return sur + "<<" + giv[:n-len(sur)-2]
	}
	return sur[:n-3] + "<<" + giv[:1]
}

// collapseFillers trims fillers and makes every run of them one filler,
// so that a name's parts never read as the << separator.
func collapseFillers(s string) string {
	s = trimFillers(s)
	for strings.Contains(s, "<<") {
		s = strings.ReplaceAll(s, "<<", "<")
	}
	return s
}

// yymmdd writes a date as YYMMDD, or fillers for the zero time.
func yymmdd(t time.Time) string {
	if t.IsZero() {
		return "<<<<<<"
	}
	y, m, d := t.Date()
	return string([]byte{byte('0' + y/10%10), byte('0' + y%10), byte('0' + int(m)/10), byte('0' + int(m)%10), byte('0' + d/10), byte('0' + d%10)})
}

// clean transliterates a free-text field and checks its length (0: no
// limit). alpha fields hold only letters and fillers.
func clean(field, v string, max int, alpha bool) (string, error) {
	s, err := Transliterate(v)
	if err != nil {
		return "", genErr(field, "%v", err)
	}
	if max > 0 && len(s) > max {
		return "", genErr(field, "%q is longer than %d characters", v, max)
	}
	if alpha {
		for i := 0; i < len(s); i++ {
			if isDigit(s[i]) {
				return "", genErr(field, "%q holds a digit", v)
			}
		}
	}
	return s, nil
}
