package scanner

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pngHeader is a PNG that claims w x h pixels and holds almost none: a
// decompression bomb's header.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		c := append([]byte(typ), data...)
		b.Write(c)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(c))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit grey
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

// A header that claims a huge image is refused before a pixel is made,
// and whatever the decoder does happens in the child.
func TestImageBombRefused(t *testing.T) {
	s := newScanner(t, nil)
	dir := t.TempDir()
	p := filepath.Join(dir, "bomb.png")
	os.WriteFile(p, pngHeader(100000, 100000), 0o600)
	_, err := s.ScanFile(context.Background(), p)
	var fe *FileError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "100000 x 100000 pixels: more than the 150 megapixels") {
		t.Fatalf("bomb: %v", err)
	}
}

// FuzzScanFile gives the scanner arbitrary files (PDFs, PNG, JPEG, TIFF,
// BMP and anything else): MuPDF and the image decoders parse them in the
// child, which may fail or crash; the agent's side must never panic, and
// answers either a *FileError or well-formed pages. MRZ and QR reading are
// off: the target is the parsing of untrusted files.
func FuzzScanFile(f *testing.F) {
	for _, p := range []string{"testdata/TD3-clean-7001.pdf", "../../mrz/ocr/testdata/pages/TD2-skew-6001.png",
		"../../mrz/ocr/testdata/pages/TD3-clean-5001.jpg"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	small := image.NewGray(image.Rect(0, 0, 8, 8))
	var pb bytes.Buffer
	png.Encode(&pb, small)
	f.Add(pb.Bytes())
	f.Add(pngHeader(100000, 100000))
	f.Add([]byte("%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"))
	f.Add([]byte("II*\x00\x08\x00\x00\x00"))
	f.Add([]byte("BM\x00\x00"))
	f.Add([]byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F'})

	s, err := New(Options{DPI: 72, MaxPages: 2, Timeout: 10 * time.Second, MemoryLimit: 1 << 30, NoMRZ: true, NoQR: true,
		ChildPath: os.Args[0], ChildEnv: []string{"XPT_SCANNER_CHILD=1"}})
	if err != nil {
		f.Fatal(err)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "scan")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		pages, err := s.ScanFile(context.Background(), p)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || fe.Err == nil || fe.Err.Error() == "" {
				t.Fatalf("not a FileError with a reason: %v", err)
			}
			return
		}
		if len(pages) == 0 {
			t.Fatal("no pages and no error")
		}
		for i, pg := range pages {
			if pg.Page != i+1 || pg.File != p {
				t.Fatalf("page %d: %+v", i, pg)
			}
		}
	})
}
