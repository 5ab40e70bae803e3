// Package readertest is the test suite every serial reader passes (the MRZ
// reader, the card reader), over the pseudo-terminal simulators of
// drivers/sim and the real serial path: a reader package describes itself
// in an Impl and its tests call Run.
//
// The suite holds, for every profile of the reader's registry, what all
// serial readers must do: an item (a document, a card) read over a pty
// with noise and split frames, exactly one event per presentation; frames
// with a bad checksum skipped and counted; noise of any byte value between
// frames (seeded, framer level); a slow trickle; unplug and replug (one
// fault, then recovery within 2 s); a port missing at start; and Close,
// which returns with events pending, unplugged or never found, and leaves
// no goroutine. What only one reader does (the card debouncer, the MRZ
// lines profile's resync) stays in that reader's own tests.
package readertest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/sim"
	"go.uber.org/goleak"
)

// Reader is a running serial reader: drivers.MRZReader and
// drivers.CardReader are both this.
type Reader interface {
	drivers.Device
	Stats() drivers.Stats
}

// Impl describes one serial reader to the suite. I is what its simulator
// presents (the lines of a document, a card's tag); E is the event the
// reader delivers for it (drivers.Document, drivers.Card).
type Impl[I any, E drivers.Event] struct {
	// Name is the device name the reader is opened under; its events and
	// errors carry it.
	Name string
	// Profiles are the reader package's profiles (its registry's names):
	// every one is tested, and every one must be described in Framing.
	Profiles []string
	// Framing says what each profile's framing checks.
	Framing map[string]Framing
	// Sim is the simulator's options (Kind, Repeat, Seed, ...); the suite
	// sets Profile, Link, Baud and SlowBaud.
	Sim sim.Options
	// Baud is the line speed of the tests but the slow trickle (the
	// simulator paces its writes at it, the reader opens the port at it).
	Baud int
	// Open starts the reader on port for profile at baud, as the kiosk
	// does (through its Config); a port that is not there is no error.
	Open func(port, profile string, baud int) (Reader, error)
	// Items are what the simulator presents for profile: at least two,
	// all different.
	Items func(profile string) []I
	// Present makes s present item with the faults f, and returns when the
	// presentation is over (a card taken away).
	Present func(s *sim.Sim, item I, f sim.Faults) error
	// Check says what is wrong with e as the event of item's presentation
	// on profile (nil when nothing is); the suite checks e's device name.
	Check func(e E, profile string, item I) error
	// Encode is one reading of item as a reader of profile sends it, Key
	// what Decode says for it, and Decode what the profile's framer makes
	// of in fed chunk bytes at a time and then silence: Key of every item
	// found, "!kind" of every refusal.
	Encode func(profile string, item I) ([]byte, error)
	Key    func(item I) string
	Decode func(t testing.TB, profile string, in []byte, chunk int) []string
}

// Framing is what a profile's framing can tell of a frame the simulator's
// BadCheck fault damaged.
type Framing struct {
	// Refuses is the Stats counter that counts such a frame, which the
	// reader then skips; nil when the framing cannot tell and delivers it
	// (a damaged MRZ check digit is the agent's validation to find).
	Refuses func(drivers.Stats) uint64
	// Misread: the reader reports such a presentation as one
	// drivers.Misread of kind bad_check, however often the reader repeats
	// the frame (the traveler is told to try again); else as none (noise).
	Misread bool
	// NoiseEnds are bytes the noise property puts after its noise, the
	// first for seed 0, the next for seed 1, and so on in turn: a line end
	// a line-based profile must cope with or needs (none when empty).
	NoiseEnds [][]byte
}

// Checksummed is the framing of a profile whose frames carry a BCC or
// checksum: a damaged frame is counted in Stats.BadCheck, skipped, and
// reported as a Misread.
var Checksummed = Framing{Refuses: func(s drivers.Stats) uint64 { return s.BadCheck }, Misread: true}

// Waits. The suite waits for conditions, never a fixed time, except where
// time passing is what is tested; the waits are long because the tests run
// on shared machines, and cost nothing when the reader is on time.
const (
	// due bounds the wait for an event that should come.
	due = 5 * time.Second
	// slowDue bounds the wait for a trickled item.
	slowDue = 30 * time.Second
	// recoveryBound is how soon after a port reappears a reader must say
	// it recovered (its longest back-off is 1 s, plus the time to open).
	recoveryBound = 2 * time.Second
	// backoffToLongest lets a reader's back-off reach its longest (100 ms
	// doubling up to 1 s) before the port comes back.
	backoffToLongest = 1500 * time.Millisecond
	// quiet is how long no second event may follow an item's.
	quiet = 10 * time.Millisecond
	// slowBaud is the trickle's speed: 8 ms a byte.
	slowBaud = 1200
	// noiseSeeds is how many seeded inputs the noise property tries.
	noiseSeeds = 150
)

// Run runs the suite on impl, every test for every profile; the tests over
// a pty run in parallel, but Close's, which counts goroutines.
func Run[I any, E drivers.Event](t *testing.T, impl Impl[I, E]) {
	for _, p := range impl.Profiles {
		if _, ok := impl.Framing[p]; !ok {
			t.Fatalf("profile %q has no Framing in the reader's Impl: say what its framing checks", p)
		}
		if n := len(impl.Items(p)); n < 2 {
			t.Fatalf("profile %q: %d items, want at least 2", p, n)
		}
	}
	su := suite[I, E]{impl}
	// Close first and not in parallel: goleak counts every goroutine.
	su.each(t, "Close", false, su.close)
	su.each(t, "OverPTY", true, su.overPTY)
	su.each(t, "BadCheck", true, su.badCheck)
	su.each(t, "SlowTrickle", true, su.slowTrickle)
	su.each(t, "UnplugReplug", true, su.unplugReplug)
	su.each(t, "MissingPortAtStart", true, su.missingPortAtStart)
	su.each(t, "AnyNoiseBetweenFrames", true, su.anyNoise)
}

type suite[I any, E drivers.Event] struct{ Impl[I, E] }

func (su suite[I, E]) each(t *testing.T, name string, parallel bool, test func(t *testing.T, profile string)) {
	t.Run(name, func(t *testing.T) {
		if parallel {
			t.Parallel()
		}
		for _, p := range su.Profiles {
			t.Run(p, func(t *testing.T) {
				if parallel {
					t.Parallel()
				}
				test(t, p)
			})
		}
	})
}

// newSim starts a simulator for profile, closed when the test ends (if not
// before); o sets Link, Baud and SlowBaud.
func (su suite[I, E]) newSim(t *testing.T, profile string, o sim.Options) *sim.Sim {
	t.Helper()
	so := su.Sim
	so.Profile, so.Link, so.Baud, so.SlowBaud = profile, o.Link, o.Baud, o.SlowBaud
	s, err := sim.New(so)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// open starts the reader, closed when the test ends (if not before).
func (su suite[I, E]) open(t *testing.T, port, profile string, baud int) Reader {
	t.Helper()
	r, err := su.Open(port, profile, baud)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func (su suite[I, E]) present(t *testing.T, s *sim.Sim, item I, f sim.Faults) {
	t.Helper()
	if err := su.Present(s, item, f); err != nil {
		t.Fatalf("present %s (faults %v): %v", su.Key(item), f, err)
	}
}

// expect waits for the next item event and checks it is item's.
func (su suite[I, E]) expect(t *testing.T, r Reader, profile string, item I, within time.Duration, what string) E {
	t.Helper()
	e, ok := next[E](t, r, within)
	if !ok {
		t.Fatalf("%s: no %T within %v", what, e, within)
	}
	su.check(t, e, profile, item, what)
	return e
}

func (su suite[I, E]) check(t *testing.T, e E, profile string, item I, what string) {
	t.Helper()
	if err := su.Check(e, profile, item); err != nil {
		t.Fatalf("%s: %v (event %+v)", what, err, e)
	}
	if e.DeviceName() != su.Name {
		t.Fatalf("%s: device %q, want %q", what, e.DeviceName(), su.Name)
	}
}

// overPTY: every item with every combination of noise and split frames,
// through a real pseudo-terminal and go.bug.st/serial, is delivered once,
// in order; every frame sent is delivered or counted as a repeat.
func (su suite[I, E]) overPTY(t *testing.T, profile string) {
	s := su.newSim(t, profile, sim.Options{Baud: su.Baud})
	r := su.open(t, s.Path(), profile, su.Baud)
	WaitOpen(t, r)
	n := 0
	for _, f := range []sim.Faults{{}, {Noise: true}, {Split: true}, {Noise: true, Split: true}} {
		for _, item := range su.Items(profile) {
			su.present(t, s, item, f)
			su.expect(t, r, profile, item, due, fmt.Sprintf("%s, faults %v", su.Key(item), f))
			n++
			if e, ok := next[E](t, r, quiet); ok {
				t.Fatalf("%s, faults %v: delivered twice (then %+v)", su.Key(item), f, e)
			}
		}
	}
	st := r.Stats()
	if st.Delivered != uint64(n) || st.Delivered+st.Repeats != uint64(s.Sent()) || st.Bytes == 0 {
		t.Errorf("stats %+v after %d presentations of %d frames", st, n, s.Sent())
	}
}

// badCheck: a presentation whose frames fail their checksum is counted and
// skipped (one Misread for the whole presentation where the profile says
// so), and the next good one is delivered.
func (su suite[I, E]) badCheck(t *testing.T, profile string) {
	fr := su.Framing[profile]
	if fr.Refuses == nil {
		t.Skipf("%s frames carry no checksum; the agent's validation finds the damaged check digit", profile)
	}
	s := su.newSim(t, profile, sim.Options{Baud: su.Baud})
	r := su.open(t, s.Path(), profile, su.Baud)
	WaitOpen(t, r)
	items := su.Items(profile)
	sent := s.Sent()
	su.present(t, s, items[0], sim.Faults{BadCheck: true})
	bad := s.Sent() - sent
	su.present(t, s, items[1], sim.Faults{})
	misreads := 0
	deadline := time.After(due)
	for done := false; !done; {
		select {
		case ev, ok := <-r.Events():
			if !ok {
				t.Fatal("events closed")
			}
			switch ev := ev.(type) {
			case E:
				su.check(t, ev, profile, items[1], "after a bad checksum")
				done = true
			case drivers.Misread:
				misreads++
				if ev.Kind != drivers.RejectBadCheck || ev.Device != su.Name {
					t.Errorf("misread %+v, want kind %s from %s", ev, drivers.RejectBadCheck, su.Name)
				}
			default:
				t.Logf("event %T %+v", ev, ev)
			}
		case <-deadline:
			t.Fatalf("no %s within %v after a bad checksum", su.Key(items[1]), due)
		}
	}
	if w := btoi(fr.Misread); misreads != w {
		t.Errorf("%d misreads for one presentation of %d damaged frames, want %d", misreads, bad, w)
	}
	st := r.Stats()
	if got := fr.Refuses(st); got != uint64(bad) || st.Delivered != 1 {
		t.Errorf("stats %+v: %d damaged frames counted of %d sent, want all; delivered %d, want 1", st, got, bad, st.Delivered)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// slowTrickle: an item trickled at 1200 baud (8 ms a byte) arrives whole.
func (su suite[I, E]) slowTrickle(t *testing.T, profile string) {
	s := su.newSim(t, profile, sim.Options{SlowBaud: slowBaud})
	r := su.open(t, s.Path(), profile, slowBaud)
	WaitOpen(t, r)
	items := su.Items(profile)
	item := items[len(items)-1]
	su.present(t, s, item, sim.Faults{Slow: true})
	su.expect(t, r, profile, item, slowDue, "trickled")
}

// unplugReplug: the pty goes away (its symlink with it) and comes back as
// a new pty behind the same symlink; the reader reports one fault, then
// recovery within recoveryBound of the port reappearing, and reads again.
func (su suite[I, E]) unplugReplug(t *testing.T, profile string) {
	link := filepath.Join(t.TempDir(), "tty")
	s := su.newSim(t, profile, sim.Options{Link: link, Baud: su.Baud})
	r := su.open(t, link, profile, su.Baud)
	WaitOpen(t, r)
	items := su.Items(profile)
	su.present(t, s, items[0], sim.Faults{})
	su.expect(t, r, profile, items[0], due, "before unplug")

	if err := s.Disconnect(); err != nil {
		t.Fatal(err)
	}
	f := want[drivers.Fault](t, r, due)
	if f.Err.Code() != drivers.CodeDisconnected || !strings.Contains(f.Err.Error(), "the port went away") || f.Err.Device != su.Name || f.Err.Port != link {
		t.Errorf("fault %q (code %q), want disconnected, saying the port went away, naming device %s and port %s", f.Err, f.Err.Code(), su.Name, link)
	}
	if _, err := os.Lstat(link); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("link still there after unplug: %v", err)
	}
	time.Sleep(backoffToLongest) // what is tested: recovery from the longest back-off
	if h := r.Health(); h == nil || h.Code() == "" {
		t.Errorf("health while unplugged: %v", h)
	}
	if err := s.Reconnect(); err != nil {
		t.Fatal(err)
	}
	plugged := time.Now()
	rec := want[drivers.Recovered](t, r, due)
	if d := rec.At.Sub(plugged); d > recoveryBound {
		t.Errorf("recovered %v after the port came back, want within %v", d, recoveryBound)
	}
	t.Logf("recovered %v after replug (from %s)", rec.At.Sub(plugged), rec.After)
	su.present(t, s, items[1], sim.Faults{})
	su.expect(t, r, profile, items[1], due, "after replug")
	if st := r.Stats(); st.Faults != 1 || st.Reconnects != 1 {
		t.Errorf("stats %+v, want one fault and one reconnect", st)
	}
}

// missingPortAtStart: a reader configured on a port that is not there
// reports not_found (Open does not fail), then recovers when the port
// appears, and reads.
func (su suite[I, E]) missingPortAtStart(t *testing.T, profile string) {
	link := filepath.Join(t.TempDir(), "later")
	r := su.open(t, link, profile, su.Baud)
	if f := want[drivers.Fault](t, r, due); f.Err.Code() != drivers.CodeNotFound || f.Err.Device != su.Name {
		t.Fatalf("fault %v (code %q), want not_found from %s", f.Err, f.Err.Code(), su.Name)
	}
	s := su.newSim(t, profile, sim.Options{Link: link, Baud: su.Baud})
	want[drivers.Recovered](t, r, due)
	item := su.Items(profile)[0]
	su.present(t, s, item, sim.Faults{})
	su.expect(t, r, profile, item, due, "after the port appeared")
}

// close: closing a reader returns and stops everything it started, with
// the port open and an event nobody took, unplugged, or never found; its
// events then end and its health says closed.
func (su suite[I, E]) close(t *testing.T, profile string) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	closed := func(r Reader, what string) {
		t.Helper()
		done := make(chan struct{})
		go func() { r.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(due):
			t.Fatalf("%s: Close has not returned after %v", what, due)
		}
		for range r.Events() {
		}
		if h := r.Health(); h == nil || h.Code() != drivers.CodeClosed {
			t.Errorf("%s: health after close: %v", what, h)
		}
	}
	item := su.Items(profile)[0]

	s := su.newSim(t, profile, sim.Options{Baud: su.Baud})
	r := su.open(t, s.Path(), profile, su.Baud)
	WaitOpen(t, r)
	su.present(t, s, item, sim.Faults{}) // never taken: Close must not wait for it
	if !waitFor(func() bool { return r.Stats().Delivered == 1 }) {
		t.Fatalf("%s not delivered within %v: stats %+v", su.Key(item), due, r.Stats())
	}
	closed(r, "open")
	s.Close()

	link := filepath.Join(t.TempDir(), "tty")
	s = su.newSim(t, profile, sim.Options{Link: link, Baud: su.Baud})
	r = su.open(t, link, profile, su.Baud)
	WaitOpen(t, r)
	if err := s.Disconnect(); err != nil {
		t.Fatal(err)
	}
	if !waitFor(func() bool { return r.Health() != nil }) {
		t.Fatalf("no fault within %v of unplugging", due)
	}
	closed(r, "unplugged")
	s.Close()

	r = su.open(t, filepath.Join(t.TempDir(), "never"), profile, su.Baud)
	want[drivers.Fault](t, r, due)
	closed(r, "never found")
}

// anyNoise: random bytes of every value (delimiters included) between
// items; every item is still found, in order, whether the bytes come whole
// or one by one. Extra items made of noise may appear (a desko frame of two
// noise lines is a frame; the agent's MRZ check refuses it).
func (su suite[I, E]) anyNoise(t *testing.T, profile string) {
	items := su.Items(profile)
	ends := su.Framing[profile].NoiseEnds
	for seed := uint64(0); seed < noiseSeeds; seed++ {
		rng := rand.New(rand.NewPCG(seed, 99))
		var in []byte
		var keys []string
		for range 4 {
			noise := make([]byte, rng.IntN(40))
			for j := range noise {
				noise[j] = byte(rng.UintN(256))
			}
			in = append(in, noise...)
			if len(ends) > 0 {
				in = append(in, ends[seed%uint64(len(ends))]...)
			}
			item := items[rng.IntN(len(items))]
			b, err := su.Encode(profile, item)
			if err != nil {
				t.Fatal(err)
			}
			in = append(in, b...)
			keys = append(keys, su.Key(item))
		}
		for _, chunk := range []int{1, len(in)} {
			if got := su.Decode(t, profile, in, chunk); !Subsequence(keys, got) {
				t.Fatalf("seed %d, chunks of %d: %q not all in %q\ninput %q", seed, chunk, keys, got, in)
			}
		}
	}
}

// Subsequence says whether want appears in got in order, other items
// between.
func Subsequence(want, got []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

// next waits up to within for d's next event of type T, logging the others
// it passes; false when none came (or the events ended).
func next[T drivers.Event](tb testing.TB, d drivers.Device, within time.Duration) (T, bool) {
	tb.Helper()
	var zero T
	timer := time.NewTimer(within)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-d.Events():
			if !ok {
				tb.Logf("events closed while waiting for %T", zero)
				return zero, false
			}
			if e, ok := ev.(T); ok {
				return e, true
			}
			tb.Logf("event %T %+v while waiting for %T", ev, ev, zero)
		case <-timer.C:
			return zero, false
		}
	}
}

// want is next, failing the test when no T comes.
func want[T drivers.Event](tb testing.TB, d drivers.Device, within time.Duration) T {
	tb.Helper()
	e, ok := next[T](tb, d, within)
	if !ok {
		tb.Fatalf("no %T within %v", e, within)
	}
	return e
}

// WaitOpen waits until d's port is open (its health nil).
func WaitOpen(tb testing.TB, d drivers.Device) {
	tb.Helper()
	if !waitFor(func() bool { return d.Health() == nil }) {
		tb.Fatalf("port not open after %v: %v", due, d.Health())
	}
}

// waitFor polls cond until it holds (true) or due has passed (false).
func waitFor(cond func() bool) bool {
	for deadline := time.Now().Add(due); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}
