package central

import (
	"image"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
	qrcode "github.com/skip2/go-qrcode"
)

// letterQR is the QR code printed on a letter for text: error correction
// M at the smallest version that holds it, unless gozxing's reader (what
// every kiosk runs, drivers/scanner) fails to read that code back, clean,
// at some module size from 2 to 8 px: then the first of the next versions
// it reads at all of them. Some codes' data holds a finder-like 1:1:3:1:1
// cross where that reader, which stops once it has three finder patterns,
// takes it for one and samples the wrong grid (about 4 codes in 100 at 4 to
// 8 px a module; the kiosk retries such codes with the multi-code reader:
// docs/imaging.md,
// "QR codes"). Another version lays the same text out anew. Any QR reader
// reads any version, so kiosks that predate this choice read these codes
// as they read the others.
func letterQR(text string) (*qrcode.QRCode, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	for v := q.VersionNumber; v <= min(q.VersionNumber+4, 40); v++ {
		c := q
		if v != q.VersionNumber {
			if c, err = qrcode.NewWithForcedVersion(text, v, qrcode.Medium); err != nil {
				return nil, err
			}
		}
		if readsBack(c.Bitmap(), text) {
			return c, nil
		}
	}
	return q, nil // none read at every size (never seen): the smallest
}

// readsBack reports whether gozxing's reader decodes the code bitmap (the
// quiet zone included) as text at every module size from 2 to 8 px.
func readsBack(bitmap [][]bool, text string) bool {
	hints := map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true}
	for px := 2; px <= 8; px++ {
		n := len(bitmap) * px
		img := image.NewGray(image.Rect(0, 0, n, n))
		for y := range n {
			row := img.Pix[y*n : (y+1)*n]
			for x := range row {
				if !bitmap[y/px][x/px] {
					row[x] = 0xff
				}
			}
		}
		bmp, err := gozxing.NewBinaryBitmapFromImage(img)
		if err != nil {
			return false
		}
		res, err := zxqr.NewQRCodeReader().Decode(bmp, hints)
		if err != nil || res.GetText() != text {
			return false
		}
	}
	return true
}
