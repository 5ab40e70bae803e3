package capture

import (
	"slices"

	"github.com/xpt-pilot/xpt-kiosk/drivers/cardreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/mrzreader"
)

// Profiles lists every reader profile, MRZ readers' then card readers',
// from the drivers' registries: the ones auto-detection tries.
func Profiles() []string {
	return append(slices.Clone(mrzreader.Profiles), cardreader.Profiles...)
}

// Strictness ranks a profile's framing (its registry's Strictness): higher
// is stricter; 0 for an unknown profile.
func Strictness(profile string) int {
	if s, ok := mrzreader.ProfileStrictness(profile); ok {
		return s
	}
	s, _ := cardreader.ProfileStrictness(profile)
	return s
}

// Score is what one profile's framer made of a capture, for auto-detection.
type Score struct {
	Profile string
	Frames  int // frames decoded
	Good    int // of them, the good ones: for an MRZ reader, valid MRZs
	Refused int // frames refused
}

// Value is the score auto-detection compares: good frames less refusals.
func (s Score) Value() int { return s.Good - s.Refused }

// Best picks the profile that fits the bytes best: among those with at
// least one good frame, the highest Value; on a tie, the stricter framing
// (Strictness). False when no profile made a good frame.
func Best(scores []Score) (string, bool) {
	best := -1
	for i, s := range scores {
		if s.Good == 0 {
			continue
		}
		if best < 0 || s.Value() > scores[best].Value() ||
			(s.Value() == scores[best].Value() && Strictness(s.Profile) > Strictness(scores[best].Profile)) {
			best = i
		}
	}
	if best < 0 {
		return "", false
	}
	return scores[best].Profile, true
}
