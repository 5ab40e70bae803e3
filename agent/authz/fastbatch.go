package authz

import (
	"math"
)

// fastBatch is what decodeBatchFast read.
type fastBatch struct {
	seq      uint64
	issuedAt string
	records  []byte // the records array, raw; nil when absent
	removed  []string
}

// decodeBatchFast reads a batch in its canonical form in one pass, without
// encoding/json's scanner (two passes over megabytes otherwise): an object
// whose members are "seq" (a non-negative integer), "issuedAt" (a string),
// "records" (an array, kept raw: its elements are split and decoded in
// parallel, each validated by decodeRecordFast or encoding/json) and
// "removed" (an array of strings), in any order, each at most once, with
// any JSON whitespace. Anything else (another member, null, a duplicate,
// trailing data) gives false, and the caller takes the encoding/json path,
// which decides what the batch means.
func decodeBatchFast(inner []byte) (fastBatch, bool) {
	var b fastBatch
	p := fastDec{d: inner}
	p.ws()
	hasSeq := false
	ok := p.object(func(k []byte) (uint16, bool) {
		switch string(k) {
		case "seq":
			n, ok := p.int()
			b.seq, hasSeq = uint64(n), true
			return 1 << 0, ok && n >= 0 && n < math.MaxInt64
		case "issuedAt":
			return 1 << 1, p.str(&b.issuedAt)
		case "records":
			var ok bool
			b.records, ok = p.rawArray()
			return 1 << 2, ok
		case "removed":
			return 1 << 3, p.strings(&b.removed)
		}
		return 0, false
	})
	if !ok {
		return b, false
	}
	p.ws()
	if p.i != len(p.d) || !hasSeq {
		return b, false // trailing data, or no seq: let encoding/json say what is wrong
	}
	return b, true
}

// rawArray returns the array at the cursor, brackets included, and moves
// past it. It tracks strings (with escapes) and nesting only: the elements
// are validated when they are decoded, and splitJSONArray checks that
// only commas and whitespace sit between them.
func (p *fastDec) rawArray() ([]byte, bool) {
	d, i := p.d, p.i
	if i >= len(d) || d[i] != '[' {
		return nil, false
	}
	start := i
	depth := 0
	for i < len(d) {
		switch d[i] {
		case '"':
			if i = skipString(d, i, len(d)); i < 0 {
				return nil, false
			}
			continue
		case '[', '{':
			depth++
		case ']', '}':
			depth--
			if depth == 0 {
				if d[i] != ']' {
					return nil, false
				}
				p.i = i + 1
				return d[start:p.i], true
			}
		}
		i++
	}
	return nil, false
}
