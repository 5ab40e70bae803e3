package mrzreader_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/internal/readertest"
	"github.com/xpt-pilot/xpt-kiosk/drivers/mrzreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/serialdev"
	"github.com/xpt-pilot/xpt-kiosk/drivers/sim"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// open starts a reader as the kiosk does, from its configuration.
func open(port, profile string, baud int) (*mrzreader.Reader, error) {
	cfg := mrzreader.Config{Config: serialdev.Config{Port: port, Baud: baud}, FramerOptions: mrzreader.FramerOptions{Profile: profile}}
	return mrzreader.Open("mrzReader", cfg, nil)
}

// reader is the MRZ reader as the serial readers' suite sees it: it
// presents the ICAO specimens and delivers their lines.
var reader = readertest.Impl[[]string, drivers.Document]{
	Name:     "mrzReader",
	Profiles: mrzreader.Profiles,
	Framing: map[string]readertest.Framing{
		mrzreader.ProfileDesko: {},
		mrzreader.Profile3M:    readertest.Checksummed, // its BCC; desko and lines frames carry none
		// half the time a line end after the noise
		mrzreader.ProfileLines: {NoiseEnds: [][]byte{[]byte("\r\n"), nil}},
	},
	Sim:  sim.Options{Kind: sim.KindMRZ, Seed: 7},
	Baud: 115200,
	Open: func(port, profile string, baud int) (readertest.Reader, error) {
		return open(port, profile, baud)
	},
	Items: func(string) [][]string { return sim.Specimens },
	Present: func(s *sim.Sim, doc []string, f sim.Faults) error {
		_, err := s.PresentDocument(doc, f)
		return err
	},
	Check: func(d drivers.Document, profile string, doc []string) error {
		if !slices.Equal(d.Lines, doc) {
			return fmt.Errorf("lines %q, want %q", d.Lines, doc)
		}
		if d.Profile != profile || len(d.Raw) == 0 || d.At.IsZero() {
			return fmt.Errorf("document fields: profile %q, %d raw bytes, at %v", d.Profile, len(d.Raw), d.At)
		}
		return nil
	},
	Encode: sim.EncodeMRZ,
	Key:    func(doc []string) string { return strings.Join(doc, "|") },
	Decode: func(t testing.TB, profile string, in []byte, chunk int) []string {
		got, _ := feed(t, mrzreader.FramerOptions{Profile: profile}, in, chunk)
		return describe(got)
	},
}

// TestReaderSuite: the suite every serial reader passes, for every profile.
func TestReaderSuite(t *testing.T) { readertest.Run(t, reader) }
