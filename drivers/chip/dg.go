package chip

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/xpt-pilot/xpt-kiosk/mrz"
)

// parseFile decodes a whole elementary file: one object with the file's tag.
func parseFile(b []byte, tag uint32, name string) (TLV, error) {
	t, err := ParseTLV(b)
	if err != nil {
		return TLV{}, fmt.Errorf("%s: %w", name, err)
	}
	if t.Tag != tag {
		return TLV{}, fmt.Errorf("%w: %s has tag %X, not %X", ErrMalformed, name, t.Tag, tag)
	}
	return t, nil
}

// findInFile decodes a file and finds the object inner within it.
func findInFile(b []byte, tag uint32, name string, inner uint32, what string) (TLV, error) {
	t, err := parseFile(b, tag, name)
	if err != nil {
		return TLV{}, err
	}
	o, ok := Find(t.Value, inner)
	if !ok {
		return TLV{}, fmt.Errorf("%w: %s without %s (%X)", ErrMalformed, name, what, inner)
	}
	return o, nil
}

// COM is EF.COM: the LDS version and the data groups present.
type COM struct {
	LDSVersion     string // "0107" is LDS 1.7
	UnicodeVersion string // "040000"
	DataGroups     []int  // from the tag list, in its order
}

// ParseCOM decodes EF.COM (tag 60).
func ParseCOM(b []byte) (*COM, error) {
	t, err := parseFile(b, 0x60, "EF.COM")
	if err != nil {
		return nil, err
	}
	objs, err := ParseTLVs(t.Value)
	if err != nil {
		return nil, err
	}
	c := &COM{}
	for _, o := range objs {
		switch o.Tag {
		case 0x5F01:
			c.LDSVersion = string(o.Value)
		case 0x5F36:
			c.UnicodeVersion = string(o.Value)
		case 0x5C:
			for _, tag := range o.Value {
				if n := DGOfTag(uint32(tag)); n != 0 {
					c.DataGroups = append(c.DataGroups, n)
				}
			}
		}
	}
	return c, nil
}

// Has reports whether EF.COM lists data group n.
func (c *COM) Has(n int) bool {
	for _, d := range c.DataGroups {
		if d == n {
			return true
		}
	}
	return false
}

// DG1 is the MRZ as the chip holds it.
type DG1 struct {
	MRZ string // the zone's characters without line breaks
}

// ParseDG1 decodes DG1 (tag 61 holding 5F1F).
func ParseDG1(b []byte) (*DG1, error) {
	z, err := findInFile(b, 0x61, "DG1", 0x5F1F, "the MRZ")
	if err != nil {
		return nil, err
	}
	switch len(z.Value) {
	case 90, 72, 88:
	default:
		return nil, fmt.Errorf("%w: DG1 MRZ of %d characters", ErrMalformed, len(z.Value))
	}
	return &DG1{MRZ: string(z.Value)}, nil
}

// Lines splits the zone into its lines: 3×30 (TD1), 2×36 (TD2), 2×44 (TD3).
func (d *DG1) Lines() []string {
	w := 44
	switch len(d.MRZ) {
	case 90:
		w = 30
	case 72:
		w = 36
	}
	var lines []string
	for i := 0; i+w <= len(d.MRZ); i += w {
		lines = append(lines, d.MRZ[i:i+w])
	}
	return lines
}

// Parse parses the chip's zone with the project's MRZ library.
func (d *DG1) Parse() *mrz.Result { return mrz.Parse(d.Lines(), mrz.Options{}) }

// MatchesPrinted reports whether the chip's MRZ is the printed one: the same
// characters line by line (the printed lines as read, after the reader's
// correction, spaces and case ignored).
func (d *DG1) MatchesPrinted(printed []string) bool {
	var b strings.Builder
	for _, l := range printed {
		b.WriteString(strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(l), " ", "")))
	}
	return b.String() == d.MRZ
}

// EncodeDG1 builds DG1 from MRZ lines.
func EncodeDG1(lines []string) []byte {
	return EncodeTLV(0x61, EncodeTLV(0x5F1F, []byte(strings.Join(lines, ""))))
}

// ImageType is the encoding of a face image.
type ImageType string

const (
	ImageJPEG    ImageType = "image/jpeg"
	ImageJPEG2K  ImageType = "image/jp2" // JP2 file format
	ImageJ2K     ImageType = "image/j2k" // JPEG 2000 codestream
	ImageUnknown ImageType = "application/octet-stream"
)

// SniffImage tells the image type from its first bytes.
func SniffImage(b []byte) ImageType {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return ImageJPEG
	case bytes.HasPrefix(b, []byte{0, 0, 0, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A}):
		return ImageJPEG2K
	case bytes.HasPrefix(b, []byte{0xFF, 0x4F, 0xFF, 0x51}):
		return ImageJ2K
	}
	return ImageUnknown
}

// FaceImage is one face image of DG2.
type FaceImage struct {
	Format string    // "ISO19794-5" or "ISO39794-5"
	Type   ImageType // from the image's own signature
	// DeclaredType is the container's image data type (ISO 19794-5: 0 JPEG,
	// 1 JPEG 2000), -1 when the container has none.
	DeclaredType  int
	Width, Height int // from the container, 0 when unknown
	Data          []byte
}

// DG2 is the encoded face: one or more face images.
type DG2 struct {
	Faces []FaceImage
}

// ParseDG2 decodes DG2 (tag 75): the biometric information group template
// 7F61 with its templates 7F60, each holding a biometric data block: 5F2E
// (ISO/IEC 19794-5, 'FAC' records) or 7F2E (ISO/IEC 39794-5). Every face
// found is returned with its image bytes; a DG2 holding no recognisable
// image is an error wrapping ErrMalformed.
func ParseDG2(b []byte) (*DG2, error) {
	group, err := findInFile(b, 0x75, "DG2", 0x7F61, "a biometric information group")
	if err != nil {
		return nil, err
	}
	objs, err := ParseTLVs(group.Value)
	if err != nil {
		return nil, err
	}
	d := &DG2{}
	for _, o := range objs {
		if o.Tag != 0x7F60 {
			continue
		}
		inner, err := ParseTLVs(o.Value)
		if err != nil {
			return nil, err
		}
		for _, bdb := range inner {
			switch bdb.Tag {
			case 0x5F2E:
				faces, err := ParseFaceRecord(bdb.Value)
				if err != nil {
					return nil, err
				}
				d.Faces = append(d.Faces, faces...)
			case 0x7F2E:
				f, err := parse39794(bdb.Value)
				if err != nil {
					return nil, err
				}
				d.Faces = append(d.Faces, f)
			}
		}
	}
	if len(d.Faces) == 0 {
		return nil, fmt.Errorf("%w: DG2 holds no face image", ErrMalformed)
	}
	return d, nil
}

// ISO/IEC 19794-5:2005 sizes.
const (
	facHeaderLen = 14 // "FAC\0" "010\0" record length (4) number of images (2)
	facInfoLen   = 20 // facial information block
	facPointLen  = 8  // one feature point
	facImageLen  = 12 // image information block
	maxFaces     = 16
)

// ParseFaceRecord decodes an ISO/IEC 19794-5 facial record ('FAC'): its
// header, then each facial record's information, feature points and image
// information, and the image data.
func ParseFaceRecord(b []byte) ([]FaceImage, error) {
	if len(b) < facHeaderLen || !bytes.HasPrefix(b, []byte("FAC\x00")) {
		return nil, fmt.Errorf("%w: no ISO 19794-5 'FAC' header", ErrMalformed)
	}
	recLen := binary.BigEndian.Uint32(b[8:12])
	if recLen > uint32(len(b)) || recLen < facHeaderLen {
		return nil, fmt.Errorf("%w: 'FAC' record of %d bytes in %d", ErrMalformed, recLen, len(b))
	}
	n := int(binary.BigEndian.Uint16(b[12:14]))
	if n == 0 || n > maxFaces {
		return nil, fmt.Errorf("%w: 'FAC' record with %d faces", ErrMalformed, n)
	}
	rest := b[facHeaderLen:recLen]
	var faces []FaceImage
	for i := 0; i < n; i++ {
		if len(rest) < facInfoLen+facImageLen {
			return nil, fmt.Errorf("%w: face %d truncated", ErrMalformed, i+1)
		}
		blockLen := binary.BigEndian.Uint32(rest[0:4])
		points := int(binary.BigEndian.Uint16(rest[4:6]))
		head := facInfoLen + points*facPointLen + facImageLen
		if blockLen > uint32(len(rest)) || int(blockLen) < head {
			return nil, fmt.Errorf("%w: face %d block of %d bytes (%d left, header %d)", ErrMalformed, i+1, blockLen, len(rest), head)
		}
		info := rest[facInfoLen+points*facPointLen : head]
		f := FaceImage{
			Format:       "ISO19794-5",
			DeclaredType: int(info[1]),
			Width:        int(binary.BigEndian.Uint16(info[2:4])),
			Height:       int(binary.BigEndian.Uint16(info[4:6])),
			Data:         rest[head:blockLen],
		}
		f.Type = SniffImage(f.Data)
		if f.Type == ImageUnknown {
			return nil, fmt.Errorf("%w: face %d is neither JPEG nor JPEG 2000", ErrMalformed, i+1)
		}
		faces = append(faces, f)
		rest = rest[blockLen:]
	}
	return faces, nil
}

// parse39794 finds the face image in an ISO/IEC 39794-5 biometric data
// block (7F2E). The schema (ISO/IEC 39794-5:2019, automatic tags) nests it
// as representationBlocks [1] / RepresentationBlock / imageRepresentation
// [1] / base [0] / imageRepresentation2DBlock [0] { representationData2D
// [0] OCTET STRING, imageInformation2DBlock [1] { ..., imageSizeBlock [7]
// { width [0], height [1] } } }. The walk takes the first primitive element
// holding a JPEG or JPEG 2000 image, wherever the issuer's encoder put it,
// and reads the image size from the imageInformation2DBlock beside it when
// that has the schema's shape.
func parse39794(b []byte) (FaceImage, error) {
	var found *FaceImage
	var walk func(b []byte, depth int)
	walk = func(b []byte, depth int) {
		if depth > maxTLVDepth || found != nil {
			return
		}
		objs, err := ParseTLVs(b)
		if err != nil {
			return
		}
		for _, o := range objs {
			if SniffImage(o.Value) != ImageUnknown && !o.Constructed() {
				f := FaceImage{Format: "ISO39794-5", Type: SniffImage(o.Value), DeclaredType: -1, Data: o.Value}
				for _, sib := range objs {
					if o.Tag == 0x80 && sib.Tag == 0xA1 {
						f.Width, f.Height = imageSize39794(sib.Value)
					}
				}
				found = &f
				return
			}
			if o.Constructed() {
				walk(o.Value, depth+1)
				if found != nil {
					return
				}
			}
		}
	}
	walk(b, 0)
	if found == nil {
		return FaceImage{}, fmt.Errorf("%w: ISO 39794-5 block holds no JPEG or JPEG 2000 image", ErrMalformed)
	}
	return *found, nil
}

// imageSize39794 reads imageSizeBlock [7] { width [0], height [1] } of an
// imageInformation2DBlock's content; zeros when it is not there.
func imageSize39794(info []byte) (w, h int) {
	objs, err := ParseTLVs(info)
	if err != nil {
		return 0, 0
	}
	for _, o := range objs {
		if o.Tag != 0xA7 {
			continue
		}
		dims, err := ParseTLVs(o.Value)
		if err != nil {
			return 0, 0
		}
		for _, d := range dims {
			if len(d.Value) == 0 || len(d.Value) > 3 {
				continue
			}
			n := 0
			for _, c := range d.Value {
				n = n<<8 | int(c)
			}
			switch d.Tag {
			case 0x80:
				w = n
			case 0x81:
				h = n
			}
		}
	}
	return w, h
}

// Encode39794DG2 builds DG2 around one ISO/IEC 39794-5 face image data
// block in the schema's shape (version 3.0, one representation, a 2D image
// with its format and size), for tests and the simulated chip.
func Encode39794DG2(img []byte, width, height int) []byte {
	format := 0 // ImageDataFormatCode: jpeg
	if SniffImage(img) != ImageJPEG {
		format = 1 // jpeg2000
	}
	size := append(EncodeTLV(0x80, bigEndian(width)), EncodeTLV(0x81, bigEndian(height))...)
	info := append(EncodeTLV(0xA0, EncodeTLV(0x80, []byte{byte(format)})), EncodeTLV(0xA7, size)...)
	rep2D := append(EncodeTLV(0x80, img), EncodeTLV(0xA1, info)...)
	repr := append(EncodeTLV(0x80, []byte{0}), EncodeTLV(0xA1, EncodeTLV(0xA0, EncodeTLV(0xA0, rep2D)))...)
	version := EncodeTLV(0xA0, append(EncodeTLV(0x80, []byte{3}), EncodeTLV(0x81, []byte{0})...))
	block := append(version, EncodeTLV(0xA1, EncodeTLV(0x30, repr))...)
	tmpl := EncodeTLV(0x7F60, EncodeTLV(0x7F2E, block))
	return EncodeTLV(0x75, EncodeTLV(0x7F61, append(EncodeTLV(0x02, []byte{1}), tmpl...)))
}

// EncodeFaceRecord builds an ISO/IEC 19794-5 facial record around one
// image (no feature points; the image type from its signature).
func EncodeFaceRecord(img []byte, width, height int) []byte {
	var dt byte
	if SniffImage(img) != ImageJPEG {
		dt = 1
	}
	block := facInfoLen + facImageLen + len(img)
	b := make([]byte, 0, facHeaderLen+block)
	b = append(b, "FAC\x00010\x00"...)
	b = binary.BigEndian.AppendUint32(b, uint32(facHeaderLen+block))
	b = binary.BigEndian.AppendUint16(b, 1)
	b = binary.BigEndian.AppendUint32(b, uint32(block))
	b = append(b, make([]byte, facInfoLen-4)...) // no points, unspecified gender, eyes, hair, pose
	b = append(b, 1, dt)                         // basic face image, data type
	b = binary.BigEndian.AppendUint16(b, uint16(width))
	b = binary.BigEndian.AppendUint16(b, uint16(height))
	b = append(b, 1, 2, 0, 0, 0, 0) // sRGB, digital still camera, device and quality unspecified
	return append(b, img...)
}

// EncodeDG2 builds DG2 around one ISO/IEC 19794-5 face record.
func EncodeDG2(img []byte, width, height int) []byte {
	bht := EncodeTLV(0xA1, append(EncodeTLV(0x87, []byte{0x01, 0x01}), EncodeTLV(0x88, []byte{0x00, 0x08})...))
	tmpl := EncodeTLV(0x7F60, append(bht, EncodeTLV(0x5F2E, EncodeFaceRecord(img, width, height))...))
	return EncodeTLV(0x75, EncodeTLV(0x7F61, append(EncodeTLV(0x02, []byte{1}), tmpl...)))
}

// EncodeCOM builds EF.COM for LDS 1.7 listing the data groups given.
func EncodeCOM(dgs ...int) []byte {
	tags := make([]byte, len(dgs))
	for i, n := range dgs {
		tags[i] = byte(DGTag(n))
	}
	v := EncodeTLV(0x5F01, []byte("0107"))
	v = append(v, EncodeTLV(0x5F36, []byte("040000"))...)
	v = append(v, EncodeTLV(0x5C, tags)...)
	return EncodeTLV(0x60, v)
}
