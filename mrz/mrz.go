package mrz

import (
	"fmt"
	"strings"
	"time"
)

// Format is the layout of a machine readable zone.
type Format uint8

// The formats, recognised from the shape of the lines and the document code.
const (
	FormatUnknown Format = iota
	TD1                  // 3 lines of 30: identity cards
	TD2                  // 2 lines of 36: identity cards, older travel documents
	TD3                  // 2 lines of 44: passports
	MRVA                 // 2 lines of 44: visa, format A
	MRVB                 // 2 lines of 36: visa, format B
	FrenchID             // 2 lines of 36: French national identity card (1988–2021)
	FrenchDL             // 1 line of 30: French driving licence (ISO 18013 short MRZ)
	SwissDL              // 3 lines of 9, 30, 30: Swiss (and Liechtenstein) driving licence
	SlovakID             // 2 lines of 34: Slovak identity card (2003–2008)
	DutchDL              // 1 line of 30: Dutch driving licence (ISO 18013 one-line MRZ, "D1NLD…")
)

var formatNames = [...]string{"", "TD1", "TD2", "TD3", "MRVA", "MRVB", "FRENCH_ID",
	"FRENCH_DRIVING_LICENSE", "SWISS_DRIVING_LICENSE", "SLOVAK_ID", "DUTCH_DRIVING_LICENSE"}

// String returns the format's name as the CLI prints it ("" when unknown).
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return ""
}

// ParseFormat is the inverse of Format.String.
func ParseFormat(s string) (Format, bool) {
	for i, n := range formatNames {
		if n == s && i > 0 {
			return Format(i), true
		}
	}
	return FormatUnknown, false
}

// Shape returns the number of lines and the length of each line (of the
// longest: a Swiss driving licence's first line has 9 characters).
func (f Format) Shape() (lines, length int) {
	switch f {
	case TD1, SwissDL:
		return 3, 30
	case FrenchDL, DutchDL:
		return 1, 30
	case SlovakID:
		return 2, 34
	case TD2, MRVB, FrenchID:
		return 2, 36
	case TD3, MRVA:
		return 2, 44
	}
	return 0, 0
}

// Options change how Parse reads a zone.
type Options struct {
	// Today is the reference date for century inference and expiry
	// warnings. The zero value means time.Now().
	Today time.Time
	// Correct enables OCR correction guided by the field character classes
	// and the check digits. Every change is reported in Result.Corrections.
	Correct bool
	// Strict turns warnings about unknown state codes into errors.
	Strict bool
}

// Fields are the data elements of a zone. Parse fills them; Generate builds
// lines from them. Strings hold no fillers: names use single spaces, codes
// are trimmed ("D", not "D<<").
type Fields struct {
	Format         Format
	DocumentCode   string // "P", "ID", "V", "I", "AC", ...
	IssuingState   string // ICAO code: "UTO", "D", "XXA", ...
	Nationality    string
	DocumentNumber string    // complete: a long TD1/TD2 number is joined
	Surname        string    // primary identifier
	GivenNames     string    // secondary identifier; see GivenNamesList
	Sex            string    // "M", "F" or "X" (unspecified); "" for driving licences
	BirthDate      time.Time // zero when unknown or not in the zone (FRENCH_DRIVING_LICENSE)
	ExpiryDate     time.Time // zero for formats without one (FRENCH_ID, SWISS_DRIVING_LICENSE)
	// OptionalData is the personal number (TD3), the optional data of line
	// 1 (TD1, after a long number's overflow), of line 2 (TD2, MRV) or the
	// administrative code (FRENCH_ID).
	OptionalData string
	// OptionalData2 is the optional data of TD1 line 2; other formats
	// leave it empty. The CLI joins it to OptionalData with a space.
	OptionalData2 string
	// The Swiss driving licence's own fields: the language of issue (D,
	// F, I or R, the last character of the document number), the
	// 9-digit PIN of the holder's register entry and the 3-digit version.
	LanguageCode, PINCode, VersionNumber string
	// FRENCH_ID only: the card number's first 7 characters, the year and
	// month of issue (YYMM) and the department and office that issued it;
	// DocumentNumber holds the 5-character sequence that follows.
	IssueDate, OfficeCode string
}

// GivenNamesList returns the given names one by one ("ANNA MARIA" →
// ["ANNA", "MARIA"]); nil when there are none. GivenNames is the same
// names joined by single spaces.
func (f *Fields) GivenNamesList() []string {
	return strings.Fields(f.GivenNames)
}

// Code says what kind of problem an Error reports; programs switch on it.
type Code string

// Error and warning codes.
const (
	CodeShape        Code = "shape"          // not a known line count and length
	CodeCharset      Code = "charset"        // a character outside A-Z, 0-9, <
	CodeDocumentCode Code = "document_code"  // document code does not fit the format
	CodeCheckDigit   Code = "check_digit"    // a check digit does not match
	CodeDate         Code = "date"           // impossible or malformed date
	CodeDateUnknown  Code = "date_unknown"   // date given as fillers (warning)
	CodeSex          Code = "sex"            // not M, F, X or <
	CodeState        Code = "state"          // unknown state code (warning, error when strict)
	CodeName         Code = "name"           // malformed name field
	CodeTruncated    Code = "name_truncated" // name fills its field (warning)
	CodeExpired      Code = "expired"        // expiry date before Today (warning)
	CodeAmbiguous    Code = "ambiguous_correction"
	CodeFiller       Code = "filler"       // a filler where ICAO wants data, or data where it wants a filler
	CodeCleaned      Code = "cleaned"      // OCR clean-up: spaces removed or a short line padded (warning)
	CodeFillerDigit  Code = "filler_digit" // a check digit of 0 written as < (warning)
)

// Error is one problem found in a zone. Line and Col are 1-based and point
// at the first character of the field concerned (0 when not tied to a
// position).
type Error struct {
	Field   string // the JSON field name: "documentNumber", "birthDate", "composite", ...
	Code    Code
	Line    int
	Col     int
	Message string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("mrz: line %d column %d: %s: %s", e.Line, e.Col, e.Field, e.Message)
	}
	return fmt.Sprintf("mrz: %s: %s", e.Field, e.Message)
}

// Correction is one character changed by OCR correction. Line and Col are
// 1-based. From is 0 when a filler was inserted (To is '<'), To is 0 when
// a character was dropped: a line one character short or long.
type Correction struct {
	Line, Col int
	From, To  byte
}

// Result is what Parse found. It is never nil.
type Result struct {
	Fields
	// Valid is true when there are no errors: the shape is known, every
	// character is allowed, every check digit matches and every date is
	// possible. Expired documents can be valid.
	Valid bool
	// Lines are the lines read, after trimming and after any correction.
	Lines       []string
	Errors      []Error
	Warnings    []Error
	Corrections []Correction

	lineBuf [3]string
}

// Err returns the first error as an error value, or nil when valid.
func (r *Result) Err() error {
	if len(r.Errors) == 0 {
		return nil
	}
	e := r.Errors[0]
	return &e
}

// Parse reads one zone: one to three lines (or all of them in one string).
// Surrounding spaces are ignored. The result is never nil.
func Parse(lines []string, opts Options) *Result {
	r := new(Result)
	ParseInto(r, lines, opts)
	return r
}

// ParseInto is Parse into a caller-owned Result, reusing its slices: a
// well-formed TD3 costs at most one allocation (the given names, when they
// hold a space). Strings from an earlier parse into r stay valid.
func ParseInto(r *Result, lines []string, opts Options) {
	parseInto(r, lines, &opts)
}
