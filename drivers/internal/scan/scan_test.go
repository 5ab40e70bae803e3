package scan

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
)

// '<' payload '>' with at most 8 payload bytes, none of them '<'.
func parseAngle(buf []byte) (int, string, *drivers.Reject) {
	for i := 1; i < len(buf); i++ {
		switch buf[i] {
		case '>':
			return i + 1, string(buf[1:i]), nil
		case '<':
			return 0, "", drivers.Rejectf(drivers.RejectPartial, "new start")
		}
	}
	return 0, "", nil
}

func TestBoundedAndResync(t *testing.T) {
	s := &Scanner[string]{Start: '<', Max: 10, Timeout: time.Second, Parse: parseAngle}
	t0 := time.Unix(0, 0)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := 0; i < 2000; i++ {
		p := make([]byte, rng.IntN(50))
		for j := range p {
			p[j] = "<>ab"[rng.IntN(4)]
		}
		s.Feed(p, t0)
		if s.Pending() > s.Max+1 {
			t.Fatalf("buffer holds %d bytes, Max %d", s.Pending(), s.Max)
		}
	}
	s.Reset() // keeps the counters: a lost port does not reset them
	s.Stats = drivers.Stats{}
	out := s.Feed([]byte("junk<abc<de>x<aaaaaaaaaaaaaaaa>y<zz"), t0)
	var got []string
	for _, r := range out {
		if r.Reject != nil {
			got = append(got, "!"+string(r.Reject.Kind))
		} else {
			got = append(got, r.Value)
		}
	}
	want := []string{"!partial", "de", "!oversize"}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	if s.Deadline() != t0.Add(time.Second) {
		t.Fatalf("deadline %v", s.Deadline())
	}
	ex := s.Expire(t0.Add(time.Second))
	if len(ex) != 1 || ex[0].Reject.Kind != drivers.RejectPartial || !bytes.Equal(ex[0].Raw, []byte("<zz")) || !s.Deadline().IsZero() {
		t.Fatalf("expire: %+v, deadline %v", ex, s.Deadline())
	}
	if st := s.Stats; st.Frames != 1 || st.Partial < 2 || st.Oversize < 1 || st.Skipped == 0 {
		t.Fatalf("stats %+v", st)
	}
}
