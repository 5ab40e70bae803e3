package chip

import "fmt"

// TLV is one BER-TLV data object (ISO/IEC 7816-4 5.2, ITU-T X.690): a tag of
// up to four bytes kept as an integer (0x5F1F, 0x7F61), and its value, which
// shares memory with the parsed input.
type TLV struct {
	Tag   uint32
	Value []byte
}

// Constructed reports whether the tag's first byte marks a constructed
// object (its value is a sequence of objects).
func (t TLV) Constructed() bool {
	first := t.Tag
	for first > 0xFF {
		first >>= 8
	}
	return first&0x20 != 0
}

// maxTLVDepth bounds nesting in ParseAll-style walks.
const maxTLVDepth = 16

// parseOne decodes the first object of b and returns it with the number of
// bytes it took. It rejects truncated input, tags longer than four bytes,
// lengths of more than four bytes and indefinite lengths.
func parseOne(b []byte) (TLV, int, error) {
	if len(b) == 0 {
		return TLV{}, 0, fmt.Errorf("%w: empty TLV", ErrMalformed)
	}
	i := 0
	tag := uint32(b[0])
	i++
	if b[0]&0x1F == 0x1F {
		for {
			if i >= len(b) {
				return TLV{}, 0, fmt.Errorf("%w: truncated tag", ErrMalformed)
			}
			if i >= 4 {
				return TLV{}, 0, fmt.Errorf("%w: tag longer than 4 bytes", ErrMalformed)
			}
			tag = tag<<8 | uint32(b[i])
			i++
			if b[i-1]&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return TLV{}, 0, fmt.Errorf("%w: tag %X without length", ErrMalformed, tag)
	}
	l := int(b[i])
	i++
	if l == 0x80 {
		return TLV{}, 0, fmt.Errorf("%w: indefinite length", ErrMalformed)
	}
	if l > 0x80 {
		n := l & 0x7F
		if n > 4 {
			return TLV{}, 0, fmt.Errorf("%w: length of %d bytes", ErrMalformed, n)
		}
		if i+n > len(b) {
			return TLV{}, 0, fmt.Errorf("%w: truncated length", ErrMalformed)
		}
		l = 0
		for _, c := range b[i : i+n] {
			l = l<<8 | int(c)
		}
		i += n
		if l < 0 {
			return TLV{}, 0, fmt.Errorf("%w: length overflow", ErrMalformed)
		}
	}
	if l > len(b)-i {
		return TLV{}, 0, fmt.Errorf("%w: tag %X wants %d bytes, %d left", ErrMalformed, tag, l, len(b)-i)
	}
	return TLV{Tag: tag, Value: b[i : i+l]}, i + l, nil
}

// ParseTLV decodes one object that must fill b exactly.
func ParseTLV(b []byte) (TLV, error) {
	t, n, err := parseOne(b)
	if err != nil {
		return TLV{}, err
	}
	if n != len(b) {
		return TLV{}, fmt.Errorf("%w: %d bytes after the object", ErrMalformed, len(b)-n)
	}
	return t, nil
}

// ParseTLVs decodes a sequence of objects filling b.
func ParseTLVs(b []byte) ([]TLV, error) {
	var out []TLV
	for len(b) > 0 {
		t, n, err := parseOne(b)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		b = b[n:]
	}
	return out, nil
}

// Find returns the first object with tag among the objects in b, searching
// constructed objects depth-first up to a bounded depth.
func Find(b []byte, tag uint32) (TLV, bool) {
	return find(b, tag, 0)
}

func find(b []byte, tag uint32, depth int) (TLV, bool) {
	if depth > maxTLVDepth {
		return TLV{}, false
	}
	objs, err := ParseTLVs(b)
	if err != nil {
		return TLV{}, false
	}
	for _, o := range objs {
		if o.Tag == tag {
			return o, true
		}
		if o.Constructed() {
			if t, ok := find(o.Value, tag, depth+1); ok {
				return t, true
			}
		}
	}
	return TLV{}, false
}

// appendLength appends a BER definite length.
func appendLength(b []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(b, byte(n))
	case n <= 0xFF:
		return append(b, 0x81, byte(n))
	case n <= 0xFFFF:
		return append(b, 0x82, byte(n>>8), byte(n))
	case n <= 0xFFFFFF:
		return append(b, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// EncodeTLV encodes tag and value.
func EncodeTLV(tag uint32, value []byte) []byte {
	b := make([]byte, 0, len(value)+8)
	switch {
	case tag > 0xFFFFFF:
		b = append(b, byte(tag>>24), byte(tag>>16), byte(tag>>8), byte(tag))
	case tag > 0xFFFF:
		b = append(b, byte(tag>>16), byte(tag>>8), byte(tag))
	case tag > 0xFF:
		b = append(b, byte(tag>>8), byte(tag))
	default:
		b = append(b, byte(tag))
	}
	b = appendLength(b, len(value))
	return append(b, value...)
}
