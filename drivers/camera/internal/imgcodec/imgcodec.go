// Package imgcodec encodes and decodes JPEG (and decodes PNG) between gocv
// Mats and bytes with Go's own codecs, not OpenCV's.
//
// Why: the kiosk binary also links MuPDF (go-fitz), which carries its own
// libjpeg and exports its jpeg_* symbols from the executable; OpenCV's
// imencode/imdecode then bind to that libjpeg instead of libjpeg62-turbo and
// crash (SIGSEGV in Image_IMEncode_WithParams, seen on Debian 12). Go's
// codecs have no such symbols. A 640x480 frame encodes in a few
// milliseconds, enough for captures and a rate-limited preview.
package imgcodec

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	_ "image/png" // reference images may be PNG

	"gocv.io/x/gocv"
)

// EncodeJPEG encodes a BGR (or grey) Mat as JPEG at quality 1-100.
func EncodeJPEG(m gocv.Mat, quality int) ([]byte, error) {
	if m.Empty() {
		return nil, errors.New("encode JPEG: empty frame")
	}
	var img image.Image
	switch m.Channels() {
	case 1:
		g := m
		if !m.IsContinuous() {
			g = m.Clone()
			defer g.Close()
		}
		pix, err := g.DataPtrUint8()
		if err != nil {
			return nil, fmt.Errorf("encode JPEG: %w", err)
		}
		img = &image.Gray{Pix: pix, Stride: g.Cols(), Rect: image.Rect(0, 0, g.Cols(), g.Rows())}
	case 3, 4:
		rgba := gocv.NewMat()
		defer rgba.Close()
		code := gocv.ColorBGRToRGBA
		if m.Channels() == 4 {
			code = gocv.ColorBGRAToRGBA
		}
		gocv.CvtColor(m, &rgba, code)
		pix, err := rgba.DataPtrUint8()
		if err != nil {
			return nil, fmt.Errorf("encode JPEG: %w", err)
		}
		// A view of the Mat's memory: encoded before rgba is closed.
		img = &image.RGBA{Pix: pix, Stride: 4 * rgba.Cols(), Rect: image.Rect(0, 0, rgba.Cols(), rgba.Rows())}
	default:
		return nil, fmt.Errorf("encode JPEG: %d channels", m.Channels())
	}
	var b bytes.Buffer
	b.Grow(m.Cols() * m.Rows() / 4)
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("encode JPEG: %w", err)
	}
	return b.Bytes(), nil
}

// Decode decodes a JPEG or PNG into a new BGR Mat the caller closes.
func Decode(data []byte) (gocv.Mat, error) {
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return gocv.Mat{}, fmt.Errorf("decode image: %w", err)
	}
	b := src.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 || b.Dx()*b.Dy() > 50_000_000 {
		return gocv.Mat{}, fmt.Errorf("decode image: size %dx%d out of range", b.Dx(), b.Dy())
	}
	rgba := gocv.NewMatWithSize(b.Dy(), b.Dx(), gocv.MatTypeCV8UC4)
	defer rgba.Close()
	pix, err := rgba.DataPtrUint8()
	if err != nil {
		return gocv.Mat{}, err
	}
	dst := &image.RGBA{Pix: pix, Stride: 4 * b.Dx(), Rect: image.Rect(0, 0, b.Dx(), b.Dy())}
	draw.Draw(dst, dst.Rect, src, b.Min, draw.Src)
	out := gocv.NewMat()
	gocv.CvtColor(rgba, &out, gocv.ColorRGBAToBGR)
	return out, nil
}
