package atrest

import (
	"bufio"
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
)

// A sealed stream holds a file of any size in bounded memory:
//
//	StreamMagic | 8-byte random prefix | chunk | chunk | … | final chunk
//
// Each chunk is StreamChunk bytes of plain text (the final one fewer,
// perhaps none) sealed with AES-GCM: ciphertext and 16-byte tag, the nonce
// the prefix and the chunk's number (4 bytes, big-endian), the additional
// data the caller's (the file's name in its store) and one byte, 1 for the
// final chunk and 0 before. A stream cut short, reordered, or moved to
// another name does not open.

// StreamMagic starts a sealed stream: 0xff starts no PDF, image or JSON.
var StreamMagic = []byte{0xff, 'X', 'S', '1'}

// StreamChunk is the plain text in one chunk.
const StreamChunk = 64 << 10

const streamPrefix = 8

// IsStream says whether b (a file's first bytes) starts a sealed stream.
func IsStream(b []byte) bool { return bytes.HasPrefix(b, StreamMagic) }

// StreamWriter seals what is written to it; Close writes the final chunk
// (it does not close the underlying writer).
type StreamWriter struct {
	w      io.Writer
	a      cipher.AEAD
	ad     []byte
	nonce  [NonceLen]byte
	n      uint32
	buf    []byte
	out    []byte
	err    error
	header bool
}

// NewStreamWriter returns a writer sealing into w, bound to ad.
func NewStreamWriter(w io.Writer, a cipher.AEAD, ad []byte) *StreamWriter {
	s := &StreamWriter{w: w, a: a, ad: append(append([]byte(nil), ad...), 0), buf: make([]byte, 0, StreamChunk)}
	rand.Read(s.nonce[:streamPrefix])
	return s
}

func (s *StreamWriter) chunk(final bool) error {
	if !s.header {
		s.header = true
		if _, err := s.w.Write(append(append([]byte(nil), StreamMagic...), s.nonce[:streamPrefix]...)); err != nil {
			return err
		}
	}
	if s.n == ^uint32(0) {
		return errors.New("sealed stream too long")
	}
	binary.BigEndian.PutUint32(s.nonce[streamPrefix:], s.n)
	s.n++
	s.ad[len(s.ad)-1] = 0
	if final {
		s.ad[len(s.ad)-1] = 1
	}
	s.out = s.a.Seal(s.out[:0], s.nonce[:], s.buf, s.ad)
	s.buf = s.buf[:0]
	_, err := s.w.Write(s.out)
	return err
}

func (s *StreamWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n := len(p)
	for len(p) > 0 {
		if len(s.buf) == StreamChunk {
			// Only now is it known that this chunk is not the last.
			if s.err = s.chunk(false); s.err != nil {
				return n - len(p), s.err
			}
		}
		k := copy(s.buf[len(s.buf):StreamChunk], p)
		s.buf = s.buf[:len(s.buf)+k]
		p = p[k:]
	}
	return n, nil
}

// Close writes the final chunk.
func (s *StreamWriter) Close() error {
	if s.err != nil {
		return s.err
	}
	s.err = s.chunk(true)
	if s.err == nil {
		s.err = errors.New("sealed stream closed")
		return nil
	}
	return s.err
}

// StreamReader opens a sealed stream; a chunk that does not open, or a
// stream that ends before its final chunk, is ErrOpen.
type StreamReader struct {
	r     *bufio.Reader
	a     cipher.AEAD
	ad    []byte
	nonce [NonceLen]byte
	n     uint32
	in    []byte
	plain []byte
	off   int
	done  bool
	err   error
}

// NewStreamReader returns a reader of the sealed stream r, bound to ad.
func NewStreamReader(r io.Reader, a cipher.AEAD, ad []byte) *StreamReader {
	return &StreamReader{r: bufio.NewReaderSize(r, StreamChunk+TagLen+1), a: a,
		ad: append(append([]byte(nil), ad...), 0), in: make([]byte, StreamChunk+TagLen)}
}

func (s *StreamReader) next() error {
	if s.n == 0 {
		var h [4 + streamPrefix]byte
		if _, err := io.ReadFull(s.r, h[:]); err != nil || !IsStream(h[:]) {
			return ErrOpen
		}
		copy(s.nonce[:], h[4:])
	}
	k, err := io.ReadFull(s.r, s.in)
	final := false
	switch {
	case err == io.ErrUnexpectedEOF || err == io.EOF:
		final = true
	case err != nil:
		return err
	default:
		if _, perr := s.r.Peek(1); perr == io.EOF {
			final = true
		}
	}
	binary.BigEndian.PutUint32(s.nonce[streamPrefix:], s.n)
	s.n++
	s.ad[len(s.ad)-1] = 0
	if final {
		s.ad[len(s.ad)-1] = 1
	}
	if k < TagLen {
		return ErrOpen
	}
	s.plain, err = s.a.Open(s.plain[:0], s.nonce[:], s.in[:k], s.ad)
	if err != nil {
		return ErrOpen
	}
	s.off, s.done = 0, final
	return nil
}

func (s *StreamReader) Read(p []byte) (int, error) {
	for s.off == len(s.plain) {
		if s.err != nil {
			return 0, s.err
		}
		if s.done {
			return 0, io.EOF
		}
		if s.err = s.next(); s.err != nil {
			return 0, s.err
		}
	}
	k := copy(p, s.plain[s.off:])
	s.off += k
	return k, nil
}
