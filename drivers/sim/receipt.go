package sim

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"sync"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/printer"
)

// A thermal printer's head: 203 dpi, font A 12x24 dots; 576 dots print on
// 80 mm paper, 384 on 58 mm.
const (
	dotsPerChar = 12
	dotsPerLine = 24
	margin      = 16
)

var (
	fontsOnce sync.Once
	fonts     map[[2]int]font.Face // {bold, scale} -> face
	fontsErr  error
)

func face(bold bool, scale int) (font.Face, error) {
	fontsOnce.Do(func() {
		fonts = map[[2]int]font.Face{}
		for b, ttf := range [][]byte{gomono.TTF, gomonobold.TTF} {
			f, err := opentype.Parse(ttf)
			if err != nil {
				fontsErr = err
				return
			}
			for s := 1; s <= 4; s++ {
				// Go Mono's advance is 0.6 em: 20 px gives font A's 12 dots.
				fc, err := opentype.NewFace(f, &opentype.FaceOptions{Size: float64(20 * s), DPI: 72, Hinting: font.HintingFull})
				if err != nil {
					fontsErr = err
					return
				}
				fonts[[2]int{b, s}] = fc
			}
		}
	})
	if fontsErr != nil {
		return nil, fontsErr
	}
	b := 0
	if bold {
		b = 1
	}
	return fonts[[2]int{b, min(max(scale, 1), 4)}], nil
}

// RenderReceipt draws a page as the printer would print it on paper of
// this width (mm): text in a monospaced font with its size, weight and
// alignment, wrapped at the paper's columns, QR codes drawn from their
// data, CODE128 barcodes with their text below.
func RenderReceipt(pg printer.Page, paperWidth int) ([]byte, error) {
	width := 576
	if paperWidth <= 58 {
		width = 384
	}
	cols := width / dotsPerChar
	type block struct {
		img   image.Image // a code
		lines []string
		it    printer.Item
		h     int
	}
	var blocks []block
	height := 2 * margin
	for _, it := range pg.Items {
		switch it.Kind {
		case printer.ItemText:
			w := min(max(it.Width, 1), 4)
			lines := printer.Wrap(it.Text, cols/w)
			h := len(lines) * dotsPerLine * min(max(it.Height, 1), 4)
			blocks = append(blocks, block{lines: lines, it: it, h: h})
			height += h
		case printer.ItemQR, printer.ItemBarcode:
			img, err := drawCode(it, width)
			if err != nil {
				// A code the symbology cannot hold: print what it says.
				blocks = append(blocks, block{lines: []string{"[" + string(it.Kind) + ": " + err.Error() + "]"}, it: it, h: dotsPerLine})
				height += dotsPerLine
				continue
			}
			b := block{img: img, it: it, h: img.Bounds().Dy() + dotsPerLine/2}
			if it.Kind == printer.ItemBarcode {
				b.lines = []string{it.Text}
				b.h += dotsPerLine
			}
			blocks = append(blocks, b)
			height += b.h
		}
	}
	img := image.NewGray(image.Rect(0, 0, width+2*margin, height))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	y := margin
	for _, b := range blocks {
		if b.img != nil {
			x := margin + alignX(b.it.Align, width, b.img.Bounds().Dx())
			draw.Draw(img, image.Rect(x, y, x+b.img.Bounds().Dx(), y+b.img.Bounds().Dy()), b.img, image.Point{}, draw.Src)
			if len(b.lines) > 0 {
				if err := drawText(img, b.lines[0], printer.Item{Align: b.it.Align, Width: 1, Height: 1}, width, y+b.img.Bounds().Dy()); err != nil {
					return nil, err
				}
			}
			y += b.h
			continue
		}
		lh := dotsPerLine * min(max(b.it.Height, 1), 4)
		for _, l := range b.lines {
			if err := drawText(img, l, b.it, width, y); err != nil {
				return nil, err
			}
			y += lh
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func alignX(a drivers.Align, width, w int) int {
	switch a {
	case drivers.AlignCenter:
		return max(0, (width-w)/2)
	case drivers.AlignRight:
		return max(0, width-w)
	}
	return 0
}

func drawText(img *image.Gray, s string, it printer.Item, width, top int) error {
	scale := min(max(it.Height, it.Width, 1), 4)
	fc, err := face(it.Bold, scale)
	if err != nil {
		return err
	}
	adv := font.MeasureString(fc, s).Ceil()
	x := margin + alignX(it.Align, width, adv)
	m := fc.Metrics()
	lh := dotsPerLine * min(max(it.Height, 1), 4)
	base := top + (lh+m.Ascent.Ceil()-m.Descent.Ceil())/2
	d := font.Drawer{Dst: img, Src: image.NewUniform(color.Black), Face: fc, Dot: fixed.P(x, base)}
	d.DrawString(s)
	return nil
}

// drawCode draws a QR code (module size from the page) or a CODE128
// barcode, black on white.
func drawCode(it printer.Item, width int) (image.Image, error) {
	var m *gozxing.BitMatrix
	var err error
	scale := 1
	hints := map[gozxing.EncodeHintType]interface{}{gozxing.EncodeHintType_MARGIN: 0}
	if it.Kind == printer.ItemQR {
		hints[gozxing.EncodeHintType_ERROR_CORRECTION] = "M"
		m, err = qrcode.NewQRCodeWriter().Encode(it.Text, gozxing.BarcodeFormat_QR_CODE, 0, 0, hints)
		scale = min(max(it.QRModule, 1), 16)
	} else {
		m, err = oned.NewCode128Writer().Encode(it.Text, gozxing.BarcodeFormat_CODE_128, 0, 40, hints)
		scale = 2
	}
	if err != nil {
		return nil, err
	}
	w, h := m.GetWidth()*scale, m.GetHeight()*scale
	if it.Kind == printer.ItemQR {
		// A quiet zone of 4 modules, as a printer leaves.
		w, h = w+8*scale, h+8*scale
	}
	if w > width {
		return nil, fmt.Errorf("%d dots wide, the paper has %d", w, width)
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	off := 0
	if it.Kind == printer.ItemQR {
		off = 4 * scale
	}
	for y := range m.GetHeight() {
		for x := range m.GetWidth() {
			if m.Get(x, y) {
				draw.Draw(img, image.Rect(off+x*scale, off+y*scale, off+(x+1)*scale, off+(y+1)*scale), image.Black, image.Point{}, draw.Src)
			}
		}
	}
	return img, nil
}
