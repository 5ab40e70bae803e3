package link

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/outbox"
	"github.com/xpt-pilot/xpt-kiosk/internal/testbroker"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

const helperEnv = "XPT_LINK_CRASH_HELPER"

// crashHelper is the agent process of TestAgentCrash: it appends events
// until the outbox holds XPT_TARGET of them (0: until it is killed), prints "D seq eventId" for each
// once it is durable and "C" once the link is connected (its Last Will is
// registered with the broker from then on), waits until all are delivered
// and exits.
func crashHelper() int {
	dir := os.Getenv(helperEnv)
	target, _ := strconv.ParseUint(os.Getenv("XPT_TARGET"), 10, 64)
	ob, err := outbox.Open(outbox.Options{Dir: filepath.Join(dir, "outbox"), KioskID: "yyz-crash-k1", PortCode: "YYZ"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	out := bufio.NewWriter(os.Stdout)
	var mu sync.Mutex
	connected := func(up bool, _ time.Time) {
		if up {
			mu.Lock()
			fmt.Fprintln(out, "C")
			out.Flush()
			mu.Unlock()
		}
	}
	keys := &wire.KeyRing{}
	l, err := New(Options{KioskID: "yyz-crash-k1", PortCode: "YYZ", Broker: os.Getenv("XPT_BROKER"), Keys: keys,
		StateDir: filepath.Join(dir, "link"), Outbox: ob, BackoffBase: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond,
		OnConnection: connected})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ { // concurrent sessions, as on a busy kiosk
		wg.Add(1)
		go func() {
			defer wg.Done()
			for target == 0 || ob.LastSeq() < target {
				ev := txEvent(0)
				seq, err := ob.Append(ev)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					return
				}
				mu.Lock()
				fmt.Fprintf(out, "D %d %s\n", seq, ev.EventID)
				out.Flush()
				mu.Unlock()
				time.Sleep(time.Millisecond)
			}
		}()
	}
	wg.Wait()
	for ob.Depth() > 0 {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	ob.Close()
	return 0
}

// TestAgentCrash kills the agent four times while it appends and delivers,
// then lets it finish: every durable event arrives once in seq order, and
// every run ends with an offline state on the retained state topic (the Last
// Will after a kill, the link's own publish after the clean stop).
//
// Each kill is armed only once the run has connected: a process killed before
// its CONNECT reached the broker has no Will to send (under load the first
// 200 ms of a run can pass before it connects, which made this test fail at
// random). And the next run starts only once the Will has arrived: Mosquitto
// discards, without sending it, the Will of a persistent session that a new
// connection with the same client ID takes over before the broker saw the old
// socket close.
func TestAgentCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess crash test")
	}
	b := testbroker.New(t)
	col := collector(t, b.URL())
	dir := t.TempDir()
	durable := map[uint64]string{}
	var maxSeq uint64
	offline := func() int {
		n := 0
		for _, s := range col.States("yyz-crash-k1") {
			if s.State == wire.StateOffline {
				n++
			}
		}
		return n
	}
	runs := 0
	// A killed run appends until it is killed: one that could reach its
	// target first would stop cleanly instead (this test once failed so,
	// when a fast run finished before its kill and the final run then had
	// nothing to send, never connected and published no offline state).
	// The final run appends 500 more, so it has events to deliver: it
	// connects, and its clean stop publishes the offline state.
	run := func(killAfter time.Duration, target uint64) {
		runs++
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"="+dir, "XPT_BROKER="+b.URL(), "XPT_TARGET="+strconv.FormatUint(target, 10))
		stdout, _ := cmd.StdoutPipe()
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var timer *time.Timer
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) == 1 && f[0] == "C" && killAfter > 0 && timer == nil {
				timer = time.AfterFunc(killAfter, func() { cmd.Process.Signal(syscall.SIGKILL) })
			}
			if len(f) == 3 && f[0] == "D" {
				seq, _ := strconv.ParseUint(f[1], 10, 64)
				if old, ok := durable[seq]; ok && old != f[2] {
					t.Errorf("seq %d reused: %s then %s", seq, old, f[2])
				}
				durable[seq] = f[2]
				maxSeq = max(maxSeq, seq)
			}
		}
		err := cmd.Wait()
		if timer != nil {
			timer.Stop()
		}
		if killAfter == 0 && err != nil {
			t.Fatalf("final run: %v: %s", err, stderr.String())
		}
		if killAfter > 0 && timer == nil {
			t.Fatalf("run %d never connected: %v: %s", runs, err, stderr.String())
		}
		if killAfter > 0 && err == nil {
			t.Fatalf("run %d ended before its kill: %s", runs, stderr.String())
		}
		if killAfter > 0 {
			t.Logf("run %d, kill %v after connecting: %v, %d durable so far", runs, killAfter, err, len(durable))
		} else {
			t.Logf("run %d, clean: %d durable so far", runs, len(durable))
		}
		if !col.WaitFor(10*time.Second, func() bool { return offline() >= runs }) {
			t.Fatalf("run %d (%v) left no offline state (Last Will or clean stop): %+v", runs, err, col.States("yyz-crash-k1"))
		}
	}
	for i := 0; i < 4; i++ {
		run(time.Duration(1+rand.IntN(500))*time.Millisecond, 0)
	}
	target := maxSeq + 500
	run(0, target)
	if !col.WaitFor(20*time.Second, func() bool { return col.Unique("yyz-crash-k1") >= len(durable) }) {
		t.Fatalf("lost events: %v", col.Report("yyz-crash-k1"))
	}
	r := col.Report("yyz-crash-k1")
	t.Log(r)
	if !r.OK() || r.Max < target || r.OutOfOrder != 0 {
		t.Fatalf("after crashes: %v", r)
	}
	got := col.EventIDs("yyz-crash-k1")
	for seq, id := range durable {
		if got[seq] != id {
			t.Fatalf("durable seq %d (%s) arrived as %q", seq, id, got[seq])
		}
	}
	if n := offline(); n != runs {
		t.Errorf("%d offline states for %d runs (4 kills and a clean stop): %+v", n, runs, col.States("yyz-crash-k1"))
	}
}
