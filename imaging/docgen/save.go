package docgen

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-pdf/fpdf"
)

// JPEGQuality is the quality of saved JPEGs and of the image inside PDFs.
var JPEGQuality = 85

// Save writes the page as PNG, JPEG or PDF, by the file's extension. A PDF
// holds the page as a JPEG image at the page's resolution.
func Save(p *Page, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := Encode(p, strings.ToLower(filepath.Ext(path)), f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Encode writes the page in the format named by ext (".png", ".jpg", ".pdf").
func Encode(p *Page, ext string, w io.Writer) error {
	switch ext {
	case ".png":
		return png.Encode(w, p.Image)
	case ".jpg", ".jpeg":
		return jpeg.Encode(w, p.Image, &jpeg.Options{Quality: JPEGQuality})
	case ".pdf":
		var b bytes.Buffer
		if err := jpeg.Encode(&b, p.Image, &jpeg.Options{Quality: JPEGQuality}); err != nil {
			return err
		}
		bd := p.Image.Bounds()
		wmm := float64(bd.Dx()) / float64(p.DPI) * 25.4
		hmm := float64(bd.Dy()) / float64(p.DPI) * 25.4
		if p.Spec.Camera {
			wmm, hmm = float64(bd.Dx())/150*25.4, float64(bd.Dy())/150*25.4
		}
		pdf := fpdf.NewCustom(&fpdf.InitType{UnitStr: "mm", Size: fpdf.SizeType{Wd: wmm, Ht: hmm}})
		pdf.SetMargins(0, 0, 0)
		pdf.SetAutoPageBreak(false, 0)
		pdf.AddPage()
		pdf.RegisterImageOptionsReader("page", fpdf.ImageOptions{ImageType: "JPG"}, &b)
		pdf.ImageOptions("page", 0, 0, wmm, hmm, false, fpdf.ImageOptions{ImageType: "JPG"}, 0, "")
		pdf.SetCreator("xpt-kiosk docgen", true)
		return pdf.Output(w)
	}
	return fmt.Errorf("docgen: unknown image format %q", ext)
}

// Gray returns the page as a grey image.
func Gray(img image.Image) *image.Gray {
	if g, ok := img.(*image.Gray); ok {
		return g
	}
	b := img.Bounds()
	g := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g.Set(x, y, img.At(x, y))
		}
	}
	return g
}
