package mrzreader_test

import (
	"strings"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/drivers/internal/readertest"
	"github.com/xpt-pilot/xpt-kiosk/drivers/mrzreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/sim"
)

// The lines profile's own tests; noise of any kind between documents is
// the serial readers' suite's (TestReaderSuite/AnyNoiseBetweenFrames).

// The lines profile resynchronises on the next line start: noise of an MRZ
// line's length, sent as whole lines right before a document with no
// silence in between, does not take the place of the document's first line
// (the document used to be lost: noise and line 1 made a "document", line 2
// was left alone).
func TestLinesResyncAfterNoiseLines(t *testing.T) {
	noise := []string{
		strings.Repeat("x", 44),                            // printable, not MRZ characters
		"12345678901234567890123456789012345678901234",     // MRZ characters, no document code
		"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",     // a first line, then another first line
		"ZZ<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<",     // filler-like noise
		"I<UTOD231458907<<<<<<<<<<<<<<<",                   // a TD1 first line, then a TD3
		"                                            ~~~~", // blanks and junk
	}
	for i, n := range noise {
		for _, doc := range []int{0, 1, 2} {
			in := []byte(n + "\r\n")
			in = append(in, specimen("lines", doc)...)
			want := strings.Join(sim.Specimens[doc], "|")
			for _, chunk := range []int{1, len(in)} {
				got, _ := feed(t, mrzreader.FramerOptions{Profile: "lines"}, in, chunk)
				if !readertest.Subsequence([]string{want}, describe(got)) {
					t.Errorf("noise %d, document %d, chunk %d: %q not in %q", i, doc, chunk, want, describe(got))
				}
			}
		}
	}
}

// The resync check knows the French national identity card: its line 2 has
// the birth date and sex where a TD2 has the nationality and the birth date
// (a card with sex X was refused as noise).
func TestLinesFrenchIdentityCard(t *testing.T) {
	for _, doc := range [][]string{
		{"IDFRAERIKSSON<<<<<<<<<<<<<<<<<426245", "78451NC467319KAI<<<<<<<<<<<5407165X9"},
		{"IDFRAPETE<<<<<<<<<<<<<<<<<<<<<952042", "0509952018746NICOLAS<<PAUL<8206152M3"},
	} {
		in := []byte(strings.Join(doc, "\r\n") + "\r\n\r\n")
		got, _ := feed(t, mrzreader.FramerOptions{Profile: "lines"}, in, len(in))
		if want := strings.Join(doc, "|"); !readertest.Subsequence([]string{want}, describe(got)) {
			t.Errorf("%q not in %q", want, describe(got))
		}
	}
}
