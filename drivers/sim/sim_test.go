package sim_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers/cardreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/mrzreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/sim"
	"github.com/xpt-pilot/xpt-kiosk/mrz"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var t0 = time.Unix(1_800_000_000, 0)

func documents(t *testing.T) [][]string {
	docs := slices.Clone(sim.Specimens)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 30 {
		l, err := mrz.Generate(mrz.RandomFieldsOf(rng, mrz.TravelFormats()...))
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, l)
	}
	return docs
}

// TestEncodeDecode: what the simulator sends, the driver's framer reads
// back unchanged, for every profile; a corrupted frame is refused (or, where
// the protocol has no checksum, fails the MRZ check digits).
func TestEncodeDecode(t *testing.T) {
	for _, p := range sim.MRZProfiles {
		for _, doc := range documents(t) {
			b, err := sim.EncodeMRZ(p, doc)
			if err != nil {
				t.Fatal(err)
			}
			f, _ := mrzreader.NewFramer(mrzreader.FramerOptions{Profile: p})
			out := append(f.Feed(b, t0), f.Expire(t0.Add(time.Hour))...)
			if len(out) != 1 || out[0].Reject != nil || !slices.Equal(out[0].Lines, doc) {
				t.Fatalf("%s %q: %+v", p, doc, out)
			}
			bad := sim.Corrupt(p, b)
			f, _ = mrzreader.NewFramer(mrzreader.FramerOptions{Profile: p})
			out = append(f.Feed(bad, t0), f.Expire(t0.Add(time.Hour))...)
			switch {
			case p == "3m":
				if len(out) != 1 || out[0].Reject == nil || out[0].Reject.Kind != "bad_check" {
					t.Fatalf("%s corrupted: %+v", p, out)
				}
			case len(out) != 1 || mrz.Parse(out[0].Lines, mrz.Options{}).Valid:
				t.Fatalf("%s corrupted %q still valid", p, out[0].Lines)
			}
		}
	}
	for _, p := range sim.CardProfiles {
		for _, tag := range sim.DefaultTags[p] {
			b, err := sim.EncodeCard(p, tag)
			if err != nil {
				t.Fatal(err)
			}
			f, _ := cardreader.NewFramer(cardreader.FramerOptions{Profile: p})
			out := f.Feed(b, t0)
			if len(out) != 1 || out[0].Tag != tag {
				t.Fatalf("%s %s: %+v", p, tag, out)
			}
			f, _ = cardreader.NewFramer(cardreader.FramerOptions{Profile: p})
			if out := f.Feed(sim.Corrupt(p, b), t0); len(out) != 1 || out[0].Reject == nil {
				t.Fatalf("%s corrupted: %+v", p, out)
			}
		}
	}
	if _, err := sim.EncodeCard("em4100", "XYZ"); err == nil {
		t.Error("em4100 accepted a bad tag")
	}
	if _, err := sim.EncodeMRZ("desko", []string{"A", "B", "C", "D"}); err == nil {
		t.Error("a four-line document was accepted")
	}
}

// pipeSim is a simulator writing to an in-memory pipe; got collects what it
// wrote.
func pipeSim(t *testing.T, o sim.Options) (*sim.Sim, func(n int) []byte) {
	a, b := net.Pipe()
	var mu sync.Mutex
	var buf bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		p := make([]byte, 512)
		for {
			n, err := b.Read(p)
			mu.Lock()
			buf.Write(p[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	o.Output = a
	s, err := sim.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); a.Close(); <-done })
	// got returns what was written once n bytes arrived (or after 2 s).
	return s, func(n int) []byte {
		for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			mu.Lock()
			l := buf.Len()
			mu.Unlock()
			if l >= n {
				break
			}
		}
		mu.Lock()
		defer mu.Unlock()
		return bytes.Clone(buf.Bytes())
	}
}

func TestExec(t *testing.T) {
	s, got := pipeSim(t, sim.Options{Kind: sim.KindMRZ, Profile: "lines", Generate: func() ([]string, error) { return sim.Specimens[1], nil }})
	steps := []struct {
		cmd, reply string
	}{
		{"present", "ok presented the next document (2 lines, lines)"},
		{"present 2", "ok presented document 2 (3 lines, lines)"},
		{"present AAAA BBBB", "ok presented the given lines"},
		{"present generated", "ok presented a generated document (3 lines, lines)"},
		{"present 9", "error: present: \"9\" is not a document number (1 to 3)"},
		{"fault split noise", "ok faults [noise split]"},
		{"fault none", "ok faults none"},
		{"present +bogus", "error: unknown fault \"bogus\""},
		{"noise 5", "ok sent 5 noise bytes"},
		{"card 1234", "error: this is an MRZ reader"},
		{"disconnect", "error: disconnect needs a pseudo-terminal"},
		{"status", "ok mrz reader, profile lines, writing to a pipe, faults none, 4 frames sent"},
		{"frobnicate", "error: unknown command \"frobnicate\""},
	}
	docs := filepath.Join(t.TempDir(), "docs")
	os.WriteFile(docs, []byte("# two\nAAAA\nBBBB\n\nCCCC\nDDDD\nEEEE\n"), 0o644)
	bad := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(bad, []byte("ONE LINE\n"), 0o644)
	steps = append(steps, []struct{ cmd, reply string }{
		{"load " + bad, "error: load " + bad + ": the document ending at line 1 has 1 lines"},
		{"load " + docs, "ok loaded 2 from " + docs},
	}...)
	for _, st := range steps {
		reply, err := s.Exec(st.cmd)
		if err != nil {
			reply = "error: " + err.Error()
		}
		if !strings.HasPrefix(reply, st.reply) {
			t.Errorf("%q: %q, want %q", st.cmd, reply, st.reply)
		}
	}
	want := strings.Join(sim.Specimens[0], "\r\n") + "\r\n\r\n" + strings.Join(sim.Specimens[1], "\r\n") + "\r\n\r\nAAAA\r\nBBBB\r\n\r\n"
	total := len(want) + len(strings.Join(sim.Specimens[1], "\r\n")) + 4 + 5
	if b := got(total); !bytes.HasPrefix(b, []byte(want)) || len(b) != total {
		t.Errorf("wrote %q", b)
	}
}

// TestPTYLifecycle: a pty with a symlink; unplugging removes the link and
// closes the pty, plugging back points the link at a new one.
func TestPTYLifecycle(t *testing.T) {
	link := filepath.Join(t.TempDir(), "reader")
	s, err := sim.New(sim.Options{Kind: sim.KindCard, Profile: "em4100", Link: link})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if target, _ := os.Readlink(link); target != s.TTY() || !strings.HasPrefix(target, "/dev/pts/") {
		t.Fatalf("link -> %q, tty %q", target, s.TTY())
	}
	if reply, err := s.Exec("disconnect"); err != nil || reply != "ok unplugged" {
		t.Fatalf("%q %v", reply, err)
	}
	if _, err := os.Lstat(link); !os.IsNotExist(err) {
		t.Fatal("link left behind")
	}
	if err := s.PresentCard("", time.Millisecond, sim.Faults{}); err != sim.ErrUnplugged {
		t.Fatalf("present while unplugged: %v", err)
	}
	if reply, err := s.Exec("disconnect 50ms"); err != nil || !strings.HasPrefix(reply, "ok unplugged for 50ms, plugged back on /dev/pts/") {
		t.Fatalf("%q %v", reply, err)
	}
	if target, _ := os.Readlink(link); target != s.TTY() {
		t.Fatalf("link -> %q after replug, tty %q", target, s.TTY())
	}
	s.Close()
	if _, err := os.Lstat(link); !os.IsNotExist(err) {
		t.Fatal("link left behind after Close")
	}
}

func TestControlSocket(t *testing.T) {
	s, _ := pipeSim(t, sim.Options{Kind: sim.KindCard, Profile: "ascii", Hold: time.Millisecond})
	path := filepath.Join(t.TempDir(), "ctl.sock")
	c, err := s.ListenControl(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := s.ListenControl(path); err == nil {
		t.Fatal("a second simulator took a socket in use")
	}
	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	ask := func(cmd string) string {
		io.WriteString(conn, cmd+"\n")
		l, _ := r.ReadString('\n')
		return strings.TrimSpace(l)
	}
	if got := ask("card 123456789"); got != "ok presented card 123456789 (ascii)" {
		t.Fatalf("card: %q", got)
	}
	if got := ask("present"); !strings.HasPrefix(got, "error: this is a card reader") {
		t.Fatalf("present: %q", got)
	}
	if got := ask("shutdown"); got != "ok shutting down" {
		t.Fatalf("shutdown: %q", got)
	}
	select {
	case <-c.Quit():
	case <-time.After(time.Second):
		t.Fatal("no quit")
	}
}

func TestServe(t *testing.T) {
	s, _ := pipeSim(t, sim.Options{Kind: sim.KindMRZ, Profile: "desko"})
	var out bytes.Buffer
	err := s.Serve(context.Background(), strings.NewReader("# comment\n\nstatus\nnope\nquit\nstatus\n"), &out)
	if err != sim.ErrQuit {
		t.Fatalf("err %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ok mrz reader") || !strings.HasPrefix(lines[1], "error: unknown command") || lines[2] != "ok bye" {
		t.Fatalf("%q", lines)
	}
}

func TestBadOptions(t *testing.T) {
	for _, o := range []sim.Options{
		{Kind: "printer", Profile: "desko"},
		{Kind: sim.KindMRZ, Profile: "em4100"},
		{Kind: sim.KindCard, Profile: "em4100", Tags: []string{"nothex"}},
		{Kind: sim.KindMRZ, Profile: "desko", Documents: [][]string{{"A", "B", "C", "D"}}},
	} {
		if s, err := sim.New(o); err == nil {
			s.Close()
			t.Errorf("%+v accepted", o)
		}
	}
}

// A profile added to a driver's framer registry is one the simulator
// speaks, with tags to present: it cannot be forgotten here.
func TestSimulatorSpeaksEveryDriverProfile(t *testing.T) {
	for _, p := range mrzreader.Profiles {
		open(t, sim.Options{Kind: sim.KindMRZ, Profile: p})
		if _, err := sim.EncodeMRZ(p, sim.Specimens[0]); err != nil {
			t.Errorf("MRZ reader profile %s: %v", p, err)
		}
	}
	for _, p := range cardreader.Profiles {
		if len(sim.DefaultTags[p]) == 0 {
			t.Errorf("card reader profile %s: no sim.DefaultTags", p)
		}
		open(t, sim.Options{Kind: sim.KindCard, Profile: p})
	}
}

func open(t *testing.T, o sim.Options) {
	o.Output = io.Discard
	s, err := sim.New(o)
	if err != nil {
		t.Errorf("%s reader profile %s: %v", o.Kind, o.Profile, err)
		return
	}
	s.Close()
}

// An ascii card reader reports a card once, but the card lies in the field
// for the hold, as with the repeating profiles: PresentCard returns when
// it is taken away, and Close ends the hold at once.
func TestPresentCardHoldsASCII(t *testing.T) {
	s, got := pipeSim(t, sim.Options{Kind: sim.KindCard, Profile: "ascii"})
	start := time.Now()
	if err := s.PresentCard("123456789", 150*time.Millisecond, sim.Faults{}); err != nil {
		t.Fatal(err)
	}
	if held := time.Since(start); held < 150*time.Millisecond {
		t.Errorf("PresentCard returned after %v, before the card was taken away (150ms)", held)
	}
	if b := got(11); string(b) != "123456789\r\n" {
		t.Errorf("sent %q, want the tag once", b)
	}
	done := make(chan error, 1)
	go func() { done <- s.PresentCard("123456789", time.Hour, sim.Faults{}) }()
	time.Sleep(20 * time.Millisecond)
	s.Close()
	select {
	case err := <-done:
		if err != sim.ErrClosed {
			t.Errorf("hold ended by Close: %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the hold")
	}
}
