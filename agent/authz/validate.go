package authz

import (
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// Limits of the record schema. They are generous on purpose: the point is
// to refuse what cannot be a record (and what would break the index keys),
// not to second-guess the central system.
const (
	maxIDLen        = 64
	maxNameLen      = 120 // MRZ names are truncated at 39; records carry the full name
	maxNumberLen    = 22  // TD1 numbers overflow into the optional data up to 22 characters
	maxTagLen       = 64
	maxTextLen      = 200
	maxDocuments    = 16
	maxEntries      = 8
	maxStayDaysMax  = 3660
	maxMembershipID = 32
)

// FieldError says which field of which record breaks the schema. It names
// the field, never its value, so that it can be logged and reported.
type FieldError struct {
	Index int // record index in the batch, -1 for the batch itself
	Field string
	Why   string
}

func (e *FieldError) Error() string {
	if e.Index < 0 {
		return e.Field + ": " + e.Why
	}
	return fmt.Sprintf("records[%d].%s: %s", e.Index, e.Field, e.Why)
}

// ValidateRecord checks one record against the schema of the spec. It
// returns a *FieldError for the first problem it finds.
func ValidateRecord(r *wire.AuthzRecord) error {
	return validateRecord(-1, r)
}

func validateRecord(i int, r *wire.AuthzRecord) error {
	bad := func(field, format string, a ...any) error {
		return &FieldError{Index: i, Field: field, Why: fmt.Sprintf(format, a...)}
	}
	if !ValidAuthorizationID(r.AuthorizationID) {
		return bad("authorizationId", "must be 1 to %d of A-Z 0-9 . _ -, starting with a letter or digit", maxIDLen)
	}
	if r.Version < 1 {
		return bad("version", "must be a positive integer")
	}
	switch r.Status {
	case wire.StatusActive, wire.StatusSuspended, wire.StatusRevoked:
	default:
		return bad("status", "must be active, suspended or revoked")
	}
	switch r.Category {
	case "", "executive", "professional", "technical":
	default:
		return bad("category", "must be executive, professional or technical")
	}
	if !validText(r.Occupation) {
		return bad("occupation", "must be printable text of at most %d bytes", maxTextLen)
	}
	if !validText(r.Employer) {
		return bad("employer", "must be printable text of at most %d bytes", maxTextLen)
	}
	h := r.Holder
	if !validName(h.Surname, false) {
		return bad("holder.surname", "must be MRZ character form (A-Z, single spaces), 1 to %d characters", maxNameLen)
	}
	if !validName(h.GivenNames, true) {
		return bad("holder.givenNames", "must be MRZ character form (A-Z, single spaces), at most %d characters", maxNameLen)
	}
	if _, ok := parseDate(h.BirthDate); !ok {
		return bad("holder.birthDate", "must be a date YYYY-MM-DD")
	}
	switch h.Sex {
	case "M", "F", "X":
	default:
		return bad("holder.sex", "must be M, F or X")
	}
	if !validState(h.Nationality) {
		return bad("holder.nationality", "must be a 1 to 3 letter ICAO code")
	}
	if len(r.Documents) == 0 || len(r.Documents) > maxDocuments {
		return bad("documents", "must list 1 to %d documents", maxDocuments)
	}
	for j, d := range r.Documents {
		f := fmt.Sprintf("documents[%d].", j)
		if d.Code != "" && !validDocCode(d.Code) {
			return bad(f+"code", "must be 1 or 2 characters A-Z (P, PA, I, ID, C…)")
		}
		if !validState(d.IssuingState) {
			return bad(f+"issuingState", "must be a 1 to 3 letter ICAO code")
		}
		if !validNumber(d.Number) {
			return bad(f+"number", "must be 1 to %d of A-Z 0-9", maxNumberLen)
		}
		if d.ExpiryDate != "" {
			if _, ok := parseDate(d.ExpiryDate); !ok {
				return bad(f+"expiryDate", "must be a date YYYY-MM-DD")
			}
		}
	}
	if tt := r.TrustedTraveler; tt != nil {
		if !validText(tt.Program) || tt.Program == "" {
			return bad("trustedTraveler.program", "must be non-empty text")
		}
		if tt.MembershipID != "" && !validAlnum(tt.MembershipID, maxMembershipID) {
			return bad("trustedTraveler.membershipId", "must be 1 to %d of A-Z 0-9", maxMembershipID)
		}
		if tt.CardTag != "" && !ValidCardTag(tt.CardTag) {
			return bad("trustedTraveler.cardTag", "must be 2 to %d upper-case hexadecimal digits", maxTagLen)
		}
	}
	from, ok := parseDate(r.ValidFrom)
	if !ok {
		return bad("validFrom", "must be a date YYYY-MM-DD")
	}
	until, ok := parseDate(r.ValidUntil)
	if !ok {
		return bad("validUntil", "must be a date YYYY-MM-DD")
	}
	if until.Before(from) {
		return bad("validUntil", "is before validFrom")
	}
	if len(r.Entries) > maxEntries {
		return bad("entries", "lists more than %d directions", maxEntries)
	}
	for j, e := range r.Entries {
		if e != wire.DirCAtoUS && e != wire.DirUStoCA {
			return bad(fmt.Sprintf("entries[%d]", j), "must be CA>US or US>CA")
		}
	}
	if r.MaxStayDays < 0 || r.MaxStayDays > maxStayDaysMax {
		return bad("maxStayDays", "must be between 0 and %d", maxStayDaysMax)
	}
	return nil
}

// ValidAuthorizationID reports whether id can be an authorization ID.
func ValidAuthorizationID(id string) bool {
	if id == "" || len(id) > maxIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case (c == '-' || c == '.' || c == '_') && i > 0:
		default:
			return false
		}
	}
	return true
}

// ValidCardTag reports whether tag is a card tag as records carry it.
func ValidCardTag(tag string) bool {
	if len(tag) < 2 || len(tag) > maxTagLen {
		return false
	}
	for i := 0; i < len(tag); i++ {
		c := tag[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func validAlnum(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func validNumber(s string) bool { return validAlnum(s, maxNumberLen) }

func validState(s string) bool {
	if s == "" || len(s) > 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func validDocCode(s string) bool {
	if s == "" || len(s) > 2 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// validName accepts MRZ character form: words of A-Z separated by single
// spaces, no leading or trailing space.
func validName(s string, emptyOK bool) bool {
	if s == "" {
		return emptyOK
	}
	if len(s) > maxNameLen {
		return false
	}
	prevSpace := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			prevSpace = false
		case c == ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
		default:
			return false
		}
	}
	return !prevSpace
}

func validText(s string) bool {
	if len(s) > maxTextLen || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

func parseDate(s string) (time.Time, bool) {
	if len(s) != 10 {
		return time.Time{}, false
	}
	t, err := time.Parse(wire.DateFormat, s)
	return t, err == nil
}

// NormalizeNumber, NormalizeState and NormalizeTag give the form records
// use (see wire.NormalizeCode and wire.NormalizeTag).
func NormalizeNumber(s string) string { return wire.NormalizeCode(s) }

// NormalizeState normalises an issuing state or nationality ("D<<" → "D").
func NormalizeState(s string) string { return wire.NormalizeCode(s) }

// NormalizeTag normalises a card tag.
func NormalizeTag(s string) string { return wire.NormalizeTag(s) }
