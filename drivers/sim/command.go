package sim

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Help describes the commands Exec understands.
const Help = `Commands (one per line; faults may follow a present/card command as +noise +split +badsum +slow):
  present [N]               present the next document (or document N of the list)
  present LINE1 LINE2 [LINE3]  present these MRZ lines
  present generated         present a newly generated document
  card [TAG] [HOLD]         hold a card (the next of the list, or TAG) in the field for HOLD (e.g. 2s)
  load FILE                 present documents (or tags) from FILE from now on
  noise [N]                 send N random bytes now (default 32)
  fault [noise|split|badsum|slow|none ...]  set the faults of the following presentations
  disconnect [DURATION]     unplug the reader (and plug it back after DURATION)
  reconnect                 plug the reader back
  status                    where the reader is, its faults, frames sent
  help                      this text
  quit                      stop the simulator`

// ErrQuit is returned by Exec for the quit command.
var ErrQuit = errors.New("quit")

// Exec runs one command line and returns a one-line reply. Commands that
// fail return an error whose text is the reply.
func (s *Sim) Exec(line string) (string, error) {
	f := strings.Fields(line)
	if len(f) == 0 || strings.HasPrefix(f[0], "#") {
		return "", nil
	}
	var args []string
	var extra Faults
	for _, a := range f[1:] {
		if strings.HasPrefix(a, "+") {
			if err := setFault(&extra, a[1:]); err != nil {
				return "", err
			}
			continue
		}
		args = append(args, a)
	}
	switch strings.ToLower(f[0]) {
	case "present", "doc", "document":
		return s.execPresent(args, extra)
	case "card", "tag":
		if s.o.Kind != KindCard {
			return "", errors.New("this is an MRZ reader: use 'present'")
		}
		tag, hold := "", time.Duration(0)
		for _, a := range args {
			if d, err := time.ParseDuration(a); err == nil {
				hold = d
			} else {
				tag = a
			}
		}
		if err := s.PresentCard(tag, hold, extra); err != nil {
			return "", err
		}
		if tag == "" {
			tag = "the next tag"
		}
		return fmt.Sprintf("ok presented card %s (%s)", tag, s.o.Profile), nil
	case "load":
		if len(args) != 1 {
			return "", errors.New("load: give one file (documents separated by blank lines, or tags one per line)")
		}
		n, err := s.Load(args[0])
		if err != nil {
			return "", fmt.Errorf("load %s: %w", args[0], err)
		}
		return fmt.Sprintf("ok loaded %d from %s", n, args[0]), nil
	case "noise":
		n := 32
		if len(args) > 0 {
			v, err := strconv.Atoi(args[0])
			if err != nil || v < 1 || v > 65536 {
				return "", fmt.Errorf("noise: %q is not a byte count (1 to 65536)", args[0])
			}
			n = v
		}
		if err := s.Noise(n); err != nil {
			return "", err
		}
		return fmt.Sprintf("ok sent %d noise bytes", n), nil
	case "fault", "faults":
		var fl Faults
		for _, a := range args {
			if err := setFault(&fl, a); err != nil {
				return "", err
			}
		}
		s.SetFaults(fl)
		return "ok faults " + fl.String(), nil
	case "disconnect", "unplug":
		var after time.Duration
		if len(args) > 0 {
			d, err := time.ParseDuration(args[0])
			if err != nil || d <= 0 {
				return "", fmt.Errorf("disconnect: %q is not a duration (e.g. 3s)", args[0])
			}
			after = d
		}
		if err := s.Disconnect(); err != nil {
			return "", err
		}
		if after > 0 {
			if !s.wait(after) {
				return "", ErrClosed
			}
			if err := s.Reconnect(); err != nil {
				return "", err
			}
			return fmt.Sprintf("ok unplugged for %v, plugged back on %s", after, s.TTY()), nil
		}
		return "ok unplugged", nil
	case "reconnect", "plug":
		if err := s.Reconnect(); err != nil {
			return "", err
		}
		return "ok plugged in on " + s.TTY(), nil
	case "status":
		state := "plugged in on " + s.TTY()
		if !s.Connected() {
			state = "unplugged"
		}
		if s.o.Output != nil {
			state = "writing to a pipe"
		}
		link := ""
		if s.o.Link != "" {
			link = " via " + s.o.Link
		}
		return fmt.Sprintf("ok %s reader, profile %s, %s%s, faults %s, %d frames sent", s.o.Kind, s.o.Profile, state, link, s.Faults(), s.Sent()), nil
	case "help", "?":
		return Help, nil
	case "quit", "exit":
		return "ok bye", ErrQuit
	}
	return "", fmt.Errorf("unknown command %q (say 'help')", f[0])
}

func (s *Sim) execPresent(args []string, extra Faults) (string, error) {
	if s.o.Kind != KindMRZ {
		return "", errors.New("this is a card reader: use 'card [TAG] [HOLD]'")
	}
	var lines []string
	what := ""
	if len(args) == 0 && s.o.PresentGenerated && s.o.Generate != nil {
		args = []string{"generated"}
	}
	switch {
	case len(args) == 0:
		lines = s.NextDocument()
		what = "the next document"
	case len(args) == 1 && args[0] == "generated":
		if s.o.Generate == nil {
			return "", errors.New("no document generator in this build: give the lines, or a --docs file")
		}
		var err error
		if lines, err = s.o.Generate(); err != nil {
			return "", fmt.Errorf("generate: %w", err)
		}
		what = "a generated document"
	case len(args) == 1:
		n, err := strconv.Atoi(args[0])
		if err != nil || n < 1 || n > len(s.o.Documents) {
			return "", fmt.Errorf("present: %q is not a document number (1 to %d), nor 2 or 3 MRZ lines", args[0], len(s.o.Documents))
		}
		lines = s.o.Documents[n-1]
		what = fmt.Sprintf("document %d", n)
	default:
		lines = args
		what = "the given lines"
	}
	if _, err := s.PresentDocument(lines, extra); err != nil {
		return "", err
	}
	return fmt.Sprintf("ok presented %s (%d lines, %s)", what, len(lines), s.o.Profile), nil
}

func setFault(f *Faults, name string) error {
	switch strings.ToLower(name) {
	case "noise":
		f.Noise = true
	case "split":
		f.Split = true
	case "badsum", "badcheck", "bad-checksum":
		f.BadCheck = true
	case "slow", "trickle":
		f.Slow = true
	case "none", "off":
		*f = Faults{}
	default:
		return fmt.Errorf("unknown fault %q (want noise, split, badsum, slow or none)", name)
	}
	return nil
}

// Serve reads commands from r, one per line, and writes each reply to w,
// until r ends, ctx is done, or the quit command (then it returns ErrQuit).
func (s *Sim) Serve(ctx context.Context, r io.Reader, w io.Writer) error {
	return serve(ctx, s.Exec, r, w)
}

// Serve is Sim.Serve for the printer.
func (p *Printer) Serve(ctx context.Context, r io.Reader, w io.Writer) error {
	return serve(ctx, p.Exec, r, w)
}

// ListenControl is Sim.ListenControl for the printer.
func (p *Printer) ListenControl(path string) (*Control, error) { return listenControl(path, p.Exec) }

func serve(ctx context.Context, exec func(string) (string, error), r io.Reader, w io.Writer) error {
	lines := make(chan string)
	done := make(chan struct{})
	defer close(done)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-done:
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case l, ok := <-lines:
			if !ok {
				return nil
			}
			reply, err := exec(l)
			switch {
			case errors.Is(err, ErrQuit):
				fmt.Fprintln(w, reply)
				return ErrQuit
			case err != nil:
				fmt.Fprintln(w, "error:", err)
			case reply != "":
				fmt.Fprintln(w, reply)
			}
		}
	}
}

// Control is a listening control socket.
type Control struct {
	ln   net.Listener
	path string
	wg   sync.WaitGroup
	mu   sync.Mutex
	conn map[net.Conn]bool
	quit chan struct{}
	once sync.Once
}

// ListenControl serves commands on a unix socket at path (replacing a
// stale one), one client per connection, one command per line. A client's
// "quit" closes its connection; Quit reports that a client asked to stop the
// whole simulator with "shutdown".
func (s *Sim) ListenControl(path string) (*Control, error) { return listenControl(path, s.Exec) }

func listenControl(path string, exec func(string) (string, error)) (*Control, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		if c, err := net.Dial("unix", path); err == nil {
			c.Close()
			return nil, fmt.Errorf("control socket %s is in use by another simulator", path)
		}
		os.Remove(path)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	c := &Control{ln: ln, path: path, conn: map[net.Conn]bool{}, quit: make(chan struct{})}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			c.mu.Lock()
			c.conn[conn] = true
			c.mu.Unlock()
			c.wg.Add(1)
			go func() {
				defer c.wg.Done()
				defer func() {
					c.mu.Lock()
					delete(c.conn, conn)
					c.mu.Unlock()
					conn.Close()
				}()
				sc := bufio.NewScanner(conn)
				for sc.Scan() {
					if strings.TrimSpace(sc.Text()) == "shutdown" {
						fmt.Fprintln(conn, "ok shutting down")
						c.once.Do(func() { close(c.quit) })
						return
					}
					reply, err := exec(sc.Text())
					switch {
					case errors.Is(err, ErrQuit):
						fmt.Fprintln(conn, reply)
						return
					case err != nil:
						fmt.Fprintln(conn, "error:", err)
					case reply != "":
						fmt.Fprintln(conn, reply)
					default:
						fmt.Fprintln(conn, "ok")
					}
				}
			}()
		}
	}()
	return c, nil
}

// Quit is closed when a client sends "shutdown".
func (c *Control) Quit() <-chan struct{} { return c.quit }

// Path is the socket's path.
func (c *Control) Path() string { return c.path }

// Close stops listening, closes every client and waits for them.
func (c *Control) Close() error {
	err := c.ln.Close()
	c.mu.Lock()
	for conn := range c.conn {
		conn.Close()
	}
	c.mu.Unlock()
	c.wg.Wait()
	os.Remove(c.path)
	return err
}
