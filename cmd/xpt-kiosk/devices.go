package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/capture"
	"github.com/xpt-pilot/xpt-kiosk/drivers/cardreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/pcsc"
	"github.com/xpt-pilot/xpt-kiosk/drivers/mrzreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/serialdev"
	"github.com/xpt-pilot/xpt-kiosk/mrz"
)

// deviceCommands are the technician's device tools.
var deviceCommands = map[string]command{
	"list":    {"list serial ports (with USB ids) and video devices", runDevicesList},
	"capture": {"show the raw bytes a serial reader sends, with frames and decodes", runDevicesCapture},
	"read":    {"wait for one document or card on a reader and print it as JSON", runDevicesRead},
	"camera":  {"take a picture and show the face quality figures; live preview", runDevicesCamera},
	"chip":    {"read and verify an ePassport's chip on a PC/SC reader", runDevicesChip},
	"scanner": {"list the scans the spool could not read, and read one again", runDevicesScanner},
}

func runDevices(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return subDispatch("devices", deviceCommands, args, stdin, stdout, stderr)
}

// devKindOf says whether profile is an MRZ reader's or a card reader's.
func devKindOf(profile string) string { return capture.KindOf(profile) }

// devProfileList names the profiles, from the drivers' registries.
var devProfileList = "MRZ readers: " + strings.Join(mrzreader.Profiles, ", ") + "; card readers: " + strings.Join(cardreader.Profiles, ", ")

type devPortFlags struct {
	cfg serialdev.Config
}

func (p *devPortFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&p.cfg.Port, "port", "", "serial port `path` (/dev/ttyUSB0, /dev/serial/by-id/..., a simulator's pty)")
	fs.StringVar(&p.cfg.USB, "usb", "", "instead of --port: the USB reader's `VID:PID` (see 'xpt-kiosk devices list')")
	fs.StringVar(&p.cfg.Serial, "serial", "", "with --usb: the USB serial `number`, when several readers share VID:PID")
	fs.IntVar(&p.cfg.Baud, "baud", 9600, "line speed (MRZ readers: 9600 or 115200; RDM6300 card readers: 9600)")
	fs.StringVar(&p.cfg.Parity, "parity", "none", "parity: none, even, odd")
}

func (p *devPortFlags) check(name string, stderr io.Writer) bool {
	if err := p.cfg.Validate("port"); err != nil {
		msg := err.(*drivers.Error).Err.Error()
		msg = strings.NewReplacer("port.port:", "--port:", "port.usb:", "--usb:", "port.serial:", "--serial:", "port.baud:", "--baud:", "port.parity:", "--parity:", "set port", "give --port", "or usb", "or --usb").Replace(msg)
		fmt.Fprintf(stderr, "xpt-kiosk devices %s: %s\n", name, msg)
		return false
	}
	return true
}

// devOpenError explains an open failure to a technician: which port, what
// went wrong, what to try.
func devOpenError(stderr io.Writer, name string, cfg serialdev.Config, err error) {
	var de *drivers.Error
	msg := err.Error()
	if errors.As(err, &de) && de.Err != nil {
		msg = de.Err.Error()
	}
	fmt.Fprintf(stderr, "xpt-kiosk devices %s: cannot open %s (%s): %s\n", name, cfg.Where(), drivers.CodeOf(err), msg)
	switch drivers.CodeOf(err) {
	case drivers.CodeNotFound:
		fmt.Fprintln(stderr, "  Check that the reader is plugged in and powered, and the path or USB id.")
	case drivers.CodeBusy:
		fmt.Fprintln(stderr, "  Stop the kiosk agent (or the other capture) that holds the port, then try again.")
	case drivers.CodePermission:
		fmt.Fprintln(stderr, "  Run as a user in the dialout group, or as root.")
	case drivers.CodeConfig:
		fmt.Fprintln(stderr, "  Check --port/--usb, --baud and --parity.")
	}
}

// ---- list

type devVideo struct {
	Path string `json:"path"`
	Name string `json:"name,omitempty"`
}

func devListVideo() []devVideo {
	paths, _ := filepath.Glob("/dev/video*")
	var out []devVideo
	for _, p := range paths {
		name, _ := os.ReadFile(filepath.Join("/sys/class/video4linux", filepath.Base(p), "name"))
		out = append(out, devVideo{Path: p, Name: strings.TrimSpace(string(name))})
	}
	return out
}

func runDevicesList(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("devices list", "Usage: xpt-kiosk devices list [--json]\n\nLists the serial ports (with USB vendor and product ids, serial number and\nproduct name), the video devices and pcscd's PC/SC readers of this machine.\n\n", stderr)
	asJSON := fs.Bool("json", false, "print one JSON object")
	if _, code := parseArgs(fs, args, stdout, 0, 0); code >= 0 {
		return code
	}
	ports, err := serialdev.ListPorts()
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk devices list: %v\n", err)
		return exitFail
	}
	if ports == nil {
		ports = []serialdev.PortInfo{}
	}
	video := devListVideo()
	if video == nil {
		video = []devVideo{}
	}
	chipReaders, pcscNote := devListChipReaders()
	if chipReaders == nil {
		chipReaders = []pcsc.ReaderState{}
	}
	if *asJSON {
		b, _ := json.MarshalIndent(map[string]any{"serialPorts": ports, "videoDevices": video, "chipReaders": chipReaders}, "", "  ")
		fmt.Fprintln(stdout, string(b))
		return exitOK
	}
	fmt.Fprintln(stdout, "Serial ports:")
	if len(ports) == 0 {
		fmt.Fprintln(stdout, "  none found (USB readers appear as /dev/ttyUSB* or /dev/ttyACM*: check the cable and power)")
	} else {
		fmt.Fprintf(stdout, "  %-22s %-10s %-16s %s\n", "PATH", "VID:PID", "SERIAL", "PRODUCT")
		for _, p := range ports {
			id := "-"
			if p.USB {
				id = p.VID + ":" + p.PID
			}
			fmt.Fprintf(stdout, "  %-22s %-10s %-16s %s\n", p.Path, id, devOrDash(p.SerialNumber), devOrDash(strings.TrimSpace(p.Manufacturer+" "+p.Product)))
		}
	}
	fmt.Fprintln(stdout, "  (simulated readers on pseudo-terminals are not listed: use the path the simulator printed)")
	fmt.Fprintln(stdout, "Video devices:")
	if len(video) == 0 {
		fmt.Fprintln(stdout, "  none found")
	}
	for _, v := range video {
		fmt.Fprintf(stdout, "  %-22s %s\n", v.Path, devOrDash(v.Name))
	}
	fmt.Fprintln(stdout, "PC/SC readers (ePassport chips):")
	switch {
	case pcscNote != "":
		fmt.Fprintf(stdout, "  none: %s\n", pcscNote)
	case len(chipReaders) == 0:
		fmt.Fprintln(stdout, "  none found")
	}
	for _, r := range chipReaders {
		card := "no card"
		if r.Present {
			card = "card present, ATR " + r.ATR.String()
		}
		fmt.Fprintf(stdout, "  %-30s %s\n", r.Name, card)
	}
	return exitOK
}

func devOrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ---- capture

var devCaptureUsage = `Usage: xpt-kiosk devices capture --port PATH [--baud N] [--profile NAME] [--duration D] [--save FILE]

Shows every byte a serial reader sends, as hex and ASCII, as it arrives. With
--profile, also marks where each frame ends and what it decodes to (or why it
was refused): use it to bring up a new reader model, or to see why a reader
"does nothing". Stop with Ctrl-C. The kiosk agent must not hold the port.

Profiles: ` + devProfileList + `

Flags:
`

func runDevicesCapture(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("devices capture", devCaptureUsage, stderr)
	var pf devPortFlags
	pf.register(fs)
	profile := fs.String("profile", "", "decode frames of this `profile` as they arrive (optional; auto tries them all)")
	duration := fs.Duration("duration", 0, "stop after this long (default: until Ctrl-C)")
	frames := fs.Int("frames", 0, "stop after this many frames (needs --profile)")
	save := fs.String("save", "", "also write the raw bytes to this `file` (a trace for testdata/)")
	checks := devCheckFlags(fs)
	if _, code := parseArgs(fs, args, stdout, 0, 0); code >= 0 {
		return code
	}
	if !pf.check("capture", stderr) {
		return exitUsage
	}
	*profile = strings.ToLower(*profile)
	var dec devDecoder
	if *profile != "" {
		var err error
		if dec, err = devNewDecoder(*profile, checks); err != nil {
			return usageError(fs, "--profile %q: unknown (%s)", *profile, devProfileList)
		}
	}
	var saveTo *os.File
	if *save != "" {
		f, err := os.Create(*save)
		if err != nil {
			fmt.Fprintf(stderr, "xpt-kiosk devices capture: --save: %v\n", err)
			return exitUsage
		}
		defer f.Close()
		saveTo = f
	}
	port, err := serialdev.Open(pf.cfg)
	if err != nil {
		devOpenError(stderr, "capture", pf.cfg, err)
		return exitFail
	}
	defer port.Close()
	port.SetReadTimeout(20 * time.Millisecond)
	ctx, cancel := signalContext()
	defer cancel()
	if *duration > 0 {
		var c2 context.CancelFunc
		ctx, c2 = context.WithTimeout(ctx, *duration)
		defer c2()
	}
	go func() { <-ctx.Done(); port.Close() }()

	pf.cfg.Defaults()
	fmt.Fprintf(stdout, "capturing %s at %d baud, parity %s", pf.cfg.Where(), pf.cfg.Baud, pf.cfg.Parity)
	if dec != nil {
		fmt.Fprintf(stdout, ", decoding profile %s", *profile)
	}
	fmt.Fprintln(stdout, " (Ctrl-C to stop)")
	start := time.Now()
	var total, high, nframes int
	// Bytes are shown in blocks: what arrived until a pause of 20 ms, a
	// frame end, or 256 bytes; frame ends and refusals follow their block.
	var pend []byte
	var pendAt time.Time
	var notes strings.Builder
	flush := func() {
		if len(pend) > 0 {
			fmt.Fprintf(stdout, "+%8.3fs  %d byte(s)\n", pendAt.Sub(start).Seconds(), len(pend))
			devHexdump(stdout, pend, total-len(pend))
			pend = pend[:0]
		}
		io.WriteString(stdout, notes.String())
		notes.Reset()
	}
	buf := make([]byte, 4096)
	for ctx.Err() == nil {
		n, err := port.Read(buf)
		now := time.Now()
		if n > 0 {
			if saveTo != nil {
				saveTo.Write(buf[:n])
			}
			if len(pend) == 0 {
				pendAt = now
			}
			pend = append(pend, buf[:n]...)
			for _, c := range buf[:n] {
				if c >= 0x80 {
					high++
				}
			}
			total += n
			if dec != nil {
				nframes += dec.feed(&notes, buf[:n], now)
			}
		}
		if dec != nil && !dec.deadline().IsZero() && !now.Before(dec.deadline()) {
			nframes += dec.expire(&notes, now)
		}
		if n == 0 || notes.Len() > 0 || len(pend) >= 256 {
			flush()
		}
		if err != nil {
			flush()
			if ctx.Err() == nil {
				fmt.Fprintf(stderr, "xpt-kiosk devices capture: %s went away: %v\n  (unplugged? the simulator stopped?)\n", pf.cfg.Where(), err)
				devSummary(stdout, total, high, dec)
				return exitFail
			}
			break
		}
		if *frames > 0 && nframes >= *frames {
			break
		}
	}
	flush()
	devSummary(stdout, total, high, dec)
	return exitOK
}

func devSummary(w io.Writer, total, high int, dec devDecoder) {
	fmt.Fprintf(w, "-- %d byte(s) captured", total)
	if dec == nil {
		fmt.Fprintln(w)
	} else {
		s := dec.stats()
		fmt.Fprintf(w, "; frames %d, refused %d (partial %d, oversize %d, bad check %d, malformed %d), ignored %d, bytes outside frames %d\n",
			s.Frames, s.Rejected(), s.Partial, s.Oversize, s.BadCheck, s.Malformed, s.Ignored, s.Skipped)
		if a, ok := dec.(*devAutoDecoder); ok {
			a.summary(w)
		} else if total > 0 && s.Frames == 0 {
			fmt.Fprintln(w, "-- no frame recognised: try the other profiles (--profile auto tries them all), and check the baud rate.")
		}
	}
	if total == 0 {
		fmt.Fprintln(w, "-- nothing received: is the reader powered, and is this its port? Present a document or card while capturing.")
	} else if high*4 > total {
		fmt.Fprintln(w, "-- many bytes above 0x7F: this usually means the wrong baud rate (try 9600 and 115200).")
	}
}

func devHexdump(w io.Writer, b []byte, offset int) {
	for i := 0; i < len(b); i += 16 {
		line := b[i:min(i+16, len(b))]
		var hx, asc strings.Builder
		for j := 0; j < 16; j++ {
			if j < len(line) {
				fmt.Fprintf(&hx, "%02x ", line[j])
				if c := line[j]; c >= 0x20 && c < 0x7f {
					asc.WriteByte(c)
				} else {
					asc.WriteByte('.')
				}
			} else {
				hx.WriteString("   ")
			}
			if j == 7 {
				hx.WriteByte(' ')
			}
		}
		fmt.Fprintf(w, "  %06x  %s |%s|\n", offset+i, hx.String(), asc.String())
	}
}

// devDecoder wraps the framer of either kind for capture.
type devDecoder interface {
	feed(w io.Writer, p []byte, now time.Time) int
	expire(w io.Writer, now time.Time) int
	deadline() time.Time
	stats() drivers.Stats
}

func devNewDecoder(profile string, c *devChecks) (devDecoder, error) {
	if profile == "auto" {
		a := &devAutoDecoder{}
		for _, p := range capture.Profiles() {
			d, _ := devNewDecoder(p, c)
			a.names = append(a.names, p)
			a.decs = append(a.decs, d)
		}
		return a, nil
	}
	switch devKindOf(profile) {
	case "mrz":
		d, err := capture.NewMRZDecoder(c.mrz(profile))
		return &devNoteDecoder{d: d, mrz: true}, err
	case "card":
		d, err := capture.NewCardDecoder(c.card(profile))
		return &devNoteDecoder{d: d}, err
	}
	return nil, errors.New("unknown profile")
}

// devNoteDecoder shows what package capture's decoder (shared with the
// technician console's raw capture) makes of the bytes, as lines of text.
type devNoteDecoder struct {
	d     capture.Decoder
	mrz   bool
	valid int // documents that are valid MRZs
}

func (d *devNoteDecoder) deadline() time.Time  { return d.d.Deadline() }
func (d *devNoteDecoder) stats() drivers.Stats { return d.d.Stats() }
func (d *devNoteDecoder) feed(w io.Writer, p []byte, now time.Time) int {
	return d.show(w, d.d.Feed(p, now))
}
func (d *devNoteDecoder) expire(w io.Writer, now time.Time) int { return d.show(w, d.d.Expire(now)) }
func (d *devNoteDecoder) show(w io.Writer, notes []capture.Note) int {
	n := 0
	for _, f := range notes {
		switch f.Kind {
		case "refused":
			fmt.Fprintf(w, "  ==== refused %d byte(s): %s: %s\n", f.Bytes, f.Reject, f.Reason)
			continue
		case "card":
			n++
			rssi := ""
			if f.RSSI != 0 {
				rssi = fmt.Sprintf(", RSSI %d dBm", f.RSSI)
			}
			fmt.Fprintf(w, "  ==== frame end: card tag %s%s (%d bytes)\n", f.Tag, rssi, f.Bytes)
			continue
		}
		n++
		verdict := "valid"
		if f.Valid {
			d.valid++
		} else {
			verdict = "INVALID"
			if f.Problem != "" {
				verdict += " (" + f.Problem + ")"
			}
		}
		fmt.Fprintf(w, "  ==== frame end: document, %d lines, %d bytes; mrz %s %s\n", len(f.Lines), f.Bytes, devOrDash(f.Format), verdict)
		for _, l := range f.Lines {
			fmt.Fprintf(w, "       %s\n", l)
		}
	}
	return n
}

// ---- read

var devReadUsage = `Usage: xpt-kiosk devices read --port PATH --profile NAME [--kind mrz|card] [--baud N] [--timeout D]

Opens a reader exactly as the kiosk does, waits for one document (MRZ
readers) or one card (card readers) and prints it as one JSON object on
standard output; a document is parsed with the MRZ rules ("mrz" in the
output). Exit status: 0 when a valid document or a card was read, 1 when the
document is not a valid MRZ or nothing came before the timeout, 2 for bad
flags.

Profiles: ` + devProfileList + `

Flags:
`

func runDevicesRead(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("devices read", devReadUsage, stderr)
	var pf devPortFlags
	pf.register(fs)
	profile := fs.String("profile", "", "the reader's `profile` (required)")
	kind := fs.String("kind", "", "mrz or card (follows from --profile when left out)")
	timeout := fs.Duration("timeout", 60*time.Second, "give up after this long")
	today := fs.String("today", "", "reference date `YYYY-MM-DD` for the MRZ's dates (default: today)")
	checks := devCheckFlags(fs)
	if _, code := parseArgs(fs, args, stdout, 0, 0); code >= 0 {
		return code
	}
	*profile = strings.ToLower(*profile)
	k := devKindOf(*profile)
	switch {
	case *profile == "":
		return usageError(fs, "--profile is required (%s)", devProfileList)
	case k == "":
		return usageError(fs, "--profile %q: unknown (%s)", *profile, devProfileList)
	case *kind != "" && *kind != k:
		return usageError(fs, "--kind %s does not fit --profile %s, which is a %s reader's", *kind, *profile, map[string]string{"mrz": "passport (mrz)", "card": "card"}[k])
	}
	opts := mrz.Options{Today: time.Now()}
	if *today != "" {
		t, err := time.Parse("2006-01-02", *today)
		if err != nil {
			return usageError(fs, "--today %q is not a date like 2026-11-26", *today)
		}
		opts.Today = t
	}
	if !pf.check("read", stderr) {
		return exitUsage
	}
	port, err := serialdev.Open(pf.cfg)
	if err != nil {
		devOpenError(stderr, "read", pf.cfg, err)
		return exitFail
	}
	pf.cfg.Defaults()
	open := serialdev.OpenerFor(pf.cfg)
	var dev drivers.Device
	if k == "mrz" {
		dev, err = mrzreader.New("mrzReader", open, checks.mrz(*profile), mrzreader.Options{Where: pf.cfg.Where(), First: port})
	} else {
		dev, err = cardreader.New("cardReader", open, checks.card(*profile), cardreader.Options{Where: pf.cfg.Where(), First: port})
	}
	if err != nil {
		port.Close()
		fmt.Fprintf(stderr, "xpt-kiosk devices read: %v\n", err)
		return exitUsage
	}
	defer dev.Close()
	ctx, cancel := signalContext()
	defer cancel()
	what := map[string]string{"mrz": "a document", "card": "a card"}[k]
	fmt.Fprintf(stderr, "waiting up to %v for %s on %s (profile %s, %d baud)...\n", *timeout, what, pf.cfg.Where(), *profile, pf.cfg.Baud)
	timer := time.NewTimer(*timeout)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(stderr, "xpt-kiosk devices read: interrupted")
			return exitFail
		case <-timer.C:
			fmt.Fprintf(stderr, "xpt-kiosk devices read: no %s within %v on %s (profile %s, %d baud).\n", strings.TrimPrefix(strings.TrimPrefix(what, "a "), "an "), *timeout, pf.cfg.Where(), *profile, pf.cfg.Baud)
			if s := devStatsOf(dev); s.Bytes > 0 {
				fmt.Fprintf(stderr, "  %d byte(s) arrived but made no frame (refused %d): check --profile and --baud with 'xpt-kiosk devices capture --port %s --profile %s'.\n", s.Bytes, s.Rejected(), pf.cfg.Where(), *profile)
			} else {
				fmt.Fprintln(stderr, "  Nothing arrived at all: is the reader powered and is this its port? 'xpt-kiosk devices capture' shows raw bytes.")
			}
			return exitFail
		case ev := <-dev.Events():
			switch e := ev.(type) {
			case drivers.Fault:
				fmt.Fprintf(stderr, "the reader went away (%s: %v); waiting for it to come back...\n", e.Err.Code(), e.Err.Err)
			case drivers.Recovered:
				fmt.Fprintln(stderr, "the reader is back")
			case drivers.Document:
				r := mrz.Parse(e.Lines, opts)
				out := struct {
					Device  string      `json:"device"`
					Port    string      `json:"port"`
					Profile string      `json:"profile"`
					At      string      `json:"at"`
					Lines   []string    `json:"lines"`
					MRZ     *mrz.Result `json:"mrz"`
				}{e.Device, pf.cfg.Where(), e.Profile, e.At.UTC().Format(time.RFC3339Nano), e.Lines, r}
				devJSON(stdout, out)
				if !r.Valid {
					return exitFail
				}
				return exitOK
			case drivers.Card:
				out := struct {
					Device  string `json:"device"`
					Port    string `json:"port"`
					Profile string `json:"profile"`
					At      string `json:"at"`
					Tag     string `json:"tag"`
					RSSI    int    `json:"rssi,omitempty"`
				}{e.Device, pf.cfg.Where(), e.Profile, e.At.UTC().Format(time.RFC3339Nano), e.Tag, e.RSSI}
				devJSON(stdout, out)
				return exitOK
			}
		}
	}
}

func devStatsOf(d drivers.Device) drivers.Stats {
	if s, ok := d.(interface{ Stats() drivers.Stats }); ok {
		return s.Stats()
	}
	return drivers.Stats{}
}

// devJSON writes v as one line of JSON, leaving < as it is (MRZ fillers).
func devJSON(w io.Writer, v any) {
	e := json.NewEncoder(w)
	e.SetEscapeHTML(false)
	e.Encode(v)
}

// devChecks are the framing switches a technician may need on a new model.
type devChecks struct {
	bcc, length bool
	delimiter   string
}

func devCheckFlags(fs *flag.FlagSet) *devChecks {
	c := &devChecks{}
	fs.BoolVar(&c.bcc, "bcc", true, "check the BCC (3m) or checksum (em4100, uhf-m100); --bcc=false to accept bad ones")
	fs.BoolVar(&c.length, "length-check", true, "3m: check the LEN byte; --length-check=false frames on ETX instead")
	fs.StringVar(&c.delimiter, "delimiter", "", "ascii card readers: the tag delimiter (default CR, LF or CRLF)")
	return c
}

func (c *devChecks) mrz(profile string) mrzreader.FramerOptions {
	return mrzreader.FramerOptions{Profile: profile, IgnoreBCC: !c.bcc, IgnoreLength: !c.length}
}

func (c *devChecks) card(profile string) cardreader.FramerOptions {
	return cardreader.FramerOptions{Profile: profile, IgnoreChecksum: !c.bcc, Delimiter: c.delimiter}
}

// devAutoDecoder runs every profile's framer on the same bytes and shows
// the frames of those that recognise something: a technician with an
// unknown reader sees which profile fits.
type devAutoDecoder struct {
	names []string
	decs  []devDecoder
}

func (a *devAutoDecoder) feed(w io.Writer, p []byte, now time.Time) int {
	n := 0
	for i, d := range a.decs {
		n += a.only(w, a.names[i], func(w io.Writer) int { return d.feed(w, p, now) })
	}
	return n
}

func (a *devAutoDecoder) expire(w io.Writer, now time.Time) int {
	n := 0
	for i, d := range a.decs {
		if dl := d.deadline(); !dl.IsZero() && !now.Before(dl) {
			n += a.only(w, a.names[i], func(w io.Writer) int { return d.expire(w, now) })
		}
	}
	return n
}

// only shows a profile's output when it decoded a frame (refusals of the
// profiles that do not fit would drown the screen).
func (a *devAutoDecoder) only(w io.Writer, name string, f func(io.Writer) int) int {
	var b strings.Builder
	n := f(&b)
	if n > 0 {
		for _, l := range strings.SplitAfter(b.String(), "\n") {
			if l != "" && !strings.Contains(l, "==== refused") {
				fmt.Fprintf(w, "  [%s]%s", name, strings.TrimPrefix(l, " "))
			}
		}
	}
	return n
}

func (a *devAutoDecoder) deadline() time.Time {
	var first time.Time
	for _, d := range a.decs {
		if dl := d.deadline(); !dl.IsZero() && (first.IsZero() || dl.Before(first)) {
			first = dl
		}
	}
	return first
}

func (a *devAutoDecoder) stats() drivers.Stats {
	var s drivers.Stats
	for _, d := range a.decs {
		s.Add(d.stats())
	}
	return s
}

func (a *devAutoDecoder) summary(w io.Writer) {
	// The score and its tie-break are the drivers' (capture.Best): good
	// frames (for MRZ readers, valid MRZs) less refusals, then the stricter
	// framing.
	scores := make([]capture.Score, len(a.decs))
	for i, d := range a.decs {
		s := d.stats()
		good := int(s.Frames)
		if m, ok := d.(*devNoteDecoder); ok && m.mrz {
			good = m.valid
		}
		scores[i] = capture.Score{Profile: a.names[i], Frames: int(s.Frames), Good: good, Refused: int(s.Rejected())}
		fmt.Fprintf(w, "--   %-9s frames %d (good %d), refused %d\n", a.names[i], s.Frames, good, s.Rejected())
	}
	best, ok := capture.Best(scores)
	if !ok {
		fmt.Fprintln(w, "-- no profile recognised a frame: check the baud rate (9600, 115200) and parity.")
		return
	}
	fmt.Fprintf(w, "-- profile %s fits best: configure profile = %q.\n", best, best)
}
