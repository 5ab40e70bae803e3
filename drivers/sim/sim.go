package sim

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"time"
)

// Kinds of simulator.
const (
	KindMRZ  = "mrz"
	KindCard = "card"
)

// Faults alter how the next presentations are sent.
type Faults struct {
	Noise    bool // random bytes (no frame starts among them) before and after the frame
	Split    bool // the frame in two writes with a pause (SplitPause) between
	BadCheck bool // a wrong BCC/checksum (or check digit where there is none)
	Slow     bool // trickled byte by byte at SlowBaud
}

// String lists the faults set, "none" when none.
func (f Faults) String() string {
	var s []string
	for _, x := range []struct {
		on   bool
		name string
	}{{f.Noise, "noise"}, {f.Split, "split"}, {f.BadCheck, "badsum"}, {f.Slow, "slow"}} {
		if x.on {
			s = append(s, x.name)
		}
	}
	if len(s) == 0 {
		return "none"
	}
	return fmt.Sprint(s)
}

// Options configure a simulator.
type Options struct {
	Kind    string // mrz or card
	Profile string // one of MRZProfiles (Kind mrz) or CardProfiles (card)
	// Link, when set, is a symlink kept pointing at the current pty.
	Link string
	// Baud paces writes like a line at this speed; 0 writes at once.
	Baud int
	// SlowBaud is the trickle speed of the slow fault (300 by default).
	SlowBaud int
	// SplitPause is the pause inside a split frame (40 ms by default,
	// below the drivers' inter-byte timeouts).
	SplitPause time.Duration
	// Documents are presented in turn by "present"; the ICAO specimens by
	// default. Tags likewise for "card".
	Documents [][]string
	Tags      []string
	// Generate, when set, makes a new document for "present generated"
	// (the kiosk wires the mrz package's generator in).
	Generate func() ([]string, error)
	// PresentGenerated makes a plain "present" present a generated
	// document instead of the next of Documents.
	PresentGenerated bool
	// Repeat is how often a card reader repeats a card while it stays in
	// the field (em4100, uhf-m100; 100 ms by default); Hold how long a card
	// stays (1 s by default).
	Repeat, Hold time.Duration
	// Output, when set, is written to instead of a pty (an in-memory pipe
	// in tests); disconnect is then not available.
	Output io.Writer
	Seed   uint64
	Logger *slog.Logger
}

// Specimens are the ICAO Doc 9303 specimen documents: TD3, TD1, TD2.
var Specimens = [][]string{
	{"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"},
	{"I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"},
	{"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"},
}

// DefaultTags are presented by card simulators when none are given.
var DefaultTags = map[string][]string{
	"em4100":   {"0A1B2C3D4F", "1234567890"},
	"uhf-m100": {"E28011700000020A1B2C3D4F", "E28011700000020A1B2C3D50"},
	"ascii":    {"123456789", "987654321"}, // PASSIDs
}

// Sim is one simulated reader.
type Sim struct {
	o   Options
	log *slog.Logger

	mu      sync.Mutex // guards everything below and serialises writes
	pty     *PTY
	out     io.Writer
	faults  Faults
	next    int
	nextTag int
	rnd     *rand.Rand
	closed  bool
	stop    chan struct{} // closed by Close, ends waits
	sent    int           // frames sent
}

// New starts a simulator on a new pseudo-terminal (or on o.Output).
func New(o Options) (*Sim, error) {
	switch o.Kind {
	case KindMRZ:
		if !slices.Contains(MRZProfiles, o.Profile) {
			return nil, fmt.Errorf("unknown MRZ reader profile %q (want one of %v)", o.Profile, MRZProfiles)
		}
		if len(o.Documents) == 0 {
			o.Documents = Specimens
		}
	case KindCard:
		if !slices.Contains(CardProfiles, o.Profile) {
			return nil, fmt.Errorf("unknown card reader profile %q (want one of %v)", o.Profile, CardProfiles)
		}
		if len(o.Tags) == 0 {
			o.Tags = DefaultTags[o.Profile]
		}
		for _, t := range o.Tags {
			if _, err := EncodeCard(o.Profile, t); err != nil {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("unknown simulator kind %q (want mrz or card)", o.Kind)
	}
	for i, d := range o.Documents {
		if _, err := EncodeMRZ(o.Profile, d); err != nil && o.Kind == KindMRZ {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
	}
	if o.SlowBaud <= 0 {
		o.SlowBaud = 300
	}
	if o.SplitPause <= 0 {
		o.SplitPause = 40 * time.Millisecond
	}
	if o.Repeat <= 0 {
		o.Repeat = 100 * time.Millisecond
	}
	if o.Hold <= 0 {
		o.Hold = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Sim{o: o, log: o.Logger, rnd: rand.New(rand.NewPCG(o.Seed, 0x5eed)), stop: make(chan struct{})}
	if o.Output != nil {
		s.out = o.Output
		return s, nil
	}
	if err := s.plug(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Sim) plug() error {
	p, err := OpenPTY()
	if err != nil {
		return err
	}
	if s.o.Link != "" {
		if err := p.Link(s.o.Link); err != nil {
			p.Close()
			return fmt.Errorf("link %s -> %s: %w", s.o.Link, p.Path, err)
		}
	}
	s.pty, s.out = p, p.Master
	s.log.Info("simulated reader plugged in", "profile", s.o.Profile, "tty", p.Path, "link", s.o.Link)
	return nil
}

// Path is the device path a driver should open: the symlink when one was
// asked for, else the pty's slave ("" while unplugged without a link).
func (s *Sim) Path() string {
	if s.o.Link != "" {
		return s.o.Link
	}
	return s.TTY()
}

// TTY is the current pty's slave path ("" while unplugged).
func (s *Sim) TTY() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pty == nil {
		return ""
	}
	return s.pty.Path
}

// Kind and Profile say what the simulator is.
func (s *Sim) Kind() string    { return s.o.Kind }
func (s *Sim) Profile() string { return s.o.Profile }

// SetFaults sets the faults of the following presentations.
func (s *Sim) SetFaults(f Faults) {
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
}

// Faults returns the faults in force.
func (s *Sim) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// ErrUnplugged is returned when presenting while unplugged.
var ErrUnplugged = errors.New("the simulated reader is unplugged (say 'reconnect')")

// ErrClosed is returned after Close.
var ErrClosed = errors.New("the simulator is closed")

// Load replaces the documents (MRZ readers) or tags (card readers)
// presented in turn with those of a file, and returns how many it read.
func (s *Sim) Load(path string) (int, error) {
	if s.o.Kind == KindMRZ {
		docs, err := ReadDocuments(path)
		if err != nil {
			return 0, err
		}
		for i, d := range docs {
			if _, err := EncodeMRZ(s.o.Profile, d); err != nil {
				return 0, fmt.Errorf("document %d: %w", i+1, err)
			}
		}
		s.mu.Lock()
		s.o.Documents, s.next = docs, 0
		s.mu.Unlock()
		return len(docs), nil
	}
	tags, err := ReadTags(path)
	if err != nil {
		return 0, err
	}
	for _, t := range tags {
		if _, err := EncodeCard(s.o.Profile, t); err != nil {
			return 0, err
		}
	}
	s.mu.Lock()
	s.o.Tags, s.nextTag = tags, 0
	s.mu.Unlock()
	return len(tags), nil
}

// NextDocument returns the next document of the rotation.
func (s *Sim) NextDocument() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.o.Documents[s.next%len(s.o.Documents)]
	s.next++
	return d
}

// PresentDocument sends one document, with the faults in force plus extra.
// It returns the last byte's write time.
func (s *Sim) PresentDocument(lines []string, extra Faults) (time.Time, error) {
	if s.o.Kind != KindMRZ {
		return time.Time{}, fmt.Errorf("a card reader presents cards, not documents")
	}
	frame, err := EncodeMRZ(s.o.Profile, lines)
	if err != nil {
		return time.Time{}, err
	}
	return s.send(frame, extra)
}

// PresentCard holds tag in the field for hold (Options.Hold when zero): the
// em4100 and uhf-m100 readers repeat it every Options.Repeat, the ascii
// reader reports it once. It returns when the card is taken away, at the
// end of hold, whatever the profile.
func (s *Sim) PresentCard(tag string, hold time.Duration, extra Faults) error {
	if s.o.Kind != KindCard {
		return fmt.Errorf("an MRZ reader presents documents, not cards")
	}
	if tag == "" {
		s.mu.Lock()
		tag = s.o.Tags[s.nextTag%len(s.o.Tags)]
		s.nextTag++
		s.mu.Unlock()
	}
	frame, err := EncodeCard(s.o.Profile, tag)
	if err != nil {
		return err
	}
	if hold <= 0 {
		hold = s.o.Hold
	}
	end := time.Now().Add(hold)
	for {
		if _, err := s.send(frame, extra); err != nil {
			return err
		}
		if s.o.Profile == "ascii" { // one line a card: then it lies in the field
			if left := time.Until(end); left > 0 && !s.wait(left) {
				return ErrClosed
			}
			return nil
		}
		if time.Now().Add(s.o.Repeat).After(end) {
			return nil
		}
		if !s.wait(s.o.Repeat) {
			return ErrClosed
		}
	}
}

// Send writes raw bytes as they are (for traces and odd cases).
func (s *Sim) Send(b []byte) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return time.Time{}, err
	}
	return s.write(b, s.o.Baud)
}

// Noise sends n random bytes that hold no frame start.
func (s *Sim) Noise(n int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return err
	}
	_, err := s.write(s.noise(n), s.o.Baud)
	return err
}

func (s *Sim) noise(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		for {
			c := byte(s.rnd.UintN(256))
			switch c {
			case soh, stx, etx, cr, lf, 0xBB, 0x7E:
				continue
			}
			b[i] = c
			break
		}
	}
	return b
}

func (s *Sim) usable() error {
	if s.closed {
		return ErrClosed
	}
	if s.out == nil {
		return ErrUnplugged
	}
	return nil
}

func (s *Sim) send(frame []byte, extra Faults) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return time.Time{}, err
	}
	f := s.faults
	f.Noise, f.Split, f.BadCheck, f.Slow = f.Noise || extra.Noise, f.Split || extra.Split, f.BadCheck || extra.BadCheck, f.Slow || extra.Slow
	if f.BadCheck {
		frame = corrupt(s.o.Profile, frame)
	}
	baud := s.o.Baud
	if f.Slow {
		baud = s.o.SlowBaud
	}
	if f.Noise {
		if _, err := s.write(s.noise(8+s.rnd.IntN(24)), baud); err != nil {
			return time.Time{}, err
		}
	}
	parts := [][]byte{frame}
	if f.Split {
		cut := 1 + s.rnd.IntN(len(frame)-1)
		parts = [][]byte{frame[:cut], frame[cut:]}
	}
	var last time.Time
	for i, p := range parts {
		if i > 0 {
			s.mu.Unlock()
			ok := s.wait(s.o.SplitPause)
			s.mu.Lock()
			if !ok {
				return time.Time{}, ErrClosed
			}
			if err := s.usable(); err != nil {
				return time.Time{}, err
			}
		}
		var err error
		if last, err = s.write(p, baud); err != nil {
			return time.Time{}, err
		}
	}
	if f.Noise {
		if _, err := s.write(s.noise(8+s.rnd.IntN(24)), baud); err != nil {
			return time.Time{}, err
		}
	}
	s.sent++
	s.log.Debug("frame sent", "profile", s.o.Profile, "bytes", len(frame), "faults", f.String())
	return last, nil
}

// write paces b at baud (10 bits a byte), in slices of about a millisecond.
// Called with s.mu held.
func (s *Sim) write(b []byte, baud int) (time.Time, error) {
	if baud <= 0 {
		_, err := s.out.Write(b)
		return time.Now(), s.writeErr(err)
	}
	perByte := time.Duration(10 * float64(time.Second) / float64(baud))
	start := time.Now()
	for sent := 0; sent < len(b); {
		select {
		case <-s.stop:
			return time.Time{}, ErrClosed
		default:
		}
		due := int(time.Since(start)/perByte) + 1
		if due > len(b) {
			due = len(b)
		}
		if due > sent {
			if _, err := s.out.Write(b[sent:due]); err != nil {
				return time.Time{}, s.writeErr(err)
			}
			sent = due
			continue
		}
		next := start.Add(time.Duration(sent) * perByte)
		time.Sleep(min(time.Until(next), time.Millisecond) + 50*time.Microsecond)
	}
	return time.Now(), nil
}

func (s *Sim) writeErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, os.ErrClosed) {
		return ErrUnplugged
	}
	return fmt.Errorf("write to the pseudo-terminal: %w", err)
}

// wait sleeps d unless the simulator is closed first.
func (s *Sim) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.stop:
		return false
	}
}

// Disconnect unplugs the reader: the pty is closed (a driver reading it
// sees the port go away) and the symlink removed.
func (s *Sim) Disconnect() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.o.Output != nil {
		return errors.New("disconnect needs a pseudo-terminal (this simulator writes to a pipe)")
	}
	if s.pty == nil {
		return nil
	}
	if s.o.Link != "" {
		os.Remove(s.o.Link)
	}
	err := s.pty.Close()
	s.pty, s.out = nil, nil
	s.log.Info("simulated reader unplugged", "profile", s.o.Profile)
	return err
}

// Reconnect plugs the reader back: a new pty, and the symlink pointed at it.
func (s *Sim) Reconnect() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.pty != nil || s.o.Output != nil {
		return nil
	}
	return s.plug()
}

// Connected says whether the reader is plugged in.
func (s *Sim) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out != nil
}

// Sent is the number of frames sent so far.
func (s *Sim) Sent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent
}

// Close unplugs the reader for good and removes its symlink.
func (s *Sim) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.stop)
	s.mu.Unlock()
	// A presentation may be in progress; it stops at its next wait or write.
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	if s.pty != nil {
		if s.o.Link != "" {
			os.Remove(s.o.Link)
		}
		err = s.pty.Close()
		s.pty, s.out = nil, nil
	}
	return err
}
