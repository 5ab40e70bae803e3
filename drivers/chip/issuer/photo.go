package issuer

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"

	"github.com/xpt-pilot/xpt-kiosk/drivers/chip"
)

// Photo is a test passport's DG2 photo and its size: the file at path,
// which must be a JPEG or JPEG 2000 image (its size is known for a JPEG
// only), or with no path a grey 240x320 JPEG placeholder.
func Photo(path string) (photo []byte, width, height int, err error) {
	if path == "" {
		img := image.NewGray(image.Rect(0, 0, 240, 320))
		for y := 0; y < 320; y++ {
			for x := 0; x < 240; x++ {
				img.SetGray(x, y, color.Gray{uint8(96 + (x+y)/8)})
			}
		}
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, nil); err != nil {
			return nil, 0, 0, err
		}
		return b.Bytes(), 240, 320, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, 0, err
	}
	if chip.SniffImage(b) == chip.ImageUnknown {
		return nil, 0, 0, fmt.Errorf("%s is neither JPEG nor JPEG 2000", path)
	}
	w, h := 0, 0
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(b)); err == nil {
		w, h = cfg.Width, cfg.Height
	}
	return b, w, h, nil
}
