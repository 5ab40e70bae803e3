package drivers

import (
	"testing"
	"time"
)

func TestMisreadsTake(t *testing.T) {
	var m Misreads
	t0 := time.Unix(1_800_000_000, 0)
	steps := []struct {
		kind RejectKind
		at   time.Duration
		want bool
	}{
		{RejectMalformed, 0, false}, // noise is no misread
		{RejectOversize, 0, false},
		{RejectBadCheck, 0, true},
		{RejectPartial, time.Second, false}, // within the interval
		{RejectPartial, MisreadInterval, true},
		{RejectBadCheck, MisreadInterval + time.Millisecond, false},
		{RejectBadCheck, -time.Hour, true}, // the clock went back: not stuck
	}
	for i, s := range steps {
		if got := m.Take(s.kind, t0.Add(s.at)); got != s.want {
			t.Errorf("step %d (%s at %v): %v, want %v", i, s.kind, s.at, got, s.want)
		}
	}
}
