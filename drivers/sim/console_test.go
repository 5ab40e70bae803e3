package sim_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers/sim"
)

// Each reader's help leaves out the other reader's commands.
func TestReaderHelp(t *testing.T) {
	mrzHelp, cardHelp := sim.ReaderHelp(sim.KindMRZ), sim.ReaderHelp(sim.KindCard)
	if !strings.Contains(mrzHelp, "present [N]") || strings.Contains(mrzHelp, "card [TAG]") {
		t.Errorf("MRZ reader help:\n%s", mrzHelp)
	}
	if !strings.Contains(cardHelp, "card [TAG]") || strings.Contains(cardHelp, "present [N]") {
		t.Errorf("card reader help:\n%s", cardHelp)
	}
}

// The console stops at quit on standard input, or when it ends without a
// control socket; with one, a client's "shutdown" stops it.
func TestRunConsole(t *testing.T) {
	s, _ := pipeSim(t, sim.Options{Kind: sim.KindMRZ, Profile: "desko"})
	var out, info bytes.Buffer
	if err := sim.RunConsole(context.Background(), s, "", strings.NewReader("status\nquit\nstatus\n"), &out, &info); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 2 || lines[1] != "ok bye" {
		t.Fatalf("%q", lines)
	}
	if !strings.Contains(info.String(), "type 'help' for the commands") {
		t.Errorf("info %q", info.String())
	}
	out.Reset()
	if err := sim.RunConsole(context.Background(), s, "", strings.NewReader("status\n"), &out, &info); err != nil {
		t.Fatal(err)
	}
	s, _ = pipeSim(t, sim.Options{Kind: sim.KindMRZ, Profile: "desko"})
	control := filepath.Join(t.TempDir(), "ctl")
	done := make(chan error, 1)
	info.Reset()
	go func() { done <- sim.RunConsole(context.Background(), s, control, strings.NewReader(""), &out, &info) }()
	reply := controlCommand(t, control, "shutdown")
	if err := <-done; err != nil {
		t.Fatalf("%v (reply %q)", err, reply)
	}
	if !strings.Contains(info.String(), "control socket: "+control) {
		t.Errorf("info %q", info.String())
	}
	if err := sim.RunConsole(context.Background(), s, filepath.Join(t.TempDir(), "no", "such", "dir", "ctl"), strings.NewReader(""), &out, &info); err == nil {
		t.Error("a control socket in a missing folder")
	}
}

// controlCommand sends one command to the control socket at path, once it
// listens, and returns the reply.
func controlCommand(t *testing.T, path, cmd string) string {
	t.Helper()
	var conn net.Conn
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		var err error
		if conn, err = net.Dial("unix", path); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
	}
	defer conn.Close()
	io.WriteString(conn, cmd+"\n")
	l, _ := bufio.NewReader(conn).ReadString('\n')
	return strings.TrimSpace(l)
}
