package capture

import (
	"testing"
)

// Every profile of every reader has a strictness of its own, so that a
// profile added to a registry cannot be left out of auto-detection's
// tie-break.
func TestEveryProfileHasItsOwnStrictness(t *testing.T) {
	seen := map[int]string{}
	for _, p := range Profiles() {
		s := Strictness(p)
		if s <= 0 {
			t.Errorf("profile %s: Strictness %d, want above 0 (set it in its registry)", p, s)
		}
		if q, dup := seen[s]; dup {
			t.Errorf("profiles %s and %s share Strictness %d: ties would be broken by chance", q, p, s)
		}
		seen[s] = p
	}
	if Strictness("acme") != 0 {
		t.Errorf("unknown profile: Strictness %d, want 0", Strictness("acme"))
	}
}

// The tie-break order the command always had: 3m, desko, em4100,
// uhf-m100, lines, ascii.
func TestStrictnessOrder(t *testing.T) {
	want := []string{"3m", "desko", "em4100", "uhf-m100", "lines", "ascii"}
	for i := 1; i < len(want); i++ {
		if Strictness(want[i-1]) <= Strictness(want[i]) {
			t.Errorf("%s (%d) should be stricter than %s (%d)", want[i-1], Strictness(want[i-1]), want[i], Strictness(want[i]))
		}
	}
}

func TestBest(t *testing.T) {
	for _, c := range []struct {
		name   string
		scores []Score
		want   string
	}{
		{"none good", []Score{{Profile: "desko", Frames: 3, Refused: 3}, {Profile: "ascii"}}, ""},
		{"most good less refusals", []Score{{Profile: "desko", Frames: 2, Good: 2}, {Profile: "lines", Frames: 4, Good: 4, Refused: 1}}, "lines"},
		{"refusals count", []Score{{Profile: "lines", Frames: 5, Good: 3, Refused: 4}, {Profile: "ascii", Frames: 1, Good: 1}}, "ascii"},
		{"tie: the stricter framing", []Score{{Profile: "lines", Frames: 2, Good: 2}, {Profile: "3m", Frames: 2, Good: 2}, {Profile: "desko", Frames: 2, Good: 2}}, "3m"},
		{"tie across readers", []Score{{Profile: "ascii", Frames: 1, Good: 1}, {Profile: "em4100", Frames: 1, Good: 1}}, "em4100"},
		{"a good frame is needed, whatever the score", []Score{{Profile: "3m", Frames: 1, Refused: 0}}, ""},
	} {
		got, ok := Best(c.scores)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("%s: Best = %q, %v; want %q", c.name, got, ok, c.want)
		}
	}
}
