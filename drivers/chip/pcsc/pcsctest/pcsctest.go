// Package pcsctest gives tests a real PC/SC reader with an emulated
// ePassport chip in it: Debian's pcscd with vsmartcard's vpcd virtual
// reader, and a cardsim.Card behind it, all on loopback.
package pcsctest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/cardsim"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/pcsc"
)

// The Debian packages' files (pcscd, vsmartcard-vpcd).
const (
	PcscdBin = "/usr/sbin/pcscd"
	VPCDLib  = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
)

// lockFile serialises the tests of every package (go test runs packages
// in parallel): one machine has one pcscd socket.
const lockFile = "/tmp/xpt-kiosk-pcscd.lock"

func lock(t testing.TB) {
	f, err := os.OpenFile(lockFile, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() }) // closing releases the lock, after the cleanups registered later
}

// Start gives a vpcd reader of a pcscd with card in it: the
// machine's pcscd when one runs (its vpcd listens on 127.0.0.1:35963, the
// Debian default), else a pcscd the test starts with a reader
// configuration of its own in which vpcd connects to the card on a free
// loopback port. It returns the client and the reader's name.
func Start(t testing.TB, card *cardsim.Card) (*pcsc.Client, string) {
	t.Helper()
	for _, f := range []string{PcscdBin, VPCDLib} {
		if _, err := os.Stat(f); err != nil {
			t.Skipf("%s missing: install pcscd and vsmartcard-vpcd (scripts/deps.sh)", f)
		}
	}
	lock(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if c, err := pcsc.Dial(""); err == nil {
		t.Log("using the running pcscd")
		t.Cleanup(func() { c.Close() })
		rs, err := c.Readers()
		if err != nil {
			t.Fatal(err)
		}
		vpcd := false
		for _, r := range rs {
			vpcd = vpcd || strings.HasPrefix(r.Name, "Virtual PCD")
		}
		if !vpcd {
			t.Fatalf("the running pcscd has no vpcd reader (readers %+v): was it started before vsmartcard-vpcd was installed? Restart it, or stop it and the test starts its own", rs)
		}
		go func() { // vpcd may still be starting (socket activation): retry until the test ends
			for ctx.Err() == nil {
				cardsim.Dial(ctx, fmt.Sprintf("127.0.0.1:%d", cardsim.DefaultVPCDPort), card)
				select {
				case <-ctx.Done():
				case <-time.After(100 * time.Millisecond):
				}
			}
		}()
		return c, waitReader(t, c)
	}
	clearStale(t)
	// vpcd drives two slots, on the configured port and the next, and
	// pcscd aborts when either cannot connect: listen on both, with the
	// passport in slot 0 and an empty chip in slot 1.
	ln, ln1 := listenPair(t)
	go cardsim.Listen(ctx, ln, card)
	go cardsim.Listen(ctx, ln1, &cardsim.Card{})
	dir := t.TempDir()
	conf := fmt.Sprintf("FRIENDLYNAME \"XPT test vpcd\"\nDEVICENAME %s\nLIBPATH %s\nCHANNELID 1\n", ln.Addr(), VPCDLib)
	if err := os.WriteFile(filepath.Join(dir, "vpcd"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cmd := exec.Command(PcscdBin, "--foreground", "--config", dir, "--error")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("pcscd said:\n%s", logs.String())
		}
	})
	var c *pcsc.Client
	var err error
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err = pcsc.Dial(""); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pcscd did not start: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(func() { c.Close() })
	return c, waitReader(t, c)
}

// listenPair listens on two consecutive free loopback ports.
func listenPair(t testing.TB) (net.Listener, net.Listener) {
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		if ln1, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port+1)); err == nil {
			return ln, ln1
		}
		ln.Close()
	}
	t.Fatal("no two consecutive free ports on 127.0.0.1")
	return nil, nil
}

func waitReader(t testing.TB, c *pcsc.Client) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var r pcsc.ReaderState
	for r.Name == "" {
		rs, err := c.Readers()
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range rs {
			if strings.HasSuffix(x.Name, " 00 00") && x.Present {
				r = x
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("no card in slot 0 of a vpcd reader (readers %+v)", rs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !bytes.Equal(r.ATR, cardsim.ATR) {
		t.Fatalf("reader %q has ATR %X, not the emulated chip's", r.Name, r.ATR)
	}
	return r.Name
}

// clearStale removes the socket and pid file a pcscd left when it was
// killed (a test binary stopped hard): pcscd refuses to start beside them
// while their pid looks alive, and a dead or zombie one is not.
func clearStale(t testing.TB) {
	dir := filepath.Dir(pcsc.DefaultSocket)
	b, err := os.ReadFile(filepath.Join(dir, "pcscd.pid"))
	if err != nil {
		return
	}
	stat, err := os.ReadFile(filepath.Join("/proc", strings.TrimSpace(string(b)), "stat"))
	if err == nil {
		if f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:])); len(f) > 0 && f[0] != "Z" {
			t.Fatalf("a pcscd (pid %s) runs but does not answer on %s", strings.TrimSpace(string(b)), pcsc.DefaultSocket)
		}
	}
	t.Logf("removing a dead pcscd's %s", dir)
	os.Remove(filepath.Join(dir, "pcscd.comm"))
	os.Remove(filepath.Join(dir, "pcscd.pid"))
}
