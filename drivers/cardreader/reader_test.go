package cardreader_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/cardreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/internal/readertest"
	"github.com/xpt-pilot/xpt-kiosk/drivers/serialdev"
	"github.com/xpt-pilot/xpt-kiosk/drivers/sim"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// framing is a profile's framing in these tests: ascii tags are 9
// characters long (a PASSID), which cuts noise glued in front of a tag.
func framing(profile string) cardreader.FramerOptions {
	o := cardreader.FramerOptions{Profile: profile}
	if profile == cardreader.ProfileASCII {
		o.Length = 9
	}
	return o
}

// tags are four cards a profile presents: each comes back only after the
// three others were held (3 × hold, beyond debounce), so every presentation
// is a new one, while the frames of a card held in the field (every
// repeat) are one.
var tags = map[string][]string{
	cardreader.ProfileEM4100:  slices.Concat(sim.DefaultTags[cardreader.ProfileEM4100], []string{"DEADBEEF01", "00C0FFEE42"}),
	cardreader.ProfileUHFM100: slices.Concat(sim.DefaultTags[cardreader.ProfileUHFM100], []string{"E28011700000020A1B2C3D51", "E2801170000002FFEEDDCC01"}),
	cardreader.ProfileASCII:   slices.Concat(sim.DefaultTags[cardreader.ProfileASCII], []string{"555000111", "246813579"}),
}

// A card's frame comes again every repeat while it is held; hold is longer
// than the framer's 200 ms inter-byte timeout (the noise a presentation
// ends with is dropped as partial before the next card's), and debounce
// longer than repeat, shorter than a card's absence (3 × hold).
const (
	repeat   = 50 * time.Millisecond
	hold     = 300 * time.Millisecond
	debounce = 300 * time.Millisecond
)

// reader is the card reader as the serial readers' suite sees it: each
// presentation holds a card in the field, its frame repeated, and must be
// one drivers.Card.
var reader = readertest.Impl[string, drivers.Card]{
	Name:     "cardReader",
	Profiles: cardreader.Profiles,
	Framing: map[string]readertest.Framing{
		cardreader.ProfileEM4100:  readertest.Checksummed,
		cardreader.ProfileUHFM100: readertest.Checksummed,
		// no checksum: a damaged tag is malformed, noise rather than a
		// misread; a tag is one line, so a line end after the noise
		cardreader.ProfileASCII: {Refuses: func(s drivers.Stats) uint64 { return s.Malformed }, NoiseEnds: [][]byte{[]byte("\r")}},
	},
	Sim:  sim.Options{Kind: sim.KindCard, Repeat: repeat, Seed: 3},
	Baud: 9600,
	Open: func(port, profile string, baud int) (readertest.Reader, error) {
		cfg := cardreader.Config{Config: serialdev.Config{Port: port, Baud: baud}, FramerOptions: framing(profile), Debounce: debounce}
		return cardreader.Open("cardReader", cfg, nil)
	},
	Items: func(profile string) []string { return tags[profile] },
	Present: func(s *sim.Sim, tag string, f sim.Faults) error {
		taken := time.Now().Add(hold)
		err := s.PresentCard(tag, hold, f)
		// An ascii reader reports a card once and PresentCard returns at
		// once; the card still stays in the field until it is taken.
		time.Sleep(time.Until(taken))
		return err
	},
	Check: func(c drivers.Card, profile, tag string) error {
		if c.Tag != tag || c.Profile != profile || len(c.Raw) == 0 || c.At.IsZero() {
			return fmt.Errorf("card %+v, want tag %s of profile %s, raw bytes and a time", c, tag, profile)
		}
		return nil
	},
	Encode: sim.EncodeCard,
	Key:    func(tag string) string { return tag },
	Decode: func(t testing.TB, profile string, in []byte, chunk int) []string {
		got, _ := feed(t, framing(profile), in, chunk)
		return describe(got)
	},
}

// TestReaderSuite: the suite every serial reader passes, for every profile.
func TestReaderSuite(t *testing.T) { readertest.Run(t, reader) }

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
