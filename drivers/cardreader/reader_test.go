package cardreader_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/cardreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/serialdev"
	"github.com/xpt-pilot/xpt-kiosk/drivers/sim"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func setup(t *testing.T, profile, link string) (*sim.Sim, *cardreader.Reader) {
	t.Helper()
	s, err := sim.New(sim.Options{Kind: sim.KindCard, Profile: profile, Link: link, Baud: 9600, Repeat: 50 * time.Millisecond, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	cfg := cardreader.Config{Config: serialdev.Config{Port: s.Path()}, FramerOptions: cardreader.FramerOptions{Profile: profile, Length: length[profile]}, Debounce: 300 * time.Millisecond}
	r, err := cardreader.Open("cardReader", cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	deadline := time.Now().Add(3 * time.Second)
	for r.Health() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("not open: %v", r.Health())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return s, r
}

var length = map[string]int{"ascii": 9}

func next[T drivers.Event](t *testing.T, r drivers.Device, within time.Duration) (T, bool) {
	t.Helper()
	timer := time.NewTimer(within)
	defer timer.Stop()
	for {
		select {
		case ev := <-r.Events():
			if e, ok := ev.(T); ok {
				return e, true
			}
			t.Logf("event %T %+v", ev, ev)
		case <-timer.C:
			var zero T
			return zero, false
		}
	}
}

// TestOverPTY: a card held in the field (repeated every 50 ms) is one
// presentation; a second card, and the first again after it left, are new
// ones; noise, split frames and bad checksums are skipped.
func TestOverPTY(t *testing.T) {
	for _, profile := range cardreader.Profiles {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			s, r := setup(t, profile, "")
			tags := sim.DefaultTags[profile]
			steps := []struct {
				tag    string
				faults sim.Faults
			}{
				{tags[0], sim.Faults{}},
				{tags[1], sim.Faults{Noise: true}},
				{tags[0], sim.Faults{Split: true}},
				{tags[1], sim.Faults{Noise: true, Split: true}},
			}
			for _, st := range steps {
				if err := s.PresentCard(st.tag, 400*time.Millisecond, st.faults); err != nil {
					t.Fatal(err)
				}
				c, ok := next[drivers.Card](t, r, 2*time.Second)
				if !ok || c.Tag != st.tag {
					t.Fatalf("faults %v: card %+v, want tag %s", st.faults, c, st.tag)
				}
				if _, ok := next[drivers.Card](t, r, 10*time.Millisecond); ok {
					t.Fatalf("faults %v: a card held in the field was delivered twice", st.faults)
				}
				time.Sleep(350 * time.Millisecond) // the card leaves the field
			}
			if err := s.PresentCard(tags[0], 100*time.Millisecond, sim.Faults{BadCheck: true}); err != nil {
				t.Fatal(err)
			}
			if c, ok := next[drivers.Card](t, r, 300*time.Millisecond); ok {
				t.Fatalf("a card with a bad checksum was delivered: %+v", c)
			}
			st := r.Stats()
			if st.Delivered != 4 || (profile != "ascii" && st.Repeats < 8) {
				t.Errorf("stats %+v", st)
			}
			if profile != "ascii" && st.BadCheck == 0 {
				t.Errorf("bad checksums not counted: %+v", st)
			}
			if profile == "ascii" && st.Malformed == 0 {
				t.Errorf("corrupt ascii tag not counted: %+v", st)
			}
		})
	}
}

func TestUnplugReplug(t *testing.T) {
	link := filepath.Join(t.TempDir(), "card")
	s, r := setup(t, "em4100", link)
	if err := s.Disconnect(); err != nil {
		t.Fatal(err)
	}
	f, ok := next[drivers.Fault](t, r, 2*time.Second)
	if !ok || f.Err.Code() != drivers.CodeDisconnected {
		t.Fatalf("fault %+v", f)
	}
	time.Sleep(1200 * time.Millisecond)
	if err := s.Reconnect(); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	rec, ok := next[drivers.Recovered](t, r, 3*time.Second)
	if !ok || rec.At.Sub(back) > 2*time.Second {
		t.Fatalf("recovered %+v after %v", rec, rec.At.Sub(back))
	}
	if err := s.PresentCard("", 100*time.Millisecond, sim.Faults{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := next[drivers.Card](t, r, 2*time.Second); !ok {
		t.Fatal("no card after replug")
	}
}

func TestDebouncer(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	d := cardreader.NewDebouncer(time.Second)
	steps := []struct {
		tag  string
		at   time.Time
		want bool
	}{
		{"A", ms(0), true},
		{"A", ms(100), false},
		{"A", ms(1000), false}, // still within a second of the last reading
		{"B", ms(1100), true},  // another card
		{"A", ms(1200), false},
		{"A", ms(2300), true}, // gone for more than the window: a new presentation
		{"B", ms(2300), true},
	}
	for i, s := range steps {
		if got := d.Seen(s.tag, s.at); got != s.want {
			t.Errorf("step %d (%s at %v): new %v, want %v", i, s.tag, s.at.Sub(t0), got, s.want)
		}
	}
}

// TestMisread: a card whose frame fails its checksum is delivered as one
// Misread (however often the reader repeats it), so that the traveler is
// told to try again; the ascii profile has no checksum, and a corrupt tag
// there is noise, not a misread.
func TestMisread(t *testing.T) {
	for _, profile := range cardreader.Profiles {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			s, r := setup(t, profile, "")
			if err := s.PresentCard(sim.DefaultTags[profile][0], 300*time.Millisecond, sim.Faults{BadCheck: true}); err != nil {
				t.Fatal(err)
			}
			m, ok := next[drivers.Misread](t, r, time.Second)
			if profile == "ascii" {
				if ok {
					t.Fatalf("misread without a checksum: %+v", m)
				}
				return
			}
			if !ok || m.Kind != drivers.RejectBadCheck || m.Device != "cardReader" {
				t.Fatalf("misread %+v %v", m, ok)
			}
			if m, ok := next[drivers.Misread](t, r, 500*time.Millisecond); ok {
				t.Fatalf("a second misread within %s: %+v", drivers.MisreadInterval, m)
			}
		})
	}
}
