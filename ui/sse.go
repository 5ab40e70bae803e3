package ui

import (
	"encoding/json"
	"net/http"
	"time"
)

// heartbeat keeps idle event streams open through proxies and lets a
// screen notice a dead link.
const heartbeat = 15 * time.Second

// stream sends snapshots as server-sent events: one at once, then one at
// each change of the kiosk whose key differs from the last one sent (an
// empty key means the snapshot's JSON). It ends when the client leaves.
func (s *server) stream(w http.ResponseWriter, r *http.Request, snap func() (any, string)) {
	rc := http.NewResponseController(w)
	// A stream outlives any write timeout the server may set for pages.
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte("retry: 2000\n\n")); err != nil {
		return
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	last := "\x00"
	alive := aliveFrom(r) // a console stream ends with its session
	for {
		if alive != nil && !alive() {
			return
		}
		changed := s.k.Changed() // before the snapshot, so no change is missed
		v, key := snap()
		b, err := json.Marshal(v)
		if err != nil {
			s.log.Error("ui: event encoding", "err", err)
			return
		}
		if key == "" {
			key = string(b)
		}
		if key != last {
			last = key
			if _, err := w.Write([]byte("event: snapshot\ndata: " + string(b) + "\n\n")); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
		select {
		case <-changed:
		case <-tick.C:
			if _, err := w.Write([]byte(": ping\n\n")); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		case <-r.Context().Done():
			return
		}
	}
}

func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}
