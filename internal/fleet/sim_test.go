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
