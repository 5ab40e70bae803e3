package scanner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"time"

	"gocv.io/x/gocv"
	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"github.com/xpt-pilot/xpt-kiosk/mrz"
	"github.com/xpt-pilot/xpt-kiosk/mrz/ocr"
)

// Options configure a Scanner. Zero values take the defaults noted.
type Options struct {
	// DPI rasterises PDF pages (300; MRZs need 300 or more).
	DPI int
	// MaxPages read from one PDF (20).
	MaxPages int
	// MaxFileBytes refuses larger files (100 MB).
	MaxFileBytes int64
	// Timeout for rasterising one PDF (60 s), MemoryLimit for the child
	// that does it (2 GiB of data, RLIMIT_DATA).
	Timeout     time.Duration
	MemoryLimit uint64
	// ChildPath is the program that rasterises PDFs (this executable), run
	// with ChildArgs (the hidden subcommand, e.g. "scan", "--rasterise-child")
	// followed by DPI MAXPAGES MEMLIMIT FILE, and ChildEnv added to its
	// environment. It must call RasterChildMain.
	ChildPath string
	ChildArgs []string
	ChildEnv  []string
	// Today dates MRZ expiry (time.Now).
	Today func() time.Time
	// Reader reads MRZs (ocr.Default()).
	Reader *ocr.Reader
	// NoQR skips QR decoding (mrz read), NoMRZ skips MRZ reading.
	NoQR, NoMRZ bool
}

// Scanner reads files: images and PDFs, their MRZs, text and QR codes.
// It is safe for concurrent use.
type Scanner struct {
	opt       Options
	ready     chan struct{} // closed once opt.Reader is set
	readerErr error
}

// New checks the options and loads the MRZ reader.
func New(opt Options) (*Scanner, error) {
	if opt.DPI <= 0 {
		opt.DPI = 300
	}
	if opt.DPI > 1200 {
		return nil, fmt.Errorf("scanner: dpi %d is too high (at most 1200)", opt.DPI)
	}
	if opt.MaxPages <= 0 {
		opt.MaxPages = 20
	}
	if opt.MaxFileBytes <= 0 {
		opt.MaxFileBytes = 100 << 20
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 60 * time.Second
	}
	if opt.MemoryLimit == 0 {
		opt.MemoryLimit = 2 << 30
	}
	if opt.Today == nil {
		opt.Today = time.Now
	}
	s := &Scanner{opt: opt, ready: make(chan struct{})}
	if opt.Reader == nil && !opt.NoMRZ {
		if _, err := os.Stat(ocr.DefaultFontDir + "/OCRB.otf"); err != nil {
			return nil, fmt.Errorf("scanner: the MRZ reader needs the OCR-B fonts (Debian package fonts-ocr-b): %w", err)
		}
		// Rendering the templates (~0.1 s) overlaps with decoding or
		// rasterising the first file.
		go func() {
			defer close(s.ready)
			s.opt.Reader, s.readerErr = ocr.Default()
		}()
	} else {
		close(s.ready)
	}
	return s, nil
}

// reader waits for the MRZ reader.
func (s *Scanner) reader() (*ocr.Reader, error) {
	<-s.ready
	return s.opt.Reader, s.readerErr
}

// Page is what one image or PDF page holds. Its JSON is the command-line
// contract of `xpt-kiosk mrz read` and `xpt-kiosk scan`.
type Page struct {
	File      string      `json:"file"`
	Page      int         `json:"page"` // 1-based
	Found     bool        `json:"found"`
	Lines     []string    `json:"lines"`
	Result    *mrz.Result `json:"result"`
	ElapsedMs int64       `json:"elapsedMs"`
	// scan only
	Text *string `json:"text,omitempty"`
	QR   []QR    `json:"qr,omitempty"`
	// Error says why this page could not be read ("" when it was).
	Error string `json:"error,omitempty"`
}

// QR is one QR code on a page, as decoded. What it holds (an XPT1
// pre-approval letter, say) is for the agent to judge and verify: the
// driver reads devices, it does not know the protocol (docs/imaging.md).
type QR struct {
	Text string `json:"text"`
}

// FileError is a whole file that could not be read (missing, too large,
// not an image or PDF, a PDF MuPDF refuses or that crashed the child).
type FileError struct {
	File string
	Err  error
}

func (e *FileError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// Kind of a file by its first bytes.
func sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return "pdf"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}):
		return "jpeg"
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return "tiff"
	case bytes.HasPrefix(b, []byte("BM")):
		return "bmp"
	}
	// a PDF may have junk before its header (within the first KB)
	if i := bytes.Index(b, []byte("%PDF-")); i >= 0 && i < 1024 {
		return "pdf"
	}
	return ""
}

// ScanFile reads every page of a file. A file that cannot be read at all
// returns a *FileError; a page that cannot be read has its Error set.
func (s *Scanner) ScanFile(ctx context.Context, path string) ([]Page, error) {
	fail := func(err error) ([]Page, error) { return nil, &FileError{File: path, Err: err} }
	f, err := os.Open(path)
	if err != nil {
		return fail(err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fail(err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return fail(errors.New("not a regular file"))
	}
	if st.Size() > s.opt.MaxFileBytes {
		f.Close()
		return fail(fmt.Errorf("file is %d MB, more than the %d MB allowed", st.Size()>>20, s.opt.MaxFileBytes>>20))
	}
	head := make([]byte, 1024)
	n, _ := io.ReadFull(f, head)
	f.Close()
	kind := sniff(head[:n])
	if kind == "" {
		return fail(fmt.Errorf("not an image (PNG, JPEG, TIFF, BMP) or a PDF (extension %q)", filepath.Ext(path)))
	}
	return s.scanChild(ctx, path, kind, nil)
}

// ScanStream reads every page of a file that only open can read in clear
// (a file sealed in the spool: open returns it opened), named name in
// pages and errors. The child reads it from its standard input, so it is
// never written out in clear; size is the file's size on disk, checked
// against MaxFileBytes.
func (s *Scanner) ScanStream(ctx context.Context, name string, size int64, open func() (io.ReadCloser, error)) ([]Page, error) {
	fail := func(err error) ([]Page, error) { return nil, &FileError{File: name, Err: err} }
	if size > s.opt.MaxFileBytes {
		return fail(fmt.Errorf("file is %d MB, more than the %d MB allowed", size>>20, s.opt.MaxFileBytes>>20))
	}
	f, err := open()
	if err != nil {
		return fail(err)
	}
	head := make([]byte, 1024)
	n, err := io.ReadFull(f, head)
	f.Close()
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return fail(err)
	}
	kind := sniff(head[:n])
	if kind == "" {
		return fail(fmt.Errorf("not an image (PNG, JPEG, TIFF, BMP) or a PDF (extension %q)", filepath.Ext(name)))
	}
	if f, err = open(); err != nil {
		return fail(err)
	}
	defer f.Close()
	return s.scanChild(ctx, name, kind, f)
}

// scanChild reads a PDF's pages, or an image, decoded in the child: the
// file at path, or when stdin is set, what it reads (path is then a name).
func (s *Scanner) scanChild(ctx context.Context, path, kind string, stdin io.Reader) ([]Page, error) {
	pages, total, err := s.rasterise(ctx, path, kind, stdin)
	if kind != "pdf" {
		if err != nil || len(pages) != 1 || pages[0].err != nil {
			if err == nil {
				err = errors.New("the decoder returned no image")
				if len(pages) > 0 && pages[0].err != nil {
					err = pages[0].err
				}
			}
			return nil, &FileError{File: path, Err: err}
		}
		t0 := time.Now()
		g := pages[0].img
		m, err := gocv.NewMatFromBytes(g.Rect.Dy(), g.Rect.Dx(), gocv.MatTypeCV8U, g.Pix)
		if err != nil {
			return nil, &FileError{File: path, Err: err}
		}
		defer m.Close()
		return []Page{s.scanMat(m, path, 1, t0)}, nil
	}
	if err != nil && len(pages) == 0 {
		return nil, &FileError{File: path, Err: err}
	}
	if len(pages) == 0 {
		return nil, &FileError{File: path, Err: errors.New("the PDF has no pages MuPDF can read (damaged or empty)")}
	}
	var out []Page
	for _, pp := range pages {
		t0 := time.Now()
		var p Page
		if pp.err != nil {
			p = Page{File: path, Page: pp.index + 1, Error: "page cannot be rasterised: " + pp.err.Error()}
		} else {
			m, merr := gocv.NewMatFromBytes(pp.img.Rect.Dy(), pp.img.Rect.Dx(), gocv.MatTypeCV8U, pp.img.Pix)
			if merr != nil {
				p = Page{File: path, Page: pp.index + 1, Error: merr.Error()}
			} else {
				p = s.scanMat(m, path, pp.index+1, t0)
				m.Close()
			}
		}
		text := pp.text
		p.Text = &text
		out = append(out, p)
	}
	if err != nil {
		// some pages came through; say what happened to the rest
		out = append(out, Page{File: path, Page: len(pages) + 1, Error: err.Error()})
	} else if total > len(pages) {
		out = append(out, Page{File: path, Page: len(pages) + 1, Error: fmt.Sprintf("only the first %d of %d pages were read", len(pages), total)})
	}
	return out, nil
}

func (s *Scanner) scanMat(m gocv.Mat, path string, page int, t0 time.Time) Page {
	p := Page{File: path, Page: page, Lines: []string{}}
	if !s.opt.NoMRZ {
		var z *ocr.Zone
		r, err := s.reader()
		if err == nil {
			z, err = r.Read(m)
		}
		if err != nil {
			p.Error = err.Error()
		} else if z.Found {
			p.Found = true
			p.Result = mrz.Parse(z.Lines, mrz.Options{Today: s.opt.Today(), Correct: true})
			p.Lines = append(p.Lines, p.Result.Lines...)
		}
	}
	if !s.opt.NoQR {
		p.QR = s.decodeQR(m)
	}
	p.ElapsedMs = time.Since(t0).Milliseconds()
	return p
}

// MaxImagePixels is the largest image decoded: an A4 page at 1200 dpi is
// 140 megapixels. A header that claims more is refused before any pixel
// is allocated (a decompression bomb).
const MaxImagePixels = 150_000_000

// decodeGray decodes an image to grey, in the child. JPEG and TIFF are
// decoded in Go: the MuPDF that go-fitz links statically carries its own
// libjpeg, whose symbols shadow the system one OpenCV's decoder was built
// against (OpenCV then fails on every JPEG). PNG and BMP go through OpenCV
// (faster), after Go has read their header.
func decodeGray(kind string, data []byte) (*image.Gray, error) {
	var cfg image.Config
	var err error
	r := bytes.NewReader(data)
	switch kind {
	case "jpeg":
		cfg, err = jpeg.DecodeConfig(r)
	case "tiff":
		cfg, err = tiff.DecodeConfig(r)
	case "png":
		cfg, err = png.DecodeConfig(r)
	case "bmp":
		cfg, err = bmp.DecodeConfig(r)
	default:
		return nil, fmt.Errorf("unknown image kind %q", kind)
	}
	if err != nil {
		return nil, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxImagePixels {
		return nil, fmt.Errorf("%d x %d pixels: more than the %d megapixels a scanned page may have", cfg.Width, cfg.Height, MaxImagePixels/1_000_000)
	}
	var img image.Image
	switch kind {
	case "jpeg":
		img, err = jpeg.Decode(bytes.NewReader(data))
	case "tiff":
		img, err = tiff.Decode(bytes.NewReader(data))
	default:
		m, err := gocv.IMDecode(data, gocv.IMReadGrayScale)
		if err != nil {
			return nil, err
		}
		defer m.Close()
		if m.Empty() {
			return nil, errors.New("OpenCV decoded nothing")
		}
		return grayImage(m), nil
	}
	if err != nil {
		return nil, err
	}
	return toGray(img), nil
}

// toGray converts to grey; a JPEG's luma plane is taken as it is.
func toGray(img image.Image) *image.Gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	g := image.NewGray(image.Rect(0, 0, w, h))
	switch s := img.(type) {
	case *image.Gray:
		for y := 0; y < h; y++ {
			copy(g.Pix[y*w:(y+1)*w], s.Pix[y*s.Stride:])
		}
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			copy(g.Pix[y*w:(y+1)*w], s.Y[y*s.YStride:])
		}
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				g.Pix[y*w+x] = color.GrayModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y
			}
		}
	}
	return g
}

// grayImage wraps a Mat's pixels as an image.Gray (a copy).
func grayImage(m gocv.Mat) *image.Gray {
	return &image.Gray{Pix: m.ToBytes(), Stride: m.Cols(), Rect: image.Rect(0, 0, m.Cols(), m.Rows())}
}
