package mrz

import (
	"time"
	"unicode/utf8"
)

// MarshalJSON writes the fields of the command-line contract:
// format, valid, documentCode, issuingState, documentNumber, nationality,
// birthDate, expiryDate, sex, surname, givenNames, givenNamesList,
// optionalData, (for SWISS_DRIVING_LICENSE) languageCode, pinCode and
// versionNumber, errors, warnings and corrections.
func (r *Result) MarshalJSON() ([]byte, error) {
	return r.AppendJSON(make([]byte, 0, 512)), nil
}

// AppendJSON appends the contract's JSON object to dst, without a newline.
// It does not allocate when dst has room.
func (r *Result) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"format":`...)
	dst = appendString(dst, r.Format.String())
	if r.Valid {
		dst = append(dst, `,"valid":true`...)
	} else {
		dst = append(dst, `,"valid":false`...)
	}
	dst = append(dst, `,"documentCode":`...)
	dst = appendString(dst, r.DocumentCode)
	dst = append(dst, `,"issuingState":`...)
	dst = appendString(dst, r.IssuingState)
	dst = append(dst, `,"documentNumber":`...)
	dst = appendString(dst, r.DocumentNumber)
	dst = append(dst, `,"nationality":`...)
	dst = appendString(dst, r.Nationality)
	dst = append(dst, `,"birthDate":`...)
	dst = appendDate(dst, r.BirthDate)
	dst = append(dst, `,"expiryDate":`...)
	dst = appendDate(dst, r.ExpiryDate)
	dst = append(dst, `,"sex":`...)
	dst = appendString(dst, r.Sex)
	dst = append(dst, `,"surname":`...)
	dst = appendString(dst, r.Surname)
	dst = append(dst, `,"givenNames":`...)
	dst = appendString(dst, r.GivenNames)
	dst = append(dst, `,"givenNamesList":`...)
	dst = appendWords(dst, r.GivenNames)
	dst = append(dst, `,"optionalData":`...)
	switch {
	case r.OptionalData2 == "":
		dst = appendString(dst, r.OptionalData)
	case r.OptionalData == "":
		dst = appendString(dst, r.OptionalData2)
	default:
		dst = append(dst, '"')
		dst = appendEscaped(dst, r.OptionalData)
		dst = append(dst, ' ')
		dst = appendEscaped(dst, r.OptionalData2)
		dst = append(dst, '"')
	}
	if r.Format == FrenchID {
		dst = append(dst, `,"issueDate":`...)
		dst = appendString(dst, r.IssueDate)
		dst = append(dst, `,"officeCode":`...)
		dst = appendString(dst, r.OfficeCode)
	}
	if r.Format == DutchDL {
		dst = append(dst, `,"versionNumber":`...)
		dst = appendString(dst, r.VersionNumber)
	}
	if r.Format == SwissDL {
		dst = append(dst, `,"languageCode":`...)
		dst = appendString(dst, r.LanguageCode)
		dst = append(dst, `,"pinCode":`...)
		dst = appendString(dst, r.PINCode)
		dst = append(dst, `,"versionNumber":`...)
		dst = appendString(dst, r.VersionNumber)
	}
	dst = append(dst, `,"errors":`...)
	dst = appendIssues(dst, r.Errors)
	dst = append(dst, `,"warnings":`...)
	dst = appendIssues(dst, r.Warnings)
	dst = append(dst, `,"corrections":[`...)
	for i, c := range r.Corrections {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"line":`...)
		dst = appendInt(dst, c.Line)
		dst = append(dst, `,"col":`...)
		dst = appendInt(dst, c.Col)
		dst = append(dst, `,"from":`...)
		dst = appendChar(dst, c.From)
		dst = append(dst, `,"to":`...)
		dst = appendChar(dst, c.To)
		dst = append(dst, '}')
	}
	return append(dst, "]}"...)
}

// appendChar writes a corrected character as a JSON string: "" for none
// (0: a character dropped, or a filler inserted, by the length fix).
func appendChar(dst []byte, c byte) []byte {
	if c == 0 {
		return append(dst, `""`...)
	}
	return appendString(dst, string(rune(c)))
}

// appendWords writes the space-separated words of s as a JSON array of
// strings, as Fields.GivenNamesList splits them, without allocating.
func appendWords(dst []byte, s string) []byte {
	dst = append(dst, '[')
	n := 0
	for i := 0; i < len(s); {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		j := i
		for j < len(s) && s[j] != ' ' {
			j++
		}
		if j > i {
			if n > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, s[i:j])
			n++
		}
		i = j
	}
	return append(dst, ']')
}

// MarshalJSON writes {field, code, message, line, col}.
func (e Error) MarshalJSON() ([]byte, error) {
	return appendIssue(nil, &e), nil
}

func appendIssues(dst []byte, es []Error) []byte {
	dst = append(dst, '[')
	for i := range es {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendIssue(dst, &es[i])
	}
	return append(dst, ']')
}

func appendIssue(dst []byte, e *Error) []byte {
	dst = append(dst, `{"field":`...)
	dst = appendString(dst, e.Field)
	dst = append(dst, `,"code":`...)
	dst = appendString(dst, string(e.Code))
	dst = append(dst, `,"message":`...)
	dst = appendString(dst, e.Message)
	dst = append(dst, `,"line":`...)
	dst = appendInt(dst, e.Line)
	dst = append(dst, `,"col":`...)
	dst = appendInt(dst, e.Col)
	return append(dst, '}')
}

func appendInt(dst []byte, n int) []byte {
	if n < 0 {
		dst = append(dst, '-')
		n = -n
	}
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(dst, b[i:]...)
}

func appendDate(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(dst, `""`...)
	}
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return append(dst, `""`...)
	}
	return append(dst, '"',
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+int(m)/10), byte('0'+int(m)%10), '-',
		byte('0'+d/10), byte('0'+d%10), '"')
}

func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendEscaped(dst, s)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// jsonSafe marks the bytes that go into a JSON string as they are.
var jsonSafe = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return
}()

// appendEscaped writes s as the inside of a JSON string; invalid UTF-8
// becomes U+FFFD.
func appendEscaped(dst []byte, s string) []byte {
	i := 0
	for i < len(s) && jsonSafe[s[i]] {
		i++
	}
	if i == len(s) {
		return append(dst, s...)
	}
	start := 0
	for i < len(s) {
		c := s[i]
		if jsonSafe[c] {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, `\ufffd`...)
				i++
				start = i
				continue
			}
			if r == '\u2028' || r == '\u2029' {
				dst = append(dst, s[start:i]...)
				dst = append(dst, `\u202`...)
				dst = append(dst, hexDigits[r&0xF])
				i += size
				start = i
				continue
			}
			i += size
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		i++
		start = i
	}
	return append(dst, s[start:]...)
}
