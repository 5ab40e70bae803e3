package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/central"
	"github.com/xpt-pilot/xpt-kiosk/internal/testbroker"
)

func runCLI(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := dispatch(args, strings.NewReader(""), &out, &errb); code != exitOK {
		t.Fatalf("%v: exit %d\n%s%s", args, code, out.String(), errb.String())
	}
	return out.String()
}

func TestCentralSubcommandsHaveHelp(t *testing.T) {
	for name := range centralCommands {
		var out, errb bytes.Buffer
		if code := dispatch([]string{"central", name, "--help"}, nil, &out, &errb); code != exitOK || out.Len() == 0 {
			t.Errorf("central %s --help: exit %d, %q", name, code, errb.String())
		}
	}
	var out, errb bytes.Buffer
	if code := dispatch([]string{"central", "publish", "--records", "x.jsonl"}, nil, &out, &errb); code != exitUsage {
		t.Errorf("publish without --key: exit %d", code)
	}
}

// TestCentralOfflineFlow runs keygen, population, publish --offline and
// letter end to end, without a broker.
func TestCentralOfflineFlow(t *testing.T) {
	dir := t.TempDir()
	out := runCLI(t, "central", "keygen", "--id", "central-2026-a", "--out", filepath.Join(dir, "keys"))
	if !strings.Contains(out, `[trust.keys]`) || !strings.Contains(out, `"central-2026-a" = "`) {
		t.Fatalf("keygen: %s", out)
	}
	key := filepath.Join(dir, "keys", "central-2026-a.key")
	pop := filepath.Join(dir, "pop")
	out = runCLI(t, "central", "population", "--count", "300", "--seed", "4", "--today", "2026-11-27", "--out", pop, "--key", key)
	if !strings.Contains(out, "300 travelers") || !strings.Contains(out, "MRZ_INVALID=1") {
		t.Fatalf("population: %s", out)
	}
	state := filepath.Join(dir, "state")
	out = runCLI(t, "central", "publish", "--offline", "--key", key, "--records", filepath.Join(pop, "records.jsonl"), "--batch-size", "100", "--state", state)
	if !strings.Contains(out, "stored 4 batches (seq 1..4)") {
		t.Fatalf("publish: %s", out)
	}
	st, err := central.OpenStore(state)
	if err != nil || st.State().Seq != 4 || st.Head() == nil {
		t.Fatalf("state %+v %v", st.State(), err)
	}
	// A letter for the traveler who carries one.
	f, _ := os.Open(filepath.Join(pop, "travelers.jsonl"))
	defer f.Close()
	var auth string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var tr central.Traveler
		json.Unmarshal(sc.Bytes(), &tr)
		if tr.Scenario == "admit-letter" {
			auth = tr.AuthorizationID
		}
	}
	pdf, png := filepath.Join(dir, "letter.pdf"), filepath.Join(dir, "qr.png")
	out = runCLI(t, "central", "letter", "--auth", auth, "--records", filepath.Join(pop, "records.jsonl"), "--key", key, "--out", pdf, "--png", png, "--valid-until", "2027-01-31")
	if !strings.Contains(out, "XPT1.") {
		t.Fatalf("letter: %s", out)
	}
	for _, p := range []string{pdf, png} {
		if fi, err := os.Stat(p); err != nil || fi.Size() < 1000 {
			t.Fatalf("%s: %v", p, err)
		}
	}
}

// TestCentralWithBroker drives publish --serve, probe, command, decide,
// emit and listen through the command line against a real Mosquitto.
func TestCentralWithBroker(t *testing.T) {
	b := testbroker.New(t)
	dir := t.TempDir()
	runCLI(t, "central", "keygen", "--out", dir)
	key := filepath.Join(dir, "central-2026-a.key")
	pop := filepath.Join(dir, "pop")
	runCLI(t, "central", "population", "--count", "120", "--out", pop, "--key", key, "--today", "2026-11-27")
	state := filepath.Join(dir, "state")
	out := runCLI(t, "central", "publish", "--broker", b.URL(), "--key", key, "--records", filepath.Join(pop, "records.jsonl"), "--batch-size", "50", "--state", state)
	if !strings.Contains(out, "published 3 batches (seq 1..3)") {
		t.Fatalf("publish: %s", out)
	}
	// publish --serve for a few seconds, asked by a probe meanwhile.
	serveDone := make(chan int, 1)
	go func() {
		var o, e bytes.Buffer
		serveDone <- dispatch([]string{"central", "publish", "--broker", b.URL(), "--state", state, "--serve", "--serve-for", "4s"}, nil, &o, &e)
	}()
	time.Sleep(700 * time.Millisecond)
	out = runCLI(t, "central", "probe", "--broker", b.URL(), "--trust", filepath.Join(dir, "central-2026-a.pub"), "--kiosk", "cli-kiosk", "--from", "2", "--wait", "1s")
	if !strings.Contains(out, "head: seq 3") || !strings.Contains(out, "sync batch seq 2") || !strings.Contains(out, "sync batch seq 3") || !strings.Contains(out, "0 rejected") {
		t.Fatalf("probe: %s", out)
	}
	if code := <-serveDone; code != exitOK {
		t.Fatalf("serve exit %d", code)
	}

	listenOut := make(chan string, 1)
	go func() {
		var o, e bytes.Buffer
		dispatch([]string{"central", "listen", "--broker", b.URL(), "--store", filepath.Join(dir, "events"), "--duration", "3s", "--json"}, nil, &o, &e)
		listenOut <- o.String()
	}()
	time.Sleep(700 * time.Millisecond)
	runCLI(t, "central", "emit", "--broker", b.URL(), "--kiosk", "cli-kiosk", "--count", "6", "--skip", "4", "--dup", "2")
	runCLI(t, "central", "command", "--broker", b.URL(), "--key", key, "--kiosk", "cli-kiosk", "--type", "lock")
	runCLI(t, "central", "decide", "--broker", b.URL(), "--key", key, "--port", "YYZ", "--referral", "r-1", "--kiosk", "cli-kiosk", "--decision", "refuse", "--officer", "o-1")
	var rep central.Report
	if err := json.Unmarshal([]byte(<-listenOut), &rep); err != nil {
		t.Fatal(err)
	}
	k, ok := rep.Kiosk("cli-kiosk")
	if !ok || k.Events != 5 || k.Duplicates != 1 || k.MissingN != 1 || rep.OK {
		t.Fatalf("listen report %+v", rep)
	}
}
