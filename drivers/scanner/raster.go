package scanner

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	fitz "github.com/gen2brain/go-fitz"
)

// PDFs are rasterised by MuPDF, and images decoded (OpenCV for PNG and BMP,
// Go for JPEG and TIFF), in a child process: a corrupt or hostile file can
// crash it, loop or eat memory (a decompression bomb), and the agent only
// sees an error.
// The child is this same binary, started with ChildArgs; it limits its own
// address space (RLIMIT_DATA) before opening the file, and the parent kills it
// after the timeout.
//
// The memory limit is RLIMIT_DATA, set by the child on itself first thing.

// rasterHeader is the child's first message.
type rasterHeader struct {
	Pages int    // pages in the document
	Err   string // the document could not be opened
}

// rasterPage is one page: grey pixels and the text layer.
type rasterPage struct {
	Index int // 0-based
	W, H  int
	Pix   []byte
	Text  string
	Err   string
}

// RasterChildMain is the child's side: args are DPI, MAXPAGES, MEMLIMIT
// (bytes) and the file's path (a PDF, or an image: one page; "-": the file
// comes on standard input, a sealed spool file opened). It writes the
// pages as a gob stream on stdout. Call it from the binary's hidden
// subcommand (see Options.ChildArgs).
func RasterChildMain(args []string, stdout, stderr io.Writer) int {
	if len(args) != 4 {
		fmt.Fprintln(stderr, "rasterise child: want DPI MAXPAGES MEMLIMIT FILE")
		return 2
	}
	dpi, err1 := strconv.ParseFloat(args[0], 64)
	maxPages, err2 := strconv.Atoi(args[1])
	mem, err3 := strconv.ParseUint(args[2], 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		fmt.Fprintln(stderr, "rasterise child:", err)
		return 2
	}
	if mem > 0 {
		// RLIMIT_DATA (private writable memory, Linux 4.7+) rather than
		// RLIMIT_AS: the Go runtime reserves large PROT_NONE ranges that
		// RLIMIT_AS would count. MuPDF's mallocs fail cleanly past it.
		_ = syscall.Setrlimit(syscall.RLIMIT_DATA, &syscall.Rlimit{Cur: mem, Max: mem})
		debug.SetMemoryLimit(int64(mem / 2))
	}
	enc := gob.NewEncoder(stdout)
	var data []byte // the file from standard input
	if args[3] == "-" {
		var err error
		if data, err = io.ReadAll(os.Stdin); err != nil {
			enc.Encode(rasterHeader{Err: err.Error()})
			return 1
		}
	}
	kind := sniff(data)
	if data == nil {
		kind = sniffFile(args[3])
	}
	if kind != "pdf" && kind != "" {
		if data == nil {
			var err error
			if data, err = os.ReadFile(args[3]); err != nil {
				enc.Encode(rasterHeader{Err: fmt.Sprintf("the %s image cannot be read: %v", strings.ToUpper(kind), err)})
				return 1
			}
		}
		return imageChild(enc, kind, data)
	}
	var doc *fitz.Document
	var err error
	if data != nil {
		doc, err = fitz.NewFromMemory(data)
	} else {
		doc, err = fitz.New(args[3])
	}
	if err != nil {
		enc.Encode(rasterHeader{Err: err.Error()})
		return 1
	}
	defer doc.Close()
	n := doc.NumPage()
	if err := enc.Encode(rasterHeader{Pages: n}); err != nil {
		return 1
	}
	for i := 0; i < n && i < maxPages; i++ {
		p := rasterPage{Index: i}
		img, err := doc.ImageDPI(i, dpi)
		if err != nil {
			p.Err = err.Error()
		} else {
			g := grayOf(img)
			p.W, p.H, p.Pix = g.Rect.Dx(), g.Rect.Dy(), g.Pix
		}
		if t, err := doc.Text(i); err == nil {
			p.Text = t
		}
		if err := enc.Encode(p); err != nil {
			return 1
		}
	}
	return 0
}

// sniffFile is the kind of a file by its first bytes ("" when unreadable).
func sniffFile(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	head := make([]byte, 1024)
	n, _ := io.ReadFull(f, head)
	return sniff(head[:n])
}

// imageChild decodes one image file to a grey page.
func imageChild(enc *gob.Encoder, kind string, data []byte) int {
	{
		g, err := decodeGray(kind, data)
		if err == nil {
			if err := enc.Encode(rasterHeader{Pages: 1}); err != nil {
				return 1
			}
			if err := enc.Encode(rasterPage{W: g.Rect.Dx(), H: g.Rect.Dy(), Pix: g.Pix}); err != nil {
				return 1
			}
			return 0
		}
		enc.Encode(rasterHeader{Err: fmt.Sprintf("the %s image cannot be decoded (truncated or corrupt?): %v", strings.ToUpper(kind), err)})
	}
	return 1
}

func grayOf(img *image.RGBA) *image.Gray {
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		row := img.Pix[y*img.Stride:]
		out := g.Pix[y*g.Stride:]
		for x := 0; x < b.Dx(); x++ {
			p := row[4*x:]
			out[x] = uint8((299*uint32(p[0]) + 587*uint32(p[1]) + 114*uint32(p[2])) / 1000)
		}
	}
	return g
}

// pdfPage is a rasterised page handed back to the scanner.
type pdfPage struct {
	index int
	img   *image.Gray
	text  string
	err   error
}

// rasterise runs the child on path (a PDF, or an image of kind) and
// returns its pages.
// With stdin set, the child reads the file from it (path is then a name).
func (s *Scanner) rasterise(ctx context.Context, path, kind string, stdin io.Reader) ([]pdfPage, int, error) {
	what, doing := "PDF rasteriser", "PDF rasterising"
	if kind != "pdf" {
		what, doing = strings.ToUpper(kind)+" decoder", "Decoding the "+strings.ToUpper(kind)+" image"
	}
	exe := s.opt.ChildPath
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, 0, fmt.Errorf("cannot find this program to read the file in a child process: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
	defer cancel()
	file := path
	if stdin != nil {
		file = "-"
	}
	args := append(append([]string(nil), s.opt.ChildArgs...),
		strconv.Itoa(s.opt.DPI), strconv.Itoa(s.opt.MaxPages), strconv.FormatUint(s.opt.MemoryLimit, 10), file)
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Stdin = stdin
	cmd.Env = append(os.Environ(), s.opt.ChildEnv...)
	// its own process group, killed whole: nothing it started outlives it
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &limitedWriter{w: &stderr, n: 4096}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, 0, err
	}
	if err := cmd.Start(); err != nil {
		return nil, 0, fmt.Errorf("cannot start the %s: %w", what, err)
	}
	dec := gob.NewDecoder(out)
	var hdr rasterHeader
	var pages []pdfPage
	decErr := dec.Decode(&hdr)
	if decErr == nil && hdr.Err == "" {
		for {
			var p rasterPage
			if err := dec.Decode(&p); err != nil {
				if err != io.EOF {
					decErr = err
				}
				break
			}
			pp := pdfPage{index: p.Index, text: p.Text}
			if p.Err != "" {
				pp.err = errors.New(p.Err)
			} else if p.W <= 0 || p.H <= 0 || len(p.Pix) != p.W*p.H {
				pp.err = errors.New("rasteriser returned a malformed page")
			} else {
				pp.img = &image.Gray{Pix: p.Pix, Stride: p.W, Rect: image.Rect(0, 0, p.W, p.H)}
			}
			pages = append(pages, pp)
		}
	}
	io.Copy(io.Discard, out)
	waitErr := cmd.Wait()
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return pages, hdr.Pages, fmt.Errorf("%s took longer than %v and was stopped (is the file hostile or huge?)", doing, s.opt.Timeout)
	case hdr.Err != "" && kind == "pdf":
		return nil, 0, fmt.Errorf("not a readable PDF: %s", hdr.Err)
	case hdr.Err != "":
		return nil, 0, errors.New(hdr.Err)
	case decErr != nil && len(pages) == 0:
		return nil, 0, fmt.Errorf("the %s failed (%v): %s", what, exitText(waitErr), firstLine(stderr.String()))
	case waitErr != nil && len(pages) < min(hdr.Pages, s.opt.MaxPages):
		return pages, hdr.Pages, fmt.Errorf("the %s failed after %d page(s) (%v): %s", what, len(pages), exitText(waitErr), firstLine(stderr.String()))
	}
	return pages, hdr.Pages, nil
}

func exitText(err error) string {
	if err == nil {
		return "no error"
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return "killed by " + ws.Signal().String()
		}
	}
	return err.Error()
}

func firstLine(s string) string {
	s = string(bytes.TrimSpace([]byte(s)))
	if i := bytes.IndexByte([]byte(s), '\n'); i >= 0 {
		s = s[:i]
	}
	if s == "" {
		return "no message"
	}
	return s
}

type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	n := len(p)
	if l.n > 0 {
		q := p
		if len(q) > l.n {
			q = q[:l.n]
		}
		l.n -= len(q)
		l.w.Write(q)
	}
	return n, nil
}
