package authz

import (
	"encoding/binary"
	"errors"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// Records are stored in a compact binary form rather than as JSON: less
// than half the bytes (field names are most of a record's JSON), and a
// look-up decodes it in about a microsecond. Layout (codec 1): one byte
// codec version, then every field in declaration order: strings as uvarint
// length and bytes, integers as varints, lists as uvarint count and items,
// the optional trusted-traveler block behind a 0/1 byte.
const codecVersion = 1

var errCodec = errors.New("authz: stored record is corrupt or of an unknown codec")

func encodeRecord(r *wire.AuthzRecord) []byte {
	n := 64 + len(r.AuthorizationID) + len(r.Occupation) + len(r.Employer) + len(r.Holder.Surname) + len(r.Holder.GivenNames) + 40*len(r.Documents)
	b := make([]byte, 0, n)
	b = append(b, codecVersion)
	str := func(s string) { b = binary.AppendUvarint(b, uint64(len(s))); b = append(b, s...) }
	str(r.AuthorizationID)
	b = binary.AppendVarint(b, r.Version)
	str(r.Status)
	str(r.Category)
	str(r.Occupation)
	str(r.Employer)
	str(r.Holder.Surname)
	str(r.Holder.GivenNames)
	str(r.Holder.BirthDate)
	str(r.Holder.Sex)
	str(r.Holder.Nationality)
	b = binary.AppendUvarint(b, uint64(len(r.Documents)))
	for _, d := range r.Documents {
		str(d.Code)
		str(d.IssuingState)
		str(d.Number)
		str(d.ExpiryDate)
	}
	if tt := r.TrustedTraveler; tt != nil {
		b = append(b, 1)
		str(tt.Program)
		str(tt.MembershipID)
		str(tt.CardTag)
	} else {
		b = append(b, 0)
	}
	str(r.ValidFrom)
	str(r.ValidUntil)
	b = binary.AppendUvarint(b, uint64(len(r.Entries)))
	for _, e := range r.Entries {
		str(e)
	}
	b = binary.AppendVarint(b, int64(r.MaxStayDays))
	if r.RequireCard {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	return b
}

type decoder struct {
	b   []byte
	err bool
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.err || n > uint64(len(d.b)) {
		d.err = true
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.err = true
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

// decodeRecord decodes what encodeRecord wrote. The bytes may live in the
// mmap: every string is copied out.
func decodeRecord(b []byte, r *wire.AuthzRecord) error {
	if len(b) == 0 || b[0] != codecVersion {
		return errCodec
	}
	d := decoder{b: b[1:]}
	r.AuthorizationID = d.str()
	r.Version = d.varint()
	r.Status = d.str()
	r.Category = d.str()
	r.Occupation = d.str()
	r.Employer = d.str()
	r.Holder.Surname = d.str()
	r.Holder.GivenNames = d.str()
	r.Holder.BirthDate = d.str()
	r.Holder.Sex = d.str()
	r.Holder.Nationality = d.str()
	n := d.uvarint()
	if n > maxDocuments {
		return errCodec
	}
	r.Documents = make([]wire.Document, n)
	for i := range r.Documents {
		r.Documents[i] = wire.Document{Code: d.str(), IssuingState: d.str(), Number: d.str(), ExpiryDate: d.str()}
	}
	if d.byte() == 1 {
		r.TrustedTraveler = &wire.TrustedTraveler{Program: d.str(), MembershipID: d.str(), CardTag: d.str()}
	} else {
		r.TrustedTraveler = nil
	}
	r.ValidFrom = d.str()
	r.ValidUntil = d.str()
	n = d.uvarint()
	if n > maxEntries {
		return errCodec
	}
	r.Entries = make([]string, n)
	for i := range r.Entries {
		r.Entries[i] = d.str()
	}
	r.MaxStayDays = int(d.varint())
	r.RequireCard = d.byte() == 1
	if d.err || len(d.b) != 0 {
		return errCodec
	}
	return nil
}

// stubCodec marks a record stub, the value of a record's `r` key (format
// 4): what applying a batch needs to know of the stored record, its
// version and its index keys, without the record itself, which its
// document and card index entries carry. Layout: one byte stubCodec, the
// version as a varint, a uvarint count of index key prefixes ("family
// value 0", the first document's first), each as uvarint length and bytes.
const stubCodec = 0x53 // 'S': never a record's codecVersion

// recordStub is a decoded stub. Prefixes alias buf, which the next
// decodeStub into the same stub reuses.
type recordStub struct {
	Version  int64
	Prefixes [][]byte
	buf      []byte
}

func encodeStub(version int64, prefixes [][]byte) []byte {
	n := 12
	for _, p := range prefixes {
		n += 2 + len(p)
	}
	b := make([]byte, 0, n)
	b = append(b, stubCodec)
	b = binary.AppendVarint(b, version)
	b = binary.AppendUvarint(b, uint64(len(prefixes)))
	for _, p := range prefixes {
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	}
	return b
}

// decodeStub decodes what encodeStub wrote into s, copying the bytes (a
// Pebble value lives only until its iterator moves).
func decodeStub(b []byte, s *recordStub) error {
	if len(b) == 0 || b[0] != stubCodec {
		return errCodec
	}
	s.buf = append(s.buf[:0], b[1:]...)
	d := decoder{b: s.buf}
	s.Version = d.varint()
	n := d.uvarint()
	if d.err || n > uint64(len(d.b)) {
		return errCodec
	}
	s.Prefixes = s.Prefixes[:0]
	for i := uint64(0); i < n; i++ {
		l := d.uvarint()
		if d.err || l == 0 || l > uint64(len(d.b)) {
			return errCodec
		}
		s.Prefixes = append(s.Prefixes, d.b[:l:l])
		d.b = d.b[l:]
	}
	if d.err || len(d.b) != 0 {
		return errCodec
	}
	return nil
}
