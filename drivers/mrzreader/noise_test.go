package mrzreader_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/drivers/mrzreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/sim"
)

// TestAnyNoiseBetweenFrames puts random bytes of every value (delimiters
// included) between documents: every document must still be found, in
// order, whether the bytes come whole or one by one. Extra documents made
// of noise may appear (a desko frame of two noise lines is a frame); the
// agent's MRZ check refuses them.
func TestAnyNoiseBetweenFrames(t *testing.T) {
	for _, p := range mrzreader.Profiles {
		for seed := uint64(0); seed < 150; seed++ {
			rng := rand.New(rand.NewPCG(seed, 99))
			var in []byte
			var want []string
			for i := 0; i < 4; i++ {
				noise := make([]byte, rng.IntN(40))
				for j := range noise {
					noise[j] = byte(rng.UintN(256))
				}
				in = append(in, noise...)
				if p == "lines" && seed%2 == 0 {
					in = append(in, '\r', '\n') // half the time, a line end after the noise
				}
				doc := sim.Specimens[rng.IntN(len(sim.Specimens))]
				in = append(in, specimen(p, slicesIndex(doc))...)
				want = append(want, strings.Join(doc, "|"))
			}
			for _, chunk := range []int{1, len(in)} {
				got, _ := feed(t, mrzreader.FramerOptions{Profile: p}, in, chunk)
				if !subsequence(want, describe(got)) {
					t.Fatalf("%s seed %d chunk %d: documents %q not all in %q\ninput %q", p, seed, chunk, want, describe(got), in)
				}
			}
		}
	}
}

func slicesIndex(doc []string) int {
	for i, d := range sim.Specimens {
		if strings.Join(d, "") == strings.Join(doc, "") {
			return i
		}
	}
	return -1
}

// subsequence says whether want appears in got in order, other items between.
func subsequence(want, got []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

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
				if !subsequence([]string{want}, describe(got)) {
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
		if want := strings.Join(doc, "|"); !subsequence([]string{want}, describe(got)) {
			t.Errorf("%q not in %q", want, describe(got))
		}
	}
}
