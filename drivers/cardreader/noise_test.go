package cardreader_test

import (
	"math/rand/v2"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/drivers/cardreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/sim"
)

// TestAnyNoiseBetweenFrames: random bytes of every value between tag
// frames; every tag is still found, in order. (The ascii profile needs a
// tag length to cut noise glued in front of a tag.)
func TestAnyNoiseBetweenFrames(t *testing.T) {
	for _, o := range []cardreader.FramerOptions{{Profile: "em4100"}, {Profile: "uhf-m100"}, {Profile: "ascii", Length: 9}} {
		for seed := uint64(0); seed < 150; seed++ {
			rng := rand.New(rand.NewPCG(seed, 7))
			var in []byte
			var want []string
			for i := 0; i < 4; i++ {
				noise := make([]byte, rng.IntN(40))
				for j := range noise {
					noise[j] = byte(rng.UintN(256))
				}
				if o.Profile == "ascii" {
					noise = append(noise, '\r') // a line end after noise: a tag is one line
				}
				in = append(in, noise...)
				tag := sim.DefaultTags[o.Profile][rng.IntN(2)]
				in = append(in, enc(o.Profile, tag)...)
				want = append(want, tag)
			}
			for _, chunk := range []int{1, len(in)} {
				got, _ := feed(t, o, in, chunk)
				d := describe(got)
				i := 0
				for _, g := range d {
					if i < len(want) && g == want[i] {
						i++
					}
				}
				if i != len(want) {
					t.Fatalf("%s seed %d chunk %d: tags %q not all in %q\ninput %q", o.Profile, seed, chunk, want, d, in)
				}
			}
		}
	}
}
