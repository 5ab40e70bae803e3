package mrz

import (
	"fmt"
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
// get their issuer when IssuingState is empty and refuse any other; the
// Dutch licence takes VersionNumber, a 10-digit number and up to 13
// characters of OptionalData. The French and Swiss driving licences are
// read, not written.
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
	switch format {
	case FrenchDL, SwissDL:
		return nil, genErr("format", "%s is read, not written", format)
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
	case DutchDL:
		if f.DocumentCode == "" {
			f.DocumentCode = "D1"
		}
	}
	if issuer := nationalIssuers[format]; issuer != "" {
		// A national format has its one issuer (the parser refuses others).
		if f.IssuingState == "" {
			f.IssuingState = issuer
		}
		if f.IssuingState != issuer {
			return nil, genErr("issuingState", "%q: a %s is issued by %s", f.IssuingState, formatTitles[format], issuer)
		}
	}
	code, err := clean("documentCode", f.DocumentCode, 2, format != DutchDL) // "D1": the BAP digit
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
	if format == DutchDL {
		return generateDutchDL(l, buf, f, number)
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
		d, _ := CheckDigit(string(l.number.ofBytes(buf)))
		put(l.numberCD, string(d))
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

	sur, err := clean("surname", f.Surname, 0, true)
	if err != nil {
		return nil, err
	}
	giv, err := clean("givenNames", f.GivenNames, 0, true)
	if err != nil {
		return nil, err
	}
	sur, giv = collapseFillers(sur), collapseFillers(giv)
	if sur == "" && giv == "" {
		return nil, genErr("surname", "a name is required")
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
