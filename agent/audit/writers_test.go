package audit

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// Two Logs on one file (two opens exclude each other as two processes do)
// appending at the same time: the chain runs through both writers' entries.
func TestTwoLogsOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	a, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var wg sync.WaitGroup
	for _, l := range []*Log{a, b, a, b} {
		wg.Add(1)
		go func(l *Log) {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				if _, _, err := l.Append(Entry{Kind: "device.fault", Detail: strconv.Itoa(i)}); err != nil {
					t.Error(err)
					return
				}
			}
		}(l)
	}
	wg.Wait()
	if n, _, err := b.Append(Entry{Kind: "device.fault", Detail: "last"}); err != nil || n != 401 {
		t.Fatalf("last entry n %d err %v, want 401", n, err)
	}
	verifyEntries(t, path, 401)
}

// The technician's command appends from another process while the agent
// appends: both chains join.
func TestWritersInTwoProcesses(t *testing.T) {
	if p := os.Getenv("AUDIT_TEST_CHILD"); p != "" {
		l, err := Open(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for i := 0; i < 200; i++ {
			if _, _, err := l.Append(Entry{Kind: "scanner.rescan", Source: "cli", Detail: strconv.Itoa(i)}); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		os.Exit(0)
	}
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestWritersInTwoProcesses$")
	cmd.Env = append(os.Environ(), "AUDIT_TEST_CHILD="+path)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 200; i++ {
		if _, _, err := l.Append(Entry{Kind: "device.fault", Detail: strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	// One more from the agent after the child is done: it reads the
	// child's last entries before it writes.
	if n, _, err := l.Append(Entry{Kind: "device.fault", Detail: "last"}); err != nil || n != 401 {
		t.Fatalf("last entry n %d err %v, want 401", n, err)
	}
	verifyEntries(t, path, 401)
}

func verifyEntries(t *testing.T, path string, want int) {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	res, err := Verify(fh)
	if err != nil || res.Entries != want {
		t.Fatalf("verify: %+v %v, want %d intact entries", res, err, want)
	}
}

// An append racing the log's close (a console request finishing while the
// agent stops) is an error, not a write to a closed descriptor.
func TestAppendAfterClose(t *testing.T) {
	l, err := Open(filepath.Join(t.TempDir(), "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 50; i++ {
			l.Append(Entry{Kind: "console.sign-out"})
		}
	}()
	l.Close()
	wg.Wait()
	if _, _, err := l.Append(Entry{Kind: "console.sign-out"}); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("append after close: %v", err)
	}
	if err := l.Close(); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("second close: %v", err)
	}
}
