package scanner

import (
	"image"
	"image/color"

	"github.com/makiuchi-d/gozxing"
	multiqr "github.com/makiuchi-d/gozxing/multi/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode"
	"gocv.io/x/gocv"
)

// decodeQR finds the QR code on a page: gozxing (decodeGozxing) on the
// page downscaled to about 1600 px (a letter's code is large: 3 px a
// module), then on the full page, then on the region OpenCV's detector
// locates, straightened. Debian's OpenCV finds codes but cannot decode
// them (no QUIRC), hence gozxing.
func (s *Scanner) decodeQR(m gocv.Mat) []QR {
	try := func(mat gocv.Mat) (string, bool) { return decodeGozxing(grayImage(mat)) }
	var text string
	ok := false
	if side := max(m.Cols(), m.Rows()); side > 1800 {
		small := gocv.NewMat()
		f := 1600 / float64(side)
		gocv.Resize(m, &small, image.Point{}, f, f, gocv.InterpolationArea)
		text, ok = try(small)
		small.Close()
	}
	if !ok {
		text, ok = try(m)
	}
	if !ok {
		text, ok = s.qrByOpenCV(m, try)
	}
	if !ok {
		return nil
	}
	return []QR{{Text: text}}
}

func (s *Scanner) qrByOpenCV(m gocv.Mat, try func(gocv.Mat) (string, bool)) (string, bool) {
	det := gocv.NewQRCodeDetector()
	defer det.Close()
	pts := gocv.NewMat()
	defer pts.Close()
	if !det.Detect(m, &pts) || pts.Empty() || pts.Total() < 4 {
		return "", false
	}
	var src []gocv.Point2f
	for i := 0; i < 4; i++ {
		v := pts.GetVecfAt(0, i)
		if len(v) < 2 {
			return "", false
		}
		src = append(src, gocv.Point2f{X: v[0], Y: v[1]})
	}
	const side, quiet = 400, 40
	dst := []gocv.Point2f{{X: quiet, Y: quiet}, {X: quiet + side, Y: quiet}, {X: quiet + side, Y: quiet + side}, {X: quiet, Y: quiet + side}}
	sv, dv := gocv.NewPoint2fVectorFromPoints(src), gocv.NewPoint2fVectorFromPoints(dst)
	defer sv.Close()
	defer dv.Close()
	M := gocv.GetPerspectiveTransform2f(sv, dv)
	defer M.Close()
	out := gocv.NewMat()
	defer out.Close()
	gocv.WarpPerspectiveWithParams(m, &out, M, image.Pt(side+2*quiet, side+2*quiet), gocv.InterpolationLinear, gocv.BorderConstant, color.RGBA{255, 255, 255, 255})
	return try(out)
}

var qrHints = map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true}

// decodeGozxing reads one QR code with gozxing's reader, then, when that
// finds none, with its multi-code reader on the same binarised image.
// The reader stops scanning as soon as it has three finder-like patterns
// of one size, and a code's data holds a finder-like 1:1:3:1:1 cross in
// about half of all codes: when the scan meets it before the true
// bottom-left finder, the reader samples a grid on the wrong three (a
// wrong dimension, a format or checksum error). The multi-code reader
// collects every candidate over the whole image and tries each triple
// shaped like a code, so the true three are among them. Docs:
// docs/imaging.md ("QR codes").
func decodeGozxing(img image.Image) (string, bool) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", false
	}
	if res, err := qrcode.NewQRCodeReader().Decode(bmp, qrHints); err == nil {
		return res.GetText(), true
	}
	res, err := multiqr.NewQRCodeMultiReader().DecodeMultiple(bmp, qrHints)
	if err != nil || len(res) == 0 {
		return "", false
	}
	return res[0].GetText(), true
}
