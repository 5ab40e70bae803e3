package cardreader_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers/cardreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/sim"
)

var (
	update    = flag.Bool("update", false, "rewrite the .golden files of testdata/ traces")
	genTraces = flag.Bool("gen-traces", false, "rewrite the synthetic .bin traces of testdata/")
)

var t0 = time.Unix(1_800_000_000, 0)

func enc(profile, tag string) string {
	b, err := sim.EncodeCard(profile, tag)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func flip(s string, i int) string {
	b := []byte(s)
	if i < 0 {
		i += len(b)
	}
	b[i] ^= 0x01
	return string(b)
}

// A real RDM6300 frame: tag 62E3086CED, checksum 08.
const rdm6300 = "\x0262E3086CED08\x03"

var cases = []struct {
	name string
	opts cardreader.FramerOptions
	in   string
	want []string // tag, or "!kind"
}{
	{"em4100 RDM6300", cardreader.FramerOptions{Profile: "em4100"}, rdm6300, []string{"62E3086CED"}},
	{"em4100 repeated", cardreader.FramerOptions{Profile: "em4100"}, rdm6300 + rdm6300, []string{"62E3086CED", "62E3086CED"}},
	{"em4100 lower case", cardreader.FramerOptions{Profile: "em4100"}, "\x0262e3086ced08\x03", []string{"62E3086CED"}},
	{"em4100 bad checksum", cardreader.FramerOptions{Profile: "em4100"}, "\x0262E3086CED09\x03", []string{"!bad_check"}},
	{"em4100 checksum ignored", cardreader.FramerOptions{Profile: "em4100", IgnoreChecksum: true}, "\x0262E3086CED09\x03", []string{"62E3086CED"}},
	{"em4100 noise", cardreader.FramerOptions{Profile: "em4100"}, "\xff\x00zz" + rdm6300 + "\x80", []string{"62E3086CED"}},
	{"em4100 cut short", cardreader.FramerOptions{Profile: "em4100"}, "\x0262E30" + rdm6300, []string{"!partial", "62E3086CED"}},
	{"em4100 no ETX", cardreader.FramerOptions{Profile: "em4100"}, "\x0262E3086CED08X" + rdm6300, []string{"!malformed", "62E3086CED"}},

	{"uhf inventory", cardreader.FramerOptions{Profile: "uhf-m100"}, enc("uhf-m100", "E28011700000020A1B2C3D4F"), []string{"E28011700000020A1B2C3D4F"}},
	{"uhf manual example", cardreader.FramerOptions{Profile: "uhf-m100"},
		"\xBB\x02\x22\x00\x11\xC9\x34\x00\x30\x75\x1F\xEB\x70\x5C\x59\x04\xE3\xD5\x0D\x70\x3A\x76\xEF\x7E", []string{"30751FEB705C5904E3D50D70"}},
	{"uhf bad checksum", cardreader.FramerOptions{Profile: "uhf-m100"}, flip(enc("uhf-m100", "E2801170"), -2), []string{"!bad_check"}},
	{"uhf reply is ignored", cardreader.FramerOptions{Profile: "uhf-m100"}, "\xBB\x01\xFF\x00\x01\x15\x16\x7E", []string{"!ignored"}},
	{"uhf BB inside a frame", cardreader.FramerOptions{Profile: "uhf-m100"}, enc("uhf-m100", "BBBB7E7E"), []string{"BBBB7E7E"}},
	{"uhf no end byte", cardreader.FramerOptions{Profile: "uhf-m100"}, flip(enc("uhf-m100", "E2801170"), -1) + enc("uhf-m100", "E2801171"), []string{"!malformed", "E2801171"}},
	{"uhf huge length", cardreader.FramerOptions{Profile: "uhf-m100"}, "\xBB\x02\x22\xFF\xFF" + enc("uhf-m100", "E2801171"), []string{"!malformed", "E2801171"}},

	{"ascii CRLF", cardreader.FramerOptions{Profile: "ascii"}, "123456789\r\n0a1b2c3d4f\r\n", []string{"123456789", "0A1B2C3D4F"}},
	{"ascii blank lines skipped", cardreader.FramerOptions{Profile: "ascii"}, "\r\n\n123456789\n", []string{"123456789"}},
	{"ascii decimal refuses hex", cardreader.FramerOptions{Profile: "ascii", Format: "decimal"}, "0A1B\r123\r", []string{"!malformed", "123"}},
	{"ascii delimiter", cardreader.FramerOptions{Profile: "ascii", Delimiter: ";"}, "123;456;", []string{"123", "456"}},
	{"ascii length", cardreader.FramerOptions{Profile: "ascii", Length: 9}, "12345678\r\nxx\x80123456789\r\n", []string{"!malformed", "123456789"}},
	{"ascii noise cut at a control byte", cardreader.FramerOptions{Profile: "ascii"}, "zz\x00\x81123456789\r", []string{"123456789"}},
	{"ascii printable damage refused", cardreader.FramerOptions{Profile: "ascii"}, "12345Z789\r", []string{"!malformed"}},
	{"ascii oversize", cardreader.FramerOptions{Profile: "ascii"}, strings.Repeat("1", 100) + "\r123\r", []string{"!oversize", "123"}},
}

func describe(frames []cardreader.Frame) []string {
	var out []string
	for _, f := range frames {
		if f.Reject != nil {
			out = append(out, "!"+string(f.Reject.Kind))
		} else {
			out = append(out, f.Tag)
		}
	}
	return out
}

func feed(t testing.TB, o cardreader.FramerOptions, in []byte, chunk int) ([]cardreader.Frame, cardreader.Framer) {
	f, err := cardreader.NewFramer(o)
	if err != nil {
		t.Fatal(err)
	}
	var out []cardreader.Frame
	now := t0
	for len(in) > 0 {
		n := min(chunk, len(in))
		out = append(out, f.Feed(in[:n], now)...)
		in = in[n:]
		now = now.Add(time.Millisecond)
	}
	return append(out, f.Expire(now.Add(time.Hour))...), f
}

func TestFramerTable(t *testing.T) {
	for _, c := range cases {
		for _, chunk := range []int{1, 5, 4096} {
			got, _ := feed(t, c.opts, []byte(c.in), chunk)
			if d := describe(got); !slices.Equal(d, c.want) {
				t.Errorf("%s (chunks of %d):\n got %q\nwant %q", c.name, chunk, d, c.want)
			}
		}
	}
}

func TestUHFRSSI(t *testing.T) {
	got, _ := feed(t, cardreader.FramerOptions{Profile: "uhf-m100"}, []byte(enc("uhf-m100", "E2801170")), 100)
	if len(got) != 1 || got[0].RSSI != -55 {
		t.Fatalf("%+v", got)
	}
}

func TestBadOptions(t *testing.T) {
	for _, o := range []cardreader.FramerOptions{{Profile: "wiegand"}, {Profile: "ascii", Format: "octal"}} {
		if _, err := cardreader.NewFramer(o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

func synthTraces() map[string][]byte {
	noise := "\x00\xff\x80 garbage \x7f\xfe"
	t1, t2 := sim.DefaultTags["em4100"][0], sim.DefaultTags["em4100"][1]
	u1, u2 := sim.DefaultTags["uhf-m100"][0], sim.DefaultTags["uhf-m100"][1]
	return map[string][]byte{
		"em4100-good.bin":     []byte(rdm6300 + rdm6300 + enc("em4100", t1) + enc("em4100", t2)),
		"em4100-broken.bin":   []byte(noise + flip(enc("em4100", t1), 11) + enc("em4100", t1)[:6] + enc("em4100", t2) + noise + enc("em4100", t2)[:9]),
		"uhf-m100-good.bin":   []byte(enc("uhf-m100", u1) + enc("uhf-m100", u1) + enc("uhf-m100", u2)),
		"uhf-m100-broken.bin": []byte(noise + flip(enc("uhf-m100", u1), -2) + "\xBB\x01\xFF\x00\x01\x15\x16\x7E" + enc("uhf-m100", u2)[:9] + enc("uhf-m100", u2)),
		"ascii-good.bin":      []byte("123456789\r\n987654321\r\n0A1B2C3D4F\n"),
		"ascii-broken.bin":    []byte(noise + "\r\n12345Z789\r\n" + strings.Repeat("7", 80) + "\r\n123456789\r\n1234"),
	}
}

func TestTraces(t *testing.T) {
	if *genTraces {
		for name, b := range synthTraces() {
			if err := os.WriteFile(filepath.Join("testdata", name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	files, _ := filepath.Glob("testdata/*.bin")
	if len(files) < 6 {
		t.Fatalf("%d traces in testdata/, want a good and a broken one per profile", len(files))
	}
	for _, file := range files {
		name := filepath.Base(file)
		profile := strings.TrimSuffix(strings.TrimSuffix(name, "-good.bin"), "-broken.bin")
		in, _ := os.ReadFile(file)
		whole, f := feed(t, cardreader.FramerOptions{Profile: profile}, in, len(in)+1)
		bytewise, _ := feed(t, cardreader.FramerOptions{Profile: profile}, in, 1)
		if !slices.Equal(describe(whole), describe(bytewise)) {
			t.Errorf("%s: whole %q, byte by byte %q", name, describe(whole), describe(bytewise))
		}
		var b strings.Builder
		for _, fr := range whole {
			if fr.Reject != nil {
				fmt.Fprintf(&b, "refused %s: %s\n", fr.Reject.Kind, fr.Reject.Reason)
			} else {
				fmt.Fprintf(&b, "tag %s rssi %d\n", fr.Tag, fr.RSSI)
			}
		}
		fmt.Fprintf(&b, "stats %+v\n", f.Stats())
		golden := strings.TrimSuffix(file, ".bin") + ".golden"
		if *update {
			os.WriteFile(golden, []byte(b.String()), 0o644)
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if b.String() != string(want) {
			t.Errorf("%s:\n got:\n%s\nwant:\n%s", name, b.String(), want)
		}
	}
}

func fuzzFramer(f *testing.F, o cardreader.FramerOptions) {
	files, _ := filepath.Glob("testdata/" + o.Profile + "-*.bin")
	for _, file := range files {
		b, _ := os.ReadFile(file)
		f.Add(b, uint16(len(b)/2))
	}
	for _, c := range cases {
		if c.opts.Profile == o.Profile {
			f.Add([]byte(c.in), uint16(3))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, cut uint16) {
		whole, fr := feed(t, o, in, len(in)+1)
		if got := fr.Stats().Bytes; got != uint64(len(in)) {
			t.Fatalf("counted %d bytes of %d", got, len(in))
		}
		k := int(cut)%(len(in)+1) + 1
		split, _ := feed(t, o, in, k)
		if !slices.Equal(describe(whole), describe(split)) {
			t.Fatalf("whole %q, in chunks of %d %q", describe(whole), k, describe(split))
		}
		for _, d := range whole {
			if d.Reject != nil {
				continue
			}
			if d.Tag == "" || len(d.Tag) > 128 || strings.ToUpper(d.Tag) != d.Tag || bytes.ContainsAny([]byte(d.Tag), "\r\n\x00") {
				t.Fatalf("tag %q", d.Tag)
			}
		}
	})
}

func FuzzEM4100(f *testing.F)  { fuzzFramer(f, cardreader.FramerOptions{Profile: "em4100"}) }
func FuzzUHFM100(f *testing.F) { fuzzFramer(f, cardreader.FramerOptions{Profile: "uhf-m100"}) }
func FuzzASCII(f *testing.F)   { fuzzFramer(f, cardreader.FramerOptions{Profile: "ascii"}) }
func FuzzASCIILength(f *testing.F) {
	fuzzFramer(f, cardreader.FramerOptions{Profile: "ascii", Length: 9, Format: "decimal"})
}
