package mrzreader_test

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

	"github.com/xpt-pilot/xpt-kiosk/drivers/mrzreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/sim"
)

var (
	update    = flag.Bool("update", false, "rewrite the .golden files of testdata/ traces")
	genTraces = flag.Bool("gen-traces", false, "rewrite the synthetic .bin traces of testdata/ (recorded ones are never touched)")
)

var t0 = time.Unix(1_800_000_000, 0)

func specimen(profile string, i int) []byte {
	b, err := sim.EncodeMRZ(profile, sim.Specimens[i])
	if err != nil {
		panic(err)
	}
	return b
}

// cases is the shared table of raw bytes and what the framer makes of them.
var cases = []struct {
	name    string
	profile string
	opts    mrzreader.FramerOptions
	in      string
	want    []string // "L1|L2[|L3]" for a document, "!kind" for a refusal
}{
	{"desko TD3", "desko", mrzreader.FramerOptions{}, "\x1c\x02P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\rL898902C36UTO7408122F1204159ZE184226B<<<<<10\r\x03\x1d",
		[]string{"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<10"}},
	{"desko TD1 without SOD/EOD", "desko", mrzreader.FramerOptions{}, "\x02AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\rBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB\rCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC\r\x03",
		[]string{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA|BBBBBBBBBBBBBBBBBBBBBBBBBBBBBB|CCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"}},
	{"desko no CR before ETX, CRLF", "desko", mrzreader.FramerOptions{}, "\x02AB\r\nCD\x03", []string{"AB|CD"}},
	{"desko garbage between frames", "desko", mrzreader.FramerOptions{}, "xx\x00\xff\x02AB\rCD\r\x03zz\x02EF\rGH\r\x03", []string{"AB|CD", "EF|GH"}},
	{"desko cut by a new STX", "desko", mrzreader.FramerOptions{}, "\x02AB\rC\x02EF\rGH\r\x03", []string{"!partial", "EF|GH"}},
	{"desko one line", "desko", mrzreader.FramerOptions{}, "\x02AB\r\x03", []string{"!malformed"}},
	{"desko four lines", "desko", mrzreader.FramerOptions{}, "\x02A\rB\rC\rD\r\x03", []string{"!malformed"}},
	{"desko line noise inside is dropped", "desko", mrzreader.FramerOptions{}, "\x02AB\x01\rC\xffD\r\x03\x02EF\rGH\r\x03", []string{"AB|CD", "EF|GH"}},
	{"desko cut short, then SOD STX", "desko", mrzreader.FramerOptions{}, "\x02AB\rC\x1c\x02EF\rGH\r\x03", []string{"!partial", "EF|GH"}},
	{"desko oversize", "desko", mrzreader.FramerOptions{MaxFrame: 16}, "\x02" + strings.Repeat("A", 40) + "\x03\x02EF\rGH\r\x03", []string{"!oversize", "EF|GH"}},

	{"3m TD3 bottom-aligned", "3m", mrzreader.FramerOptions{}, string(specimen("3m", 0)), []string{strings.Join(sim.Specimens[0], "|")}},
	{"3m TD1", "3m", mrzreader.FramerOptions{}, string(specimen("3m", 1)), []string{strings.Join(sim.Specimens[1], "|")}},
	{"3m TD2 padded to 44", "3m", mrzreader.FramerOptions{}, string(specimen("3m", 2)), []string{strings.Join(sim.Specimens[2], "|")}},
	{"3m bad BCC", "3m", mrzreader.FramerOptions{}, string(corruptLast(specimen("3m", 0))), []string{"!bad_check"}},
	{"3m bad BCC accepted when switched off", "3m", mrzreader.FramerOptions{IgnoreBCC: true}, string(corruptLast(specimen("3m", 0))), []string{strings.Join(sim.Specimens[0], "|")}},
	{"3m wrong LEN", "3m", mrzreader.FramerOptions{}, string(withLen(specimen("3m", 0), 50)) + string(specimen("3m", 2)), []string{"!malformed", strings.Join(sim.Specimens[2], "|")}},
	{"3m wrong LEN accepted when switched off", "3m", mrzreader.FramerOptions{IgnoreLength: true, IgnoreBCC: true}, string(withLen(specimen("3m", 0), 50)), []string{strings.Join(sim.Specimens[0], "|")}},
	{"3m bad header", "3m", mrzreader.FramerOptions{}, "\x01\x10OX" + string(specimen("3m", 1)), []string{"!malformed", strings.Join(sim.Specimens[1], "|")}},
	{"3m noise around", "3m", mrzreader.FramerOptions{}, "\xff\xfe\x00" + string(specimen("3m", 1)) + "\x80\x81", []string{strings.Join(sim.Specimens[1], "|")}},
	{"3m truncated then a frame", "3m", mrzreader.FramerOptions{}, string(specimen("3m", 0)[:30]) + string(specimen("3m", 1)), []string{"!malformed", strings.Join(sim.Specimens[1], "|")}},

	{"lines CRLF and blank line", "lines", mrzreader.FramerOptions{}, string(specimen("lines", 0)), []string{strings.Join(sim.Specimens[0], "|")}},
	{"lines CR only, no blank line", "lines", mrzreader.FramerOptions{}, strings.Join(sim.Specimens[1], "\r") + "\r", []string{strings.Join(sim.Specimens[1], "|")}},
	{"lines LF only", "lines", mrzreader.FramerOptions{}, strings.Join(sim.Specimens[2], "\n") + "\n\n", []string{strings.Join(sim.Specimens[2], "|")}},
	{"lines noise glued in front", "lines", mrzreader.FramerOptions{}, "\x80\x91zz" + string(specimen("lines", 0)), []string{strings.Join(sim.Specimens[0], "|")}},
	{"lines a short line is noise", "lines", mrzreader.FramerOptions{}, "HELLO\r\n" + string(specimen("lines", 2)), []string{"!malformed", strings.Join(sim.Specimens[2], "|")}},
	{"lines half a document then blank", "lines", mrzreader.FramerOptions{}, sim.Specimens[1][0] + "\r\n\r\n", []string{"!partial"}},
	{"lines length changes", "lines", mrzreader.FramerOptions{}, sim.Specimens[0][0] + "\r\n" + string(specimen("lines", 2)), []string{"!partial", strings.Join(sim.Specimens[2], "|")}},
	{"lines any length ends at blank line", "lines", mrzreader.FramerOptions{AnyLineLength: true}, "ABC\r\nDEF\r\n\r\n", []string{"ABC|DEF"}},
	{"lines any length keeps the last 3", "lines", mrzreader.FramerOptions{AnyLineLength: true}, "A\nB\nC\nD\n\n", []string{"!partial", "B|C|D"}},
	{"lines wrong baud", "lines", mrzreader.FramerOptions{}, "\xf0\x80\xfe\xe0\x80\x80\xf8\r\n", []string{"!malformed"}},
	{"lines oversize line", "lines", mrzreader.FramerOptions{}, strings.Repeat("A", 200) + "\r\n" + string(specimen("lines", 0)), []string{"!oversize", strings.Join(sim.Specimens[0], "|")}},
}

func corruptLast(b []byte) []byte { b = bytes.Clone(b); b[len(b)-1] ^= 0x55; return b }
func withLen(b []byte, n byte) []byte {
	b = bytes.Clone(b)
	b[1] = n
	return b
}

func describe(frames []mrzreader.Frame) []string {
	var out []string
	for _, f := range frames {
		if f.Reject != nil {
			out = append(out, "!"+string(f.Reject.Kind))
		} else {
			out = append(out, strings.Join(f.Lines, "|"))
		}
	}
	return out
}

func feed(t testing.TB, o mrzreader.FramerOptions, in []byte, chunk int) ([]mrzreader.Frame, mrzreader.Framer) {
	f, err := mrzreader.NewFramer(o)
	if err != nil {
		t.Fatal(err)
	}
	var out []mrzreader.Frame
	now := t0
	for len(in) > 0 {
		n := min(chunk, len(in))
		out = append(out, f.Feed(in[:n], now)...)
		in = in[n:]
		now = now.Add(time.Millisecond)
	}
	out = append(out, f.Expire(now.Add(time.Hour))...) // silence at the end
	return out, f
}

func TestFramerTable(t *testing.T) {
	for _, c := range cases {
		c.opts.Profile = c.profile
		for _, chunk := range []int{1, 3, 4096} {
			got, _ := feed(t, c.opts, []byte(c.in), chunk)
			if d := describe(got); !slices.Equal(d, c.want) {
				t.Errorf("%s (chunks of %d):\n got %q\nwant %q", c.name, chunk, d, c.want)
			}
		}
	}
}

// TestSilence: a partial frame is dropped after InterByteTimeout, and a
// lines document with a missing final CR ends after LineSilence.
func TestSilence(t *testing.T) {
	f, _ := mrzreader.NewFramer(mrzreader.FramerOptions{Profile: "desko", InterByteTimeout: 100 * time.Millisecond})
	if out := f.Feed([]byte("\x02AB\rC"), t0); len(out) != 0 || f.Deadline() != t0.Add(100*time.Millisecond) {
		t.Fatalf("out %v deadline %v", out, f.Deadline())
	}
	if d := describe(f.Expire(t0.Add(100 * time.Millisecond))); !slices.Equal(d, []string{"!partial"}) || !f.Deadline().IsZero() {
		t.Fatalf("after silence %q, deadline %v", d, f.Deadline())
	}
	if d := describe(f.Feed([]byte("D\r\x02EF\rGH\r\x03"), t0.Add(time.Second))); !slices.Equal(d, []string{"EF|GH"}) {
		t.Fatalf("after resync %q", d)
	}

	l, _ := mrzreader.NewFramer(mrzreader.FramerOptions{Profile: "lines", AnyLineLength: true})
	l.Feed([]byte("AAA\rBBB"), t0)
	if l.Deadline() != t0.Add(150*time.Millisecond) {
		t.Fatalf("lines deadline %v", l.Deadline())
	}
	if d := describe(l.Expire(l.Deadline())); !slices.Equal(d, []string{"AAA|BBB"}) {
		t.Fatalf("lines after silence %q", d)
	}
}

func TestUnknownProfile(t *testing.T) {
	_, err := mrzreader.NewFramer(mrzreader.FramerOptions{Profile: "acme"})
	if err == nil || !strings.Contains(err.Error(), "desko, 3m, lines") {
		t.Fatalf("err %v", err)
	}
}

// traces are the byte traces in testdata/; synthetic ones are made from the
// simulator's encoder (go test -gen-traces), recorded ones (from
// 'xpt-kiosk devices capture --save') are only replayed.
func synthTraces() map[string][]byte {
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	enc := func(p string, i int) []byte { return specimen(p, i) }
	noise := []byte("\x00\xff\x80\x7f garbage \x1b[0m\xfe")
	m := map[string][]byte{}
	for _, p := range []string{"desko", "3m", "lines"} {
		m[p+"-good.bin"] = cat(enc(p, 0), enc(p, 1), enc(p, 2))
	}
	m["desko-broken.bin"] = cat(noise, enc("desko", 0)[:20], enc("desko", 1), []byte("\x02ONLY ONE LINE\r\x03"), noise, enc("desko", 2)[:50])
	m["3m-broken.bin"] = cat(noise, corruptLast(enc("3m", 0)), withLen(enc("3m", 1), 9), enc("3m", 2), enc("3m", 0)[:40])
	m["lines-broken.bin"] = cat(noise, []byte("\r\n"), []byte(sim.Specimens[0][0]+"\r\n\r\n"), noise, enc("lines", 1), []byte("SHORT LINE\r\n"), enc("lines", 2)[:30])
	return m
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
		profile, _, _ := strings.Cut(name, "-")
		in, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		whole, f := feed(t, mrzreader.FramerOptions{Profile: profile}, in, len(in)+1)
		bytewise, _ := feed(t, mrzreader.FramerOptions{Profile: profile}, in, 1)
		if !slices.Equal(describe(whole), describe(bytewise)) {
			t.Errorf("%s: fed whole %q, byte by byte %q", name, describe(whole), describe(bytewise))
		}
		var b strings.Builder
		for _, fr := range whole {
			if fr.Reject != nil {
				fmt.Fprintf(&b, "refused %s: %s\n", fr.Reject.Kind, fr.Reject.Reason)
			} else {
				fmt.Fprintf(&b, "document %s\n", strings.Join(fr.Lines, " | "))
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
