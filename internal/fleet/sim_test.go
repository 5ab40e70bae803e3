package fleet

import (
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/internal/testbroker"
)

func TestSmallFleetWithRestart(t *testing.T) {
	if !testbroker.Available() {
		t.Skip("mosquitto not installed")
	}
	var prog strings.Builder
	res, err := RunSim(t.Context(), SimConfig{Kiosks: 10, EventsPerKiosk: 20, Duration: 2 * time.Second, RestartAt: time.Second,
		DataDir: t.TempDir(), BackoffBase: 100 * time.Millisecond, BackoffMax: time.Second, Progress: &prog})
	if err != nil {
		t.Fatal(err)
	}
	if res.Events != 200 || res.Received != 200 || res.Lost != 0 || res.Conflicts != 0 || res.NotReconnected != 0 || len(res.Reconnect) != 10 {
		t.Fatalf("%+v\n%s", res, prog.String())
	}
	t.Logf("reconnect p50 %v max %v\n%s", Percentile(res.Reconnect, .5), Percentile(res.Reconnect, 1), Histogram(res.Reconnect, 200*time.Millisecond))
}

// The report's verdict: OK with no event lost, FAIL with one lost or a
// kiosk that did not reconnect after the restart.
func TestWriteReport(t *testing.T) {
	ok := &SimResult{Kiosks: 2, Events: 4, Received: 4, Restarted: true, DownFor: time.Second,
		Reconnect: []time.Duration{100 * time.Millisecond, 300 * time.Millisecond}}
	var b strings.Builder
	if !ok.WriteReport(&b) || !strings.HasSuffix(b.String(), "OK: no event lost\n") ||
		!strings.Contains(b.String(), "reconnected 2/2") || !strings.Contains(b.String(), "reconnect spread") {
		t.Fatalf("%s", b.String())
	}
	for _, bad := range []*SimResult{{Kiosks: 1, Events: 2, Received: 1, Lost: 1, BadKiosks: []string{"k1: lost 1"}}, {Kiosks: 1, NotReconnected: 1}} {
		b.Reset()
		if bad.WriteReport(&b) || !strings.HasSuffix(b.String(), "FAIL\n") {
			t.Fatalf("%s", b.String())
		}
	}
}
