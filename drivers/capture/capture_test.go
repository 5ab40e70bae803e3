package capture_test

import (
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers/capture"
	"github.com/xpt-pilot/xpt-kiosk/drivers/cardreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/mrzreader"
)

// The TD2 specimen as a desko reader sends it (docs/devices.md §2.1).
const td2Desko = "\x1c\x02I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\rD231458907UTO7408122F1204159<<<<<<<6\r\x03\x1d"

func TestRecorderDecodes(t *testing.T) {
	dec, err := capture.NewMRZDecoder(mrzreader.FramerOptions{Profile: "desko"})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	r := capture.NewRecorder(dec, 0, t0)
	r.Feed([]byte("\xff\x80zz"), t0.Add(10*time.Millisecond))
	// A frame cut by a new start byte, then a whole one, in two reads.
	r.Feed([]byte("\x02I<UTO"), t0.Add(20*time.Millisecond))
	r.Feed([]byte(td2Desko), t0.Add(30*time.Millisecond))
	res := r.Result()
	if res.Bytes != 4+6+len(td2Desko) || len(res.Blocks) != 3 || res.Blocks[2].Offset != 10 || res.Blocks[1].AtMs != 20 || res.High != 2 {
		t.Fatalf("bytes %d, blocks %+v, high %d", res.Bytes, res.Blocks, res.High)
	}
	var kinds []string
	for _, n := range res.Notes {
		kinds = append(kinds, n.Kind)
	}
	if strings.Join(kinds, ",") != "refused,document" {
		t.Fatalf("notes %+v", res.Notes)
	}
	doc := res.Notes[1]
	if !doc.Valid || doc.Format != "TD2" || len(doc.Lines) != 2 || doc.Profile != "desko" {
		t.Fatalf("document %+v", doc)
	}
	if res.Notes[0].Reject != "partial" {
		t.Fatalf("refusal %+v", res.Notes[0])
	}
	if res.Stats.Frames != 1 || res.Stats.Skipped == 0 || res.Stats.Partial != 1 {
		t.Fatalf("stats %+v", res.Stats)
	}
}

func TestRecorderBounded(t *testing.T) {
	t0 := time.Now()
	r := capture.NewRecorder(nil, 10, t0)
	r.Feed([]byte("0123456"), t0)
	r.Feed([]byte("789abc"), t0)
	r.Feed([]byte("def"), t0)
	res := r.Result()
	if res.Bytes != 10 || res.Dropped != 6 || !res.Truncated || !r.Full() {
		t.Fatalf("%+v", res)
	}
	if got := string(res.Blocks[0].Data) + string(res.Blocks[1].Data); got != "0123456789" {
		t.Fatalf("kept %q", got)
	}
}

func TestCardAndExpire(t *testing.T) {
	dec, err := capture.NewCardDecoder(cardreader.FramerOptions{Profile: "ascii"})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	r := capture.NewRecorder(dec, 0, t0)
	r.Feed([]byte("123456789\r\n"), t0)
	r.Feed([]byte("98765"), t0)
	r.Tick(t0.Add(time.Second))
	res := r.Result()
	if len(res.Notes) == 0 || res.Notes[0].Kind != "card" || res.Notes[0].Tag != "123456789" {
		t.Fatalf("notes %+v", res.Notes)
	}
}

func TestGlyph(t *testing.T) {
	for c, want := range map[byte]string{0x02: "STX", 0x03: "ETX", 0x0d: "CR", 0x0a: "LF", 0x1c: "FS", 0x7f: "DEL", 'A': "A", '<': "<", ' ': " ", 0xff: ""} {
		if got := capture.Glyph(c); got != want {
			t.Errorf("Glyph(%#x) = %q, want %q", c, got, want)
		}
	}
}

func TestKindOf(t *testing.T) {
	if capture.KindOf("3m") != "mrz" || capture.KindOf("em4100") != "card" || capture.KindOf("x") != "" {
		t.Fatal("KindOf")
	}
}
