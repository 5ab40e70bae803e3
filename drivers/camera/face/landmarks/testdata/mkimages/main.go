// Command mkimages makes the test images of the golden set from the ORL
// face database sample that gocv ships (contrib/att_faces, 92x112 PGM):
// each face is scaled (and for some rotated) with bilinear sampling onto a
// grey canvas the size of a camera frame, and written as an 8-bit PNG.
// The PNGs are committed; this only documents and repeats how they were
// made:
//
//	go run ./testdata/mkimages -orl "$(go list -m -f '{{.Dir}}' gocv.io/x/gocv)/contrib/att_faces" -out testdata
package main

import (
	"bufio"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"log"
	"math"
	"os"
	"path/filepath"
)

type scene struct {
	name    string
	src     string  // ORL file, subject/image
	w, h    int     // canvas
	scale   float64 // source pixels to canvas pixels
	angle   float64 // degrees, counter-clockwise on screen
	cx, cy  float64 // canvas position of the face image's centre
	backgnd uint8
}

var scenes = []scene{
	{"s1-1", "s1/1.pgm", 640, 480, 3.6, 0, 320, 240, 60},
	{"s1-3", "s1/3.pgm", 640, 480, 3.0, 8, 250, 250, 90},
	{"s2-1", "s2/1.pgm", 640, 480, 3.4, 0, 380, 230, 40},
	{"s2-4", "s2/4.pgm", 640, 480, 2.2, -10, 320, 240, 70},
	{"s3-1", "s3/1.pgm", 640, 480, 3.2, 0, 330, 300, 50},
	{"s3-7", "s3/7.pgm", 640, 480, 3.8, 5, 300, 200, 80},
	{"s2-2-native", "s2/2.pgm", 92, 112, 1, 0, 46, 56, 0},
}

func main() {
	orl := flag.String("orl", "", "directory of the ORL sample (gocv contrib/att_faces)")
	out := flag.String("out", "testdata", "output directory")
	flag.Parse()
	for _, s := range scenes {
		src, err := readPGM(filepath.Join(*orl, s.src))
		if err != nil {
			log.Fatal(err)
		}
		dst := render(src, s)
		f, err := os.Create(filepath.Join(*out, s.name+".png"))
		if err != nil {
			log.Fatal(err)
		}
		enc := png.Encoder{CompressionLevel: png.BestCompression}
		if err := enc.Encode(f, dst); err != nil {
			log.Fatal(err)
		}
		if err := f.Close(); err != nil {
			log.Fatal(err)
		}
	}
}

// render places src on the canvas: canvas point q shows src at
// R(-angle)(q - c)/scale + centre of src, sampled bilinearly.
func render(src *image.Gray, s scene) *image.Gray {
	dst := image.NewGray(image.Rect(0, 0, s.w, s.h))
	sin, cos := math.Sincos(-s.angle * math.Pi / 180)
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	for y := 0; y < s.h; y++ {
		for x := 0; x < s.w; x++ {
			dx, dy := float64(x)-s.cx, float64(y)-s.cy
			u := (cos*dx-sin*dy)/s.scale + float64(sw)/2 - 0.5
			v := (sin*dx+cos*dy)/s.scale + float64(sh)/2 - 0.5
			dst.Pix[y*dst.Stride+x] = sample(src, u, v, s.backgnd)
		}
	}
	return dst
}

func sample(src *image.Gray, u, v float64, bg uint8) uint8 {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	if u < -0.5 || v < -0.5 || u > float64(w)-0.5 || v > float64(h)-0.5 {
		return bg
	}
	x0, y0 := int(math.Floor(u)), int(math.Floor(v))
	fx, fy := u-float64(x0), v-float64(y0)
	at := func(x, y int) float64 {
		x = min(max(x, 0), w-1)
		y = min(max(y, 0), h-1)
		return float64(src.Pix[y*src.Stride+x])
	}
	top := at(x0, y0)*(1-fx) + at(x0+1, y0)*fx
	bot := at(x0, y0+1)*(1-fx) + at(x0+1, y0+1)*fx
	return uint8(math.Round(top*(1-fy) + bot*fy))
}

// readPGM reads a binary (P5) 8-bit PGM.
func readPGM(path string) (*image.Gray, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var magic string
	var w, h, maxv int
	if _, err := fmt.Fscan(r, &magic, &w, &h, &maxv); err != nil || magic != "P5" {
		return nil, fmt.Errorf("%s: not a binary PGM (%v)", path, err)
	}
	if maxv != 255 {
		return nil, fmt.Errorf("%s: maxval %d", path, maxv)
	}
	if _, err := r.ReadByte(); err != nil { // the single whitespace after maxval
		return nil, err
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	if _, err := io.ReadFull(r, img.Pix); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return img, nil
}
