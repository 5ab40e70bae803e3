package mrzreader_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/mrzreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/serialdev"
	"github.com/xpt-pilot/xpt-kiosk/drivers/sim"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newSim(t *testing.T, o sim.Options) *sim.Sim {
	t.Helper()
	o.Kind = sim.KindMRZ
	s, err := sim.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func openReader(t *testing.T, port, profile string, baud int) *mrzreader.Reader {
	t.Helper()
	cfg := mrzreader.Config{Config: serialdev.Config{Port: port, Baud: baud}, FramerOptions: mrzreader.FramerOptions{Profile: profile}}
	r, err := mrzreader.Open("mrzReader", cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// next waits for the next event of type T, failing on any other document.
func next[T drivers.Event](t *testing.T, r drivers.Device, within time.Duration) T {
	t.Helper()
	timer := time.NewTimer(within)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-r.Events():
			if !ok {
				t.Fatalf("events closed while waiting for %T", *new(T))
			}
			if e, ok := ev.(T); ok {
				return e
			}
			t.Logf("event %T %+v while waiting for %T", ev, ev, *new(T))
		case <-timer.C:
			t.Fatalf("no %T within %v", *new(T), within)
		}
	}
}

func waitOpen(t *testing.T, d drivers.Device) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for d.Health() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("device not open: %v", d.Health())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestOverPTY presents every specimen with every fault combination through
// a real pseudo-terminal and go.bug.st/serial, for every profile.
func TestOverPTY(t *testing.T) {
	for _, profile := range mrzreader.Profiles {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			s := newSim(t, sim.Options{Profile: profile, Baud: 115200, Seed: 7})
			r := openReader(t, s.Path(), profile, 115200)
			waitOpen(t, r)
			faults := []sim.Faults{{}, {Noise: true}, {Split: true}, {Noise: true, Split: true}}
			for _, f := range faults {
				for _, doc := range sim.Specimens {
					if _, err := s.PresentDocument(doc, f); err != nil {
						t.Fatal(err)
					}
					got := next[drivers.Document](t, r, 2*time.Second)
					if !slices.Equal(got.Lines, doc) {
						t.Errorf("faults %v: lines %q, want %q", f, got.Lines, doc)
					}
					if got.Device != "mrzReader" || got.Profile != profile || len(got.Raw) == 0 || got.At.IsZero() {
						t.Errorf("document fields: %+v", got)
					}
				}
			}
			st := r.Stats()
			if st.Delivered != uint64(len(faults)*len(sim.Specimens)) || st.Bytes == 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// TestBadChecksumSkipped: a 3m frame with a bad BCC is counted and skipped,
// and the next good one is delivered.
func TestBadChecksumSkipped(t *testing.T) {
	s := newSim(t, sim.Options{Profile: "3m"})
	r := openReader(t, s.Path(), "3m", 9600)
	waitOpen(t, r)
	if _, err := s.PresentDocument(sim.Specimens[0], sim.Faults{BadCheck: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PresentDocument(sim.Specimens[1], sim.Faults{}); err != nil {
		t.Fatal(err)
	}
	got := next[drivers.Document](t, r, 2*time.Second)
	if !slices.Equal(got.Lines, sim.Specimens[1]) {
		t.Fatalf("got %q", got.Lines)
	}
	if st := r.Stats(); st.BadCheck != 1 || st.Delivered != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// TestSlowTrickle: a document trickled at 1200 baud (8 ms a byte) still
// arrives whole.
func TestSlowTrickle(t *testing.T) {
	for _, profile := range mrzreader.Profiles {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			s := newSim(t, sim.Options{Profile: profile, SlowBaud: 1200})
			r := openReader(t, s.Path(), profile, 1200)
			waitOpen(t, r)
			if _, err := s.PresentDocument(sim.Specimens[2], sim.Faults{Slow: true}); err != nil {
				t.Fatal(err)
			}
			got := next[drivers.Document](t, r, 10*time.Second)
			if !slices.Equal(got.Lines, sim.Specimens[2]) {
				t.Fatalf("got %q", got.Lines)
			}
		})
	}
}

// TestUnplugReplug: the pty goes away (the symlink with it) and comes back
// as a new pty behind the same symlink; the reader reports a fault, then
// recovery within 2 s of the reader reappearing, and reads again.
func TestUnplugReplug(t *testing.T) {
	link := filepath.Join(t.TempDir(), "mrz")
	s := newSim(t, sim.Options{Profile: "desko", Link: link})
	r := openReader(t, link, "desko", 9600)
	waitOpen(t, r)
	if _, err := s.PresentDocument(sim.Specimens[0], sim.Faults{}); err != nil {
		t.Fatal(err)
	}
	next[drivers.Document](t, r, 2*time.Second)

	if err := s.Disconnect(); err != nil {
		t.Fatal(err)
	}
	f := next[drivers.Fault](t, r, 2*time.Second)
	if f.Err.Code() != drivers.CodeDisconnected || !strings.Contains(f.Err.Error(), "the port went away") || f.Err.Device != "mrzReader" || f.Err.Port != link {
		t.Errorf("fault %q (code %q), want disconnected, saying the port went away, naming device and port", f.Err, f.Err.Code())
	}
	if _, err := os.Lstat(link); !os.IsNotExist(err) {
		t.Errorf("link still there after unplug: %v", err)
	}
	time.Sleep(1500 * time.Millisecond) // let the back-off reach its longest
	if h := r.Health(); h == nil || h.Code() == "" {
		t.Errorf("health while unplugged: %v", h)
	}
	if err := s.Reconnect(); err != nil {
		t.Fatal(err)
	}
	plugged := time.Now()
	rec := next[drivers.Recovered](t, r, 3*time.Second)
	if d := rec.At.Sub(plugged); d > 2*time.Second {
		t.Errorf("recovered %v after the reader came back, want within 2 s", d)
	}
	t.Logf("recovered %v after replug (from %s)", rec.At.Sub(plugged), rec.After)
	if _, err := s.PresentDocument(sim.Specimens[1], sim.Faults{}); err != nil {
		t.Fatal(err)
	}
	got := next[drivers.Document](t, r, 2*time.Second)
	if !slices.Equal(got.Lines, sim.Specimens[1]) {
		t.Fatalf("after replug got %q", got.Lines)
	}
	if st := r.Stats(); st.Faults != 1 || st.Reconnects != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestMissingPortAtStart: a reader configured on a port that is not there
// reports not_found, then recovers when the port appears.
func TestMissingPortAtStart(t *testing.T) {
	link := filepath.Join(t.TempDir(), "later")
	r := openReader(t, link, "lines", 9600)
	f := next[drivers.Fault](t, r, 2*time.Second)
	if f.Err.Code() != drivers.CodeNotFound {
		t.Fatalf("code %q (%v)", f.Err.Code(), f.Err)
	}
	s := newSim(t, sim.Options{Profile: "lines", Link: link})
	next[drivers.Recovered](t, r, 3*time.Second)
	if _, err := s.PresentDocument(sim.Specimens[0], sim.Faults{}); err != nil {
		t.Fatal(err)
	}
	next[drivers.Document](t, r, 2*time.Second)
}

// TestCloseLeavesNoGoroutine: closing a reader stops everything it started,
// with the port open, unplugged, or never found.
func TestCloseLeavesNoGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, err := sim.New(sim.Options{Kind: sim.KindMRZ, Profile: "desko"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := mrzreader.Open("mrzReader", mrzreader.Config{Config: serialdev.Config{Port: s.Path()}, FramerOptions: mrzreader.FramerOptions{Profile: "desko"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	waitOpen(t, r)
	s.PresentDocument(sim.Specimens[0], sim.Faults{}) // never consumed: Close must not hang on it
	time.Sleep(50 * time.Millisecond)
	r.Close()
	for range r.Events() {
	}
	if h := r.Health(); h == nil || h.Code() != drivers.CodeClosed {
		t.Errorf("health after close: %v", h)
	}
	s.Close()
	r2, _ := mrzreader.Open("mrzReader", mrzreader.Config{Config: serialdev.Config{Port: "/dev/does-not-exist"}, FramerOptions: mrzreader.FramerOptions{Profile: "desko"}}, nil)
	next[drivers.Fault](t, r2, time.Second)
	r2.Close()
}

func Profiles() []string { return mrzreader.Profiles }

func openReaderB(b *testing.B, port, profile string) *mrzreader.Reader {
	cfg := mrzreader.Config{Config: serialdev.Config{Port: port, Baud: 115200}, FramerOptions: mrzreader.FramerOptions{Profile: profile}}
	r, err := mrzreader.Open("mrzReader", cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	for deadline := time.Now().Add(3 * time.Second); r.Health() != nil; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("not open: %v", r.Health())
		}
	}
	return r
}
