package mrzreader_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/drivers/mrzreader"
)

// fuzzFramer checks, for any bytes cut anywhere: no panic, every byte
// counted, the same frames whether the bytes come whole or in two pieces,
// and documents of 2 or 3 printable lines with no padding left.
func fuzzFramer(f *testing.F, o mrzreader.FramerOptions) {
	files, _ := filepath.Glob("testdata/" + o.Profile + "-*.bin")
	for _, file := range files {
		b, _ := os.ReadFile(file)
		f.Add(b, uint16(len(b)/2))
	}
	for _, c := range cases {
		if c.profile == o.Profile {
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
				if d.Reject.Reason == "" || d.Reject.Kind == "" {
					t.Fatalf("refusal without a reason: %+v", d.Reject)
				}
				continue
			}
			if len(d.Lines) < 2 || len(d.Lines) > 3 {
				t.Fatalf("document of %d lines: %q", len(d.Lines), d.Lines)
			}
			for _, l := range d.Lines {
				if l == "" || strings.HasSuffix(l, "_") || strings.ContainsAny(l, "\r\n") || strings.TrimSpace(l) != l {
					t.Fatalf("line %q not cleaned", l)
				}
				for i := 0; i < len(l); i++ {
					if l[i] < 0x20 || l[i] > 0x7e {
						t.Fatalf("line %q holds byte 0x%02X", l, l[i])
					}
				}
			}
		}
	})
}

func FuzzDesko(f *testing.F) { fuzzFramer(f, mrzreader.FramerOptions{Profile: "desko"}) }
func Fuzz3M(f *testing.F)    { fuzzFramer(f, mrzreader.FramerOptions{Profile: "3m"}) }
func Fuzz3MUnchecked(f *testing.F) {
	fuzzFramer(f, mrzreader.FramerOptions{Profile: "3m", IgnoreBCC: true, IgnoreLength: true})
}
func FuzzLines(f *testing.F) { fuzzFramer(f, mrzreader.FramerOptions{Profile: "lines"}) }
func FuzzLinesAnyLength(f *testing.F) {
	fuzzFramer(f, mrzreader.FramerOptions{Profile: "lines", AnyLineLength: true})
}
