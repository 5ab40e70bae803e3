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
