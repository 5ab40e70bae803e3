package authz

import (
	"unicode/utf8"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// Fast paths for the two JSON shapes that dominate a batch: its records
// array and the records in it. Each covers the canonical form json.Marshal
// produces and says false for anything else, so that the caller falls back
// to encoding/json; whatever a fast path accepts, it decodes exactly as
// encoding/json would.

// splitJSONArray returns the elements of the JSON array arr, whitespace
// trimmed, as sub-slices of arr (nothing is copied). arr must be a JSON
// value encoding/json has already validated (a json.RawMessage), with
// optional surrounding whitespace; ok is false when it is not an array
// ("null" included: the caller handles it). "[]" gives no elements and ok.
//
// The scan only tracks strings (with their escapes) and nesting, not the
// grammar, in time linear in len(arr). On text that is not valid JSON it
// returns something or false, but never panics; the replica's fast batch
// path relies on each element being validated by its decoder, and on
// nothing but commas and whitespace sitting between elements, which this
// split guarantees.
func splitJSONArray(arr []byte) (elems [][]byte, ok bool) {
	i, end := 0, len(arr)
	for i < end && isJSONSpace(arr[i]) {
		i++
	}
	for end > i && isJSONSpace(arr[end-1]) {
		end--
	}
	if end-i < 2 || arr[i] != '[' || arr[end-1] != ']' {
		return nil, false
	}
	i++
	end-- // the closing ']'
	elems = [][]byte{}
	depth := 0
	start := i
	for i < end {
		switch arr[i] {
		case '"':
			if i = skipString(arr, i, end); i < 0 {
				return nil, false
			}
			continue
		case '[', '{':
			depth++
		case ']', '}':
			depth--
			if depth < 0 {
				return nil, false
			}
		case ',':
			if depth == 0 {
				e := trimJSONSpace(arr[start:i])
				if len(e) == 0 {
					return nil, false
				}
				elems = append(elems, e)
				start = i + 1
			}
		}
		i++
	}
	if depth != 0 {
		return nil, false
	}
	if e := trimJSONSpace(arr[start:end]); len(e) > 0 {
		elems = append(elems, e)
	} else if len(elems) > 0 {
		return nil, false // "[1,]"
	}
	return elems, true
}

// skipString returns the index after the string that opens at d[i] (a
// '"'), looking no further than end, or -1 when it does not close. Escaped
// characters are skipped one by one: linear however many backslashes the
// string holds.
func skipString(d []byte, i, end int) int {
	j := i + 1
	for j < end && d[j] != '"' {
		if d[j] == '\\' {
			j++
		}
		j++
	}
	if j >= end {
		return -1
	}
	return j + 1
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func trimJSONSpace(b []byte) []byte {
	for len(b) > 0 && isJSONSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isJSONSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// decodeRecordFast decodes one JSON object, data, into r, which must be a
// zero record, and reports whether it could. It covers what json.Marshal
// writes for a wire.AuthzRecord, in any member order, with any JSON
// whitespace:
//
//   - keys exactly as in the struct tags (exact case, no escapes), each at
//     most once; any other key is refused;
//   - strings of bytes 0x20-0x7f, with the JSON escapes (\" \\ \/ \b \f \n
//     \r \t \uXXXX) except \u escapes of UTF-16 surrogates;
//   - version and maxStayDays as integers of at most 18 digits (so no
//     overflow), no fraction or exponent;
//   - requireCard as true or false;
//   - documents and entries as arrays (an empty one gives an empty,
//     non-nil slice, as encoding/json does), holder, trustedTraveler and
//     each document as objects.
//
// It refuses (false) null anywhere (so a record json.Marshal wrote with a
// nil documents or entries slice falls back), bytes from 0x80 on and
// control bytes in strings, integers of 19 digits or more, wrong types,
// and anything that is not valid JSON, including trailing data. When it says true, json.Unmarshal(data, &zero) succeeds
// and gives a record reflect.DeepEqual to r. When it says false, r may be
// partly written: the caller resets it and uses encoding/json.
//
// Each string field is its own allocation, as with encoding/json (most
// are tiny-allocator sized). Slicing all of them out of one copy of data
// was measured as no faster and holds twice the bytes; the entries
// "CA>US" and "US>CA", which json.Marshal writes with \u003e escapes, are
// interned instead.
func decodeRecordFast(data []byte, r *wire.AuthzRecord) bool {
	p := fastDec{d: data}
	p.ws()
	if !p.record(r) {
		return false
	}
	p.ws()
	return p.i == len(p.d)
}

// fastDec is a cursor over one JSON text.
type fastDec struct {
	d []byte
	i int
}

// plainByte marks the bytes a string holds as themselves: 0x20-0x7f but
// '"' and '\\'.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func (p *fastDec) ws() {
	// Compact JSON has none: one test then.
	if p.i < len(p.d) && p.d[p.i] > ' ' {
		return
	}
	for p.i < len(p.d) && isJSONSpace(p.d[p.i]) {
		p.i++
	}
}

// open consumes c and the whitespace after it.
func (p *fastDec) open(c byte) bool {
	if p.i >= len(p.d) || p.d[p.i] != c {
		return false
	}
	p.i++
	p.ws()
	return true
}

// closeNow consumes c if it is next: an empty object or array.
func (p *fastDec) closeNow(c byte) bool {
	if p.i < len(p.d) && p.d[p.i] == c {
		p.i++
		return true
	}
	return false
}

// more follows a member or element: it consumes whitespace, then ',' and
// whitespace (more is true) or the closing c (more is false).
func (p *fastDec) more(c byte) (more, ok bool) {
	p.ws()
	if p.i >= len(p.d) {
		return false, false
	}
	switch p.d[p.i] {
	case ',':
		p.i++
		p.ws()
		return true, true
	case c:
		p.i++
		return false, true
	}
	return false, false
}

// key reads a member's name, plain bytes only, and the ':' after it with
// its whitespace.
func (p *fastDec) key() ([]byte, bool) {
	d, i := p.d, p.i
	if i >= len(d) || d[i] != '"' {
		return nil, false
	}
	i++
	start := i
	for i < len(d) && plainByte[d[i]] {
		i++
	}
	if i >= len(d) || d[i] != '"' {
		return nil, false
	}
	k := d[start:i]
	p.i = i + 1
	p.ws()
	if p.i >= len(d) || d[p.i] != ':' {
		return nil, false
	}
	p.i++
	p.ws()
	return k, true
}

// str reads a string value into *dst.
func (p *fastDec) str(dst *string) bool {
	d, i := p.d, p.i
	if i >= len(d) || d[i] != '"' {
		return false
	}
	i++
	start := i
	for i < len(d) && plainByte[d[i]] {
		i++
	}
	if i >= len(d) {
		return false
	}
	if d[i] == '"' {
		*dst = string(d[start:i])
		p.i = i + 1
		return true
	}
	if d[i] != '\\' {
		return false
	}
	return p.strEscaped(dst, start)
}

// strEscaped reads a string value, whose contents start at d[start], that
// has escapes. json.Marshal escapes '<', '>' and '&', so the entries
// "CA>US" and "US>CA" come this way: they are interned.
func (p *fastDec) strEscaped(dst *string, start int) bool {
	d := p.d
	var tmp [64]byte
	b := tmp[:0]
	i, seg := start, start
	for {
		if i >= len(d) {
			return false
		}
		c := d[i]
		if plainByte[c] {
			i++
			continue
		}
		b = append(b, d[seg:i]...)
		switch c {
		case '"':
			switch string(b) {
			case wire.DirCAtoUS:
				*dst = wire.DirCAtoUS
			case wire.DirUStoCA:
				*dst = wire.DirUStoCA
			default:
				*dst = string(b)
			}
			p.i = i + 1
			return true
		case '\\':
		default:
			return false // a control byte or one from 0x80 on
		}
		if i+1 >= len(d) {
			return false
		}
		switch d[i+1] {
		case '"', '\\', '/':
			b = append(b, d[i+1])
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			if i+6 > len(d) {
				return false
			}
			var r rune
			for _, h := range d[i+2 : i+6] {
				switch {
				case '0' <= h && h <= '9':
					h -= '0'
				case 'a' <= h && h <= 'f':
					h -= 'a' - 10
				case 'A' <= h && h <= 'F':
					h -= 'A' - 10
				default:
					return false
				}
				r = r<<4 | rune(h)
			}
			if 0xd800 <= r && r < 0xe000 {
				return false // a surrogate: pairs and strays are left to encoding/json
			}
			b = utf8.AppendRune(b, r)
			i += 4
		default:
			return false
		}
		i += 2
		seg = i
	}
}

// int reads an integer of at most 18 digits: it cannot overflow int64.
func (p *fastDec) int() (int64, bool) {
	d, i := p.d, p.i
	neg := false
	if i < len(d) && d[i] == '-' {
		neg = true
		i++
	}
	if i >= len(d) || d[i] < '0' || d[i] > '9' {
		return 0, false
	}
	start := i
	var n int64
	if d[i] == '0' {
		i++
	} else {
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			n = n*10 + int64(d[i]-'0')
			i++
			if i-start > 18 {
				return 0, false
			}
		}
	}
	if i < len(d) {
		switch d[i] {
		case '.', 'e', 'E', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			return 0, false // a fraction, an exponent or a leading zero
		}
	}
	p.i = i
	if neg {
		n = -n
	}
	return n, true
}

func (p *fastDec) bool(dst *bool) bool {
	rest := p.d[p.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		*dst = true
		p.i += 4
	case len(rest) >= 5 && string(rest[:5]) == "false":
		*dst = false
		p.i += 5
	default:
		return false
	}
	return true
}

// object reads an object whose members member reads: given a key, it
// reads the value and returns the member's bit (0: not a member of this
// object) and whether the value was read. Each member may come once.
func (p *fastDec) object(member func(k []byte) (bit uint16, ok bool)) bool {
	if !p.open('{') {
		return false
	}
	if p.closeNow('}') {
		return true
	}
	var seen uint16
	for {
		k, ok := p.key()
		if !ok {
			return false
		}
		bit, ok := member(k)
		if bit == 0 || !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
		more, ok := p.more('}')
		if !ok {
			return false
		}
		if !more {
			return true
		}
	}
}

func (p *fastDec) record(r *wire.AuthzRecord) bool {
	return p.object(func(k []byte) (uint16, bool) {
		switch string(k) {
		case "authorizationId":
			return 1 << 0, p.str(&r.AuthorizationID)
		case "version":
			var ok bool
			r.Version, ok = p.int()
			return 1 << 1, ok
		case "status":
			return 1 << 2, p.str(&r.Status)
		case "category":
			return 1 << 3, p.str(&r.Category)
		case "occupation":
			return 1 << 4, p.str(&r.Occupation)
		case "employer":
			return 1 << 5, p.str(&r.Employer)
		case "holder":
			return 1 << 6, p.holder(&r.Holder)
		case "documents":
			return 1 << 7, p.documents(&r.Documents)
		case "trustedTraveler":
			tt := new(wire.TrustedTraveler)
			r.TrustedTraveler = tt
			return 1 << 8, p.trustedTraveler(tt)
		case "validFrom":
			return 1 << 9, p.str(&r.ValidFrom)
		case "validUntil":
			return 1 << 10, p.str(&r.ValidUntil)
		case "entries":
			return 1 << 11, p.strings(&r.Entries)
		case "maxStayDays":
			n, ok := p.int()
			r.MaxStayDays = int(n)
			return 1 << 12, ok && int64(r.MaxStayDays) == n
		case "requireCard":
			return 1 << 13, p.bool(&r.RequireCard)
		}
		return 0, false // unknown or not in canonical case
	})
}

func (p *fastDec) holder(h *wire.Holder) bool {
	return p.object(func(k []byte) (uint16, bool) {
		switch string(k) {
		case "surname":
			return 1 << 0, p.str(&h.Surname)
		case "givenNames":
			return 1 << 1, p.str(&h.GivenNames)
		case "birthDate":
			return 1 << 2, p.str(&h.BirthDate)
		case "sex":
			return 1 << 3, p.str(&h.Sex)
		case "nationality":
			return 1 << 4, p.str(&h.Nationality)
		}
		return 0, false
	})
}

func (p *fastDec) document(doc *wire.Document) bool {
	return p.object(func(k []byte) (uint16, bool) {
		switch string(k) {
		case "code":
			return 1 << 0, p.str(&doc.Code)
		case "issuingState":
			return 1 << 1, p.str(&doc.IssuingState)
		case "number":
			return 1 << 2, p.str(&doc.Number)
		case "expiryDate":
			return 1 << 3, p.str(&doc.ExpiryDate)
		}
		return 0, false
	})
}

func (p *fastDec) trustedTraveler(tt *wire.TrustedTraveler) bool {
	return p.object(func(k []byte) (uint16, bool) {
		switch string(k) {
		case "program":
			return 1 << 0, p.str(&tt.Program)
		case "membershipId":
			return 1 << 1, p.str(&tt.MembershipID)
		case "cardTag":
			return 1 << 2, p.str(&tt.CardTag)
		}
		return 0, false
	})
}

// documents reads an array of documents into a slice of exactly its
// length; [] gives an empty, non-nil slice, as with encoding/json.
func (p *fastDec) documents(dst *[]wire.Document) bool {
	if !p.open('[') {
		return false
	}
	var buf [4]wire.Document
	list := buf[:0]
	if !p.closeNow(']') {
		for {
			list = append(list, wire.Document{})
			if !p.document(&list[len(list)-1]) {
				return false
			}
			more, ok := p.more(']')
			if !ok {
				return false
			}
			if !more {
				break
			}
		}
	}
	*dst = append(make([]wire.Document, 0, len(list)), list...)
	return true
}

// strings reads an array of strings like documents.
func (p *fastDec) strings(dst *[]string) bool {
	if !p.open('[') {
		return false
	}
	var buf [4]string
	list := buf[:0]
	if !p.closeNow(']') {
		for {
			list = append(list, "")
			if !p.str(&list[len(list)-1]) {
				return false
			}
			more, ok := p.more(']')
			if !ok {
				return false
			}
			if !more {
				break
			}
		}
	}
	*dst = append(make([]string, 0, len(list)), list...)
	return true
}
