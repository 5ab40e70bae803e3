package chip

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

// The EF.COM that appendix D.4 reads: LDS 1.6, Unicode 4.0.0, DG1 and DG2.
func TestParseCOMAppendixD4(t *testing.T) {
	c, err := ParseCOM(h("60145F0104303130365F36063034303030305C026175"))
	if err != nil {
		t.Fatal(err)
	}
	if c.LDSVersion != "0106" || c.UnicodeVersion != "040000" || !slices.Equal(c.DataGroups, []int{1, 2}) {
		t.Errorf("%+v", c)
	}
	if !bytes.HasSuffix(EncodeCOM(1, 2), h("5C026175")) {
		t.Errorf("EncodeCOM tag list: %X", EncodeCOM(1, 2))
	}
}

func TestDGTags(t *testing.T) {
	for n := 1; n <= 16; n++ {
		if DGOfTag(DGTag(n)) != n {
			t.Errorf("DG%d: tag %X maps back to %d", n, DGTag(n), DGOfTag(DGTag(n)))
		}
	}
	if DGTag(2) != 0x75 || DGTag(14) != 0x6E || DGOfTag(0x77) != 0 || DGOfTag(0x60) != 0 {
		t.Error("tag table")
	}
}

func TestDG2Forms(t *testing.T) {
	j2k := []byte{0xFF, 0x4F, 0xFF, 0x51, 0, 0x29, 1, 2, 3}
	jp2 := append(h("0000000C6A5020200D0A870A"), 9, 9, 9)
	for _, img := range [][]byte{j2k, jp2} {
		d, err := ParseDG2(EncodeDG2(img, 3, 4))
		if err != nil {
			t.Fatal(err)
		}
		f := d.Faces[0]
		if f.DeclaredType != 1 || f.Type == ImageJPEG || f.Type == ImageUnknown || !bytes.Equal(f.Data, img) {
			t.Errorf("%+v", f)
		}
	}
	// ISO 39794-5 form: the image is found inside the tagged BER block.
	jpg := []byte{0xFF, 0xD8, 0xFF, 0xE0, 1, 2}
	dg2 := func(block []byte) []byte {
		return EncodeTLV(0x75, EncodeTLV(0x7F61, append(EncodeTLV(0x02, []byte{1}), EncodeTLV(0x7F60, EncodeTLV(0x7F2E, block))...)))
	}
	if _, err := ParseDG2(dg2(EncodeTLV(0xA1, EncodeTLV(0x80, []byte{0, 1})))); !errors.Is(err, ErrMalformed) {
		t.Errorf("39794 block without an image: %v", err)
	}
	block := EncodeTLV(0xA1, append(EncodeTLV(0x80, []byte{0, 1}), EncodeTLV(0xA2, EncodeTLV(0x80, jpg))...))
	d, err := ParseDG2(dg2(block))
	if err != nil {
		t.Fatal(err)
	}
	if f := d.Faces[0]; f.Format != "ISO39794-5" || f.Type != ImageJPEG || !bytes.Equal(f.Data, jpg) {
		t.Errorf("%+v", f)
	}
	for name, bad := range map[string][]byte{
		"garbage":    []byte("not a DG2"),
		"no 7F61":    EncodeTLV(0x75, EncodeTLV(0x02, []byte{1})),
		"bad FAC":    EncodeTLV(0x75, EncodeTLV(0x7F61, EncodeTLV(0x7F60, EncodeTLV(0x5F2E, []byte("FAC\x00010\x00\xff\xff\xff\xff\x00\x01"))))),
		"zero faces": EncodeTLV(0x75, EncodeTLV(0x7F61, EncodeTLV(0x02, []byte{0}))),
	} {
		if _, err := ParseDG2(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A DG2 in the ISO/IEC 39794-5 schema's shape gives its image and size.
func TestDG2ISO39794(t *testing.T) {
	jpg := []byte{0xFF, 0xD8, 0xFF, 0xE0, 9, 8, 7}
	d, err := ParseDG2(Encode39794DG2(jpg, 413, 531))
	if err != nil {
		t.Fatal(err)
	}
	if f := d.Faces[0]; f.Format != "ISO39794-5" || f.Type != ImageJPEG || f.Width != 413 || f.Height != 531 || !bytes.Equal(f.Data, jpg) {
		t.Errorf("%+v", f)
	}
}
