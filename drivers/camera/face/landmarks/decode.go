package landmarks

import (
	"errors"
	"fmt"
	"io"
	"math"
)

// decoder reads dlib's portable serialization format (dlib/serialize.h)
// from a stream through its own buffer, so that reading a 100 MB model
// costs no allocation per value. The first error sticks: later reads
// return zero values and err keeps the first cause, with the byte offset.
type decoder struct {
	r        io.Reader
	buf      []byte
	pos, end int
	base     int64 // stream offset of buf[0]
	err      error
	what     string // what is being read, for error messages
	size     int64  // length of the whole stream, or -1 if unknown
}

func newDecoder(r io.Reader, size int64) *decoder {
	return &decoder{r: r, buf: make([]byte, 1<<16), size: size}
}

// affords reports whether the rest of the stream is known to be long
// enough for n values of at least minBytes bytes each.
func (d *decoder) affords(n, minBytes int) bool {
	return d.size >= 0 && int64(n) <= (d.size-d.offset())/int64(minBytes)
}

// offset is the stream offset of the next unread byte.
func (d *decoder) offset() int64 { return d.base + int64(d.pos) }

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("landmarks: %s at byte %d (reading %s)", fmt.Sprintf(format, args...), d.offset(), d.what)
	}
}

// fill makes at least n (at most 9) bytes available, or fails.
func (d *decoder) fill(n int) bool {
	if d.end-d.pos >= n {
		return true
	}
	if d.err != nil {
		return false
	}
	copy(d.buf, d.buf[d.pos:d.end])
	d.base += int64(d.pos)
	d.end -= d.pos
	d.pos = 0
	for d.end < n {
		m, err := d.r.Read(d.buf[d.end:])
		d.end += m
		if err != nil && d.end < n {
			if errors.Is(err, io.EOF) {
				d.pos = d.end
				d.fail("truncated model: unexpected end of file")
			} else {
				d.fail("read error: %v", err)
			}
			return false
		}
	}
	return true
}

// raw reads dlib's integer encoding: a control byte whose low four bits
// give the number of little-endian magnitude bytes that follow (1 to 8) and
// whose top bit is the sign. Bits 0x70 are never set. It returns the
// magnitude and the sign bit; unsigned callers reject the sign.
func (d *decoder) raw(maxBytes int) (mag uint64, neg bool) {
	if !d.fill(1) {
		return 0, false
	}
	ctl := d.buf[d.pos]
	n := int(ctl & 0x0f)
	if ctl&0x70 != 0 || n == 0 || n > maxBytes {
		d.fail("corrupt integer control byte 0x%02x", ctl)
		return 0, false
	}
	if !d.fill(1 + n) {
		return 0, false
	}
	b := d.buf[d.pos+1 : d.pos+1+n]
	for i := n - 1; i >= 0; i-- {
		mag = mag<<8 | uint64(b[i])
	}
	d.pos += 1 + n
	return mag, ctl&0x80 != 0
}

// uint reads an unsigned long (8 bytes on Debian amd64, where the model
// was written). dlib rejects a sign bit on an unsigned value.
func (d *decoder) uint() uint64 {
	mag, neg := d.raw(8)
	if neg {
		d.fail("negative value for an unsigned integer")
		return 0
	}
	return mag
}

// int reads a signed integer of at most size bytes (int, long, int16).
// dlib negates the magnitude in the signed type, so a magnitude that does
// not fit the type is corrupt.
func (d *decoder) int(size int) int64 {
	mag, neg := d.raw(size)
	if mag > math.MaxInt64>>(64-8*size) {
		d.fail("integer magnitude %d too large", mag)
		return 0
	}
	if neg {
		return -int64(mag)
	}
	return int64(mag)
}

// count reads a length (an unsigned long) and bounds it by max.
func (d *decoder) count(max uint64, what string) int {
	n := d.uint()
	if d.err == nil && n > max {
		d.fail("%s count %d exceeds the limit %d", what, n, max)
		return 0
	}
	return int(n)
}

// float32 reads a float as dlib's float_details: a signed 64-bit mantissa
// and a signed 16-bit exponent, value mantissa*2^exponent, with reserved
// exponents for +Inf, -Inf and NaN. The value is converted the way
// float_details::convert_to_T<float> does: the mantissa is rounded to a
// float first, then scaled. dlib's older ASCII float format (first byte
// with a bit of 0x70 set) is not supported.
func (d *decoder) float32() float32 {
	// Fast path: both integers whole in the buffer, well formed, and the
	// exponent a plain one.
	if b := d.buf[d.pos:d.end]; len(b) >= 12 {
		ctl := b[0]
		n := int(ctl & 0x0f)
		if ctl&0x70 == 0 && n != 0 && n <= 7 {
			var man int64
			for i := n; i >= 1; i-- {
				man = man<<8 | int64(b[i])
			}
			if ctl&0x80 != 0 {
				man = -man
			}
			ectl := b[n+1]
			if ectl == 1 || ectl == 2 || ectl == 0x81 || ectl == 0x82 {
				var exp int
				if ectl&0x0f == 1 {
					exp = int(b[n+2])
				} else {
					exp = int(b[n+2]) | int(b[n+3])<<8
				}
				if ectl&0x80 != 0 {
					exp = -exp
				}
				if exp > -1000 && exp < 1000 {
					d.pos += n + 2 + int(ectl&0x0f)
					return scale(man, exp)
				}
			}
		}
	}
	return d.float32Slow()
}

// scale returns mantissa*2^exp rounded to float32 as
// float_details::convert_to_T<float> does: the mantissa is rounded to a
// float first, then scaled. The float32 value times a power of two in
// float64 is exact for |exp| < 1000, so the final conversion rounds like
// std::ldexp(float, int).
func scale(man int64, exp int) float32 {
	return float32(float64(float32(man)) * math.Float64frombits(uint64(exp+1023)<<52))
}

func (d *decoder) float32Slow() float32 {
	if !d.fill(1) {
		return 0
	}
	if d.buf[d.pos]&0x70 != 0 {
		d.fail("unsupported float encoding (dlib's old ASCII format, or not a model)")
		return 0
	}
	man := d.int(8)
	exp := d.int(2)
	switch {
	case exp == 32000:
		return float32(math.Inf(1))
	case exp == 32001:
		return float32(math.Inf(-1))
	case exp >= 32000:
		return float32(math.NaN())
	case exp > -1000 && exp < 1000:
		return scale(man, int(exp))
	}
	return float32(math.Ldexp(float64(float32(man)), int(exp)))
}
