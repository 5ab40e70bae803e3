package sim

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers/printer"
	"github.com/xpt-pilot/xpt-kiosk/internal/atomicfile"
)

// PrinterOptions configure a simulated ESC/POS receipt printer.
type PrinterOptions struct {
	// Link, when set, is a symlink kept pointing at the current pty.
	Link string
	// Dir, when set, is where each receipt is rendered: receipt-NNNN.png
	// and .txt, and last.png and last.txt (the newest). The folder is
	// created; the oldest receipts beyond Keep are removed.
	Dir  string
	Keep int // receipts kept in Dir (20 by default)
	// PaperWidth is the roll's width in mm, 80 (default) or 58.
	PaperWidth int
	// Conn, when set, is used instead of a pty (one end of net.Pipe in
	// tests); disconnect is then not available.
	Conn   io.ReadWriteCloser
	Logger *slog.Logger
}

// Receipt is one receipt the simulated printer cut, as it rendered it.
type Receipt struct {
	N        int
	At       time.Time
	Page     printer.Page
	Text     string // what was printed, as text (codes as [QR data])
	PNG      []byte // the receipt as an image
	PNGPath  string // where it was written ("" without Dir)
	TextPath string
}

// Printer is a simulated ESC/POS receipt printer on a pseudo-terminal: it
// parses what the driver sends, answers the real-time status requests (DLE
// EOT 1, 2, 4) from a state a test or a technician sets (paper out, paper
// near end, cover open, off line), and renders every cut receipt.
type Printer struct {
	o   PrinterOptions
	log *slog.Logger

	mu       sync.Mutex
	pty      *PTY
	conn     io.ReadWriteCloser
	parser   *printer.Parser
	status   printer.Status
	receipts []Receipt // the last Keep
	count    int
	lost     int // receipts sent while the printer could not print
	closed   bool
	wg       sync.WaitGroup
}

// NewPrinter starts a simulated printer on a new pseudo-terminal (or on
// o.Conn).
func NewPrinter(o PrinterOptions) (*Printer, error) {
	if o.PaperWidth == 0 {
		o.PaperWidth = 80
	}
	if o.PaperWidth != 58 && o.PaperWidth != 80 {
		return nil, fmt.Errorf("paper width %d: want 80 or 58", o.PaperWidth)
	}
	if o.Keep <= 0 {
		o.Keep = 20
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Dir != "" {
		if err := os.MkdirAll(o.Dir, 0o700); err != nil {
			return nil, err
		}
	}
	p := &Printer{o: o, log: o.Logger}
	if o.Conn != nil {
		p.start(o.Conn)
		return p, nil
	}
	if err := p.plug(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Printer) plug() error {
	t, err := OpenPTY()
	if err != nil {
		return err
	}
	if p.o.Link != "" {
		if err := t.Link(p.o.Link); err != nil {
			t.Close()
			return fmt.Errorf("link %s -> %s: %w", p.o.Link, t.Path, err)
		}
	}
	p.pty = t
	p.start(t.Master)
	p.log.Info("simulated printer plugged in", "tty", t.Path, "link", p.o.Link)
	return nil
}

// start reads conn until it fails, with a fresh parser (a printer that is
// plugged in again starts from its power-on state).
func (p *Printer) start(conn io.ReadWriteCloser) {
	p.conn = conn
	parser := printer.NewParser()
	// Status requests are answered once what came before them in the same
	// read is printed, so that an answer says the state after it.
	var asked []byte
	parser.OnStatus = func(n byte) { asked = append(asked, n) }
	p.parser = parser
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if n > 0 {
				for _, pg := range parser.Feed(buf[:n]) {
					p.cut(pg)
				}
				if len(asked) > 0 {
					p.mu.Lock()
					answer := make([]byte, len(asked))
					for i, q := range asked {
						answer[i] = p.status.Byte(q)
					}
					p.mu.Unlock()
					asked = asked[:0]
					_, _ = conn.Write(answer)
				}
			}
			if err != nil {
				return
			}
		}
	}()
}

// cut renders a page the driver cut, unless the printer could not print it.
func (p *Printer) cut(pg printer.Page) {
	p.mu.Lock()
	if p.status.Blocks() {
		p.lost++
		p.mu.Unlock()
		p.log.Info("simulated printer: receipt lost, the printer cannot print", "status", p.status.Message())
		return
	}
	p.count++
	r := Receipt{N: p.count, At: time.Now(), Page: pg, Text: pg.Text()}
	p.mu.Unlock()
	png, err := RenderReceipt(pg, p.o.PaperWidth)
	if err != nil {
		p.log.Error("simulated printer: rendering failed", "err", err)
	}
	r.PNG = png
	if p.o.Dir != "" {
		base := filepath.Join(p.o.Dir, fmt.Sprintf("receipt-%04d", r.N))
		r.PNGPath, r.TextPath = base+".png", base+".txt"
		for path, data := range map[string][]byte{r.PNGPath: png, r.TextPath: []byte(r.Text),
			filepath.Join(p.o.Dir, "last.png"): png, filepath.Join(p.o.Dir, "last.txt"): []byte(r.Text)} {
			if err := atomicfile.WriteBytes(path, data); err != nil {
				p.log.Error("simulated printer: writing the receipt", "err", err)
			}
		}
		if old := r.N - p.o.Keep; old > 0 {
			base := filepath.Join(p.o.Dir, fmt.Sprintf("receipt-%04d", old))
			os.Remove(base + ".png")
			os.Remove(base + ".txt")
		}
	}
	p.mu.Lock()
	p.receipts = append(p.receipts, r)
	if len(p.receipts) > p.o.Keep {
		p.receipts = p.receipts[len(p.receipts)-p.o.Keep:]
	}
	p.mu.Unlock()
	p.log.Info("simulated printer: receipt printed", "n", r.N, "png", r.PNGPath)
}

// Path is the device path a driver should open: the symlink when one was
// asked for, else the pty's slave.
func (p *Printer) Path() string {
	if p.o.Link != "" {
		return p.o.Link
	}
	return p.TTY()
}

// TTY is the current pty's slave path ("" while unplugged).
func (p *Printer) TTY() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pty == nil {
		return ""
	}
	return p.pty.Path
}

// Status is the state the printer reports.
func (p *Printer) Status() printer.Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

// SetStatus sets the state the printer reports from now on.
func (p *Printer) SetStatus(s printer.Status) {
	p.mu.Lock()
	p.status = s
	p.mu.Unlock()
}

// Last is the newest receipt printed.
func (p *Printer) Last() (Receipt, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.receipts) == 0 {
		return Receipt{}, false
	}
	return p.receipts[len(p.receipts)-1], true
}

// Receipts are the receipts kept, oldest first.
func (p *Printer) Receipts() []Receipt {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Receipt(nil), p.receipts...)
}

// Counts says how many receipts were printed, and lost (sent while the
// printer could not print).
func (p *Printer) Counts() (printed, lost int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.count, p.lost
}

// Disconnect unplugs the printer: the pty is closed and the link removed.
func (p *Printer) Disconnect() error {
	p.mu.Lock()
	if p.o.Conn != nil {
		p.mu.Unlock()
		return errors.New("disconnect needs a pty")
	}
	t := p.pty
	p.pty = nil
	p.mu.Unlock()
	if t == nil {
		return nil
	}
	if p.o.Link != "" {
		os.Remove(p.o.Link)
	}
	err := t.Close()
	p.wg.Wait()
	p.log.Info("simulated printer unplugged")
	return err
}

// Reconnect plugs the printer back: a new pty, the link pointed at it.
func (p *Printer) Reconnect() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errors.New("closed")
	}
	if p.pty != nil || p.o.Conn != nil {
		return nil
	}
	return p.plug()
}

// Close stops the simulator.
func (p *Printer) Close() error {
	p.mu.Lock()
	p.closed = true
	t, conn := p.pty, p.conn
	p.pty = nil
	p.mu.Unlock()
	var err error
	if t != nil {
		err = t.Close()
		if p.o.Link != "" {
			os.Remove(p.o.Link)
		}
	} else if p.o.Conn != nil && conn != nil {
		err = conn.Close()
	}
	p.wg.Wait()
	return err
}

// PrinterHelp describes the commands ExecPrinter understands.
const PrinterHelp = `Commands (one per line):
  paper out|low|ok          the roll is empty, nearly empty, or fine
  cover open|closed         open or close the cover
  offline | online          take the printer off line (an error) or back
  ok                        everything fine again
  disconnect | reconnect    unplug the printer, plug it back
  status                    what the printer reports, receipts printed
  last                      the text of the last receipt
  help                      this text
  quit                      stop the simulator`

// Exec runs one command line and returns a one-line reply.
func (p *Printer) Exec(line string) (string, error) {
	f := strings.Fields(strings.ToLower(line))
	if len(f) == 0 || strings.HasPrefix(f[0], "#") {
		return "", nil
	}
	arg := ""
	if len(f) > 1 {
		arg = f[1]
	}
	st := p.Status()
	switch f[0] {
	case "paper":
		switch arg {
		case "out", "end", "empty":
			st.PaperOut, st.PaperStop, st.Offline, st.PaperNearEnd = true, true, true, true
		case "low", "near", "near-end":
			st.PaperOut, st.PaperStop, st.PaperNearEnd = false, false, true
		case "ok", "in", "loaded":
			st.PaperOut, st.PaperStop, st.PaperNearEnd = false, false, false
			st.Offline = st.CoverOpen || st.Error
		default:
			return "", errors.New("paper: out, low or ok")
		}
	case "cover":
		switch arg {
		case "open":
			st.CoverOpen, st.Offline = true, true
		case "closed", "close", "shut":
			st.CoverOpen = false
			st.Offline = st.PaperOut || st.Error
		default:
			return "", errors.New("cover: open or closed")
		}
	case "offline":
		st.Offline, st.Error = true, true
	case "online":
		st.Error = false
		st.Offline = st.PaperOut || st.CoverOpen
	case "ok", "clear":
		st = printer.Status{}
	case "disconnect", "unplug":
		if err := p.Disconnect(); err != nil {
			return "", err
		}
		return "ok unplugged", nil
	case "reconnect", "plug":
		if err := p.Reconnect(); err != nil {
			return "", err
		}
		return "ok plugged in at " + p.TTY(), nil
	case "status":
		printed, lost := p.Counts()
		return fmt.Sprintf("ok %s; %d receipts printed, %d lost; tty %s", st.Message(), printed, lost, p.TTY()), nil
	case "last":
		r, ok := p.Last()
		if !ok {
			return "ok no receipt yet", nil
		}
		return "ok " + strings.ReplaceAll(strings.TrimSpace(r.Text), "\n", " | "), nil
	case "help":
		return PrinterHelp, nil
	case "quit", "exit":
		return "bye", ErrQuit
	default:
		return "", fmt.Errorf("unknown command %q (try help)", f[0])
	}
	p.SetStatus(st)
	return "ok " + st.Message(), nil
}
