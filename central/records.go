package central

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// Item is one line of a records file: an AuthzRecord, or a removal written
// as {"remove": "XPT-2026-0000999"}.
type Item struct {
	Record *wire.AuthzRecord
	Remove string
}

// ReadRecords streams the JSON lines of r to fn, one at a time, so that a
// file of ten million records never sits in memory. Blank lines and lines
// starting with # are skipped. A line that is not JSON is an error naming
// its line number; validation is the caller's (see ValidateRecord).
func ReadRecords(r io.Reader, fn func(line int, it Item) error) error {
	br := bufio.NewReaderSize(r, 1<<20)
	n := 0
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			n++
			t := bytes.TrimSpace(line)
			if len(t) > 0 && t[0] != '#' {
				it, perr := parseItem(t)
				if perr != nil {
					return fmt.Errorf("line %d: %w", n, perr)
				}
				if ferr := fn(n, it); ferr != nil {
					return ferr
				}
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func parseItem(t []byte) (Item, error) {
	if bytes.Contains(t, []byte(`"remove"`)) {
		var rm struct {
			Remove *string `json:"remove"`
		}
		if err := json.Unmarshal(t, &rm); err == nil && rm.Remove != nil {
			if *rm.Remove == "" {
				return Item{}, errors.New("empty remove")
			}
			return Item{Remove: *rm.Remove}, nil
		}
	}
	var rec wire.AuthzRecord
	if err := json.Unmarshal(t, &rec); err != nil {
		return Item{}, err
	}
	return Item{Record: &rec}, nil
}

var (
	authIDRe   = regexp.MustCompile(`^XPT-[0-9]{4}-[0-9]{7,}$`)
	mrzNameRe  = regexp.MustCompile(`^[A-Z0-9 ]*$`)
	docNumRe   = regexp.MustCompile(`^[A-Z0-9]{1,}$`)
	stateRe    = regexp.MustCompile(`^[A-Z]{1,3}$`)
	docCodeRe  = regexp.MustCompile(`^[A-Z][A-Z ]?$`)
	cardTagRe  = regexp.MustCompile(`^[0-9A-F]{10}$`)
	memberIDRe = regexp.MustCompile(`^[0-9]{9}$`)
)

// ValidateRecord checks a record against the schema of the protocol page
// and returns every problem at once, each with its field path.
func ValidateRecord(r *wire.AuthzRecord) error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, a...)))
	}
	if !authIDRe.MatchString(r.AuthorizationID) {
		bad("authorizationId", "%q is not XPT-YYYY-NNNNNNN", r.AuthorizationID)
	}
	if r.Version < 1 {
		bad("version", "%d, want >= 1", r.Version)
	}
	switch r.Status {
	case wire.StatusActive, wire.StatusSuspended, wire.StatusRevoked:
	default:
		bad("status", "%q", r.Status)
	}
	switch r.Category {
	case "", "executive", "professional", "technical":
	default:
		bad("category", "%q", r.Category)
	}
	h := r.Holder
	if h.Surname == "" || !mrzNameRe.MatchString(h.Surname) {
		bad("holder.surname", "%q is not in MRZ character form", h.Surname)
	}
	if !mrzNameRe.MatchString(h.GivenNames) {
		bad("holder.givenNames", "%q is not in MRZ character form", h.GivenNames)
	}
	if !isDate(h.BirthDate) {
		bad("holder.birthDate", "%q is not YYYY-MM-DD", h.BirthDate)
	}
	switch h.Sex {
	case "M", "F", "X":
	default:
		bad("holder.sex", "%q, want M, F or X", h.Sex)
	}
	if !stateRe.MatchString(h.Nationality) {
		bad("holder.nationality", "%q", h.Nationality)
	}
	if len(r.Documents) == 0 {
		bad("documents", "empty")
	}
	for i, d := range r.Documents {
		p := fmt.Sprintf("documents[%d]", i)
		if !docCodeRe.MatchString(d.Code) {
			bad(p+".code", "%q", d.Code)
		}
		if !stateRe.MatchString(d.IssuingState) {
			bad(p+".issuingState", "%q", d.IssuingState)
		}
		if !docNumRe.MatchString(d.Number) || len(d.Number) > 20 {
			bad(p+".number", "%q is not in MRZ character form", d.Number)
		}
		if d.ExpiryDate != "" && !isDate(d.ExpiryDate) {
			bad(p+".expiryDate", "%q is not YYYY-MM-DD", d.ExpiryDate)
		}
	}
	if tt := r.TrustedTraveler; tt != nil {
		switch tt.Program {
		case "NEXUS", "GLOBAL_ENTRY", "SENTRI", "FAST":
		default:
			bad("trustedTraveler.program", "%q", tt.Program)
		}
		if !memberIDRe.MatchString(tt.MembershipID) {
			bad("trustedTraveler.membershipId", "%q, want 9 digits", tt.MembershipID)
		}
		if tt.CardTag != "" && !cardTagRe.MatchString(tt.CardTag) {
			bad("trustedTraveler.cardTag", "%q, want 10 hex digits", tt.CardTag)
		}
	}
	if !isDate(r.ValidFrom) {
		bad("validFrom", "%q is not YYYY-MM-DD", r.ValidFrom)
	}
	if !isDate(r.ValidUntil) {
		bad("validUntil", "%q is not YYYY-MM-DD", r.ValidUntil)
	}
	if isDate(r.ValidFrom) && isDate(r.ValidUntil) && r.ValidUntil < r.ValidFrom {
		bad("validUntil", "%s is before validFrom %s", r.ValidUntil, r.ValidFrom)
	}
	if len(r.Entries) == 0 {
		bad("entries", "empty")
	}
	for i, e := range r.Entries {
		if e != wire.DirCAtoUS && e != wire.DirUStoCA {
			bad(fmt.Sprintf("entries[%d]", i), "%q, want CA>US or US>CA", e)
		}
	}
	if r.MaxStayDays < 0 {
		bad("maxStayDays", "%d", r.MaxStayDays)
	}
	return errors.Join(errs...)
}

func isDate(s string) bool {
	_, err := time.Parse(wire.DateFormat, s)
	return err == nil
}
