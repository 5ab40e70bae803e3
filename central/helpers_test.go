package central

import (
	"sync"
	"testing"
	"time"
)

// recorder is a Sink that keeps what was published, in order.
type recorder struct {
	mu   sync.Mutex
	msgs []published
}

type published struct {
	topic    string
	qos      byte
	retained bool
	payload  []byte
}

func (r *recorder) Publish(topic string, qos byte, retained bool, payload []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, published{topic, qos, retained, append([]byte(nil), payload...)})
	return nil
}

func (r *recorder) Flush(time.Duration) error { return nil }

func (r *recorder) on(topic string) []published {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []published
	for _, m := range r.msgs {
		if m.topic == topic {
			out = append(out, m)
		}
	}
	return out
}

func testSigner(t testing.TB) Signer {
	t.Helper()
	s, err := GenerateSigner("central-test", nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var testToday = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
