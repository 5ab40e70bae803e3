package chip

import (
	"errors"
	"fmt"
)

// File identifiers of the eMRTD application (ICAO 9303-10 4.6, 4.7).
const (
	FIDCOM        uint16 = 0x011E
	FIDSOD        uint16 = 0x011D
	FIDCardAccess uint16 = 0x011C
	FIDDG1        uint16 = 0x0101
	FIDDG2        uint16 = 0x0102
)

// FIDOfDG returns the file identifier of data group n (1 to 16).
func FIDOfDG(n int) uint16 { return 0x0100 + uint16(n) }

// AppletAID is the eMRTD application identifier (ICAO 9303-10 4.5).
var AppletAID = []byte{0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01}

// DGTag returns the LDS tag of data group n (ICAO 9303-10 table 34):
// DG1 61, DG2 75, DG3 63, DG4 76, DG5 65, ... DG16 70.
func DGTag(n int) uint32 {
	switch n {
	case 2:
		return 0x75
	case 4:
		return 0x76
	}
	return 0x60 + uint32(n)
}

// DGOfTag is the inverse of DGTag: 0 for a tag that names no data group.
func DGOfTag(tag uint32) int {
	switch tag {
	case 0x75:
		return 2
	case 0x76:
		return 4
	}
	if tag >= 0x61 && tag <= 0x70 && tag != 0x62 && tag != 0x64 {
		return int(tag - 0x60)
	}
	return 0
}

// DefaultChunk is the READ BINARY chunk size: 0xDF bytes keep a protected
// response (data padded and wrapped in DO'87', DO'99', DO'8E') within a short
// APDU's 256 bytes.
const DefaultChunk = 0xDF

// maxFileSize bounds what ReadFile accepts from a file's length field.
const maxFileSize = 1 << 20

// Reader reads elementary files over a Transport (usually a *Session).
type Reader struct {
	T Transport
	// Chunk is the number of bytes asked for per READ BINARY (DefaultChunk
	// when 0). Larger values need extended length APDUs, which the reader
	// and chip must both support.
	Chunk int
}

func (r *Reader) exchange(c Command) ([]byte, uint16, error) {
	return transmit(r.T, c)
}

// SelectApplication selects the eMRTD application by its AID.
func SelectApplication(t Transport) error {
	_, sw, err := transmit(t, Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: AppletAID})
	if err != nil {
		return fault("select application", err)
	}
	if sw != SWOK {
		return fault("select application", &StatusError{sw})
	}
	return nil
}

// Select selects an elementary file by its identifier.
func (r *Reader) Select(fid uint16) error {
	_, sw, err := r.exchange(Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{byte(fid >> 8), byte(fid)}})
	if err != nil {
		return err
	}
	if sw != SWOK {
		return &StatusError{sw}
	}
	return nil
}

// readBinary reads up to n bytes at offset off of the selected file. Offsets
// past 0x7FFF use READ BINARY with the odd instruction B1 and the offset in
// DO'54' (ISO/IEC 7816-4 11.2.3).
func (r *Reader) readBinary(off, n int) ([]byte, error) {
	c := Command{INS: 0xB0, P1: byte(off >> 8), P2: byte(off), Ne: n}
	odd := off > 0x7FFF
	if odd {
		c = Command{INS: 0xB1, Data: EncodeTLV(0x54, bigEndian(off)), Ne: n + 4}
	}
	for tries := 0; ; tries++ {
		data, sw, err := r.exchange(c)
		if err != nil {
			return nil, err
		}
		switch {
		case sw == SWOK || sw == SWEndOfFile:
		case sw&0xFF00 == 0x6C00 && tries == 0: // wrong Le: the chip says how many
			c.Ne = int(sw & 0xFF)
			if c.Ne == 0 {
				c.Ne = 256
			}
			continue
		default:
			return nil, &StatusError{sw}
		}
		if odd {
			t, err := ParseTLV(data)
			if err != nil || t.Tag != 0x53 {
				return nil, fmt.Errorf("%w: READ BINARY (B1) answer is no DO'53'", ErrMalformed)
			}
			data = t.Value
		}
		if len(data) > n {
			return nil, fmt.Errorf("%w: READ BINARY returned %d bytes for %d", ErrMalformed, len(data), n)
		}
		return data, nil
	}
}

func bigEndian(v int) []byte {
	switch {
	case v <= 0xFF:
		return []byte{byte(v)}
	case v <= 0xFFFF:
		return []byte{byte(v >> 8), byte(v)}
	}
	return []byte{byte(v >> 16), byte(v >> 8), byte(v)}
}

// ReadFile selects fid and reads the whole file: its TLV header first, then
// the rest in chunks. A file that is not there gives an error wrapping
// ErrFileNotFound; a file shorter than its length field, ErrMalformed.
func (r *Reader) ReadFile(fid uint16) ([]byte, error) {
	op := fmt.Sprintf("read file %04X", fid)
	if err := r.Select(fid); err != nil {
		return nil, fault(op, err)
	}
	head, err := r.readBinary(0, 8)
	if err != nil {
		return nil, fault(op, err)
	}
	total, err := tlvSize(head)
	if err != nil {
		return nil, fault(op, err)
	}
	if total > maxFileSize {
		return nil, fault(op, fmt.Errorf("%w: file of %d bytes", ErrMalformed, total))
	}
	if total <= len(head) {
		return head[:total], nil
	}
	chunk := r.Chunk
	if chunk <= 0 {
		chunk = DefaultChunk
	}
	buf := make([]byte, 0, total)
	buf = append(buf, head...)
	for len(buf) < total {
		n := min(chunk, total-len(buf))
		data, err := r.readBinary(len(buf), n)
		if err != nil {
			return nil, fault(op, err)
		}
		if len(data) == 0 {
			return nil, fault(op, fmt.Errorf("%w: file ends at %d of %d bytes", ErrMalformed, len(buf), total))
		}
		buf = append(buf, data...)
	}
	return buf, nil
}

// ReadPrefix selects fid and reads its first n bytes (one READ BINARY).
func (r *Reader) ReadPrefix(fid uint16, n int) ([]byte, error) {
	if err := r.Select(fid); err != nil {
		return nil, err
	}
	return r.readBinary(0, n)
}

// tlvSize returns the size of the whole object whose first bytes are head.
func tlvSize(head []byte) (int, error) {
	if len(head) < 2 {
		return 0, fmt.Errorf("%w: file of %d bytes", ErrMalformed, len(head))
	}
	i := 1
	if head[0]&0x1F == 0x1F {
		for i < len(head) && head[i]&0x80 != 0 {
			i++
		}
		i++
	}
	if i >= len(head) {
		return 0, fmt.Errorf("%w: truncated tag", ErrMalformed)
	}
	l := int(head[i])
	i++
	if l == 0x80 {
		return 0, fmt.Errorf("%w: indefinite length", ErrMalformed)
	}
	if l > 0x80 {
		n := l & 0x7F
		if n > 3 || i+n > len(head) {
			return 0, fmt.Errorf("%w: bad length field", ErrMalformed)
		}
		l = 0
		for _, c := range head[i : i+n] {
			l = l<<8 | int(c)
		}
		i += n
	}
	return i + l, nil
}

// IsNotFound reports whether err says a file is not on the chip.
func IsNotFound(err error) bool { return errors.Is(err, ErrFileNotFound) }
